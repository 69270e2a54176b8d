/*
 * jv — validation of JSON request bodies against a small field table.
 *
 * A handler lists the fields it accepts (name, type, required, limits);
 * jv_check refuses unknown fields, missing required ones and wrong types,
 * naming the field in the error. Strings are valid UTF-8 (jansson checks on
 * parse), have bounded length and no NUL; integers are bounded. Getters
 * return the value or a default when the field is absent.
 */
#ifndef VIS_BASE_JV_H
#define VIS_BASE_JV_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

typedef enum { JV_STRING, JV_INT, JV_BOOL, JV_OBJECT, JV_ARRAY, JV_NUMBER, JV_ANY } jv_type;

typedef struct jv_field {
    const char *name;
    jv_type     type;
    bool        required;
    int64_t     min, max;   /* JV_INT: value range; JV_STRING: length in bytes (max 0 = 10000) */
} jv_field;

/* fields ends with {NULL}. */
int jv_check(json_t *obj, const jv_field *fields, vis_err *err);
const char *jv_str(json_t *obj, const char *name, const char *def);
int64_t     jv_int(json_t *obj, const char *name, int64_t def);
bool        jv_bool(json_t *obj, const char *name, bool def);

#endif
