/* sql_dispatch — the SQL of on-demand delivery. See schema_dispatch.c. */
#include "store/sql_dispatch.h"

#define JOB_SELECT                                                                                        \
    "SELECT j.id, j.client_id, j.place_id, j.drop_lat_e6, j.drop_lon_e6, j.note, j.state, j.placed_ms, j.ready_ms," \
    " j.currency, j.price_micros, j.distance_m, j.expected_ms, j.zone, j.zone_pm, j.tod_pm, j.offer_id,"          \
    " j.courier_id, j.shift_id, j.seq, j.pay_base, j.pay_distance, j.pay_time, j.pay_waiting, j.paid_micros,"    \
    " j.accepted_ms, j.picked_ms, j.delivered_ms, j.cancelled_ms, p.name, p.lat_e6, p.lon_e6"                     \
    " FROM disp_jobs j JOIN disp_places p ON p.id = j.place_id"

const char SQL_DISP_PLACE_INSERT[] =
    "INSERT INTO disp_places(client_id, name, lat_e6, lon_e6, created_ms) VALUES ($1, $2, $3, $4, $5)";
const char SQL_DISP_PLACE_GET[] =
    "SELECT id, name, lat_e6, lon_e6, created_ms, client_id FROM disp_places WHERE id = $1";
const char SQL_DISP_PLACES_OF[] =
    "SELECT id, name, lat_e6, lon_e6, created_ms, client_id FROM disp_places WHERE client_id = $1 ORDER BY id";
const char SQL_DISP_SHIFT_INSERT[] =
    "INSERT INTO disp_shifts(courier_id, start_ms) VALUES ($1, $2)";
const char SQL_DISP_SHIFT_GET[] =
    "SELECT id, courier_id, start_ms, end_ms, orders, pay_base, pay_distance, pay_time, pay_waiting,"
    " pay_compensation, guarantee_micros, topup_micros, inside_ms FROM disp_shifts WHERE id = $1";
const char SQL_DISP_SHIFT_START[] = "SELECT start_ms FROM disp_shifts WHERE id = $1";
const char SQL_DISP_SHIFT_LAST[] =
    "SELECT id FROM disp_shifts WHERE courier_id = $1 ORDER BY id DESC LIMIT 1";
const char SQL_DISP_SHIFT_END[] =
    "UPDATE disp_shifts SET end_ms = $2, guarantee_micros = $3, topup_micros = $4 WHERE id = $1";
const char SQL_DISP_SHIFT_ADD_PAY[] =
    "UPDATE disp_shifts SET orders = orders + 1, pay_base = pay_base + $2, pay_distance = pay_distance + $3,"
    " pay_time = pay_time + $4, pay_waiting = pay_waiting + $5 WHERE id = $1";
const char SQL_DISP_SHIFT_ADD_COMP[] =
    "UPDATE disp_shifts SET pay_compensation = pay_compensation + $2 WHERE id = $1";
const char SQL_DISP_COURIER_GET[] =
    "SELECT courier_id, shift_id, lat_e6, lon_e6, pos_ms, idle_since_ms, visit_place, visit_ms, visit_paid"
    " FROM disp_couriers WHERE courier_id = $1";
const char SQL_DISP_COURIER_ONLINE[] =
    "INSERT INTO disp_couriers(courier_id, shift_id, lat_e6, lon_e6, pos_ms, idle_since_ms, visit_place,"
    " visit_ms, visit_paid) VALUES ($1, $2, $3, $4, $5, $5, NULL, NULL, 0) ON CONFLICT (courier_id) DO UPDATE SET"
    " shift_id = excluded.shift_id, lat_e6 = excluded.lat_e6, lon_e6 = excluded.lon_e6, pos_ms = excluded.pos_ms,"
    " idle_since_ms = excluded.idle_since_ms, visit_place = NULL, visit_ms = NULL, visit_paid = 0";
const char SQL_DISP_COURIER_OFFLINE[] =
    "UPDATE disp_couriers SET shift_id = NULL, lat_e6 = NULL, lon_e6 = NULL, pos_ms = NULL,"
    " idle_since_ms = NULL, visit_place = NULL, visit_ms = NULL, visit_paid = 0 WHERE courier_id = $1";
const char SQL_DISP_COURIER_POSITION[] =
    "UPDATE disp_couriers SET lat_e6 = $2, lon_e6 = $3, pos_ms = $4 WHERE courier_id = $1 AND shift_id IS NOT NULL";
