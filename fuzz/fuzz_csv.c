/*
 * fuzz_csv — the RFC 4180 reader (src/base/csv.c) that reads every CSV the
 * platform takes from outside (task uploads, gold files, label files).
 * Properties checked: no crash, leak or UB; record line numbers never go
 * backwards; writing the records back with csv_put_field and reading the
 * result gives the same fields (for fields without a NUL byte).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/csv.h"

#define MAX_RECORDS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    csv_reader r;
    vis_err err;
    csv_init(&r, (const char *)data, size);
    buf out;
    buf_init(&out);
    size_t nrec = 0, last_line = 0;
    size_t *nf = calloc(MAX_RECORDS, sizeof *nf);
    bool roundtrip = nf != NULL;
    int rc;
    while ((rc = csv_next(&r, &err)) == 1) {
        if (r.line < last_line || r.nfields == 0) abort();
        last_line = r.line;
        (void)csv_column(&r, "_gold");
        if (nrec == MAX_RECORDS) roundtrip = false;
        if (!roundtrip) continue;
        nf[nrec++] = r.nfields;
        for (size_t i = 0; i < r.nfields; i++) {
            if (strlen(r.field[i]) != r.field_len[i]) roundtrip = false;
            if (i) buf_append(&out, ",", 1);
            csv_put_field(&out, r.field[i]);
        }
        buf_append(&out, "\r\n", 2);
    }
    csv_free(&r);
    if (rc < 0 || !roundtrip) goto done;
    /* read the copy back against the original, record by record */
    csv_reader a, b;
    csv_init(&a, (const char *)data, size);
    csv_init(&b, out.data ? out.data : "", out.len);
    for (size_t k = 0; k < nrec; k++) {
        vis_err e1, e2;
        if (csv_next(&a, &e1) != 1 || csv_next(&b, &e2) != 1) abort();
        if (a.nfields != b.nfields || a.nfields != nf[k]) abort();
        for (size_t i = 0; i < a.nfields; i++)
            if (a.field_len[i] != b.field_len[i] || memcmp(a.field[i], b.field[i], a.field_len[i])) abort();
    }
    vis_err e3;
    if (csv_next(&b, &e3) != 0) abort();
    csv_free(&a);
    csv_free(&b);
done:
    free(nf);
    buf_free(&out);
    return 0;
}
