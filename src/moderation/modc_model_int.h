/*
 * modc_model_int — the inside of a modc_model, shared by the files of the
 * model (modc_model.c: learning and prediction; modc_persist.c: saving and
 * loading). Not part of the API: other modules use modc_model.h only.
 */
#ifndef VIS_MODERATION_MODC_MODEL_INT_H
#define VIS_MODERATION_MODC_MODEL_INT_H

#include "moderation/modc_model.h"

struct modc_model {
    modc_params p;
    size_t k;
    char **classes;
    uint64_t *count;   /* examples learned per class */
    size_t dim;        /* 2^bits */
    size_t stride;     /* floats per row: 3k, or 4k once feature scales are
                        * computed (modc_model_grow_scales): a model never trained
                        * offline costs no memory for them */
    float *w;          /* dim rows: k weights, their k AdaGrad accumulators, k
                        * averaging sums used only inside modc_train (zero
                        * otherwise), and with weighting k feature scales */
    bool scaled;       /* feature scales computed (weighting only) */
    float *abias;      /* averaging sums of the bias, k */
    float *bias, *gbias;
    double offset[MODC_CLASSES_MAX]; /* decision log-offsets (modc_classify) */
    double temp;       /* calibration temperature of the predictions (> 0) */
    modc_fvec scratch; /* for modc_update */
};

/* Give every row k feature scales, all 1 (stride 3k -> 4k), keeping the
 * weights, accumulators and averaging sums. */
void modc_model_grow_scales(modc_model *m);

#endif