const char SQL_DISP_COURIER_BUSY[] =
    "UPDATE disp_couriers SET idle_since_ms = NULL WHERE courier_id = $1";
const char SQL_DISP_COURIER_IDLE[] =
    "UPDATE disp_couriers SET idle_since_ms = $2, visit_place = NULL, visit_ms = NULL, visit_paid = 0"
    " WHERE courier_id = $1 AND shift_id IS NOT NULL AND idle_since_ms IS NULL";
const char SQL_DISP_COURIER_VISIT[] =
    "UPDATE disp_couriers SET visit_place = $2, visit_ms = $3, visit_paid = 0 WHERE courier_id = $1";
const char SQL_DISP_COURIER_VISIT_PAID[] =
    "UPDATE disp_couriers SET visit_paid = visit_paid + $2 WHERE courier_id = $1";
const char SQL_DISP_COURIER_ACTIVE_COUNT[] =
    "SELECT COUNT(*) FROM disp_jobs WHERE courier_id = $1 AND state IN ('assigned', 'picked_up')";
const char SQL_DISP_COURIER_PENDING_COUNT[] =
    "SELECT COUNT(*) FROM disp_offers WHERE courier_id = $1 AND state = 'pending' AND expires_ms > $2";
const char SQL_DISP_COURIER_PICKUPS[] =
    "SELECT p.id, p.lat_e6, p.lon_e6, MIN(j.id) FROM disp_jobs j JOIN disp_places p ON p.id = j.place_id"
    " WHERE j.courier_id = $1 AND j.state = 'assigned' GROUP BY p.id, p.lat_e6, p.lon_e6 ORDER BY p.id";
const char SQL_DISP_JOB_INSERT[] =
    "INSERT INTO disp_jobs(client_id, place_id, drop_lat_e6, drop_lon_e6, note, placed_ms, ready_ms, currency,"
    " price_micros, distance_m, expected_ms, zone, zone_pm, tod_pm)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
const char SQL_DISP_JOB_GET[] = JOB_SELECT " WHERE j.id = $1";
const char SQL_DISP_JOBS_OF_CLIENT[] = JOB_SELECT " WHERE j.client_id = $1 ORDER BY j.id DESC LIMIT 200";
const char SQL_DISP_JOBS_OF_COURIER[] = JOB_SELECT " WHERE j.courier_id = $1 AND j.state IN ('assigned', 'picked_up') ORDER BY j.seq, j.id";
const char SQL_DISP_JOBS_LIVE[] = JOB_SELECT " WHERE j.state IN ('open', 'offered', 'assigned', 'picked_up') ORDER BY j.id LIMIT 1000";
const char SQL_DISP_JOBS_OF_SHIFT[] =
    "SELECT id, state, COALESCE(delivered_ms, cancelled_ms, accepted_ms), pay_base, pay_distance, pay_time,"
    " pay_waiting, paid_micros FROM disp_jobs WHERE shift_id = $1 ORDER BY id";
const char SQL_DISP_JOB_OFFERED[] =
    "UPDATE disp_jobs SET state = 'offered', offer_id = $2 WHERE id = $1 AND state = 'open'";
const char SQL_DISP_JOBS_REOPEN[] =
    "UPDATE disp_jobs SET state = 'open', offer_id = NULL WHERE offer_id = $1 AND state = 'offered'";
const char SQL_DISP_JOBS_ACCEPT[] =
    "UPDATE disp_jobs SET state = 'assigned', courier_id = $2, shift_id = $3, accepted_ms = $4, seq = oj.seq,"
    " pay_base = oj.pay_base, pay_distance = oj.pay_distance, pay_time = oj.pay_time, pay_waiting = 0"
    " FROM disp_offer_jobs oj WHERE oj.offer_id = $1 AND oj.job_id = disp_jobs.id AND disp_jobs.offer_id = $1"
    " AND disp_jobs.state = 'offered'";
const char SQL_DISP_JOB_PICKED[] =
    "UPDATE disp_jobs SET state = 'picked_up', picked_ms = $2, pay_waiting = pay_waiting + $3 WHERE id = $1 AND state = 'assigned'";
const char SQL_DISP_JOB_DELIVERED[] =
    "UPDATE disp_jobs SET state = 'delivered', delivered_ms = $2, paid_micros = $3 WHERE id = $1 AND state = 'picked_up'";
