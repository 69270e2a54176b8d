/*
 * ledger — double-entry money in integer micros.
 *
 * Money sits in ledger accounts identified by (kind, owner, ref, currency):
 *   external         money entering or leaving the platform (may go negative)
 *   client_funds     a client's available funds (owner = client)
 *   escrow           money reserved for a piece of work (owner = client,
 *                    ref = "batch:12", "job:7", ...)
 *   worker_earnings  what a worker has earned (owner = worker)
 *   platform_fees    the platform's revenue
 * A transaction is a set of legs whose amounts sum to exactly zero; every
 * account except "external" refuses to go below zero, so a client can never
 * spend more than it holds. A transaction may carry an idempotency key:
 * posting the same key again changes nothing and returns the first
 * transaction. Each posting is journalled in the same store transaction;
 * a leg that credits a worker_earnings account is journalled as a payment
 * to that worker (event "paid" with its amount) so that earnings can be
 * computed from the journal alone. The sum over all accounts is always 0.
 *
 * Limits (so that no balance and no sum of balances can overflow int64):
 * one leg moves at most LEDGER_MAX_AMOUNT (10^15 micros, 10^9 currency
 * units; also the most one admin credit may bring in), and every account,
 * "external" included, stays within +-LEDGER_MAX_BALANCE (10^18 micros).
 * A posting that would take any account beyond it is refused before
 * anything is written: VIS_ECONFLICT "balance_limit" (HTTP 409). Only the
 * few fixed "external" accounts may go negative (a handful per currency), so
 * the positive balances together stay below a few times 10^18 and every
 * SUM over accounts fits in int64. All arithmetic on amounts and balances
 * is checked (base/ckd.h).
 */
#ifndef VIS_CORE_LEDGER_H
#define VIS_CORE_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

#define LEDGER_MAX_AMOUNT 1000000000000000LL     /* one leg, one credit: 1e15 micros = 1e9 units */
#define LEDGER_MAX_BALANCE 1000000000000000000LL /* any account, either sign: 1e18 micros */
#define LEDGER_MAX_LEGS 64

typedef struct ledger_leg {
    int64_t account_id;
    int64_t amount;  /* micros; positive credits, negative debits */
} ledger_leg;

typedef struct ledger_tx_in {
    const char *idem_key;  /* NULL: none */
    const char *kind;      /* "credit", "escrow", "payment", "refund", "fee", ... */
    const char *memo;      /* human reason */
    const char *family;    /* for the journal: "core", "microwork", ... */
    const char *subject;   /* for the journal, e.g. "batch:3" */
    int64_t     actor_id;  /* -1: the system */
    int64_t     now_ms;
} ledger_tx_in;

/* Find or create the account; returns its id. */
int ledger_account(store *s, const char *kind, int64_t owner, const char *ref, const char *currency,
                   int64_t *id, vis_err *err);
int ledger_balance(store *s, int64_t account_id, int64_t *balance, vis_err *err);
/* Sum of balances of an owner's accounts of one kind (e.g. all its escrows). */
int ledger_owner_total(store *s, const char *kind, int64_t owner, const char *currency, int64_t *sum,
                       vis_err *err);
/* Post a balanced transaction. *replayed tells whether the key was seen. */
int ledger_post(store *s, const ledger_tx_in *tx, const ledger_leg *legs, size_t n, int64_t *tx_id,
                bool *replayed, vis_err *err);
/* Fund a client from outside (admin credit). */
int ledger_credit_client(store *s, int64_t client_id, int64_t amount, const char *currency,
                         const ledger_tx_in *tx, int64_t *tx_id, bool *replayed, vis_err *err);
/* Sum of every account (must be 0). */
int ledger_sum_all(store *s, int64_t *sum, vis_err *err);
/* The currency's smallest coin in micros (ISO 4217 minor unit): 10,000 (a
 * cent) for most, 1,000,000 for currencies without decimals (JPY, KRW…),
 * 1,000 for those with three (BHD, KWD…). Prices charged are rounded to it;
 * balances and pay stay exact in micros. */
int64_t ledger_minor_unit(const char *currency);

#endif
