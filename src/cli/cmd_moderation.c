/* Placeholder: replaced by the module that implements 'visible moderation'. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_moderation(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "visible moderation: not implemented yet\n");
    return 1;
}
