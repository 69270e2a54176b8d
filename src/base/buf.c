#include "base/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

void buf_init(buf *b) { memset(b, 0, sizeof *b); }

void buf_free(buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void buf_reset(buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

bool buf_reserve(buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return true;
    if (extra > ((size_t)-1) / 4 - b->len) mem_oom(extra); /* no size_t can hold it */
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    b->data = mem_realloc(b->data, cap);
    b->cap = cap;
    return true;
}

void buf_append(buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(buf *b, const char *s) { buf_append(b, s, strlen(s)); }

void buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) { buf_append(b, tmp, (size_t)n); return; }
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *buf_steal(buf *b)
{
    if (!b->data) buf_reserve(b, 0);
    char *p = b->data;
    memset(b, 0, sizeof *b);
    return p;
}

int buf_read_file(buf *b, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return -1;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_append(b, tmp, n);
    int bad = ferror(f);
    if (f != stdin) fclose(f);
    if (bad) { errno = EIO; return -1; }
    if (!b->data) buf_append(b, "", 0); /* an empty file: "" (terminated), not unterminated storage */
    return 0;
}
