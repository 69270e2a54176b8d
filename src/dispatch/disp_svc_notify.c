/* disp_svc_notify — what restaurants and couriers expect on day one
 * (issue 15): status callbacks to the restaurant, drop-off contact details,
 * "no courier found" and late-job alerts. See disp_service.h.
 *
 * Callbacks come from the journal. Every state change of a job is journalled
 * in the transaction that makes it (job_posted, offered, accepted, declined,
 * offer_expired, offer_withdrawn, arrived, picked_up, delivered,
 * job_cancelled, handed_back, reassigned, no_courier_found, job_late). The
 * journal is therefore the transactional outbox: disp_notify_run reads the
 * dispatch events after a stored cursor (disp_notify_cursor) and, in one
 * transaction with the cursor's move, queues one callback per job and event
 * in disp_callbacks for the restaurant that posted the job, when it has set
 * a callback URL. A state change cannot be lost (its event commits with it,
 * the cursor moves only with the queued rows) and cannot be queued twice.
 * It runs at every dispatch epoch (dispatch.epoch_ms), when the restaurant
 * reads its callbacks, and every second on the ticker thread
 * (disp_notify_collect), so a callback leaves within about a second of the
 * change; the housekeeping thread then delivers them
 * (core/webhook.c: signed, retried with backoff, SSRF rules, failure texts
 * that tell nothing of port states). No state-changing code path needs to
 * know about callbacks, so none can forget one.
 *
 * Drop-off contact (address, recipient name, phone, instructions) lives in
 * its own table, never in the journal (job_posted only says whether there
 * is one). Who sees what: the restaurant its own, always (until the name and
 * phone are erased dispatch.contact_retention_s after the job ended); the
 * courier the instructions inside the offer, and all four only while the
 * job is assigned to them and not yet delivered or cancelled; admins the
 * address and instructions on a job's tracking (for a complaint), never the
 * name or phone, and the board none of it.
 *
 * Alerts are raised once per job and kind, journalled as automated platform
 * events on the job (so they also reach the restaurant as callbacks), and
 * listed on the dispatcher board while they still matter. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/jv.h"
#include "base/clock.h"
#include "core/webhook.h"
#include "dispatch/disp_svc_int.h"
#include "net/client.h"
#include "store/sql_dispatch.h"

/* ---- settings ---- */

static int hook_get(disp_ctx *c, char *url, size_t un, char *secret, size_t sn, vis_err *err)
{
    url[0] = secret[0] = '\0';
    store_stmt *q = store_query(c->db, SQL_DISP_HOOK_GET, err, "i", svc_actor(c));
    if (!q) return disp_store_err(err);
    int r = store_row(q, err);
    if (r == 1) {
        snprintf(url, un, "%s", store_col_text(q, 0));
        snprintf(secret, sn, "%s", store_col_text(q, 1));
    }
    store_done(q);
    return r < 0 ? disp_store_err(err) : 0;
}

static int hooks_json(disp_ctx *c, const char *url, const char *secret, json_t **out, vis_err *err)
{
    json_t *all = NULL;
    if (webhook_list(c->db, SQL_DISP_CB_OF_CLIENT, svc_actor(c), &all, err)) return disp_store_err(err);
    json_t *fails = json_array();
    size_t i;
    json_t *cb;
    json_array_foreach(all, i, cb)
    {
        if (json_array_size(fails) < 10 && *json_string_value(json_object_get(cb, "last_error")))
            json_array_append(fails, cb);
    }
    *out = JSON_PACK("{s:s, s:s, s:s, s:o, s:o}", "callback_url", url, "signing_secret", secret, "signature_header",
                     WEBHOOK_SIGNATURE_HEADER, "last_failures", fails, "callbacks", all);
    return 0;
}

int disp_hooks_get(disp_ctx *c, json_t **out, vis_err *err)
{
    if (disp_notify_run(c, err)) return err->code;
    char url[1100], secret[WEBHOOK_SECRET_LEN + 1];
    if (hook_get(c, url, sizeof url, secret, sizeof secret, err)) return err->code;
    return hooks_json(c, url, secret, out, err);
}

