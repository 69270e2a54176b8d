/*
 * demo — what the core gives a demo: the demo accounts' password and the
 * first admin. Seeding the demo data itself (accounts, funds and every
 * family's content) is wired in the command line (cli/demo.h), since it
 * calls into every family and the core depends on none of them.
 */
#ifndef VIS_CORE_DEMO_H
#define VIS_CORE_DEMO_H

#include <stdio.h>

#include "core/account.h"
#include "core/config.h"
#include "store/store.h"

#define DEMO_PASSWORD "demo-password"

/* Create the first admin and write its token (mode 0600) to path, if no
 * admin exists yet. *created tells whether it did. */
int demo_bootstrap_admin(store *db, const char *path, int64_t now_ms, int *created, vis_err *err);

#endif
