#include "core/account.h"

#include "base/mem.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/journal.h"
#include "store/sql_core.h"

bool account_role_valid(const char *role)
{
    return role && (!strcmp(role, "worker") || !strcmp(role, "client") || !strcmp(role, "admin"));
}

static int check_email(const char *email, char *norm, size_t cap, vis_err *err)
{
    size_t n = strlen(email);
    if (n < 3 || n >= cap || n > 254)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "email", "email must be 3 to 254 characters");
    const char *at = strchr(email, '@');
    if (!at || at == email || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.' ||
        email[n - 1] == '.')
        return vis_errf(err, VIS_EINVAL, "invalid_field", "email", "email must look like name@example.org");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)email[i];
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"')
            return vis_errf(err, VIS_EINVAL, "invalid_field", "email", "email contains a forbidden character");
        norm[i] = (char)tolower(c);
    }
    norm[n] = '\0';
    return 0;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

static void read_account(store_stmt *q, account *a)
{
    memset(a, 0, sizeof *a);
    a->id = store_col_i64(q, 0);
    snprintf(a->role, sizeof a->role, "%s", store_col_text(q, 1));
    snprintf(a->name, sizeof a->name, "%s", store_col_text(q, 2));
    snprintf(a->email, sizeof a->email, "%s", store_col_text(q, 3));
    snprintf(a->status, sizeof a->status, "%s", store_col_text(q, 4));
    a->created_ms = store_col_i64(q, 5);
}

int account_create(store *s, const char *role, const char *name, const char *email, const char *password,
                   const account_pwcost *cost, int64_t now_ms, account *out, vis_err *err)
{
    char hash[ACCOUNT_PWHASH_LEN];
    if (password && account_hash_password(password, cost, hash, err)) return err ? err->code : VIS_EINVAL;
    return account_create_hashed(s, role, name, email, password ? hash : NULL, now_ms, out, err);
}

_Static_assert(ACCOUNT_PWHASH_LEN == crypto_pwhash_STRBYTES, "ACCOUNT_PWHASH_LEN");

int account_hash_password(const char *password, const account_pwcost *cost, char out[ACCOUNT_PWHASH_LEN], vis_err *err)
{
    size_t pl = strlen(password);
    if (pl < 8 || pl > 1024)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "password", "password must be 8 to 1024 bytes");
    account_pwcost c =
        cost ? *cost : (account_pwcost){crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
    if (crypto_pwhash_str(out, password, pl, c.ops, c.mem_bytes) != 0)
        return vis_errf(err, VIS_EIO, "password_hash_failed", NULL,
                        "the password could not be hashed now (Argon2 could not get its memory): try again");
    return 0;
}

int account_create_hashed(store *s, const char *role, const char *name, const char *email, const char *pwhash,
                          int64_t now_ms, account *out, vis_err *err)
{
    if (!account_role_valid(role))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "role", "role must be worker or client");
    size_t nl = utf8_chars(name);
    if (nl < 1 || nl > 100 || strlen(name) >= sizeof out->name)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "name", "name must be 1 to 100 characters");
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c < ' ')
            return vis_errf(err, VIS_EINVAL, "invalid_field", "name", "name contains a control character");
    char norm[256];
    if (check_email(email, norm, sizeof norm, err)) return VIS_EINVAL;
    const char *stored = pwhash;
    int64_t exists = 0;
    int r = store_get_i64(s, SQL_ACCOUNT_EMAIL_EXISTS, &exists, err, "t", norm);
    if (r < 0) return err ? err->code : VIS_ESTORE;
    if (r == 1)
        return vis_errf(err, VIS_ECONFLICT, "email_taken", "email", "an account with this email already exists");
    if (store_exec(s, SQL_ACCOUNT_INSERT, err, "tttti", role, name, norm, stored, now_ms))
        return err ? err->code : VIS_ESTORE;
    return account_get(s, store_last_id(s), out, err);
}