int disp_hooks_put(disp_ctx *c, json_t *b, json_t **out, vis_err *err)
{
    char old[1100], secret[WEBHOOK_SECRET_LEN + 1];
    const char *url;
    bool rotate;
    if (hook_get(c, old, sizeof old, secret, sizeof secret, err) ||
        webhook_settings_in(b, c->cfg->mod_callback_private, &url, secret, &rotate, err))
        return err->code;
    if (store_exec(c->db, SQL_DISP_HOOK_PUT, err, "itti", svc_actor(c), url, secret, c->now_ms))
        return disp_store_err(err);
    /* events up to now are queued under the old setting (a client that had
       none gets none of them) */
    if (disp_notify_run(c, err)) return err->code;
    if (svc_journal(c,
                    &(svc_event){.family = DISP_FAMILY,
                                 .event = rotate ? "callback_secret_rotated" : "callback_url_set",
                                 .subject = "callbacks",
                                 .payload = JSON_PACK("{s:I, s:b}", "client", (json_int_t)svc_actor(c), "url_set",
                                                      *url != '\0')},
                    err))
        return err->code;
    return hooks_json(c, url, secret, out, err);
}

/* ---- journal -> outbox ---- */

typedef struct evmap {
    const char *journal, *callback;
} evmap;

static const evmap events[] = {
    {"job_posted", "posted"},
    {"offered", "offered"},
    {"accepted", "assigned"},
    {"declined", "requeued"},
    {"offer_expired", "requeued"},
    {"offer_withdrawn", "requeued"},
    {"arrived", "courier_arrived"},
    {"picked_up", "picked_up"},
    {"delivered", "delivered"},
    {"job_cancelled", "cancelled"},
    {"handed_back", "handed_back"},
    {"reassigned", "reassigned"},
    {"no_courier_found", "no_courier_found"},
    {"job_late", "late"},
    {NULL, NULL},
};

/* the callback for one job of one journal event */
static int queue_one(disp_ctx *c, int64_t jid, int64_t at, const char *jev, const char *cev, json_t *pl,
                     vis_err *err)
{
    int64_t client = -1;
    char state[16] = "", url[8] = "";
    store_stmt *q = store_query(c->db, SQL_DISP_NOTIFY_JOB, err, "i", jid);
    if (!q) return disp_store_err(err);
    int r = store_row(q, err);
    if (r == 1) {
        client = store_col_i64(q, 0);
        snprintf(state, sizeof state, "%s", store_col_text(q, 1));
        snprintf(url, sizeof url, "%s", store_col_text(q, 2));
    }
    store_done(q);
    if (r < 0) return disp_store_err(err);
    if (r == 0 || !*url) return 0; /* no such job, or the restaurant wants no callbacks */
    /* a job cancelled while offered: its offer's withdrawal is no requeue */
    if (!strcmp(jev, "offer_withdrawn") && json_object_get(pl, "cancelled_job")) return 0;
    char iso[32];
    clock_iso(at, iso);
    json_t *b = JSON_PACK("{s:s, s:I, s:s, s:I, s:I}", "event", cev, "job", (json_int_t)jid, "at", iso, "at_ms",
                          (json_int_t)at, "sent_for", (json_int_t)client);
    if (!strcmp(cev, "requeued"))
        json_object_set_new(b, "why", json_string(!strcmp(jev, "declined")        ? "declined by the courier"
                                                  : !strcmp(jev, "offer_expired") ? "the offer expired"
                                                                                  : "the offer was withdrawn"));
    static const char *copy[] = {"by", "reason", "waiting_s", "late_by_s", "promised", "since", NULL};
    for (int k = 0; copy[k]; k++) {
        json_t *v = json_object_get(pl, copy[k]);
        /* a courier's reason (hand-back) stays between the courier and the platform */
        if (v && !(!strcmp(copy[k], "reason") && (!strcmp(cev, "handed_back") || !strcmp(cev, "reassigned"))))
            json_object_set(b, copy[k], v);
    }
    char *text = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(b);
    int rc = store_exec(c->db, SQL_DISP_CB_INSERT, err, "iittii", client, jid, cev, text, c->now_ms, c->now_ms);
    free(text);
    return rc ? disp_store_err(err) : 0;
}

