"""API tests of on-demand delivery (issue 5, the service half) against the
real binary: a courier's shift, a client's job, declines without
consequence, expiry, cancellation, reassignment, pricing rules, positions
refused while offline, the dispatcher thread, a restart, the demo city and
bad input. Epochs are run by hand (POST /v1/admin/dispatch/run-epoch, test
clock only) and time jumps with POST /v1/admin/clock: nothing sleeps for an
epoch or an expiry."""
import json
import os
import signal
import subprocess
import time
import unittest

from vis import BIN, Client, Server, approve_courier, signup

T0 = 1736935200000  # 2025-01-15 10:00 UTC (11:00 in the default tz offset)
MIN = 60000
REF = (48.8566, 2.3522)  # the default dispatch.ref_lat_e6 / ref_lon_e6


def near(dlat=0.0, dlon=0.0):
    return {"lat": REF[0] + dlat, "lon": REF[1] + dlon}


class Base(unittest.TestCase):
    extra = ()

    def setUp(self):
        self.srv = Server("--set", "dispatch.auto=false", *self.extra)
        self.adm = self.srv.admin()
        self.clock(set_ms=T0)

    def tearDown(self):
        self.srv.close()

    # helpers
    def clock(self, **kw):
        r = self.adm.post("/v1/admin/clock", kw)
        self.assertEqual(r.status, 200, r)
        return r.json["now_ms"]

    def epoch(self):
        r = self.adm.post("/v1/admin/dispatch/run-epoch")
        self.assertEqual(r.status, 200, r)
        return r.json

    def client(self, funds=100000000):
        acct, cl = signup(self.srv, "client")
        r = self.adm.post("/v1/admin/accounts/%d/credit" % acct["id"], {"amount_micros": funds, "reason": "test"})
        self.assertEqual(r.status, 201, r)
        r = cl.post("/v1/delivery/places", dict(name="Kitchen %d" % acct["id"], **near()))
        self.assertEqual(r.status, 201, r)
        return acct, cl, r.json["id"]

    def courier(self, online=True, pos=None):
        acct, w = signup(self.srv, "worker")
        approve_courier(self.srv, acct["id"])
        if online:
            r = w.post("/v1/courier/online", pos or near(-0.005, -0.004))
            self.assertEqual(r.status, 200, r)
        return acct, w

    def post_job(self, cl, place, dlat=0.012, dlon=0.008, key=None, **kw):
        body = {"place_id": place, "dropoff_lat": REF[0] + dlat, "dropoff_lon": REF[1] + dlon}
        body.update(kw)
        r = cl.post("/v1/delivery/jobs", body, headers={"Idempotency-Key": key} if key else None)
        self.assertEqual(r.status, 201, r)
        return r.json

    def offers(self, w):
        r = w.get("/v1/courier/offers")
        self.assertEqual(r.status, 200, r)
        return r.json["offers"]

    def journal(self, event=None, worker=None):
        q = ("SELECT id, event, actor_id, worker_id, automated, span_kind, span_start_ms, span_end_ms, amount_micros,"
             " payload, subject FROM journal WHERE family = 'dispatch'")
        args = []
        if event:
            q += " AND event = ?"
            args.append(event)
        if worker is not None:
            q += " AND worker_id = ?"
            args.append(worker)
        return self.srv.sql(q + " ORDER BY id", args)

    def assertError(self, r, status, code=None, field=None):
        self.assertEqual(r.status, status, r)
        self.assertIn("error", r.json or {}, r)
        if code:
            self.assertEqual(r.json["error"]["code"], code, r)
        if field:
            self.assertEqual(r.json["error"].get("field"), field, r)

    def assertSound(self):
        self.assertTrue(self.adm.get("/v1/admin/ledger").json["balanced"])
        self.assertTrue(self.adm.get("/v1/admin/journal/verify").json["ok"])


