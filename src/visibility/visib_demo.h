/*
 * visib_demo — demo work history for the visibility layer (`serve --demo`):
 * eight weeks of sessions of 36 login-less demo workers in the three
 * families, paid through the ledger, so that the public observatory shows
 * a realistic picture above its k threshold. Runs inside demo_seed's
 * transaction; see visib_demo.c for what is generated.
 */
#ifndef VIS_VISIBILITY_VISIB_DEMO_H
#define VIS_VISIBILITY_VISIB_DEMO_H

#include <stdint.h>

#include "base/err.h"
#include "core/config.h"
#include "store/store.h"

int visib_demo_seed(store *db, const vis_config *cfg, int64_t now_ms, vis_err *err);

#endif
