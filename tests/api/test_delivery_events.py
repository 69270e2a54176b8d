"""The restaurant's live jobs (issue 16): GET /v1/delivery/events pushes the
client's own jobs (state, courier position, ETA, alerts) when they change;
tracking shows the alerts; a cancellation says what comes back and why.
Epochs are run by the test (dispatch.auto=false)."""
import json
import socket
import time
import unittest

import vis

REF = (48.8566, 2.3522)
MIN = 60000


class Stream:
    """An open event stream, read line by line."""

    def __init__(self, srv, tok, path="/v1/delivery/events"):
        self.s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer %s\r\n\r\n"
                        % (path, tok)).encode())
        self.f = self.s.makefile("rb")
        self.status = self.f.readline().decode()
        self.headers = {}
        while True:
            line = self.f.readline().decode().strip()
            if not line:
                break
            k, v = line.split(":", 1)
            self.headers[k.lower()] = v.strip()

    def next(self):
        ev, data = None, None
        while True:
            line = self.f.readline().decode()
            if not line:
                raise AssertionError("stream ended")
            if line.startswith("event:"):
                ev = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data = json.loads(line.split(":", 1)[1])
            elif line.strip() == "" and ev:
                return ev, data

    def until(self, pred, timeout=6):
        """The next event whose data satisfies pred (events that do not are skipped)."""
        t0 = time.time()
        while time.time() - t0 < timeout:
            ev, d = self.next()
            assert ev == "jobs", ev
            if pred(d):
                return d
        raise AssertionError("no matching event in %.0f s" % timeout)

    def close(self):
        self.s.close()


def job_of(d, jid):
    return next((j for j in d["jobs"] if j["id"] == jid), None)


