#include "base/mem.h"
#include "moderation/modc_text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FNV_OFF   0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
#define TAG_WORD  0x51ed2701a3c5b7e9ULL
#define TAG_SPEC  0x2545f4914f6cdd1dULL
#define TAG_UNI   0x9e3779b97f4a7c15ULL
#define TAG_BI    0xbf58476d1ce4e5b9ULL
#define TAG_CHAR  0x94d049bb133111ebULL

int modc_feat_cfg_check(const modc_feat_cfg *cfg, vis_err *err)
{
    if (cfg->bits < MODC_BITS_MIN || cfg->bits > MODC_BITS_MAX)
        return vis_errf(err, VIS_EINVAL, "invalid_bits", "bits", "hash bits must be %d..%d",
                        MODC_BITS_MIN, MODC_BITS_MAX);
    if (cfg->char_max > MODC_CHAR_MAX)
        return vis_errf(err, VIS_EINVAL, "invalid_ngram", "char_max",
                        "character n-grams must be at most %d long", MODC_CHAR_MAX);
    if (cfg->char_max && (cfg->char_min < 1 || cfg->char_min > cfg->char_max))
        return vis_errf(err, VIS_EINVAL, "invalid_ngram", "char_min",
                        "character n-gram lengths must satisfy 1 <= min <= max");
    return 0;
}

/* ---- code points -------------------------------------------------------- */

enum { C_SEP, C_WORD, C_APOS, C_SYMBOL };

static int hexval(unsigned c)
{
    if (c >= '0' && c <= '9') return (int)(c - '0');
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    return -1;
}

/* An HTML entity at p (which is '&'): return the position after it and set
 * *cp, or NULL if p does not start a known entity. */
static const unsigned char *entity(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
    static const struct { const char *name; uint32_t cp; } named[] = {
        {"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''},
        {"nbsp;", ' '},
    };
    size_t left = (size_t)(end - p) - 1;
    const unsigned char *q = p + 1;
    if (left >= 3 && q[0] == '#') {
        bool hex = (q[1] | 0x20) == 'x';
        const unsigned char *d = q + 1 + hex;
        uint32_t v = 0;
        int nd = 0;
        while (d < end && nd < 8) {
            int x = hex ? hexval(*d) : (*d >= '0' && *d <= '9' ? *d - '0' : -1);
            if (x < 0) break;
            v = v * (hex ? 16u : 10u) + (uint32_t)x;
            d++;
            nd++;
        }
        if (nd == 0 || d >= end || *d != ';' || v == 0 || v > 0x10FFFF) return NULL;
        *cp = v;
        return d + 1;
    }
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t n = strlen(named[i].name);
        if (left >= n && memcmp(q, named[i].name, n) == 0) {
            *cp = named[i].cp;
            return q + n;
        }
    }
    return NULL;
}

/* Decode one code point (entity or UTF-8) at p < end; invalid -> U+FFFD. */
static const unsigned char *next_cp(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
    unsigned c = *p;
    if (c < 0x80) {
        if (c == '&') {
            const unsigned char *q = entity(p, end, cp);
            if (q) return q;
        }
        *cp = c;
        return p + 1;
    }
    int n;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) { n = 1; v = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { n = 2; v = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { n = 3; v = c & 0x07; min = 0x10000; }
    else { *cp = 0xFFFD; return p + 1; }
    if (end - p <= n) { *cp = 0xFFFD; return p + 1; }
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80) { *cp = 0xFFFD; return p + 1; }
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) { *cp = 0xFFFD; return p + 1; }
    *cp = v;
    return p + n + 1;
}

static int cp_class(uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
            return C_WORD;
        return cp == '\'' ? C_APOS : C_SEP;
    }
    if (cp < 0xC0) return (cp == 0xAA || cp == 0xB5 || cp == 0xBA) ? C_WORD : C_SEP;
    if (cp == 0xD7 || cp == 0xF7) return C_SEP;
    if (cp == 0x2018 || cp == 0x2019 || cp == 0x02BC) return C_APOS;
    if (cp >= 0x2000 && cp <= 0x206F) return C_SEP;            /* general punctuation */
    if (cp >= 0x20A0 && cp <= 0x20CF) return C_SYMBOL;         /* currency */
    if (cp >= 0x2100 && cp <= 0x2BFF) return C_SYMBOL;         /* arrows, dingbats, ... */
    if (cp >= 0x3000 && cp <= 0x303F) return C_SEP;            /* CJK punctuation */
    if (cp == 0x3297 || cp == 0x3299) return C_SYMBOL;
    if (cp >= 0xE000 && cp <= 0xF8FF) return C_SYMBOL;         /* private use (old emoji) */
    if (cp >= 0xFE00 && cp <= 0xFE0F) return C_SEP;            /* variation selectors */
    if (cp == 0xFEFF || cp == 0xFFFD) return C_SEP;
    if (cp >= 0x1F3FB && cp <= 0x1F3FF) return C_SEP;          /* skin-tone modifiers */
    if (cp >= 0x1F000 && cp <= 0x1FAFF) return C_SYMBOL;       /* emoji, pictographs */
    if (cp >= 0xE0000 && cp <= 0xE007F) return C_SEP;          /* tags */
    if (cp >= 0xF0000) return C_SYMBOL;                        /* private use planes */
    return C_WORD;
}

