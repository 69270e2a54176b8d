/* Unit tests of the moderation classifier: normalisation, hashing, model,
 * persistence, decisions, metrics, folds and CSV data. Small synthetic data
 * only (the shared Davidson set is exercised by tests/api/test_moderation_eval.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moderation/modc_data.h"
#include "moderation/modc_eval.h"
#include "moderation/modc_fit.h"
#include "moderation/modc_model.h"
#include "moderation/modc_stack.h"
#include "moderation/modc_text.h"

/* All tokens of text joined by '|'. */
static void toks(const char *text, char *out, size_t cap)
{
    modc_tokenizer t;
    char tok[MODC_TOKEN_MAX];
    int kind;
    size_t n, used = 0;
    out[0] = '\0';
    modc_tok_init(&t, text, strlen(text));
    while ((n = modc_tok_next(&t, tok, &kind)) > 0) {
        int w = snprintf(out + used, cap - used, "%s%s", used ? "|" : "", tok);
        assert_true(w > 0 && (size_t)w < cap - used);
        used += (size_t)w;
    }
}

static void test_tokenize(void **state)
{
    (void)state;
    char b[512];
    toks("Hello,  WORLD!", b, sizeof b);
    assert_string_equal(b, "hello|world");
    toks("RT @some_user: look http://t.co/xyz www.example.com now", b, sizeof b);
    assert_string_equal(b, "rt|<user>|look|<url>|<url>|now");
    toks("sooooo goooood!!!", b, sizeof b);
    assert_string_equal(b, "soo|good");
    toks("don't &amp; can&#8217;t #tag", b, sizeof b);
    assert_string_equal(b, "dont|cant|tag");
    /* an emoji as an entity and as UTF-8: one token each, same bytes */
    toks("lol&#128514;\xF0\x9F\x98\x82", b, sizeof b);
    assert_string_equal(b, "lol|\xF0\x9F\x98\x82|\xF0\x9F\x98\x82");
    /* Latin-1 uppercase lowered, invalid UTF-8 is a separator */
    toks("\xC3\x89T\xC3\x89 a\xFF" "b", b, sizeof b);
    assert_string_equal(b, "\xC3\xA9t\xC3\xA9|a|b");
    toks("", b, sizeof b);
    assert_string_equal(b, "");
    toks("&bogus; &#0; &#99999999;", b, sizeof b);
    assert_string_equal(b, "bogus|0|99"); /* not entities; runs squeezed */
    /* very long token truncated, no overflow */
    char longt[300];
    memset(longt, 'a', sizeof longt - 1);
    for (size_t i = 0; i < sizeof longt - 1; i++) longt[i] = (char)('a' + i % 26);
    longt[sizeof longt - 1] = '\0';
    toks(longt, b, sizeof b);
    assert_int_equal(strlen(b), MODC_TOKEN_MAX - 1);
}

static modc_feat_cfg cfg_default(void)
{
    modc_params p;
    modc_params_default(&p);
    return p.feat;
}

static void test_featurize(void **state)
{
    (void)state;
    modc_feat_cfg cfg = cfg_default();
    modc_fvec a, b;
    modc_fvec_init(&a);
    modc_fvec_init(&b);
    assert_int_equal(modc_featurize(&cfg, "Hello world", 11, &a), 0);
    assert_true(a.n > 10);
    /* normalisation makes these identical */
    assert_int_equal(modc_featurize(&cfg, "HELLO,   WORLD!!", 16, &b), 0);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_int_equal(a.idx[i], b.idx[i]);
        assert_true(fabsf(a.val[i] - b.val[i]) < 1e-7f);
        assert_true(a.idx[i] < (1u << cfg.bits));
    }
    /* distinct buckets after merging */
    for (size_t i = 0; i < a.n; i++)
        for (size_t j = i + 1; j < a.n; j++) assert_true(a.idx[i] != a.idx[j]);
    /* empty text: no features */
    assert_int_equal(modc_featurize(&cfg, "  !! ", 5, &a), 0);
    assert_int_equal(a.n, 0);
    /* no char n-grams: only word features (2 words: 2 unigrams + 1 bigram) */
    cfg.char_max = 0;
    assert_int_equal(modc_featurize(&cfg, "hello world", 11, &a), 0);
    assert_true(a.n <= 3 && a.n >= 2);
    cfg.char_max = 9;
    vis_err e;
    assert_int_equal(modc_feat_cfg_check(&cfg, &e), VIS_EINVAL);
    modc_fvec_free(&a);
    modc_fvec_free(&b);
}

static const char *const CLASSES[3] = {"spam", "abuse", "ok"};
static const char *const SPAM[] = {"buy cheap pills now", "cheap watches buy now",
                                   "click here to win money", "win money fast click"};
static const char *const ABUSE[] = {"you are an idiot", "shut up idiot", "stupid idiot loser",
                                    "you stupid loser"};
static const char *const OK[] = {"see you at lunch", "the meeting is at noon",
                                 "thanks for the help", "lunch at noon thanks"};

static void train_small(modc_model *m, int passes)
{
    for (int p = 0; p < passes; p++)
        for (int i = 0; i < 4; i++) {
            assert_int_equal(modc_update(m, SPAM[i], strlen(SPAM[i]), 0, NULL), 0);
            assert_int_equal(modc_update(m, ABUSE[i], strlen(ABUSE[i]), 1, NULL), 0);
            assert_int_equal(modc_update(m, OK[i], strlen(OK[i]), 2, NULL), 0);
        }
}

static modc_params small_params(void)
{
    modc_params p;
    modc_params_default(&p);
    p.feat.bits = 16; /* keep the test light */
    return p;
}