int account_record(store *s, const account *a, const char *event, int64_t actor_id, int64_t now_ms, vis_err *err)
{
    journal_event ev = journal_event_init("core", event, now_ms);
    char subj[48];
    snprintf(subj, sizeof subj, "account:%lld", (long long)a->id);
    ev.subject = subj;
    ev.actor_id = actor_id;
    if (!strcmp(a->role, "worker")) ev.worker_id = a->id;
    return journal_append(s, &ev, NULL, err);
}

int account_get(store *s, int64_t id, account *out, vis_err *err)
{
    store_stmt *q = store_query(s, SQL_ACCOUNT_BY_ID, err, "i", id);
    if (!q) return err ? err->code : VIS_ESTORE;
    int r = store_row(q, err);
    if (r == 1) read_account(q, out);
    store_done(q);
    if (r < 0) return err ? err->code : VIS_ESTORE;
    if (r == 0) return vis_errf(err, VIS_ENOTFOUND, "account_not_found", NULL, "no account %lld", (long long)id);
    return 0;
}

int account_set_status(store *s, int64_t id, const char *status, const char *reason, int64_t actor_id,
                       int64_t now_ms, account *out, vis_err *err)
{
    bool disable = !strcmp(status, "disabled");
    if (!disable && strcmp(status, "active"))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "status", "status must be active or disabled");
    account a;
    if (account_get(s, id, &a, err)) return err ? err->code : VIS_ENOTFOUND;
    if (!strcmp(a.status, status))
        return vis_errf(err, VIS_ECONFLICT, disable ? "already_disabled" : "already_active", "status",
                        "account %lld is already %s", (long long)id, status);
    if (store_exec(s, SQL_ACCOUNT_SET_STATUS, err, "it", id, status)) return err ? err->code : VIS_ESTORE;
    journal_event ev = journal_event_init("core", disable ? "account_disabled" : "account_enabled", now_ms);
    char subj[48];
    snprintf(subj, sizeof subj, "account:%lld", (long long)id);
    ev.subject = subj;
    ev.actor_id = actor_id;
    if (!strcmp(a.role, "worker")) ev.worker_id = id;
    json_t *pl = JSON_PACK("{s:s, s:s, s:s}", "from", a.status, "to", status, "reason", reason ? reason : "");
    if (journal_append_json(s, &ev, pl, NULL, err)) return err ? err->code : VIS_ESTORE;
    return account_get(s, id, out, err);
}

int account_list(store *s, const char *role, const char *status, const char *q, int64_t after, account *out,
                 size_t cap, size_t *n, vis_err *err)
{
    char low[256];
    size_t ql = strlen(q);
    if (ql >= sizeof low)
        return vis_errf(err, VIS_EINVAL, "invalid_parameter", "q", "q must be at most 254 bytes");
    for (size_t i = 0; i <= ql; i++) low[i] = (char)tolower((unsigned char)q[i]);
    *n = 0;
    store_stmt *st = store_query(s, SQL_ACCOUNT_LIST, err, "tttii", role, status, low, after, (int64_t)cap);
    if (!st) return err ? err->code : VIS_ESTORE;
    int r = 0;
    while (*n < cap && (r = store_row(st, err)) == 1) read_account(st, &out[(*n)++]);
    store_done(st);
    if (*n < cap && r < 0) return err ? err->code : VIS_ESTORE;
    return 0;
}

int account_login(store *s, const char *email, const char *password, account *out, vis_err *err)
{
    if (account_check_password(s, email, password, out, err)) return err ? err->code : VIS_EAUTH;
    if (strcmp(out->status, "active"))
        return vis_errf(err, VIS_EFORBIDDEN, "account_disabled", NULL, "this account is %s", out->status);
    return 0;
}

