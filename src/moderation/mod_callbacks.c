/* mod_callbacks — decisions reaching the client platforms: each client's
 * callback URL and signing secret, the queue of callbacks (written in the
 * transaction of the decision, so none is lost), and their delivery by the
 * housekeeping thread over http:// or https:// (http/client.h), retried with
 * exponential backoff until delivered.
 *
 * Signatures: every callback carries
 *   X-Visible-Signature: t=<platform time, ms>,v1=<hex HMAC-SHA256>
 * over the bytes "<t>.<body>", keyed with the client's secret (the string
 * "whsec_" + 64 hex digits, used as given). The client recomputes it from
 * the raw body to know the callback comes from the platform and was not
 * altered, and may refuse old t values against replays. The secret is made
 * when a client first sets a callback URL, shown to that client only
 * (settings), and replaced on request (rotate_secret).
 *
 * What a client platform learns of a failed delivery: the HTTP status its
 * endpoint answered, that its certificate or TLS handshake failed, or else
 * one and the same sentence (CB_UNREACHABLE) whether the address was refused
 * (loopback, private, reserved: see http/client.h), the name did not
 * resolve, the connection was refused or timed out, or the answer was no
 * HTTP: otherwise the error texts would tell open ports from closed ones to
 * whoever chooses the URL. The operator's log (stderr, one JSON line per
 * failure) keeps the detail. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jv.h"
#include "core/clock.h"
#include "http/client.h"
#include "moderation/mod_int.h"
#include "store/sql_moderation.h"

#define SECRET_PREFIX "whsec_"
#define SECRET_LEN (sizeof SECRET_PREFIX - 1 + 64)
/* what a client platform is shown of a failed delivery (see above) */
#define CB_UNREACHABLE "the callback endpoint could not be reached or is not allowed"
#define CB_TLS "the TLS handshake with the callback endpoint failed or its certificate was not accepted"

/* ---- settings ---- */