const char SQL_DISP_JOB_CANCEL[] =
    "UPDATE disp_jobs SET state = 'cancelled', cancelled_ms = $2, paid_micros = $3, offer_id = NULL"
    " WHERE id = $1 AND state IN ('open', 'assigned')";
const char SQL_DISP_JOB_UNASSIGN[] =
    "UPDATE disp_jobs SET state = 'open', courier_id = NULL, shift_id = NULL, offer_id = NULL, accepted_ms = NULL,"
    " seq = 0, pay_base = 0, pay_distance = 0, pay_time = 0, pay_waiting = 0 WHERE id = $1 AND state = 'assigned'";
const char SQL_DISP_OFFER_INSERT[] =
    "INSERT INTO disp_offers(courier_id, shift_id, source, created_ms, expires_ms, decision_event, distance_m,"
    " expected_ms, wait_ms, zone, zone_pm, tod_pm, pay_base, pay_distance, pay_time, pay_waiting, pay_micros,"
    " arrive_ms, pickup_ms, dropoff_ms)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)";
const char SQL_DISP_OFFER_JOB_INSERT[] =
    "INSERT INTO disp_offer_jobs(offer_id, job_id, seq, pay_base, pay_distance, pay_time)"
    " VALUES ($1, $2, $3, $4, $5, $6)";
const char SQL_DISP_OFFER_GET[] =
    "SELECT id, courier_id, shift_id, source, state, created_ms, expires_ms, decided_ms, distance_m, expected_ms,"
    " wait_ms, zone, zone_pm, tod_pm, pay_base, pay_distance, pay_time, pay_waiting, pay_micros, arrive_ms,"
    " pickup_ms, dropoff_ms, decision_event FROM disp_offers WHERE id = $1";
const char SQL_DISP_OFFER_HEAD[] =
    "SELECT courier_id, state, expires_ms FROM disp_offers WHERE id = $1";
const char SQL_DISP_OFFER_JOBS[] =
    "SELECT oj.job_id, oj.seq, oj.pay_base, oj.pay_distance, oj.pay_time, j.ready_ms, j.drop_lat_e6, j.drop_lon_e6,"
    " p.id, p.name, p.lat_e6, p.lon_e6 FROM disp_offer_jobs oj JOIN disp_jobs j ON j.id = oj.job_id"
    " JOIN disp_places p ON p.id = j.place_id WHERE oj.offer_id = $1 ORDER BY oj.seq";
const char SQL_DISP_OFFER_JOB_IDS[] =
    "SELECT job_id FROM disp_offer_jobs WHERE offer_id = $1 ORDER BY seq";
const char SQL_DISP_OFFER_SET_STATE[] =
    "UPDATE disp_offers SET state = $2, decided_ms = $3 WHERE id = $1 AND state = 'pending'";
const char SQL_DISP_OFFERS_PENDING_OF[] =
    "SELECT id FROM disp_offers WHERE courier_id = $1 AND state = 'pending' ORDER BY id";
const char SQL_DISP_OFFERS_LIVE_OF[] =
    "SELECT id FROM disp_offers WHERE courier_id = $1 AND state = 'pending' AND expires_ms > $2 ORDER BY id";
const char SQL_DISP_OFFERS_PENDING[] =
    "SELECT id FROM disp_offers WHERE state = 'pending' ORDER BY id LIMIT 500";
const char SQL_DISP_OFFERS_DUE[] =
    "SELECT id, courier_id FROM disp_offers WHERE state = 'pending' AND expires_ms <= $1 ORDER BY id LIMIT 64";
const char SQL_DISP_EPOCH_COURIERS[] =
    "SELECT c.courier_id, c.shift_id, s.start_ms, c.lat_e6, c.lon_e6, c.idle_since_ms, c.visit_place, c.visit_ms,"
    " s.orders, (SELECT COUNT(*) FROM disp_offers o WHERE o.courier_id = c.courier_id AND o.state = 'pending')"
    " FROM disp_couriers c JOIN disp_shifts s ON s.id = c.shift_id"
    " WHERE c.shift_id IS NOT NULL AND c.lat_e6 IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM disp_off_duty d WHERE d.courier_id = c.courier_id)" /* off duty: no offers */
    " ORDER BY c.courier_id";