static void test_model_online(void **state)
{
    (void)state;
    modc_params p = small_params();
    modc_model *m;
    vis_err e;
    assert_int_equal(modc_model_new(&m, &p, CLASSES, 3, &e), 0);
    assert_int_equal(modc_model_nclasses(m), 3);
    assert_string_equal(modc_model_class(m, 1), "abuse");
    assert_int_equal(modc_model_class_index(m, "ok"), 2);
    assert_int_equal(modc_model_class_index(m, "nope"), -1);
    double pr[3];
    /* untrained: uniform */
    modc_predict(m, "anything", 8, pr);
    for (int c = 0; c < 3; c++) assert_true(fabs(pr[c] - 1.0 / 3) < 1e-9);
    train_small(m, 10);
    assert_int_equal(modc_model_count(m, 0), 40);
    const char *probe[3] = {"cheap pills, buy!", "what an idiot", "lunch at noon?"};
    for (int c = 0; c < 3; c++) {
        modc_predict(m, probe[c], strlen(probe[c]), pr);
        assert_true(fabs(pr[0] + pr[1] + pr[2] - 1.0) < 1e-9);
        int best = pr[0] > pr[1] ? (pr[0] > pr[2] ? 0 : 2) : (pr[1] > pr[2] ? 1 : 2);
        assert_int_equal(best, c);
    }
    /* streaming prediction == vector prediction */
    modc_fvec v;
    modc_fvec_init(&v);
    double pv[3];
    for (int c = 0; c < 3; c++) {
        assert_int_equal(modc_featurize(&modc_model_params(m)->feat, probe[c], strlen(probe[c]), &v), 0);
        modc_predict_vec(m, &v, pv);
        modc_predict(m, probe[c], strlen(probe[c]), pr);
        for (int k = 0; k < 3; k++) assert_true(fabs(pv[k] - pr[k]) < 1e-5);
    }
    modc_fvec_free(&v);
    /* bad label */
    assert_int_equal(modc_update(m, "x", 1, 3, &e), VIS_EINVAL);
    assert_string_equal(e.kind, "invalid_label");
    modc_model_reset(m);
    modc_predict(m, "cheap pills", 11, pr);
    assert_true(fabs(pr[0] - 1.0 / 3) < 1e-9);
    assert_int_equal(modc_model_count(m, 0), 0);
    modc_model_free(m);
}

static void test_model_new_errors(void **state)
{
    (void)state;
    modc_model *m = (modc_model *)1;
    vis_err e;
    const char *one[1] = {"a"};
    assert_int_equal(modc_model_new(&m, NULL, one, 1, &e), VIS_EINVAL);
    assert_null(m);
    const char *dup[2] = {"a", "a"};
    assert_int_equal(modc_model_new(&m, NULL, dup, 2, &e), VIS_EINVAL);
    const char *empty[2] = {"a", ""};
    assert_int_equal(modc_model_new(&m, NULL, empty, 2, &e), VIS_EINVAL);
    modc_params p = small_params();
    p.lr = 0;
    assert_int_equal(modc_model_new(&m, &p, CLASSES, 3, &e), VIS_EINVAL);
    assert_string_equal(e.field, "lr");
    p = small_params();
    p.feat.bits = 30;
    assert_int_equal(modc_model_new(&m, &p, CLASSES, 3, &e), VIS_EINVAL);
}

static void test_save_load(void **state)
{
    (void)state;
    modc_params p = small_params();
    modc_model *m, *back;
    vis_err e;
    assert_int_equal(modc_model_new(&m, &p, CLASSES, 3, &e), 0);
    train_small(m, 3);
    buf b;
    buf_init(&b);
    assert_int_equal(modc_save(m, &b, &e), 0);
    assert_int_equal(modc_load(&back, b.data, b.len, &e), 0);
    assert_int_equal(modc_model_nclasses(back), 3);
    assert_string_equal(modc_model_class(back, 2), "ok");
    assert_int_equal(modc_model_count(back, 1), 12);
    assert_int_equal(modc_model_params(back)->feat.bits, 16);
    double p1[3], p2[3];
    const char *t = "buy pills idiot";
    modc_predict(m, t, strlen(t), p1);
    modc_predict(back, t, strlen(t), p2);
    for (int c = 0; c < 3; c++) assert_true(p1[c] == p2[c]);
    /* learning continues identically after a reload */
    assert_int_equal(modc_update(m, "thanks", 6, 2, NULL), 0);
    assert_int_equal(modc_update(back, "thanks", 6, 2, NULL), 0);
    modc_predict(m, t, strlen(t), p1);
    modc_predict(back, t, strlen(t), p2);
    for (int c = 0; c < 3; c++) assert_true(p1[c] == p2[c]);
    modc_model_free(back);

    /* damage: every truncation and a flipped byte are rejected */
    for (size_t cut = 0; cut < b.len; cut += 1 + cut / 4) {
        back = (modc_model *)1;
        assert_int_equal(modc_load(&back, b.data, cut, &e), VIS_EINVAL);
        assert_null(back);
    }
    b.data[b.len / 2] ^= 0x40;
    assert_int_equal(modc_load(&back, b.data, b.len, &e), VIS_EINVAL);
    assert_int_equal(modc_load(&back, "garbage!garbage!garbage!", 24, &e), VIS_EINVAL);
    buf_free(&b);
    modc_model_free(m);
}

/* The layout of a saved model (format 4, modc_model.h), to damage it on
 * purpose: where the class counts and the first row begin. */
typedef struct model_layout {
    size_t k, counts, bias, gbias, offsets, temp, rows, row0;
} model_layout;

static uint32_t rd_u32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static model_layout layout(const buf *b)
{
    const unsigned char *d = (const unsigned char *)b->data;
    model_layout l;
    assert_int_equal(rd_u32(d + 8), 4);       /* format 4 */
    size_t at = 12 + 16 + 48 + 12 + 4 + 8 + 8; /* params, then k */
    l.k = rd_u32(d + at);
    at += 4;
    for (size_t c = 0; c < l.k; c++) at += 4 + rd_u32(d + at);
    l.counts = at;
    l.bias = l.counts + 8 * l.k;
    l.gbias = l.bias + 4 * l.k;
    l.offsets = l.gbias + 4 * l.k;
    l.temp = l.offsets + 8 * l.k;
    l.rows = l.temp + 8;
    l.row0 = l.rows + 4;
    return l;
}

/* Recompute the FNV-1a checksum (the last 8 bytes) over the rest. */
static void reseal(unsigned char *d, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n - 8; i++) h = (h ^ d[i]) * 0x100000001b3ULL;
    for (int i = 0; i < 8; i++) d[n - 8 + i] = (unsigned char)(h >> (8 * i));
}

static void put_f32_at(unsigned char *d, float f) { memcpy(d, &f, 4); }
static void put_f64_at(unsigned char *d, double v) { memcpy(d, &v, 8); }

/* A model file whose checksum is valid but whose contents are damaged is
 * refused with a clear error, never used. */
