/*
 * demo (cli) — seeds the demo data for a first look at the platform
 * (`visible serve --demo`): once per database (a settings flag), a few
 * worker and client accounts with known passwords (core/demo.h's
 * DEMO_PASSWORD), the clients' funds credited through the ledger like any
 * admin credit, then every family's demo content through its own seeding
 * function. It lives with the command line because it is the one place that
 * calls into every family: core depends on none of them. Prints the logins
 * to out.
 */
#ifndef VIS_CLI_DEMO_H
#define VIS_CLI_DEMO_H

#include <stdio.h>

#include "core/account.h"
#include "core/config.h"
#include "store/store.h"

int demo_seed(store *db, const vis_config *cfg, const account_pwcost *cost, int64_t now_ms, FILE *out,
              vis_err *err);

#endif
