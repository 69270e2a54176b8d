/*
 * csv — an RFC 4180 reader over an in-memory buffer, and a field writer.
 *
 * The reader is a pull parser: csv_next() yields one record at a time;
 * fields are NUL-terminated copies in the reader's scratch space, valid until
 * the next call. Quoted fields may contain commas, doubled quotes and line
 * breaks (CRLF or LF). r->line is the 1-based physical line where the
 * current record starts, for error messages. A quote that is never closed is
 * an error naming the line where the field began. A UTF-8 BOM is skipped.
 */
#ifndef VIS_BASE_CSV_H
#define VIS_BASE_CSV_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct csv_reader {
    const char *p, *end;
    size_t line;        /* line where the current record started */
    size_t next_line;   /* line where the next record starts */
    size_t nfields;
    char **field;       /* nfields pointers into scratch */
    size_t *field_len;
    size_t cap;
    size_t *off;        /* offsets of fields in scratch */
    buf scratch;
} csv_reader;

void csv_init(csv_reader *r, const char *data, size_t len);
void csv_free(csv_reader *r);
/* 1: a record is ready; 0: end of input; -1: error (err filled). Blank
 * lines (a record with one empty field) are returned like any record. */
int csv_next(csv_reader *r, vis_err *err);
/* Index of the column named name in the current record, or -1. */
int csv_column(const csv_reader *r, const char *name);
/* Append s to b as one CSV field, quoted only when needed (a comma, quote,
 * CR or LF, or a leading UTF-8 BOM). */
void csv_put_field(buf *b, const char *s);

#endif
