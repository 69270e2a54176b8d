"""Browser tests of the micro-work requester's console (/client, issue 16): a
client creates a batch watching the live preview follow the template and the
hourly pay follow the reward, uploads a CSV with a bad row and sees the row's
error, fixes it, publishes after seeing the server's cost; workers answer
through the API; the client reviews (approves one, rejects one with a
reason, bulk-approves the rest), decides an appeal, downloads the results as
CSV and JSON from the page and sees what the workers earned per hour. A
hostile template in the preview runs nothing; a worker and an admin are
refused; axe finds nothing serious; the French catalogue covers the page.
One server populated through the API, one browser."""
import json
import re
import time
import unittest

from web import By, Keys, WebCase, vis

PASSWORD = "correct horse"
HOSTILE = """<h2 id="q">Is this message safe?</h2><p>${text}</p>
<script>window.parent.HOSTILE = 1; parent.document.title = 'PWNED'; top.HOSTILE = 1;</script>
<script>fetch('/v1/hostile-fetch', {method: 'POST', credentials: 'include', body: document.cookie});</script>
<script>top.location = '/v1/hostile-top';</script>
<img src="/v1/hostile-img" onerror="parent.document.title = 'PWNED-IMG'">
<form id="f" action="/v1/logout" method="post"><input name="a" value="1"><button id="go">go</button></form>
<script>document.getElementById('f').submit();</script>
<link rel="stylesheet" href="/v1/hostile-css">
<iframe src="/v1/hostile-iframe"></iframe>
<a id="l" href="/v1/hostile-link" target="_top">a link</a>
<script>document.getElementById('l').click();</script>
<svg onload="parent.document.title = 'PWNED-SVG'"></svg>
<meta http-equiv="refresh" content="0;url=/v1/hostile-refresh">"""


def ok(r, status=200):
    assert r.status == status, r
    return r.json


