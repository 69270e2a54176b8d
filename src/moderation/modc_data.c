#include "moderation/modc_data.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/mem.h"
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

static void push_row(modc_dataset *d, size_t *cap, const char *text, size_t len, size_t label, const float *soft)
{
    if (d->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 1024;
        d->text = mem_realloc(d->text, nc * sizeof *d->text);
        d->len = mem_realloc(d->len, nc * sizeof *d->len);
        d->label = mem_realloc(d->label, nc * sizeof *d->label);
        if (soft) d->soft = mem_realloc(d->soft, nc * d->nclasses * sizeof *d->soft);
        *cap = nc;
    }
    if (soft) memcpy(d->soft + d->n * d->nclasses, soft, d->nclasses * sizeof *soft);
    d->text[d->n] = mem_strndup(text, len);
    d->len[d->n] = len;
    d->label[d->n] = label;
    d->n++;
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

/* The columns of a file, from its header line: Davidson's (class, tweet
 * and, when all three are there, the annotators' vote counts) or the
 * generic text,label. */
typedef struct cols {
    int    text, label, vote[3];
    bool   votes;
    size_t need; /* fields a row must have */
} cols;

static int parse_header(modc_dataset *d, const csv_reader *r, cols *c, vis_err *err)
{
    if ((c->label = csv_column(r, "class")) >= 0 && (c->text = csv_column(r, "tweet")) >= 0) {
        d->format = MODC_FMT_DAVIDSON;
    } else if ((c->label = csv_column(r, "label")) >= 0 && (c->text = csv_column(r, "text")) >= 0) {
        d->format = MODC_FMT_GENERIC;
    } else {
        return vis_errf(err, VIS_EINVAL, "bad_header", "data",
                        "line 1: expected columns 'class' and 'tweet' (Davidson) or "
                        "'text' and 'label'");
    }
    c->need = (size_t)(c->text > c->label ? c->text : c->label) + 1;
    c->votes = false;
    d->classes = mem_calloc(MODC_CLASSES_MAX, sizeof *d->classes);
    if (d->format != MODC_FMT_DAVIDSON) return 0;
    for (size_t i = 0; i < 3; i++) d->classes[d->nclasses++] = mem_strdup(davidson_classes[i]);
    static const char *const vote_cols[3] = {"hate_speech", "offensive_language", "neither"};
    size_t need = c->need;
    c->votes = true;
    for (int k = 0; k < 3; k++) {
        c->vote[k] = csv_column(r, vote_cols[k]);
        if (c->vote[k] < 0) c->votes = false;
        else if ((size_t)c->vote[k] + 1 > need) need = (size_t)c->vote[k] + 1;
    }
    if (c->votes) c->need = need;
    return 0;
}

/* The class index of a row's label: Davidson's 0, 1, 2; a generic label is
 * added to the classes when first seen. */
static int row_label(modc_dataset *d, const csv_reader *r, const cols *c, size_t *y, vis_err *err)
{
    const char *lab = r->field[c->label];
    if (d->format == MODC_FMT_DAVIDSON) {
        if (strlen(lab) != 1 || lab[0] < '0' || lab[0] > '2')
            return vis_errf(err, VIS_EINVAL, "bad_label", "class", "line %zu: class must be 0, 1 or 2, got '%.40s'",
                            r->line, lab);
        *y = (size_t)(lab[0] - '0');
        return 0;
    }
    size_t ll = r->field_len[c->label];
    if (ll == 0 || ll > MODC_CLASS_NAME_MAX || strlen(lab) != ll)
        return vis_errf(err, VIS_EINVAL, "bad_label", "label", "line %zu: label must be 1..%d bytes", r->line,
                        MODC_CLASS_NAME_MAX);
    for (*y = 0; *y < d->nclasses; (*y)++)
        if (strcmp(d->classes[*y], lab) == 0) return 0;
    if (d->nclasses == MODC_CLASSES_MAX)
        return vis_errf(err, VIS_EINVAL, "too_many_classes", "label", "line %zu: more than %d distinct labels",
                        r->line, MODC_CLASSES_MAX);
    d->classes[d->nclasses++] = mem_strdup(lab);
    return 0;
}

/* The annotators' votes of a Davidson row as shares (soft labels). */
static int row_votes(const csv_reader *r, const cols *c, float soft[3], vis_err *err)
{
    unsigned long v[3], tot = 0;
    for (int k = 0; k < 3; k++) {
        const char *f = r->field[c->vote[k]];
        char *end;
        errno = 0;
        v[k] = strtoul(f, &end, 10);
        if (!*f || *f == '-' || *end || errno || v[k] > 1000000)
            return vis_errf(err, VIS_EINVAL, "bad_votes", "votes",
                            "line %zu: vote counts must be integers >= 0, got '%.40s'", r->line, f);
        tot += v[k];
    }
    if (tot == 0) return vis_errf(err, VIS_EINVAL, "bad_votes", "votes", "line %zu: no annotator votes", r->line);
    for (int k = 0; k < 3; k++) soft[k] = (float)((double)v[k] / (double)tot);
    return 0;
}

int modc_data_parse(modc_dataset *d, const char *data, size_t len, vis_err *err)
{
    memset(d, 0, sizeof *d);
    csv_reader r;
    csv_init(&r, data, len);
    int rc = 0;
    size_t cap = 0;
    int st = csv_next(&r, err);
    if (st <= 0) {
        csv_free(&r);
        return st < 0 ? err ? err->code : VIS_EINVAL
                      : vis_errf(err, VIS_EINVAL, "empty_data", "data", "the CSV file is empty");
    }
    cols c = {.text = -1, .label = -1};
    if ((rc = parse_header(d, &r, &c, err))) goto fail;
    while ((st = csv_next(&r, err)) > 0) {
        if (r.nfields == 1 && r.field_len[0] == 0) continue; /* blank line */
        if (r.nfields < c.need) {
            rc = vis_errf(err, VIS_EINVAL, "bad_row", "data", "line %zu: %zu fields, expected %zu", r.line, r.nfields,
                          c.need);
            goto fail;
        }
        size_t y = 0;
        float soft[3];
        if ((rc = row_label(d, &r, &c, &y, err)) || (c.votes && (rc = row_votes(&r, &c, soft, err)))) goto fail;
        push_row(d, &cap, r.field[c.text], r.field_len[c.text], y, c.votes ? soft : NULL);
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
