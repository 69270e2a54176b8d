/*
 * err — errors as values.
 *
 * Every fallible function returns an int status (0 = ok, otherwise one of
 * the VIS_E* codes) and, when given a non-NULL vis_err, fills it with a
 * machine code ("invalid_field"), the offending field if any, and a human
 * message. The HTTP layer maps codes to statuses; the CLI prints messages.
 * No function calls exit() or abort() on bad input.
 */
#ifndef VIS_BASE_ERR_H
#define VIS_BASE_ERR_H

#include <stdarg.h>

enum {
    VIS_OK = 0,
    VIS_EINVAL,      /* bad input: 400 */
    VIS_EAUTH,       /* missing/invalid credentials: 401 */
    VIS_EFORBIDDEN,  /* authenticated but not allowed: 403 */
    VIS_ENOTFOUND,   /* 404 */
    VIS_ECONFLICT,   /* state conflict, duplicate, insufficient funds: 409 */
    VIS_ETOOBIG,     /* 413 */
    VIS_ELIMIT,      /* rate limited: 429 */
    VIS_ESTORE,      /* database failure: 500 (503 when busy) */
    VIS_EIO,         /* file or system error */
    VIS_EBUSY,       /* store busy / locked: 503 */
    VIS_EMISMATCH,   /* well-formed but contradicts an earlier request (Idempotency-Key): 422 */
};

typedef struct vis_err {
    int  code;           /* VIS_E* */
    char kind[48];       /* machine-readable code, e.g. "insufficient_funds" */
    char field[64];      /* offending field, or "" */
    char msg[256];       /* human-readable message */
} vis_err;

/* Fill *e (if non-NULL) and return code. kind may be NULL for a default. */
int vis_errf(vis_err *e, int code, const char *kind, const char *field,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void vis_err_clear(vis_err *e);
/* Default machine code for a VIS_E* value ("invalid", "not_found", ...). */
const char *vis_err_kind(int code);

#endif
