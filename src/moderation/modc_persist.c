/*
 * Saving and loading moderation models (the file format is described in
 * modc_model.h).
 *
 * Loading trusts nothing behind the checksum (FNV-1a finds accidents, not a
 * crafted file): besides every length, a model is refused ("damaged model:
 * ...") when a number is NaN or infinite; a weight or bias is beyond
 * +-1e6; an AdaGrad accumulator is negative or beyond 1e30; a feature scale
 * is beyond +-1e3; a decision offset beyond +-1e3; the temperature is
 * outside [MODC_TEMP_MIN, MODC_TEMP_MAX]; the example counts exceed 2^53 (per
 * class or in all) or are all 0 while rows hold learned weights; rows are
 * repeated or out of order; feature scales are present without a feature
 * weighting; or a class name is not UTF-8 text without control characters.
 * Every model the platform saves passes (fuzz/fuzz_modc.c checks that what
 * loads saves and loads again, and that learning from it stays finite).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "moderation/modc_model.h"
#include "moderation/modc_model_int.h"

#define MODC_MAGIC "VISMODC1"
#define MODC_FORMAT 4u /* 1: no decision offsets, 2: no feature weighting, 3: no
                        * temperature (all still read) */

static void put_u32(buf *b, uint32_t v)
{
    unsigned char o[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    buf_append(b, o, 4);
}

static void put_u64(buf *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static void put_f32(buf *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    put_u32(b, v);
}

static void put_f64(buf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    put_u64(b, v);
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* A row worth saving: touched by learning, or with a scale other than 1. */
static bool row_used(const modc_model *m, size_t r)
{
    size_t k = m->k;
    const float *w = m->w + r * m->stride;
    for (size_t c = 0; c < k; c++)
        if (w[k + c] != 0) return true;
    if (m->scaled)
        for (size_t c = 0; c < k; c++)
            if (w[3 * k + c] != 1.0f) return true;
    return false;
}

int modc_save(const modc_model *m, buf *out, vis_err *err)
{
    (void)err; /* cannot fail (buffers abort when memory runs out); kept in the signature for its callers */
    size_t start = out->len, k = m->k;
    buf_append(out, MODC_MAGIC, 8);
    put_u32(out, MODC_FORMAT);
    put_u32(out, m->p.feat.bits);
    put_u32(out, m->p.feat.char_min);
    put_u32(out, m->p.feat.char_max);
    put_u32(out, m->p.feat.word_bigrams ? 1 : 0);
    put_f64(out, m->p.lr);
    put_f64(out, m->p.acc0);
    put_f64(out, m->p.l2);
    put_f64(out, m->p.l1);
    put_f64(out, m->p.balance);
    put_f64(out, m->p.max_class_weight);
    put_u32(out, m->p.epochs);
    put_u32(out, m->p.average ? 1 : 0);
    put_u32(out, m->p.avg_from);
    put_u32(out, m->p.weighting);
    put_f64(out, m->p.nb_alpha);
    put_u32(out, m->scaled ? 1 : 0);
    put_u32(out, m->p.feat.sublinear ? 1 : 0);
    put_u32(out, (uint32_t)k);
    for (size_t c = 0; c < k; c++) {
        size_t n = strlen(m->classes[c]);
        put_u32(out, (uint32_t)n);
        buf_append(out, m->classes[c], n);
    }
    for (size_t c = 0; c < k; c++) put_u64(out, m->count[c]);
    for (size_t c = 0; c < k; c++) put_f32(out, m->bias[c]);
    for (size_t c = 0; c < k; c++) put_f32(out, m->gbias[c]);
    for (size_t c = 0; c < k; c++) put_f64(out, m->offset[c]);
    put_f64(out, m->temp);
    bool sc = m->scaled; /* then the stride is 4k */
    uint32_t rows = 0;
    for (size_t r = 0; r < m->dim; r++)
        if (row_used(m, r)) rows++;
    put_u32(out, rows);
    for (size_t r = 0; r < m->dim; r++) {
        if (!row_used(m, r)) continue;
        const float *w = m->w + r * m->stride, *a = w + k;
        put_u32(out, (uint32_t)r);
        for (size_t c = 0; c < k; c++) put_f32(out, w[c]);
        for (size_t c = 0; c < k; c++) put_f32(out, a[c]);
        if (sc)
            for (size_t c = 0; c < k; c++) put_f32(out, w[3 * k + c]);
    }
    put_u64(out, fnv1a((const unsigned char *)out->data + start, out->len - start));
    return 0;
}

typedef struct {
    const unsigned char *p, *end;
    bool bad;
    bool nonfinite; /* a float was NaN or infinite (also sets bad) */
} reader;

static uint32_t get_u32(reader *r)
{
    if (r->end - r->p < 4) { r->bad = true; r->p = r->end; return 0; }
    uint32_t v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
                 (uint32_t)r->p[3] << 24;
    r->p += 4;
    return v;
}

static uint64_t get_u64(reader *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

static float get_f32(reader *r)
{
    uint32_t v = get_u32(r);
    float f;
    memcpy(&f, &v, 4);
    if (!isfinite(f)) r->bad = r->nonfinite = true;
    return f;
}

static double get_f64(reader *r)
{
    uint64_t v = get_u64(r);
    double d;
    memcpy(&d, &v, 8);
    if (!isfinite(d)) r->bad = r->nonfinite = true;
    return d;
}

/* A class name: valid UTF-8 without control characters (names are shown in
 * JSON answers, logs and reports). */
static bool name_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c < 0x20 || c == 0x7f) return false;
        if (c < 0x80) { i++; continue; }
        size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
        if (!len || c > 0xf4 || i + len > n) return false;
        uint32_t cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        if (cp >= 0x80 && cp < 0xa0) return false; /* C1 controls */
        i += len;
    }
    return true;
}

/* What a model's numbers can be (see the top of this file): any value
 * outside is damage, even under a valid checksum. */
#define LOAD_WEIGHT_MAX 1e6      /* weights, biases (AdaGrad moves them by at most lr <= 100 a step) */
#define LOAD_ACC_MAX 1e30        /* AdaGrad sums of squared gradients: >= 0 */
#define LOAD_SCALE_MAX 1e3       /* feature scales: NB log-count ratios, IDF */
#define LOAD_OFFSET_MAX 1e3      /* decision log-offsets (fitting uses -4..4) */
#define LOAD_COUNT_MAX (1ULL << 53) /* examples, per class and in all */

static bool weight_ok(float v) { return v >= -LOAD_WEIGHT_MAX && v <= LOAD_WEIGHT_MAX; }
static bool acc_ok(float v) { return v >= 0 && v <= LOAD_ACC_MAX; }

static int damaged(vis_err *err, const char *what)
{
    return vis_errf(err, VIS_EINVAL, "bad_model", NULL, "damaged model: %s", what);
}

/* The header: format version, parameters, number of classes. */
static int load_header(reader *r, uint32_t *version, modc_params *p, bool *scaled, uint32_t *k, vis_err *err)
{
    *version = get_u32(r);
    if (*version < 1 || *version > MODC_FORMAT)
        return vis_errf(err, VIS_EINVAL, "bad_model", NULL, "unsupported model format version");
    memset(p, 0, sizeof *p);
    p->feat.bits = get_u32(r);
    p->feat.char_min = get_u32(r);
    p->feat.char_max = get_u32(r);
    p->feat.word_bigrams = get_u32(r) != 0;
    p->lr = get_f64(r);
    p->acc0 = get_f64(r);
    p->l2 = get_f64(r);
    p->l1 = get_f64(r);
    p->balance = get_f64(r);
    p->max_class_weight = get_f64(r);
    p->epochs = get_u32(r);
    p->average = get_u32(r) != 0;
    if (*version >= 2) p->avg_from = get_u32(r);
    p->nb_alpha = 1.0;
    *scaled = false;
    if (*version >= 3) {
        p->weighting = get_u32(r);
        p->nb_alpha = get_f64(r);
        *scaled = get_u32(r) != 0;
        p->feat.sublinear = get_u32(r) != 0;
    }
    *k = get_u32(r);
    if (r->nonfinite) return damaged(err, "a parameter is not finite (NaN or infinity)");
    if (r->bad || *k < 2 || *k > MODC_CLASSES_MAX)
        return vis_errf(err, VIS_EINVAL, "bad_model", NULL, "damaged model header");
    return modc_params_check(p, err);
}

/* The k class names (names[] filled, to be freed by the caller). */
static int load_names(reader *r, uint32_t k, char **names, vis_err *err)
{
    for (uint32_t c = 0; c < k; c++) {
        uint32_t n = get_u32(r);
        if (r->bad || n == 0 || n > MODC_CLASS_NAME_MAX || (size_t)(r->end - r->p) < n)
            return vis_errf(err, VIS_EINVAL, "bad_model", NULL, "damaged class names");
        names[c] = mem_strndup((const char *)r->p, n);
        if (strlen(names[c]) != n || !name_ok(r->p, n))
            return vis_errf(err, VIS_EINVAL, "bad_model", NULL,
                            "damaged class names (a name must be valid UTF-8 without control characters)");
        r->p += n;
    }
    return 0;
}

/* The per-class numbers: example counts, biases, offsets, temperature.
 * *total = the examples counted; *why = the first damage, if any. */
static void load_classes(reader *r, modc_model *m, uint32_t version, uint32_t k, uint64_t *total, const char **why)
{
    *total = 0;
    for (uint32_t c = 0; c < k; c++) {
        m->count[c] = get_u64(r);
        if (m->count[c] > LOAD_COUNT_MAX || (*total += m->count[c]) > LOAD_COUNT_MAX)
            *why = *why ? *why : "example counts out of range";
    }
    for (uint32_t c = 0; c < k; c++)
        if (!weight_ok(m->bias[c] = get_f32(r))) *why = *why ? *why : "bias out of range";
    for (uint32_t c = 0; c < k; c++)
        if (!acc_ok(m->gbias[c] = get_f32(r))) *why = *why ? *why : "bias accumulator out of range";
    if (version >= 2)
        for (uint32_t c = 0; c < k; c++) {
            m->offset[c] = get_f64(r);
            if (!(fabs(m->offset[c]) <= LOAD_OFFSET_MAX)) *why = *why ? *why : "decision offset out of range";
        }
    if (version >= 4) {
        double t = get_f64(r);
        if (!(t >= MODC_TEMP_MIN && t <= MODC_TEMP_MAX)) *why = *why ? *why : "temperature out of range";
        else m->temp = t;
    }
}

/* The rows of weights actually used, each with its index (increasing):
 * weights, accumulators and, with per == 3, feature scales. */
static void load_rows(reader *r, modc_model *m, uint32_t rows, uint32_t k, size_t per, const char **why)
{
    int64_t prev = -1;
    for (uint32_t i = 0; i < rows && !r->bad && !*why; i++) {
        uint32_t row = get_u32(r);
        if (row >= m->dim) {
            r->bad = true;
            break;
        }
        if ((int64_t)row <= prev) {
            *why = "rows repeated or out of order";
            break;
        }
        prev = row;
        float *w = m->w + (size_t)row * m->stride;
        for (uint32_t c = 0; c < k; c++)
            if (!weight_ok(w[c] = get_f32(r))) *why = *why ? *why : "weight out of range";
        for (uint32_t c = k; c < 2 * k; c++)
            if (!acc_ok(w[c] = get_f32(r))) *why = *why ? *why : "weight accumulator out of range";
        if (per == 3)
            for (uint32_t c = 0; c < k; c++) {
                w[3 * k + c] = get_f32(r);
                if (!(fabsf(w[3 * k + c]) <= LOAD_SCALE_MAX)) *why = *why ? *why : "feature scale out of range";
            }
    }
}

int modc_load(modc_model **out, const void *data, size_t len, vis_err *err)
{
    *out = NULL;
    const unsigned char *b = data;
    if (len < 8 + 8 || memcmp(b, MODC_MAGIC, 8) != 0)
        return vis_errf(err, VIS_EINVAL, "bad_model", NULL, "not a moderation model (bad magic)");
    uint64_t sum = 0;
    for (int i = 0; i < 8; i++) sum |= (uint64_t)b[len - 8 + i] << (8 * i);
    if (sum != fnv1a(b, len - 8))
        return vis_errf(err, VIS_EINVAL, "bad_model", NULL, "model checksum mismatch (damaged)");
    reader r = {b + 8, b + len - 8, false, false};
    uint32_t version, k = 0;
    modc_params p;
    bool scaled = false;
    int rc = load_header(&r, &version, &p, &scaled, &k, err);
    if (rc) return rc;
    char *names[MODC_CLASSES_MAX] = {0};
    modc_model *m = NULL;
    if ((rc = load_names(&r, k, names, err))) goto done;
    if (version >= 4 && scaled && p.weighting == MODC_WEIGHT_NONE) {
        rc = damaged(err, "feature scales without a feature weighting");
        goto done;
    }
    if ((rc = modc_model_new(&m, &p, (const char *const *)names, k, err))) goto done;
    const char *why = NULL; /* the first damage found in the numbers */
    uint64_t total;
    load_classes(&r, m, version, k, &total, &why);
    /* floats saved per class and row: 3 with scales (format 3: whenever the
     * model had a weighting; format 4: once they were computed) */
    size_t per = (version >= 4 ? scaled : p.weighting != MODC_WEIGHT_NONE) ? 3 : 2;
    if (per == 3) modc_model_grow_scales(m);
    m->scaled = scaled && per == 3;
    uint32_t rows = get_u32(&r);
    if (r.bad || rows > m->dim || (size_t)(r.end - r.p) / (4 + 4 * per * (size_t)k) < rows) {
        rc = vis_errf(err, VIS_EINVAL, "bad_model", NULL, "damaged model body");
        goto done;
    }
    if (rows > 0 && total == 0) why = why ? why : "learned weights but no example counted";
    load_rows(&r, m, rows, k, per, &why);
    if (r.bad || (!why && r.p != r.end))
        rc = r.nonfinite ? damaged(err, "a number is not finite (NaN or infinity)")
                         : vis_errf(err, VIS_EINVAL, "bad_model", NULL, "damaged model body");
    else if (why)
        rc = damaged(err, why);
done:
    for (uint32_t c = 0; c < k; c++) free(names[c]);
    if (rc) modc_model_free(m);
    else *out = m;
    return rc;
}
