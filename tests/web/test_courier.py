"""Browser tests of the courier's page (/courier, phone first): going online
with the typed-in position, offers pushed by the server (Server-Sent Events)
with the pay and its breakdown equal to the API's, declining (no
consequence), accepting, the job step by step with its map, the shift's
waiting time growing live, the guarantee's estimate on the time the server
counts (inside a service area), going offline with the final figures; both
languages, accessibility, and the polling fallback when the stream cannot
be opened. Epochs are run by the test (dispatch.auto=false)."""
import time
import unittest

from web import Browser, By, vis

REF = (48.8566, 2.3522)
MIN = 60000


class CourierPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = vis.Server("--set", "dispatch.auto=false")
        cls.adm = cls.srv.admin()
        acct, cls.rest = vis.signup(cls.srv, "client", name="Chez Test")
        r = cls.adm.post("/v1/admin/accounts/%d/credit" % acct["id"], {"amount_micros": 100000000, "reason": "test"})
        assert r.status == 201, r
        r = cls.rest.post("/v1/delivery/places", {"name": "Chez Test", "lat": REF[0], "lon": REF[1]})
        assert r.status == 201, r
        cls.place = r.json["id"]
        cls.b = Browser(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.b.close()
        cls.srv.close()

    # ---- helpers ----
    def courier(self):
        """A fresh courier, signed in in the browser; returns (account, API client)."""
        CourierPage.n = getattr(CourierPage, "n", 0) + 1
        email = "courier%d@example.org" % CourierPage.n
        acct, w = vis.signup(self.srv, "worker", name="Courier %d" % CourierPage.n, email=email)
        vis.approve_courier(self.srv, acct["id"])
        self.b.d.delete_all_cookies()
        self.b.login(email, "correct horse")
        return acct, w

    def post_job(self, dlat=0.012, dlon=0.008):
        r = self.rest.post("/v1/delivery/jobs", {"place_id": self.place, "dropoff_lat": REF[0] + dlat,
                                                  "dropoff_lon": REF[1] + dlon})
        self.assertEqual(r.status, 201, r)
        return r.json

    def cancel_open_jobs(self):
        for j in self.rest.get("/v1/delivery/jobs").json["jobs"]:
            if j["state"] in ("open", "offered", "scheduled"):
                r = self.rest.post("/v1/delivery/jobs/%d/cancel" % j["id"])
                self.assertEqual(r.status, 200, r)

    def setUp(self):
        self.cancel_open_jobs()

    def epoch(self):
        r = self.adm.post("/v1/admin/dispatch/run-epoch")
        self.assertEqual(r.status, 200, r)
        return r.json

    def go_online(self, lat="48.8516", lon="2.3482"):
        b = self.b
        b.q("#pos-lat").clear()
        b.q("#pos-lat").send_keys(lat)
        b.q("#pos-lon").clear()
        b.q("#pos-lon").send_keys(lon)
        b.q("#pos-submit").click()
        b.wait(lambda d: b.text("#state") == "Online · waiting", what="online")

    def ms(self, sel):
        return int(self.b.attr(sel, "data-ms"))

    def micros(self, sel):
        return int(self.b.attr(sel, "data-micros"))

    # ---- tests ----
    def test_shift_pushed_offers_job_steps(self):
        b = self.b
        acct, w = self.courier()
        b.d.execute_cdp_cmd("Browser.setPermission", {"permission": {"name": "geolocation"}, "setting": "denied",
                                                      "origin": b.base})
        b.page("/courier")
        self.assertEqual(b.text("#state"), "Offline")
        # location refused: the page says so and offers the form
        b.wait(lambda d: self.b.attr("#geo-status", "data-state") == "denied", what="geolocation refused")
        self.assertIn("refused access to your location, so enter your position below", b.text("#geo-status"))
        # the push stream is open: the page says it is live
        b.wait(lambda d: self.b.attr("#mode", "data-mode") == "sse", what="live mode")
        self.assertEqual(b.text("#mode"), "Live")
        # a bad latitude is refused next to its field, nothing is sent
        b.q("#pos-lat").send_keys("north")
        b.q("#pos-submit").click()
        self.b.seen("#pos-lat + .field-error")
        self.assertEqual(w.get("/v1/courier/offers").json["online"], False)
        self.go_online()
        self.assertEqual(w.get("/v1/courier/offers").json["online"], True)
        self.b.seen("#shift-waiting")
        b.js("window.__sameDocument = 42")

        # a restaurant posts a job, the dispatcher runs: the offer is pushed to the page
        job_a = self.post_job()
        self.assertEqual(len(self.epoch()["offers"]), 1)
        card = self.b.seen(".offer[data-offer-id]", timeout=10)
        self.assertEqual(b.js("return window.__sameDocument"), 42)  # no reload
        self.assertEqual(self.b.attr("#mode", "data-mode"), "sse")
        o = w.get("/v1/courier/offers").json["offers"][0]
        oid = o["id"]
        self.assertEqual(card.get_attribute("data-offer-id"), str(oid))
        # pay and breakdown, before accepting, equal to the API's
        self.assertEqual(self.micros("#offer-%d-pay" % oid), o["pay_micros"])
        self.assertEqual(self.micros("#offer-%d-total" % oid), o["pay_micros"])
        for part in ("base", "distance", "time", "waiting"):
            self.assertEqual(self.micros("#offer-%d-%s" % (oid, part)), o["breakdown"][part + "_micros"], part)
        euros = "%d.%02d" % (o["pay_micros"] // 1000000, o["pay_micros"] % 1000000 // 10000)
        self.assertIn(euros, b.text("#offer-%d-pay" % oid))
        card_sel = ".offer[data-offer-id='%d']" % oid
        b.has_text(card_sel, "Chez Test")
        b.has_text(card_sel, "%.5f" % REF[0])  # the pickup as text, not only on a map
        # the expiry counts down
        c1 = b.text("#offer-%d-countdown" % oid)
        self.assertRegex(c1, r"^\d+:\d\d$")
        b.wait(lambda d: b.text("#offer-%d-countdown" % oid) != c1, what="countdown moving")
        # declining has no consequence, said next to the button
        dec = b.q("#offer-%d-decline" % oid)
        note = b.q("#" + dec.get_attribute("aria-describedby"))
        self.assertIn("Declining has no consequence", note.text)
        self.b.languages("courier", "#courier-h", "Deliveries", "Livraisons")
        self.assertEqual(b.audit(), [])
        b.shot("courier-offer")

        b.q("#offer-%d-decline" % oid).click()
        b.wait(lambda d: not b.qa(".offer[data-offer-id='%d']" % oid), what="offer gone")
        self.assertIn("no consequence", b.text("#flash"))
        r = self.srv.sql("SELECT state FROM disp_offers WHERE id = ?", (oid,))
        self.assertEqual(r[0][0], "declined")
        self.assertEqual(w.get("/v1/courier/offers").json["offers"], [])

        # another job: accept it
        job_b = self.post_job(dlat=-0.01, dlon=0.01)
        self.epoch()
        card = self.b.seen(".offer[data-offer-id]", timeout=10)
        o = w.get("/v1/courier/offers").json["offers"][0]
        self.assertEqual([j["id"] for j in o["jobs"]], [job_b["id"]])
        self.assertEqual(self.micros("#offer-%d-pay" % o["id"]), o["pay_micros"])
        b.q("#offer-%d-accept" % o["id"]).click()
        self.b.seen("#job-%d" % job_b["id"])
        self.assertEqual(b.text("#state"), "Online · on a job")
        self.assertEqual(w.get("/v1/courier/jobs").json["jobs"][0]["state"], "assigned")
        self.assertEqual(b.qa(".offer[data-offer-id]"), [])
        self.assertFalse(b.q("#go-offline").is_displayed())  # refused while on a job: not offered
        # the steps: accepted done, arrival now; the places as text and on the map
        steps = [(s.get_attribute("data-step"), s.get_attribute("class").split()[-1]) for s in b.qa("#job-%d .step" % job_b["id"])]
        self.assertEqual(steps, [("accepted", "done"), ("arrived", "current"), ("picked_up", "later"), ("delivered", "later")])
        b.has_text("#job-%d" % job_b["id"], "%.5f" % (REF[0] - 0.01))
        self.assertEqual(len(b.qa("#job-%d-map .leaflet-marker-icon.pin" % job_b["id"])), 3)  # you, pickup, drop-off
        self.assertIn("Pickup", b.q("#job-%d-map" % job_b["id"]).get_attribute("textContent"))
        self.assertEqual(self.micros("#job-%d-pay" % job_b["id"]), o["pay_micros"])
        self.b.languages("courier", "#courier-h", "Deliveries", "Livraisons")
        self.assertEqual(b.audit(), [])
        b.shot("courier-job")

        nxt = "#job-%d-next" % job_b["id"]
        self.assertEqual(self.b.attr(nxt, "data-action"), "arrived")
        b.q(nxt).click()
        b.wait(lambda d: self.b.attr(nxt, "data-action") == "picked-up", what="arrival recorded")
        self.assertEqual(len(self.srv.sql("SELECT id FROM journal WHERE event = 'arrived' AND worker_id = ?",
                                          (acct["id"],))), 1)
        self.b.seen("#job-%d-waited" % job_b["id"])
        # issue 15: pickups and deliveries are checked against the courier's last position (and a delivery
        # against the time since pickup): the courier is at the restaurant, then at the drop-off
        self.assertEqual(w.post("/v1/courier/position", {"lat": REF[0], "lon": REF[1]}).status, 200)
        b.q(nxt).click()
        b.wait(lambda d: self.b.attr(nxt, "data-action") == "delivered", what="pickup recorded")
        self.assertEqual(w.get("/v1/courier/jobs").json["jobs"][0]["state"], "picked_up")
        self.assertEqual(self.adm.post("/v1/admin/clock", {"advance_ms": 3 * MIN}).status, 200)
        self.assertEqual(w.post("/v1/courier/position", {"lat": REF[0] - 0.01, "lon": REF[1] + 0.01}).status, 200)
        b.q(nxt).click()
        b.wait(lambda d: not b.qa("#job-%d" % job_b["id"]), what="job gone")
        self.assertTrue(b.q("#jobs").get_attribute("hidden") is not None)
        s = w.get("/v1/courier/shift").json
        paid = s["pay"]["orders_total_micros"]
        self.assertGreater(paid, 0)
        self.assertIn("You earned", b.text("#flash"))
        b.wait(lambda d: self.micros("#shift-pay") == paid, what="pay so far")
        self.assertEqual(b.text("#shift-orders"), "1")
        self.assertEqual(b.text("#state"), "Online · waiting")

        # waiting time grows on the page, second by second (the platform clock
        # is frozen here: a refresh of the shift in between brings the page
        # back to the server's figure, so a few tries are allowed)
        grew = []
        for _ in range(3):
            w1 = self.ms("#shift-waiting")
            time.sleep(1.3)
            w2 = self.ms("#shift-waiting")
            grew.append((w1, w2))
            if w2 > w1:
                break
        self.assertGreater(w2, w1, grew)
        # the platform clock jumps 10 minutes: going offline shows the server's final figures
        r = self.adm.post("/v1/admin/clock", {"advance_ms": 10 * MIN})
        self.assertEqual(r.status, 200, r)
        # loaded now, the page shows the server's live totals: the waiting span running now counted once
        b.page("/courier")
        b.wait(lambda d: b.text("#state") == "Online · waiting", what="online after reload")
        s = w.get("/v1/courier/shift").json
        self.assertGreaterEqual(s["time"]["waiting_ms"], 10 * MIN)
        b.wait(lambda d: abs(self.ms("#shift-waiting") - s["time"]["waiting_ms"]) < 5000, what="live waiting time")
        self.assertEqual(self.ms("#shift-active"), s["time"]["active_ms"])
        b.q("#go-offline").click()
        b.wait(lambda d: b.text("#state") == "Offline", what="offline")
        self.b.seen("#offline-result")
        s = w.get("/v1/courier/shift").json
        self.assertFalse(s["online"])
        b.wait(lambda d: self.ms("#shift-waiting") == s["time"]["waiting_ms"], what="final waiting time")
        self.assertGreaterEqual(s["time"]["waiting_ms"], 10 * MIN)
        self.assertEqual(self.ms("#shift-active"), s["time"]["active_ms"])
        self.assertEqual(self.micros("#shift-topup"), s["guarantee"]["topup_micros"])
        self.assertEqual(self.micros("#shift-total"), s["total_micros"])
        self.assertIn("Shift ended", b.text("#offline-result"))
        time.sleep(1.2)
        self.assertEqual(self.ms("#shift-waiting"), s["time"]["waiting_ms"])  # stopped growing
        self.assertEqual(b.audit(), [])

    def test_estimate_counts_only_area_time(self):
        """Issue 15: the live top-up estimate uses the time the server counts for the guarantee (online inside a
        service area), not all online time: outside the area it stays at zero, inside it grows."""
        b = self.b
        acct, w = self.courier()
        d = 0.002  # a small area around the restaurant; going online 560 m away is outside it
        sq = [[REF[0] - d, REF[1] - d], [REF[0] - d, REF[1] + d], [REF[0] + d, REF[1] + d], [REF[0] + d, REF[1] - d]]
        r = self.adm.request("PUT", "/v1/admin/dispatch/areas", body={"areas": [{"name": "Centre", "points": sq}]})
        self.assertEqual(r.status, 200, r)
        try:
            b.page("/courier")
            self.go_online()
            r = self.adm.post("/v1/admin/clock", {"advance_ms": 30 * MIN})
            self.assertEqual(r.status, 200, r)
            b.page("/courier")
            b.wait(lambda d: b.text("#state") == "Online · waiting", what="online after reload")
            self.b.seen("#shift-counted")
            b.wait(lambda d: self.b.attr("#shift-online", "data-ms") and self.ms("#shift-online") >= 30 * MIN,
                   what="online time")
            self.assertEqual(self.ms("#shift-counted"), 0)
            self.assertEqual(self.micros("#shift-guarantee"), 0)
            self.assertEqual(self.micros("#shift-topup"), 0)
            r = w.post("/v1/courier/position", {"lat": REF[0], "lon": REF[1]})
            self.assertEqual(r.status, 200, r)
            r = self.adm.post("/v1/admin/clock", {"advance_ms": 30 * MIN})
            self.assertEqual(r.status, 200, r)
            b.page("/courier")
            b.wait(lambda d: b.text("#state") == "Online · waiting", what="online after reload")
            s = w.get("/v1/courier/shift").json
            self.assertTrue(s["guarantee"]["counting"])
            b.wait(lambda d: self.b.attr("#shift-counted", "data-ms") and
                   abs(self.ms("#shift-counted") - s["guarantee"]["counted_ms"]) < 5000, what="counted time")
            self.assertGreaterEqual(self.ms("#shift-counted"), 30 * MIN)
            self.assertLess(self.ms("#shift-counted"), 31 * MIN)
            self.assertLess(abs(self.micros("#shift-guarantee") - s["guarantee"]["guaranteed_micros"]), 20000)
            time.sleep(1.2)  # still inside: the estimate grows live
            self.assertGreater(self.ms("#shift-counted"), s["guarantee"]["counted_ms"])
            self.b.languages("courier", "#courier-h", "Deliveries", "Livraisons")
            b.q("#go-offline").click()
            b.wait(lambda d: b.text("#state") == "Offline", what="offline")
            s = w.get("/v1/courier/shift").json
            b.wait(lambda d: self.ms("#shift-counted") == s["guarantee"]["counted_ms"], what="final counted time")
            self.assertEqual(self.micros("#shift-topup"), s["guarantee"]["topup_micros"])
        finally:
            self.adm.request("PUT", "/v1/admin/dispatch/areas", body={"areas": []})

    def test_device_location(self):
        """With the device's location allowed, it fills the form and is sent when the courier moves."""
        b = self.b
        acct, w = self.courier()
        b.d.execute_cdp_cmd("Browser.grantPermissions", {"permissions": ["geolocation"], "origin": b.base})
        b.d.execute_cdp_cmd("Emulation.setGeolocationOverride", {"latitude": 48.85, "longitude": 2.34, "accuracy": 10})
        try:
            b.page("/courier")
            b.wait(lambda d: self.b.attr("#geo-status", "data-state") == "on", what="device location")
            self.assertEqual(b.q("#pos-lat").get_attribute("value"), "48.850000")
            b.q("#pos-submit").click()
            b.wait(lambda d: b.text("#state") == "Online · waiting", what="online")
            pos = lambda: self.srv.sql("SELECT lat_e6, lon_e6 FROM disp_couriers WHERE courier_id = ?", (acct["id"],))
            self.assertEqual(pos(), [(48850000, 2340000)])
            b.d.execute_cdp_cmd("Emulation.setGeolocationOverride", {"latitude": 48.86, "longitude": 2.35,
                                                                      "accuracy": 10})
            b.wait(lambda d: pos() == [(48860000, 2350000)], what="moved position sent")
            b.q("#go-offline").click()
            b.wait(lambda d: b.text("#state") == "Offline", what="offline")
            self.assertEqual(pos(), [(None, None)] if pos() else [])  # deleted when offline
        finally:
            b.d.execute_cdp_cmd("Emulation.clearGeolocationOverride", {})
            b.d.execute_cdp_cmd("Browser.resetPermissions", {})

    def test_polling_fallback(self):
        """Without EventSource the page polls every 5 s and says so; offers still come."""
        b = self.b
        acct, w = self.courier()
        ident = b.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                    {"source": "delete window.EventSource;"})["identifier"]
        try:
            b.page("/courier")
            b.wait(lambda d: self.b.attr("#mode", "data-mode") == "poll", what="polling mode")
            self.assertEqual(b.text("#mode"), "Updating every 5 s")
            self.go_online("48.8600", "2.3500")
            self.post_job(dlat=0.004, dlon=-0.006)
            ep = self.epoch()
            self.assertEqual([o["courier"] for o in ep["offers"]], [acct["id"]])
            card = self.b.seen(".offer[data-offer-id]", timeout=12)
            o = w.get("/v1/courier/offers").json["offers"][0]
            self.assertEqual(self.micros("#offer-%d-pay" % o["id"]), o["pay_micros"])
            b.q("#offer-%d-decline" % o["id"]).click()
            b.wait(lambda d: not b.qa(".offer[data-offer-id]"), what="offer gone")
            b.q("#go-offline").click()
            b.wait(lambda d: b.text("#state") == "Offline", what="offline")
            self.assertEqual(b.text("#mode"), "Updating every 5 s")
        finally:
            b.d.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": ident})


    def test_off_duty_location_exception_hand_back(self):
        """Issue 15: taken off duty, the page says so with the reason; a pickup away from the restaurant is
        refused, then reported with a reason; a job is handed back with a reason without going offline."""
        b = self.b
        acct, w = self.courier()
        b.page("/courier")
        self.go_online()  # 560 m from the restaurant
        r = self.adm.post("/v1/admin/dispatch/couriers/%d/off-duty" % acct["id"], {"reason": "flat tyre"})
        self.assertEqual(r.status, 200, r)
        b.wait(lambda d: b.text("#state") == "Online · off duty", what="off duty")
        self.assertIn("flat tyre", b.text("#state-text"))
        self.b.languages("courier", "#courier-h", "Deliveries", "Livraisons")
        self.assertEqual(self.adm.post("/v1/admin/dispatch/couriers/%d/on-duty" % acct["id"]).status, 200)
        b.wait(lambda d: b.text("#state") == "Online · waiting", what="back on duty")
        # a pickup far from the restaurant: refused, then reported with a reason
        job = self.post_job()
        self.epoch()
        o = w.get("/v1/courier/offers").json["offers"][0]
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o["id"]).status, 200)
        self.b.seen("#job-%d" % job["id"])
        nxt = "#job-%d-next" % job["id"]
        b.q(nxt).click()
        b.wait(lambda d: self.b.attr(nxt, "data-action") == "picked-up", what="arrival recorded")
        b.q(nxt).click()
        reason = self.b.seen("#job-%d-exception-reason" % job["id"])
        self.assertIn("m from the pickup place", b.text("#job-%d .form-error" % job["id"]))
        self.assertEqual(b.audit(), [])
        reason.send_keys("the restaurant handed it over in the next street")
        b.q("#job-%d-exception-submit" % job["id"]).click()
        b.wait(lambda d: self.b.attr(nxt, "data-action") == "delivered", what="pickup recorded")
        self.assertEqual(self.srv.sql("SELECT kind, reason FROM disp_loc_exceptions WHERE job_id = ?", (job["id"],)),
                         [("pickup", "the restaurant handed it over in the next street")])
        self.assertEqual(w.post("/v1/courier/position", {"lat": REF[0] + 0.012, "lon": REF[1] + 0.008}).status, 200)
        self.assertEqual(self.adm.post("/v1/admin/clock", {"advance_ms": 5 * MIN}).status, 200)
        b.q(nxt).click()
        b.wait(lambda d: not b.qa("#job-%d" % job["id"]), what="delivered")
        # hand a job back before pickup
        job2 = self.post_job(dlat=-0.01, dlon=0.01)
        self.epoch()
        o = w.get("/v1/courier/offers").json["offers"][0]
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % o["id"]).status, 200)
        self.b.seen("#job-%d-hand-back" % job2["id"]).click()
        self.b.seen("#job-%d-handback-reason" % job2["id"]).send_keys("chain broke")
        b.q("#job-%d-handback-submit" % job2["id"]).click()
        b.wait(lambda d: not b.qa("#job-%d" % job2["id"]), what="handed back")
        self.assertIn("No penalty", b.text("#flash"))
        self.assertEqual(b.text("#state"), "Online · waiting")
        self.assertEqual(self.rest.get("/v1/delivery/jobs/%d" % job2["id"]).json["state"], "open")
        self.assertEqual(b.audit(), [])
        b.q("#go-offline").click()
        b.wait(lambda d: b.text("#state") == "Offline", what="offline")


if __name__ == "__main__":
    unittest.main()
