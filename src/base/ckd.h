/*
 * ckd — checked integer arithmetic for money (and anything else that must
 * not wrap).
 *
 * Money is int64 micros everywhere. Any sum or product whose operands come,
 * directly or not, from outside (a reward, an overlap, a task count, an
 * amount, a pricing rule) goes through these helpers instead of the bare
 * operators: signed overflow is undefined behaviour in C, and a wrapped cost
 * is a wrong price, not a crash. Each helper stores the exact result in *out
 * and returns false, or returns true when the exact result does not fit in
 * int64 (then *out holds the wrapped value and must not be used). They are
 * the C23 <stdckdint.h> functions (ckd_add, ckd_sub, ckd_mul) for int64,
 * built on the compiler's __builtin_*_overflow, so they cost one instruction
 * and a branch.
 *
 * ckd_muldiv() computes a * b / d, rounding toward zero, in 128 bits (so the
 * intermediate product never overflows) and reports whether the quotient
 * fits. ckd_within() is the usual "checked and at most this much" test.
 *
 * Typical use, answering the caller with a clear error naming the limit:
 *     int64_t cost;
 *     if (ckd_mul(&cost, answers, unit) || cost > LEDGER_MAX_AMOUNT) ... refuse
 */
#ifndef VIS_BASE_CKD_H
#define VIS_BASE_CKD_H

#include <stdbool.h>
#include <stdint.h>

/* C23 names; <stdckdint.h> (if a later compiler brings it) defines them as
   type-generic macros: undefine so these int64 functions are the ones used. */
#undef ckd_add
#undef ckd_sub
#undef ckd_mul

/* *out = a + b; true on overflow. */
static inline bool ckd_add(int64_t *out, int64_t a, int64_t b) { return __builtin_add_overflow(a, b, out); }
/* *out = a - b; true on overflow. */
static inline bool ckd_sub(int64_t *out, int64_t a, int64_t b) { return __builtin_sub_overflow(a, b, out); }
/* *out = a * b; true on overflow. */
static inline bool ckd_mul(int64_t *out, int64_t a, int64_t b) { return __builtin_mul_overflow(a, b, out); }

/* *out = a * b / d (toward zero), exact 128-bit intermediate; true when d
   is not positive or the quotient does not fit in int64. */
static inline bool ckd_muldiv(int64_t *out, int64_t a, int64_t b, int64_t d)
{
    if (d <= 0) {
        *out = 0;
        return true;
    }
    __int128 q = (__int128)a * b / d;
    if (q > INT64_MAX || q < INT64_MIN) {
        *out = 0;
        return true;
    }
    *out = (int64_t)q;
    return false;
}

/* True when v is within [-max, max] (max >= 0): a bound on a money amount. */
static inline bool ckd_within(int64_t v, int64_t max) { return v <= max && v >= -max; }

#endif
