/*
 * modc_data — labelled text sets for training and evaluating the
 * moderation classifier, read from CSV (RFC 4180, base/csv.h: fields may
 * hold commas, quotes and line breaks).
 *
 * Two layouts, recognised by the header row:
 *   - Davidson et al. (2017): columns `class` (0, 1, 2) and `tweet`; the
 *     classes are named hate (0), offensive (1), neither (2). When the
 *     annotators' vote counts are there too (columns `hate_speech`,
 *     `offensive_language`, `neither`: how many annotators chose each
 *     class), they are kept as the vote distribution of each text (soft[]).
 *     `class` is the majority of those votes.
 *   - generic: columns `text` and `label` (any order, other columns
 *     ignored); labels are arbitrary non-empty strings, at most
 *     MODC_CLASSES_MAX distinct; classes are numbered in byte order of their
 *     names, so the numbering does not depend on the order of the rows. No
 *     vote distribution (soft is NULL).
 * Rows that are entirely empty are skipped; a row missing a field, or with
 * a bad label, is an error naming its line.
 */
#ifndef VIS_MODERATION_MODC_DATA_H
#define VIS_MODERATION_MODC_DATA_H

#include <stddef.h>

#include "base/err.h"

enum { MODC_FMT_DAVIDSON = 1, MODC_FMT_GENERIC = 2 };

typedef struct modc_dataset {
    size_t n;            /* examples */
    size_t nclasses;
    char **classes;      /* nclasses names */
    char **text;         /* n NUL-terminated texts */
    size_t *len;         /* their lengths */
    size_t *label;       /* their class indices */
    float *soft;         /* NULL, or n * nclasses vote fractions (each row sums
                          * to 1): soft[i * nclasses + c] = share of text i's
                          * annotators who chose class c */
    int format;          /* MODC_FMT_* */
} modc_dataset;

/* Parse CSV bytes into d (zeroed first). 0 or VIS_EINVAL (err filled). */
int modc_data_parse(modc_dataset *d, const char *data, size_t len, vis_err *err);
/* Read and parse a file ("-" = stdin). */
int modc_data_load(modc_dataset *d, const char *path, vis_err *err);
void modc_data_free(modc_dataset *d);

#endif
