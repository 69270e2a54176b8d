/*
 * disp_service — on-demand delivery as a platform service (issue 5), on
 * top of the pure engine (disp_engine, disp_price).
 *
 * Who. Couriers are worker accounts; clients (restaurants, shops) are client
 * accounts with pickup places; admins watch the board and may reassign.
 *
 * State lives in the store (migration 3: disp_places, disp_couriers,
 * disp_shifts, disp_jobs, disp_offers, disp_offer_jobs). Every epoch
 * rebuilds the engine state from those rows inside one write transaction,
 * so a failed epoch rolls back and loses nothing, and a restart needs no
 * recovery step.
 *
 * Coordinates. The API takes WGS84 lat/lon (stored as integer
 * micro-degrees); the engine works in planar metres from an equirectangular
 * projection around the city's reference point (dispatch.ref_lat_e6 /
 * dispatch.ref_lon_e6): x = R·Δλ·cos φ0, y = R·Δφ. Within ~50 km of the
 * reference the distance error stays under 0.5 %.
 *
 * Lifecycle of a job: open → offered (a dispatch decision made it an offer
 * to one courier, with an expiry) → assigned (accepted) → picked_up →
 * delivered; or cancelled by the client before pickup. A decline, an
 * expiry, a courier going offline or an admin reassignment sends the offer's
 * jobs back to open. A decline has no consequence for future offers: the
 * engine keeps no memory of it and scores the courier exactly as before;
 * the only effect is that the declined job itself is not offered to that
 * courier again.
 *
 * Pay. A rule set (client and courier tariffs: base + per km + per minute,
 * zones as lat/lon polygons and time-of-day factors, waiting pay, the
 * guaranteed minimum) prices each job for the client when it is posted
 * (held in escrow) and prices each offer for the courier before acceptance
 * (pay and breakdown: distance, expected time, expected waiting). Waiting at
 * the restaurant beyond the free threshold is paid per started minute, from
 * the arrival (reported, or detected from positions) to the pickup.
 * Delivery pays the courier's share from the job's escrow, the rest of the
 * escrow is the platform's fee; when the escrow is short (waiting pay,
 * admin compensation) the difference comes from the platform's subsidy
 * account (ledger kind "external", ref "dispatch:subsidy"), which also pays
 * the end-of-shift top-up to the guaranteed minimum (MDRP model: a courier
 * earns max(pay for orders, guarantee per hour × hours online)); since issue
 * 15 only online hours inside a service area count, and only approved
 * couriers go online (disp_area.h).
 *
 * Time. Journal spans make GET /v1/me/earnings exact: "waiting" from going
 * online (or the last delivery) to accepting an offer or going offline,
 * "active" from accepting to delivering (or cancellation / reassignment).
 * Positions are kept only while online, one row per courier (refused while
 * offline); the journal never holds coordinates.
 *
 * Every function runs inside the caller's store transaction (they nest)
 * and returns 0 or an error code with err filled; request answers are
 * jansson objects.
 */
#ifndef VIS_DISPATCH_DISP_SERVICE_H
#define VIS_DISPATCH_DISP_SERVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "core/account.h"
#include "base/clock.h"
#include "core/config.h"
#include "store/store.h"
#include "core/decisions.h"
#include "core/svc.h"

/* The service context (core/svc.h): who is the caller (the courier, the
 * client or the admin), NULL for the system (epochs, demo seeding). */
typedef svc_ctx disp_ctx;

