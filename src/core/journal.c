#include "core/journal.h"

#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "store/sql_core.h"

journal_event journal_event_init(const char *family, const char *event, int64_t at_ms)
{
    journal_event e;
    memset(&e, 0, sizeof e);
    e.family = family;
    e.event = event;
    e.at_ms = at_ms;
    e.actor_id = -1;
    e.worker_id = -1;
    e.subject = "";
    return e;
}

/* Hash input: prev hash, then each field as a tag byte + 8-byte length +
 * bytes (integers as decimal text; NULL as tag 0 with no bytes). */
static void put(crypto_generichash_state *st, const char *s, bool null)
{
    unsigned char tag = null ? 0 : 1;
    uint64_t n = null ? 0 : strlen(s);
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = (unsigned char)(n >> (8 * i));
    crypto_generichash_update(st, &tag, 1);
    crypto_generichash_update(st, len, 8);
    if (n) crypto_generichash_update(st, (const unsigned char *)s, n);
}

static void put_i64(crypto_generichash_state *st, int64_t v, bool null)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    put(st, tmp, null);
}

typedef struct row {
    int64_t id, at, actor, worker, automated, span_start, span_end, amount;
    bool actor_null, worker_null, span_null, amount_null;
    const char *family, *event, *subject, *span_kind, *payload;
} row;

static void row_hash(const unsigned char prev[JOURNAL_HASH_BYTES], const row *r,
                     unsigned char out[JOURNAL_HASH_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, JOURNAL_HASH_BYTES);
    crypto_generichash_update(&st, prev, JOURNAL_HASH_BYTES);
    put_i64(&st, r->id, false);
    put_i64(&st, r->at, false);
    put(&st, r->family, false);
    put(&st, r->event, false);
    put_i64(&st, r->actor, r->actor_null);
    put_i64(&st, r->worker, r->worker_null);
    put(&st, r->subject, false);
    put_i64(&st, r->automated, false);
    put(&st, r->span_kind ? r->span_kind : "", r->span_null);
    put_i64(&st, r->span_start, r->span_null);
    put_i64(&st, r->span_end, r->span_null);
    put_i64(&st, r->amount, r->amount_null);
    put(&st, r->payload, false);
    crypto_generichash_final(&st, out, JOURNAL_HASH_BYTES);
}

int journal_append(store *s, const journal_event *ev, int64_t *id_out, vis_err *err)
{
    if (store_begin(s, err)) return err ? err->code : VIS_ESTORE;
    unsigned char prev[JOURNAL_HASH_BYTES] = {0};
    int64_t last = 0;
    store_stmt *q = store_query(s, SQL_JOURNAL_LAST, err, "");
    if (!q) goto fail;
    int r = store_row(q, err);
    if (r < 0) {
        store_done(q);
        goto fail;
    }
    if (r == 1) {
        last = store_col_i64(q, 0);
        size_t n;
        const void *h = store_col_blob(q, 1, &n);
        if (h && n == JOURNAL_HASH_BYTES) memcpy(prev, h, n);
    }
    store_done(q);

    row w = {
        .id = last + 1,
        .at = ev->at_ms,
        .family = ev->family,
        .event = ev->event,
        .actor = ev->actor_id,
        .actor_null = ev->actor_id < 0,
        .worker = ev->worker_id,
        .worker_null = ev->worker_id < 0,
        .subject = ev->subject ? ev->subject : "",
        .automated = ev->automated ? 1 : 0,
        .span_kind = ev->span_kind,
        .span_null = ev->span_kind == NULL,
        .span_start = ev->span_start_ms,
        .span_end = ev->span_end_ms,
        .amount = ev->amount_micros,
        .amount_null = !ev->has_amount,
        .payload = ev->payload ? ev->payload : "{}",
    };
    unsigned char h[JOURNAL_HASH_BYTES];
    row_hash(prev, &w, h);
    if (store_exec(s, SQL_JOURNAL_INSERT, err, "iittIItitIIItbb", w.id, w.at, w.family, w.event,
                   w.actor_null ? (int64_t)-1 : w.actor, w.worker_null ? (int64_t)-1 : w.worker,
                   w.subject, w.automated, w.span_kind, w.span_null ? (int64_t)-1 : w.span_start,
                   w.span_null ? (int64_t)-1 : w.span_end, w.amount_null ? (int64_t)-1 : w.amount,
                   w.payload, (const void *)prev, (size_t)JOURNAL_HASH_BYTES, (const void *)h,
                   (size_t)JOURNAL_HASH_BYTES))
        goto fail;
    if (store_commit(s, err)) return err ? err->code : VIS_ESTORE;
    if (id_out) *id_out = w.id;
    return 0;
fail:
    store_rollback(s);
    return err && err->code ? err->code : VIS_ESTORE;
}