class CourierShift(Base):
    def test_shift_flow(self):
        """online, offer, decline, offer, accept, pick up, deliver, offline, pay with breakdown"""
        cacct, cl, place = self.client()
        wacct, w = self.courier()
        wid = wacct["id"]
        job_a = self.post_job(cl, place, key="job-a")
        ep = self.epoch()
        self.assertEqual(len(ep["offers"]), 1, ep)
        offers = self.offers(w)
        self.assertEqual(len(offers), 1)
        o = offers[0]
        # the offer shows the pay and its breakdown before the courier commits
        b = o["breakdown"]
        self.assertEqual(o["pay_micros"], b["base_micros"] + b["distance_micros"] + b["time_micros"]
                         + b["waiting_micros"])
        self.assertGreater(b["distance_micros"], 0)
        self.assertGreater(b["time_micros"], 0)
        self.assertGreater(o["distance_m"], 0)
        self.assertGreater(o["expected_ms"], 0)
        self.assertIn("expected_wait_ms", o)
        self.assertEqual([j["id"] for j in o["jobs"]], [job_a["id"]])
        self.assertIn("dropoff", o["jobs"][0])
        self.assertGreater(o["expires_ms"], T0)
        # decline: the job goes back to open, nothing else changes for the courier
        self.clock(advance_ms=2 * MIN)
        r = w.post("/v1/courier/offers/%d/decline" % o["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "declined")
        self.assertEqual(cl.get("/v1/delivery/jobs/%d" % job_a["id"]).json["state"], "open")
        self.assertEqual(self.offers(w), [])
        # the next job is offered to the same courier (the declined one is not re-offered to them)
        job_b = self.post_job(cl, place, dlat=-0.01, dlon=0.01)
        ep = self.epoch()
        self.assertEqual((ep["held_declined"], ep["declined_excluded"]), (0, 1), ep)  # issue 15: nothing held
        offers = self.offers(w)
        self.assertEqual([j["id"] for j in offers[0]["jobs"]], [job_b["id"]])
        self.clock(advance_ms=1 * MIN)
        r = w.post("/v1/courier/offers/%d/accept" % offers[0]["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "accepted")
        r = w.get("/v1/courier/jobs")
        self.assertEqual([j["id"] for j in r.json["jobs"]], [job_b["id"]])
        self.assertEqual(r.json["jobs"][0]["state"], "assigned")
        # the client sees the courier's position while on the job, and an ETA
        t = cl.get("/v1/delivery/jobs/%d" % job_b["id"]).json
        self.assertEqual(t["courier_id"], wid)
        self.assertIsNotNone(t["courier_position"])
        self.assertGreater(t["eta"]["dropoff_ms"], t["eta"]["pickup_ms"])
        # arrive at the restaurant from a position; wait 10 minutes (5 free, 5 paid)
        self.clock(advance_ms=4 * MIN)
        r = w.post("/v1/courier/position", near(0.0003, 0.0))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(self.journal("arrived", wid)), 1)
        self.clock(advance_ms=10 * MIN)
        r = w.post("/v1/courier/jobs/%d/picked-up" % job_b["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "picked_up")
        self.assertEqual(r.json["courier_pay"]["waiting_micros"], 5 * 200000)
        self.clock(advance_ms=10 * MIN)
        go_to_dropoff(self, w, job_b["id"])  # issue 15: deliveries are checked against the drop-off
        r = w.post("/v1/courier/jobs/%d/delivered" % job_b["id"])
        self.assertEqual(r.status, 200, r)
        pay = r.json["courier_pay"]
        self.assertEqual(r.json["state"], "delivered")
        self.assertEqual(pay["paid_micros"], pay["total_micros"])
        self.assertEqual(pay["base_micros"] + pay["distance_micros"] + pay["time_micros"], offers[0]["pay_micros"]
                         - offers[0]["breakdown"]["waiting_micros"])
        # shift so far
        s = w.get("/v1/courier/shift").json
        self.assertTrue(s["online"])
        self.assertEqual(s["orders"], 1)
        self.assertEqual(s["pay"]["orders_total_micros"], pay["paid_micros"])
        self.assertEqual(s["pay"]["waiting_micros"], 1000000)
        self.assertEqual([j["job"] for j in s["jobs"]], [job_b["id"]])
        self.clock(advance_ms=5 * MIN)
        r = w.post("/v1/courier/offline")
        self.assertEqual(r.status, 200, r)
        s = r.json
        self.assertFalse(s["online"])
        self.assertEqual(s["online_ms"], 32 * MIN)
        g = s["guarantee"]
        self.assertTrue(g["final"])
        self.assertEqual(g["guaranteed_micros"], 12000000 * 32 // 60)
        self.assertEqual(g["topup_micros"], max(0, g["guaranteed_micros"] - s["pay"]["orders_total_micros"]))
        self.assertEqual(s["total_micros"], max(g["guaranteed_micros"], s["pay"]["orders_total_micros"]))
        # time: active = accept -> delivery; waiting = online and not on a job
        self.assertEqual(s["time"]["active_ms"], 24 * MIN)
        self.assertEqual(s["time"]["waiting_ms"], 3 * MIN + 5 * MIN)
        e = w.get("/v1/me/earnings?from=%d&to=%d" % (T0, T0 + 32 * MIN + 1)).json  # the top-up is paid at the end
        self.assertEqual(e["active_ms"], 24 * MIN)
        self.assertEqual(e["waiting_ms"], 8 * MIN)
        self.assertEqual(e["paid_micros"], s["total_micros"])
        # the delivery carries its distance, so per-km costs a courier declares can apply
        delivered = json.loads(self.journal("delivered", wid)[0][9])
        self.assertGreater(delivered["distance_m"], 0)
        self.assertEqual(w.get("/v1/me/balance").json["earnings_micros"], s["total_micros"])
        # money: the client paid the price into escrow; escrow is empty after delivery
        bal = cl.get("/v1/me/balance").json
        self.assertEqual(bal["escrow_micros"], job_a["price_micros"])  # job A is still open
        self.assertEqual(bal["available_micros"], 100000000 - job_a["price_micros"] - job_b["price_micros"])
        # journal: every step, the decisions automated with inputs and score
        events = [row[1] for row in self.journal(worker=wid)]
        for ev in ["online", "dispatch_decision", "offered", "declined", "accepted", "arrived", "picked_up", "paid",
                   "delivered", "offline"]:
            self.assertIn(ev, events)
        for row in self.journal("dispatch_decision"):
            self.assertEqual(row[4], 1)
            self.assertIsNone(row[2])
            self.assertIn('"score"', row[9])
            self.assertIn('"inputs"', row[9])
            self.assertNotIn('"lat"', row[9])  # no coordinates in the permanent record
        self.assertSound()
        # no location kept after the shift
        self.assertEqual(self.srv.sql("SELECT lat_e6, lon_e6, pos_ms FROM disp_couriers WHERE courier_id = ?",
                                      (wid,)), [(None, None, None)])

    def test_decline_has_no_consequence(self):
        cacct, cl, place = self.client()
        xa, x = self.courier()
        ya, y = self.courier()
        j1 = self.post_job(cl, place)
        self.epoch()
        ox, oy = self.offers(x), self.offers(y)
        self.assertEqual(len(ox) + len(oy), 1)
        first, other = (x, y) if ox else (y, x)
        o = (ox or oy)[0]
        self.assertEqual(first.post("/v1/courier/offers/%d/decline" % o["id"]).status, 200)
        # the declined job goes to the other courier
        self.epoch()
        self.assertEqual(self.offers(first), [])
        oo = self.offers(other)
        self.assertEqual([j["id"] for j in oo[0]["jobs"]], [j1["id"]])
        self.assertEqual(other.post("/v1/courier/offers/%d/accept" % oo[0]["id"]).status, 200)
        # the courier who declined is offered the next job just like before
        j2 = self.post_job(cl, place, dlat=-0.008)
        self.epoch()
        o2 = self.offers(first)
        self.assertEqual(len(o2), 1)
        self.assertEqual([j["id"] for j in o2[0]["jobs"]], [j2["id"]])
        # the decline is journalled, with no consequence, and is not an input of decisions
        decl = self.journal("declined")
        self.assertEqual(len(decl), 1)
        self.assertIn("none", decl[0][9])
        for row in self.journal("dispatch_decision"):
            self.assertIn('"declines":"not an input"', row[9])

    def test_offer_expiry(self):
        cacct, cl, place = self.client()
        wacct, w = self.courier()
        job = self.post_job(cl, place)
        self.epoch()
        o = self.offers(w)[0]
        self.clock(advance_ms=2 * MIN + 1)
        self.assertEqual(self.offers(w), [])
        self.assertError(w.post("/v1/courier/offers/%d/accept" % o["id"]), 409, "offer_expired")
        ep = self.epoch()
        self.assertEqual(ep["expired"], 1)
        self.assertEqual(len(self.journal("offer_expired")), 1)
        # an expiry is not a decline: the same courier may get the job again
        o2 = self.offers(w)
        self.assertEqual([j["id"] for j in o2[0]["jobs"]], [job["id"]])
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o2[0]["id"]).status, 200)
        self.assertError(w.post("/v1/courier/offers/%d/accept" % o2[0]["id"]), 409, "offer_not_pending")

    def test_positions_refused_while_offline(self):
        wacct, w = self.courier(online=False)
        before = self.srv.snapshot()
        r = w.post("/v1/courier/position", near())
        self.assertError(r, 409, "offline")
        after = self.srv.snapshot()
        self.assertEqual(before, after)  # nothing stored, not even in the journal
        self.assertEqual(w.post("/v1/courier/online", near()).status, 200)
        self.assertEqual(w.post("/v1/courier/position", near(0.001)).status, 200)
        rows = self.srv.sql("SELECT lat_e6, pos_ms FROM disp_couriers WHERE courier_id = ?", (wacct["id"],))
        self.assertEqual(rows, [(int(round((REF[0] + 0.001) * 1e6)), T0)])
        self.assertError(w.post("/v1/courier/online", near()), 409, "already_online")
        self.assertEqual(w.post("/v1/courier/offline").status, 200)
        self.assertError(w.post("/v1/courier/position", near()), 409, "offline")
        self.assertError(w.post("/v1/courier/offline"), 409, "offline")
        self.assertEqual(self.srv.sql("SELECT lat_e6, lon_e6, pos_ms FROM disp_couriers"), [(None, None, None)])
        # no location data in the journal at all
        for row in self.journal():
            self.assertNotIn("lat", row[9])
        # going offline with a job in hand is refused; its pending offers are withdrawn
        cacct, cl, place = self.client()
        self.assertEqual(w.post("/v1/courier/online", near()).status, 200)
        self.post_job(cl, place)
        self.epoch()
        o = self.offers(w)[0]
        self.assertEqual(w.post("/v1/courier/offline").status, 200)
        self.assertEqual(len(self.journal("offer_withdrawn")), 1)
        self.assertEqual(self.srv.sql("SELECT state FROM disp_offers WHERE id = ?", (o["id"],)), [("withdrawn",)])
        self.assertEqual(w.post("/v1/courier/online", near()).status, 200)
        self.epoch()
        o = self.offers(w)[0]
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o["id"]).status, 200)
        self.assertError(w.post("/v1/courier/offline"), 409, "jobs_in_progress")


class ClientJobs(Base):
    def test_job_flow_and_tracking(self):
        cacct, cl, place = self.client()
        q = cl.post("/v1/delivery/quote", {"place_id": place, "dropoff_lat": REF[0] + 0.012,
                                           "dropoff_lon": REF[1] + 0.008})
        self.assertEqual(q.status, 200, q)
        job = self.post_job(cl, place, key="k-1", note="ring twice", ready_in_s=300)
        self.assertEqual(job["price_micros"], q.json["price_micros"])
        self.assertEqual(job["state"], "open")
        self.assertEqual(job["note"], "ring twice")
        self.assertEqual(job["ready_ms"], T0 + 300000)
        # idempotent: a replay returns the same job and charges nothing more
        again = self.post_job(cl, place, key="k-1", note="ring twice", ready_in_s=300)
        self.assertEqual(again["id"], job["id"])
        bal = cl.get("/v1/me/balance").json
        self.assertEqual(bal["escrow_micros"], job["price_micros"])
        self.assertEqual(bal["available_micros"], 100000000 - job["price_micros"])
        self.assertEqual(len(cl.get("/v1/delivery/jobs").json["jobs"]), 1)
        t = cl.get("/v1/delivery/jobs/%d" % job["id"]).json
        self.assertIsNone(t["courier_position"])
        self.assertEqual(t["eta"]["pickup_ms"], T0 + 300000)
        # a courier delivers it
        wacct, w = self.courier()
        self.epoch()  # ready in 5 minutes, the courier is 4 minutes away: the engine waits
        self.clock(advance_ms=3 * MIN)
        self.epoch()
        o = self.offers(w)
        self.assertEqual(len(o), 1, self.srv.sql("SELECT state FROM disp_jobs"))
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o[0]["id"]).status, 200)
        t = cl.get("/v1/delivery/jobs/%d" % job["id"]).json
        self.assertEqual(t["state"], "assigned")
        self.assertAlmostEqual(t["courier_position"]["lat"], REF[0] - 0.005, places=6)
        self.assertEqual(w.post("/v1/courier/jobs/%d/arrived" % job["id"]).status, 200)
        go_to_place(self, w, job["id"])  # issue 15: pickups are checked against the place
        self.assertEqual(w.post("/v1/courier/jobs/%d/picked-up" % job["id"]).status, 200)
        self.clock(advance_ms=8 * MIN)
        self.assertEqual(w.post("/v1/courier/position", near(0.01, 0.007)).status, 200)
        t = cl.get("/v1/delivery/jobs/%d" % job["id"]).json
        self.assertEqual(t["state"], "picked_up")
        self.assertAlmostEqual(t["courier_position"]["lat"], REF[0] + 0.01, places=6)
        self.assertGreater(t["eta"]["dropoff_ms"], T0 + 11 * MIN)
        r = w.post("/v1/courier/jobs/%d/delivered" % job["id"])
        self.assertEqual(r.status, 200)
        t = cl.get("/v1/delivery/jobs/%d" % job["id"]).json
        self.assertEqual(t["state"], "delivered")
        self.assertIsNone(t["courier_position"])  # not after the job
        self.assertEqual(t["eta"]["dropoff_ms"], T0 + 11 * MIN)
        self.assertEqual(cl.get("/v1/me/balance").json["escrow_micros"], 0)
        # the platform keeps the difference (or pays it from its subsidy account)
        paid = r.json["courier_pay"]["paid_micros"]
        rows = self.srv.sql("SELECT kind, ref, balance FROM ledger_accounts WHERE kind IN ('platform_fees', 'external')"
                            " AND ref IN ('', 'dispatch:subsidy') ORDER BY kind")
        fees = sum(b for k, ref, b in rows if k == "platform_fees")
        subsidy = sum(b for k, ref, b in rows if ref == "dispatch:subsidy")
        self.assertEqual(fees + subsidy, job["price_micros"] - paid)
        # cannot cancel after delivery; another client sees nothing
        self.assertError(cl.post("/v1/delivery/jobs/%d/cancel" % job["id"]), 409, "not_cancellable")
        oacct, other, oplace = self.client()
        self.assertError(other.get("/v1/delivery/jobs/%d" % job["id"]), 404)
        self.assertError(other.post("/v1/delivery/jobs/%d/cancel" % job["id"]), 404)
        self.assertEqual(self.adm.get("/v1/delivery/jobs/%d" % job["id"]).status, 200)
        self.assertSound()

    def test_cancellation(self):
        cacct, cl, place = self.client()
        start = cl.get("/v1/me/balance").json["available_micros"]
        # open: full refund
        j1 = self.post_job(cl, place)
        r = cl.post("/v1/delivery/jobs/%d/cancel" % j1["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "cancelled")
        self.assertEqual(cl.get("/v1/me/balance").json["available_micros"], start)
        # offered: the offer is withdrawn, full refund
        wacct, w = self.courier()
        j2 = self.post_job(cl, place)
        self.epoch()
        o = self.offers(w)[0]
        self.assertEqual(cl.post("/v1/delivery/jobs/%d/cancel" % j2["id"]).status, 200)
        self.assertEqual(self.offers(w), [])
        self.assertError(w.post("/v1/courier/offers/%d/accept" % o["id"]), 409, "offer_not_pending")
        self.assertEqual(cl.get("/v1/me/balance").json["available_micros"], start)
        # accepted: the courier keeps the base share of the pay, the rest is refunded
        j3 = self.post_job(cl, place)
        self.epoch()
        o = self.offers(w)[0]
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o["id"]).status, 200)
        self.clock(advance_ms=3 * MIN)
        r = cl.post("/v1/delivery/jobs/%d/cancel" % j3["id"])
        self.assertEqual(r.status, 200, r)
        comp = o["breakdown"]["base_micros"]
        self.assertEqual(cl.get("/v1/me/balance").json["available_micros"], start - comp)
        self.assertEqual(w.get("/v1/me/balance").json["earnings_micros"], comp)
        ev = self.journal("job_cancelled", wacct["id"])
        self.assertEqual(len(ev), 1)
        self.assertEqual((ev[0][5], ev[0][7] - ev[0][6]), ("active", 3 * MIN))
        self.assertEqual(w.get("/v1/courier/jobs").json["jobs"], [])
        self.assertEqual(w.get("/v1/courier/shift").json["pay"]["compensation_micros"], comp)
        # picked up: too late
        j4 = self.post_job(cl, place)
        self.epoch()
        o = self.offers(w)[0]
        w.post("/v1/courier/offers/%d/accept" % o["id"])
        go_to_place(self, w, j4["id"])  # issue 15: pickups are checked against the place
        self.assertEqual(w.post("/v1/courier/jobs/%d/picked-up" % j4["id"]).status, 200)
        self.assertError(cl.post("/v1/delivery/jobs/%d/cancel" % j4["id"]), 409, "not_cancellable")
        self.assertError(cl.post("/v1/delivery/jobs/%d/cancel" % j1["id"]), 409, "not_cancellable")
        self.assertSound()

    def test_insufficient_funds(self):
        cacct, cl, place = self.client(funds=1000000)
        r = cl.post("/v1/delivery/jobs", {"place_id": place, "dropoff_lat": REF[0] + 0.01,
                                          "dropoff_lon": REF[1]})
        self.assertError(r, 409, "insufficient_funds")
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM disp_jobs"), [(0,)])


