"""Browser tests of the worker's "My work" page (/me): earnings with the
true hourly pay, the weekly chart and its table, declared costs, the data
export, automated decisions and their human review, languages and
accessibility. The work is scripted through the API (a real micro-work
batch: one answer approved, one rejected, one lease expired; a delivery
as its journal records it) on a test clock."""
import csv
import io
import unittest
from datetime import datetime, timezone

from web import Browser, By, Keys, vis

M = 60_000
H = 3_600_000
D = 86_400_000
T0 = int(datetime(2027, 1, 4, tzinfo=timezone.utc).timestamp() * 1000)  # a Monday
NOW = T0 + 10 * D + 12 * H
PASSWORD = "correct horse"


def ok(r, status=200):
    assert r.status == status, r
    return r.json


class MyWork(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = vis.Server()
        adm = cls.adm = srv.admin()
        clock = lambda ms: ok(adm.post("/v1/admin/clock", {"set_ms": ms}))  # noqa: E731
        clock(T0 + 9 * H)
        client, cl = vis.signup(srv, "client", name="Acme Labels", password=PASSWORD)
        cls.client_email = client["email"]
        ok(adm.post("/v1/admin/accounts/%d/credit" % client["id"], {"amount_micros": 100_000_000, "reason": "test"}),
           201)
        cls.worker, wc = vis.signup(srv, "worker", name="Wanda Worker", email="wanda@example.org",
                                    password=PASSWORD)
        cls.wc = wc
        bid = ok(cl.post("/v1/batches", {
            "title": "Cats or dogs", "template": "What is in ${url}?", "answer_type": "single",
            "labels": ["cat", "dog"], "reward_micros": 50000, "overlap": 1, "expected_seconds": 10,
            "lease_seconds": 600}), 201)["id"]
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["url"])
        for u in ("a", "b", "c", "d"):
            w.writerow([u])
        ok(cl.request("POST", "/v1/batches/%d/tasks" % bid, raw=out.getvalue().encode(),
                      headers={"Content-Type": "text/csv"}), 201)
        ok(cl.post("/v1/batches/%d/publish" % bid))
        # two answers (2 and 3 minutes): the client approves one, rejects the other (unpaid time)
        a = ok(wc.post("/v1/work/batches/%d/claim" % bid), 201)
        clock(T0 + 9 * H + 2 * M)
        ok(wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": "cat"}))
        b = ok(wc.post("/v1/work/batches/%d/claim" % bid), 201)
        clock(T0 + 9 * H + 5 * M)
        ok(wc.post("/v1/assignments/%d/submit" % b["id"], {"answer": "dog"}))
        ok(cl.post("/v1/answers/%d/approve" % a["id"]))
        ok(cl.post("/v1/answers/%d/reject" % b["id"], {"reason": "the picture shows a cat"}))
        # a third task whose lease runs out: an automated decision, unpaid time
        ok(wc.post("/v1/work/batches/%d/claim" % bid), 201)
        clock(T0 + 9 * H + 16 * M)
        ok(wc.get("/v1/work/assignments"))
        # the next week, a delivery as its journal records it: 20 min waiting, 40 min active, 5 km, paid 9.00
        wid = cls.worker["id"]
        for e in (
            dict(family="dispatch", event="accepted", worker_id=wid, subject="offer:1", span_kind="waiting",
                 span_start_ms=T0 + 7 * D + 10 * H, span_end_ms=T0 + 7 * D + 10 * H + 20 * M,
                 at_ms=T0 + 7 * D + 10 * H + 20 * M),
            dict(family="dispatch", event="delivered", worker_id=wid, subject="job:999", span_kind="active",
                 span_start_ms=T0 + 7 * D + 10 * H + 20 * M, span_end_ms=T0 + 7 * D + 11 * H,
                 at_ms=T0 + 7 * D + 11 * H, payload={"job": 999, "distance_m": 5000}),
            dict(family="dispatch", event="paid", worker_id=wid, subject="job:999", amount_micros=9_000_000,
                 at_ms=T0 + 7 * D + 11 * H),
            dict(family="dispatch", event="dispatch_decision", worker_id=wid, subject="offer:1", automated=True,
                 payload={"score": 1234}, at_ms=T0 + 7 * D + 10 * H + 20 * M)):
            ok(adm.post("/v1/admin/journal/events", e), 201)
        clock(NOW)
        cls.b = Browser(srv)
        cls.b.login("wanda@example.org", PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.b.close()
        cls.srv.close()

    # ---- helpers ----
    def open_me(self):
        self.b.page("/me")
        self.b.wait("#totals .me-rates")
        return self.b

    def fmt(self, fn, *args):
        """Format with the page's own fmt.js (same language, same rules)."""
        return self.b.d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "import('/js/fmt.js').then(m => done(m[arguments[0]](...arguments[1])), e => done('ERR ' + e));",
            fn, list(args))

    def dur(self, ms):
        """Durations as the page shows them: seconds below an hour, and "0 min"."""
        return self.b.d.execute_async_script(
            "const done = arguments[arguments.length - 1], ms = arguments[0];"
            "import('/js/fmt.js').then(m => done(ms > 0 ? m.duration(ms, {seconds: ms < 3600000}) :"
            " new Intl.NumberFormat(document.documentElement.lang, {style: 'unit', unit: 'minute',"
            " unitDisplay: 'short'}).format(0)));", ms)

    def rate(self, micros):
        return self.fmt("moneyRounded", micros) + "/h"

    def earnings(self, query):
        return ok(self.wc.get("/v1/me/earnings" + query))

    # ---- tests ----
    def test_1_earnings_match_the_api(self):
        b = self.open_me()
        q = b.q("#totals").get_attribute("data-query")
        self.assertEqual(q, "?from=%d&to=%d" % (NOW - 30 * D, NOW))
        e = self.earnings(q)
        # the scenario: 2 min active approved, 3 min rejected + 11 min expired unpaid, 20 min waiting, 40 min active
        self.assertEqual((e["active_ms"], e["waiting_ms"], e["unpaid_ms"]), (42 * M, 20 * M, 13 * M))
        self.assertTrue(e["below_minimum"])
        self.assertEqual(b.text("#paid .value"), self.fmt("money", e["paid_micros"]))
        self.assertEqual(b.text("#active .value"), self.dur(e["active_ms"]))
        self.assertEqual(b.text("#waiting .value"), self.dur(e["waiting_ms"]))
        self.assertEqual(b.text("#unpaid .value"), self.dur(e["unpaid_ms"]))
        self.assertEqual(b.text("#costs-total .value"), self.fmt("money", e["costs_micros"]))
        self.assertEqual(b.text("#rate-before .value"), self.rate(e["effective_hourly_micros"]))
        self.assertEqual(b.text("#rate-after .value"), self.rate(e["effective_hourly_after_costs_micros"]))
        # the exact figure is kept in the title
        self.assertEqual(b.q("#rate-before .value [data-micros]").get_attribute("data-micros"),
                         str(e["effective_hourly_micros"]))
        # pay per hour of all the time spent, unpaid included: the API's own figure (exact integers)
        total = e["active_ms"] + e["waiting_ms"] + e["unpaid_ms"]
        allh = e["hourly_all_time_micros"]
        self.assertEqual(allh, e["paid_micros"] * 3_600_000 // total)
        self.assertTrue(e["below_minimum_all_time"])
        self.assertEqual(e["minimum_applies_to"], "paid_time")
        self.assertEqual(b.q("#rate-all .value [data-micros]").get_attribute("data-micros"), str(allh))
        self.assertIn("paid time", b.text("#rate-all"))
        self.assertEqual(b.text("#rate-all .value"), self.rate(allh))
        self.assertLess(allh, e["effective_hourly_micros"])
        # below the minimum: a badge and words, not colour alone; which figure the minimum applies to
        self.assertIn("Below the minimum", b.text("#rate-before"))
        self.assertIn("Below the minimum", b.text("#rate-after"))
        self.assertIn("minimum applies to this figure", b.text("#rate-after"))
        alert = b.text("#below-alert")
        self.assertIn(self.rate(e["effective_hourly_micros"]), alert)
        self.assertIn(self.rate(e["minimum_hourly_micros"]), b.text("#minimum-note"))
        # by client and by kind of work, as tables
        rows = b.qa("#by-client-table tbody tr")
        self.assertEqual(len(rows), len(e["by_client"]))
        names = [r.find_element(By.CSS_SELECTOR, "th").text for r in rows]
        self.assertIn("Acme Labels", names)
        self.assertTrue(any(n.startswith("No client") for n in names), names)
        acme = [c for c in e["by_client"] if c["client_name"] == "Acme Labels"][0]
        row = rows[names.index("Acme Labels")].text
        self.assertIn(self.fmt("money", acme["paid_micros"]), row)
        self.assertIn(self.rate(acme["hourly_all_time_micros"]), row)  # per hour of all time, per client
        self.assertIn(self.dur(acme["unpaid_ms"]), row)
        self.assertEqual(acme["waiting_ms"], 0)
        self.assertIn("0 min", row)  # a zero duration is said, not left blank
        fam = [r.find_element(By.CSS_SELECTOR, "th").text for r in b.qa("#by-family-table tbody tr")]
        self.assertEqual(sorted(fam), sorted({"microwork": "Micro-tasks", "dispatch": "Deliveries"}[f["family"]]
                                             for f in e["by_family"]))
        # another period: the figures follow
        b.js("const s = document.getElementById('period'); s.value = 'all'; s.dispatchEvent(new Event('change'));")
        b.wait(lambda d: b.q("#totals").get_attribute("data-query").startswith("?from=0&"), what="all time")
        self.assertEqual(b.q("#totals").get_attribute("data-query"), "?from=0&to=%d" % NOW)

    def test_2_weekly_chart_and_table(self):
        b = self.open_me()
        b.wait("#weeks-figures tbody tr")
        q = b.q("#weeks").get_attribute("data-query")
        w = self.earnings(q)
        self.assertEqual(w["group_by"], "week")
        self.assertEqual(len(w["periods"]), 12)
        self.assertTrue(b.js("return !!(window.Chart && Chart.getChart(document.getElementById('weeks-chart')))"))
        canvas = b.q("#weeks-chart")
        self.assertEqual(canvas.get_attribute("role"), "img")
        self.assertIn("12 weeks", canvas.get_attribute("aria-label"))
        self.assertIn("2 weeks with work", canvas.get_attribute("aria-label"))
        rows = b.qa("#weeks-figures tbody tr")
        self.assertEqual(len(rows), 12)
        self.assertEqual(b.js("return Chart.getChart(document.getElementById('weeks-chart')).data.labels.length"), 12)
        for p, r in zip(w["periods"], rows):
            self.assertIn(self.fmt("money", p["paid_micros"]), r.text)
        # the week of the micro-tasks, then the week of the delivery (this week)
        # (micro-task pay: the rewards and the fair-pay top-up to the minimum, docs/microwork.md)
        self.assertGreaterEqual(w["periods"][-2]["paid_micros"], 50_000)
        self.assertEqual(w["periods"][-1]["paid_micros"], 9_000_000)
        self.assertEqual(sum(1 for p in w["periods"] if p["active_ms"] + p["waiting_ms"]), 2)
        for p, r in zip(w["periods"][-2:], rows[-2:]):
            self.assertIn(self.rate(p["effective_hourly_after_costs_micros"]), r.text)
            self.assertEqual(bool(r.find_elements(By.CSS_SELECTOR, ".me-below")), p["below_minimum_after_costs"])

    def test_3_costs(self):
        b = self.open_me()
        before = b.q("#rate-after .value [data-micros]").get_attribute("data-micros")
        # a bad value: the error next to its field, what was typed kept, nothing stored
        b.q("#cost-per-hour").send_keys("2.5x")
        b.q("#cost-submit").click()
        err = b.wait("#cost-per-hour + .field-error")
        self.assertIn("amount in euros", err.text)
        self.assertEqual(b.q("#cost-per-hour").get_attribute("value"), "2.5x")
        self.assertEqual(b.q("#cost-per-hour").get_attribute("aria-invalid"), "true")
        self.assertEqual(ok(self.wc.get("/v1/me/costs"))["costs"], [])
        # a good one
        b.q("#cost-per-hour").clear()
        b.q("#cost-per-hour").send_keys("2,50")
        b.q("#cost-per-km").send_keys("0.20")
        b.q("#cost-note").send_keys("phone and scooter")
        b.q("#cost-submit").click()
        b.wait("#costs-table tbody tr")
        costs = ok(self.wc.get("/v1/me/costs"))["costs"]
        self.assertEqual([(c["per_hour_micros"], c["per_km_micros"], c["family"], c["from_ms"], c["note"])
                          for c in costs], [(2_500_000, 200_000, "", 0, "phone and scooter")])
        self.assertEqual(b.qa("#cost-per-hour + .field-error"), [])
        b.wait(lambda d: b.q("#rate-after .value [data-micros]").get_attribute("data-micros") != before,
               what="the after-costs figure to change")
        e = self.earnings(b.q("#totals").get_attribute("data-query"))
        # 2.50/h over 75 minutes of working time + 5 km x 0.20
        self.assertEqual(e["costs_micros"], 3_125_000 + 1_000_000)
        self.assertEqual(b.text("#costs-total .value"), self.fmt("money", e["costs_micros"]))
        self.assertEqual(b.q("#rate-after .value [data-micros]").get_attribute("data-micros"),
                         str(e["effective_hourly_after_costs_micros"]))
        self.assertEqual(b.text("#rate-after .value"), self.rate(e["effective_hourly_after_costs_micros"]))
        self.assertIn("declared", b.text("#flash"))
        # nothing at all: the error says so
        b.q("#cost-submit").click()
        self.assertIn("per hour", b.wait("#cost-per-hour + .field-error").text)

    def test_4_export(self):
        b = self.open_me()
        for sel, fmt, ctype in (("#export-json", "json", "application/json"), ("#export-tar", "tar", "application/x-tar")):
            a = b.q(sel)
            self.assertTrue(a.get_attribute("href").endswith("/v1/me/export?format=" + fmt))
            self.assertTrue(a.get_attribute("download").endswith("." + fmt), a.get_attribute("download"))
            r = b.d.execute_async_script("""
                const done = arguments[arguments.length - 1];
                fetch(arguments[0].href, {credentials: 'same-origin'}).then(async r => done(
                  [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength]));""", a)
            self.assertEqual(r[0], 200)
            self.assertEqual(r[1].split(";")[0], ctype)
            self.assertGreater(r[2], 1000)
        j = b.d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/v1/me/export?format=json').then(r => r.json()).then(j => done(j.account.email));""")
        self.assertEqual(j, "wanda@example.org")

    def test_5_review(self):
        b = self.open_me()
        ds = ok(self.wc.get("/v1/me/decisions"))["decisions"]
        d = [x for x in ds if x["event"] == "lease_expired"][0]
        art = "#decision-%d" % d["id"]
        self.assertIn(d["explanation"], b.text(art))
        self.assertIn("unpaid", b.text(art + " .time"))
        # keyboard only: Enter on the button opens the form with the focus in the message
        b.js("document.querySelector(arguments[0]).focus()", art + " button.ask")
        b.keys(Keys.ENTER)
        b.wait(art + " form.review-form textarea")
        self.assertEqual(b.js("return document.activeElement.tagName"), "TEXTAREA")
        self.assertEqual(b.q(art + " button.ask").get_attribute("aria-expanded"), "true")
        # an empty message: the error next to the field
        b.q(art + " form.review-form button.send").click()
        self.assertIn("look at", b.wait(art + " textarea + .field-error").text)
        self.assertEqual(ok(self.wc.get("/v1/me/reviews"))["reviews"], [])
        b.keys("The image did not load for ten minutes.", Keys.TAB, Keys.ENTER)
        b.wait(art + " .review .deadline")
        rv = ok(self.wc.get("/v1/me/reviews"))["reviews"]
        self.assertEqual(len(rv), 1)
        r = rv[0]
        self.assertEqual((r["decision_id"], r["state"], r["message"]),
                         (d["id"], "open", "The image did not load for ten minutes."))
        self.assertEqual(r["due_ms"], NOW + 14 * D)
        self.assertEqual(b.q(art + " .review .deadline").get_attribute("data-due"), str(r["due_ms"]))
        self.assertIn(self.fmt("date", r["due_ms"]), b.text(art + " .review .deadline"))
        self.assertEqual(b.text(art + " .review-status"), "Waiting for an answer")
        self.assertEqual(b.qa(art + " button.ask"), [])
        # an admin answers; after reload the page shows the outcome and the reasons
        res = self.adm.post("/v1/admin/reviews/%d/decide" % r["id"],
                            {"outcome": "overturned", "reasons": "The image server was down that morning."})
        self.assertEqual(res.status, 200, res)
        b = self.open_me()
        b.wait(art + " .review .outcome")
        self.assertEqual(b.text(art + " .review-status"), "Overturned")
        self.assertIn("overturned", b.text(art + " .review .outcome"))
        self.assertIn("The image server was down that morning.", b.text(art + " .review .reasons"))
        self.assertIn("unpaid time paid at the platform minimum", b.text(art + " .review .remedy"))

    def test_6_languages_audit_and_screens(self):
        b = self.open_me()
        b.wait("#weeks-figures tbody tr")
        self.assertEqual(b.untranslated("en", "me"), [])
        self.assertEqual(b.audit(), [])
        # a review request being written survives the change of language
        ds = ok(self.wc.get("/v1/me/decisions"))["decisions"]
        d = [x for x in ds if x["event"] == "dispatch_decision"][0]
        art = "#decision-%d" % d["id"]
        b.q(art + " button.ask").click()
        b.q(art + " textarea").send_keys("Why this offer?")
        b.q("header.top button.lang[lang=fr]").click()
        b.wait(lambda d: d.find_element(By.ID, "me-h").text == "Mon travail", what="French")
        b.wait(lambda d: "semaines" in (d.find_element(By.ID, "weeks-chart").get_attribute("aria-label") or ""),
               what="French chart label")
        self.assertEqual(b.js("return document.documentElement.lang"), "fr")
        # open every "how it was decided" so that hidden text is checked too
        b.js("for (const x of document.querySelectorAll('details')) x.open = true;")
        self.assertEqual(b.untranslated("fr", "me"), [])
        self.assertIn("Sous le minimum", b.text("#rate-before"))
        self.assertEqual(b.q(art + " textarea").get_attribute("value"), "Why this offer?")
        self.assertIn("Que doit examiner", b.text(art + " form.review-form label"))
        self.assertIn("un refus n’a aucune conséquence", b.text(art + " .explanation"))
        self.assertEqual(b.text(art + " h3"), "Livraison proposée par le répartiteur")
        self.assertEqual(b.audit(), [])
        b.shot("me")
        b.q("header.top button.lang[lang=en]").click()
        b.wait(lambda d: d.find_element(By.ID, "me-h").text == "My work", what="English")

    def test_7_not_a_worker(self):
        b = self.b
        b.logout()
        try:
            b.login(self.client_email, PASSWORD)
            b.page("/me")
            self.assertIn("not a worker account", b.text("#flash"))
            for sec in ("pay", "breakdown", "weeks", "costs", "decisions"):
                self.assertFalse(b.q("#" + sec).is_displayed(), sec)
            self.assertTrue(b.q("#export-json").is_displayed())
            self.assertEqual(b.audit(), [])
        finally:
            b.logout()
            b.login("wanda@example.org", PASSWORD)


if __name__ == "__main__":
    unittest.main()
