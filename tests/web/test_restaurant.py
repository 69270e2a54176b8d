"""Browser tests of the restaurant's console (/restaurant, issue 16): a place
added (a bad coordinate refused next to its field), the quote following what
is typed (the server's figures, an error next to its field), a delivery
posted with the escrow shown first, then tracked to delivery while the
courier works through the API — the page updated by the server's push
(GET /v1/delivery/events), without reload —, the "no courier found" alert,
a cancellation with the refund the server reports, the callback settings,
and the refusal panel for workers and administrators. Both languages, axe.
Epochs are run by the test (dispatch.auto=false)."""
import unittest

from web import Browser, vis

REF = (48.8566, 2.3522)
MIN = 60000
PASSWORD = "correct horse"


def euros(micros):
    """The exact amount as the page writes it: at least 2 decimals, never rounded (12.5 -> 12.50, 6.887)."""
    s = "%d.%06d" % (micros // 1000000, micros % 1000000)
    while s.endswith("0") and len(s.split(".")[1]) > 2:
        s = s[:-1]
    return s


class RestaurantPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = vis.Server("--set", "dispatch.auto=false")
        cls.adm = cls.srv.admin()
        cls.acct, cls.cl = vis.signup(cls.srv, "client", name="Chez Page", email="chez@example.org",
                                      password=PASSWORD)
        vis.fund(cls.srv, cls.acct["id"], 100000000)
        r = cls.adm.post("/v1/admin/accounts", {"name": "Ada Admin", "email": "ada@example.org",
                                                "password": PASSWORD, "role": "admin"})
        assert r.status == 201, r
        vis.signup(cls.srv, "worker", name="Wanda", email="wanda@example.org", password=PASSWORD)
        cls.b = Browser(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.b.close()
        cls.srv.close()

    # ---- helpers ----
    def micros(self, sel):
        v = self.b.attr(sel, "data-micros")
        return int(v) if v else None

    def type(self, sel, text):
        e = self.b.q(sel)
        e.clear()
        e.send_keys(text)

    def signed_in(self):
        self.b.d.delete_all_cookies()
        self.b.login("chez@example.org", PASSWORD)
        self.b.page("/restaurant")
        self.b.wait(lambda d: self.b.attr("#mode", "data-mode") == "sse", what="live mode")

    def place(self):
        places = self.cl.get("/v1/delivery/places").json["places"]
        if places:
            return places[0]["id"]
        r = self.cl.post("/v1/delivery/places", {"name": "Chez Page", "lat": REF[0], "lon": REF[1]})
        self.assertEqual(r.status, 201, r)
        return r.json["id"]

    def epoch(self):
        r = self.adm.post("/v1/admin/dispatch/run-epoch")
        self.assertEqual(r.status, 200, r)
        return r.json

    def quote(self, dlat, dlon, ready_in_s=600):
        r = self.cl.post("/v1/delivery/quote", {"place_id": self.place(), "dropoff_lat": dlat, "dropoff_lon": dlon,
                                                 "ready_in_s": ready_in_s})
        self.assertEqual(r.status, 200, r)
        return r.json

    # ---- tests ----
    def test_1_place_quote_post_track(self):
        b = self.b
        self.signed_in()
        self.assertTrue(b.q("#no-place").is_displayed())
        # a place: a bad latitude is refused next to its field; nothing is sent
        self.type("#place-name", "Chez Page")
        self.type("#place-lat", "north")
        self.type("#place-lon", "2.3522")
        b.q("#place-submit").click()
        self.b.seen("#place-lat + .field-error")
        self.assertEqual(self.cl.get("/v1/delivery/places").json["places"], [])
        self.type("#place-lat", "48.8566")
        b.q("#place-submit").click()
        b.wait(lambda d: b.qa("#places-body tr[id^=place-]"), what="place listed")
        pid = self.cl.get("/v1/delivery/places").json["places"][0]["id"]
        self.assertIn("Chez Page", b.text("#place-%d" % pid))
        self.assertEqual(b.q("#job-place").get_attribute("value"), str(pid))

        # the quote follows what is typed: the server's figures
        self.assertFalse(b.q("#job-submit").is_enabled())
        self.type("#job-ready", "0")  # ready now: offered at the next epoch
        self.type("#job-lat", "48.8686")
        self.type("#job-lon", "2.3602")
        q1 = self.quote(48.8686, 2.3602, 0)
        b.wait(lambda d: self.micros("#quote-price") == q1["price_micros"], what="first quote")
        self.assertEqual(self.micros("#quote-pay"), q1["courier_pay"]["total_micros"])
        self.assertEqual(int(self.b.attr("#quote-eta", "data-ms")) // 60000, q1["promised_ms"] // 60000)
        self.assertIn(euros(q1["price_micros"]), b.text("#quote-price"))
        self.assertTrue(b.q("#job-submit").is_enabled())
        self.assertIn("into escrow", b.text("#quote-escrow"))
        self.assertIn("100.00", b.text("#quote-escrow"))  # what the balance holds
        # further away: the price follows
        self.type("#job-lon", "2.3902")
        q2 = self.quote(48.8686, 2.3902, 0)
        self.assertGreater(q2["price_micros"], q1["price_micros"])
        b.wait(lambda d: self.micros("#quote-price") == q2["price_micros"], what="second quote")
        # too far: the server's error next to its field, and no posting
        self.type("#job-lat", "49.9")
        self.b.seen("#job-lat + .field-error")
        self.assertIn("too far from the pickup", b.text("#job-lat + .field-error"))
        self.assertFalse(b.q("#job-submit").is_enabled())
        self.assertEqual(b.js("return document.activeElement.id"), "job-lat")  # typing goes on
        self.type("#job-lat", "48.8686")
        b.wait(lambda d: self.micros("#quote-price") == q2["price_micros"], what="quote again")
        b.wait(lambda d: not b.qa("#job-lat + .field-error"), what="error gone")
        self.assertIsNone(self.b.attr("#job-lat", "aria-invalid"))
        self.type("#job-address", "12 rue de la Paix")
        self.type("#job-name", "Ada Lovelace")
        self.type("#job-phone", "+33 6 12 34 56 78")
        self.type("#job-instr", "Second floor, the blue door")
        self.assertEqual(b.audit(), [])
        b.shot("restaurant-post")

        b.js("window.__sameDocument = 42")
        b.q("#job-submit").click()
        b.wait(lambda d: "posted" in b.text("#flash"), what="posted")
        jobs = self.cl.get("/v1/delivery/jobs").json["jobs"]
        self.assertEqual(len(jobs), 1)
        job = jobs[0]
        jid = job["id"]
        self.assertEqual(job["price_micros"], q2["price_micros"])
        self.assertEqual(job["dropoff_contact"]["recipient_name"], "Ada Lovelace")
        self.b.seen("#job-%d" % jid)
        b.has_text("#job-%d" % jid, "12 rue de la Paix")
        self.assertEqual(self.b.attr("#job-%d-state" % jid, "data-state"), "open")
        bal = self.cl.get("/v1/me/balance").json
        b.wait(lambda d: self.micros("#bal-available") == bal["available_micros"], what="balance")
        self.assertEqual(bal["available_micros"], 100000000 - job["price_micros"])
        self.assertEqual(self.micros("#bal-escrow"), job["price_micros"])
        self.assertEqual(len(b.qa("#job-%d-map .leaflet-marker-icon.pin" % jid)), 2)  # pickup, drop-off

        # a courier takes it, through the API; the page follows by itself
        acct, w = vis.signup(self.srv, "worker")
        vis.approve_courier(self.srv, acct["id"])
        self.assertEqual(w.post("/v1/courier/online", {"lat": 48.8516, "lon": 2.3482}).status, 200)
        self.assertEqual(len(self.epoch()["offers"]), 1)
        b.wait(lambda d: self.b.attr("#job-%d-state" % jid, "data-state") == "offered", what="offered")
        offer = w.get("/v1/courier/offers").json["offers"][0]
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % offer["id"]).status, 200)
        b.wait(lambda d: self.b.attr("#job-%d-state" % jid, "data-state") == "assigned", what="assigned")
        self.assertEqual(self.b.attr("#job-%d-courier" % jid, "data-lat"), "48.8516")
        self.assertEqual(len(b.qa("#job-%d-map .leaflet-marker-icon.pin" % jid)), 3)  # + the courier
        track = self.cl.get("/v1/delivery/jobs/%d" % jid).json
        b.wait(lambda d: self.b.attr("#job-%d-eta" % jid, "data-ms") is not None, what="ETA")
        eta = int(self.b.attr("#job-%d-eta" % jid, "data-ms"))
        self.assertLess(abs(eta - track["eta"]["dropoff_ms"]), 5000)
        steps = [(s.get_attribute("data-step"), s.get_attribute("class").split()[-1])
                 for s in b.qa("#job-%d .step" % jid)]
        self.assertEqual(steps, [("posted", "done"), ("accepted", "done"), ("picked_up", "current"),
                                 ("delivered", "later")])
        # the courier moves: pushed
        self.assertEqual(w.post("/v1/courier/position", {"lat": REF[0], "lon": REF[1]}).status, 200)
        b.wait(lambda d: self.b.attr("#job-%d-courier" % jid, "data-lat") == str(REF[0]), what="courier moved")
        self.b.languages("restaurant", "#rest-h", "Deliveries", "Livraisons")
        self.assertEqual(b.audit(), [])
        b.shot("restaurant-track")
        self.assertEqual(w.post("/v1/courier/jobs/%d/picked-up" % jid).status, 200)
        b.wait(lambda d: self.b.attr("#job-%d-state" % jid, "data-state") == "picked_up", what="picked up")
        self.assertEqual(b.qa("#job-%d-cancel" % jid), [])  # no cancelling after pickup
        self.assertEqual(self.adm.post("/v1/admin/clock", {"advance_ms": 12 * MIN}).status, 200)
        self.assertEqual(w.post("/v1/courier/position", {"lat": 48.8686, "lon": 2.3902}).status, 200)
        r = w.post("/v1/courier/jobs/%d/delivered" % jid)
        self.assertEqual(r.status, 200, r)
        b.wait(lambda d: self.b.attr("#job-%d-state" % jid, "data-state") == "delivered", what="delivered")
        self.assertEqual(b.text("#job-%d-state" % jid), "Delivered")
        self.assertEqual(self.b.attr("#job-%d-courier" % jid, "data-lat"), None)  # no position after the job
        self.assertEqual(b.js("return window.__sameDocument"), 42)  # never reloaded: pushed
        self.assertEqual(self.b.attr("#mode", "data-mode"), "sse")
        self.assertEqual(w.post("/v1/courier/offline").status, 200)

    def test_2_alert_then_cancel_with_refund(self):
        b = self.b
        pid = self.place()
        self.signed_in()
        r = self.cl.post("/v1/delivery/jobs", {"place_id": pid, "dropoff_lat": REF[0] - 0.01,
                                                "dropoff_lon": REF[1] + 0.01})
        self.assertEqual(r.status, 201, r)
        job = r.json
        jid = job["id"]
        self.b.seen("#job-%d" % jid)
        bal0 = self.cl.get("/v1/me/balance").json["available_micros"]
        # nobody online for 11 minutes: the alert is raised at the epoch and pushed
        self.assertEqual(self.adm.post("/v1/admin/clock", {"advance_ms": 11 * MIN}).status, 200)
        self.epoch()
        sel = "#job-%d-alerts .alert-no_courier_found" % jid
        self.b.seen(sel)
        b.has_text(sel, "No courier found yet")
        reason = self.cl.get("/v1/delivery/jobs/%d" % jid).json["alerts"][0]["reason"]
        b.has_text(sel, reason)  # the server's reason, as it says it
        self.assertEqual(b.audit(), [])
        # cancel: what comes back is said before, and the server's figure after
        b.q("#job-%d-cancel" % jid).click()
        self.assertIn("the whole price comes back", b.text("#job-%d-cancel-terms" % jid))
        self.assertEqual(b.js("return document.activeElement.id"), "job-%d-reason" % jid)
        b.q("#job-%d-reason" % jid).send_keys("customer called")
        b.q("#job-%d-cancel-confirm" % jid).click()
        b.wait(lambda d: self.b.attr("#job-%d-state" % jid, "data-state") == "cancelled", what="cancelled")
        self.b.seen("#job-%d-refund" % jid)
        self.assertEqual(self.micros("#job-%d-refunded" % jid), job["price_micros"])
        self.assertIn("whole price came back", b.text("#job-%d-refund" % jid))
        self.assertIn(euros(job["price_micros"]), b.text("#flash"))
        bal = self.cl.get("/v1/me/balance").json["available_micros"]
        self.assertEqual(bal, bal0 + job["price_micros"])
        b.wait(lambda d: self.micros("#bal-available") == bal, what="balance refunded")
        ev = self.srv.sql("SELECT payload FROM journal WHERE event = 'job_cancelled' AND subject = ?",
                          ("job:%d" % jid,))
        self.assertIn("customer called", ev[0][0])
        self.assertEqual(b.audit(), [])

    def test_3_callbacks(self):
        b = self.b
        self.signed_in()
        # no address yet: no secret yet (made with the first address)
        self.assertEqual(self.cl.get("/v1/delivery/callbacks").json["signing_secret"], "")
        self.assertFalse(b.q("#hook-reveal").is_displayed())
        self.type("#hook-url", "ftp://example.org/x")
        b.q("#hook-save").click()
        self.b.seen("#hook-url + .field-error")
        self.assertEqual(self.cl.get("/v1/delivery/callbacks").json["callback_url"], "")
        self.type("#hook-url", "https://example.org/visible-hook")
        b.q("#hook-save").click()
        b.wait(lambda d: "saved" in b.text("#flash"), what="saved")
        api = self.cl.get("/v1/delivery/callbacks").json
        self.assertEqual(api["callback_url"], "https://example.org/visible-hook")
        self.assertTrue(api["signing_secret"].startswith("whsec_"))
        self.assertNotIn(api["signing_secret"], b.text("#hook-secret"))  # hidden until asked for
        b.q("#hook-reveal").click()
        b.wait(lambda d: b.text("#hook-secret") == api["signing_secret"], what="secret shown")
        self.assertEqual(self.b.attr("#hook-reveal", "aria-expanded"), "true")
        b.q("#hook-rotate").click()
        b.wait(lambda d: "new signing secret" in b.text("#flash"), what="rotated")
        new = self.cl.get("/v1/delivery/callbacks").json["signing_secret"]
        self.assertNotEqual(new, api["signing_secret"])
        self.assertEqual(b.text("#hook-secret"), new)
        self.assertIn("copy it", b.text("#hook-secret-note"))
        self.assertEqual(self.cl.get("/v1/delivery/callbacks").json["callback_url"],
                         "https://example.org/visible-hook")
        self.assertEqual(b.audit(), [])

    def test_4_other_roles_refused(self):
        b = self.b
        for email in ("wanda@example.org", "ada@example.org"):
            b.d.delete_all_cookies()
            b.page("/login")  # signed in by the form; where each role lands is not this page's concern
            self.type("#login-email", email)
            self.type("#login-password", PASSWORD)
            b.q("#login-submit").click()
            b.wait(lambda d: "/login" not in d.current_url, what="signed in")
            b.page("/restaurant")
            self.b.seen("#refused")
            self.assertIn("This page is for clients", b.text("#refused"))
            self.assertEqual(b.qa("#job-form"), [])
            self.assertEqual(b.audit(), [])

    def test_5_polling_fallback(self):
        b = self.b
        pid = self.place()
        ident = b.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                    {"source": "delete window.EventSource;"})["identifier"]
        try:
            b.d.delete_all_cookies()
            b.login("chez@example.org", PASSWORD)
            b.page("/restaurant")
            b.wait(lambda d: self.b.attr("#mode", "data-mode") == "poll", what="polling")
            self.assertEqual(b.text("#mode"), "Updating every 5 s")
            r = self.cl.post("/v1/delivery/jobs", {"place_id": pid, "dropoff_lat": REF[0] + 0.005,
                                                    "dropoff_lon": REF[1] + 0.005})
            self.assertEqual(r.status, 201, r)
            self.b.seen("#job-%d" % r.json["id"], timeout=12)
            self.assertEqual(self.cl.post("/v1/delivery/jobs/%d/cancel" % r.json["id"]).status, 200)
        finally:
            b.d.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": ident})

    def test_6_scheduled_quote(self):
        b = self.b
        self.place()
        self.signed_in()
        self.type("#job-lat", "48.8686")
        self.type("#job-lon", "2.3602")
        b.wait(lambda d: self.micros("#quote-price"), what="quote")
        b.q("#when-later").click()
        self.assertTrue(b.q("#job-at").is_enabled())
        self.assertFalse(b.q("#job-ready").is_enabled())
        now = self.quote(48.8686, 2.3602, 0)["ready_ms"]
        setat = """const e = document.getElementById('job-at'), ms = arguments[0];
            e.value = new Date(ms - new Date(ms).getTimezoneOffset() * 60000).toISOString().slice(0, 16);
            e.dispatchEvent(new Event('input', {bubbles: true}));"""
        b.js(setat, now + 8 * 86400000)  # beyond the 7-day horizon: the server's error beside the field
        self.b.seen("#job-at + .field-error")
        self.assertIn("at most", b.text("#job-at + .field-error"))
        self.assertFalse(b.q("#job-submit").is_enabled())
        at = (now + 2 * 3600000) // 60000 * 60000
        b.js(setat, at)
        b.wait(lambda d: self.b.attr("#quote-eta", "data-ms"), what="scheduled quote")
        q = self.cl.post("/v1/delivery/quote", {"place_id": self.place(), "dropoff_lat": 48.8686,
                                                 "dropoff_lon": 2.3602, "ready_at_ms": at}).json
        self.assertEqual(int(self.b.attr("#quote-eta", "data-ms")), q["promised_ms"])
        self.assertEqual(q["ready_ms"], at)
        self.assertEqual(b.qa("#job-at + .field-error"), [])
        # a job scheduled two hours ahead (state "scheduled" until the dispatch window opens, as the demo's
        # jobs placed in the future): its card says it is scheduled, with when the food is ready, and no
        # step is done yet
        r = self.cl.post("/v1/delivery/jobs", {"place_id": self.place(), "dropoff_lat": 48.8686,
                                               "dropoff_lon": 2.3602, "ready_at_ms": at})
        self.assertEqual(r.status, 201, r)
        jid = r.json["id"]
        self.assertEqual(self.cl.get("/v1/delivery/jobs/%d" % jid).json["state"], "scheduled")
        self.b.seen("#job-%d" % jid)
        b.wait(lambda d: self.b.attr("#job-%d-state" % jid, "data-state") == "scheduled", what="scheduled")
        steps = [(s.get_attribute("data-step"), s.get_attribute("class").split()[-1])
                 for s in b.qa("#job-%d .step" % jid)]
        self.assertEqual(steps, [("scheduled", "current"), ("accepted", "later"), ("picked_up", "later"),
                                 ("delivered", "later")])
        b.has_text("#job-%d .step[data-step=scheduled]" % jid, "Scheduled: ready at")
        self.assertEqual(b.audit(), [])
        b.shot("restaurant-scheduled")
        b.q("header.top button.lang[lang=fr]").click()
        b.has_text("#job-%d .step[data-step=scheduled]" % jid, "prête à")  # "Programmée : …" (no-break space)
        b.shot("restaurant-scheduled-fr")
        b.q("header.top button.lang[lang=en]").click()
        b.wait(lambda d: b.text("#rest-h") == "Deliveries", what="English")


if __name__ == "__main__":
    unittest.main()