static uint32_t lower(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if (cp < 0xC0) return cp;
    if (cp <= 0xDE && cp != 0xD7) return cp + 32;
    if (cp >= 0x391 && cp <= 0x3A9) return cp + 32;    /* Greek */
    if (cp >= 0x410 && cp <= 0x42F) return cp + 32;    /* Cyrillic */
    if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
    return cp;
}

static size_t utf8_len(uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static void utf8_put(char *o, uint32_t cp)
{
    unsigned char *u = (unsigned char *)o;
    if (cp < 0x80) { u[0] = (unsigned char)cp; return; }
    if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return;
    }
    if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return;
    }
    u[0] = (unsigned char)(0xF0 | (cp >> 18));
    u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (unsigned char)(0x80 | (cp & 0x3F));
}

/* ---- tokenizer ------------------------------------------------------------ */

void modc_tok_init(modc_tokenizer *t, const char *text, size_t len)
{
    t->p = (const unsigned char *)text;
    t->end = t->p + len;
}

static bool prefix_ci(const unsigned char *p, const unsigned char *end, const char *s)
{
    for (; *s; s++, p++)
        if (p >= end || (*p | 0x20) != (unsigned char)*s) return false;
    return true;
}

static bool is_space(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_ident(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static size_t put_special(char *out, int *kind, const char *s)
{
    size_t n = strlen(s);
    memcpy(out, s, n + 1);
    *kind = MODC_TOK_SPECIAL;
    return n;
}

size_t modc_tok_next(modc_tokenizer *t, char *out, int *kind)
{
    const unsigned char *p = t->p, *end = t->end;
    while (p < end) {
        unsigned c = *p;
        if ((c | 0x20) == 'h' || (c | 0x20) == 'w') {
            if (prefix_ci(p, end, "http://") || prefix_ci(p, end, "https://") ||
                prefix_ci(p, end, "www.")) {
                while (p < end && !is_space(*p)) p++;
                t->p = p;
                return put_special(out, kind, "<url>");
            }
        }
        if (c == '@' && p + 1 < end) {
            if (is_ident(p[1])) {
                p++;
                while (p < end && is_ident(*p)) p++;
                t->p = p;
                return put_special(out, kind, "<user>");
            }
        }
        uint32_t cp;
        const unsigned char *q = next_cp(p, end, &cp);
        int cls = cp_class(cp);
        if (cls == C_SYMBOL) {
            size_t n = utf8_len(cp);
            utf8_put(out, cp);
            out[n] = '\0';
            *kind = MODC_TOK_SPECIAL;
            t->p = q;
            return n;
        }
        if (cls != C_WORD) {
            p = q;
            continue;
        }
        /* a word: letters/digits, inner apostrophes dropped, runs squeezed */
        size_t len = 0;
        uint32_t last = 0;
        int run = 0;
        while (p < end) {
            q = next_cp(p, end, &cp);
            cls = cp_class(cp);
            if (cls == C_APOS) {
                uint32_t cp2;
                if (q < end && (next_cp(q, end, &cp2), cp_class(cp2) == C_WORD)) {
                    p = q;
                    continue;
                }
                break;
            }
            if (cls != C_WORD) break;
            p = q;
            cp = lower(cp);
            if (cp == last) {
                if (++run > 2) continue;
            } else {
                last = cp;
                run = 1;
            }
            size_t n = utf8_len(cp);
            if (len + n <= MODC_TOKEN_MAX - 1) {
                utf8_put(out + len, cp);
                len += n;
            }
        }
        out[len] = '\0';
        *kind = MODC_TOK_WORD;
        t->p = p;
        return len;
    }
    t->p = p;
    out[0] = '\0';
    return 0;
}

/* ---- hashing -------------------------------------------------------------- */

static inline uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static inline uint32_t code_of(uint64_t h, unsigned bits)
{
    uint64_t m = fmix64(h);
    return (uint32_t)(m >> (64 - bits)) | ((uint32_t)(m & 1u) << 31);
}

void modc_token_features(const modc_feat_cfg *cfg, const char *tok, size_t len, int kind,
                         uint64_t *prev, uint32_t *words, size_t *nwords, uint32_t *chars,
                         size_t *nchars)
{
    const unsigned char *b = (const unsigned char *)tok;
    unsigned bits = cfg->bits;
    uint64_t h = FNV_OFF ^ (kind == MODC_TOK_WORD ? TAG_WORD : TAG_SPEC);
    for (size_t i = 0; i < len; i++) h = (h ^ b[i]) * FNV_PRIME;
    size_t nw = 0;
    words[nw++] = code_of(h ^ TAG_UNI, bits);
    if (cfg->word_bigrams && *prev) words[nw++] = code_of((*prev * TAG_BI) ^ h ^ TAG_BI, bits);
    *prev = h | 1; /* never 0, so 0 can mean "start of text" */
    *nwords = nw;

    size_t nc = 0;
    if (kind == MODC_TOK_WORD && cfg->char_max) {
        unsigned char pad[MODC_TOKEN_MAX + 2];
        if (len > MODC_TOKEN_MAX - 1) len = MODC_TOKEN_MAX - 1;
        pad[0] = '<';
        memcpy(pad + 1, b, len);
        pad[len + 1] = '>';
        size_t L = len + 2;
        unsigned nmin = cfg->char_min, nmax = cfg->char_max;
        for (size_t i = 0; i < L; i++) {
            uint64_t g = FNV_OFF ^ TAG_CHAR;
            size_t lim = L - i < nmax ? L - i : nmax;
            for (size_t j = 0; j < lim; j++) {
                g = (g ^ pad[i + j]) * FNV_PRIME;
                if (j + 1 >= nmin) chars[nc++] = code_of(g, bits);
            }
        }
    }
    *nchars = nc;
}

/* ---- sparse vectors ------------------------------------------------------- */

void modc_fvec_init(modc_fvec *v) { memset(v, 0, sizeof *v); }

void modc_fvec_free(modc_fvec *v)
{
    free(v->idx);
    free(v->val);
    free(v->tab);
    memset(v, 0, sizeof *v);
}

static void fvec_reserve(modc_fvec *v, size_t need)
{
    if (need <= v->cap) return;
    size_t cap = v->cap ? v->cap : 256;
    while (cap < need) cap *= 2;
    v->idx = mem_realloc(v->idx, cap * sizeof *v->idx);
    v->val = mem_realloc(v->val, cap * sizeof *v->val);
    v->cap = cap;
}

int modc_fvec_take(modc_fvec *v, modc_fvec *out)
{
    modc_fvec_init(out);
    size_t n = v->n ? v->n : 1;
    out->idx = mem_alloc(n * sizeof *out->idx);
    out->val = mem_alloc(n * sizeof *out->val);
    memcpy(out->idx, v->idx, v->n * sizeof *v->idx);
    memcpy(out->val, v->val, v->n * sizeof *v->val);
    out->n = out->cap = v->n;
    v->n = 0;
    return 0;
}

int modc_featurize(const modc_feat_cfg *cfg, const char *text, size_t len, modc_fvec *v)
{
    modc_tokenizer t;
    char tok[MODC_TOKEN_MAX];
    uint32_t words[2], chars[MODC_TOKEN_FEATS_MAX];
    uint64_t prev = 0;
    size_t nw_tot = 0, nc_tot = 0, tl, nw, nc;
    int kind;
    v->n = 0;
    modc_tok_init(&t, text, len);
    /* raw codes first; val temporarily holds the block (0 word, 1 char) */
    while ((tl = modc_tok_next(&t, tok, &kind)) > 0) {
        modc_token_features(cfg, tok, tl, kind, &prev, words, &nw, chars, &nc);
        fvec_reserve(v, v->n + nw + nc);
        for (size_t i = 0; i < nw; i++) {
            v->idx[v->n] = words[i];
            v->val[v->n++] = 0.0f;
        }
        for (size_t i = 0; i < nc; i++) {
            v->idx[v->n] = chars[i];
            v->val[v->n++] = 1.0f;
        }
        nw_tot += nw;
        nc_tot += nc;
    }
    if (v->n == 0) return 0;
    float sw = nw_tot ? (float)(1.0 / sqrt((double)nw_tot)) : 0.0f;
    float sc = nc_tot ? (float)(1.0 / sqrt((double)nc_tot)) : 0.0f;

    /* merge equal buckets in place with an open-addressing table */
    size_t tc = 64;
    while (tc < 2 * v->n) tc *= 2;
    if (tc > v->tabcap) {
        v->tab = mem_realloc(v->tab, tc * sizeof *v->tab);
        v->tabcap = tc;
    }
    memset(v->tab, 0, tc * sizeof *v->tab);
    size_t o = 0, mask = tc - 1;
    for (size_t i = 0; i < v->n; i++) {
        uint32_t code = v->idx[i];
        uint32_t b = modc_code_bucket(code);
        float x = modc_code_sign(code) * (cfg->sublinear ? 1.0f : v->val[i] != 0.0f ? sc : sw);
        size_t s = ((uint32_t)(b * 0x9E3779B1u)) & mask;
        for (;;) {
            uint32_t e = v->tab[s];
            if (e == 0) {
                v->tab[s] = (uint32_t)(o + 1);
                v->idx[o] = b;
                v->val[o] = x;
                o++;
                break;
            }
            if (v->idx[e - 1] == b) {
                v->val[e - 1] += x;
                break;
            }
            s = (s + 1) & mask;
        }
    }
    v->n = o;
    if (cfg->sublinear) /* signed term frequency t -> sign(t) (1 + ln |t|) */
        for (size_t i = 0; i < v->n; i++) {
            float t = v->val[i], at = fabsf(t);
            v->val[i] = at < 0.5f ? 0.0f : copysignf(1.0f + logf(at), t);
        }
    return 0;
}
