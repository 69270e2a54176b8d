"""Browser tests of the dispatcher's board (/dispatch, admin): an online
courier and an open job on the board (map and list); a job reassigned with a
reason moves to the chosen courier, then back to the pool; a courier taken
off duty with a reason is offered nothing by the next epoch; a job left
unassigned past dispatch.unassigned_alert_s raises a "no courier found"
alert beside the map; a pricing rule with an invalid value is refused next to
its field, naming the minimum; a service area crossing itself is refused on
the page, one drawn by clicking the map is saved; other roles are refused;
accessibility and the French catalogue. Set up through the API on a test
clock, with the dispatcher thread off (epochs run by hand)."""
import json
import unittest
from datetime import datetime, timezone

from selenium.webdriver.common.action_chains import ActionChains

from web import Browser, By, vis

T0 = int(datetime(2027, 3, 1, 9, tzinfo=timezone.utc).timestamp() * 1000)
PASSWORD = "correct horse"
REF = (48.8566, 2.3522)


def ok(r, status=200):
    assert r.status == status, r
    return r.json


class DispatchBoard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = vis.Server("--set", "dispatch.auto=false")
        try:
            adm = cls.adm = srv.admin()
            ok(adm.post("/v1/admin/clock", {"set_ms": T0}))
            ok(adm.post("/v1/admin/accounts", {"name": "Dana Dispatch", "email": "dana@example.org",
                                               "password": PASSWORD, "role": "admin"}), 201)
            client, cls.cl = vis.signup(srv, "client", name="Rapid Eats", email="eats@example.org", password=PASSWORD)
            ok(adm.post("/v1/admin/accounts/%d/credit" % client["id"], {"amount_micros": 100_000_000, "reason": "t"}),
               201)
            cls.place = ok(cls.cl.post("/v1/delivery/places", {"name": "Rapid Eats Bastille", "lat": REF[0],
                                                                "lon": REF[1]}), 201)["id"]
            cls.a, cls.wa = cls.courier("Farah Courier", "farah@example.org", -0.004)
            cls.b_, cls.wb = cls.courier("Goran Courier", "goran@example.org", 0.003)
            ok(adm.request("PUT", "/v1/admin/dispatch/couriers/%d/vehicle" % cls.b_["id"], body={"vehicle": "car"}))
            cls.job = cls.post_job()
            cls.b = Browser(srv)
        except BaseException:
            srv.close()
            raise

    @classmethod
    def courier(cls, name, email, dlat):
        acct, w = vis.signup(cls.srv, "worker", name=name, email=email, password=PASSWORD)
        vis.approve_courier(cls.srv, acct["id"])
        ok(w.post("/v1/courier/online", {"lat": REF[0] + dlat, "lon": REF[1] - 0.003}))
        return acct, w

    @classmethod
    def post_job(cls):
        return ok(cls.cl.post("/v1/delivery/jobs", {"place_id": cls.place, "dropoff_lat": REF[0] + 0.01,
                                                    "dropoff_lon": REF[1] + 0.006}), 201)

    @classmethod
    def tearDownClass(cls):
        cls.b.close()
        cls.srv.close()

    def open(self, section="board"):
        b = self.b
        if not b.cookies().get("vis_csrf"):
            b.login("dana@example.org", PASSWORD)
        b.page("/dispatch#" + section)
        b.wait("#" + section)
        return b

    def act(self, reason):
        b = self.b
        b.wait("#act-reason")
        if reason is not None:
            b.q("#act-reason").send_keys(reason)
        b.q("#act-submit").click()

    def row_state(self, sel):
        return self.b.q(sel).get_attribute("data-state")

    def state(self, elem_id):
        """data-state of a row the board may redraw at any moment"""
        return self.b.js("const e = document.getElementById(arguments[0]); return e ? e.dataset.state : null", elem_id)

    def row_text(self, sel):
        return self.b.js("const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", sel)

    # ---- the board ----
    def test_1_board_and_reassign(self):
        b = self.open()
        j, a, bb = self.job["id"], self.a["id"], self.b_["id"]
        b.wait("#courier-%d" % a)
        b.wait("#job-%d" % j)
        self.assertEqual(self.row_state("#courier-%d" % a), "waiting")
        self.assertIn("Car", b.text("#courier-%d" % bb))
        self.assertEqual(self.row_state("#job-%d" % j), "open")
        self.assertIn("Rapid Eats Bastille", b.text("#job-%d" % j))
        # the map shows the same: two couriers and the job's pickup, labelled
        labels = [e.text for e in b.qa("#map .pin span")]
        self.assertIn("Farah Courier", labels)
        self.assertIn("#%d" % j, labels)
        b.shot("dispatch-board")
        # reassign to Goran: a reason is required (said next to it, nothing sent)
        b.q("#reassign-%d" % j).click()
        b.wait("#act-courier")
        b.js("const s = document.getElementById('act-courier'); s.value = arguments[0];", str(bb))
        self.act(None)
        b.wait("#act-reason-error")
        b.shot("dispatch-reassign")
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM journal WHERE event = 'reassigned'")[0][0], 0)
        self.act("Goran is closer to the restaurant")
        b.wait(lambda d: "Goran Courier" in d.find_element(By.ID, "flash").text, what="flash")
        b.wait(lambda d: self.state("job-%d" % j) == "offered", what="moved")
        self.assertIn("Goran Courier", self.row_text("#job-%d .courier-cell" % j))
        ev = self.srv.sql("SELECT actor_id, worker_id, payload FROM journal WHERE event = 'reassigned'")
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0][1], bb)
        self.assertIn("Goran is closer", json.loads(ev[0][2])["reason"])
        self.assertEqual(len(ok(self.wb.get("/v1/courier/offers"))["offers"]), 1)
        # and back to the pool
        b.q("#reassign-%d" % j).click()
        b.wait("#act-courier")
        self.assertEqual(b.q("#act-courier").get_attribute("value"), "")
        self.act("the restaurant is running late")
        b.wait(lambda d: self.state("job-%d" % j) == "open", what="pooled")
        self.assertEqual(ok(self.wb.get("/v1/courier/offers"))["offers"], [])

    def test_2_off_duty_with_a_reason(self):
        b = self.open()
        a = self.a["id"]
        b.wait("#offduty-%d" % a).click()
        self.act("flat tyre")
        b.wait(lambda d: self.state("courier-%d" % a) == "off_duty",
               what="off duty")
        self.assertIn("flat tyre", self.row_text("#courier-%d" % a))
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM journal WHERE event = 'off_duty' AND worker_id = ?",
                                      [a])[0][0], 1)
        # the next epoch offers him nothing (the job goes to the other courier)
        ok(self.adm.post("/v1/admin/dispatch/run-epoch"))
        self.assertEqual(ok(self.wa.get("/v1/courier/offers"))["offers"], [])
        self.assertEqual([o["job_ids"] for o in ok(self.wb.get("/v1/courier/offers"))["offers"]], [[self.job["id"]]])
        b.wait(lambda d: self.state("job-%d" % self.job["id"]) == "offered",
               what="offered to Goran")
        # put back on duty from the board
        b.q("#onduty-%d" % a).click()
        self.act("tyre repaired")
        b.wait(lambda d: self.state("courier-%d" % a) != "off_duty",
               what="on duty")

    def test_3_no_courier_found_alert(self):
        # nobody on duty: both couriers off duty, a new job waits past the alert setting
        for c in (self.a, self.b_):
            ok(self.adm.post("/v1/admin/dispatch/couriers/%d/off-duty" % c["id"], {"reason": "end of the test"}))
        job2 = self.post_job()
        ok(self.adm.post("/v1/admin/clock", {"advance_ms": 11 * 60_000}))
        ok(self.adm.post("/v1/admin/dispatch/run-epoch"))
        b = self.open()
        sel = "#alert-no_courier_found-%d" % job2["id"]
        b.wait(sel)
        text = self.row_text(sel)
        self.assertIn("No courier found", text)
        self.assertIn("11 min", text)
        self.assertIn("no courier online and on duty", text)
        self.assertIn("No courier found", self.row_text("#job-%d" % job2["id"]))
        # both wait at the same restaurant: one point on the map, both numbers on it
        labels = b.js("return [...document.querySelectorAll('#map .pin span')].map(e => e.textContent)")
        self.assertIn("#%d, #%d" % (self.job["id"], job2["id"]), labels)
        self.assertEqual(self.audit(), [])
        b.shot("dispatch-alerts")
        for c in (self.a, self.b_):
            ok(self.adm.post("/v1/admin/dispatch/couriers/%d/on-duty" % c["id"], {"reason": "back"}))

    def audit(self):
        return self.b.audit()

    def test_2b_applicant_approved_and_live_board(self):
        applicant, w = vis.signup(self.srv, "worker", name="Hana Applicant", email="hana@example.org",
                                  password=PASSWORD)
        self.assertEqual(w.post("/v1/courier/online", {"lat": REF[0], "lon": REF[1]}).status, 403)  # not approved
        b = self.open("fleet")
        b.wait("#approve-%d" % applicant["id"]).click()
        self.act("documents checked at the office")
        b.wait(lambda d: "Hana Applicant" in d.find_element(By.ID, "flash").text, what="approved")
        ev = self.srv.sql("SELECT actor_id, payload FROM journal WHERE event = 'courier_approved' AND worker_id = ?",
                          [applicant["id"]])
        self.assertEqual(len(ev), 1)
        self.assertIn("documents checked", ev[0][1])
        b.shot("dispatch-fleet")
        # she goes online: the board shows her without a reload (polled)
        ok(w.post("/v1/courier/online", {"lat": REF[0] + 0.001, "lon": REF[1] + 0.001}))
        b.js("location.hash = 'board'")
        b.wait("#courier-%d" % applicant["id"], timeout=12)
        ok(w.post("/v1/courier/offline"))

    # ---- settings ----
    def test_4_rules_validated_next_to_the_field(self):
        b = self.open("rules")
        g = b.wait("#rule-guarantee_per_hour_micros")
        self.assertEqual(g.get_attribute("value"), "12.00")
        g.clear()
        g.send_keys("5")
        b.q("#rules-save").click()
        err = b.wait("#rule-guarantee_per_hour_micros-error")
        self.assertIn("12.00", err.text)
        self.assertEqual(g.get_attribute("aria-invalid"), "true")
        self.assertEqual(ok(self.adm.get("/v1/admin/dispatch/rules"))["rules"]["guarantee_per_hour_micros"], 12_000_000)
        # a typing mistake is caught before sending, next to its field too
        base = b.q("#rule-client-base_micros")
        base.clear()
        base.send_keys("3,5x")
        b.q("#rules-save").click()
        b.wait("#rule-client-base_micros-error")
        base.clear()
        base.send_keys("3,75")
        # a time-of-day window: a factor that is not a number is refused beside it
        b.q("#tod-add").click()
        f = b.wait("#tod-factor-0")
        f.clear()
        f.send_keys("lots")
        b.q("#rules-save").click()
        b.wait("#tod-factor-0-error")
        f.clear()
        f.send_keys("1,25")
        g = b.q("#rule-guarantee_per_hour_micros")
        g.clear()
        g.send_keys("13.50")
        b.q("#rules-save").click()
        b.wait(lambda d: "in force" in d.find_element(By.ID, "flash").text, what="saved")
        rules = ok(self.adm.get("/v1/admin/dispatch/rules"))["rules"]
        self.assertEqual((rules["guarantee_per_hour_micros"], rules["client"]["base_micros"]), (13_500_000, 3_750_000))
        self.assertEqual(rules["time_of_day"], [{"from": "11:30", "to": "14:00", "factor_permille": 1250}])
        self.assertEqual(b.q("#tod-factor-0").get_attribute("value"), "1.25")
        b.shot("dispatch-rules")

    def test_5_service_area_drawn_on_the_map(self):
        b = self.open("areas")
        b.wait("#area-add").click()
        b.q("#area-name-0").send_keys("Bastille")
        # typed: a bow-tie crossing itself is refused on the page
        b.q("#area-points-0").send_keys("48.85, 2.35\n48.86, 2.36\n48.85, 2.36\n48.86, 2.35")
        b.q("#areas-save").click()
        err = b.wait("#area-points-0-error")
        self.assertIn("crosses itself", err.text)
        self.assertEqual(ok(self.adm.get("/v1/admin/dispatch/areas"))["areas"], [])
        b.q("#area-points-0").clear()
        # drawn: three clicks on the map
        m = b.q("#area-map")
        for dx, dy in ((-80, -60), (90, -50), (0, 80)):
            ActionChains(b.d).move_to_element_with_offset(m, dx, dy).click().perform()
        b.wait(lambda d: len([x for x in d.find_element(By.ID, "area-points-0").get_attribute("value").split("\n")
                              if x.strip()]) == 3, what="three vertices")
        b.q("#areas-save").click()
        b.wait(lambda d: "saved" in d.find_element(By.ID, "flash").text, what="saved")
        areas = ok(self.adm.get("/v1/admin/dispatch/areas"))["areas"]
        self.assertEqual([(a["name"], len(a["points"])) for a in areas], [("Bastille", 3)])
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM journal WHERE event = 'areas_changed'")[0][0], 1)
        b.shot("dispatch-areas")
        self.assertEqual(self.b.audit(), [])

    # ---- roles, accessibility, languages ----
    def test_6_other_roles_are_refused(self):
        for email in ("farah@example.org", "eats@example.org"):
            self.b.d.delete_all_cookies()
            self.b.login(email, PASSWORD)
            self.b.page("/dispatch")
            self.b.wait("#refused")
            self.assertEqual(self.b.qa("#board"), [])
        self.b.d.delete_all_cookies()
        for c in (self.wa, self.cl):
            self.assertEqual(c.get("/v1/admin/dispatch/board").status, 403)
            self.assertEqual(c.post("/v1/admin/dispatch/jobs/%d/reassign" % self.job["id"],
                                    {"reason": "x"}).status, 403)

    def test_7_accessible_and_translated(self):
        b = self.open()
        for s in ("board", "fleet", "rules", "areas"):
            b.js("location.hash = arguments[0]", s)
            b.wait("#" + s)
            self.assertEqual(b.audit(), [], s)
        b.q("button.lang[lang=fr]").click()
        b.wait(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr", what="fr")
        for s in ("board", "fleet", "rules", "areas"):
            b.js("location.hash = arguments[0]", s)
            b.wait("#" + s)
            self.assertEqual(b.untranslated("fr", "dispatch"), [], s)
        b.q("button.lang[lang=en]").click()


if __name__ == "__main__":
    unittest.main()
