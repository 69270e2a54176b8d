/*
 * disp_state — the states of delivery jobs, offers and courier onboarding:
 * text in the store (the CHECKs of src/store/schema_dispatch.c), enums in
 * the code. A state is parsed once, where its row is read, and compared as
 * an enum; *_name gives the text back (one table per kind) for JSON,
 * messages and the journal. A text no table knows (a newer schema, a
 * damaged row) parses to -1, which the row readers report as a store error
 * (disp_state_unknown), never as a crash or a silent state.
 *
 * Jobs shown to people have one more state, "scheduled": an open job not
 * yet in the dispatch window — placed for later, or ready further ahead
 * than dispatch.schedule_lead_s (disp_job_json). It is a view of
 * DISP_JS_OPEN, not a stored state, so it is not in the table.
 */
#ifndef VIS_DISPATCH_DISP_STATE_H
#define VIS_DISPATCH_DISP_STATE_H

#include "base/err.h"

/* disp_jobs.state (the engine's own disp_jstate, disp_engine.h, is the simulated job's) */
typedef enum disp_jst {
    DISP_JS_OPEN, DISP_JS_OFFERED, DISP_JS_ASSIGNED, DISP_JS_PICKED_UP, DISP_JS_DELIVERED, DISP_JS_CANCELLED, DISP_JS_N
} disp_jst;
/* disp_offers.state */
typedef enum disp_ost {
    DISP_OS_PENDING, DISP_OS_ACCEPTED, DISP_OS_DECLINED, DISP_OS_EXPIRED, DISP_OS_WITHDRAWN, DISP_OS_N
} disp_ost;
/* a courier's onboarding: no disp_onboarding row = applied; else its state */
typedef enum disp_obst { DISP_OB_APPLIED, DISP_OB_APPROVED, DISP_OB_SUSPENDED, DISP_OB_N } disp_obst;

/* The enum of a text, or -1 when unknown (s may be NULL). */
int disp_jst_parse(const char *s);
int disp_ost_parse(const char *s);
int disp_obst_parse(const char *s);
/* A job's state as shown (disp_job_json): "scheduled" is DISP_JS_OPEN. */
int disp_jst_parse_shown(const char *s);
/* The text of a state ("unknown" out of range). */
const char *disp_jst_name(disp_jst s);
const char *disp_ost_name(disp_ost s);
const char *disp_obst_name(disp_obst s);

/* A state text read from the store that no table knows: VIS_ESTORE naming
 * what (e.g. "job 7") and the text. */
int disp_state_unknown(vis_err *err, const char *what, long long id, const char *text);

#endif