class DeliveryEvents(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = vis.Server("--set", "dispatch.auto=false")
        cls.adm = cls.srv.admin()
        cls.acct, cls.cl = vis.signup(cls.srv, "client", name="Chez Flux")
        vis.fund(cls.srv, cls.acct["id"], 200000000)
        r = cls.cl.post("/v1/delivery/places", {"name": "Chez Flux", "lat": REF[0], "lon": REF[1]})
        assert r.status == 201, r
        cls.place = r.json["id"]
        cls.tok = cls.cl.token

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def post_job(self, cl=None, place=None, dlat=0.012, dlon=0.008):
        r = (cl or self.cl).post("/v1/delivery/jobs", {"place_id": place or self.place, "dropoff_lat": REF[0] + dlat,
                                                        "dropoff_lon": REF[1] + dlon,
                                                        "dropoff": {"recipient_name": "Ada", "phone": "+33 6 12 34 56 78"}})
        self.assertEqual(r.status, 201, r)
        return r.json

    def epoch(self):
        r = self.adm.post("/v1/admin/dispatch/run-epoch")
        self.assertEqual(r.status, 200, r)
        return r.json

    def courier(self, lat=48.8516, lon=2.3482):
        acct, w = vis.signup(self.srv, "worker")
        vis.approve_courier(self.srv, acct["id"])
        self.assertEqual(w.post("/v1/courier/online", {"lat": lat, "lon": lon}).status, 200)
        return acct, w

    def test_pushed_to_delivery(self):
        st = Stream(self.srv, self.tok)
        try:
            self.assertIn("200", st.status)
            self.assertTrue(st.headers["content-type"].startswith("text/event-stream"))
            ev, d = st.next()
            self.assertEqual(ev, "jobs")
            self.assertIn("time_ms", d)
            # another restaurant's job never shows
            a2, cl2 = vis.signup(self.srv, "client")
            vis.fund(self.srv, a2["id"], 50000000)
            p2 = cl2.post("/v1/delivery/places", {"name": "Other", "lat": REF[0], "lon": REF[1]}).json["id"]
            other = self.post_job(cl2, p2)
            t0 = time.time()
            job = self.post_job()
            d = st.until(lambda d: job_of(d, job["id"]))
            self.assertLess(time.time() - t0, 3.0)
            self.assertIsNone(job_of(d, other["id"]))
            j = job_of(d, job["id"])
            self.assertEqual(j["state"], "open")
            self.assertIsNone(j["courier_position"])
            self.assertEqual(j["alerts"], [])
            self.assertEqual(j["dropoff_contact"]["recipient_name"], "Ada")
            self.assertEqual(j["price_micros"], job["price_micros"])
            self.assertIsNotNone(j["eta"]["dropoff_ms"])
            r = cl2.post("/v1/delivery/jobs/%d/cancel" % other["id"])
            self.assertEqual(r.status, 200, r)

            acct, w = self.courier()
            self.epoch()
            d = st.until(lambda d: job_of(d, job["id"])["state"] == "offered")
            offer = w.get("/v1/courier/offers").json["offers"][0]
            self.assertEqual(w.post("/v1/courier/offers/%d/accept" % offer["id"]).status, 200)
            d = st.until(lambda d: job_of(d, job["id"])["state"] == "assigned")
            j = job_of(d, job["id"])
            self.assertEqual(j["courier_id"], acct["id"])
            self.assertEqual((j["courier_position"]["lat"], j["courier_position"]["lon"]), (48.8516, 2.3482))
            self.assertIsNotNone(j["eta"]["pickup_ms"])
            # the courier moves: the new position is pushed, with the ETA from it
            self.assertEqual(w.post("/v1/courier/position", {"lat": REF[0], "lon": REF[1]}).status, 200)
            d = st.until(lambda d: job_of(d, job["id"])["courier_position"]["lat"] == REF[0])
            track = self.cl.get("/v1/delivery/jobs/%d" % job["id"]).json
            self.assertEqual(job_of(d, job["id"])["courier_position"]["lon"], track["courier_position"]["lon"])
            self.assertEqual(w.post("/v1/courier/jobs/%d/picked-up" % job["id"]).status, 200)
            d = st.until(lambda d: job_of(d, job["id"])["state"] == "picked_up")
            self.assertEqual(self.adm.post("/v1/admin/clock", {"advance_ms": 3 * MIN}).status, 200)
            self.assertEqual(w.post("/v1/courier/position", {"lat": REF[0] + 0.012, "lon": REF[1] + 0.008}).status, 200)
            self.assertEqual(w.post("/v1/courier/jobs/%d/delivered" % job["id"]).status, 200)
            d = st.until(lambda d: job_of(d, job["id"])["state"] == "delivered")
            j = job_of(d, job["id"])
            self.assertIsNone(j["courier_position"])  # the courier's position only while on the job
            self.assertEqual(j["eta"]["dropoff_ms"], j["delivered_ms"])
            self.assertEqual(w.post("/v1/courier/offline").status, 200)
            # ended jobs leave the stream 30 minutes after they ended
            self.assertEqual(self.adm.post("/v1/admin/clock", {"advance_ms": 31 * MIN}).status, 200)
            st.until(lambda d: job_of(d, job["id"]) is None)
        finally:
            st.close()

    def test_only_clients(self):
        ev = {"Accept": "text/event-stream"}
        _, w = vis.signup(self.srv, "worker")
        self.assertEqual(w.get("/v1/delivery/events", headers=ev).status, 403)
        self.assertEqual(self.adm.get("/v1/delivery/events", headers=ev).status, 403)
        self.assertEqual(self.srv.client().get("/v1/delivery/events", headers=ev).status, 401)
        # a plain GET (not an event-stream reader) is answered at once, not with an endless stream
        r = self.cl.get("/v1/delivery/events")
        self.assertEqual((r.status, r.json["error"]["code"], r.json["error"]["field"]), (400, "event_stream_only", "Accept"))
        self.assertEqual(w.get("/v1/delivery/events").status, 403)
        self.assertEqual(self.adm.get("/v1/delivery/events").status, 403)
        self.assertEqual(self.srv.client().get("/v1/delivery/events").status, 401)

    def test_no_courier_alert_pushed_and_tracked(self):
        st = Stream(self.srv, self.tok)
        try:
            st.next()
            job = self.post_job(dlat=-0.01, dlon=0.01)
            st.until(lambda d: job_of(d, job["id"]))
            self.assertEqual(self.adm.post("/v1/admin/clock", {"advance_ms": 11 * MIN}).status, 200)
            self.epoch()  # no courier online: nobody found; raised at the epoch
            d = st.until(lambda d: job_of(d, job["id"]) and job_of(d, job["id"])["alerts"])
            al = job_of(d, job["id"])["alerts"]
            self.assertEqual([(a["kind"], a["active"]) for a in al], [("no_courier_found", True)])
            self.assertIn("no courier online", al[0]["reason"])
            t = self.cl.get("/v1/delivery/jobs/%d" % job["id"]).json
            self.assertEqual(t["alerts"], al)
            r = self.cl.post("/v1/delivery/jobs/%d/cancel" % job["id"])
            self.assertEqual(r.status, 200, r)
            d = st.until(lambda d: job_of(d, job["id"])["state"] == "cancelled")
            self.assertEqual([a["active"] for a in job_of(d, job["id"])["alerts"]], [False])
        finally:
            st.close()

    def test_cancel_says_the_refund(self):
        bal0 = self.cl.get("/v1/me/balance").json
        job = self.post_job(dlat=0.006, dlon=-0.004)
        r = self.cl.post("/v1/delivery/jobs/%d/cancel" % job["id"], {"reason": "customer called"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["refund"], {"escrow_micros": job["price_micros"], "refunded_micros": job["price_micros"],
                                            "courier_kept_micros": 0, "basis": "not_accepted"})
        self.assertEqual(self.cl.get("/v1/me/balance").json["available_micros"], bal0["available_micros"])
        # accepted: the courier keeps the base part of their pay, the rest comes back
        job = self.post_job(dlat=0.004, dlon=0.006)
        acct, w = self.courier()
        try:
            self.epoch()
            offer = w.get("/v1/courier/offers").json["offers"][0]
            self.assertEqual(w.post("/v1/courier/offers/%d/accept" % offer["id"]).status, 200)
            base = self.cl.get("/v1/delivery/jobs/%d" % job["id"]).json["courier_pay"]["base_micros"]
            self.assertGreater(base, 0)
            bal1 = self.cl.get("/v1/me/balance").json["available_micros"]
            r = self.cl.post("/v1/delivery/jobs/%d/cancel" % job["id"])
            self.assertEqual(r.status, 200, r)
            rf = r.json["refund"]
            self.assertEqual(rf, {"escrow_micros": job["price_micros"], "refunded_micros": job["price_micros"] - base,
                                  "courier_kept_micros": base, "basis": "accepted"})
            self.assertEqual(self.cl.get("/v1/me/balance").json["available_micros"], bal1 + rf["refunded_micros"])
        finally:
            w.post("/v1/courier/offline")
        self.assertEqual(self.adm.get("/v1/admin/ledger").json["sum_micros"], 0)

    def test_quote_with_ready_time(self):
        body = {"place_id": self.place, "dropoff_lat": REF[0] + 0.01, "dropoff_lon": REF[1]}
        q0 = self.cl.post("/v1/delivery/quote", body)
        self.assertEqual(q0.status, 200, q0)
        q = self.cl.post("/v1/delivery/quote", dict(body, ready_in_s=900)).json
        self.assertEqual(q["ready_ms"], q0.json["ready_ms"] + 900000)
        self.assertEqual(q["promised_ms"], q["ready_ms"] + q["expected_ms"])
        self.assertEqual(q["price_micros"], q0.json["price_micros"])
        cp = q["courier_pay"]
        self.assertEqual(cp["total_micros"], cp["base_micros"] + cp["distance_micros"] + cp["time_micros"])
        self.assertGreater(cp["total_micros"], 0)
        # the horizon: scheduled beyond it is refused, naming the field
        r = self.cl.post("/v1/delivery/quote", dict(body, ready_at_ms=q["schedule_until_ms"] + 60000))
        self.assertEqual((r.status, r.json["error"]["field"]), (400, "ready_at_ms"), r)
        r = self.cl.post("/v1/delivery/quote", dict(body, ready_at_ms=q["schedule_until_ms"]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["ready_ms"], q["schedule_until_ms"])
        r = self.cl.post("/v1/delivery/quote", dict(body, ready_at_ms=q["schedule_until_ms"], ready_in_s=60))
        self.assertEqual(r.status, 400, r)
        # the posted job's price and promise are the quote's
        j = self.cl.post("/v1/delivery/jobs", dict(body, ready_in_s=900)).json
        self.assertEqual(j["price_micros"], q["price_micros"])
        self.assertEqual(j["ready_ms"] + j["expected_ms"], q["promised_ms"])
        self.assertEqual(self.cl.post("/v1/delivery/jobs/%d/cancel" % j["id"]).status, 200)


if __name__ == "__main__":
    unittest.main()