const char SQL_DISP_EPOCH_JOBS[] =
    "SELECT j.id, j.place_id, j.courier_id, j.drop_lat_e6, j.drop_lon_e6, p.lat_e6, p.lon_e6, j.placed_ms, j.ready_ms,"
    " j.state, j.seq FROM disp_jobs j JOIN disp_places p ON p.id = j.place_id"
    " WHERE j.state IN ('open', 'assigned', 'picked_up') AND j.placed_ms <= $1 ORDER BY j.id";
const char SQL_DISP_EPOCH_DECLINED[] =
    "SELECT o.courier_id, oj.job_id FROM disp_offer_jobs oj JOIN disp_offers o ON o.id = oj.offer_id"
    " JOIN disp_jobs j ON j.id = oj.job_id WHERE o.state = 'declined' AND j.state = 'open'"
    " UNION ALL SELECT h.courier_id, h.job_id FROM disp_handbacks h JOIN disp_jobs j ON j.id = h.job_id"
    " WHERE j.state = 'open'"; /* a job handed back is not offered to that courier again */
/* the courier's route events of a shift, in journal order (distance of a
   delivery: disp_svc_route.c); uses the journal's (worker_id, at_ms) index */
const char SQL_DISP_ROUTE_EVENTS[] =
    "SELECT event, payload FROM journal WHERE worker_id = $1 AND at_ms >= $2 AND family = 'dispatch'"
    " AND event IN ('accepted', 'picked_up', 'delivered') ORDER BY id";
const char SQL_DISP_ROUTE_IN_HAND[] =
    "SELECT j.place_id, j.state, j.drop_lat_e6, j.drop_lon_e6 FROM disp_jobs j WHERE j.courier_id = $1"
    " AND j.state IN ('assigned', 'picked_up') ORDER BY j.accepted_ms, j.seq, j.id";
const char SQL_DISP_BOARD_COURIERS[] =
    "SELECT c.courier_id, a.name, c.shift_id, s.start_ms, c.lat_e6, c.lon_e6, c.pos_ms, c.idle_since_ms,"
    " (SELECT COUNT(*) FROM disp_jobs j WHERE j.courier_id = c.courier_id AND j.state IN ('assigned', 'picked_up')),"
    " (SELECT COUNT(*) FROM disp_offers o WHERE o.courier_id = c.courier_id AND o.state = 'pending'"
    "  AND o.expires_ms > $1), d.since_ms, d.reason, d.admin_id,"
    " COALESCE((SELECT v.vehicle FROM disp_vehicles v WHERE v.courier_id = c.courier_id), 'bicycle')"
    " FROM disp_couriers c JOIN accounts a ON a.id = c.courier_id JOIN disp_shifts s ON s.id = c.shift_id"
    " LEFT JOIN disp_off_duty d ON d.courier_id = c.courier_id"
    " WHERE c.shift_id IS NOT NULL ORDER BY c.courier_id";

/* off duty (an admin's decision), hand-backs, location exceptions: migration 12 */
const char SQL_DISP_OFF_DUTY_SET[] =
    "INSERT INTO disp_off_duty(courier_id, since_ms, reason, admin_id) VALUES ($1, $2, $3, $4)";
const char SQL_DISP_OFF_DUTY_GET[] = "SELECT since_ms, reason, admin_id FROM disp_off_duty WHERE courier_id = $1";
const char SQL_DISP_OFF_DUTY_END[] = "DELETE FROM disp_off_duty WHERE courier_id = $1";
const char SQL_DISP_OFF_DUTY_ALL[] =
    "SELECT d.courier_id, a.name, d.since_ms, d.reason, d.admin_id, c.shift_id IS NOT NULL"
    " FROM disp_off_duty d JOIN accounts a ON a.id = d.courier_id LEFT JOIN disp_couriers c"
    " ON c.courier_id = d.courier_id ORDER BY d.courier_id LIMIT 1000";
const char SQL_DISP_HANDBACK_INSERT[] =
    "INSERT INTO disp_handbacks(job_id, courier_id, at_ms, reason) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (job_id, courier_id) DO UPDATE SET at_ms = excluded.at_ms, reason = excluded.reason";
const char SQL_DISP_LOCEX_INSERT[] =
    "INSERT INTO disp_loc_exceptions(job_id, courier_id, kind, at_ms, distance_m, limit_m, since_pickup_ms, min_ms,"
    " reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
#define LOCEX_SELECT \
    "SELECT id, job_id, courier_id, kind, at_ms, distance_m, limit_m, since_pickup_ms, min_ms, reason" \
    " FROM disp_loc_exceptions"