class Client(WebCase):
    @classmethod
    def populate(cls, srv):
        cls.adm = srv.admin()
        cls.t0 = 1_800_000_000_000
        cls.adm.post("/v1/admin/clock", {"set_ms": cls.t0})
        cls.acct, cls.cl = vis.signup(srv, "client", name="Étiquettes Lumière SARL", email="lumiere@example.org")
        vis.fund(srv, cls.acct["id"], 50_000_000)
        cls.wa, cls.wca = vis.signup(srv, "worker", name="Amina Secretname", email="amina@example.org")
        cls.wb, cls.wcb = vis.signup(srv, "worker", name="Bruno Secretname", email="bruno@example.org")
        ok(cls.adm.post("/v1/admin/accounts", {"name": "Ada Admin", "email": "ada@example.org",
                                               "password": PASSWORD, "role": "admin"}), 201)
        cls.min_hourly = ok(srv.client().get("/v1/web/config"))["minimum_hourly_micros"]

    def sign_in(self, email):
        """Sign in through the sign-in page, which sends everyone back to /client."""
        b = self.b
        b.page("/login?next=/client")
        b.q("#login-email").send_keys(email)
        b.q("#login-password").send_keys(PASSWORD)
        b.q("#login-submit").click()
        b.wait(lambda d: d.execute_script("return location.pathname") == "/client", what="on /client")
        b.wait_ready()

    def frame_text(self):
        b = self.b
        b.d.switch_to.frame(b.q("#preview-frame"))
        try:
            return b.q("body").text
        finally:
            b.d.switch_to.default_content()

    def wait_frame(self, text):
        self.b.wait(lambda d: text in self.frame_text(), what="preview showing %r" % text)

    def set_value(self, sel, text):
        """Set a long text as if typed (one input event)."""
        self.b.js("const e = document.querySelector(arguments[0]); e.value = arguments[1];"
                  " e.dispatchEvent(new Event('input', {bubbles: true}));", sel, text)

    def requests_logged(self):
        return [json.loads(x) for x in self.srv.stderr().splitlines() if x.startswith("{")]

    # ------------------------------------------------------------------ the main flow
    def test_1_create_upload_publish_review(self):
        b = self.b
        self.sign_in("lumiere@example.org")
        self.assertEqual(b.js("return location.pathname"), "/client")
        b.wait("#batches-empty")
        self.assertIn("50.00", b.text("#funds-available"))
        b.q("#new-batch").click()
        b.wait_ready()
        b.wait("#preview-frame")

        # the template and its live preview, as the worker will see it
        b.q("#f-title").send_keys("Is the review positive?")
        b.q("#f-template").send_keys("Is this review positive? <b>${text}</b>")
        sample = b.wait("#sample-0")
        self.assertEqual(b.q("label[for=sample-0]").text, "Value of text")
        self.wait_frame("Is this review positive? example text")
        sample.clear()
        sample.send_keys("Lovely soup, <i>cold</i> service")
        self.wait_frame("Lovely soup, <i>cold</i> service")  # a value is text, never markup
        self.assertEqual(b.q("#preview-frame").get_attribute("sandbox"), "")
        self.assertTrue(b.js("return document.getElementById('preview-frame').contentDocument === null"))
        b.q("#f-labels").send_keys("positive\nnegative")
        self.assertIn("positive", b.text("#preview-answer"))

        # the hourly pay as the reward is typed, against the minimum
        secs = b.q("#f-seconds")
        secs.clear()
        secs.send_keys("30")
        b.q("#f-reward").send_keys("0.01")
        b.wait(lambda d: "1.20" in b.text("#hourly"), what="1.20 an hour")
        warn = b.wait("#hourly-warning")
        min_reward = -(-self.min_hourly * 30 // 3600)
        self.assertIn("%.2f" % (self.min_hourly / 1e6), warn.text)
        self.assertIn(("%.6f" % (min_reward / 1e6)).rstrip("0"), warn.text)
        self.assertIn("below", b.q("#hourly-box").get_attribute("class"))
        b.q("#f-reward").send_keys("5")  # 0.015 -> 1.80 an hour: still below
        b.wait(lambda d: "1.80" in b.text("#hourly"), what="1.80 an hour")
        self.assertTrue(b.q("#hourly-warning").is_displayed())
        b.q("#f-reward").clear()
        b.q("#f-reward").send_keys("0.15")
        b.wait(lambda d: "18.00" in b.text("#hourly"), what="18.00 an hour")
        self.assertFalse(b.q("#hourly-warning").is_displayed())
        overlap = b.q("#f-overlap")
        overlap.clear()
        overlap.send_keys("1")
        self.assertEqual(b.audit(), [])
        b.shot("client-new")
        b.q("#create-batch").send_keys(Keys.ENTER)  # keyboard only
        b.wait(lambda d: "batch=" in d.current_url or b.text("#new-form .form-error") or b.qa(".field-error"),
               what="the draft's page")
        self.assertEqual([e.text for e in b.qa("#new-form .form-error, .field-error") if e.text], [])
        b.wait(lambda d: "batch=" in d.current_url, what="the draft's page")
        b.wait_ready()
        bid = int(re.search(r"batch=(\d+)", b.d.current_url).group(1))
        self.__class__.bid = bid
        draft = ok(self.cl.get("/v1/batches/%d" % bid))
        self.assertEqual((draft["state"], draft["reward_micros"], draft["expected_seconds"], draft["overlap"]),
                         ("draft", 150000, 30, 1))
        self.assertEqual(draft["labels"], ["positive", "negative"])
        b.wait("#upload-text")
        self.assertEqual(b.text("#upload-vars"), "text")

        # a CSV with one bad row: the row's error, nothing added
        b.q("#upload-text").send_keys("text\nGreat pasta\nToo salty,extra\nFriendly staff\nLong wait\n")
        b.q("#upload-submit").click()
        b.wait("#row-errors tbody tr")
        cells = [c.text for c in b.qa("#row-errors tbody tr td")]
        self.assertEqual(cells[0], "3")
        self.assertIn("2 fields", cells[2])
        self.assertIn("1 row", b.text("#upload-form .form-error"))
        self.assertEqual(ok(self.cl.get("/v1/batches/%d" % bid))["progress"]["tasks"], 0)
        self.assertTrue(b.q("#publish").get_attribute("disabled"))
        self.assertIn("Add items", b.text("#cost-refusal"))
        # fixed: added
        box = b.q("#upload-text")
        box.clear()
        box.send_keys("text\nGreat pasta\nToo salty\nFriendly staff\nLong wait\n")
        b.q("#upload-submit").click()
        b.wait(lambda d: "Added 4 items" in b.text("#flash"), what="added")
        self.assertFalse(b.q("#upload-errors").is_displayed())

        # the cost, from the server, before publishing
        cost = ok(self.cl.get("/v1/batches/%d/cost" % bid))
        self.assertEqual(cost["answers"], 4)
        b.wait(lambda d: "0.60" in b.text("#cost-rewards"), what="rewards")
        esc = "%.2f" % (cost["escrow_micros"] / 1e6)
        self.assertIn(esc, b.text("#cost-escrow"))
        self.assertIn("50.00", b.text("#cost-available"))
        self.assertIn(esc, b.text("#publish"))
        before = ok(self.cl.get("/v1/me/balance"))["available_micros"]
        b.q("#publish").click()
        b.wait("#live-section")
        self.assertEqual(before - ok(self.cl.get("/v1/me/balance"))["available_micros"], cost["escrow_micros"])
        self.assertEqual(ok(self.cl.get("/v1/batches/%d" % bid))["state"], "published")

        # two workers answer two items each
        self.__class__.asg = {}
        for who, wc in (("a", self.wca), ("b", self.wcb)):
            for secs_taken, ans in ((20, "positive"), (40, "negative")):
                a = ok(wc.post("/v1/work/batches/%d/claim" % bid), 201)
                self.adm.post("/v1/admin/clock", {"advance_ms": secs_taken * 1000})
                ok(wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": ans}))
                self.asg.setdefault(who, []).append(a["id"])
        b.page("/client?batch=%d" % bid)
        b.wait("#answers tbody tr.answer")
        self.assertEqual(len(b.qa("#answers tbody tr.answer")), 4)
        self.assertIn("4 / 4", b.text("#stat-answers"))
        self.assertNotIn("Secretname", b.q("main").text)  # workers are numbers to clients
        self.assertIn("Worker %d" % self.wa["id"], b.text("#answer-%d" % self.asg["a"][0]))

        # approve one with the keyboard (A on the row)
        a1 = self.asg["a"][0]
        b.q("#approve-%d" % a1).send_keys("a")
        b.wait(lambda d: "1 answer(s) approved" in b.text("#flash"), what="approved")
        self.assertEqual(ok(self.cl.get("/v1/batches/%d" % bid))["progress"]["answers_approved"], 1)
        b.wait(lambda d: not b.qa("#answer-%d" % a1), what="approved answer gone from the review list")

        # reject one: a reason is required
        r1 = self.asg["b"][0]
        b.q("#reject-%d" % r1).click()
        b.wait("#reject-reason-%d" % r1)
        self.assertEqual(b.d.switch_to.active_element.get_attribute("id"), "reject-reason-%d" % r1)
        b.q("#reject-confirm-%d" % r1).click()
        b.wait("#reject-reason-%d-error" % r1)
        self.assertEqual(ok(self.cl.get("/v1/batches/%d" % bid))["progress"]["answers_rejected"], 0)
        b.q("#reject-reason-%d" % r1).send_keys("The review is clearly positive: 'great pasta'.")
        b.q("#reject-confirm-%d" % r1).click()
        b.wait(lambda d: "1 answer(s) rejected" in b.text("#flash"), what="rejected")

        # bulk-approve the rest
        b.wait("#select-all")
        b.q("#select-all").click()
        b.wait(lambda d: "2 selected" in b.text("#selected-count"), what="2 selected")
        b.q("#bulk-approve").click()
        b.wait(lambda d: "2 answer(s) approved" in b.text("#flash"), what="bulk approved")
        p = ok(self.cl.get("/v1/batches/%d" % bid))["progress"]
        self.assertEqual((p["answers_approved"], p["answers_rejected"], p["answers_pending_review"]), (3, 1, 0))
        b.wait("#answers-empty")
        b.q("#only-pending").click()
        b.wait(lambda d: len(b.qa("#answers tbody tr.answer")) == 4, what="all answers")
        self.assertIn("great pasta", b.text("#answer-%d" % r1))

        # the worker appeals; the client overturns with reasons
        ap = ok(self.wcb.post("/v1/assignments/%d/appeal" % r1, {"message": "The pasta was great but the rest was a complaint."}), 201)
        b.page("/client?batch=%d" % bid)
        b.wait("#appeal-%d" % ap["id"])
        self.assertIn("the rest was a complaint", b.text("#appeal-%d .worker-text" % ap["id"]))
        b.q("#overturn-%d" % ap["id"]).click()
        b.wait("#appeal-response-%d-error" % ap["id"])
        b.q("#appeal-response-%d" % ap["id"]).send_keys("You are right: the review ends negative. Paid.")
        b.q("#overturn-%d" % ap["id"]).click()
        b.wait(lambda d: "overturned" in b.text("#flash"), what="overturned")
        self.assertEqual([x["state"] for x in ok(self.cl.get("/v1/appeals"))["appeals"] if x["id"] == ap["id"]],
                         ["overturned"])
        self.assertEqual(ok(self.cl.get("/v1/batches/%d" % bid))["progress"]["answers_approved"], 4)

        # what the workers earned per hour, against the minimum
        pay = ok(self.cl.get("/v1/batches/%d/pay" % bid))
        self.assertEqual(pay["workers_paid"], 2)
        b.wait("#pay-table")
        self.assertEqual(len(b.qa("#pay-table tbody tr")), 2)
        med = "%.2f" % (pay["median_hourly_micros"] / 1e6)
        self.assertIn(med, b.text("#pay-median"))
        self.assertIn("at or above the minimum", b.text("#pay-median"))
        self.assertEqual(b.text("#pay-below .value"), str(pay["below_minimum"]))

        # results with their provenance, downloaded from the page with the session cookie
        b.wait("#results-table tbody tr")
        self.assertEqual(len(b.qa("#results-table tbody tr")), 4)
        got = b.d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const get = (id) => fetch(document.getElementById(id).href).then(async r =>
              ({status: r.status, disp: r.headers.get('Content-Disposition'), body: await r.text()}));
            Promise.all([get('download-csv'), get('download-json')]).then(done, e => done(String(e)));""")
        csv, js = got
        self.assertEqual(csv["status"], 200)
        self.assertEqual(csv["disp"], 'attachment; filename="batch-%d-results.csv"' % bid)
        self.assertIn("Aggregate.label", csv["body"])
        self.assertIn("Great pasta", csv["body"])
        self.assertEqual(len(csv["body"].strip().splitlines()), 5)  # header + one row per answer
        self.assertEqual(js["disp"], 'attachment; filename="batch-%d-results.json"' % bid)
        data = json.loads(js["body"])
        self.assertEqual(sorted(t["data"]["text"] for t in data["tasks"]),
                         ["Friendly staff", "Great pasta", "Long wait", "Too salty"])
        self.assertTrue(all(t["provenance"]["workers"] == 1 for t in data["tasks"]))
        self.assertNotIn("Secretname", csv["body"] + js["body"])
        self.assertEqual(b.audit(), [])
        self.assertEqual(b.untranslated("en", "client"), [])
        b.shot("client-batch")
        # the list shows the batch with its progress
        b.page("/client")
        row = b.wait("#batch-row-%d" % bid)
        self.assertIn("4 / 4", row.text)
        self.assertEqual(b.audit(), [])
        b.shot("client-list")

    # ------------------------------------------------------------------ a hostile template in the preview
    def test_2_hostile_template_runs_nothing(self):
        b = self.b
        self.sign_in("lumiere@example.org")
        b.page("/client?new")
        b.wait("#preview-frame")
        title = b.js("return document.title")
        url = b.d.current_url
        session = b.cookies()["vis_session"]["value"]
        self.set_value("#f-template", HOSTILE)
        b.wait("#sample-0")
        self.wait_frame("Is this message safe?")
        time.sleep(1.5)  # give anything hostile every chance to act
        self.assertTrue(b.js("return document.getElementById('preview-frame').contentDocument === null"))
        self.assertEqual(b.js("return document.title"), title)
        self.assertEqual(b.d.current_url, url)
        self.assertIsNone(b.js("return window.HOSTILE === undefined ? null : window.HOSTILE"))
        self.assertEqual(b.js("return document.querySelectorAll('main script, main img, main form#f').length"), 0)
        self.assertEqual(len(b.d.window_handles), 1)
        self.assertEqual(b.cookies()["vis_session"]["value"], session)
        self.assertEqual(self.srv.client(session).get("/v1/me").status, 200)
        seen = [x["path"] for x in self.requests_logged()
                if "hostile" in x.get("path", "") or x.get("path") == "/v1/logout"]
        self.assertEqual(seen, [])
        # the preview document is served sandboxed, like a worker's task
        r = self.cl.get("/v1/batches/preview/frame")
        self.assertTrue(r.header("Content-Security-Policy").startswith("sandbox;"))
        # the page still works: the form keeps what was typed
        self.assertIn("Is this message safe?", b.q("#f-template").get_attribute("value"))

    # ------------------------------------------------------------------ roles, languages
    def test_3_other_roles_refused(self):
        b = self.b
        for email in ("amina@example.org", "ada@example.org"):
            b.d.delete_all_cookies()
            self.sign_in(email)
            b.page("/client")
            b.wait("#refused")
            self.assertFalse(b.q("#list-view").is_displayed() if b.qa("#list-view") else False)
            self.assertEqual(b.audit(), [])
        self.assertEqual(self.wca.get("/v1/batches").status, 403)
        self.assertEqual(self.wca.post("/v1/batches/preview", {"template": "x"}).status, 403)

    def test_4_french(self):
        b = self.b
        self.sign_in("lumiere@example.org")
        b.page("/client?new")
        b.wait("#preview-frame")
        b.q("#f-title").send_keys("Titre gardé")
        b.q("#f-reward").send_keys("0.01")
        b.q("header.top button.lang[lang=fr]").click()
        b.wait(lambda d: d.find_element(By.ID, "new-h").text == "Nouveau lot", what="French")
        self.assertEqual(b.q("#f-title").get_attribute("value"), "Titre gardé")  # nothing typed is lost
        b.wait(lambda d: "de l’heure" in b.text("#hourly"), what="French hourly")
        self.assertIn("minimum", b.text("#hourly-warning"))
        self.assertEqual(b.untranslated("fr", "client"), [])
        self.assertEqual(b.audit(), [])
        bid = getattr(self, "bid", None)
        if bid:
            b.page("/client?batch=%d" % bid)
            b.wait("#pay-table")
            b.q("#only-pending").click()
            b.wait("#answers tbody tr.answer")
            self.assertEqual(b.untranslated("fr", "client"), [])
            self.assertIn("Télécharger", b.text("#download-csv"))
        b.page("/client")
        b.wait("#list-h")
        self.assertEqual(b.text("#list-h"), "Mes lots")
        self.assertEqual(b.untranslated("fr", "client"), [])
        b.q("header.top button.lang[lang=en]").click()
        b.wait(lambda d: d.find_element(By.ID, "list-h").text == "My batches", what="English")


if __name__ == "__main__":
    unittest.main()
