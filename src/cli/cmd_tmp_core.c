/* Temporary: core commands are being written (issue 2). */
#include <stdio.h>
#include "cli/commands.h"
#define STUB(n) int n(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "not yet\n"); return 1; }
STUB(cmd_serve) STUB(cmd_admin) STUB(cmd_journal) STUB(cmd_routes) STUB(cmd_config)
int cmd_version(int argc, char **argv) { (void)argc; (void)argv; puts("visible " VIS_VERSION); return 0; }