/* ---- couriers (the caller is the courier) ---- */
int disp_courier_online(disp_ctx *c, double lat, double lon, json_t **out, vis_err *err);
int disp_courier_offline(disp_ctx *c, json_t **out, vis_err *err);
int disp_courier_position(disp_ctx *c, double lat, double lon, json_t **out, vis_err *err);
int disp_courier_offers(disp_ctx *c, json_t **out, vis_err *err);
int disp_offer_accept(disp_ctx *c, int64_t offer, json_t **out, vis_err *err);
int disp_offer_decline(disp_ctx *c, int64_t offer, json_t **out, vis_err *err);
int disp_courier_jobs(disp_ctx *c, json_t **out, vis_err *err);
int disp_job_arrived(disp_ctx *c, int64_t job, json_t **out, vis_err *err);
int disp_job_picked_up(disp_ctx *c, int64_t job, json_t **out, vis_err *err);
int disp_job_delivered(disp_ctx *c, int64_t job, json_t **out, vis_err *err);
/* The current shift (or the last one) with its pay so far and breakdown. */
int disp_courier_shift(disp_ctx *c, json_t **out, vis_err *err);

/* Location check (issue 15). A pickup is checked against the courier's last
 * position: farther than dispatch.location_check_m from the pickup place
 * (or no position known) is refused with 409 away_from_pickup; a delivery
 * likewise against the drop-off (away_from_dropoff), and it must come at
 * least the straight pickup → drop-off distance at dispatch.max_speed_m_per_min
 * after the pickup (too_soon_after_pickup). With a `reason` (non-NULL,
 * non-empty) the courier's report is accepted as an exception: stored
 * (disp_loc_exceptions), journalled ("location_exception", with the
 * distance, the limit and the reason) and shown on the board and in the
 * job's tracking. The versions without reason pass NULL. */
int disp_job_picked_up_why(disp_ctx *c, int64_t job, const char *reason, json_t **out, vis_err *err);
int disp_job_delivered_why(disp_ctx *c, int64_t job, const char *reason, json_t **out, vis_err *err);
/* A job's location exceptions, as a JSON array (for tracking). */
int disp_job_exceptions(disp_ctx *c, int64_t job, json_t **out, vis_err *err);
/* Hand a job back before pickup, with a reason, without going offline: the
 * job returns to open (journalled "handed_back", closing the courier's
 * active span as a reassignment does; no penalty and no compensation), and
 * it is never offered to this courier again. */
int disp_job_hand_back(disp_ctx *c, int64_t job, const char *reason, json_t **out, vis_err *err);
/* Decline with an optional reason (stored in the "declined" event). */
int disp_offer_decline_why(disp_ctx *c, int64_t offer, const char *reason, json_t **out, vis_err *err);
/* The courier's duty state as JSON: {"off_duty": false} or
 * {"off_duty": true, "since_ms", "reason"}. */
json_t *disp_duty_json(disp_ctx *c, int64_t courier, vis_err *err);

/* ---- clients ---- */
int disp_place_create(disp_ctx *c, const char *name, double lat, double lon, json_t **out, vis_err *err);
int disp_place_list(disp_ctx *c, json_t **out, vis_err *err);
/* Price a job without posting it. */
int disp_job_quote(disp_ctx *c, int64_t place, double lat, double lon, json_t **out, vis_err *err);
/* The quote with the ready time of the job to post (ready_in_s, or ready_at_ms >= 0 for a scheduled
 * order, checked as at posting): adds ready_ms, promised_ms (ready + the quoted courier time),
 * schedule_until_ms and courier_pay (the courier tariff on the pickup -> drop-off ride). */
int disp_job_quote_ex(disp_ctx *c, int64_t place, double lat, double lon, int64_t ready_in_s, int64_t ready_at_ms,
                      json_t **out, vis_err *err);
int disp_job_post(disp_ctx *c, int64_t place, double lat, double lon, int64_t ready_in_s, const char *note,
                  json_t **out, vis_err *err);
int disp_job_list(disp_ctx *c, json_t **out, vis_err *err);
/* Tracking: state, price, courier position while on the job, ETA. admin:
 * any job; else only the caller's own. */
int disp_job_track(disp_ctx *c, int64_t job, bool admin, json_t **out, vis_err *err);
int disp_job_cancel(disp_ctx *c, int64_t job, const char *reason, json_t **out, vis_err *err);

/* ---- admins ---- */
int disp_board(disp_ctx *c, json_t **out, vis_err *err);
/* A human override: withdraw the job from whoever holds it (an accepting
 * courier is paid their base share) and offer it to courier. Journalled
 * as "reassigned" with the admin as actor. */
