/*
 * buf — a growable byte buffer, always NUL-terminated.
 *
 * Used for building responses, log lines and reading files. Growing it
 * allocates through base/mem (an allocation failure aborts), so an append always
 * succeeds.
 */
#ifndef VIS_BASE_BUF_H
#define VIS_BASE_BUF_H

#include <stddef.h>
#include <stdbool.h>

typedef struct buf {
    char  *data;
    size_t len;
    size_t cap;
} buf;

void buf_init(buf *b);
void buf_free(buf *b);
void buf_reset(buf *b);
/* Room for extra more bytes (and the NUL); always true. */
bool buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *p, size_t n);
void buf_puts(buf *b, const char *s);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take ownership of the data (caller frees); the buffer is reset. */
char *buf_steal(buf *b);
/* Read a whole file (or stdin for "-") into b. Returns 0 or -1 (errno set). */
int buf_read_file(buf *b, const char *path);

#endif