class Admin(Base):
    def test_board_and_reassign(self):
        cacct, cl, place = self.client()
        aa, a = self.courier()
        job = self.post_job(cl, place)
        self.epoch()
        o = self.offers(a)[0]
        self.assertEqual(a.post("/v1/courier/offers/%d/accept" % o["id"]).status, 200)
        ba, b = self.courier(pos=near(0.002, 0.002))
        board = self.adm.get("/v1/admin/dispatch/board").json
        self.assertEqual(sorted(c["courier_id"] for c in board["couriers"]), sorted([aa["id"], ba["id"]]))
        self.assertEqual(board["counts"]["assigned"], 1)
        states = {c["courier_id"]: c["state"] for c in board["couriers"]}
        self.assertEqual(states, {aa["id"]: "on_job", ba["id"]: "waiting"})
        self.clock(advance_ms=4 * MIN)
        # only admins; the target must be an online courier
        self.assertError(cl.post("/v1/admin/dispatch/jobs/%d/reassign" % job["id"],
                                 {"courier_id": ba["id"], "reason": "x"}), 403)
        off_acct, off = self.courier(online=False)
        self.assertError(self.adm.post("/v1/admin/dispatch/jobs/%d/reassign" % job["id"],
                                       {"courier_id": off_acct["id"], "reason": "x"}), 409, "courier_offline")
        self.assertError(self.adm.post("/v1/admin/dispatch/jobs/%d/reassign" % job["id"],
                                       {"courier_id": cacct["id"], "reason": "x"}), 400, "not_a_courier")
        self.assertError(self.adm.post("/v1/admin/dispatch/jobs/%d/reassign" % job["id"],
                                       {"courier_id": aa["id"], "reason": "x"}), 409, "already_assigned")
        r = self.adm.post("/v1/admin/dispatch/jobs/%d/reassign" % job["id"],
                          {"courier_id": ba["id"], "reason": "courier A has a flat tyre"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["offer"]["source"], "admin")
        self.assertEqual(r.json["job"]["state"], "offered")
        # A: active span closed and compensated; B: a manual offer with pay, which B may decline
        away = self.journal("reassigned_away", aa["id"])
        self.assertEqual((away[0][5], away[0][7] - away[0][6]), ("active", 4 * MIN))
        self.assertEqual(a.get("/v1/me/balance").json["earnings_micros"], o["breakdown"]["base_micros"])
        ev = self.journal("reassigned", ba["id"])
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0][2], 1)  # the admin acted
        self.assertEqual(ev[0][4], 0)  # a human decision
        self.assertIn("flat tyre", ev[0][9])
        ob = self.offers(b)
        self.assertEqual(len(ob), 1)
        self.assertGreater(ob[0]["pay_micros"], 0)
        self.assertEqual(b.post("/v1/courier/offers/%d/accept" % ob[0]["id"]).status, 200)
        self.assertEqual(a.get("/v1/courier/jobs").json["jobs"], [])
        self.assertEqual(b.get("/v1/courier/jobs").json["jobs"][0]["id"], job["id"])
        self.assertError(self.adm.post("/v1/admin/dispatch/jobs/999/reassign", {"courier_id": ba["id"],
                                                                               "reason": "x"}), 404)
        self.assertSound()

    def test_pricing_rules(self):
        cacct, cl, place = self.client()
        base = cl.post("/v1/delivery/quote", {"place_id": place, "dropoff_lat": REF[0] + 0.01,
                                              "dropoff_lon": REF[1]}).json
        self.assertEqual(base["pricing"]["zone"], "")
        r = self.adm.get("/v1/admin/dispatch/rules")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["currency"], "EUR")
        rules = r.json["rules"]
        self.assertEqual(rules["zones"], [])
        d = 0.01
        rules["zones"] = [{"name": "centre", "factor_permille": 1500,
                           "polygon": [[REF[0] - d, REF[1] - d], [REF[0] - d, REF[1] + d], [REF[0] + d, REF[1] + d],
                                       [REF[0] + d, REF[1] - d]]}]
        rules["time_of_day"] = [{"from": "10:30", "to": "12:00", "factor_permille": 2000}]  # 11:00 local now
        r = self.adm.request("PUT", "/v1/admin/dispatch/rules", body=rules)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["rules"]["zones"][0]["name"], "centre")
        q = cl.post("/v1/delivery/quote", {"place_id": place, "dropoff_lat": REF[0] + 0.01,
                                           "dropoff_lon": REF[1]}).json
        self.assertEqual(q["pricing"], {"zone": "centre", "zone_factor_permille": 1500, "time_factor_permille": 2000})
        self.assertGreaterEqual(q["price_micros"], base["price_micros"] * 3 - 3)
        # a place outside the zone, later in the day: no factor
        far = cl.post("/v1/delivery/places", {"name": "Out", "lat": REF[0] + 0.05, "lon": REF[1]}).json
        self.clock(advance_ms=3 * 60 * MIN)
        q2 = cl.post("/v1/delivery/quote", {"place_id": far["id"], "dropoff_lat": REF[0] + 0.06,
                                            "dropoff_lon": REF[1]}).json
        self.assertEqual(q2["pricing"], {"zone": "", "zone_factor_permille": 1000, "time_factor_permille": 1000})
        # the offer's courier pay follows the same factors
        wacct, w = self.courier()
        self.post_job(cl, far["id"], dlat=0.06, dlon=0.0)
        self.epoch()
        self.assertEqual(self.offers(w)[0]["breakdown"]["zone_factor_permille"], 1000)
        self.assertEqual(len(self.journal("rules_changed")), 1)
        # bad rule sets change nothing
        before = self.adm.get("/v1/admin/dispatch/rules").json
        for bad, field in [({"zones": [{"name": "x", "factor_permille": 1000, "polygon": [[1, 2], [3, 4]]}]},
                            "zones[0].polygon"),
                           ({"zones": [{"name": "x", "factor_permille": 1000, "polygon": [[1, 2], [3, 4], [91, 4]]}]},
                            "zones[0].polygon"),
                           ({"zones": [{"name": "x", "polygon": [[1, 2], [3, 4], [5, 6]]}]},
                            "zones[0].factor_permille"),
                           ({"time_of_day": [{"from": "25:00", "to": "12:00", "factor_permille": 1}]},
                            "time_of_day[0].from"),
                           ({"time_of_day": [{"from": "10:00", "to": "noon", "factor_permille": 1}]},
                            "time_of_day[0].to"),
                           ({"client": {"base_micros": -1}}, "client.base_micros"),
                           ({"courier": {"per_km": 5}}, "courier.per_km"),
                           ({"surge": 2}, "surge"),
                           ({"tz_offset_min": 100000}, "tz_offset_min")]:
            r = self.adm.request("PUT", "/v1/admin/dispatch/rules", body=bad)
            self.assertError(r, 400, field=field)
        self.assertEqual(self.adm.get("/v1/admin/dispatch/rules").json, before)
        self.assertError(cl.get("/v1/admin/dispatch/rules"), 403)