static void test_load_refuses_damage(void **state)
{
    (void)state;
    modc_params p = small_params();
    p.feat.bits = 12;
    modc_model *m, *back;
    vis_err e;
    assert_int_equal(modc_model_new(&m, &p, CLASSES, 3, &e), 0);
    train_small(m, 2);
    buf b;
    buf_init(&b);
    assert_int_equal(modc_save(m, &b, &e), 0);
    modc_model_free(m);
    model_layout l = layout(&b);
    assert_int_equal(l.k, 3);
    assert_true(rd_u32((unsigned char *)b.data + l.rows) >= 2);
    size_t row1 = l.row0 + 4 + 8 * l.k; /* rows hold a bucket and k weights + k accumulators */
    unsigned char *d = malloc(b.len);
    assert_non_null(d);
    enum { N = 12 };
    for (int t = 0; t <= N; t++) {
        memcpy(d, b.data, b.len);
        const char *what = "";
        switch (t) {
        case 0: what = "untouched"; break;
        case 1: what = "negative accumulator"; put_f32_at(d + l.row0 + 4 + 4 * l.k, -1.0f); break;
        case 2: what = "huge weight"; put_f32_at(d + l.row0 + 4, 1e30f); break;
        case 3: what = "NaN weight"; put_f32_at(d + l.row0 + 4 + 4, NAN); break;
        case 4: what = "infinite bias"; put_f32_at(d + l.bias, INFINITY); break;
        case 5: what = "huge bias"; put_f32_at(d + l.bias + 4, -3e38f); break;
        case 6: what = "negative bias accumulator"; put_f32_at(d + l.gbias, -0.5f); break;
        case 7: what = "huge decision offset"; put_f64_at(d + l.offsets, 1e300); break;
        case 8: what = "count overflow"; memset(d + l.counts, 0xff, 8); break;
        case 9: what = "no example counted"; memset(d + l.counts, 0, 8 * l.k); break;
        case 10: /* the second row names the first one's bucket again */
            what = "repeated row";
            memcpy(d + row1, d + l.row0, 4);
            break;
        case 11: what = "control character in a class name"; d[12 + 16 + 48 + 12 + 4 + 8 + 8 + 4 + 4] = '\n'; break;
        case 12: what = "invalid UTF-8 in a class name"; d[12 + 16 + 48 + 12 + 4 + 8 + 8 + 4 + 4] = 0xC0; break;
        }
        reseal(d, b.len);
        back = (modc_model *)1;
        memset(&e, 0, sizeof e);
        int rc = modc_load(&back, d, b.len, &e);
        if (t == 0) {
            assert_int_equal(rc, 0);
            modc_model_free(back);
            continue;
        }
        if (rc != VIS_EINVAL) fail_msg("a model with a %s was accepted", what);
        assert_null(back);
        assert_non_null(strstr(e.msg, "damaged"));
    }
    /* scales claimed without a weighting: the flag is right after nb_alpha */
    memcpy(d, b.data, b.len);
    d[12 + 16 + 48 + 12] = 0; /* weighting NONE */
    d[12 + 16 + 48 + 12 + 4 + 8] = 1; /* scaled */
    reseal(d, b.len);
    back = (modc_model *)1;
    assert_int_equal(modc_load(&back, d, b.len, &e), VIS_EINVAL);
    assert_null(back);
    free(d);
    buf_free(&b);
}

static void test_decide(void **state)
{
    (void)state;
    double p[3] = {0.96, 0.03, 0.01};
    assert_int_equal(modc_decide(p, 3, NULL, NULL), 0);
    double q[3] = {0.90, 0.05, 0.05};
    assert_int_equal(modc_decide(q, 3, NULL, NULL), -1);
    double thr[3] = {0.99, 0.5, 0.5};
    assert_int_equal(modc_decide(p, 3, thr, NULL), -1);
    double thr2[3] = {0.85, 0.5, 0.5};
    assert_int_equal(modc_decide(q, 3, thr2, NULL), 0);
    bool allowed[3] = {false, true, true};
    assert_int_equal(modc_decide(p, 3, NULL, allowed), -1);
    double r[3] = {0.01, 0.01, 0.98};
    assert_int_equal(modc_decide(r, 3, NULL, allowed), 2);
    assert_int_equal(modc_decide(r, 0, NULL, NULL), -1);
}

static void test_metrics(void **state)
{
    (void)state;
    modc_metrics m;
    assert_int_equal(modc_metrics_init(&m, 2), 0);
    /* truth 0: 3 items (2 right), truth 1: 1 item (right); 1 item predicted 1 wrongly */
    modc_metrics_add(&m, 0, 0, true);
    modc_metrics_add(&m, 0, 0, false);
    modc_metrics_add(&m, 0, 1, true);
    modc_metrics_add(&m, 1, 1, true);
    modc_metrics_add(&m, 5, 1, true); /* ignored: out of range */
    modc_metrics_finish(&m);
    assert_int_equal(m.n, 4);
    assert_true(fabs(m.accuracy - 0.75) < 1e-12);
    assert_true(fabs(m.per_class[0].precision - 1.0) < 1e-12);
    assert_true(fabs(m.per_class[0].recall - 2.0 / 3) < 1e-12);
    assert_true(fabs(m.per_class[0].f1 - 0.8) < 1e-12);
    assert_true(fabs(m.per_class[1].precision - 0.5) < 1e-12);
    assert_true(fabs(m.per_class[1].recall - 1.0) < 1e-12);
    assert_true(fabs(m.per_class[1].f1 - 2.0 / 3) < 1e-12);
    assert_true(fabs(m.macro_f1 - (0.8 + 2.0 / 3) / 2) < 1e-12);
    assert_true(fabs(m.weighted_f1 - (0.8 * 3 + 2.0 / 3) / 4) < 1e-12);
    assert_int_equal(m.n_auto, 3);
    assert_true(fabs(m.auto_share - 0.75) < 1e-12);
    assert_true(fabs(m.auto_accuracy - 2.0 / 3) < 1e-12);
    modc_metrics_free(&m);
}

static void test_folds(void **state)
{
    (void)state;
    size_t n = 103, labels[103], f1[103], f2[103];
    for (size_t i = 0; i < n; i++) labels[i] = i < 10 ? 0 : i < 40 ? 1 : 2;
    vis_err e;
    assert_int_equal(modc_stratified_folds(labels, n, 3, 10, 7, f1, &e), 0);
    assert_int_equal(modc_stratified_folds(labels, n, 3, 10, 7, f2, &e), 0);
    assert_memory_equal(f1, f2, sizeof f1);
    size_t per[10][3] = {{0}}, size[10] = {0};
    for (size_t i = 0; i < n; i++) {
        assert_true(f1[i] < 10);
        per[f1[i]][labels[i]]++;
        size[f1[i]]++;
    }
    for (int f = 0; f < 10; f++) {
        assert_int_equal(per[f][0], 1);            /* 10 hate-like items: one per fold */
        assert_true(per[f][1] == 3);               /* 30 */
        assert_true(per[f][2] >= 6 && per[f][2] <= 7);
        assert_true(size[f] >= 10 && size[f] <= 11);
    }
    assert_int_equal(modc_stratified_folds(labels, n, 3, 1, 7, f1, &e), VIS_EINVAL);
    assert_int_equal(modc_stratified_folds(labels, 5, 3, 6, 7, f1, &e), VIS_EINVAL);
}

