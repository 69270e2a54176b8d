/*
 * modc_text — text normalisation and feature hashing for the moderation
 * pre-filter classifier (modc_model.h).
 *
 * A text becomes a stream of normalised tokens (modc_tok_next):
 *   - HTML entities are decoded (&amp; &lt; &gt; &quot; &apos; &#NNN;
 *     &#xHH;), then UTF-8 is decoded; invalid bytes are separators;
 *   - ASCII and Latin-1 letters are lowercased; apostrophes inside a word
 *     are dropped ("don't" -> "dont");
 *   - a run of more than two identical characters is squeezed to two
 *     ("sooooo" -> "soo");
 *   - URLs (http://, https://, www.) collapse to the placeholder token
 *     "<url>", @mentions to "<user>"; '#' of a hashtag is dropped;
 *   - every emoji / pictograph / private-use symbol is a token of its own;
 *   - punctuation and whitespace separate tokens; a token longer than
 *     MODC_TOKEN_MAX - 1 bytes is truncated.
 *
 * Each token yields hashed features (modc_token_features):
 *   - word features: the unigram, and the bigram with the previous token;
 *   - character n-grams (lengths char_min..char_max, bytes) of the word
 *     padded with boundary marks, "<word>", for ordinary words only.
 * A feature is hashed (FNV-1a then a 64-bit finaliser) to a bucket among
 * 2^bits and a sign (signed feature hashing, so collisions cancel in
 * expectation rather than add up). It is encoded as a uint32 code: bucket
 * in the low bits, sign in bit 31.
 *
 * Feature values: each occurrence counts 1; the word block and the
 * character block are each scaled by 1/sqrt(number of occurrences in the
 * block), so both blocks have comparable weight whatever the text length.
 * Because the value is linear in occurrences, a prediction can stream the
 * codes without building a vector (modc_model.c does), while training uses a
 * merged sparse vector (modc_featurize) with the same dot products.
 *
 * Nothing here allocates except modc_featurize (into its vector) and there
 * is no global state; all functions are reentrant.
 */
#ifndef VIS_MODERATION_MODC_TEXT_H
#define VIS_MODERATION_MODC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define MODC_TOKEN_MAX 48       /* token buffer size, bytes incl. NUL */
#define MODC_BITS_MIN 10
#define MODC_BITS_MAX 24
#define MODC_CHAR_MAX 8         /* longest character n-gram */
#define MODC_SIGN_BIT 0x80000000u
/* Most codes one token can produce: 2 word features + the n-grams of
 * "<token>" (at most MODC_TOKEN_MAX + 1 bytes) for every length. */
#define MODC_TOKEN_FEATS_MAX (2 + (MODC_TOKEN_MAX + 1) * MODC_CHAR_MAX)

enum { MODC_TOK_WORD = 0, MODC_TOK_SPECIAL = 1 };

typedef struct modc_feat_cfg {
    unsigned bits;        /* 2^bits hash buckets, MODC_BITS_MIN..MAX */
    unsigned char_min;    /* shortest character n-gram (>= 1) */
    unsigned char_max;    /* longest (<= MODC_CHAR_MAX); 0 = no char n-grams */
    bool word_bigrams;    /* add word bigrams */
    bool sublinear;       /* values 1 + ln(tf) per bucket, no block scaling
                           * (for TF-IDF, modc_model.h: the model applies
                           * IDF and L2 normalisation) */
} modc_feat_cfg;

/* 0 if cfg is usable, else VIS_EINVAL with a message. */
int modc_feat_cfg_check(const modc_feat_cfg *cfg, vis_err *err);

typedef struct modc_tokenizer {
    const unsigned char *p, *end;
} modc_tokenizer;

void modc_tok_init(modc_tokenizer *t, const char *text, size_t len);
/* Write the next normalised token, NUL-terminated, to out (MODC_TOKEN_MAX
 * bytes) and its kind (MODC_TOK_*) to *kind; return its length, 0 at the end. */
size_t modc_tok_next(modc_tokenizer *t, char *out, int *kind);

/* The codes of one token. *prev is the previous token's hash (0 at the start
 * of a text) and is updated. Word codes go to words[] (at most 2), character
 * codes to chars[] (at most MODC_TOKEN_FEATS_MAX); counts are returned in
 * *nwords and *nchars. */
void modc_token_features(const modc_feat_cfg *cfg, const char *tok, size_t len, int kind,
                         uint64_t *prev, uint32_t *words, size_t *nwords, uint32_t *chars,
                         size_t *nchars);

static inline uint32_t modc_code_bucket(uint32_t code) { return code & ~MODC_SIGN_BIT; }
static inline float modc_code_sign(uint32_t code) { return (code & MODC_SIGN_BIT) ? -1.0f : 1.0f; }

/* A sparse feature vector: distinct buckets with their (signed, scaled)
 * values. Reuse one across texts to avoid reallocation. */
typedef struct modc_fvec {
    uint32_t *idx;
    float *val;
    size_t n, cap;
    uint32_t *tab;        /* merge scratch (open addressing) */
    size_t tabcap;
} modc_fvec;

void modc_fvec_init(modc_fvec *v);
void modc_fvec_free(modc_fvec *v);
/* Move v's entries into a new exactly-sized vector *out (scratch dropped);
 * v is left empty and reusable. Always 0: allocation aborts (base/mem.h). */
int modc_fvec_take(modc_fvec *v, modc_fvec *out);
/* Featurize text into v (previous content replaced). Always 0: allocation
 * aborts (base/mem.h); the int is kept for its callers. */
int modc_featurize(const modc_feat_cfg *cfg, const char *text, size_t len, modc_fvec *v);

#endif