class BadInput(Base):
    def test_bad_input_everywhere(self):
        cacct, cl, place = self.client()
        wacct, w = self.courier(online=False)
        before = self.srv.snapshot()
        for body, field in [({}, "lat"), ({"lat": 48.8}, "lon"), ({"lat": "48.8", "lon": 2.3}, "lat"),
                            ({"lat": 91, "lon": 2.3}, "lat"), ({"lat": 48.8, "lon": 181}, "lon"),
                            ({"lat": 48.8, "lon": 2.3, "speed": 3}, "speed"), ({"lat": None, "lon": 2.3}, "lat")]:
            self.assertError(w.post("/v1/courier/online", body), 400, field=field)
            self.assertError(w.post("/v1/courier/position", body), 400, field=field)
        self.assertError(w.post("/v1/courier/online", raw=b'{"lat": 48.8, "lat": 48.9, "lon": 2}'), 400)
        self.assertError(w.post("/v1/courier/online", raw=b'[1,2]'), 400)
        self.assertError(w.post("/v1/courier/online", raw=b'{"lat": 1e999, "lon": 2}'), 400)
        self.assertError(w.post("/v1/courier/online"), 400, "body_required")
        for body, status, field in [
                ({"place_id": place, "dropoff_lat": 48.87}, 400, "dropoff_lon"),
                ({"place_id": "1", "dropoff_lat": 48.87, "dropoff_lon": 2.36}, 400, "place_id"),
                ({"place_id": 0, "dropoff_lat": 48.87, "dropoff_lon": 2.36}, 400, "place_id"),
                ({"place_id": 999, "dropoff_lat": 48.87, "dropoff_lon": 2.36}, 404, "place_id"),
                ({"place_id": place, "dropoff_lat": 95, "dropoff_lon": 2.36}, 400, "dropoff_lat"),
                ({"place_id": place, "dropoff_lat": 48.87, "dropoff_lon": -200}, 400, "dropoff_lon"),
                ({"place_id": place, "dropoff_lat": 49.9, "dropoff_lon": 2.36}, 400, "dropoff_lat"),
                ({"place_id": place, "dropoff_lat": 48.87, "dropoff_lon": 2.36, "ready_in_s": -1}, 400, "ready_in_s"),
                ({"place_id": place, "dropoff_lat": 48.87, "dropoff_lon": 2.36, "ready_in_s": 7201}, 400,
                 "ready_in_s"),
                ({"place_id": place, "dropoff_lat": 48.87, "dropoff_lon": 2.36, "note": "x" * 501}, 400, "note"),
                ({"place_id": place, "dropoff_lat": 48.87, "dropoff_lon": 2.36, "tip": 5}, 400, "tip")]:
            self.assertError(cl.post("/v1/delivery/jobs", body), status, field=field)
            if "ready_in_s" not in body and "note" not in body and "tip" not in body:
                self.assertError(cl.post("/v1/delivery/quote", body), status, field=field)
        self.assertError(cl.post("/v1/delivery/jobs", {"place_id": place, "dropoff_lat": 48.87, "dropoff_lon": 2.36},
                                 headers={"Idempotency-Key": "bad key"}), 400, field="Idempotency-Key")
        for body, field in [({"name": "", "lat": 48.8, "lon": 2.3}, "name"), ({"name": "x" * 121, "lat": 1, "lon": 2},
                                                                              "name"),
                            ({"name": "A", "lat": 48.8}, "lon"), ({"name": "A", "lat": -86, "lon": 2}, "lat")]:
            self.assertError(cl.post("/v1/delivery/places", body), 400, field=field)
        # another client's place
        oacct, other, oplace = self.client()
        before = self.srv.snapshot()
        self.assertError(cl.post("/v1/delivery/jobs", {"place_id": oplace, "dropoff_lat": 48.87,
                                                       "dropoff_lon": 2.36}), 404, field="place_id")
        # ids
        for path in ["/v1/courier/offers/abc/accept", "/v1/courier/offers/0/accept", "/v1/courier/offers/99/accept",
                     "/v1/courier/offers/99/decline", "/v1/courier/jobs/99/picked-up", "/v1/courier/jobs/x/delivered",
                     "/v1/courier/jobs/99/arrived"]:
            self.assertError(w.post(path), 404)
        self.assertError(cl.get("/v1/delivery/jobs/abc"), 404)
        self.assertError(cl.get("/v1/delivery/jobs/12345"), 404)
        self.assertError(cl.post("/v1/delivery/jobs/12345/cancel"), 404)
        # roles
        self.assertError(w.post("/v1/delivery/jobs", {"place_id": place, "dropoff_lat": 48.87, "dropoff_lon": 2.36}),
                         403)
        self.assertError(cl.post("/v1/courier/online", near()), 403)
        self.assertError(w.get("/v1/admin/dispatch/board"), 403)
        self.assertError(w.post("/v1/admin/dispatch/run-epoch"), 403)
        self.assertError(self.srv.client().get("/v1/courier/offers"), 401)
        self.assertError(w.get("/v1/courier/shift"), 404, "no_shift")
        self.assertError(self.adm.post("/v1/admin/dispatch/jobs/1/reassign", {"courier_id": "2", "reason": "x"}), 400,
                         field="courier_id")
        self.assertError(self.adm.post("/v1/admin/dispatch/jobs/1/reassign", {"courier_id": 2}), 400, field="reason")
        after = self.srv.snapshot()
        for t in ("accounts", "tokens", "journal"):
            before.pop(t), after.pop(t)
        self.assertEqual(before, after)
        # state errors on a real job
        self.assertEqual(w.post("/v1/courier/online", near()).status, 200)
        job = self.post_job(cl, place)
        self.epoch()
        o = self.offers(w)[0]
        xacct, x = self.courier()
        self.assertError(x.post("/v1/courier/offers/%d/accept" % o["id"]), 404)  # not theirs
        self.assertError(w.post("/v1/courier/jobs/%d/picked-up" % job["id"]), 404)  # not accepted yet
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o["id"]).status, 200)
        self.assertError(w.post("/v1/courier/offers/%d/decline" % o["id"]), 409, "offer_not_pending")
        self.assertError(w.post("/v1/courier/jobs/%d/delivered" % job["id"]), 409, "invalid_state")
        self.assertError(x.post("/v1/courier/jobs/%d/picked-up" % job["id"]), 404)

    def test_run_epoch_needs_test_clock(self):
        import shutil
        import tempfile
        d = tempfile.mkdtemp(prefix="visible-test-")
        p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--db", os.path.join(d, "plain.db"),
                              "--set", "dispatch.auto=false", "--quiet"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        try:
            line = p.stdout.readline()
            port = int(line.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
            p.stdout.readline()
            tok = open(os.path.join(d, "admin.token")).read().strip()
            self.assertError(Client(port, tok).post("/v1/admin/dispatch/run-epoch"), 404, "no_route")
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=30)
            p.stdout.close()
            shutil.rmtree(d, ignore_errors=True)


# the dispatcher's distances: equirectangular projection around the reference point (disp_svc_rules.c)
EARTH_R = 6371008.8


def proj(lat, lon):
    import math
    return (EARTH_R * math.radians(lon - REF[1]) * math.cos(math.radians(REF[0])),
            EARTH_R * math.radians(lat - REF[0]))


def dist_m(a, b):
    """Metres between two (lat, lon) points, rounded as the dispatcher rounds one leg."""
    import math
    (x1, y1), (x2, y2) = proj(*a), proj(*b)
    return int(math.floor(math.hypot(x2 - x1, y2 - y1) + 0.5))