static void test_data_davidson(void **state)
{
    (void)state;
    const char *csv =
        ",count,hate_speech,offensive_language,neither,class,tweet\n"
        "0,3,0,0,3,2,\"hello, world\"\n"
        "1,3,0,3,0,1,\"multi\nline \"\"quoted\"\"\"\n"
        "\n"
        "2,3,3,0,0,0,bad words\n";
    modc_dataset d;
    vis_err e;
    assert_int_equal(modc_data_parse(&d, csv, strlen(csv), &e), 0);
    assert_int_equal(d.format, MODC_FMT_DAVIDSON);
    assert_int_equal(d.n, 3);
    assert_int_equal(d.nclasses, 3);
    assert_string_equal(d.classes[0], "hate");
    assert_string_equal(d.classes[1], "offensive");
    assert_string_equal(d.classes[2], "neither");
    assert_string_equal(d.text[0], "hello, world");
    assert_int_equal(d.label[0], 2);
    assert_string_equal(d.text[1], "multi\nline \"quoted\"");
    assert_int_equal(d.label[2], 0);
    modc_data_free(&d);

    const char *bad = ",class,tweet\n0,7,x\n";
    assert_int_equal(modc_data_parse(&d, bad, strlen(bad), &e), VIS_EINVAL);
    assert_non_null(strstr(e.msg, "line 2"));
    const char *shortrow = ",class,tweet\n0,1\n";
    assert_int_equal(modc_data_parse(&d, shortrow, strlen(shortrow), &e), VIS_EINVAL);
    const char *unterminated = ",class,tweet\n0,1,\"open\n";
    assert_int_equal(modc_data_parse(&d, unterminated, strlen(unterminated), &e), VIS_EINVAL);
}

static void test_data_generic(void **state)
{
    (void)state;
    const char *csv = "id,text,label\n1,first,spam\n2,second,ham\n3,\"third, quoted\",spam\n"
                      "4,fourth,abuse\n";
    modc_dataset d;
    vis_err e;
    assert_int_equal(modc_data_parse(&d, csv, strlen(csv), &e), 0);
    assert_int_equal(d.format, MODC_FMT_GENERIC);
    assert_int_equal(d.n, 4);
    assert_int_equal(d.nclasses, 3);
    /* classes in byte order of names */
    assert_string_equal(d.classes[0], "abuse");
    assert_string_equal(d.classes[1], "ham");
    assert_string_equal(d.classes[2], "spam");
    assert_int_equal(d.label[0], 2);
    assert_int_equal(d.label[1], 1);
    assert_int_equal(d.label[3], 0);
    assert_string_equal(d.text[2], "third, quoted");
    modc_data_free(&d);
    const char *nolabel = "text,label\nx,\n";
    assert_int_equal(modc_data_parse(&d, nolabel, strlen(nolabel), &e), VIS_EINVAL);
    const char *nohdr = "a,b\n1,2\n";
    assert_int_equal(modc_data_parse(&d, nohdr, strlen(nohdr), &e), VIS_EINVAL);
    assert_int_equal(modc_data_parse(&d, "", 0, &e), VIS_EINVAL);
}

/* n synthetic texts ("text,label" CSV) of three classes (spam, abuse, ok),
 * three words each from the class's six; with mix > 0, every mix-th text
 * takes its middle word from another class (not separable). */
static void synth_csv(buf *csv, int n, uint64_t seed, int mix)
{
    static const char *const words[3][6] = {{"cheap", "pills", "buy", "offer", "deal", "win"},
                                            {"idiot", "loser", "stupid", "moron", "dumb", "jerk"},
                                            {"lunch", "meeting", "thanks", "noon", "report", "team"}};
    static const char *const labels[3] = {"spam", "abuse", "ok"};
    buf_init(csv);
    buf_puts(csv, "text,label\n");
    for (int i = 0; i < n; i++) {
        int c = i % 3, mid = mix > 0 && i % mix == 0 ? (c + 1) % 3 : c;
        size_t a = modc_rand_below(&seed, 6), b = modc_rand_below(&seed, 6), d = modc_rand_below(&seed, 6);
        buf_printf(csv, "\"%s the %s %s\",%s\n", words[c][a], words[mid][b], words[c][d], labels[c]);
    }
}

/* A synthetic set parsed, and 5-fold cross-validation options over it
 * with 2^bits buckets (the defaults otherwise). */
static void synth_cv(buf *csv, int n, uint64_t seed, int mix, unsigned bits, modc_dataset *d, modc_cv_opts *o)
{
    vis_err e;
    synth_csv(csv, n, seed, mix);
    assert_int_equal(modc_data_parse(d, csv->data, csv->len, &e), 0);
    modc_cv_opts_default(o);
    o->params.feat.bits = bits;
    o->folds = 5;
}

static void test_cross_validate_small(void **state)
{
    (void)state;
    /* a separable synthetic set: CV must get it nearly all right */
    buf csv;
    modc_dataset d;
    vis_err e;
    modc_cv_opts o;
    synth_cv(&csv, 60, 3, 0, 16, &d, &o);
    modc_metrics m, m2;
    assert_int_equal(modc_cross_validate(&d, &o, &m, &e), 0);
    assert_int_equal(m.n, 60);
    assert_true(m.accuracy >= 0.95);
    assert_true(m.macro_f1 >= 0.95);
    /* deterministic; the folds' own confusion matrices add up to the pooled one */
    modc_metrics per_fold[5];
    o.per_fold = per_fold;
    assert_int_equal(modc_cross_validate(&d, &o, &m2, &e), 0);
    assert_memory_equal(m.confusion, m2.confusion, 9 * sizeof *m.confusion);
    assert_int_equal(m.n_auto, m2.n_auto);
    size_t sum[9] = {0}, n_auto = 0;
    for (size_t f = 0; f < 5; f++) {
        assert_int_equal(per_fold[f].n, 12); /* stratified: 4 of each class */
        for (size_t c = 0; c < 3; c++) assert_int_equal(per_fold[f].per_class[c].support, 4);
        for (size_t j = 0; j < 9; j++) sum[j] += per_fold[f].confusion[j];
        n_auto += per_fold[f].n_auto;
        modc_metrics_free(&per_fold[f]);
    }
    assert_memory_equal(sum, m.confusion, sizeof sum);
    assert_int_equal(n_auto, m.n_auto);
    modc_metrics_free(&m2);
    modc_metrics_free(&m);
    o.folds = 100;
    o.per_fold = NULL;
    assert_int_equal(modc_cross_validate(&d, &o, &m, &e), VIS_EINVAL);
    modc_data_free(&d);
    buf_free(&csv);
}