int journal_append_json(store *s, journal_event *ev, json_t *payload, int64_t *id_out, vis_err *err)
{
    char *text = payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(payload);
    ev->payload = text;
    int rc = journal_append(s, ev, id_out, err);
    ev->payload = NULL;
    free(text);
    return rc;
}

int journal_verify(store *s, journal_report *rep, vis_err *err)
{
    memset(rep, 0, sizeof *rep);
    unsigned char prev[JOURNAL_HASH_BYTES] = {0};
    int64_t expect = 1;
    store_stmt *q = store_query(s, SQL_JOURNAL_ALL, err, "");
    if (!q) return err ? err->code : VIS_ESTORE;
    int rc = 0, r;
    while ((r = store_row(q, err)) == 1) {
        row w = {
            .id = store_col_i64(q, 0),
            .at = store_col_i64(q, 1),
            .family = store_col_text(q, 2),
            .event = store_col_text(q, 3),
            .actor = store_col_i64(q, 4),
            .actor_null = store_col_null(q, 4),
            .worker = store_col_i64(q, 5),
            .worker_null = store_col_null(q, 5),
            .subject = store_col_text(q, 6),
            .automated = store_col_i64(q, 7),
            .span_kind = store_col_text(q, 8),
            .span_null = store_col_null(q, 8),
            .span_start = store_col_i64(q, 9),
            .span_end = store_col_i64(q, 10),
            .amount = store_col_i64(q, 11),
            .amount_null = store_col_null(q, 11),
            .payload = store_col_text(q, 12),
        };
        size_t pn, hn;
        const void *ph = store_col_blob(q, 13, &pn);
        const void *hh = store_col_blob(q, 14, &hn);
        if (w.id != expect) {
            rep->bad_id = w.id;
            snprintf(rep->why, sizeof rep->why, "row %lld is missing (next row found is %lld)",
                     (long long)expect, (long long)w.id);
            rc = 1;
            break;
        }
        if (pn != JOURNAL_HASH_BYTES || !ph || memcmp(ph, prev, JOURNAL_HASH_BYTES)) {
            rep->bad_id = w.id;
            snprintf(rep->why, sizeof rep->why, "row %lld does not link to the row before it",
                     (long long)w.id);
            rc = 1;
            break;
        }
        unsigned char h[JOURNAL_HASH_BYTES];
        row_hash(prev, &w, h);
        if (hn != JOURNAL_HASH_BYTES || !hh || memcmp(hh, h, JOURNAL_HASH_BYTES)) {
            rep->bad_id = w.id;
            snprintf(rep->why, sizeof rep->why, "row %lld was changed after it was written",
                     (long long)w.id);
            rc = 1;
            break;
        }
        memcpy(prev, h, JOURNAL_HASH_BYTES);
        memcpy(rep->head, h, JOURNAL_HASH_BYTES);
        rep->rows++;
        expect++;
    }
    store_done(q);
    if (r < 0 && rc == 0) return err ? err->code : VIS_ESTORE;
    return rc;
}