const char SQL_DISP_LOCEX_OF_JOB[] = LOCEX_SELECT " WHERE job_id = $1 ORDER BY id";
const char SQL_DISP_LOCEX_RECENT[] = LOCEX_SELECT " WHERE at_ms >= $1 ORDER BY id DESC LIMIT 200";

/* onboarding, service areas, time inside them: migration 13 */
const char SQL_DISP_ONBOARD_GET[] = "SELECT state, reason, since_ms, admin_id FROM disp_onboarding WHERE courier_id = $1";
const char SQL_DISP_ONBOARD_SET[] =
    "INSERT INTO disp_onboarding(courier_id, state, reason, since_ms, admin_id) VALUES ($1, $2, $3, $4, $5)"
    " ON CONFLICT (courier_id) DO UPDATE SET state = excluded.state, reason = excluded.reason,"
    " since_ms = excluded.since_ms, admin_id = excluded.admin_id";
/* worker accounts by onboarding state (no row: 'applied') */
const char SQL_DISP_ONBOARD_LIST[] =
    "SELECT a.id, a.name, a.email, COALESCE(o.state, 'applied'), COALESCE(o.reason, ''), o.since_ms, o.admin_id"
    " FROM accounts a LEFT JOIN disp_onboarding o ON o.courier_id = a.id"
    " WHERE a.role = 'worker' AND ($1 = '' OR COALESCE(o.state, 'applied') = $1) AND a.id > $2"
    " ORDER BY a.id LIMIT $3";
const char SQL_DISP_AREAS_ALL[] = "SELECT id, name, points, updated_ms, admin_id FROM disp_areas ORDER BY id";
const char SQL_DISP_AREAS_CLEAR[] = "DELETE FROM disp_areas";
const char SQL_DISP_AREA_INSERT[] =
    "INSERT INTO disp_areas(name, points, updated_ms, admin_id) VALUES ($1, $2, $3, $4)";
const char SQL_DISP_SHIFT_ADD_INSIDE[] = "UPDATE disp_shifts SET inside_ms = inside_ms + $2 WHERE id = $1";
const char SQL_DISP_SHIFT_INSIDE[] = "SELECT inside_ms FROM disp_shifts WHERE id = $1";

/* ---- h-fleet ---- vehicles and booked slots: migration 15 */
const char SQL_DISP_VEHICLE_GET[] = "SELECT vehicle, since_ms, set_by FROM disp_vehicles WHERE courier_id = $1";
const char SQL_DISP_VEHICLE_SET[] =
    "INSERT INTO disp_vehicles(courier_id, vehicle, since_ms, set_by) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (courier_id) DO UPDATE SET vehicle = excluded.vehicle, since_ms = excluded.since_ms,"
    " set_by = excluded.set_by";
const char SQL_DISP_VEHICLES_ALL[] = "SELECT courier_id, vehicle FROM disp_vehicles ORDER BY courier_id";
#define SLOT_SELECT \
    "SELECT s.id, s.area, s.start_ms, s.end_ms, s.capacity," \
    " (SELECT COUNT(*) FROM disp_slot_bookings b WHERE b.slot_id = s.id AND b.cancelled_ms IS NULL)," \
    " (SELECT COUNT(*) FROM disp_slot_bookings b WHERE b.slot_id = s.id AND b.courier_id = $1" \
    " AND b.cancelled_ms IS NULL) FROM disp_slots s"
const char SQL_DISP_SLOT_INSERT[] =
    "INSERT INTO disp_slots(area, start_ms, end_ms, capacity, created_ms, admin_id) VALUES ($1, $2, $3, $4, $5, $6)";
const char SQL_DISP_SLOT_GET[] = SLOT_SELECT " WHERE s.id = $2";
const char SQL_DISP_SLOTS_FROM[] = SLOT_SELECT " WHERE s.end_ms > $2 ORDER BY s.start_ms, s.id LIMIT 500";
const char SQL_DISP_SLOT_BOOKED[] =
    "SELECT COUNT(*) FROM disp_slot_bookings WHERE slot_id = $1 AND cancelled_ms IS NULL";
const char SQL_DISP_SLOT_MINE[] =
    "SELECT id FROM disp_slot_bookings WHERE slot_id = $1 AND courier_id = $2 AND cancelled_ms IS NULL";
