/* mod_callbacks — decisions reaching the client platforms: each client's
 * callback URL and signing secret, and the queue of callbacks (written in the
 * transaction of the decision, so none is lost). Signing, the backoff and the
 * delivery by the housekeeping thread are shared with the delivery service's
 * status callbacks: core/webhook.h (which says what is signed, how it is
 * retried and what a client is told of a failure).
 *
 * The secret is made when a client first sets a callback URL, shown to that
 * client only (settings), and replaced on request (rotate_secret). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jv.h"
#include "base/clock.h"
#include "core/webhook.h"
#include "net/client.h"
#include "moderation/mod_int.h"
#include "store/sql_moderation.h"

#define SECRET_LEN WEBHOOK_SECRET_LEN

/* ---- settings ---- */


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
    return JSON_PACK("{s:s, s:s, s:s}", "callback_url", url, "signing_secret", secret, "signature_header",
                     WEBHOOK_SIGNATURE_HEADER);
}

int mod_client_settings(mod_ctx *c, json_t *b, json_t **out, vis_err *err)
{
    char old_url[1100], secret[SECRET_LEN + 1];
    const char *url;
    bool rotate;
    if (client_get(c, old_url, sizeof old_url, secret, sizeof secret, err) ||
        webhook_settings_in(b, c->cfg->mod_callback_private, &url, secret, &rotate, err))
        return err->code;
    if (store_exec(c->db, SQL_MOD_CLIENT_PUT, err, "iti", c->who->id, url, c->now_ms) ||
        store_exec(c->db, SQL_MOD_CLIENT_SECRET, err, "iti", c->who->id, secret, c->now_ms))
        return err->code;
    if (rotate && svc_journal(c,
                              &(svc_event){.family = MOD_FAMILY,
                                           .event = "callback_secret_rotated",
                                           .payload = JSON_PACK("{s:I}", "client", (json_int_t)c->who->id)},
                              err))
        return err->code;
    *out = settings_json(url, secret);
    return 0;
}

int mod_client_settings_get(mod_ctx *c, json_t **out, vis_err *err)
{
    char url[1100], secret[SECRET_LEN + 1];
    if (client_get(c, url, sizeof url, secret, sizeof secret, err)) return err->code;
    *out = settings_json(url, secret);
    return 0;
}

/* ---- the queue ---- */

int mod_callback_queue(mod_ctx *c, int64_t client, const char *event, json_t *body, vis_err *err)
{
    json_object_set_new(body, "event", json_string(event));
    json_object_set_new(body, "sent_for", json_integer(client));
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(body); /* text is never NULL: allocation aborts (base/mem.h) */
    int rc = store_exec(c->db, SQL_MOD_CB_INSERT, err, "ittii", client, event, text, c->now_ms, c->now_ms);
    free(text);
    return rc;
}

int mod_callbacks_list(mod_ctx *c, json_t **out, vis_err *err)
{
    json_t *arr = NULL;
    if (webhook_list(c->db, SQL_MOD_CB_OF_CLIENT, c->who->id, &arr, err)) return err->code;
    char url[1100], secret[SECRET_LEN + 1];
    if (client_get(c, url, sizeof url, secret, sizeof secret, err)) {
        json_decref(arr);
        return err->code;
    }
    *out = JSON_PACK("{s:s, s:o}", "callback_url", url, "callbacks", arr);
    return 0;
}

/* ---- delivery (core/webhook.c) ---- */

void mod_callback_sign(const char *secret, int64_t t_ms, const char *body, size_t len, char out[65])
{
    webhook_sign(secret, t_ms, body, len, out);
}

int64_t mod_backoff_ms(const vis_config *cfg, int64_t attempts) { return webhook_backoff_ms(cfg, attempts); }

/* Every family's callbacks go out in this run of the housekeeping thread
 * (moderation's and the delivery service's); the counts are the sums. */
int mod_callbacks_deliver(const vis_config *cfg, store *db, int64_t now, int64_t end_ns, mod_tick_stats *st,
                          vis_err *err)
{
    webhook_stats ws[WEBHOOK_FAMILIES] = {{0, 0}};
    int rc = webhook_deliver(cfg, db, now, end_ns, ws, err);
    for (int f = 0; f < WEBHOOK_FAMILIES; f++) {
        st->delivered += ws[f].delivered;
        st->failed += ws[f].failed;
    }
    return rc;
}
