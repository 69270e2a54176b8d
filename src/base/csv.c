#include "base/csv.h"

#include "base/mem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void csv_init(csv_reader *r, const char *data, size_t len)
{
    memset(r, 0, sizeof *r);
    r->p = data;
    r->end = data + len;
    if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB &&
        (unsigned char)data[2] == 0xBF)
        r->p += 3;
    r->next_line = 1;
    buf_init(&r->scratch);
}

void csv_free(csv_reader *r)
{
    free(r->field);
    free(r->field_len);
    free(r->off);
    buf_free(&r->scratch);
    memset(r, 0, sizeof *r);
}

static void push_field(csv_reader *r)
{
    if (r->nfields == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        r->off = mem_realloc(r->off, cap * sizeof *r->off);
        r->field_len = mem_realloc(r->field_len, cap * sizeof *r->field_len);
        r->field = mem_realloc(r->field, cap * sizeof *r->field);
        r->cap = cap;
    }
    r->off[r->nfields++] = r->scratch.len;
}

static void end_field(csv_reader *r)
{
    size_t i = r->nfields - 1;
    r->field_len[i] = r->scratch.len - r->off[i];
    buf_append(&r->scratch, "", 1); /* NUL separator */
}

/* Fast path for the common record: a line without any quote. The line is
 * copied once and split on commas in place. Returns 1, or 0 when the line
 * has a quote (the general parser handles it). */
static int next_plain(csv_reader *r)
{
    const char *p = r->p, *end = r->end;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    if (memchr(p, '"', (size_t)(le - p))) return 0;
    const char *content_end = le > p && le[-1] == '\r' ? le - 1 : le;
    if (memchr(p, '\r', (size_t)(content_end - p))) return 0; /* a bare CR ends a record: general parser */
    size_t n = (size_t)(content_end - p);
    buf_reserve(&r->scratch, n + 1);
    char *d = r->scratch.data;
    memcpy(d, p, n);
    d[n] = '\0';
    r->scratch.len = n + 1;
    size_t off = 0;
    for (;;) {
        push_field(r);
        r->off[r->nfields - 1] = off;
        char *c = memchr(d + off, ',', n - off);
        size_t fe = c ? (size_t)(c - d) : n;
        d[fe] = '\0';
        r->field_len[r->nfields - 1] = fe - off;
        if (!c) break;
        off = fe + 1;
    }
    r->p = nl ? nl + 1 : end;
    r->next_line++;
    for (size_t i = 0; i < r->nfields; i++) r->field[i] = d + r->off[i];
    return 1;
}

int csv_next(csv_reader *r, vis_err *err)
{
    if (r->p >= r->end) return 0;
    r->nfields = 0;
    buf_reset(&r->scratch);
    r->line = r->next_line;
    int fast = next_plain(r);
    if (fast) return fast;
    r->nfields = 0;
    buf_reset(&r->scratch);
    const char *p = r->p, *end = r->end;
    for (;;) {
        push_field(r);
        if (p < end && *p == '"') {
            size_t qline = r->next_line;
            p++;
            for (;;) {
                const char *q = memchr(p, '"', (size_t)(end - p));
                if (!q) {
                    vis_errf(err, VIS_EINVAL, "csv_unterminated_quote", NULL,
                             "line %zu: unterminated quoted field", qline);
                    return -1;
                }
                for (const char *c = p; c < q; c++)
                    if (*c == '\n') r->next_line++;
                buf_append(&r->scratch, p, (size_t)(q - p));
                p = q + 1;
                if (p < end && *p == '"') {
                    buf_append(&r->scratch, "\"", 1);
                    p++;
                    continue;
                }
                break;
            }
            /* after the closing quote: tolerate stray text up to the delimiter */
            while (p < end && *p != ',' && *p != '\n' && *p != '\r')
                buf_append(&r->scratch, p++, 1);
        } else {
            const char *s = p;
            while (p < end && *p != ',' && *p != '\n' && *p != '\r') p++;
            buf_append(&r->scratch, s, (size_t)(p - s));
        }
        end_field(r);
        if (p < end && *p == ',') { p++; continue; }
        if (p < end && *p == '\r') p++;
        if (p < end && *p == '\n') p++;
        r->next_line++;
        break;
    }
    r->p = p;
    for (size_t i = 0; i < r->nfields; i++) r->field[i] = r->scratch.data + r->off[i];
    return 1;
}

int csv_column(const csv_reader *r, const char *name)
{
    for (size_t i = 0; i < r->nfields; i++)
        if (strcmp(r->field[i], name) == 0) return (int)i;
    return -1;
}

void csv_put_field(buf *b, const char *s)
{
    /* a leading UTF-8 BOM is quoted too: at the start of a file a reader
       would skip it as the file's byte order mark */
    bool bom = (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF;
    if (!bom && !strpbrk(s, ",\"\r\n")) { buf_puts(b, s); return; }
    buf_append(b, "\"", 1);
    for (const char *c = s; *c; c++) {
        if (*c == '"') buf_append(b, "\"", 1);
        buf_append(b, c, 1);
    }
    buf_append(b, "\"", 1);
}
