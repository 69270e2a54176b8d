/*
 * fuzz_modc — the classifier model loader (src/moderation/modc_persist.c):
 * the bytes of a model file as `visible moderation predict --model`, the
 * moderation service at start (the stored model) and PUT of a model take
 * them. Inputs are used two ways: as they are (the checksum mostly fails),
 * and, when the first byte is odd, with the FNV-1a checksum recomputed over
 * the rest, so that the fuzzer reaches everything behind the checksum —
 * damaged contents with a valid checksum must be refused too.
 * A model that loads is then used as the platform would: a prediction (must
 * give finite probabilities summing to 1), one online update, a second
 * prediction (still finite), and a save whose bytes must load again.
 * Models over 2^16 hash buckets are skipped by the harness (the loader
 * accepts up to 2^24: their weight tables, hundreds of MiB, would only make
 * the fuzzer slow).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "moderation/modc_model.h"

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static void check_probs(const modc_model *m, const double *p)
{
    double s = 0;
    for (size_t c = 0; c < modc_model_nclasses(m); c++) {
        if (!isfinite(p[c]) || p[c] < 0 || p[c] > 1) abort();
        s += p[c];
    }
    if (fabs(s - 1) > 1e-6) abort();
}

static void use(modc_model *m)
{
    static const char text[] = "you are all idiots, go away https://example.test #tag";
    double p[MODC_CLASSES_MAX];
    modc_predict(m, text, sizeof text - 1, p);
    check_probs(m, p);
    (void)modc_classify(m, p);
    (void)modc_decide(p, modc_model_nclasses(m), NULL, NULL);
    vis_err e;
    buf b;
    buf_init(&b);
    if (modc_save(m, &b, &e)) abort();
    modc_model *again = NULL;
    if (modc_load(&again, b.data, b.len, &e)) { /* what the loader accepted, saved, loads */
        fprintf(stderr, "a loaded model, saved again, does not load: %s\n", e.msg);
        abort();
    }
    modc_model_free(again);
    buf_free(&b);
    /* learning goes on from it without producing NaN */
    if (modc_update(m, text, sizeof text - 1, 1, &e)) abort();
    modc_predict(m, "hello there", 11, p);
    check_probs(m, p);
    modc_predict(m, text, sizeof text - 1, p);
    check_probs(m, p);
}

static void try_load(const uint8_t *d, size_t n)
{
    /* the hash bits (u32 after magic and version): skip huge tables */
    if (n >= 16 && (d[12] | d[13] << 8 | d[14] << 16 | (uint32_t)d[15] << 24) > 16) return;
    modc_model *m = NULL;
    vis_err e;
    int rc = modc_load(&m, d, n, &e);
    if (rc == 0) {
        if (!m) abort();
        use(m);
        modc_model_free(m);
    } else if (m) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    if (!(data[0] & 1) || n < 16) {
        try_load(d, n);
        return 0;
    }
    uint8_t *c = malloc(n);
    if (!c) return 0;
    memcpy(c, d, n);
    uint64_t h = fnv1a(c, n - 8);
    for (int i = 0; i < 8; i++) c[n - 8 + i] = (uint8_t)(h >> (8 * i));
    try_load(c, n);
    free(c);
    return 0;
}
