"""Browser tests of the administrator's console (/admin): an automated
decision (a real micro-work lease expiry) overturned with written reasons
and seen by the worker on /me; a courier applicant approved; the ledger's
balance and the journal's chain; the Art. 17 declaration and the DSA Art. 15
report with its downloads; accounts searched and created; terms clauses
added and retired; moderators' roles; other roles refused; accessibility
and the French catalogue. Everything is set up through the API on a test
clock."""
import csv
import io
import json
import unittest
from datetime import datetime, timezone

from web import Browser, By, vis

T0 = int(datetime(2027, 3, 1, 9, tzinfo=timezone.utc).timestamp() * 1000)
PASSWORD = "correct horse"


def ok(r, status=200):
    assert r.status == status, r
    return r.json


class AdminConsole(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = vis.Server()
        adm = cls.adm = srv.admin()
        ok(adm.post("/v1/admin/clock", {"set_ms": T0}))
        cls.admin = ok(adm.post("/v1/admin/accounts", {"name": "Ada Admin", "email": "ada@example.org",
                                                      "password": PASSWORD, "role": "admin"}), 201)["account"]
        client, cl = vis.signup(srv, "client", name="Acme Labels", email="acme@example.org", password=PASSWORD)
        vis.fund(srv, client["id"], 50_000_000)
        cls.worker, wc = vis.signup(srv, "worker", name="Wanda Worker", email="wanda@example.org",
                                    password=PASSWORD)
        cls.wc = wc
        cls.applicant, _ = vis.signup(srv, "worker", name="Colette Courier", email="colette@example.org",
                                      password=PASSWORD)
        # a real automated decision: the worker's lease on a task runs out (unpaid minute)
        bid = ok(cl.post("/v1/batches", {
            "title": "Cats or dogs", "template": "What is in ${url}?", "answer_type": "single",
            "labels": ["cat", "dog"], "reward_micros": 50000, "overlap": 1, "expected_seconds": 10,
            "lease_seconds": 60}), 201)["id"]
        ok(cl.request("POST", "/v1/batches/%d/tasks" % bid, raw=b"url\na\nb\n",
                      headers={"Content-Type": "text/csv"}), 201)
        ok(cl.post("/v1/batches/%d/publish" % bid))
        ok(wc.post("/v1/work/batches/%d/claim" % bid), 201)
        ok(adm.post("/v1/admin/clock", {"advance_ms": 61_000}))
        ok(wc.get("/v1/work/assignments"))
        d = [x for x in ok(wc.get("/v1/me/decisions"))["decisions"] if x["event"] == "lease_expired"][0]
        cls.decision = d
        cls.review = ok(wc.post("/v1/me/decisions/%d/review" % d["id"],
                                {"message": "The image did not load for a minute."}), 201)
        ok(adm.post("/v1/admin/clock", {"advance_ms": 3_600_000}))
        cls.b = Browser(srv)

    @classmethod
    def tearDownClass(cls):
        cls.b.close()
        cls.srv.close()

    def setUp(self):
        self.b.d.delete_all_cookies()

    def open(self, section):
        b = self.b
        if "vis_session" not in b.cookies():
            b.login("ada@example.org", PASSWORD)
        b.page("/admin#" + section)
        b.wait("#sec-" + section)
        return b

    # ---- human review ----
    def test_1_overturn_and_the_worker_sees_it(self):
        b = self.open("reviews")
        rid = self.review["id"]
        card = b.wait("#review-%d" % rid)
        text = card.text
        # the decision's figures: the system, its rule, whom it concerns, the unpaid time
        self.assertIn("Wanda Worker", text)
        self.assertIn("lease_expiry", text)
        self.assertIn("the lease ran out", text)
        self.assertIn("The image did not load for a minute.", text)
        self.assertIn("unpaid time", text)
        self.assertIn("1 waiting for an answer", b.text("#reviews-counts"))
        b.shot("admin-reviews")
        # no reasons: refused next to the field, nothing sent
        b.q("#overturn-%d" % rid).click()
        err = b.wait("#reasons-%d-error" % rid)
        self.assertIn("reasons", err.text)
        self.assertEqual(ok(self.adm.get("/v1/admin/reviews?state=open"))["open"], 1)
        b.q("#reasons-%d" % rid).send_keys("The image server was down that minute.")
        b.q("#comp-%d" % rid).send_keys("0.50")
        b.q("#overturn-%d" % rid).click()
        b.wait(lambda d: "overturned" in d.find_element(By.ID, "flash").text, what="flash")
        r = [x for x in ok(self.adm.get("/v1/admin/reviews"))["reviews"] if x["id"] == rid][0]
        self.assertEqual(r["state"], "overturned")
        self.assertEqual(r["reasons"], "The image server was down that minute.")
        paid = [a for a in r["remedy"]["actions"] if a.get("paid_micros")]
        self.assertIn(500_000, [a["paid_micros"] for a in paid])
        self.assertEqual(b.qa("#review-%d" % rid), [])  # left the open queue
        # the worker sees the outcome and the reasons on /me
        b.logout()
        b.login("wanda@example.org", PASSWORD)
        b.page("/me")
        dec = b.wait("#decisions-list article, #decisions-list li")
        b.wait(lambda d: "The image server was down that minute." in d.find_element(By.ID, "decisions-list").text,
               what="reasons on /me")
        self.assertIn("verturned", b.text("#decisions-list"))
        self.assertTrue(dec)

    # ---- couriers ----
    def test_2_approve_a_courier(self):
        b = self.open("couriers")
        cid = self.applicant["id"]
        b.wait("#courier-%d" % cid)
        # suspending needs a reason, said next to the field
        b.q("#suspend-%d" % cid).click()
        b.wait("#why-%d-error" % cid)
        b.q("#approve-%d" % cid).click()
        b.wait(lambda d: "Colette Courier is approved" in d.find_element(By.ID, "flash").text, what="flash")
        st = ok(self.adm.get("/v1/admin/dispatch/couriers?state=approved"))["couriers"]
        self.assertIn(cid, [c["courier_id"] for c in st])
        b.wait(lambda d: not d.find_elements(By.ID, "courier-%d" % cid), what="row gone from applicants")

    # ---- money ----
    def test_3_ledger_and_journal(self):
        b = self.open("money")
        b.wait("#ledger-sum")
        self.assertEqual(b.q("#ledger-check .verdict").get_attribute("class"), "verdict ok")
        self.assertIn("0.00", b.text("#ledger-sum"))
        j = ok(self.adm.get("/v1/admin/journal/verify"))
        self.assertTrue(j["ok"])
        rows = int(b.text("#journal-rows").replace(",", "").replace("\u202f", "").replace("\xa0", ""))
        self.assertGreaterEqual(rows, j["rows"] - 5)
        self.assertIn("intact", b.text("#journal-check"))
        # re-run: the figure follows the journal
        self.adm.post("/v1/admin/journal/events", {"event": "note", "payload": {"x": 1}})
        b.q("#money-rerun").click()
        b.wait(lambda d: int(d.find_element(By.ID, "journal-rows").text.replace(",", "").replace("\u202f", "")
                             .replace("\xa0", "")) > rows, what="rows after re-run")

    # ---- transparency ----
    def capture_download(self, button):
        b = self.b
        b.js("window.__blobs = []; const o = URL.createObjectURL;"
             "URL.createObjectURL = (x) => { window.__blobs.push(x); return o(x); };")
        b.q(button).click()
        b.wait(lambda d: d.execute_script("return window.__blobs.length") > 0, what="download")
        b.d.set_script_timeout(10)
        return b.d.execute_async_script(
            "const done = arguments[arguments.length - 1]; window.__blobs[0].text().then(done);")

    def test_4_transparency_report_and_downloads(self):
        b = self.open("transparency")
        b.wait("#dsa-decisions")
        b.wait("#decl-table")
        b.wait("#tdb-pending")
        frm = b.q("#tr-from").get_attribute("value")
        to = b.q("#tr-to").get_attribute("value")
        f_ms = int(datetime.fromisoformat(frm).replace(tzinfo=timezone.utc).timestamp() * 1000)
        t_ms = int(datetime.fromisoformat(to).replace(tzinfo=timezone.utc).timestamp() * 1000)
        api = ok(self.adm.get("/v1/moderation/transparency?from=%d&to=%d" % (f_ms, t_ms)))
        self.assertEqual(b.text("#dsa-decisions"), str(api["decisions"]["total"]))
        self.assertEqual(b.text("#dsa-notices"), str(api["notices"]["received"]))
        got = json.loads(self.capture_download("#dsa-json"))
        self.assertEqual(got, api)
        rows = list(csv.reader(io.StringIO(self.capture_download("#dsa-csv"))))
        self.assertEqual(rows[0], ["figure", "value"])
        self.assertIn(["decisions.total", str(api["decisions"]["total"])], rows)
        self.assertIn(["appeals.received", str(api["appeals"]["received"])], rows)
        decl = ok(self.adm.get("/v1/admin/declaration?from=%d&to=%d" % (f_ms, t_ms)))
        self.assertIn(str(decl["registered_worker_accounts"]), b.text("#decl-table"))
        b.shot("admin-transparency")

    # ---- accounts ----
    def test_5_accounts_search_and_create(self):
        b = self.open("accounts")
        b.wait("#accounts")
        b.q("#acc-q").send_keys("WANDA")
        b.q("#acc-search-submit").click()
        b.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#accounts tbody tr")) == 1, what="one result")
        self.assertIn("wanda@example.org", b.text("#accounts"))
        b.q("#acc-q").clear()
        b.q("#acc-search-submit").click()
        b.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#accounts tbody tr")) >= 5, what="all accounts")
        b.shot("admin-accounts")
        # an email already taken: said next to the email field, what was typed kept
        b.q("#new-name").send_keys("Second Wanda")
        b.q("#new-email").send_keys("wanda@example.org")
        b.q("#acc-create-submit").click()
        b.wait("#new-email-error")
        self.assertEqual(b.q("#new-name").get_attribute("value"), "Second Wanda")
        b.q("#new-email").clear()
        b.q("#new-email").send_keys("client2@example.org")
        b.q("#new-role").send_keys("Client")
        b.q("#acc-create-submit").click()
        b.wait(lambda d: "created for Second Wanda" in d.find_element(By.ID, "flash").text, what="flash")
        found = ok(self.adm.get("/v1/admin/accounts?q=client2"))["accounts"]
        self.assertEqual([(a["name"], a["role"]) for a in found], [("Second Wanda", "client")])
        # disable it with a reason (the form is filled from its row); no such button on one's own row
        new = found[0]["id"]
        self.assertEqual(b.qa("#acc-st-%d" % self.admin["id"]), [])
        b.wait("#acc-st-%d" % new).click()
        self.assertEqual(b.q("#st-id").get_attribute("value"), str(new))
        b.q("#st-disable").click()
        b.wait("#st-reason-error")  # the reason is required
        b.q("#st-reason").send_keys("duplicate account")
        b.q("#st-disable").click()
        b.wait(lambda d: "is disabled" in d.find_element(By.ID, "flash").text, what="disabled")
        self.assertEqual(ok(self.adm.get("/v1/admin/accounts/%d" % new))["status"], "disabled")

    # ---- clauses and moderators ----
    def test_6_clauses_and_moderator_roles(self):
        b = self.open("clauses")
        b.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#clauses, #clauses-missing, #clauses-empty"),
               what="clauses")
        if b.qa("#clauses-missing"):
            self.skipTest("the clauses API is not on this server")
        b.q("#clause-code").send_keys("T-9")
        b.q("#clause-submit").click()
        b.wait("#clause-title-error")
        b.q("#clause-title").send_keys("Spam")
        b.q("#clause-text").send_keys("You may not post repetitive unsolicited content.")
        b.q("#clause-submit").click()
        b.wait(lambda d: "T-9" in d.find_element(By.ID, "flash").text, what="added")
        c = [x for x in ok(self.adm.get("/v1/moderation/clauses"))["clauses"] if x["code"] == "T-9"][0]
        self.assertTrue(c["active"])
        b.wait("#retire-%d" % c["id"]).click()
        b.wait("#retire-no-%d" % c["id"]).click()  # cancel: nothing happens
        self.assertTrue([x for x in ok(self.adm.get("/v1/moderation/clauses"))["clauses"] if x["id"] == c["id"]][0]["active"])
        b.wait("#retire-%d" % c["id"]).click()
        b.wait("#retire-yes-%d" % c["id"]).click()
        b.wait(lambda d: "retired" in d.find_element(By.ID, "flash").text, what="retired")
        self.assertFalse([x for x in ok(self.adm.get("/v1/moderation/clauses"))["clauses"] if x["id"] == c["id"]][0]["active"])
        # moderators: roles of a worker account
        b.page("/admin#moderators")
        b.wait("#mod-id").send_keys(str(self.worker["id"]))
        b.q("#mod-senior").click()
        b.q("#mod-submit").click()
        b.wait(lambda d: "senior yes" in d.find_element(By.ID, "mod-result").text, what="saved")
        # a client is not a moderator: said next to the field
        b.q("#mod-id").clear()
        b.q("#mod-id").send_keys("2")
        b.q("#mod-submit").click()
        b.wait("#mod-id-error")

    # ---- roles, accessibility, languages ----
    def test_7_other_roles_are_refused(self):
        for email in ("wanda@example.org", "acme@example.org"):
            self.b.d.delete_all_cookies()
            self.b.login(email, PASSWORD)
            self.b.page("/admin")
            self.b.wait("#refused")
            self.assertEqual(self.b.qa("#sec-reviews"), [])
        self.assertEqual(self.wc.get("/v1/admin/accounts").status, 403)
        self.assertEqual(self.wc.get("/v1/admin/dispatch/couriers").status, 403)

    def test_8_accessible_and_translated(self):
        b = self.open("reviews")
        for s in ("reviews", "accounts", "couriers", "money", "transparency", "clauses", "moderators"):
            b.js("location.hash = arguments[0]", s)
            b.wait("#sec-%s" % s)
            self.assertEqual(b.audit(), [], s)
        b.q("button.lang[lang=fr]").click()
        b.wait(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr", what="fr")
        for s in ("reviews", "accounts", "couriers", "money", "transparency", "clauses", "moderators"):
            b.js("location.hash = arguments[0]", s)
            b.wait("#sec-%s" % s)
            self.assertEqual(b.untranslated("fr", "admin"), [], s)
        self.assertEqual(b.audit(), [])
        b.q("button.lang[lang=en]").click()


if __name__ == "__main__":
    unittest.main()
