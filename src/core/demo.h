/*
 * demo — demo data for a first look at the platform (`visible serve --demo`).
 *
 * Seeds, once per database (a settings flag), a few worker and client
 * accounts with known passwords and credits the clients' funds through the
 * ledger like any admin credit. Families add their own demo content here
 * as they arrive. Prints the logins to the given stream.
 */
#ifndef VIS_CORE_DEMO_H
#define VIS_CORE_DEMO_H

#include <stdio.h>

#include "core/account.h"
#include "core/config.h"
#include "store/store.h"

#define DEMO_PASSWORD "demo-password"

int demo_seed(store *db, const vis_config *cfg, const account_pwcost *cost, int64_t now_ms, FILE *out,
              vis_err *err);
/* Create the first admin and write its token (mode 0600) to path, if no
 * admin exists yet. *created tells whether it did. */
int demo_bootstrap_admin(store *db, const char *path, int64_t now_ms, int *created, vis_err *err);

#endif
