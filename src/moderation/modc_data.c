#include "moderation/modc_data.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/csv.h"
#include "moderation/modc_model.h"

static const char *const davidson_classes[3] = {"hate", "offensive", "neither"};

void modc_data_free(modc_dataset *d)
{
    if (d->text)
        for (size_t i = 0; i < d->n; i++) free(d->text[i]);
    if (d->classes)
        for (size_t i = 0; i < d->nclasses; i++) free(d->classes[i]);
    free(d->text);
    free(d->len);
    free(d->label);
    free(d->soft);
    free(d->classes);
    memset(d, 0, sizeof *d);
}

static int push_row(modc_dataset *d, size_t *cap, const char *text, size_t len, size_t label,
                    const float *soft)
{
    if (d->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 1024;
        char **t = realloc(d->text, nc * sizeof *t);
        if (!t) return VIS_ENOMEM;
        d->text = t;
        size_t *l = realloc(d->len, nc * sizeof *l);
        if (!l) return VIS_ENOMEM;
        d->len = l;
        size_t *y = realloc(d->label, nc * sizeof *y);
        if (!y) return VIS_ENOMEM;
        d->label = y;
        if (soft) {
            float *f = realloc(d->soft, nc * d->nclasses * sizeof *f);
            if (!f) return VIS_ENOMEM;
            d->soft = f;
        }
        *cap = nc;
    }
    if (soft) memcpy(d->soft + d->n * d->nclasses, soft, d->nclasses * sizeof *soft);
    char *s = malloc(len + 1);
    if (!s) return VIS_ENOMEM;
    memcpy(s, text, len);
    s[len] = '\0';
    d->text[d->n] = s;
    d->len[d->n] = len;
    d->label[d->n] = label;
    d->n++;
    return 0;
}

/* Renumber generic classes (first-appearance ids) in byte order of names. */
static void sort_classes(modc_dataset *d)
{
    size_t k = d->nclasses, order[MODC_CLASSES_MAX], newid[MODC_CLASSES_MAX];
    char *sorted[MODC_CLASSES_MAX];
    for (size_t i = 0; i < k; i++) order[i] = i;
    for (size_t i = 1; i < k; i++) { /* insertion sort: k <= MODC_CLASSES_MAX */
        size_t v = order[i], j = i;
        for (; j > 0 && strcmp(d->classes[order[j - 1]], d->classes[v]) > 0; j--)
            order[j] = order[j - 1];
        order[j] = v;
    }
    for (size_t i = 0; i < k; i++) {
        newid[order[i]] = i;
        sorted[i] = d->classes[order[i]];
    }
    memcpy(d->classes, sorted, k * sizeof *sorted);
    for (size_t i = 0; i < d->n; i++) d->label[i] = newid[d->label[i]];
}