const char SQL_DISP_SLOT_BOOK[] =
    "INSERT INTO disp_slot_bookings(slot_id, courier_id, booked_ms) VALUES ($1, $2, $3)";
const char SQL_DISP_SLOT_CANCEL[] =
    "UPDATE disp_slot_bookings SET cancelled_ms = $2, late = $3, reason = $4 WHERE id = $1 AND cancelled_ms IS NULL";
/* the courier's live bookings overlapping [$2, $3), by start */
const char SQL_DISP_SLOTS_OF_COURIER[] =
    "SELECT s.area, s.start_ms, s.end_ms FROM disp_slot_bookings b JOIN disp_slots s ON s.id = b.slot_id"
    " WHERE b.courier_id = $1 AND b.cancelled_ms IS NULL AND s.start_ms < $3 AND s.end_ms > $2"
    " ORDER BY s.start_ms";

/* ---- h-notify ---- */
/* status callbacks to the restaurant: settings (client -> url, secret) */
const char SQL_DISP_HOOK_GET[] = "SELECT url, secret FROM disp_hooks WHERE client_id = $1";
/* client, url, secret, now */
const char SQL_DISP_HOOK_PUT[] =
    "INSERT INTO disp_hooks(client_id, url, secret, updated_ms) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT(client_id) DO UPDATE SET url = excluded.url, secret = excluded.secret,"
    " updated_ms = excluded.updated_ms";
/* client, job, event, body, next, now */
const char SQL_DISP_CB_INSERT[] =
    "INSERT INTO disp_callbacks(client_id, job_id, event, body, next_ms, created_ms) VALUES ($1, $2, $3, $4, $5, $6)";
/* now, limit -> id, client, body, attempts, url, secret */
const char SQL_DISP_CB_DUE[] =
    "SELECT c.id, c.client_id, c.body, c.attempts, COALESCE(h.url, ''), COALESCE(h.secret, '')"
    " FROM disp_callbacks c LEFT JOIN disp_hooks h ON h.client_id = c.client_id"
    " WHERE c.state = 'pending' AND c.next_ms <= $1 ORDER BY c.next_ms, c.id LIMIT $2";
/* id, now, status */
const char SQL_DISP_CB_DELIVERED[] =
    "UPDATE disp_callbacks SET state = 'delivered', attempts = attempts + 1, delivered_ms = $2, last_status = $3,"
    " last_error = '' WHERE id = $1";
/* id, next, error, status|NULL */
const char SQL_DISP_CB_FAILED[] =
    "UPDATE disp_callbacks SET attempts = attempts + 1, next_ms = $2, last_error = $3, last_status = $4 WHERE id = $1";
/* client -> id, event, state, attempts, next, error, status, created, delivered */
const char SQL_DISP_CB_OF_CLIENT[] =
    "SELECT id, event, state, attempts, next_ms, last_error, COALESCE(last_status, -1), created_ms,"
    " COALESCE(delivered_ms, -1) FROM disp_callbacks WHERE client_id = $1 ORDER BY id DESC LIMIT 200";
/* the journal cursor the outbox is filled from */
const char SQL_DISP_NOTIFY_CURSOR[] = "SELECT journal_id FROM disp_notify_cursor WHERE id = 1";
const char SQL_DISP_NOTIFY_CURSOR_SET[] = "UPDATE disp_notify_cursor SET journal_id = $1 WHERE id = 1";
/* after, limit -> id, at, event, payload */
const char SQL_DISP_NOTIFY_EVENTS[] =
    "SELECT id, at_ms, event, payload FROM journal WHERE family = 'dispatch' AND id > $1 ORDER BY id LIMIT $2";
/* job -> client, state, url of the client's callbacks ('' = none) */
const char SQL_DISP_NOTIFY_JOB[] =
    "SELECT j.client_id, j.state, COALESCE(h.url, '') FROM disp_jobs j"
    " LEFT JOIN disp_hooks h ON h.client_id = j.client_id WHERE j.id = $1";
/* drop-off contact: job, address, name, phone, instructions */
const char SQL_DISP_DROPOFF_PUT[] =
    "INSERT INTO disp_dropoffs(job_id, address, recipient_name, phone, instructions) VALUES ($1, $2, $3, $4, $5)";
/* job -> address, name, phone, instructions, erased|-1 */
const char SQL_DISP_DROPOFF_GET[] =
    "SELECT address, recipient_name, phone, instructions, COALESCE(erased_ms, -1) FROM disp_dropoffs WHERE job_id = $1";