static void new_secret(char out[SECRET_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, SECRET_PREFIX, sizeof SECRET_PREFIX - 1);
    sodium_bin2hex(out + sizeof SECRET_PREFIX - 1, 65, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

/* the client's url and secret ("" and "" when never set) */
static int client_get(mod_ctx *c, char *url, size_t un, char *secret, size_t sn, vis_err *err)
{
    url[0] = secret[0] = '\0';
    store_stmt *q = store_query(c->db, SQL_MOD_CLIENT_GET, err, "i", c->who->id);
    if (!q) return err->code;
    int r = store_row(q, err);
    if (r == 1) {
        snprintf(url, un, "%s", store_col_text(q, 0));
        snprintf(secret, sn, "%s", store_col_text(q, 1));
    }
    store_done(q);
    return r < 0 ? err->code : 0;
}

static json_t *settings_json(const char *url, const char *secret)
{
    return json_pack("{s:s, s:s, s:s}", "callback_url", url, "signing_secret", secret, "signature_header",
                     "X-Visible-Signature");
}

int mod_client_settings(mod_ctx *c, json_t *b, json_t **out, vis_err *err)
{
    static const jv_field f[] = {{"callback_url", JV_STRING, true, 0, 1000},
                                 {"rotate_secret", JV_BOOL, false, 0, 0},
                                 {NULL, 0, 0, 0, 0}};
    if (jv_check(b, f, err)) return err->code;
    const char *url = jv_str(b, "callback_url", "");
    if (*url && httpc_url_check(url, c->cfg->mod_callback_private, err)) return err->code;
    char old_url[1100], secret[SECRET_LEN + 1];
    if (client_get(c, old_url, sizeof old_url, secret, sizeof secret, err)) return err->code;
    bool rotate = json_is_true(json_object_get(b, "rotate_secret"));
    if (rotate || strlen(secret) != SECRET_LEN) new_secret(secret);
    if (store_exec(c->db, SQL_MOD_CLIENT_PUT, err, "iti", c->who->id, url, c->now_ms) ||
        store_exec(c->db, SQL_MOD_CLIENT_SECRET, err, "iti", c->who->id, secret, c->now_ms))
        return err->code;
    if (rotate &&
        mod_journal(c, "callback_secret_rotated", -1, NULL, false, NULL, 0, 0,
                    json_pack("{s:I}", "client", (json_int_t)c->who->id), err))
        return err->code;
    *out = settings_json(url, secret);
    return *out ? 0 : vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
}

int mod_client_settings_get(mod_ctx *c, json_t **out, vis_err *err)
{
    char url[1100], secret[SECRET_LEN + 1];
    if (client_get(c, url, sizeof url, secret, sizeof secret, err)) return err->code;
    *out = settings_json(url, secret);
    return *out ? 0 : vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
}

/* ---- the queue ---- */

int mod_callback_queue(mod_ctx *c, int64_t client, const char *event, json_t *body, vis_err *err)
{
    if (!body) return vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
    json_object_set_new(body, "event", json_string(event));
    json_object_set_new(body, "sent_for", json_integer(client));
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(body);
    if (!text) return vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
    int rc = store_exec(c->db, SQL_MOD_CB_INSERT, err, "ittii", client, event, text, c->now_ms, c->now_ms);
    free(text);
    return rc;
}

int mod_callbacks_list(mod_ctx *c, json_t **out, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_MOD_CB_OF_CLIENT, err, "i", c->who->id);
    if (!q) return err->code;
    json_t *arr = json_array();
    int r;
    while ((r = store_row(q, err)) == 1) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:I}", "id", (json_int_t)store_col_i64(q, 0), "event",
                              store_col_text(q, 1), "state", store_col_text(q, 2), "attempts",
                              (json_int_t)store_col_i64(q, 3), "next_attempt_ms", (json_int_t)store_col_i64(q, 4),
                              "last_error", store_col_text(q, 5), "created_ms", (json_int_t)store_col_i64(q, 7));
        int64_t st = store_col_i64(q, 6), dl = store_col_i64(q, 8);
        json_object_set_new(o, "last_status", st >= 0 ? json_integer(st) : json_null());
        json_object_set_new(o, "delivered_ms", dl >= 0 ? json_integer(dl) : json_null());
        json_array_append_new(arr, o);
    }
    store_done(q);
    if (r < 0) {
        json_decref(arr);
        return err->code;
    }
    char url[1100], secret[SECRET_LEN + 1];
    if (client_get(c, url, sizeof url, secret, sizeof secret, err)) {
        json_decref(arr);
        return err->code;
    }
    *out = json_pack("{s:s, s:o}", "callback_url", url, "callbacks", arr);
    return 0;
}

/* ---- delivery ---- */

void mod_callback_sign(const char *secret, int64_t t_ms, const char *body, size_t len, char out[65])
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

int64_t mod_backoff_ms(const vis_config *cfg, int64_t attempts)
{
    int shift = attempts < 30 ? (int)attempts : 30;
    int64_t delay = cfg->mod_callback_backoff_ms;
    for (int k = 0; k < shift && delay < cfg->mod_callback_backoff_max_ms; k++) delay *= 2;
    return delay > cfg->mod_callback_backoff_max_ms ? cfg->mod_callback_backoff_max_ms : delay;
}

typedef struct cb {
    int64_t id, client, attempts;
    char   *body, *url, *secret;
} cb;

/* the detail of a failed delivery, for the operator */
static void log_failure(const cb *d, const vis_err *e)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "level", "warning", "job", "moderation.callback",
                          "callback", (json_int_t)d->id, "client", (json_int_t)d->client, "url", d->url ? d->url : "",
                          "kind", e->kind, "message", e->msg);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (line) fprintf(stderr, "%s\n", line);
    free(line);
    json_decref(o);
}

