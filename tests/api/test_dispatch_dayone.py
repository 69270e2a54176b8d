"""API tests of what restaurants and couriers expect on day one (issue 15):
signed status callbacks to the restaurant for every state change of a job
(retried like moderation's), drop-off contact details shown only to the
assigned courier while the job is live, "no courier found" and late-job
alerts (board, callback, journal), and orders scheduled days ahead that are
not offered until their ready time is near. Epochs are run by hand and the
clock is set: nothing sleeps."""
import hashlib
import hmac
import http.server
import json
import threading
import time
import unittest

import test_dispatch_api
from test_dispatch_api import MIN, REF, T0, near  # noqa: F401
from vis import Server, signup


class Receiver:
    """The restaurant's callback endpoint on loopback: raw bodies and headers."""

    def __init__(self):
        self.got = []  # (headers, raw body)
        self.fail = 0
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if outer.fail > 0:
                    outer.fail -= 1
                    self.send_response(500)
                else:
                    outer.got.append((dict(self.headers), data))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/visible" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def events(self):
        seen, out = set(), []
        # retried callbacks arrive later than newer ones: order by callback id
        for h, data in sorted(self.got, key=lambda g: int(g[0]["X-Visible-Callback-Id"])):
            if h["X-Visible-Callback-Id"] not in seen:
                seen.add(h["X-Visible-Callback-Id"])
                out.append(json.loads(data))
        return out

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Base(test_dispatch_api.Base):
    """The delivery tests' server, clock and helpers, plus the restaurant's
    callback endpoint."""
    extra = ("--set", "moderation.callback_private=true")

    def setUp(self):
        super().setUp()
        self.rx = Receiver()

    def tearDown(self):
        self.rx.close()
        super().tearDown()

    def deliver_callbacks(self):
        # the housekeeping run delivers every family's callbacks
        r = self.adm.post("/v1/admin/moderation/run")
        self.assertEqual(r.status, 200, r)
        return r.json

    def client(self, hook=True):
        acct, cl, place = super().client()
        if hook:
            r = cl.request("PUT", "/v1/delivery/callbacks", {"callback_url": self.rx.url})
            self.assertEqual(r.status, 200, r)
            self.secret = r.json["signing_secret"]
        return acct, cl, place

    def courier(self, pos=None):
        return super().courier(pos=pos or near(-0.002, -0.002))

    def job(self, cl, place, status=201, **kw):
        body = {"place_id": place, "dropoff_lat": REF[0] + 0.012, "dropoff_lon": REF[1] + 0.008}
        body.update(kw)
        r = cl.post("/v1/delivery/jobs", body)
        self.assertEqual(r.status, status, r)
        return r.json

    def journal_payloads(self):
        return [row[0] for row in self.srv.sql("SELECT payload FROM journal")]