int disp_job_reassign(disp_ctx *c, int64_t job, int64_t courier, const char *reason, json_t **out, vis_err *err);
/* Take a courier off duty (a human decision with a reason, journalled
 * "off_duty" with the admin as actor): their pending offers are withdrawn
 * and the dispatcher offers them nothing until they are put back on duty
 * ("on_duty"). Jobs already in hand stay theirs. Kept across shifts. */
int disp_courier_off_duty(disp_ctx *c, int64_t courier, const char *reason, json_t **out, vis_err *err);
int disp_courier_on_duty(disp_ctx *c, int64_t courier, const char *reason, json_t **out, vis_err *err);
/* The effective pricing rule set; replace it (validated) in the store. */
int disp_rules_get(disp_ctx *c, json_t **out, vis_err *err);
int disp_rules_put(disp_ctx *c, json_t *spec, json_t **out, vis_err *err);

/* ---- the dispatcher ---- */
/* One epoch at c->now_ms in one transaction: expire offers, rebuild the
 * engine state, decide, turn decisions into offers, journal each decision
 * (automated, with inputs and score). *out (may be NULL) gets a summary. */
int disp_run_epoch(disp_ctx *c, json_t **out, vis_err *err);

/* The dispatcher thread of `visible serve`: its own store connection, one
 * epoch every dispatch.epoch_ms of the platform clock (checked 10 times a
 * second of real time, so a test clock jump is seen at once). Not started
 * when dispatch.auto is false (tests run epochs by hand). */
typedef struct disp_service disp_service;
int  disp_service_start(store_pool *pool, vis_clock *clock, const vis_config *cfg, disp_service **out, vis_err *err);
void disp_service_stop(disp_service *s);

/* Demo content: a small city (restaurants of the demo client "Rapid
 * Eats", a second restaurant client, courier accounts, a pricing rule set
 * with a centre zone and meal peaks) and a stream of jobs placed over the
 * next two hours. Runs inside demo_seed's transaction. */
int disp_demo_seed(store *db, const vis_config *cfg, const account_pwcost *cost, int64_t now_ms, FILE *out,
                   vis_err *err);


/* ---- vehicles and booked slots (issue 15, disp_svc_slots.c) ---- */
/* Vehicles: walking, bicycle (the reference: dispatch.speed_m_per_min, and
 * every courier without a vehicle set), e_bike, scooter, car, each with a
 * planning speed (dispatch.speed_*_m_per_min) used by the engine for that
 * courier's pairs and so for the offer's expected time and pay; a walking
 * courier is offered no trip longer than dispatch.walking_max_trip_m. The
 * client's quote and price assume the reference vehicle (the client does
 * not choose the courier). Set by the courier or an admin; journalled
 * ("vehicle_set"). */
#define DISP_VEHICLE_DEFAULT "bicycle"
bool disp_vehicle_valid(const char *v);
int64_t disp_vehicle_speed(const vis_config *cfg, const char *v);   /* m/min */
int64_t disp_vehicle_max_trip_m(const vis_config *cfg, const char *v); /* 0 = none */
int disp_vehicle_of(disp_ctx *c, int64_t courier, char *out, size_t n, vis_err *err);
json_t *disp_vehicle_json(disp_ctx *c, int64_t courier, vis_err *err);
int disp_courier_vehicle_set(disp_ctx *c, int64_t courier, const char *vehicle, json_t **out, vis_err *err);
/* Booked slots (dispatch.slots): the admin publishes slots per service area
 * (by name; start, end, capacity); couriers book them (journalled
 * "slot_booked") and cancel them at any time before their end (journalled
 * "slot_cancelled"; after the cut-off dispatch.slot_cancel_cutoff_min the
 * cancellation is recorded as late, with no consequence). With slots on, the
 * guarantee counts online time inside a booked slot and its area only
 * (disp_slots_counted: the union of the courier's booked slots over [from,
 * to) whose area holds the position). */