static int collect(disp_ctx *c, vis_err *err)
{
    enum { BATCH = 500 };
    for (;;) {
        int64_t cursor = 0;
        if (store_get_i64(c->db, SQL_DISP_NOTIFY_CURSOR, &cursor, err, "") < 0) return disp_store_err(err);
        typedef struct ev {
            int64_t id, at;
            char    event[40];
            json_t *pl;
        } ev;
        ev *evs = mem_calloc(BATCH, sizeof *evs);
        int n = 0, r;
        store_stmt *q = store_query(c->db, SQL_DISP_NOTIFY_EVENTS, err, "ii", cursor, (int64_t)BATCH);
        if (!q) {
            free(evs);
            return disp_store_err(err);
        }
        while ((r = store_row(q, err)) == 1 && n < BATCH) {
            evs[n].id = store_col_i64(q, 0);
            evs[n].at = store_col_i64(q, 1);
            snprintf(evs[n].event, sizeof evs[n].event, "%s", store_col_text(q, 2));
            evs[n].pl = json_loads(store_col_text(q, 3), 0, NULL);
            n++;
        }
        store_done(q);
        int rc = r < 0 ? disp_store_err(err) : 0;
        for (int i = 0; i < n && !rc; i++) {
            const char *cev = NULL;
            for (int k = 0; events[k].journal && !cev; k++)
                if (!strcmp(events[k].journal, evs[i].event)) cev = events[k].callback;
            if (!cev || !evs[i].pl) continue;
            json_t *one = json_object_get(evs[i].pl, "job"), *many = json_object_get(evs[i].pl, "jobs");
            if (json_is_integer(one)) rc = queue_one(c, json_integer_value(one), evs[i].at, evs[i].event, cev, evs[i].pl, err);
            size_t k;
            json_t *v;
            json_array_foreach(many, k, v)
            {
                if (!rc && json_is_integer(v))
                    rc = queue_one(c, json_integer_value(v), evs[i].at, evs[i].event, cev, evs[i].pl, err);
            }
        }
        int64_t last = n ? evs[n - 1].id : cursor;
        for (int i = 0; i < n; i++) json_decref(evs[i].pl);
        free(evs);
        if (rc) return rc;
        if (n && store_exec(c->db, SQL_DISP_NOTIFY_CURSOR_SET, err, "i", last)) return disp_store_err(err);
        if (n < BATCH) return 0;
    }
}

/* ---- alerts ---- */

static int alert(disp_ctx *c, int64_t job, const char *kind, const char *event, int64_t since, const char *reason,
                 json_t *pl, vis_err *err)
{
    if (store_exec(c->db, SQL_DISP_ALERT_INSERT, err, "itiit", job, kind, since, c->now_ms, reason)) {
        json_decref(pl);
        return disp_store_err(err);
    }
    char subj[48], iso[32];
    snprintf(subj, sizeof subj, "job:%lld", (long long)job);
    clock_iso(since, iso);
    json_object_set_new(pl, "job", json_integer(job));
    json_object_set_new(pl, "since", json_string(iso));
    json_object_set_new(pl, "reason", json_string(reason));
    return svc_journal(
        c, &(svc_event){.family = DISP_FAMILY, .event = event, .subject = subj, .automated = true, .payload = pl}, err);
}

/* why nobody took the job, as far as the platform knows */
static int why_unassigned(disp_ctx *c, int64_t job, char *out, size_t n, vis_err *err)
{
    int64_t online = 0;
    if (store_get_i64(c->db, SQL_DISP_ONLINE_ON_DUTY, &online, err, "") < 0) return disp_store_err(err);
    int64_t offers = 0, declined = 0, expired = 0;
    store_stmt *q = store_query(c->db, SQL_DISP_JOB_OFFER_COUNTS, err, "i", job);
    if (!q) return disp_store_err(err);
    int r = store_row(q, err);
    if (r == 1) {
        offers = store_col_i64(q, 0);
        declined = store_col_i64(q, 1);
        expired = store_col_i64(q, 2);
    }
    store_done(q);
    if (r < 0) return disp_store_err(err);
    if (offers > 0)
        snprintf(out, n, "offered %lld time(s): %lld declined, %lld expired without an answer, %lld withdrawn; %lld "
                 "courier(s) online and on duty now",
                 (long long)offers, (long long)declined, (long long)expired, (long long)(offers - declined - expired),
                 (long long)online);
    else if (online == 0) snprintf(out, n, "no courier online and on duty");
    else
        snprintf(out, n, "never offered: the %lld courier(s) online were busy, too far or could not reach it in time",
                 (long long)online);
    return 0;
}