class Callbacks(Base):
    def test_every_state_change_signed_and_retried(self):
        acct, cl, place = self.client()
        _, w = self.courier()
        j = self.job(cl, place)
        self.epoch()
        offer = self.offers(w)[0]
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % offer["id"]).status, 200)
        w.post("/v1/courier/position", near())
        self.clock(advance_ms=2 * MIN)
        self.assertEqual(w.post("/v1/courier/jobs/%d/arrived" % j["id"]).status, 200)
        r = w.post("/v1/courier/jobs/%d/picked-up" % j["id"])
        self.assertEqual(r.status, 200, r)
        self.clock(advance_ms=8 * MIN)
        w.post("/v1/courier/position", near(0.012, 0.008))
        r = w.post("/v1/courier/jobs/%d/delivered" % j["id"])
        self.assertEqual(r.status, 200, r)
        # a second job, cancelled while open
        j2 = self.job(cl, place)
        self.assertEqual(cl.post("/v1/delivery/jobs/%d/cancel" % j2["id"], {"reason": "customer left"}).status, 200)
        self.epoch()  # queues the callbacks of the journalled changes
        self.rx.fail = 1  # the endpoint fails once: retried with backoff, never lost
        st = self.deliver_callbacks()
        self.assertEqual(st["failed"], 1, st)
        r = cl.get("/v1/delivery/callbacks")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["last_failures"][0]["last_error"], "the callback answered HTTP 500")
        self.assertEqual(r.json["last_failures"][0]["last_status"], 500)
        self.clock(advance_ms=2 * MIN)
        self.deliver_callbacks()
        evs = self.rx.events()
        mine = [(e["job"], e["event"]) for e in evs]
        self.assertEqual([e for (jid, e) in mine if jid == j["id"]],
                         ["posted", "offered", "assigned", "courier_arrived", "picked_up", "delivered"])
        self.assertEqual([e for (jid, e) in mine if jid == j2["id"]], ["posted", "cancelled"])
        for e in evs:
            self.assertEqual(e["sent_for"], acct["id"])
            self.assertRegex(e["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        cancel = [e for e in evs if e["event"] == "cancelled"][0]
        self.assertEqual(cancel["reason"], "customer left")
        # every request signed with the restaurant's secret over "<t>.<body>"
        for h, data in self.rx.got:
            t, v1 = h["X-Visible-Signature"].split(",")
            t = t.split("=")[1]
            want = hmac.new(self.secret.encode(), t.encode() + b"." + data, hashlib.sha256).hexdigest()
            self.assertEqual(v1, "v1=" + want)
        # nothing twice: another epoch and run add nothing
        n = len(self.rx.got)
        self.epoch()
        self.deliver_callbacks()
        self.assertEqual(len(self.rx.got), n)
        r = cl.get("/v1/delivery/callbacks")
        self.assertTrue(all(c["state"] == "delivered" for c in r.json["callbacks"]))

    def test_settings(self):
        acct, cl, place = self.client()
        r = cl.get("/v1/delivery/callbacks")
        self.assertEqual(r.json["callback_url"], self.rx.url)
        self.assertTrue(r.json["signing_secret"].startswith("whsec_"))
        self.assertEqual(r.json["signature_header"], "X-Visible-Signature")
        old = r.json["signing_secret"]
        r = cl.request("PUT", "/v1/delivery/callbacks", {"callback_url": self.rx.url, "rotate_secret": True})
        self.assertEqual(r.status, 200, r)
        self.assertNotEqual(r.json["signing_secret"], old)
        new = r.json["signing_secret"]
        for bad in ({"callback_url": "ftp://example.org/x"}, {"callback_url": "http://user:pw@example.org/"},
                    {"callback_url": self.rx.url, "extra": 1}, {}):
            r = cl.request("PUT", "/v1/delivery/callbacks", bad)
            self.assertEqual(r.status, 400, (bad, r))
        self.assertEqual(cl.get("/v1/delivery/callbacks").json["signing_secret"], new)  # bad input changes nothing
        _, w = signup(self.srv, "worker")
        self.assertEqual(w.get("/v1/delivery/callbacks").status, 403)
        # a restaurant without a URL gets no rows queued
        _, cl2, place2 = self.client(hook=False)
        self.job(cl2, place2)
        self.epoch()
        self.assertEqual(cl2.get("/v1/delivery/callbacks").json["callbacks"], [])

    def test_private_address_refused_by_default(self):
        srv = Server("--set", "dispatch.auto=false")
        try:
            acct, cl = signup(srv, "client")
            r = cl.request("PUT", "/v1/delivery/callbacks", {"callback_url": "http://127.0.0.1:9/x"})
            self.assertEqual(r.status, 400, r)
            self.assertEqual(r.json["error"]["field"], "callback_url")
        finally:
            srv.close()


class CallbacksPromptly(Base):
    def setUp(self):  # on the real clock: the ticker runs every second
        self.srv = Server("--set", "dispatch.auto=false", "--set", "moderation.callback_private=true")
        self.adm = self.srv.admin()
        self.rx = Receiver()

    def test_callback_leaves_within_seconds_without_an_epoch(self):
        """A status change reaches the restaurant within seconds, not at the
        next dispatch epoch (none runs here: dispatch.auto is off)."""
        acct, cl, place = self.client()
        job = self.job(cl, place)
        deadline = time.time() + 8
        while time.time() < deadline and not any(
                e.get("event") == "posted" and e.get("job") == job["id"] for e in self.rx.events()):
            time.sleep(0.2)
        self.assertIn("posted", [e.get("event") for e in self.rx.events()], self.rx.events())


class Dropoff(Base):
    CONTACT = {"address": "12 rue de la Paix, 3rd floor", "recipient_name": "Ada Lovelace",
               "phone": "+33 6 12 34 56 78", "instructions": "code 4711, ring twice"}

    def test_contact_only_to_assigned_courier_while_live(self):
        acct, cl, place = self.client()
        _, w = self.courier()
        _, other = self.courier(pos=near(0.003, 0.003))
        j = self.job(cl, place, dropoff=self.CONTACT)
        self.assertEqual(j["dropoff_contact"]["phone"], self.CONTACT["phone"])
        self.epoch()
        offers = self.offers(w) or self.offers(other)
        holder = w if self.offers(w) else other
        oj = offers[0]["jobs"][0]
        # the offer shows the instructions, not who or where exactly
        self.assertEqual(oj["dropoff_contact"]["instructions"], self.CONTACT["instructions"])
        for k in ("phone", "recipient_name", "address"):
            self.assertNotIn(k, oj["dropoff_contact"])
        self.assertEqual(holder.post("/v1/courier/offers/%d/accept" % offers[0]["id"]).status, 200)
        cj = holder.get("/v1/courier/jobs").json["jobs"][0]
        self.assertEqual(cj["dropoff_contact"]["phone"], self.CONTACT["phone"])
        # never in the journal, never on the board; admins see address and instructions only
        for p in self.journal_payloads():
            self.assertNotIn("12 34 56", p)
            self.assertNotIn("Lovelace", p)
        board = json.dumps(self.adm.get("/v1/admin/dispatch/board").json)
        self.assertNotIn("12 34 56", board)
        self.assertNotIn("Lovelace", board)
        t = self.adm.get("/v1/delivery/jobs/%d" % j["id"]).json["dropoff_contact"]
        self.assertEqual(t["address"], self.CONTACT["address"])
        self.assertNotIn("phone", t)
        # delivered: gone from the courier, still with the restaurant
        holder.post("/v1/courier/position", near())
        self.clock(advance_ms=2 * MIN)
        self.assertEqual(holder.post("/v1/courier/jobs/%d/picked-up" % j["id"]).status, 200)
        self.clock(advance_ms=8 * MIN)
        holder.post("/v1/courier/position", near(0.012, 0.008))
        self.assertEqual(holder.post("/v1/courier/jobs/%d/delivered" % j["id"]).status, 200)
        self.assertNotIn("12 34 56", json.dumps(holder.get("/v1/courier/jobs").json))
        self.assertNotIn("12 34 56", json.dumps(holder.get("/v1/courier/shift").json))
        self.assertEqual(cl.get("/v1/delivery/jobs/%d" % j["id"]).json["dropoff_contact"]["phone"],
                         self.CONTACT["phone"])
        # after the retention (1 day) the name and phone are erased
        self.clock(advance_ms=25 * 60 * MIN)
        self.epoch()
        t = cl.get("/v1/delivery/jobs/%d" % j["id"]).json["dropoff_contact"]
        self.assertEqual((t["phone"], t["recipient_name"]), ("", ""))
        self.assertIn("contact_erased_ms", t)

    def test_contact_validated(self):
        acct, cl, place = self.client()
        for bad, field in (({"phone": "call me"}, "dropoff.phone"), ({"phone": "12"}, "dropoff.phone"),
                           ({"address": "x" * 301}, "dropoff.address"), ({"nickname": "x"}, "dropoff.nickname"),
                           ({"instructions": 5}, "dropoff.instructions")):
            r = cl.post("/v1/delivery/jobs", {"place_id": place, "dropoff_lat": REF[0] + 0.01,
                                              "dropoff_lon": REF[1] + 0.01, "dropoff": bad})
            self.assertEqual(r.status, 400, (bad, r))
            self.assertEqual(r.json["error"]["field"], field, r)
        r = cl.post("/v1/delivery/jobs", {"place_id": place, "dropoff_lat": REF[0] + 0.01,
                                          "dropoff_lon": REF[1] + 0.01, "dropoff": "12 rue"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(cl.get("/v1/delivery/jobs").json["jobs"], [])  # nothing posted


class Alerts(Base):
    def test_no_courier_found(self):
        acct, cl, place = self.client()
        j = self.job(cl, place)
        self.epoch()
        self.clock(advance_ms=9 * MIN)
        self.epoch()
        self.assertEqual(self.adm.get("/v1/admin/dispatch/board").json["alerts"], [])
        self.clock(advance_ms=2 * MIN)
        self.epoch()
        self.epoch()  # raised once
        alerts = self.adm.get("/v1/admin/dispatch/board").json["alerts"]
        self.assertEqual(len(alerts), 1, alerts)
        a = alerts[0]
        self.assertEqual((a["kind"], a["job_id"], a["since_ms"]), ("no_courier_found", j["id"], T0))
        self.assertEqual(a["reason"], "no courier online and on duty")
        self.assertEqual(a["unassigned_for_s"], 660)
        rows = self.srv.sql("SELECT automated, subject FROM journal WHERE event = 'no_courier_found'")
        self.assertEqual(rows, [(1, "job:%d" % j["id"])])
        self.deliver_callbacks()
        ev = [e for e in self.rx.events() if e["event"] == "no_courier_found"]
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["reason"], "no courier online and on duty")
        # once a courier takes it, the alert leaves the board
        _, w = self.courier(pos=near())
        self.epoch()
        w.post("/v1/courier/offers/%d/accept" % self.offers(w)[0]["id"])
        self.assertEqual(self.adm.get("/v1/admin/dispatch/board").json["alerts"], [])

    def test_declined_reason_and_late(self):
        acct, cl, place = self.client()
        _, w = self.courier(pos=near())
        j = self.job(cl, place)
        self.epoch()
        w.post("/v1/courier/offers/%d/decline" % self.offers(w)[0]["id"])
        self.clock(advance_ms=11 * MIN)
        self.epoch()
        a = [x for x in self.adm.get("/v1/admin/dispatch/board").json["alerts"] if x["kind"] == "no_courier_found"]
        self.assertIn("1 declined", a[0]["reason"])
        # late: not delivered by ready + quoted courier time + 10 min grace
        due = T0 + j["expected_ms"] + 10 * MIN
        self.clock(set_ms=due + 5 * MIN)
        self.epoch()
        late = [x for x in self.adm.get("/v1/admin/dispatch/board").json["alerts"] if x["kind"] == "late"]
        self.assertEqual(len(late), 1, late)
        self.assertEqual(late[0]["job_id"], j["id"])
        self.assertEqual(late[0]["late_by_s"], (due + 5 * MIN - (T0 + j["expected_ms"])) // 1000)
        self.deliver_callbacks()
        self.assertIn("late", [e["event"] for e in self.rx.events()])


class Scheduled(Base):
    def test_scheduled_days_ahead_not_offered_early(self):
        acct, cl, place = self.client()
        wacct, w = self.courier(pos=near())
        ready = T0 + 2 * 24 * 60 * MIN
        j = self.job(cl, place, ready_at_ms=ready)
        self.assertEqual((j["ready_ms"], j["state"]), (ready, "scheduled"))
        self.assertEqual(cl.get("/v1/delivery/jobs/%d" % j["id"]).json["state"], "scheduled")
        # nobody is held for it two days early, by hand either
        r = self.adm.post("/v1/admin/dispatch/jobs/%d/reassign" % j["id"], {"courier_id": wacct["id"], "reason": "early"})
        self.assertEqual((r.status, r.json["error"]["code"]), (409, "not_reassignable"), r)
        self.assertIn("enters dispatch at", r.json["error"]["message"])
        self.epoch()
        self.assertEqual(self.offers(w), [])
        b = self.adm.get("/v1/admin/dispatch/board").json
        self.assertEqual([x["id"] for x in b["scheduled"]], [j["id"]])
        self.assertEqual(b["counts"]["scheduled"], 1)
        self.assertNotIn(j["id"], [x["id"] for x in b["jobs"]])
        # no false alarm while it waits, and the engine does not even see it
        self.clock(set_ms=ready - 31 * MIN)
        w.post("/v1/courier/position", near())
        self.assertEqual(self.epoch()["open_jobs"], 0)
        self.assertEqual(self.offers(w), [])
        self.assertEqual(self.adm.get("/v1/admin/dispatch/board").json["alerts"], [])
        # within the lead (30 min) the engine plans it; at its ready time it is offered
        self.clock(set_ms=ready - 29 * MIN)
        w.post("/v1/courier/position", near())
        self.assertEqual(self.epoch()["open_jobs"], 1)
        self.assertEqual(cl.get("/v1/delivery/jobs/%d" % j["id"]).json["state"], "open")
        b = self.adm.get("/v1/admin/dispatch/board").json
        self.assertEqual((b["scheduled"], b["counts"]["scheduled"], b["counts"]["open"]), ([], 0, 1))
        self.assertEqual([x["id"] for x in b["jobs"]], [j["id"]])
        self.clock(set_ms=ready)
        w.post("/v1/courier/position", near())
        e = self.epoch()
        offers = self.offers(w)
        self.assertTrue(offers, e)
        self.assertEqual([x["id"] for x in offers[0]["jobs"]], [j["id"]])

    def test_schedule_limits(self):
        acct, cl, place = self.client()
        self.job(cl, place, status=400, ready_at_ms=T0 + 8 * 24 * 60 * MIN)
        self.job(cl, place, status=400, ready_at_ms=T0 - MIN)
        self.job(cl, place, status=400, ready_at_ms=T0 + 3 * 60 * MIN, ready_in_s=60)
        self.assertEqual(cl.get("/v1/delivery/jobs").json["jobs"], [])
        q = cl.post("/v1/delivery/quote", {"place_id": place, "dropoff_lat": REF[0] + 0.012,
                                           "dropoff_lon": REF[1] + 0.008}).json
        j = self.job(cl, place, ready_at_ms=T0 + 7 * 24 * 60 * MIN)
        self.assertEqual(j["price_micros"], q["price_micros"])  # held in escrow like any job


class Prices(Base):
    def test_restaurants_are_charged_in_cents(self):
        acct, cl, place = self.client()
        prices = []
        for k in range(12):  # drop-offs at odd distances: exact prices would have fractions of a cent
            body = {"place_id": place, "dropoff_lat": REF[0] + 0.0031 * (k + 1), "dropoff_lon": REF[1] + 0.0017 * k}
            q = cl.post("/v1/delivery/quote", body)
            self.assertEqual(q.status, 200, q)
            prices.append(q.json["price_micros"])
            self.assertEqual(q.json["price_micros"] % 10_000, 0, q.json)
        self.assertEqual(len(set(prices)), 12, prices)
        before = cl.get("/v1/me/balance").json["available_micros"]
        j = self.post_job(cl, place, dlat=0.0031 * 5, dlon=0.0017 * 4)
        self.assertEqual(j["price_micros"] % 10_000, 0, j)
        self.assertEqual(before - cl.get("/v1/me/balance").json["available_micros"], j["price_micros"])


if __name__ == "__main__":
    unittest.main()