static void test_offline_train(void **state)
{
    (void)state;
    modc_params p = small_params();
    modc_model *m;
    assert_int_equal(modc_model_new(&m, &p, CLASSES, 3, NULL), 0);
    modc_fvec xs[12];
    size_t labels[12];
    for (int i = 0; i < 4; i++) {
        const char *t[3] = {SPAM[i], ABUSE[i], OK[i]};
        for (int c = 0; c < 3; c++) {
            modc_fvec tmp;
            modc_fvec_init(&tmp);
            assert_int_equal(modc_featurize(&p.feat, t[c], strlen(t[c]), &tmp), 0);
            assert_int_equal(modc_fvec_take(&tmp, &xs[i * 3 + c]), 0);
            modc_fvec_free(&tmp);
            labels[i * 3 + c] = (size_t)c;
        }
    }
    vis_err e;
    size_t bad[1] = {99};
    assert_int_equal(modc_train(m, xs, labels, 12, bad, 1, 1, &e), VIS_EINVAL);
    assert_int_equal(modc_train(m, xs, labels, 12, NULL, 0, 1, &e), 0);
    assert_int_equal(modc_model_count(m, 2), 4);
    double pr[3];
    modc_predict(m, "win money", 9, pr);
    assert_true(pr[0] > pr[1] && pr[0] > pr[2]);
    for (int i = 0; i < 12; i++) modc_fvec_free(&xs[i]);
    modc_model_free(m);
}

/* Feature weighting (NB ratios, IDF, TF-IDF): scales computed by the first
 * offline training and frozen; streaming and vector predictions agree;
 * online updates still learn; save/load keeps the scales. */
static void test_weighting(void **state)
{
    (void)state;
    const unsigned modes[3] = {MODC_WEIGHT_NB, MODC_WEIGHT_IDF, MODC_WEIGHT_IDF};
    for (int mode = 0; mode < 3; mode++) {
        modc_params p = small_params();
        p.weighting = modes[mode];
        p.feat.sublinear = mode == 2;
        modc_model *m;
        assert_int_equal(modc_model_new(&m, &p, CLASSES, 3, NULL), 0);
        assert_false(modc_model_scaled(m));
        modc_fvec xs[12];
        size_t labels[12];
        for (int i = 0; i < 4; i++) {
            const char *t[3] = {SPAM[i], ABUSE[i], OK[i]};
            for (int c = 0; c < 3; c++) {
                modc_fvec tmp;
                modc_fvec_init(&tmp);
                assert_int_equal(modc_featurize(&p.feat, t[c], strlen(t[c]), &tmp), 0);
                assert_int_equal(modc_fvec_take(&tmp, &xs[i * 3 + c]), 0);
                modc_fvec_free(&tmp);
                labels[i * 3 + c] = (size_t)c;
            }
        }
        assert_int_equal(modc_train(m, xs, labels, 12, NULL, 0, 1, NULL), 0);
        assert_true(modc_model_scaled(m));
        /* a bucket of a spam text: its NB ratio favours spam */
        if (mode == 0) {
            uint32_t b = xs[0].idx[0];
            float s0 = modc_model_scale(m, b, 0);
            assert_true(isfinite(s0));
        }
        double pr[3], pv[3];
        modc_predict(m, "win money", 9, pr);
        assert_true(pr[0] > pr[1] && pr[0] > pr[2]);
        modc_fvec v;
        modc_fvec_init(&v);
        assert_int_equal(modc_featurize(&p.feat, SPAM[1], strlen(SPAM[1]), &v), 0);
        modc_predict_vec(m, &v, pv);
        modc_predict(m, SPAM[1], strlen(SPAM[1]), pr);
        for (int c = 0; c < 3; c++) assert_true(fabs(pr[c] - pv[c]) < 1e-4);
        /* online learning of a new word under frozen scales */
        double before[3], after[3];
        modc_predict(m, "zorblax", 7, before);
        for (int i = 0; i < 20; i++) assert_int_equal(modc_update(m, "zorblax", 7, 1, NULL), 0);
        modc_predict(m, "zorblax", 7, after);
        assert_true(after[1] > before[1]);
        /* persistence */
        buf b;
        buf_init(&b);
        assert_int_equal(modc_save(m, &b, NULL), 0);
        modc_model *m2;
        assert_int_equal(modc_load(&m2, b.data, b.len, NULL), 0);
        assert_true(modc_model_scaled(m2));
        assert_int_equal(modc_model_params(m2)->weighting, p.weighting);
        assert_int_equal(modc_model_params(m2)->feat.sublinear, p.feat.sublinear);
        double p2[3];
        modc_predict(m, SPAM[1], strlen(SPAM[1]), pr);
        modc_predict(m2, SPAM[1], strlen(SPAM[1]), p2);
        for (int c = 0; c < 3; c++) assert_true(fabs(pr[c] - p2[c]) < 1e-6);
        modc_model_reset(m2);
        assert_false(modc_model_scaled(m2));
        modc_model_free(m2);
        buf_free(&b);
        modc_fvec_free(&v);
        for (int i = 0; i < 12; i++) modc_fvec_free(&xs[i]);
        modc_model_free(m);
    }
    /* sublinear TF needs IDF weighting */
    modc_params p = small_params();
    p.feat.sublinear = true;
    modc_model *m;
    assert_int_equal(modc_model_new(&m, &p, CLASSES, 3, NULL), VIS_EINVAL);
    p.feat.sublinear = false;
    p.weighting = 7;
    assert_int_equal(modc_model_new(&m, &p, CLASSES, 3, NULL), VIS_EINVAL);
}

static void test_update_soft(void **state)
{
    (void)state;
    modc_params p = small_params();
    p.balance = 0; /* no class weights: the learned shares are the targets' */
    modc_model *a, *b;
    vis_err e;
    assert_int_equal(modc_model_new(&a, &p, CLASSES, 3, &e), 0);
    assert_int_equal(modc_model_new(&b, &p, CLASSES, 3, &e), 0);
    /* a one-hot target (any scale) is exactly a plain label */
    double onehot[3] = {0, 2, 0};
    assert_int_equal(modc_update(a, "shut up idiot", 13, 1, &e), 0);
    assert_int_equal(modc_update_soft(b, "shut up idiot", 13, onehot, &e), 0);
    double pa[3], pb[3];
    modc_predict(a, "idiot", 5, pa);
    modc_predict(b, "idiot", 5, pb);
    for (int c = 0; c < 3; c++) assert_true(pa[c] == pb[c]);
    assert_int_equal(modc_model_count(b, 1), 1);
    /* a split vote moves the probabilities towards both classes */
    double split[3] = {1, 1, 0};
    for (int i = 0; i < 50; i++)
        assert_int_equal(modc_update_soft(b, "cheap idiot", 11, split, &e), 0);
    modc_predict(b, "cheap idiot", 11, pb);
    assert_true(fabs(pb[0] - 0.5) < 0.15 && fabs(pb[1] - 0.5) < 0.15 && pb[2] < 0.1);
    /* bad targets */
    double zero[3] = {0, 0, 0}, neg[3] = {1, -1, 0}, nan3[3] = {NAN, 1, 0};
    assert_int_equal(modc_update_soft(b, "x", 1, zero, &e), VIS_EINVAL);
    assert_string_equal(e.kind, "invalid_target");
    assert_int_equal(modc_update_soft(b, "x", 1, neg, &e), VIS_EINVAL);
    assert_int_equal(modc_update_soft(b, "x", 1, nan3, &e), VIS_EINVAL);
    modc_model_free(a);
    modc_model_free(b);
}