int modc_data_parse(modc_dataset *d, const char *data, size_t len, vis_err *err)
{
    memset(d, 0, sizeof *d);
    csv_reader r;
    csv_init(&r, data, len);
    int rc = 0, st;
    size_t cap = 0;
    int ctext = -1, clabel = -1;
    st = csv_next(&r, err);
    if (st <= 0) {
        csv_free(&r);
        return st < 0 ? err ? err->code : VIS_EINVAL
                      : vis_errf(err, VIS_EINVAL, "empty_data", "data", "the CSV file is empty");
    }
    if ((clabel = csv_column(&r, "class")) >= 0 && (ctext = csv_column(&r, "tweet")) >= 0) {
        d->format = MODC_FMT_DAVIDSON;
    } else if ((clabel = csv_column(&r, "label")) >= 0 && (ctext = csv_column(&r, "text")) >= 0) {
        d->format = MODC_FMT_GENERIC;
    } else {
        csv_free(&r);
        return vis_errf(err, VIS_EINVAL, "bad_header", "data",
                        "line 1: expected columns 'class' and 'tweet' (Davidson) or "
                        "'text' and 'label'");
    }
    d->classes = calloc(MODC_CLASSES_MAX, sizeof *d->classes);
    if (!d->classes) {
        rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
        goto fail;
    }
    if (d->format == MODC_FMT_DAVIDSON) {
        for (size_t i = 0; i < 3; i++) {
            d->classes[i] = strdup(davidson_classes[i]);
            if (!d->classes[i]) {
                rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
                goto fail;
            }
            d->nclasses++;
        }
    }
    size_t need = (size_t)(ctext > clabel ? ctext : clabel) + 1;
    int cvote[3] = {-1, -1, -1};
    bool votes = false;
    if (d->format == MODC_FMT_DAVIDSON) {
        static const char *const vote_cols[3] = {"hate_speech", "offensive_language", "neither"};
        votes = true;
        for (int c = 0; c < 3; c++) {
            cvote[c] = csv_column(&r, vote_cols[c]);
            if (cvote[c] < 0) votes = false;
            else if ((size_t)cvote[c] + 1 > need) need = (size_t)cvote[c] + 1;
        }
        if (!votes) need = (size_t)(ctext > clabel ? ctext : clabel) + 1;
    }
    while ((st = csv_next(&r, err)) > 0) {
        if (r.nfields == 1 && r.field_len[0] == 0) continue; /* blank line */
        if (r.nfields < need) {
            rc = vis_errf(err, VIS_EINVAL, "bad_row", "data", "line %zu: %zu fields, expected %zu",
                          r.line, r.nfields, need);
            goto fail;
        }
        const char *lab = r.field[clabel];
        size_t y;
        if (d->format == MODC_FMT_DAVIDSON) {
            if (strlen(lab) != 1 || lab[0] < '0' || lab[0] > '2') {
                rc = vis_errf(err, VIS_EINVAL, "bad_label", "class",
                              "line %zu: class must be 0, 1 or 2, got '%.40s'", r.line, lab);
                goto fail;
            }
            y = (size_t)(lab[0] - '0');
        } else {
            size_t ll = r.field_len[clabel];
            if (ll == 0 || ll > MODC_CLASS_NAME_MAX || strlen(lab) != ll) {
                rc = vis_errf(err, VIS_EINVAL, "bad_label", "label",
                              "line %zu: label must be 1..%d bytes", r.line, MODC_CLASS_NAME_MAX);
                goto fail;
            }
            for (y = 0; y < d->nclasses; y++)
                if (strcmp(d->classes[y], lab) == 0) break;
            if (y == d->nclasses) {
                if (d->nclasses == MODC_CLASSES_MAX) {
                    rc = vis_errf(err, VIS_EINVAL, "too_many_classes", "label",
                                  "line %zu: more than %d distinct labels", r.line,
                                  MODC_CLASSES_MAX);
                    goto fail;
                }
                d->classes[y] = strdup(lab);
                if (!d->classes[y]) {
                    rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
                    goto fail;
                }
                d->nclasses++;
            }
        }
        float soft[3];
        if (votes) {
            unsigned long v[3], tot = 0;
            for (int c = 0; c < 3; c++) {
                const char *f = r.field[cvote[c]];
                char *end;
                errno = 0;
                v[c] = strtoul(f, &end, 10);
                if (!*f || *f == '-' || *end || errno || v[c] > 1000000) {
                    rc = vis_errf(err, VIS_EINVAL, "bad_votes", "votes",
                                  "line %zu: vote counts must be integers >= 0, got '%.40s'",
                                  r.line, f);
                    goto fail;
                }
                tot += v[c];
            }
            if (tot == 0) {
                rc = vis_errf(err, VIS_EINVAL, "bad_votes", "votes",
                              "line %zu: no annotator votes", r.line);
                goto fail;
            }
            for (int c = 0; c < 3; c++) soft[c] = (float)((double)v[c] / (double)tot);
        }
        if (push_row(d, &cap, r.field[ctext], r.field_len[ctext], y, votes ? soft : NULL)) {
            rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
            goto fail;
        }
    }
    if (st < 0) {
        rc = err ? err->code : VIS_EINVAL;
        goto fail;
    }
    csv_free(&r);
    if (d->format == MODC_FMT_GENERIC) sort_classes(d);
    return 0;
fail:
    csv_free(&r);
    modc_data_free(d);
    return rc ? rc : VIS_EINVAL;
}

int modc_data_load(modc_dataset *d, const char *path, vis_err *err)
{
    memset(d, 0, sizeof *d);
    buf b;
    buf_init(&b);
    if (buf_read_file(&b, path) < 0) {
        int e = errno;
        buf_free(&b);
        return vis_errf(err, VIS_EIO, "io_error", "data", "%s: %s", path, strerror(e));
    }
    int rc = modc_data_parse(d, b.data ? b.data : "", b.len, err);
    buf_free(&b);
    return rc;
}
