/* Placeholder: replaced by the module that implements 'visible dispatch'. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_dispatch(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "visible dispatch: not implemented yet\n");
    return 1;
}
