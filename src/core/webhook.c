/* webhook — signed callbacks with retries, for every family (webhook.h). */
#include "core/webhook.h"

#include "base/mem.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/jv.h"
#include "net/client.h"
#include "store/sql_dispatch.h"
#include "store/sql_moderation.h"

void webhook_new_secret(char out[WEBHOOK_SECRET_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, WEBHOOK_SECRET_PREFIX, sizeof WEBHOOK_SECRET_PREFIX - 1);
    sodium_bin2hex(out + sizeof WEBHOOK_SECRET_PREFIX - 1, 65, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

int webhook_settings_in(json_t *b, bool allow_private, const char **url, char secret[WEBHOOK_SECRET_LEN + 1],
                        bool *rotate, vis_err *err)
{
    static const jv_field f[] = {{"callback_url", JV_STRING, true, 0, 1000},
                                 {"rotate_secret", JV_BOOL, false, 0, 0},
                                 {NULL, 0, 0, 0, 0}};
    if (jv_check(b, f, err)) return err->code;
    *url = jv_str(b, "callback_url", "");
    if (**url && httpc_url_check(*url, allow_private, err)) return err->code;
    *rotate = json_is_true(json_object_get(b, "rotate_secret"));
    if (*rotate || strlen(secret) != WEBHOOK_SECRET_LEN) webhook_new_secret(secret);
    return 0;
}

void webhook_sign(const char *secret, int64_t t_ms, const char *body, size_t len, char out[65])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char ts[24];
    int tn = snprintf(ts, sizeof ts, "%lld.", (long long)t_ms);
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (unsigned long long)tn);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, 65, mac, sizeof mac);
}

int64_t webhook_backoff_ms(const vis_config *cfg, int64_t attempts)
{
    int shift = attempts < 30 ? (int)attempts : 30;
    int64_t delay = cfg->mod_callback_backoff_ms;
    for (int k = 0; k < shift && delay < cfg->mod_callback_backoff_max_ms; k++) delay *= 2;
    return delay > cfg->mod_callback_backoff_max_ms ? cfg->mod_callback_backoff_max_ms : delay;
}

/* the families, in delivery order */
typedef struct family {
    const char *job; /* for the operator's log */
    const char *due, *delivered, *failed;
} family;

static const family families[WEBHOOK_FAMILIES] = {
    {"moderation.callback", SQL_MOD_CB_DUE, SQL_MOD_CB_DELIVERED, SQL_MOD_CB_FAILED},
    {"dispatch.callback", SQL_DISP_CB_DUE, SQL_DISP_CB_DELIVERED, SQL_DISP_CB_FAILED},
};

typedef struct cb {
    int     fam;
    int64_t id, client, attempts;
    char   *body, *url, *secret;
} cb;

/* the detail of a failed delivery, for the operator */
static void log_failure(const cb *d, const vis_err *e)
{
    json_t *o = JSON_PACK("{s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "level", "warning", "job", families[d->fam].job,
                          "callback", (json_int_t)d->id, "client", (json_int_t)d->client, "url", d->url ? d->url : "",
                          "kind", e->kind, "message", e->msg);
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fprintf(stderr, "%s\n", line);
    free(line);
    json_decref(o);
}

/* one POST; 0 when the client answered 2xx */
static int post_one(httpc *h, const vis_config *cfg, const cb *d, int64_t now, int *status, vis_err *e)
{
    if (!*d->url) return vis_errf(e, VIS_EINVAL, "no_callback_url", NULL, "the client has set no callback_url");
    if (!h) return vis_errf(e, VIS_EIO, "http_client", NULL, "the HTTP client (libcurl) could not be started");
    size_t len = strlen(d->body);
    char h1[64], h2[64], h3[128], mac[65];
    snprintf(h1, sizeof h1, "X-Visible-Callback-Id: %lld", (long long)d->id);
    snprintf(h2, sizeof h2, "X-Visible-Attempt: %lld", (long long)d->attempts + 1);
    webhook_sign(d->secret, now, d->body, len, mac);
    snprintf(h3, sizeof h3, WEBHOOK_SIGNATURE_HEADER ": t=%lld,v1=%s", (long long)now, mac);
    const char *hs[] = {h1, h2, h3, NULL};
    if (httpc_post(h, d->url, d->body, len, hs, cfg->mod_callback_timeout_ms, status, NULL, e)) {
        log_failure(d, e);
        char kind[sizeof e->kind];
        snprintf(kind, sizeof kind, "%s", e->kind);
        return vis_errf(e, VIS_EIO, kind, NULL, "%s", !strcmp(kind, "tls_failed") ? WEBHOOK_TLS : WEBHOOK_UNREACHABLE);
    }
    if (*status < 200 || *status > 299)
        return vis_errf(e, VIS_EIO, "http_status", NULL, "the callback answered HTTP %d", *status);
    return 0;
}