static int raise_alerts(disp_ctx *c, vis_err *err)
{
    enum { MAXA = 200 };
    int64_t id[MAXA], since[MAXA];
    int n = 0, r;
    int64_t lead = c->cfg->disp_schedule_lead_s * 1000, after = c->cfg->disp_unassigned_alert_s * 1000;
    store_stmt *q = store_query(c->db, SQL_DISP_ALERT_UNASSIGNED, err, "iii", c->now_ms, lead, after);
    if (!q) return disp_store_err(err);
    while ((r = store_row(q, err)) == 1 && n < MAXA) {
        id[n] = store_col_i64(q, 0);
        since[n++] = store_col_i64(q, 1);
    }
    store_done(q);
    if (r < 0) return disp_store_err(err);
    for (int k = 0; k < n; k++) {
        char why[256];
        if (why_unassigned(c, id[k], why, sizeof why, err) ||
            alert(c, id[k], "no_courier_found", "no_courier_found", since[k], why,
                  JSON_PACK("{s:I}", "waiting_s", (json_int_t)((c->now_ms - since[k]) / 1000)), err))
            return err->code;
    }
    n = 0;
    q = store_query(c->db, SQL_DISP_ALERT_LATE, err, "ii", c->now_ms, c->cfg->disp_late_grace_s * 1000);
    if (!q) return disp_store_err(err);
    while ((r = store_row(q, err)) == 1 && n < MAXA) {
        id[n] = store_col_i64(q, 0);
        since[n++] = store_col_i64(q, 1);
    }
    store_done(q);
    if (r < 0) return disp_store_err(err);
    for (int k = 0; k < n; k++) {
        char iso[32], why[160];
        clock_iso(since[k], iso);
        snprintf(why, sizeof why, "not delivered by %s (ready time plus the quoted courier time) plus %lld s of grace",
                 iso, (long long)c->cfg->disp_late_grace_s);
        if (alert(c, id[k], "late", "job_late", since[k], why,
                  JSON_PACK("{s:I, s:s}", "late_by_s", (json_int_t)((c->now_ms - since[k]) / 1000), "promised", iso),
                  err))
            return err->code;
    }
    return 0;
}

int disp_notify_run(disp_ctx *c, vis_err *err)
{
    if (raise_alerts(c, err)) return err->code;
    if (store_exec(c->db, SQL_DISP_DROPOFF_ERASE, err, "ii", c->now_ms,
                   c->now_ms - c->cfg->disp_contact_retention_s * 1000))
        return disp_store_err(err);
    return collect(c, err);
}

int disp_notify_collect(disp_ctx *c, vis_err *err) { return collect(c, err); }

int disp_alerts_json(disp_ctx *c, json_t **out, vis_err *err)
{
    json_t *a = json_array();
    store_stmt *q = store_query(c->db, SQL_DISP_ALERTS_OPEN, err, "");
    if (!q) {
        json_decref(a);
        return disp_store_err(err);
    }
    int r;
    while ((r = store_row(q, err)) == 1) {
        const char *kind = store_col_text(q, 1);
        int64_t since = store_col_i64(q, 2), promised = store_col_i64(q, 6);
        char s_iso[32], r_iso[32];
        clock_iso(since, s_iso);
        clock_iso(store_col_i64(q, 3), r_iso);
        json_t *o = JSON_PACK("{s:s, s:I, s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:I}", "kind", kind, "job_id",
                              (json_int_t)store_col_i64(q, 0), "since", s_iso, "since_ms", (json_int_t)since,
                              "raised_ms", (json_int_t)store_col_i64(q, 3), "raised", r_iso, "reason",
                              store_col_text(q, 4), "state", store_col_text(q, 5), "client_id",
                              (json_int_t)store_col_i64(q, 7), "place_id", (json_int_t)store_col_i64(q, 8));
        if (o && !strcmp(kind, "late")) json_object_set_new(o, "late_by_s", json_integer((c->now_ms - promised) / 1000));
        if (o && strcmp(kind, "late"))
            json_object_set_new(o, "unassigned_for_s", json_integer((c->now_ms - since) / 1000));
        json_array_append_new(a, o);
    }
    store_done(q);
    if (r < 0) {
        json_decref(a);
        return disp_store_err(err);
    }
    *out = a;
    return 0;
}

/* ---- drop-off contact ---- */