/* one POST; 0 when the client answered 2xx */
static int post_one(httpc *h, const vis_config *cfg, const cb *d, int64_t now, int *status, vis_err *e)
{
    if (!d->body || !d->url || !d->secret) return vis_errf(e, VIS_ENOMEM, NULL, NULL, "out of memory");
    if (!*d->url) return vis_errf(e, VIS_EINVAL, "no_callback_url", NULL, "the client has set no callback_url");
    if (!h) return vis_errf(e, VIS_ENOMEM, NULL, NULL, "out of memory (HTTP client)");
    size_t len = strlen(d->body);
    char h1[64], h2[64], h3[128], mac[65];
    snprintf(h1, sizeof h1, "X-Visible-Callback-Id: %lld", (long long)d->id);
    snprintf(h2, sizeof h2, "X-Visible-Attempt: %lld", (long long)d->attempts + 1);
    mod_callback_sign(d->secret, now, d->body, len, mac);
    snprintf(h3, sizeof h3, "X-Visible-Signature: t=%lld,v1=%s", (long long)now, mac);
    const char *hs[] = {h1, h2, h3, NULL};
    if (httpc_post(h, d->url, d->body, len, hs, cfg->mod_callback_timeout_ms, status, NULL, e)) {
        log_failure(d, e);
        if (e->code == VIS_ENOMEM) return e->code;
        char kind[sizeof e->kind];
        snprintf(kind, sizeof kind, "%s", e->kind);
        return vis_errf(e, VIS_EIO, kind, NULL, "%s", !strcmp(kind, "tls_failed") ? CB_TLS : CB_UNREACHABLE);
    }
    if (*status < 200 || *status > 299)
        return vis_errf(e, VIS_EIO, "http_status", NULL, "the callback answered HTTP %d", *status);
    return 0;
}

int mod_callbacks_deliver(const vis_config *cfg, store *db, int64_t now, int64_t end_ns, mod_tick_stats *st,
                          vis_err *err)
{
    enum { MAXCB = 64 };
    cb due[MAXCB];
    int n = 0, r;
    store_stmt *q = store_query(db, SQL_MOD_CB_DUE, err, "ii", now, (int64_t)MAXCB);
    if (!q) return err->code;
    while ((r = store_row(q, err)) == 1 && n < MAXCB) {
        due[n].id = store_col_i64(q, 0);
        due[n].client = store_col_i64(q, 1);
        due[n].body = strdup(store_col_text(q, 2));
        due[n].attempts = store_col_i64(q, 3);
        due[n].url = strdup(store_col_text(q, 4));
        due[n].secret = strdup(store_col_text(q, 5));
        n++;
    }
    store_done(q);
    int rc = r < 0 ? err->code : 0;
    /* the POSTs run outside any transaction; each outcome is then stored.
     * A run starts no request after end_ns, and a client whose endpoint just
     * failed is not tried again in this run: one dead endpoint cannot hold
     * the housekeeping thread for long. What is left stays due. One HTTP
     * client per run: callbacks to one endpoint share its connection. */
    httpc *h = n && !rc ? httpc_new(cfg->mod_callback_ca_file, cfg->mod_callback_private) : NULL;
    int64_t failed_clients[MAXCB];
    int nfailed = 0;
    for (int i = 0; i < n; i++) {
        int status = 0;
        vis_err e;
        vis_err_clear(&e);
        bool skip = rc || clock_mono_ns() > end_ns;
        for (int k = 0; k < nfailed && !skip; k++) skip = failed_clients[k] == due[i].client;
        if (!skip) post_one(h, cfg, &due[i], now, &status, &e);
        if (!skip && store_begin(db, err) == 0) {
            int x;
            if (!e.code) {
                x = store_exec(db, SQL_MOD_CB_DELIVERED, err, "iii", due[i].id, now, (int64_t)status);
                st->delivered++;
            } else {
                int64_t delay = mod_backoff_ms(cfg, due[i].attempts);
                x = store_exec(db, SQL_MOD_CB_FAILED, err, "iitI", due[i].id, now + delay, e.msg,
                               status ? (int64_t)status : (int64_t)-1);
                st->failed++;
                failed_clients[nfailed++] = due[i].client;
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
