#include "base/jv.h"

#include <string.h>

static const char *type_name(jv_type t)
{
    switch (t) {
    case JV_STRING: return "a string";
    case JV_INT: return "an integer";
    case JV_BOOL: return "true or false";
    case JV_OBJECT: return "an object";
    case JV_ARRAY: return "an array";
    case JV_NUMBER: return "a number";
    default: return "a value";
    }
}

static bool type_ok(json_t *v, jv_type t)
{
    switch (t) {
    case JV_STRING: return json_is_string(v);
    case JV_INT: return json_is_integer(v);
    case JV_BOOL: return json_is_boolean(v);
    case JV_OBJECT: return json_is_object(v);
    case JV_ARRAY: return json_is_array(v);
    case JV_NUMBER: return json_is_number(v);
    default: return true;
    }
}

int jv_check(json_t *obj, const jv_field *fields, vis_err *err)
{
    if (!json_is_object(obj))
        return vis_errf(err, VIS_EINVAL, "invalid_body", NULL, "the request body must be a JSON object");
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        const jv_field *f = fields;
        while (f->name && strcmp(f->name, k)) f++;
        if (!f->name) {
            char safe[64];
            size_t i = 0;
            for (; k[i] && i < sizeof safe - 1; i++) safe[i] = k[i];
            safe[i] = '\0';
            return vis_errf(err, VIS_EINVAL, "unknown_field", safe, "unknown field '%s'", safe);
        }
    }
    for (const jv_field *f = fields; f->name; f++) {
        json_t *x = json_object_get(obj, f->name);
        if (!x || json_is_null(x)) {
            if (f->required)
                return vis_errf(err, VIS_EINVAL, "missing_field", f->name, "field '%s' is required", f->name);
            continue;
        }
        if (!type_ok(x, f->type))
            return vis_errf(err, VIS_EINVAL, "invalid_field", f->name, "field '%s' must be %s", f->name,
                            type_name(f->type));
        if (f->type == JV_STRING) {
            size_t n = json_string_length(x);
            int64_t max = f->max ? f->max : 10000;
            if ((int64_t)n < f->min || (int64_t)n > max)
                return vis_errf(err, VIS_EINVAL, "invalid_field", f->name,
                                "field '%s' must be %lld to %lld bytes long", f->name, (long long)f->min,
                                (long long)max);
            if (strlen(json_string_value(x)) != n)
                return vis_errf(err, VIS_EINVAL, "invalid_field", f->name, "field '%s' contains a NUL character",
                                f->name);
        } else if (f->type == JV_INT && (f->min || f->max)) {
            json_int_t i = json_integer_value(x);
            if (i < f->min || i > f->max)
                return vis_errf(err, VIS_EINVAL, "invalid_field", f->name, "field '%s' must be between %lld and %lld",
                                f->name, (long long)f->min, (long long)f->max);
        }
    }
    return 0;
}

const char *jv_str(json_t *obj, const char *name, const char *def)
{
    json_t *x = json_object_get(obj, name);
    return json_is_string(x) ? json_string_value(x) : def;
}

int64_t jv_int(json_t *obj, const char *name, int64_t def)
{
    json_t *x = json_object_get(obj, name);
    return json_is_integer(x) ? (int64_t)json_integer_value(x) : def;
}

bool jv_bool(json_t *obj, const char *name, bool def)
{
    json_t *x = json_object_get(obj, name);
    return json_is_boolean(x) ? json_is_true(x) : def;
}