static bool phone_ok(const char *p)
{
    int digits = 0;
    for (const char *s = p; *s; s++) {
        if (*s == '+' && s == p) continue;
        if (*s == ' ') continue;
        if (!isdigit((unsigned char)*s)) return false;
        digits++;
    }
    return digits >= 6 && digits <= 15; /* E.164: at most 15 digits */
}

int disp_dropoff_check(json_t *d, vis_err *err)
{
    if (!d) return 0;
    static const jv_field f[] = {{"address", JV_STRING, false, 1, 300},
                                 {"recipient_name", JV_STRING, false, 1, 120},
                                 {"phone", JV_STRING, false, 1, 32},
                                 {"instructions", JV_STRING, false, 1, 500},
                                 {NULL, 0, 0, 0, 0}};
    if (!json_is_object(d))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "dropoff",
                        "dropoff must be an object {address, recipient_name, phone, instructions}");
    if (jv_check(d, f, err)) {
        char fld[32];
        snprintf(fld, sizeof fld, "%.31s", err->field);
        snprintf(err->field, sizeof err->field, "dropoff.%s", fld);
        return err->code;
    }
    const char *ph = jv_str(d, "phone", "");
    if (*ph && !phone_ok(ph))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "dropoff.phone",
                        "the phone number must be 6 to 15 digits, optionally after a leading + and with spaces");
    return 0;
}

int disp_dropoff_store(disp_ctx *c, int64_t job, json_t *d, vis_err *err)
{
    if (!d) return 0;
    if (store_exec(c->db, SQL_DISP_DROPOFF_PUT, err, "ittt" "t", job, jv_str(d, "address", ""),
                   jv_str(d, "recipient_name", ""), jv_str(d, "phone", ""), jv_str(d, "instructions", "")))
        return disp_store_err(err);
    return 0;
}

/* the job's drop-off contact as `who` may see it (NULL: nothing to show) */
static json_t *dropoff_for(disp_ctx *c, int64_t job, const char *who, vis_err *err)
{
    store_stmt *q;
    if (store_one(c->db, SQL_DISP_DROPOFF_GET, &q, err, "i", job) || !q) return NULL; /* err says which */
    bool all = !strcmp(who, "client") || !strcmp(who, "courier");
    json_t *o = JSON_PACK("{s:s, s:s}", "address", store_col_text(q, 0), "instructions", store_col_text(q, 3));
    if (!strcmp(who, "offer")) json_object_del(o, "address");
    if (all) {
        json_object_set_new(o, "recipient_name", json_string(store_col_text(q, 1)));
        json_object_set_new(o, "phone", json_string(store_col_text(q, 2)));
    }
    int64_t erased = store_col_i64(q, 4);
    if (all && erased >= 0) json_object_set_new(o, "contact_erased_ms", json_integer(erased));
    store_done(q);
    return o;
}

int disp_dropoff_decorate(disp_ctx *c, json_t *job, const char *who, vis_err *err)
{
    json_int_t id = json_integer_value(json_object_get(job, "id"));
    if (!id) return 0;
    vis_err_clear(err);
    json_t *d = dropoff_for(c, id, who, err);
    if (err->code) return disp_store_err(err);
    json_object_set_new(job, "dropoff_contact", d ? d : json_null());
    return 0;
}

int disp_dropoff_decorate_all(disp_ctx *c, json_t *arr, const char *who, vis_err *err)
{
    size_t i;
    json_t *j;
    json_array_foreach(arr, i, j)
    {
        /* a courier sees the contact only while the job is theirs and live */
        if (!strcmp(who, "courier")) {
            const char *st = json_string_value(json_object_get(j, "state"));
            int js = disp_jst_parse_shown(st);
            if (js != DISP_JS_ASSIGNED && js != DISP_JS_PICKED_UP) {
                json_object_set_new(j, "dropoff_contact", json_null());
                continue;
            }
        }
        if (disp_dropoff_decorate(c, j, who, err)) return err->code;
    }
    return 0;
}

int disp_offers_decorate(disp_ctx *c, json_t *offers, vis_err *err)
{
    size_t i, k;
    json_t *o, *j;
    json_array_foreach(offers, i, o)
    {
        json_array_foreach(json_object_get(o, "jobs"), k, j)
        {
            if (disp_dropoff_decorate(c, j, "offer", err)) return err->code;
        }
    }
    return 0;
}
