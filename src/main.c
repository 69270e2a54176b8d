/* visible — the single binary: dispatches to a subcommand (src/cli/). */
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "cli/commands.h"

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} command;

static const command commands[] = {
    {"serve", cmd_serve, "run the platform: HTTP API, web UI, dispatcher"},
    {"version", cmd_version, "print the version"},
    {"admin", cmd_admin, "administration: create-account, ..."},
    {"journal", cmd_journal, "work journal tools: verify"},
    {"store", cmd_store, "the database: migrate, copy a platform between SQLite and PostgreSQL"},
    {"config", cmd_config, "print every setting with its default"},
    {"routes", cmd_routes, "list the HTTP routes"},
    {"aggregate", cmd_aggregate, "truth inference over crowd labels (CSV)"},
    {"dispatch", cmd_dispatch, "dispatch tools: simulate on MDRP instances"},
    {"moderation", cmd_moderation, "moderation classifier: train, eval"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: visible COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n'visible COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
    mem_json_init(); /* one out-of-memory policy (base/mem.h) */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) return cmd_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "visible: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
