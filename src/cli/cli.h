/* cli — helpers shared by the subcommands. */
#ifndef VIS_CLI_CLI_H
#define VIS_CLI_CLI_H

#include <getopt.h>
#include <stddef.h>

#include "core/config.h"

/* Defaults, then the file named by a 'c' (--config) option. 2 on error. */
int  cli_load_config(int argc, char **argv, const struct option *opts, const char *shortopts, vis_config *cfg);
void cli_admin_token_path(const vis_config *cfg, char *out, size_t cap);

#endif
