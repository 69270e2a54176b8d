/*
 * visib_guard — data the platform must not process (Directive (EU)
 * 2024/2831, Article 7): private messages between workers, the emotional
 * or psychological state of a person, biometric data, and data from
 * outside working time.
 *
 * Structurally, every endpoint validates its body against a field table
 * (base/jv.h) and refuses unknown fields, so no endpoint has a field that
 * carries such data. visib_guard_body is a second, generic line: it walks
 * a JSON body (nested objects and arrays, bounded depth) and refuses any
 * key that names a forbidden category (case-insensitive: "private_message",
 * "emotion", "heart_rate", "face_image", ...), naming the key. The server
 * applies it to every body sent by a worker account, and the visibility
 * endpoints to theirs. Locations outside working time are refused by the
 * dispatch service (positions only while online; none kept after).
 */
#ifndef VIS_VISIBILITY_VISIB_GUARD_H
#define VIS_VISIBILITY_VISIB_GUARD_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

/* 0, or VIS_EINVAL "forbidden_data" naming the key. */
int visib_guard_body(json_t *body, vis_err *err);
/* The category a key falls in, or NULL (exposed for tests and docs). */
const char *visib_guard_category(const char *key);

#endif