/* now, ended before: erase the name and phone of jobs delivered or cancelled before $2 */
const char SQL_DISP_DROPOFF_ERASE[] =
    "UPDATE disp_dropoffs SET recipient_name = '', phone = '', erased_ms = $1 WHERE erased_ms IS NULL"
    " AND job_id IN (SELECT id FROM disp_jobs WHERE state IN ('delivered', 'cancelled')"
    " AND COALESCE(delivered_ms, cancelled_ms) <= $2)";
/* alerts. now, lead, alert -> id, since (the later of posting and release
 * for offering), ready: jobs unassigned for alert ms since they could be
 * offered, not yet alerted */
const char SQL_DISP_ALERT_UNASSIGNED[] =
    "SELECT j.id, CASE WHEN j.placed_ms > j.ready_ms - $2 THEN j.placed_ms ELSE j.ready_ms - $2 END, j.ready_ms"
    " FROM disp_jobs j WHERE j.state IN ('open', 'offered') AND j.placed_ms <= $1"
    " AND j.placed_ms <= $1 - $3 AND j.ready_ms - $2 <= $1 - $3"
    " AND NOT EXISTS (SELECT 1 FROM disp_alerts a WHERE a.job_id = j.id AND a.kind = 'no_courier_found')"
    " ORDER BY j.id LIMIT 200";
/* now, grace -> id, promised (ready + quoted courier time): jobs not
 * delivered by promised + grace, not yet alerted */
const char SQL_DISP_ALERT_LATE[] =
    "SELECT j.id, j.ready_ms + j.expected_ms FROM disp_jobs j"
    " WHERE j.state IN ('open', 'offered', 'assigned', 'picked_up') AND j.placed_ms <= $1"
    " AND j.ready_ms + j.expected_ms + $2 < $1"
    " AND NOT EXISTS (SELECT 1 FROM disp_alerts a WHERE a.job_id = j.id AND a.kind = 'late')"
    " ORDER BY j.id LIMIT 200";
/* job, kind, since, now, reason */
const char SQL_DISP_ALERT_INSERT[] =
    "INSERT INTO disp_alerts(job_id, kind, since_ms, raised_ms, reason) VALUES ($1, $2, $3, $4, $5)";
/* -> job, kind, since, raised, reason, state, promised, client, place: alerts
 * of jobs still concerned (unassigned; not delivered) */
const char SQL_DISP_ALERTS_OPEN[] =
    "SELECT a.job_id, a.kind, a.since_ms, a.raised_ms, a.reason, j.state, j.ready_ms + j.expected_ms, j.client_id,"
    " j.place_id FROM disp_alerts a JOIN disp_jobs j ON j.id = a.job_id"
    " WHERE (a.kind = 'no_courier_found' AND j.state IN ('open', 'offered'))"
    " OR (a.kind = 'late' AND j.state IN ('open', 'offered', 'assigned', 'picked_up'))"
    " ORDER BY a.since_ms, a.job_id LIMIT 500";
/* job -> offers made, declined, expired */
const char SQL_DISP_JOB_OFFER_COUNTS[] =
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN o.state = 'declined' THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN o.state = 'expired' THEN 1 ELSE 0 END), 0)"
    " FROM disp_offer_jobs oj JOIN disp_offers o ON o.id = oj.offer_id WHERE oj.job_id = $1";
/* -> couriers online and on duty */
const char SQL_DISP_ONLINE_ON_DUTY[] =
    "SELECT COUNT(*) FROM disp_couriers c WHERE c.shift_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM disp_off_duty d WHERE d.courier_id = c.courier_id)";

/* ---- the restaurant's live jobs (issue 16: GET /v1/delivery/events) ---- */
/* client, since -> ids of the client's jobs live now or ended at or after
 * since (newest first) */
const char SQL_DISP_CLIENT_CHANGED[] =
    "SELECT id FROM disp_jobs WHERE client_id = $1 AND (state IN ('open', 'offered', 'assigned', 'picked_up')"
    " OR delivered_ms >= $2 OR cancelled_ms >= $2) ORDER BY id DESC LIMIT 50";
/* job -> kind, since, raised, reason: the alerts raised on a job */
const char SQL_DISP_ALERTS_OF_JOB[] =
    "SELECT kind, since_ms, raised_ms, reason FROM disp_alerts WHERE job_id = $1 ORDER BY raised_ms, kind";