class CourierRoute(Base):
    """Issue 14, item 4: a delivery's distance (the one per-km costs apply to) is the courier's route: the
    ride to the pickup from where they accepted, then pickup -> drop-off; in a bundle each leg is counted
    once, by the delivery it ends at."""

    def deliver(self, w, job_id, at_place=True):
        if at_place:
            self.assertEqual(w.post("/v1/courier/position", near(0.0003, 0.0)).status, 200)
        self.clock(advance_ms=2 * MIN)
        r = w.post("/v1/courier/jobs/%d/picked-up" % job_id)
        self.assertEqual(r.status, 200, r)
        self.clock(advance_ms=6 * MIN)
        go_to_dropoff(self, w, job_id)  # issue 15: deliveries are checked against the drop-off
        r = w.post("/v1/courier/jobs/%d/delivered" % job_id)
        self.assertEqual(r.status, 200, r)
        return r.json

    def delivered(self, wid):
        return {p["job"]: p for p in (json.loads(row[9]) for row in self.journal("delivered", wid))}

    def test_distance_includes_the_ride_to_the_pickup(self):
        cacct, cl, place = self.client()
        start = (REF[0] - 0.002, REF[1])  # 222 m south of the pickup (the place is at REF)
        wacct, w = self.courier(pos={"lat": start[0], "lon": start[1]})
        wid = wacct["id"]
        # a per-km cost for deliveries, nothing per hour: the costs are the distance's alone
        r = w.post("/v1/me/costs", {"per_km_micros": 400000, "per_hour_micros": 0, "family": "dispatch"})
        self.assertEqual(r.status, 201, r)
        job = self.post_job(cl, place)
        drop = (REF[0] + 0.012, REF[1] + 0.008)
        self.assertEqual(job["distance_m"], dist_m(REF, drop))
        self.assertEqual(job["distance_m"], 1457)
        self.epoch()
        o = self.offers(w)[0]
        self.clock(advance_ms=1 * MIN)
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o["id"]).status, 200)
        self.deliver(w, job["id"])  # the courier moves to the pickup first: the approach is from the acceptance
        d = self.delivered(wid)[job["id"]]
        self.assertEqual(d["distance_m"], dist_m(start, REF) + job["distance_m"])
        self.assertEqual(d["distance_m"], 222 + 1457)
        # earnings: the distance and the per-km costs are the whole route's
        e = w.get("/v1/me/earnings?from=%d&to=%d" % (T0, T0 + 60 * MIN)).json
        self.assertEqual(e["distance_m"], 1679)
        self.assertEqual(e["costs_micros"], 400000 * 1679 // 1000)
        # the parts: the acceptance records where the ride starts (a distance, never coordinates)
        self.assertEqual(d["route"], {"from": "position", "approach_m": 222, "last_leg_m": 1457, "pickups": 1})
        acc = self.journal("accepted", wid)[0][9]
        self.assertEqual(json.loads(acc)["route"], {"from": "position", "approach_m": 222})
        self.assertNotIn("lat", acc)
        # the route is what the offer priced (the engine's route length, rounded once)
        self.assertLessEqual(abs(o["distance_m"] - d["distance_m"]), 1)
        self.assertSound()

    def test_bundle_counts_each_leg_once(self):
        cacct, cl, place = self.client()
        start = (REF[0] - 0.002, REF[1])
        wacct, w = self.courier(pos={"lat": start[0], "lon": start[1]})
        wid = wacct["id"]
        j1 = self.post_job(cl, place, dlat=0.012, dlon=0.008)
        j2 = self.post_job(cl, place, dlat=0.004, dlon=-0.006)
        self.epoch()
        o = self.offers(w)[0]
        self.assertEqual(sorted(o["job_ids"]), sorted([j1["id"], j2["id"]]))  # one bundle
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o["id"]).status, 200)
        d1 = (REF[0] + 0.012, REF[1] + 0.008)
        d2 = (REF[0] + 0.004, REF[1] - 0.006)
        approach = dist_m(start, REF)
        # both picked up in one visit; delivered in whatever order the courier chooses
        self.assertEqual(w.post("/v1/courier/position", near(0.0003, 0.0)).status, 200)
        self.clock(advance_ms=3 * MIN)
        for j in (j1, j2):
            self.assertEqual(w.post("/v1/courier/jobs/%d/picked-up" % j["id"]).status, 200)
        self.clock(advance_ms=5 * MIN)
        go_to_dropoff(self, w, j1["id"])  # issue 15: deliveries are checked against the drop-off
        self.assertEqual(w.post("/v1/courier/jobs/%d/delivered" % j1["id"]).status, 200)
        self.clock(advance_ms=4 * MIN)
        go_to_dropoff(self, w, j2["id"])
        self.assertEqual(w.post("/v1/courier/jobs/%d/delivered" % j2["id"]).status, 200)
        d = self.delivered(wid)
        # the first drop-off carries the approach and pickup -> drop-off; the second the leg between drop-offs
        self.assertEqual(d[j1["id"]]["distance_m"], approach + dist_m(REF, d1))
        self.assertEqual(d[j1["id"]]["route"]["from"], "position")
        self.assertEqual(d[j2["id"]]["distance_m"], dist_m(d1, d2))
        self.assertEqual(d[j2["id"]]["route"], {"from": "previous_dropoff", "approach_m": 0,
                                                "last_leg_m": dist_m(d1, d2), "pickups": 0})
        route = approach + dist_m(REF, d1) + dist_m(d1, d2)
        e = w.get("/v1/me/earnings?from=%d&to=%d" % (T0, T0 + 60 * MIN)).json
        self.assertEqual(e["distance_m"], route)
        # the next job, accepted while waiting: its ride starts from the courier's position then
        self.assertEqual(w.post("/v1/courier/position", {"lat": d2[0], "lon": d2[1]}).status, 200)
        j3 = self.post_job(cl, place, dlat=-0.003, dlon=0.002)
        self.epoch()
        o3 = self.offers(w)[0]
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o3["id"]).status, 200)
        self.deliver(w, j3["id"])
        d3 = (REF[0] - 0.003, REF[1] + 0.002)
        self.assertEqual(self.delivered(wid)[j3["id"]]["distance_m"], dist_m(d2, REF) + dist_m(REF, d3))
        self.assertSound()


