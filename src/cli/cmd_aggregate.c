/* Placeholder: replaced by the module that implements 'visible aggregate'. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_aggregate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "visible aggregate: not implemented yet\n");
    return 1;
}
