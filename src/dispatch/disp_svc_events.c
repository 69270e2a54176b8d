/* disp_svc_events — what changed for a restaurant (issue 16): its jobs that
 * are live, or ended since a cursor, each as tracking shows it (state,
 * courier position while on the job, ETA, drop-off contact) with the alerts
 * raised on it. The restaurant's event stream (GET /v1/delivery/events)
 * takes this every second and pushes it when it differs. */
#include <string.h>

#include "dispatch/disp_svc_int.h"
#include "store/sql_dispatch.h"

int disp_job_alerts(disp_ctx *c, int64_t job, const char *state, json_t **out, vis_err *err)
{
    json_t *a = json_array();
    store_stmt *q = store_query(c->db, SQL_DISP_ALERTS_OF_JOB, err, "i", job);
    if (!q) {
        json_decref(a);
        return disp_store_err(err);
    }
    int st = disp_jst_parse_shown(state); /* as tracking shows it (scheduled: open) */
    bool unassigned = st == DISP_JS_OPEN || st == DISP_JS_OFFERED;
    bool ended = st == DISP_JS_DELIVERED || st == DISP_JS_CANCELLED;
    int r;
    while ((r = store_row(q, err)) == 1) {
        const char *kind = store_col_text(q, 0);
        /* an alert matters while its cause lasts: nobody found while unassigned, late until the job ends */
        bool active = !strcmp(kind, "late") ? !ended : unassigned;
        json_array_append_new(a,
                              JSON_PACK("{s:s, s:I, s:I, s:s, s:b}", "kind", kind, "since_ms",
                                        (json_int_t)store_col_i64(q, 1), "raised_ms", (json_int_t)store_col_i64(q, 2),
                                        "reason", store_col_text(q, 3), "active", active));
    }
    store_done(q);
    if (r < 0) {
        json_decref(a);
        return disp_store_err(err);
    }
    *out = a;
    return 0;
}

int disp_client_changes(disp_ctx *c, int64_t since_ms, json_t **out, vis_err *err)
{
    enum { MAXJ = 50 };
    int64_t ids[MAXJ];
    int n = 0, r;
    store_stmt *q = store_query(c->db, SQL_DISP_CLIENT_CHANGED, err, "ii", svc_actor(c), since_ms);
    if (!q) return disp_store_err(err);
    while ((r = store_row(q, err)) == 1 && n < MAXJ) ids[n++] = store_col_i64(q, 0);
    store_done(q);
    if (r < 0) return disp_store_err(err);
    json_t *jobs = json_array();
    for (int k = 0; k < n; k++) {
        json_t *o = NULL, *al = NULL;
        if (disp_job_track(c, ids[k], false, &o, err) || disp_dropoff_decorate(c, o, "client", err) ||
            disp_job_alerts(c, ids[k], json_string_value(json_object_get(o, "state")), &al, err)) {
            json_decref(o);
            json_decref(jobs);
            return err->code;
        }
        json_object_set_new(o, "alerts", al);
        json_array_append_new(jobs, o);
    }
    *out =
        JSON_PACK("{s:I, s:I, s:o}", "time_ms", (json_int_t)c->now_ms, "since_ms", (json_int_t)since_ms, "jobs", jobs);
    return 0;
}