class LiveShiftTime(Base):
    """Issue 14, item 6: the shift's waiting and active time grow while the courier is online (the span
    running now is in the totals), and so does the guarantee's top-up to expect."""

    def shift(self, w):
        r = w.get("/v1/courier/shift")
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_waiting_and_active_time_grow_live(self):
        cacct, cl, place = self.client()
        wacct, w = self.courier()
        self.clock(advance_ms=10 * MIN)
        s = self.shift(w)
        self.assertEqual(s["time"]["waiting_ms"], 10 * MIN)
        self.assertEqual(s["time"]["active_ms"], 0)
        self.assertEqual(s["time"]["open"], {"kind": "waiting", "since_ms": T0})
        self.assertEqual(s["time"]["as_of_ms"], T0 + 10 * MIN)
        self.assertEqual(s["online_ms"], 10 * MIN)
        self.assertEqual(s["guarantee"]["guaranteed_micros"], 12000000 * 10 // 60)
        self.assertEqual(s["guarantee"]["topup_micros"], 2000000)
        self.assertEqual(s["total_micros"], 2000000)
        # a job: accepted at 10 min, picked up at 14, delivered at 20
        job = self.post_job(cl, place)
        self.epoch()
        o = self.offers(w)[0]
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o["id"]).status, 200)
        self.clock(advance_ms=4 * MIN)
        s = self.shift(w)
        self.assertEqual((s["time"]["waiting_ms"], s["time"]["active_ms"]), (10 * MIN, 4 * MIN))
        self.assertEqual(s["time"]["open"], {"kind": "active", "since_ms": T0 + 10 * MIN})
        go_to_place(self, w, job["id"])  # issue 15: pickups and deliveries are checked against the places
        self.assertEqual(w.post("/v1/courier/jobs/%d/picked-up" % job["id"]).status, 200)
        self.clock(advance_ms=6 * MIN)
        go_to_dropoff(self, w, job["id"])
        self.assertEqual(w.post("/v1/courier/jobs/%d/delivered" % job["id"]).status, 200)
        self.clock(advance_ms=5 * MIN)
        s = self.shift(w)
        self.assertEqual((s["time"]["waiting_ms"], s["time"]["active_ms"]), (15 * MIN, 10 * MIN))
        self.assertEqual(s["time"]["waiting_ms"] + s["time"]["active_ms"], s["online_ms"])
        self.assertEqual(s["guarantee"]["topup_micros"],
                         max(0, 12000000 * 25 // 60 - s["pay"]["orders_total_micros"]))
        live = s
        # going offline now: the final figures are the live ones
        r = w.post("/v1/courier/offline")
        self.assertEqual(r.status, 200, r)
        f = r.json
        self.assertEqual((f["time"]["waiting_ms"], f["time"]["active_ms"]),
                         (live["time"]["waiting_ms"], live["time"]["active_ms"]))
        self.assertIsNone(f["time"]["open"])
        self.assertEqual(f["guarantee"]["topup_micros"], live["guarantee"]["topup_micros"])

    def test_job_released_while_another_is_in_hand_is_not_counted_twice(self):
        cacct, cl, place = self.client()
        aa, a = self.courier()
        j1 = self.post_job(cl, place, dlat=0.012, dlon=0.008)
        j2 = self.post_job(cl, place, dlat=0.004, dlon=-0.006)
        self.epoch()
        o = self.offers(a)[0]
        self.assertEqual(len(o["job_ids"]), 2)
        self.clock(advance_ms=1 * MIN)
        self.assertEqual(a.post("/v1/courier/offers/%d/accept" % o["id"]).status, 200)
        ba, b = self.courier(pos=near(0.002, 0.002))
        self.clock(advance_ms=3 * MIN)
        r = self.adm.post("/v1/admin/dispatch/jobs/%d/reassign" % j2["id"], {"courier_id": ba["id"], "reason": "x"})
        self.assertEqual(r.status, 200, r)
        self.clock(advance_ms=4 * MIN)
        s = self.shift(a)
        # active since the acceptance (the released job's span lies inside it), waiting before
        self.assertEqual((s["time"]["waiting_ms"], s["time"]["active_ms"]), (1 * MIN, 7 * MIN))
        self.assertEqual(s["time"]["open"], {"kind": "active", "since_ms": T0 + 1 * MIN})

class Service(unittest.TestCase):
    def test_dispatcher_thread_and_restart(self):
        """The thread runs epochs on the platform clock; state survives a restart."""
        srv = Server("--set", "dispatch.epoch_ms=1000")
        try:
            adm = srv.admin()
            adm.post("/v1/admin/clock", {"set_ms": T0})
            cacct, cl = signup(srv, "client")
            adm.post("/v1/admin/accounts/%d/credit" % cacct["id"], {"amount_micros": 50000000, "reason": "t"})
            place = cl.post("/v1/delivery/places", dict(name="K", **near())).json["id"]
            wacct, w = signup(srv, "worker")
            approve_courier(srv, wacct["id"])
            self.assertEqual(w.post("/v1/courier/online", near(-0.003)).status, 200)
            job = cl.post("/v1/delivery/jobs", {"place_id": place, "dropoff_lat": REF[0] + 0.01,
                                                "dropoff_lon": REF[1]}).json
            adm.post("/v1/admin/clock", {"advance_ms": 2000})
            deadline = time.time() + 10  # the thread looks at the clock ten times a second
            offers = []
            while time.time() < deadline and not offers:
                offers = w.get("/v1/courier/offers").json["offers"]
                if not offers:
                    time.sleep(0.05)
            self.assertEqual([j["id"] for j in offers[0]["jobs"]], [job["id"]])
            decisions = srv.sql("SELECT actor_id, automated FROM journal WHERE event = 'dispatch_decision'")
            self.assertEqual(decisions, [(None, 1)])
            self.assertEqual(srv.stop(), 0)
            # restart on the same database: the offer, the job and the shift are still there
            p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--db", srv.dbarg, "--test-clock", "--quiet",
                                  "--set", "dispatch.auto=false"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
            try:
                line = p.stdout.readline()
                port = int(line.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
                p.stdout.readline()
                adm2 = Client(port, srv.admin_token)
                adm2.post("/v1/admin/clock", {"set_ms": T0 + 3000})
                w2 = Client(port, w.token)
                o = w2.get("/v1/courier/offers").json["offers"]
                self.assertEqual([x["id"] for x in o], [offers[0]["id"]])
                self.assertEqual(w2.post("/v1/courier/offers/%d/accept" % o[0]["id"]).status, 200)
                self.assertEqual(Client(port, cl.token).get("/v1/delivery/jobs/%d" % job["id"]).json["state"],
                                 "assigned")
                # the next epoch rebuilds the engine from the store: the courier is on a job, nothing new
                ep = adm2.post("/v1/admin/dispatch/run-epoch").json
                self.assertEqual((ep["couriers"], ep["open_jobs"], ep["offers"]), (1, 0, []))
            finally:
                p.send_signal(signal.SIGTERM)
                self.assertEqual(p.wait(timeout=30), 0)
                p.stdout.close()
        finally:
            srv.close()

    def test_demo_city(self):
        srv = Server("--set", "dispatch.auto=false", demo=True)
        try:
            out = "".join(srv.out)
            self.assertIn("farah@demo.visible", out)
            adm = srv.admin()
            c = srv.client()
            tok = c.post("/v1/login", {"email": "eats@demo.visible", "password": "demo-password"}).json["token"]
            eats = srv.client(tok)
            self.assertEqual(len(eats.get("/v1/delivery/places").json["places"]), 3)
            jobs = eats.get("/v1/delivery/jobs").json["jobs"]
            self.assertGreater(len(jobs), 5)
            self.assertIn("scheduled", {j["state"] for j in jobs})
            rules = adm.get("/v1/admin/dispatch/rules").json["rules"]
            self.assertEqual(rules["zones"][0]["name"], "centre")
            self.assertEqual(len(rules["time_of_day"]), 2)
            tok = c.post("/v1/login", {"email": "farah@demo.visible", "password": "demo-password"}).json["token"]
            farah = srv.client(tok)
            place = eats.get("/v1/delivery/places").json["places"][0]
            self.assertEqual(farah.post("/v1/courier/online", {"lat": place["lat"], "lon": place["lon"]}).status,
                             200)
            adm.post("/v1/admin/clock", {"advance_ms": 15 * MIN})
            ep = adm.post("/v1/admin/dispatch/run-epoch").json
            self.assertGreaterEqual(len(ep["offers"]), 1, ep)
            self.assertEqual(len(farah.get("/v1/courier/offers").json["offers"]), 1)
            board = adm.get("/v1/admin/dispatch/board").json
            self.assertEqual(len(board["couriers"]), 1)
            self.assertTrue(adm.get("/v1/admin/ledger").json["balanced"])
        finally:
            srv.close()


if __name__ == "__main__":
    unittest.main()


M_LAT = 1 / 111195.0  # degrees of latitude per metre


class ReadyFirst(Base):
    """Issue 15, items 1 and 2: a decline holds no order; ready food does not
    wait for a bundle beyond dispatch.ready_wait_max_s."""

    def offer_of(self, w):
        o = self.offers(w)
        return o[0] if o else None

    def test_decline_sends_the_order_to_the_next_courier_at_once(self):
        cacct, cl, place = self.client()
        na, nw = self.courier(pos=near(150 * M_LAT))   # 150 m from the place
        fa, fw = self.courier(pos=near(-2000 * M_LAT))  # 2 km
        j1 = self.post_job(cl, place)  # ready at once
        self.epoch()
        o = self.offer_of(nw)
        self.assertIsNotNone(o)
        self.assertEqual([j["id"] for j in o["jobs"]], [j1["id"]])
        self.assertIsNone(self.offer_of(fw))
        self.assertEqual(nw.post("/v1/courier/offers/%d/decline" % o["id"]).status, 200)
        # a later job of the same restaurant, ready in 10 minutes
        j2 = self.post_job(cl, place, dlat=-0.006, ready_in_s=600)
        # the next epoch offers the declined job to the far courier: nothing is held
        self.clock(advance_ms=MIN)
        ep = self.epoch()
        self.assertEqual(ep["held_declined"], 0, ep)
        self.assertEqual([(x["courier"], x["jobs"]) for x in ep["offers"]], [(fa["id"], [j1["id"]])], ep)
        of = self.offer_of(fw)
        self.assertEqual([j["id"] for j in of["jobs"]], [j1["id"]])
        self.assertEqual(fw.post("/v1/courier/offers/%d/accept" % of["id"]).status, 200)
        # the decliner, the best courier for the later job, gets it in time for its ready time
        offered = None
        for _ in range(9):
            self.clock(advance_ms=MIN)
            self.epoch()
            offered = self.offer_of(nw)
            if offered:
                break
        self.assertIsNotNone(offered)
        self.assertEqual([j["id"] for j in offered["jobs"]], [j2["id"]])
        self.assertLessEqual(offered["plan"]["pickup_ms"], T0 + 10 * MIN + MIN)
        self.assertIsNone(self.offer_of(fw))
        self.assertSound()

    def test_ready_order_is_not_held_for_a_bundle(self):
        cacct, cl, place = self.client()
        wa, w = self.courier(pos=near(150 * M_LAT))
        j1 = self.post_job(cl, place, ready_in_s=0)
        self.post_job(cl, place, dlat=0.010, ready_in_s=300)
        self.post_job(cl, place, dlat=0.011, ready_in_s=900)
        self.epoch()
        o = self.offer_of(w)
        self.assertIsNotNone(o, "the ready order is offered at the first epoch")
        self.assertIn(j1["id"], [j["id"] for j in o["jobs"]])
        bound = 180000  # dispatch.ready_wait_max_s default
        # planned pickup - max(ready, arrival + half the pickup service) <= the bound
        earliest = max(T0, o["plan"]["arrive_ms"] + 120000)
        self.assertLessEqual(o["plan"]["pickup_ms"] - earliest, bound, o["plan"])
        self.assertLessEqual(o["plan"]["pickup_ms"], T0 + 5 * MIN, o["plan"])

    def test_ready_wait_bound_is_a_setting(self):
        p = subprocess.run([BIN, "config"], capture_output=True, text=True)
        self.assertIn("dispatch.ready_wait_max_s", p.stdout + p.stderr)
        # with no room to wait, the ready order goes alone
        self.srv.close()
        self.srv = Server("--set", "dispatch.auto=false", "--set", "dispatch.ready_wait_max_s=0")
        self.adm = self.srv.admin()
        self.clock(set_ms=T0)
        cacct, cl, place = self.client()
        wa, w = self.courier(pos=near(150 * M_LAT))
        j1 = self.post_job(cl, place, ready_in_s=0)
        self.post_job(cl, place, dlat=0.010, ready_in_s=300)
        self.epoch()
        o = self.offer_of(w)
        self.assertEqual([j["id"] for j in o["jobs"]], [j1["id"]])
        self.assertLessEqual(o["plan"]["pickup_ms"], o["plan"]["arrive_ms"] + 120000)


# ---- issue 15, items 4-6 (h-ops): the guarantee's floor, location checks, off duty and hand-back ----

def _courier_job(test, w, job_id):
    r = w.get("/v1/courier/jobs")
    test.assertEqual(r.status, 200, r)
    return [j for j in r.json["jobs"] if j["id"] == job_id][0]


def go_to_place(test, w, job_id):
    """The courier sends a position at the job's pickup place (pickups are checked against it)."""
    p = _courier_job(test, w, job_id)["place"]
    r = w.post("/v1/courier/position", {"lat": p["lat"], "lon": p["lon"]})
    test.assertEqual(r.status, 200, r)


def go_to_dropoff(test, w, job_id):
    """The courier sends a position at the job's drop-off (deliveries are checked against it)."""
    d = _courier_job(test, w, job_id)["dropoff"]
    r = w.post("/v1/courier/position", {"lat": d["lat"], "lon": d["lon"]})
    test.assertEqual(r.status, 200, r)


class OpsIssue15(Base):
    """Issue 15, items 4-6: the guarantee never below the platform's minimum; pickups and deliveries checked
    against the places (exceptions need a reason and are shown to the dispatcher); an admin takes a courier
    off duty; a courier hands a job back without going offline."""

    def accepted_job(self, w, cl, place, **kw):
        job = self.post_job(cl, place, **kw)
        self.epoch()
        o = self.offers(w)
        self.assertEqual(len(o), 1, o)
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o[0]["id"]).status, 200)
        return job

    def test_guarantee_not_below_the_minimum(self):
        before = self.adm.get("/v1/admin/dispatch/rules").json
        r = self.adm.request("PUT", "/v1/admin/dispatch/rules", body={"guarantee_per_hour_micros": 5000000})
        self.assertError(r, 400, "below_minimum", "guarantee_per_hour_micros")
        self.assertIn("pay.min_hourly_micros", r.json["error"]["message"])
        self.assertIn("12000000", r.json["error"]["message"])
        self.assertEqual(self.adm.get("/v1/admin/dispatch/rules").json, before)
        r = self.adm.request("PUT", "/v1/admin/dispatch/rules", body={"guarantee_per_hour_micros": 13000000})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["rules"]["guarantee_per_hour_micros"], 13000000)

    def test_location_checks(self):
        cacct, cl, place = self.client()
        wacct, w = self.courier(pos=near(0.019, 0.0))  # 2.1 km north of the restaurant
        job = self.accepted_job(w, cl, place, dlat=0.018, dlon=0.0)  # drop-off 2 km from the restaurant
        self.clock(advance_ms=10 * MIN)
        r = w.post("/v1/courier/jobs/%d/picked-up" % job["id"])
        self.assertError(r, 409, "away_from_pickup", "reason")
        self.assertIn("2113 m", r.json["error"]["message"])
        self.assertEqual(cl.get("/v1/delivery/jobs/%d" % job["id"]).json["state"], "assigned")
        self.assertEqual(self.journal("picked_up"), [])
        self.assertError(w.post("/v1/courier/jobs/%d/picked-up" % job["id"], {"reason": "x", "extra": 1}), 400)
        # with a reason: accepted, journalled with the distance, shown to the dispatcher
        r = w.post("/v1/courier/jobs/%d/picked-up" % job["id"], {"reason": "GPS lost in the underground car park"})
        self.assertEqual(r.status, 200, r)
        ex = self.journal("location_exception", wacct["id"])
        self.assertEqual(len(ex), 1)
        pl = json.loads(ex[0][9])
        self.assertEqual((pl["kind"], pl["distance_m"], pl["limit_m"], pl["reason"]),
                         ("pickup", 2113, 250, "GPS lost in the underground car park"))
        self.assertNotIn('"lat"', ex[0][9])
        self.assertEqual(json.loads(self.journal("picked_up")[0][9])["location_exception"]["distance_m"], 2113)
        b = self.adm.get("/v1/admin/dispatch/board").json
        self.assertEqual([(e["job_id"], e["kind"], e["distance_m"]) for e in b["location_exceptions"]],
                         [(job["id"], "pickup", 2113)])
        t = self.adm.get("/v1/delivery/jobs/%d" % job["id"]).json
        self.assertEqual([e["reason"] for e in t["location_exceptions"]], ["GPS lost in the underground car park"])
        # delivered 16 s after a pickup 2 km away, even from the drop-off: refused without a reason
        self.clock(advance_ms=16000)
        w.post("/v1/courier/position", near(0.018, 0.0))
        r = w.post("/v1/courier/jobs/%d/delivered" % job["id"])
        self.assertError(r, 409, "too_soon_after_pickup", "reason")
        self.assertEqual(cl.get("/v1/delivery/jobs/%d" % job["id"]).json["state"], "picked_up")
        # from far away: refused too
        self.clock(advance_ms=5 * MIN)
        w.post("/v1/courier/position", near(0.0, 0.0))
        self.assertError(w.post("/v1/courier/jobs/%d/delivered" % job["id"]), 409, "away_from_dropoff")
        w.post("/v1/courier/position", near(0.0181, 0.0))
        r = w.post("/v1/courier/jobs/%d/delivered" % job["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(self.journal("location_exception")), 1)
        self.assertSound()

    def test_off_duty_after_a_flat_tyre(self):
        """The issue's scenario: a job reassigned away from a courier with a flat tyre is not offered back to
        him once he is off duty."""
        cacct, cl, place = self.client()
        aacct, a = self.courier(pos=near(0.001, 0.0))
        bacct, b = self.courier(pos=near(0.03, 0.03))
        job = self.accepted_job(a, cl, place)
        r = self.adm.post("/v1/admin/dispatch/jobs/%d/reassign" % job["id"],
                          {"courier_id": bacct["id"], "reason": "flat tyre"})
        self.assertEqual(r.status, 200, r)
        self.assertError(self.adm.post("/v1/admin/dispatch/couriers/%d/off-duty" % aacct["id"], {}), 400,
                         field="reason")
        r = self.adm.post("/v1/admin/dispatch/couriers/%d/off-duty" % aacct["id"], {"reason": "flat tyre"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["duty"]["off_duty"], True)
        self.assertError(self.adm.post("/v1/admin/dispatch/couriers/%d/off-duty" % aacct["id"], {"reason": "x"}),
                         409, "already_off_duty")
        ev = self.journal("off_duty", aacct["id"])
        self.assertEqual(len(ev), 1)
        self.assertEqual((ev[0][2], ev[0][4]), (self.srv.sql("SELECT id FROM accounts WHERE role = 'admin'")[0][0], 0))
        self.assertEqual(json.loads(ev[0][9])["reason"], "flat tyre")
        # B declines (with a reason, journalled); the next epochs never offer the job to A
        ob = self.offers(b)
        self.assertEqual(b.post("/v1/courier/offers/%d/decline" % ob[0]["id"], {"reason": "too far"}).status, 200)
        self.assertEqual(json.loads(self.journal("declined", bacct["id"])[0][9])["reason"], "too far")
        for _ in range(2):
            self.clock(advance_ms=MIN)
            self.epoch()
            self.assertEqual(self.offers(a), [])
        # shown on the board and to the courier
        board = self.adm.get("/v1/admin/dispatch/board").json
        ca = [c for c in board["couriers"] if c["courier_id"] == aacct["id"]][0]
        self.assertEqual(ca["off_duty"]["reason"], "flat tyre")
        self.assertEqual([o["courier_id"] for o in board["off_duty"]], [aacct["id"]])
        s = a.get("/v1/courier/shift").json
        self.assertEqual(s["duty"], {"off_duty": True, "since_ms": T0, "reason": "flat tyre"})
        self.assertError(self.adm.post("/v1/admin/dispatch/jobs/%d/reassign" % job["id"],
                                       {"courier_id": aacct["id"], "reason": "x"}), 409, "courier_off_duty")
        # back on duty: offers again
        r = self.adm.post("/v1/admin/dispatch/couriers/%d/on-duty" % aacct["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["duty"], {"off_duty": False})
        self.assertEqual(len(self.journal("on_duty", aacct["id"])), 1)
        self.clock(advance_ms=MIN)
        self.epoch()
        self.assertIn(job["id"], [j for o in self.offers(a) for j in o["job_ids"]])
        self.assertSound()

    def test_hand_back(self):
        cacct, cl, place = self.client()
        aacct, a = self.courier(pos=near(0.001, 0.0))
        job = self.accepted_job(a, cl, place)
        self.clock(advance_ms=3 * MIN)
        self.assertError(a.post("/v1/courier/jobs/%d/hand-back" % job["id"], {}), 400, field="reason")
        r = a.post("/v1/courier/jobs/%d/hand-back" % job["id"], {"reason": "chain broke"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "open")
        ev = self.journal("handed_back", aacct["id"])
        self.assertEqual(len(ev), 1)
        self.assertEqual((ev[0][5], ev[0][7] - ev[0][6]), ("active", 3 * MIN))
        pl = json.loads(ev[0][9])
        self.assertEqual((pl["reason"], pl["compensation_micros"]), ("chain broke", 0))
        self.assertTrue(a.get("/v1/courier/shift").json["online"])  # still online
        # not offered back to him; another courier gets it
        self.clock(advance_ms=MIN)
        self.epoch()
        self.assertEqual(self.offers(a), [])
        bacct, b = self.courier(pos=near(0.002, 0.0))
        self.epoch()
        self.assertEqual([o["job_ids"] for o in self.offers(b)], [[job["id"]]])
        # he still gets other jobs
        job2 = self.post_job(cl, place)
        self.epoch()
        self.assertEqual([o["job_ids"] for o in self.offers(a)], [[job2["id"]]])
        # after pickup: refused
        o = self.offers(b)[0]
        self.assertEqual(b.post("/v1/courier/offers/%d/accept" % o["id"]).status, 200)
        go_to_place(self, b, job["id"])
        self.assertEqual(b.post("/v1/courier/jobs/%d/picked-up" % job["id"]).status, 200)
        self.assertError(b.post("/v1/courier/jobs/%d/hand-back" % job["id"], {"reason": "x"}), 409, "invalid_state")
        self.assertSound()


class MessagesIssue15(Base):
    """Issue 15, "Messages and input": times in messages as ISO 8601, accounts
    named as people know them, a reason on cancel, 0,0 and a drop-off at the
    pickup refused."""

    def test_cancel_reason_stored_and_unknown_fields_refused(self):
        cacct, cl, place = self.client()
        job = self.post_job(cl, place)
        r = cl.post("/v1/delivery/jobs/%d/cancel" % job["id"], {"reason": "customer called", "refund": True})
        self.assertError(r, 400, field="refund")
        self.assertEqual(cl.get("/v1/delivery/jobs/%d" % job["id"]).json["state"], "open")
        r = cl.post("/v1/delivery/jobs/%d/cancel" % job["id"], {"reason": "customer called"})
        self.assertEqual(r.status, 200, r)
        ev = self.journal("job_cancelled")
        self.assertEqual(len(ev), 1)
        self.assertEqual(json.loads(ev[0][9])["reason"], "customer called")
        # without a body, as before
        job2 = self.post_job(cl, place)
        self.assertEqual(cl.post("/v1/delivery/jobs/%d/cancel" % job2["id"]).status, 200)
        self.assertSound()

    def test_cancel_reason_of_an_accepted_job(self):
        cacct, cl, place = self.client()
        wacct, w = self.courier()
        job = self.post_job(cl, place)
        self.epoch()
        o = self.offers(w)
        self.assertEqual(len(o), 1)
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o[0]["id"]).status, 200)
        r = cl.post("/v1/delivery/jobs/%d/cancel" % job["id"], {"reason": "kitchen closed"})
        self.assertEqual(r.status, 200, r)
        ev = self.journal("job_cancelled")
        self.assertEqual([json.loads(e[9]).get("reason") for e in ev], ["kitchen closed"])
        self.assertSound()

    def test_place_and_dropoff_at_null_island_refused(self):
        acct, cl = signup(self.srv, "client")
        r = cl.post("/v1/delivery/places", {"name": "Nowhere", "lat": 0, "lon": 0})
        self.assertError(r, 400, "invalid_field", "lat")
        self.assertIn("0", r.json["error"]["message"])
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM disp_places"), [(0,)])
        cacct, cl, place = self.client()
        r = cl.post("/v1/delivery/quote", {"place_id": place, "dropoff_lat": 0, "dropoff_lon": 0})
        self.assertError(r, 400, "invalid_field", "dropoff_lat")

    def test_dropoff_at_the_pickup_refused(self):
        cacct, cl, place = self.client()
        for path in ("/v1/delivery/quote", "/v1/delivery/jobs"):
            r = cl.post(path, {"place_id": place, "dropoff_lat": REF[0], "dropoff_lon": REF[1]})
            self.assertError(r, 400, "invalid_field", "dropoff_lat")
            self.assertIn("pickup", r.json["error"]["message"])
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM disp_jobs"), [(0,)])

    def test_insufficient_funds_names_your_funds(self):
        cacct, cl, place = self.client(funds=1000000)
        r = cl.post("/v1/delivery/jobs", {"place_id": place, "dropoff_lat": REF[0] + 0.01, "dropoff_lon": REF[1]})
        self.assertError(r, 409, "insufficient_funds")
        msg = r.json["error"]["message"]
        self.assertIn("your funds", msg)
        self.assertNotIn("client_funds", msg)
        self.assertNotIn("account", msg)

    def test_off_duty_since_is_iso_8601(self):
        aacct, a = self.courier()
        self.assertEqual(self.adm.post("/v1/admin/dispatch/couriers/%d/off-duty" % aacct["id"],
                                       {"reason": "flat tyre"}).status, 200)
        r = self.adm.post("/v1/admin/dispatch/couriers/%d/off-duty" % aacct["id"], {"reason": "again"})
        self.assertError(r, 409, "already_off_duty")
        self.assertIn("2025-01-15T10:00:00Z", r.json["error"]["message"])
        self.assertNotIn(str(T0), r.json["error"]["message"])


class OnboardingAreasIssue15(Base):
    """Issue 15, item 3: couriers are approved before they can go online,
    and the guarantee counts only online time inside a service area."""

    def test_a_self_registered_courier_waits_for_approval(self):
        acct, w = signup(self.srv, "worker")
        r = w.post("/v1/courier/online", near())
        self.assertError(r, 403, "not_approved")
        self.assertIn("approv", r.json["error"]["message"])
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM disp_shifts"), [(0,)])
        self.assertError(self.adm.post("/v1/admin/dispatch/couriers/%d/suspend" % acct["id"], {}), 400,
                         field="reason")
        cacct, _ = signup(self.srv, "client")
        self.assertError(self.adm.post("/v1/admin/dispatch/couriers/%d/approve" % cacct["id"]), 400, "not_a_courier")
        self.assertError(w.post("/v1/admin/dispatch/couriers/%d/approve" % acct["id"]), 403)
        r = self.adm.post("/v1/admin/dispatch/couriers/%d/approve" % acct["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["onboarding"]["state"], "approved")
        self.assertError(self.adm.post("/v1/admin/dispatch/couriers/%d/approve" % acct["id"]), 409, "already_approved")
        ev = self.journal("courier_approved")
        self.assertEqual(len(ev), 1)
        self.assertEqual((ev[0][3], ev[0][4]), (acct["id"], 0))  # the courier's record, a human decision
        self.assertIsNotNone(ev[0][2])
        self.assertEqual(w.post("/v1/courier/online", near()).status, 200)
        self.assertEqual(w.post("/v1/courier/offline").status, 200)
        r = self.adm.post("/v1/admin/dispatch/couriers/%d/suspend" % acct["id"], {"reason": "documents expired"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["onboarding"]["reason"], "documents expired")
        self.assertEqual(len(self.journal("courier_suspended")), 1)
        self.assertError(w.post("/v1/courier/online", near()), 403, "not_approved")

    def test_guarantee_counts_time_inside_a_service_area(self):
        put = lambda body: self.adm.request("PUT", "/v1/admin/dispatch/areas", body=body)
        square = [[REF[0] - 0.05, REF[1] - 0.08], [REF[0] - 0.05, REF[1] + 0.08], [REF[0] + 0.05, REF[1] + 0.08],
                  [REF[0] + 0.05, REF[1] - 0.08]]
        before = self.srv.snapshot()
        self.assertError(put({"areas": [{"name": "x", "points": square[:2]}]}), 400, "invalid_area", "points")
        self.assertError(put({"areas": [{"name": "x", "points": [[100, 2], [48, 2], [48, 3]]}]}), 400, "invalid_area")
        self.assertError(put({"areas": [{"name": "x", "points": [[48, 2], [48.5, 2.5], [49, 3]]}]}), 400,
                         "invalid_area")
        self.assertError(put({"areas": [{"points": square}]}), 400, "invalid_area", "name")
        self.assertError(put({"zones": []}), 400)
        self.assertEqual(before, self.srv.snapshot())
        r = self.adm.get("/v1/admin/dispatch/areas")
        self.assertEqual(r.json["areas"], [])
        r = put({"areas": [{"name": "Paris", "points": square}]})
        self.assertEqual(r.status, 200, r)
        got = self.adm.get("/v1/admin/dispatch/areas").json["areas"][0]["points"]
        self.assertEqual([[round(a, 6), round(b, 6)] for a, b in got], [[round(a, 6), round(b, 6)] for a, b in square])
        far_acct, far = self.courier(pos={"lat": 0, "lon": 0})
        in_acct, inside = self.courier(pos=near(0.001))
        mv_acct, mover = self.courier(pos=near(0.002))
        self.clock(advance_ms=30 * MIN)
        self.assertEqual(mover.post("/v1/courier/position", {"lat": 0.001, "lon": 0.001}).status, 200)
        self.clock(advance_ms=30 * MIN)
        live = far.get("/v1/courier/shift").json
        self.assertEqual(live["guarantee"]["counted_ms"], 0)
        self.assertEqual(live["guarantee"]["topup_micros"], 0)
        self.assertIn("service area", live["guarantee"]["explanation"])
        r = far.post("/v1/courier/offline")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["guarantee"]["topup_micros"], 0)
        self.assertEqual(r.json["online_ms"], 60 * MIN)
        r = inside.post("/v1/courier/offline")
        self.assertEqual(r.json["guarantee"]["counted_ms"], 60 * MIN)
        self.assertEqual(r.json["guarantee"]["topup_micros"], 12000000)
        self.assertIn("Counted 60 min 00 s of 60 min 00 s online", r.json["guarantee"]["explanation"])
        r = mover.post("/v1/courier/offline")
        self.assertEqual(r.json["guarantee"]["counted_ms"], 30 * MIN)
        self.assertEqual(r.json["guarantee"]["topup_micros"], 6000000)
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM ledger_tx WHERE kind = 'guarantee_topup'"), [(2,)])
        self.assertEqual(len(self.journal("areas_changed")), 1)
        # the rule is in the register
        reg = self.adm.get("/v1/register").json
        self.assertIn("service area", json.dumps(reg))
