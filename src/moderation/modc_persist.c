/*
 * Saving and loading moderation models (the file format is described in
 * modc_model.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    if (out->oom) return vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory saving the model");
    put_u64(out, fnv1a((const unsigned char *)out->data + start, out->len - start));
    if (out->oom) return vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory saving the model");
    return 0;
}

typedef struct {
    const unsigned char *p, *end;
    bool bad;
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
    if (!isfinite(f)) r->bad = true;
    return f;
}

static double get_f64(reader *r)
{
    uint64_t v = get_u64(r);
    double d;
    memcpy(&d, &v, 8);
    if (!isfinite(d)) r->bad = true;
    return d;
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
    reader r = {b + 8, b + len - 8, false};
    uint32_t version = get_u32(&r);
    if (version < 1 || version > MODC_FORMAT)
        return vis_errf(err, VIS_EINVAL, "bad_model", NULL, "unsupported model format version");
    modc_params p;
    memset(&p, 0, sizeof p);
    p.feat.bits = get_u32(&r);
    p.feat.char_min = get_u32(&r);
    p.feat.char_max = get_u32(&r);
    p.feat.word_bigrams = get_u32(&r) != 0;
    p.lr = get_f64(&r);
    p.acc0 = get_f64(&r);
    p.l2 = get_f64(&r);
    p.l1 = get_f64(&r);
    p.balance = get_f64(&r);
    p.max_class_weight = get_f64(&r);
    p.epochs = get_u32(&r);
    p.average = get_u32(&r) != 0;
    if (version >= 2) p.avg_from = get_u32(&r);
    p.nb_alpha = 1.0;
    bool scaled = false;
    if (version >= 3) {
        p.weighting = get_u32(&r);
        p.nb_alpha = get_f64(&r);
        scaled = get_u32(&r) != 0;
        p.feat.sublinear = get_u32(&r) != 0;
    }
    uint32_t k = get_u32(&r);
    if (r.bad || k < 2 || k > MODC_CLASSES_MAX)
        return vis_errf(err, VIS_EINVAL, "bad_model", NULL, "damaged model header");
    int rc = modc_params_check(&p, err);
    if (rc) return rc;
    char *names[MODC_CLASSES_MAX] = {0};
    for (uint32_t c = 0; c < k; c++) {
        uint32_t n = get_u32(&r);
        if (r.bad || n == 0 || n > MODC_CLASS_NAME_MAX || (size_t)(r.end - r.p) < n) {
            rc = vis_errf(err, VIS_EINVAL, "bad_model", NULL, "damaged class names");
            goto done;
        }
        names[c] = malloc(n + 1);
        if (!names[c]) {
            rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
            goto done;
        }
        memcpy(names[c], r.p, n);
        names[c][n] = '\0';
        if (strlen(names[c]) != n) {
            rc = vis_errf(err, VIS_EINVAL, "bad_model", NULL, "damaged class names");
            goto done;
        }
        r.p += n;
    }
    modc_model *m;
    rc = modc_model_new(&m, &p, (const char *const *)names, k, err);
    if (rc) goto done;
    for (uint32_t c = 0; c < k; c++) m->count[c] = get_u64(&r);
    for (uint32_t c = 0; c < k; c++) m->bias[c] = get_f32(&r);
    for (uint32_t c = 0; c < k; c++) m->gbias[c] = get_f32(&r);
    if (version >= 2)
        for (uint32_t c = 0; c < k; c++) m->offset[c] = get_f64(&r);
    if (version >= 4) {
        double t = get_f64(&r);
        if (!(t >= MODC_TEMP_MIN && t <= MODC_TEMP_MAX)) r.bad = true;
        else m->temp = t;
    }
    /* floats saved per class and row: 3 with scales (format 3: whenever the
     * model had a weighting; format 4: once they were computed) */
    size_t per = (version >= 4 ? scaled : p.weighting != MODC_WEIGHT_NONE) ? 3 : 2;
    if (per == 3 && modc_model_grow_scales(m)) {
        modc_model_free(m);
        rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
        goto done;
    }
    m->scaled = scaled && per == 3;
    uint32_t rows = get_u32(&r);
    if (r.bad || rows > m->dim || (size_t)(r.end - r.p) / (4 + 4 * per * (size_t)k) < rows) {
        modc_model_free(m);
        rc = vis_errf(err, VIS_EINVAL, "bad_model", NULL, "damaged model body");
        goto done;
    }
    for (uint32_t i = 0; i < rows && !r.bad; i++) {
        uint32_t row = get_u32(&r);
        if (row >= m->dim) { r.bad = true; break; }
        float *w = m->w + (size_t)row * m->stride;
        for (uint32_t c = 0; c < 2 * k; c++) w[c] = get_f32(&r);
        if (per == 3)
            for (uint32_t c = 0; c < k; c++) w[3 * k + c] = get_f32(&r);
    }
    if (r.bad || r.p != r.end) {
        modc_model_free(m);
        rc = vis_errf(err, VIS_EINVAL, "bad_model", NULL, "damaged model body");
        goto done;
    }
    *out = m;
done:
    for (uint32_t c = 0; c < k; c++) free(names[c]);
    return rc;
}