enum { MAXCB = 64, MAXRUN = MAXCB * WEBHOOK_FAMILIES };

/* read up to `max` due rows of family f into due[*n...] */
static int read_due(store *db, int f, int64_t now, cb *due, int *n, int max, vis_err *err)
{
    store_stmt *q = store_query(db, families[f].due, err, "ii", now, (int64_t)MAXCB);
    if (!q) return err->code;
    int r;
    while ((r = store_row(q, err)) == 1 && *n < max) {
        cb *d = &due[(*n)++];
        d->fam = f;
        d->id = store_col_i64(q, 0);
        d->client = store_col_i64(q, 1);
        d->body = mem_strdup(store_col_text(q, 2));
        d->attempts = store_col_i64(q, 3);
        d->url = mem_strdup(store_col_text(q, 4));
        d->secret = mem_strdup(store_col_text(q, 5));
    }
    store_done(q);
    return r < 0 ? err->code : 0;
}

int webhook_deliver(const vis_config *cfg, store *db, int64_t now, int64_t end_ns, webhook_stats st[WEBHOOK_FAMILIES],
                    vis_err *err)
{
    cb due[MAXRUN];
    int n = 0, rc = 0;
    /* up to MAXCB of each family per run; what is left stays due */
    for (int f = 0; f < WEBHOOK_FAMILIES && !rc; f++) rc = read_due(db, f, now, due, &n, n + MAXCB, err);
    /* One HTTP client per run: callbacks to one endpoint share its
     * connection. A client whose endpoint just failed is not tried again in
     * this run: one dead endpoint cannot hold the housekeeping thread. */
    httpc *h = n && !rc ? httpc_new(cfg->mod_callback_ca_file, cfg->mod_callback_private) : NULL;
    struct {
        int     fam;
        int64_t client;
    } failed[MAXRUN];
    int nfailed = 0;
    for (int i = 0; i < n; i++) {
        const family *fm = &families[due[i].fam];
        int status = 0;
        vis_err e;
        vis_err_clear(&e);
        bool skip = rc || clock_mono_ns() > end_ns;
        for (int k = 0; k < nfailed && !skip; k++)
            skip = failed[k].fam == due[i].fam && failed[k].client == due[i].client;
        if (!skip) post_one(h, cfg, &due[i], now, &status, &e);
        if (!skip && store_begin(db, err) == 0) {
            int x;
            if (!e.code) {
                x = store_exec(db, fm->delivered, err, "iii", due[i].id, now, (int64_t)status);
                st[due[i].fam].delivered++;
            } else {
                int64_t delay = webhook_backoff_ms(cfg, due[i].attempts);
                x = store_exec(db, fm->failed, err, "iitI", due[i].id, now + delay, e.msg,
                               status ? (int64_t)status : (int64_t)-1);
                st[due[i].fam].failed++;
                failed[nfailed].fam = due[i].fam;
                failed[nfailed++].client = due[i].client;
            }
            if (x) store_rollback(db);
            else x = store_commit(db, err);
            if (x) rc = x;
        } else if (!skip) {
            rc = err->code;
        }
        free(due[i].body);
        free(due[i].url);
        free(due[i].secret);
    }
    httpc_free(h);
    return rc;
}

int webhook_list(store *db, const char *sql_of_client, int64_t client, json_t **out, vis_err *err)
{
    store_stmt *q = store_query(db, sql_of_client, err, "i", client);
    if (!q) return err->code;
    json_t *arr = json_array();
    int r;
    while ((r = store_row(q, err)) == 1) {
        json_t *o = JSON_PACK("{s:I, s:s, s:s, s:I, s:I, s:s, s:I}", "id", (json_int_t)store_col_i64(q, 0), "event",
                              store_col_text(q, 1), "state", store_col_text(q, 2), "attempts",
                              (json_int_t)store_col_i64(q, 3), "next_attempt_ms", (json_int_t)store_col_i64(q, 4),
                              "last_error", store_col_text(q, 5), "created_ms", (json_int_t)store_col_i64(q, 7));
        int64_t s = store_col_i64(q, 6), dl = store_col_i64(q, 8);
        json_object_set_new(o, "last_status", s >= 0 ? json_integer(s) : json_null());
        json_object_set_new(o, "delivered_ms", dl >= 0 ? json_integer(dl) : json_null());
        json_array_append_new(arr, o);
    }
    store_done(q);
    if (r < 0) {
        json_decref(arr);
        return err->code;
    }
    *out = arr;
    return 0;
}