int account_check_password(store *s, const char *email, const char *password, account *out, vis_err *err)
{
    char norm[256];
    vis_err ignore;
    if (check_email(email, norm, sizeof norm, &ignore))
        return vis_errf(err, VIS_EAUTH, "bad_credentials", NULL, "wrong email or password");
    store_stmt *q = store_query(s, SQL_ACCOUNT_BY_EMAIL, err, "t", norm);
    if (!q) return err ? err->code : VIS_ESTORE;
    int r = store_row(q, err);
    char hash[crypto_pwhash_STRBYTES] = "";
    if (r == 1) {
        read_account(q, out);
        snprintf(hash, sizeof hash, "%s", store_col_text(q, 6));
    }
    store_done(q);
    if (r < 0) return err ? err->code : VIS_ESTORE;
    if (r == 0 || !*hash || crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
        return vis_errf(err, VIS_EAUTH, "bad_credentials", NULL, "wrong email or password");
    return 0;
}

void account_token_hash(const char *token, unsigned char out[ACCOUNT_TOKEN_HASH])
{
    crypto_generichash(out, ACCOUNT_TOKEN_HASH, (const unsigned char *)token, strlen(token), NULL, 0);
}

int account_token_issue(store *s, int64_t account_id, const char *label, int64_t now_ms, int64_t expires_ms,
                        char out[ACCOUNT_TOKEN_LEN], vis_err *err)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, "vsb_", 4);
    sodium_bin2base64(out + 4, ACCOUNT_TOKEN_LEN - 4, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    unsigned char h[ACCOUNT_TOKEN_HASH];
    account_token_hash(out, h);
    if (store_exec(s, SQL_TOKEN_INSERT, err, "bitiI", (const void *)h, (size_t)ACCOUNT_TOKEN_HASH, account_id,
                   label ? label : "", now_ms, expires_ms))
        return err ? err->code : VIS_ESTORE;
    return 0;
}

int account_token_lookup(store *s, const unsigned char hash[ACCOUNT_TOKEN_HASH], int64_t now_ms, account *out,
                         int64_t *expires_ms, vis_err *err)
{
    store_stmt *q = store_query(s, SQL_TOKEN_LOOKUP, err, "bi", (const void *)hash, (size_t)ACCOUNT_TOKEN_HASH, now_ms);
    if (!q) return err ? err->code : VIS_ESTORE;
    int r = store_row(q, err);
    if (r == 1) {
        read_account(q, out);
        if (expires_ms) *expires_ms = store_col_i64(q, 6);
    }
    store_done(q);
    if (r < 0) return err ? err->code : VIS_ESTORE;
    if (r == 0) return vis_errf(err, VIS_EAUTH, "invalid_token", NULL, "the token is unknown, revoked or expired");
    return 0;
}

int account_token_active(const account *a, vis_err *err)
{
    if (strcmp(a->status, "active"))
        return vis_errf(err, VIS_EFORBIDDEN, "account_disabled", NULL, "this account is %s", a->status);
    return 0;
}

bool account_token_wellformed(const char *token) { return token && !strncmp(token, "vsb_", 4) && strlen(token) == 47; }

int account_token_auth(store *s, const char *token, int64_t now_ms, account *out, vis_err *err)
{
    if (!account_token_wellformed(token))
        return vis_errf(err, VIS_EAUTH, "invalid_token", NULL, "the token is not valid");
    unsigned char h[ACCOUNT_TOKEN_HASH];
    account_token_hash(token, h);
    if (account_token_lookup(s, h, now_ms, out, NULL, err)) return err ? err->code : VIS_ESTORE;
    return account_token_active(out, err);
}

int account_token_revoke(store *s, const char *token, vis_err *err)
{
    unsigned char h[ACCOUNT_TOKEN_HASH];
    account_token_hash(token, h);
    return store_exec(s, SQL_TOKEN_REVOKE, err, "b", (const void *)h, (size_t)ACCOUNT_TOKEN_HASH);
}
