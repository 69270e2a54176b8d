#include "base/err.h"

#include <stdio.h>
#include <string.h>

const char *vis_err_kind(int code)
{
    switch (code) {
    case VIS_OK: return "ok";
    case VIS_EINVAL: return "invalid";
    case VIS_EAUTH: return "unauthorized";
    case VIS_EFORBIDDEN: return "forbidden";
    case VIS_ENOTFOUND: return "not_found";
    case VIS_ECONFLICT: return "conflict";
    case VIS_ETOOBIG: return "too_large";
    case VIS_ELIMIT: return "rate_limited";
    case VIS_ESTORE: return "store_error";
    case VIS_EIO: return "io_error";
    case VIS_EBUSY: return "busy";
    case VIS_EMISMATCH: return "mismatch";
    default: return "error";
    }
}

void vis_err_clear(vis_err *e)
{
    if (e) memset(e, 0, sizeof *e);
}

int vis_errf(vis_err *e, int code, const char *kind, const char *field,
             const char *fmt, ...)
{
    if (!e) return code;
    e->code = code;
    snprintf(e->kind, sizeof e->kind, "%s", kind ? kind : vis_err_kind(code));
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}
