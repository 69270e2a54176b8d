/*
 * commands — the subcommands of the `visible` binary.
 *
 * main() dispatches argv[1] to one of these. Each takes the argv that
 * follows the subcommand name (argv[0] is the subcommand itself), parses its
 * own options with getopt_long, answers --help, and returns the process exit
 * status: 0 ok, 1 failure, 2 usage error or bad input.
 */
#ifndef VIS_CLI_COMMANDS_H
#define VIS_CLI_COMMANDS_H

int cmd_serve(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_journal(int argc, char **argv);
int cmd_store(int argc, char **argv);       /* migrate, copy between databases */
int cmd_routes(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_aggregate(int argc, char **argv);   /* truth inference, offline */
int cmd_dispatch(int argc, char **argv);    /* dispatch simulator */
int cmd_moderation(int argc, char **argv);  /* classifier train/eval */

#endif
