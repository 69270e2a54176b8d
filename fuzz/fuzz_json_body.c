/*
 * fuzz_json_body — a request body as the server reads it (src/http/server.c):
 * jansson parses it with JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, a
 * non-object is refused, a worker's body goes through visib_guard_body, then
 * the handler checks it against its field table (base/jv.h) and reads the
 * fields with the jv getters. The tables below copy those of a few routes
 * (signup, login, admin credit, delivery job, batch create, review) so that
 * every jv type, bound and getter is exercised; jv_check is table-driven,
 * so this covers what every handler does with a body.
 * Properties checked: no crash, leak or UB; an accepted body has every
 * required field with the declared type, within its bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/jv.h"
#include "visibility/visib_guard.h"

static const jv_field signup_fields[] = {
    {"name", JV_STRING, true, 1, 400},       {"email", JV_STRING, true, 3, 254},
    {"password", JV_STRING, true, 8, 1024},  {"role", JV_STRING, true, 1, 16},
    {"session", JV_BOOL, false, 0, 0},       {NULL, 0, 0, 0, 0},
};
static const jv_field login_fields[] = {
    {"email", JV_STRING, true, 1, 254}, {"password", JV_STRING, true, 1, 1024},
    {"session", JV_BOOL, false, 0, 0},  {NULL, 0, 0, 0, 0},
};
static const jv_field credit_fields[] = {
    {"amount_micros", JV_INT, true, 1, 1000000000000000LL}, {"reason", JV_STRING, true, 1, 500},
    {NULL, 0, 0, 0, 0},
};
static const jv_field job_fields[] = {
    {"place_id", JV_INT, true, 1, INT64_MAX}, {"dropoff_lat", JV_NUMBER, true, 0, 0},
    {"dropoff_lon", JV_NUMBER, true, 0, 0},   {"ready_in_s", JV_INT, false, 0, 7200},
    {"note", JV_STRING, false, 0, 500},       {NULL, 0, 0, 0, 0},
};
static const jv_field batch_fields[] = {
    {"title", JV_STRING, true, 1, 200},
    {"template", JV_STRING, true, 1, 20000},
    {"answer_type", JV_STRING, true, 1, 16},
    {"labels", JV_ARRAY, false, 0, 0},
    {"reward_micros", JV_INT, true, 1, 1000000000000LL},
    {"overlap", JV_INT, false, 1, 100},
    {"expected_seconds", JV_INT, true, 1, 86400},
    {"control_ratio", JV_NUMBER, false, 0, 0},
    {"meta", JV_OBJECT, false, 0, 0},
    {"any", JV_ANY, false, 0, 0},
    {NULL, 0, 0, 0, 0},
};
static const jv_field review_fields[] = {{"reason", JV_STRING, false, 0, 2000}, {NULL, 0, 0, 0, 0}};

static const jv_field *const tables[] = {signup_fields, login_fields, credit_fields,
                                         job_fields,    batch_fields, review_fields};

static void check_accepted(json_t *o, const jv_field *t)
{
    for (const jv_field *f = t; f->name; f++) {
        json_t *x = json_object_get(o, f->name);
        if (!x || json_is_null(x)) {
            if (f->required) abort(); /* accepted without a required field */
            continue;
        }
        if (f->type == JV_STRING) {
            const char *s = jv_str(o, f->name, NULL);
            if (!s) abort();
            size_t n = strlen(s);
            int64_t max = f->max ? f->max : 10000;
            if ((int64_t)n < f->min || (int64_t)n > max || n != json_string_length(x)) abort();
        } else if (f->type == JV_INT) {
            int64_t v = jv_int(o, f->name, 0);
            if ((f->min || f->max) && (v < f->min || v > f->max)) abort();
        } else if (f->type == JV_BOOL) {
            (void)jv_bool(o, f->name, false);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!body) return 0;
    if (json_is_object(body)) {
        vis_err err;
        (void)visib_guard_body(body, &err);
        for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
            if (jv_check(body, tables[i], &err) == 0) check_accepted(body, tables[i]);
    } else {
        vis_err err;
        if (jv_check(body, login_fields, &err) == 0) abort(); /* a non-object is never accepted */
    }
    json_decref(body);
    return 0;
}
