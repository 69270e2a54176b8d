/*
 * account — people on the platform, their passwords and API tokens.
 *
 * Roles: worker, client, admin. Passwords are hashed with argon2id
 * (libsodium crypto_pwhash_str; cost from the config). API tokens are 32
 * random bytes shown once as "vsb_" + base64url; the store keeps only their
 * BLAKE2b-256 hash, so checking a token per request is one indexed lookup,
 * never a password hash. Emails are stored lower-cased and are unique.
 */
#ifndef VIS_CORE_ACCOUNT_H
#define VIS_CORE_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

#define ACCOUNT_TOKEN_LEN 48  /* "vsb_" + 43 base64url chars + NUL, rounded */
#define ACCOUNT_TOKEN_HASH 32

typedef struct account {
    int64_t id;
    char    role[8];
    char    name[128];
    char    email[256];
    char    status[16];
    int64_t created_ms;
} account;

typedef struct account_pwcost {
    unsigned long long ops;
    size_t             mem_bytes;
} account_pwcost;

bool account_role_valid(const char *role);
/* Validate fields (naming the bad one), hash the password, insert. */
#define ACCOUNT_PWHASH_LEN 128 /* crypto_pwhash_STRBYTES */
/* The argon2id hash of a password (8 to 1024 bytes), for account_create_hashed.
 * CPU- and memory-heavy: run it outside any transaction (the server does so
 * before a request reaches the group committer). */
int account_hash_password(const char *password, const account_pwcost *cost, char out[ACCOUNT_PWHASH_LEN],
                          vis_err *err);
/* account_create with the password already hashed (NULL: no password). */
int account_create_hashed(store *s, const char *role, const char *name, const char *email, const char *pwhash,
                          int64_t now_ms, account *out, vis_err *err);
int account_create(store *s, const char *role, const char *name, const char *email, const char *password,
                   const account_pwcost *cost, int64_t now_ms, account *out, vis_err *err);
int account_get(store *s, int64_t id, account *out, vis_err *err);
/* Disable ("disabled": no sign-in, every token refused) or re-enable
 * ("active") an account, journalled in the caller's transaction
 * ("account_disabled" / "account_enabled", actor, from/to, reason).
 * VIS_ECONFLICT already_<status> when nothing would change. */
int account_set_status(store *s, int64_t id, const char *status, const char *reason, int64_t actor_id,
                       int64_t now_ms, account *out, vis_err *err);
/* Accounts with id > after, in id order, at most cap (role, status: "" = any;
 * q: "" or a substring of the name or email, ASCII case-insensitive).
 * *n: how many were written to out. */
int account_list(store *s, const char *role, const char *status, const char *q, int64_t after, account *out,
                 size_t cap, size_t *n, vis_err *err);
/* Journal an account event ("account_created", "signed_up") about a. */
int account_record(store *s, const account *a, const char *event, int64_t actor_id, int64_t now_ms, vis_err *err);
/* Check email + password; VIS_EAUTH with one message for any mismatch. */
int account_login(store *s, const char *email, const char *password, account *out, vis_err *err);
/* The password check of account_login alone (status not checked): a read
 * and an argon2id verification, to run outside any transaction. */
int account_check_password(store *s, const char *email, const char *password, account *out, vis_err *err);
/* Issue a new token; expires_ms < 0 means it never expires. */
int account_token_issue(store *s, int64_t account_id, const char *label, int64_t now_ms, int64_t expires_ms,
                        char out[ACCOUNT_TOKEN_LEN], vis_err *err);
/* Resolve a token to its account (VIS_EAUTH if unknown, revoked, expired). */
int account_token_auth(store *s, const char *token, int64_t now_ms, account *out, vis_err *err);
/* The parts of account_token_auth, for a caller that caches: the shape
 * check, the lookup by hash (VIS_EAUTH when unknown, revoked or expired;
 * *expires_ms: the token's expiry or INT64_MAX), and the account check. */
bool account_token_wellformed(const char *token);
int  account_token_lookup(store *s, const unsigned char hash[ACCOUNT_TOKEN_HASH], int64_t now_ms, account *out,
                          int64_t *expires_ms, vis_err *err);
int  account_token_active(const account *a, vis_err *err);
void account_token_hash(const char *token, unsigned char out[ACCOUNT_TOKEN_HASH]);
int account_token_revoke(store *s, const char *token, vis_err *err);

#endif