extern const char disp_slot_rule[];
int disp_slots_list(disp_ctx *c, json_t **out, vis_err *err);
int disp_slot_create(disp_ctx *c, const char *area, int64_t start_ms, int64_t end_ms, int64_t capacity,
                     json_t **out, vis_err *err);
int disp_slot_book(disp_ctx *c, int64_t slot, json_t **out, vis_err *err);
int disp_slot_cancel(disp_ctx *c, int64_t slot, const char *reason, json_t **out, vis_err *err);
int disp_slots_counted(disp_ctx *c, int64_t courier, int64_t lat, int64_t lon, int64_t from, int64_t to,
                       int64_t *ms, vis_err *err);
/* The courier's booked slot running now, else the next one (JSON null: none). */
json_t *disp_slot_now_json(disp_ctx *c, int64_t courier, vis_err *err);

/* ---- day one (issue 15; disp_svc_notify.c) ----
 * Status callbacks to the restaurant: its callback URL and signing secret
 * (made on first use, rotated on request), its recent callbacks and failures.
 * disp_notify_run queues the callbacks of the job events journalled since
 * the last run, raises the alerts that are due (no courier found: still
 * unassigned dispatch.unassigned_alert_s after it could first be offered;
 * late: not delivered by ready time + quoted courier time +
 * dispatch.late_grace_s) and erases drop-off names and phones past their
 * retention; it runs at every epoch. */
int disp_hooks_get(disp_ctx *c, json_t **out, vis_err *err);
int disp_hooks_put(disp_ctx *c, json_t *body, json_t **out, vis_err *err);
int disp_notify_run(disp_ctx *c, vis_err *err);
/* Only the callbacks part of disp_notify_run (the ticker, every second). */
int disp_notify_collect(disp_ctx *c, vis_err *err);
/* The board's alerts, as a JSON array. */
int disp_alerts_json(disp_ctx *c, json_t **out, vis_err *err);
/* Drop-off contact {address, recipient_name, phone, instructions}: check
 * (NULL passes), store for a job, and add "dropoff_contact" to job objects
 * as `who` ("client", "courier", "admin", "offer") may see it. */
int disp_dropoff_check(json_t *dropoff, vis_err *err);
int disp_dropoff_store(disp_ctx *c, int64_t job, json_t *dropoff, vis_err *err);
int disp_dropoff_decorate(disp_ctx *c, json_t *job, const char *who, vis_err *err);
int disp_dropoff_decorate_all(disp_ctx *c, json_t *jobs, const char *who, vis_err *err);
int disp_offers_decorate(disp_ctx *c, json_t *offers, vis_err *err);
/* Post a job with the day-one options: ready_at_ms (>= 0: a scheduled
 * order, ready then, at most dispatch.schedule_max_s ahead; else ready in
 * ready_in_s) and a drop-off contact (may be NULL). */
int disp_job_post_ex(disp_ctx *c, int64_t place, double lat, double lon, int64_t ready_in_s, int64_t ready_at_ms,
                     const char *note, json_t *dropoff, json_t **out, vis_err *err);

/* ---- the restaurant's console (issue 16; disp_svc_events.c) ----
 * The alerts raised on a job, [{kind, since_ms, raised_ms, reason, active}]
 * (active: no courier found while still unassigned, late until it ends;
 * state is the job's state as shown). What changed for the caller (a
 * client) since since_ms: {time_ms, since_ms, jobs} with its jobs live now
 * or ended at or after since_ms (newest first, at most 50), each as
 * disp_job_track shows it, with dropoff_contact and alerts. */
int disp_job_alerts(disp_ctx *c, int64_t job, const char *state, json_t **out, vis_err *err);
int disp_client_changes(disp_ctx *c, int64_t since_ms, json_t **out, vis_err *err);

/* Dispatch's automated-decision kinds, with their plain-language texts
 * (core/decisions.h; ends with a NULL family). */
extern const decision_kind disp_decision_kinds[];

#endif