static void test_classify_offsets(void **state)
{
    (void)state;
    modc_params p = small_params();
    modc_model *m, *back;
    vis_err e;
    assert_int_equal(modc_model_new(&m, &p, CLASSES, 3, &e), 0);
    double pr[3] = {0.3, 0.5, 0.2};
    assert_int_equal(modc_classify(m, pr), 1);
    double off[3] = {0.6, 0, 0}; /* log(0.3) + 0.6 > log(0.5) */
    modc_set_offsets(m, off);
    assert_int_equal(modc_classify(m, pr), 0);
    assert_true(modc_offsets(m)[0] == 0.6);
    /* offsets are saved and loaded */
    buf b;
    buf_init(&b);
    assert_int_equal(modc_save(m, &b, &e), 0);
    assert_int_equal(modc_load(&back, b.data, b.len, &e), 0);
    assert_true(modc_offsets(back)[0] == 0.6);
    assert_int_equal(modc_classify(back, pr), 0);
    modc_model_free(back);
    buf_free(&b);
    modc_model_reset(m);
    assert_true(modc_offsets(m)[0] == 0);
    modc_set_offsets(m, NULL);
    assert_int_equal(modc_classify(m, pr), 1);
    modc_model_free(m);
}

static void test_fit_offsets(void **state)
{
    (void)state;
    /* class 0 is rare and under-scored: its examples have p0 = 0.4 (< p1),
     * the others p0 = 0.1; shifting class 0 up separates them perfectly */
    size_t n = 100, labels[100];
    double probs[300], off[3];
    for (size_t i = 0; i < n; i++) {
        labels[i] = i < 10 ? 0 : i < 70 ? 1 : 2;
        double *q = probs + i * 3;
        if (labels[i] == 0) { q[0] = 0.4; q[1] = 0.5; q[2] = 0.1; }
        else if (labels[i] == 1) { q[0] = 0.1; q[1] = 0.8; q[2] = 0.1; }
        else { q[0] = 0.1; q[1] = 0.2; q[2] = 0.7; }
    }
    double f = modc_fit_offsets(probs, labels, n, 3, off);
    assert_true(fabs(f - 1.0) < 1e-12);
    assert_true(off[1] == 0);                        /* most frequent class: reference */
    assert_true(off[0] > log(0.5 / 0.4) && off[0] < log(0.8 / 0.1)); /* inside the gap */
    for (size_t i = 0; i < n; i++) {
        double *q = probs + i * 3;
        size_t b = 0;
        for (size_t c = 1; c < 3; c++)
            if (log(q[c]) + off[c] > log(q[b]) + off[b]) b = c;
        assert_int_equal(b, labels[i]);
    }
    assert_true(modc_fit_offsets(probs, labels, 0, 3, off) == 0);
}

static void test_fit(void **state)
{
    (void)state;
    modc_params p = small_params();
    modc_model *m;
    vis_err e;
    assert_int_equal(modc_model_new(&m, &p, CLASSES, 3, &e), 0);
    const char *const *sets[3] = {SPAM, ABUSE, OK};
    modc_fvec xs[60];
    size_t labels[60];
    float soft[180];
    for (int i = 0; i < 60; i++) {
        const char *t = sets[i % 3][(i / 3) % 4];
        modc_fvec tmp;
        modc_fvec_init(&tmp);
        assert_int_equal(modc_featurize(&p.feat, t, strlen(t), &tmp), 0);
        assert_int_equal(modc_fvec_take(&tmp, &xs[i]), 0);
        modc_fvec_free(&tmp);
        labels[i] = (size_t)(i % 3);
        for (int c = 0; c < 3; c++) soft[i * 3 + c] = c == i % 3 ? 0.8f : 0.1f;
    }
    modc_train_data td = {xs, labels, soft, 60};
    modc_fit_opts o;
    modc_fit_opts_default(&o);
    o.early_stop = o.offsets = true;
    modc_fit_report rep;
    assert_int_equal(modc_fit(m, &td, NULL, 0, &o, 5, &rep, &e), 0);
    assert_true(rep.inner);
    assert_true(rep.epochs >= 1 && rep.epochs <= p.epochs);
    assert_true(rep.val_macro_f1 > 0.9);
    assert_int_equal(modc_model_count(m, 0), 20); /* the final model saw every example */
    double pr[3];
    modc_predict(m, "win money fast", 14, pr);
    assert_int_equal(modc_classify(m, pr), 0);
    /* deterministic */
    double off0 = modc_offsets(m)[0];
    assert_int_equal(modc_fit(m, &td, NULL, 0, &o, 5, &rep, &e), 0);
    assert_true(modc_offsets(m)[0] == off0);
    /* too few examples: plain training, no inner split */
    size_t few[6] = {0, 1, 2, 3, 4, 5};
    assert_int_equal(modc_fit(m, &td, few, 6, &o, 5, &rep, &e), 0);
    assert_false(rep.inner);
    assert_int_equal(rep.epochs, p.epochs);
    o.val_share = 0.9;
    assert_int_equal(modc_fit(m, &td, NULL, 0, &o, 5, &rep, &e), VIS_EINVAL);
    /* a bad soft target is refused */
    soft[3] = -1;
    modc_fit_opts_default(&o);
    assert_int_equal(modc_fit(m, &td, NULL, 0, &o, 5, &rep, &e), VIS_EINVAL);
    for (int i = 0; i < 60; i++) modc_fvec_free(&xs[i]);
    modc_model_free(m);
}


