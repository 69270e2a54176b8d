/*
 * disp_area — service areas and courier onboarding (issue 15).
 *
 * Onboarding. A worker account delivers only once the platform approved it:
 * applied (the state of every worker with no decision yet, e.g. a
 * self-registered one) → approved, or suspended with a reason. Both are
 * human decisions of an admin, journalled ("courier_approved",
 * "courier_suspended") with the admin as actor; going online is refused
 * with 403 not_approved otherwise. A suspension does not end a running
 * shift (the admin also takes the courier off duty for that): it refuses
 * the next one.
 *
 * Service areas. Named polygons of [lat, lon] points set by the admin
 * (PUT /v1/admin/dispatch/areas replaces them all). The hourly guarantee
 * counts only online time inside a service area: each position (the one
 * given on going online and every later one) counts the time until the
 * next position, or until going offline, when it lies inside an area (an
 * approximation: positions are samples). With no area defined, every
 * online minute counts, as before areas existed: the platform has not
 * drawn its map, and a courier must not lose the guarantee for that;
 * approval is then the only guard. With booked slots on (dispatch.slots,
 * disp_svc_slots.c), only the part of that time inside a slot the courier
 * booked, in the slot's area, counts.
 *
 * disp_area_contains is pure (even-odd rule on micro-degrees, fine for a
 * city-sized polygon); the rest runs in the caller's store transaction.
 */
#ifndef VIS_DISPATCH_DISP_AREA_H
#define VIS_DISPATCH_DISP_AREA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "dispatch/disp_service.h"

#define DISP_AREA_MAX 50
#define DISP_AREA_MAX_PTS 200

/* Whether (plat, plon) lies inside the polygon of n points (micro-degrees;
 * the even-odd rule; a point exactly on an edge may fall either side). */
bool disp_area_contains(int n, const int64_t *lat, const int64_t *lon, int64_t plat, int64_t plon);

/* The rule, as stated in the register and each guarantee's explanation. */
extern const char disp_area_rule[];

/* Whether the position counts toward the guarantee: inside an area, or no
 * area defined (*nareas = 0). */
int disp_area_counts(disp_ctx *c, int64_t lat, int64_t lon, bool *inside, int *nareas, vis_err *err);

/* Whether an area of that name exists; whether the point lies in the area
 * of that name (true when no area at all is defined). */
int disp_area_named(disp_ctx *c, const char *name, bool *known, vis_err *err);
int disp_area_named_contains(disp_ctx *c, const char *name, int64_t lat, int64_t lon, bool *inside, vis_err *err);

/* The service areas; replace them (validated; {"areas": [...]}). */
int disp_areas_get(disp_ctx *c, json_t **out, vis_err *err);
int disp_areas_put(disp_ctx *c, json_t *spec, json_t **out, vis_err *err);

/* Onboarding: the courier's state as JSON ({"state": "applied"} or with
 * since_ms, reason, by); whether approved; the admin's decisions. */
json_t *disp_onboarding_json(disp_ctx *c, int64_t courier, vis_err *err);
int disp_onboarding_approved(disp_ctx *c, int64_t courier, bool *approved, vis_err *err);
/* Worker accounts with their onboarding state (state: "" = any, else
 * applied|approved|suspended), id > after, at most limit:
 * {"couriers": [{courier_id, name, email, state, reason, since_ms?, by?}], "next_after": id|null}. */
int disp_couriers_list(disp_ctx *c, const char *state, int64_t after, int64_t limit, json_t **out, vis_err *err);
int disp_courier_approve(disp_ctx *c, int64_t courier, const char *reason, json_t **out, vis_err *err);
int disp_courier_suspend(disp_ctx *c, int64_t courier, const char *reason, json_t **out, vis_err *err);

#endif