/* Calibration temperature: predictions are softmax(logits / T); saved. */
static void test_temperature(void **state)
{
    (void)state;
    modc_params p = small_params();
    modc_model *m;
    assert_int_equal(modc_model_new(&m, &p, CLASSES, 3, NULL), 0);
    train_small(m, 3);
    assert_true(modc_temperature(m) == 1.0);
    double p1[3], p2[3];
    modc_predict(m, SPAM[0], strlen(SPAM[0]), p1);
    modc_set_temperature(m, 0.5); /* sharper */
    modc_predict(m, SPAM[0], strlen(SPAM[0]), p2);
    assert_true(p2[0] > p1[0]);
    /* exactly softmax(log p1 / T) */
    double s = 0, q[3];
    for (int c = 0; c < 3; c++) s += (q[c] = pow(p1[c], 2.0));
    for (int c = 0; c < 3; c++) assert_true(fabs(p2[c] - q[c] / s) < 1e-5);
    modc_fvec v;
    modc_fvec_init(&v);
    assert_int_equal(modc_featurize(&p.feat, SPAM[0], strlen(SPAM[0]), &v), 0);
    modc_predict_vec(m, &v, q);
    for (int c = 0; c < 3; c++) assert_true(fabs(p2[c] - q[c]) < 1e-5);
    modc_fvec_free(&v);
    buf b;
    buf_init(&b);
    assert_int_equal(modc_save(m, &b, NULL), 0);
    modc_model *back;
    assert_int_equal(modc_load(&back, b.data, b.len, NULL), 0);
    assert_true(modc_temperature(back) == 0.5);
    modc_model_free(back);
    buf_free(&b);
    modc_set_temperature(m, 0);        /* invalid: back to 1 */
    assert_true(modc_temperature(m) == 1.0);
    modc_set_temperature(m, NAN);
    assert_true(modc_temperature(m) == 1.0);
    modc_set_temperature(m, 2.0);
    modc_model_reset(m);               /* reset forgets it */
    assert_true(modc_temperature(m) == 1.0);
    modc_model_free(m);
}

/* Temperature fitted by held-out log-loss: over-confident probabilities
 * get T > 1, under-confident ones T < 1. */
static void test_fit_temperature(void **state)
{
    (void)state;
    enum { N = 400 };
    static double probs[N * 2];
    static size_t labels[N];
    /* the model says 0.99 but is right 80% of the time */
    for (size_t i = 0; i < N; i++) {
        probs[i * 2] = 0.99;
        probs[i * 2 + 1] = 0.01;
        labels[i] = i % 5 == 0 ? 1 : 0;
    }
    double t = modc_fit_temperature(probs, labels, N, 2);
    assert_true(t > 1.5);
    /* the model says 0.8 but is right 95% of the time */
    for (size_t i = 0; i < N; i++) {
        probs[i * 2] = 0.8;
        probs[i * 2 + 1] = 0.2;
        labels[i] = i % 20 == 0 ? 1 : 0;
    }
    t = modc_fit_temperature(probs, labels, N, 2);
    assert_true(t < 1.0);
    /* the optimum: 0.95 = sigmoid(log(4) / t) */
    assert_true(fabs(t - log(4.0) / log(19.0)) < 0.01);
    assert_true(modc_fit_temperature(probs, labels, 0, 2) == 1.0);
}

/* Feature scales cost nothing until an offline training computes them: an
 * NB-weighted model learned only online saves exactly like an unweighted
 * one; the first offline training adds them; reset drops them. */
static void test_lazy_scales(void **state)
{
    (void)state;
    modc_params pn = small_params(), pw = small_params();
    pn.weighting = MODC_WEIGHT_NONE;
    pw.weighting = MODC_WEIGHT_NB;
    modc_model *mn, *mw;
    assert_int_equal(modc_model_new(&mn, &pn, CLASSES, 3, NULL), 0);
    assert_int_equal(modc_model_new(&mw, &pw, CLASSES, 3, NULL), 0);
    train_small(mn, 2);
    train_small(mw, 2);
    double a[3], b2[3];
    modc_predict(mn, ABUSE[0], strlen(ABUSE[0]), a);
    modc_predict(mw, ABUSE[0], strlen(ABUSE[0]), b2);
    for (int c = 0; c < 3; c++) assert_true(a[c] == b2[c]); /* scales 1: the same model */
    buf bn, bw;
    buf_init(&bn);
    buf_init(&bw);
    assert_int_equal(modc_save(mn, &bn, NULL), 0);
    assert_int_equal(modc_save(mw, &bw, NULL), 0);
    assert_int_equal(bn.len, bw.len);
    modc_model *back;
    assert_int_equal(modc_load(&back, bw.data, bw.len, NULL), 0);
    assert_false(modc_model_scaled(back));
    modc_predict(back, ABUSE[0], strlen(ABUSE[0]), a);
    for (int c = 0; c < 3; c++) assert_true(fabs(a[c] - b2[c]) < 1e-6);
    /* the first offline training computes the scales (and keeps the weights
     * learned online) */
    modc_fvec xs[3];
    size_t labels[3] = {0, 1, 2};
    const char *t[3] = {SPAM[0], ABUSE[0], OK[0]};
    for (int i = 0; i < 3; i++) {
        modc_fvec tmp;
        modc_fvec_init(&tmp);
        assert_int_equal(modc_featurize(&pw.feat, t[i], strlen(t[i]), &tmp), 0);
        assert_int_equal(modc_fvec_take(&tmp, &xs[i]), 0);
        modc_fvec_free(&tmp);
    }
    assert_int_equal(modc_train(back, xs, labels, 3, NULL, 0, 1, NULL), 0);
    assert_true(modc_model_scaled(back));
    assert_true(modc_model_scale(back, xs[0].idx[0], 0) != 1.0f);
    buf b3;
    buf_init(&b3);
    assert_int_equal(modc_save(back, &b3, NULL), 0);
    modc_model *back2;
    assert_int_equal(modc_load(&back2, b3.data, b3.len, NULL), 0);
    assert_true(modc_model_scaled(back2));
    assert_true(modc_model_scale(back2, xs[0].idx[0], 0) == modc_model_scale(back, xs[0].idx[0], 0));
    modc_model_reset(back2);
    assert_false(modc_model_scaled(back2));
    assert_true(modc_model_scale(back2, xs[0].idx[0], 0) == 1.0f);
    train_small(back2, 1); /* still usable after the scales were dropped */
    modc_predict(back2, SPAM[0], strlen(SPAM[0]), a);
    assert_true(a[0] > a[1] && a[0] > a[2]);
    for (int i = 0; i < 3; i++) modc_fvec_free(&xs[i]);
    modc_model_free(back2);
    modc_model_free(back);
    modc_model_free(mn);
    modc_model_free(mw);
    buf_free(&b3);
    buf_free(&bn);
    buf_free(&bw);
}

/* Cross-validation gives the same figures whatever the number of threads;
 * the fitting options (calibration, L2 selection) run inside it. */
static void test_cross_validate_threads(void **state)
{
    (void)state;
    buf csv;
    modc_dataset d;
    vis_err e;
    modc_cv_opts o;
    synth_cv(&csv, 90, 5, 7, 14, &d, &o);
    double oof1[90 * 3], oof2[90 * 3], l2[5];
    unsigned ep[5];
    modc_metrics m1, m2;
    o.threads = 1;
    o.oof = oof1;
    assert_int_equal(modc_cross_validate(&d, &o, &m1, &e), 0);
    o.threads = 3;
    o.oof = oof2;
    assert_int_equal(modc_cross_validate(&d, &o, &m2, &e), 0);
    assert_memory_equal(oof1, oof2, sizeof oof1);
    assert_memory_equal(m1.confusion, m2.confusion, 9 * sizeof *m1.confusion);
    assert_int_equal(m1.n_auto, m2.n_auto);
    assert_true(m1.accuracy >= 0.8);
    modc_metrics_free(&m1);
    modc_metrics_free(&m2);
    /* L2 chosen on each training part's inner split, from the grid */
    static const double grid[] = MODC_FIT_L2_GRID;
    o.fit.select_l2 = true;
    o.l2 = l2;
    o.epochs = ep;
    o.threads = 2;
    assert_int_equal(modc_cross_validate(&d, &o, &m1, &e), 0);
    for (int f = 0; f < 5; f++) {
        bool in = false;
        for (size_t g = 0; g < sizeof grid / sizeof grid[0]; g++) in |= l2[f] == grid[g];
        assert_true(in);
        assert_int_equal(ep[f], o.params.epochs);
    }
    modc_metrics_free(&m1);
    /* the stacked ensemble runs inside cross-validation too */
    o.fit.select_l2 = false;
    o.stack = true;
    assert_int_equal(modc_cross_validate(&d, &o, &m1, &e), 0);
    assert_true(m1.accuracy >= 0.8);
    modc_metrics_free(&m1);
    modc_data_free(&d);
    buf_free(&csv);
}


/* The stacked ensemble (experiment): fits, predicts distributions, is
 * deterministic, and cross-validation can run it. */
static void test_stack(void **state)
{
    (void)state;
    modc_params p = small_params();
    modc_params bp[MODC_STACK_MAX];
    modc_fit_opts bo[MODC_STACK_MAX];
    size_t nb = modc_stack_bases(&p, bp, bo);
    assert_int_equal(nb, 3);
    assert_true(bo[2].early_stop);
    assert_int_equal(bp[1].weighting, MODC_WEIGHT_NONE);
    modc_stack st;
    assert_int_equal(modc_stack_init(&st, bp, bo, nb, CLASSES, 3, NULL), 0);
    const char *const *sets[3] = {SPAM, ABUSE, OK};
    modc_fvec xs[60];
    size_t labels[60];
    for (int i = 0; i < 60; i++) {
        const char *t = sets[i % 3][(i / 3) % 4];
        modc_fvec tmp;
        modc_fvec_init(&tmp);
        assert_int_equal(modc_featurize(&p.feat, t, strlen(t), &tmp), 0);
        assert_int_equal(modc_fvec_take(&tmp, &xs[i]), 0);
        modc_fvec_free(&tmp);
        labels[i] = (size_t)(i % 3);
    }
    modc_train_data td = {xs, labels, NULL, 60};
    assert_int_equal(modc_stack_fit(&st, &td, NULL, 0, 0.25, 3, NULL), 0);
    double pr[3], pr2[3];
    for (int i = 0; i < 3; i++) {
        modc_stack_predict_vec(&st, &xs[i], pr);
        assert_true(fabs(pr[0] + pr[1] + pr[2] - 1.0) < 1e-9);
        assert_int_equal(modc_stack_classify(&st, pr), labels[i]);
    }
    modc_stack_predict_vec(&st, &xs[1], pr);
    assert_int_equal(modc_stack_fit(&st, &td, NULL, 0, 0.25, 3, NULL), 0);
    modc_stack_predict_vec(&st, &xs[1], pr2);
    assert_memory_equal(pr, pr2, sizeof pr);
    assert_int_equal(modc_stack_fit(&st, &td, NULL, 0, 0.9, 3, NULL), VIS_EINVAL);
    modc_stack_free(&st);
    /* bases must share the features */
    bp[1].feat.char_max = 3;
    assert_int_equal(modc_stack_init(&st, bp, bo, nb, CLASSES, 3, NULL), VIS_EINVAL);
    assert_int_equal(modc_stack_init(&st, bp, bo, 0, CLASSES, 3, NULL), VIS_EINVAL);
    for (int i = 0; i < 60; i++) modc_fvec_free(&xs[i]);
}

static void test_data_votes(void **state)
{
    (void)state;
    const char *csv = ",count,hate_speech,offensive_language,neither,class,tweet\n"
                      "0,3,0,0,3,2,a\n"
                      "1,4,1,3,0,1,b\n";
    modc_dataset d;
    vis_err e;
    assert_int_equal(modc_data_parse(&d, csv, strlen(csv), &e), 0);
    assert_non_null(d.soft);
    assert_true(d.soft[2] == 1.0f && d.soft[0] == 0.0f);
    assert_true(fabsf(d.soft[3] - 0.25f) < 1e-7f && fabsf(d.soft[4] - 0.75f) < 1e-7f);
    modc_data_free(&d);
    const char *novotes = ",class,tweet\n0,1,x\n";
    assert_int_equal(modc_data_parse(&d, novotes, strlen(novotes), &e), 0);
    assert_null(d.soft);
    modc_data_free(&d);
    const char *bad = "hate_speech,offensive_language,neither,class,tweet\n0,x,1,2,t\n";
    assert_int_equal(modc_data_parse(&d, bad, strlen(bad), &e), VIS_EINVAL);
    assert_string_equal(e.kind, "bad_votes");
    const char *zero = "hate_speech,offensive_language,neither,class,tweet\n0,0,0,2,t\n";
    assert_int_equal(modc_data_parse(&d, zero, strlen(zero), &e), VIS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenize),        cmocka_unit_test(test_featurize),
        cmocka_unit_test(test_model_online),    cmocka_unit_test(test_model_new_errors),
        cmocka_unit_test(test_save_load),       cmocka_unit_test(test_load_refuses_damage),
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_metrics),         cmocka_unit_test(test_folds),
        cmocka_unit_test(test_data_davidson),   cmocka_unit_test(test_data_generic),
        cmocka_unit_test(test_cross_validate_small), cmocka_unit_test(test_offline_train),
        cmocka_unit_test(test_update_soft),     cmocka_unit_test(test_classify_offsets),
        cmocka_unit_test(test_fit_offsets),     cmocka_unit_test(test_fit),
        cmocka_unit_test(test_data_votes),      cmocka_unit_test(test_weighting),
        cmocka_unit_test(test_temperature),     cmocka_unit_test(test_fit_temperature),
        cmocka_unit_test(test_lazy_scales),     cmocka_unit_test(test_cross_validate_threads),
        cmocka_unit_test(test_stack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
