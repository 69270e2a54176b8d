"""Browser tests of the moderator's console (/moderate, issue 16): a new
moderator sees onboarding first; a graphic image arrives blurred and in
greyscale (computed CSS filter) and is revealed by a deliberate, confirmed
action that the journal records; the decision names a terms clause of the
catalogue and its statement of reasons carries it; the exposure budget then
closes the graphic queue; continuous review forces the break screen with its
countdown; an appeal reaches a moderator other than the first decider;
clients and admins are refused; accessibility and French."""
import json
import unittest
from datetime import datetime, timezone

from web import Browser, By, vis

M = 60_000
T0 = int(datetime(2027, 3, 1, 9, tzinfo=timezone.utc).timestamp() * 1000)
PASSWORD = "correct horse"
VIOLENCE = "STATEMENT_CATEGORY_VIOLENCE"
SCAM = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"
ONBOARD = {"languages": ["en"], "briefing_read": True, "exposure_acknowledged": True}


def ok(r, status=200):
    assert r.status == status, r
    return r.json


class Moderate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = vis.Server("--set", "moderation.onboarding_items=1",
                                   "--set", "moderation.exposure_budget_ms=600000",
                                   "--set", "moderation.continuous_limit_ms=1800000",
                                   "--set", "moderation.lease_ms=3600000")
        adm = cls.adm = srv.admin()
        cls.clock(set_ms=T0)
        ok(adm.post("/v1/admin/accounts", {"name": "Ada Admin", "email": "ada@example.org", "password": PASSWORD,
                                           "role": "admin"}), 201)
        client, cls.cl = vis.signup(srv, "client", name="Chirp", email="chirp@example.org", password=PASSWORD)
        vis.fund(srv, client["id"], 500_000_000)
        cls.clause = ok(adm.post("/v1/admin/moderation/clauses", {
            "code": "VI-1", "title": "Violent and graphic content",
            "text": "You may not post content that glorifies violence or shows graphic injury for shock value."}), 201)
        ok(adm.post("/v1/admin/moderation/clauses", {"code": "SP-1", "title": "Spam and scams",
                                                     "text": "No phishing or fake giveaways."}), 201)
        cls.mira, mc = vis.signup(srv, "worker", name="Mira Moderator", email="mira@example.org", password=PASSWORD)
        ok(mc.post("/v1/moderation/onboarding", ONBOARD))
        cls.mc = mc
        cls.post("p1", "Win a free phone!!! Send your bank login to claim the prize", SCAM, "Phishing")
        cls.post("g1", "Video still of the street fight outside the stadium", VIOLENCE, "Graphic violence",
                 media_url="/favicon.svg", media_kind="image", severity=5)
        cls.post("p2", "Cheap pills, no prescription needed", SCAM, "Unlicensed medicine")
        cls.b = Browser(srv)

    @classmethod
    def tearDownClass(cls):
        cls.b.close()
        cls.srv.close()

    @classmethod
    def clock(cls, **kw):
        ok(cls.adm.post("/v1/admin/clock", kw))

    @classmethod
    def post(cls, ref, text, category, why, **kw):
        ct = ok(cls.cl.post("/v1/moderation/content", {"client_ref": ref, "text": text, "language": "en", **kw}), 201)
        ok(cls.cl.post("/v1/moderation/notices", {"content_id": ct["id"], "category": category, "explanation": why,
                                                  "reporter_contact": "u@example.org", "trusted_flagger": True,
                                                  "reporter_name": "TF"}), 201)
        return ct

    def setUp(self):
        self.b.d.delete_all_cookies()

    def claim_from(self, queue):
        self.b.q('button.claim[data-queue="%s"]' % queue).click()

    def item_shown(self, ref_text):
        self.b.wait(lambda d: ref_text in d.find_element(By.ID, "content-text").text, what="item " + ref_text)

    def test_1_new_moderator_starts_with_onboarding(self):
        vis.signup(self.srv, "worker", name="Noah New", email="noah@example.org", password=PASSWORD)
        b = self.b
        b.login("noah@example.org", PASSWORD)
        b.page("/moderate")
        b.wait("#onboarding:not([hidden])")
        self.assertTrue(b.q("#console").get_attribute("hidden") is not None)
        self.assertIn("1", b.text("#onb-gentle"))
        b.shot("moderate-onboarding")
        self.assertEqual(b.audit(), [])
        # refused without the acknowledgements: said next to the form, nothing sent
        b.q("#onb-langs").send_keys("en, fr")
        b.q("#onb-submit").click()
        b.wait("#onb-form .field-error, #onb-form .form-error:not(:empty)")
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM journal WHERE event = 'onboarded'"), [(1,)])  # Mira's
        b.q("#onb-read").click()
        b.q("#onb-ack").click()
        b.q("label[for='onb-statement_category_violence'] input").click()
        b.q("#onb-submit").click()
        b.wait("#console:not([hidden])")
        self.assertTrue(b.q("#gentle-text").is_displayed())
        me = json.loads(self.srv.sql("SELECT payload FROM journal WHERE event = 'preferences_set' "
                                     "ORDER BY id DESC LIMIT 1")[0][0])
        self.assertEqual(me["languages"], ["en", "fr"])
        self.assertEqual(me["opt_outs"], [VIOLENCE])

    def test_2_blur_reveal_decide_budget_break(self):
        b = self.b
        b.login("mira@example.org", PASSWORD)
        b.page("/moderate")
        b.wait("#console:not([hidden])")
        # a new moderator's first item is not graphic: the graphic queue waits
        self.assertIsNotNone(b.q('button.claim[data-queue="graphic"]').get_attribute("disabled"))
        self.claim_from("general")
        self.item_shown("free phone")
        b.q("body").click()
        b.keys("a")  # allow, by keyboard
        b.wait(lambda d: "Decision" in d.find_element(By.ID, "flash").text, what="kept")
        # the graphic image: blurred and greyscale until revealed
        b.wait(lambda d: d.find_element(By.CSS_SELECTOR, 'button.claim[data-queue="graphic"]').get_attribute(
            "disabled") is None, what="graphic queue open")
        self.claim_from("graphic")
        self.item_shown("street fight")
        b.wait("#media")
        flt = b.js("return getComputedStyle(document.getElementById('media')).filter")
        self.assertIn("blur(", flt)
        self.assertIn("grayscale(1)", flt)
        b.shot("moderate-item")
        self.assertEqual(b.audit(), [])
        item = int(self.srv.sql("SELECT id FROM mod_items WHERE state = 'leased'")[0][0])
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM journal WHERE event = 'unblurred'"), [(0,)])
        b.q("body").click()
        b.keys("r")  # asks first
        b.wait("#reveal-confirm:not([hidden])")
        self.assertIn("blur(", b.js("return getComputedStyle(document.getElementById('media')).filter"))
        b.q("#reveal-yes").click()
        b.wait(lambda d: d.execute_script(
            "return getComputedStyle(document.getElementById('media')).filter") == "none", what="revealed")
        ev = [json.loads(p[0]) for p in self.srv.sql("SELECT payload FROM journal WHERE event = 'unblurred'")]
        self.assertEqual([e["item"] for e in ev], [item])
        self.assertTrue(ok(self.adm.get("/v1/admin/journal/verify"))["ok"])
        # eleven minutes on it: past the 10-minute budget
        self.clock(advance_ms=11 * M)
        # decide on terms grounds: the clause is required, then named in the statement
        b.q("#f-facts").send_keys("The image shows injured people; posted for shock value.")
        b.q("#decide-btn").click()
        b.wait("#f-clause + .field-error, #decide-form .form-error:not(:empty)")
        from selenium.webdriver.support.ui import Select
        Select(b.q("#f-clause")).select_by_value("VI-1")
        self.assertIn("glorifies violence", b.text("#clause-text"))
        b.q("#decide-btn").click()
        b.wait(lambda d: "Decision" in d.find_element(By.ID, "flash").text, what="decided")
        dec = self.srv.sql("SELECT id FROM mod_decisions WHERE item_id = ?", (item,))[0][0]
        st = ok(self.adm.get("/v1/moderation/decisions/%d/statement" % int(dec)))
        self.assertEqual(st["terms_clause"]["code"], "VI-1")
        self.assertTrue(st["incompatible_content_ground"].startswith("VI-1 Violent and graphic content: "))
        self.assertEqual(st["decision_ground"], "DECISION_GROUND_INCOMPATIBLE_CONTENT")
        self.assertIn("appeal this decision", st["incompatible_content_explanation"])  # the redress text
        # the budget is spent: the graphic queue is closed in the page and on the server
        b.page("/moderate")
        b.wait("#console:not([hidden])")
        self.assertIsNotNone(b.q('button.claim[data-queue="graphic"]').get_attribute("disabled"))
        self.assertIn("warn", b.q("#exposure-text").get_attribute("class"))
        self.post("g2", "Another fight video", VIOLENCE, "Violence", media_url="/favicon.svg", media_kind="image")
        r = self.mc.post("/v1/moderation/claim", {"queue": "graphic"})
        self.assertEqual((r.status, r.json["error"]["code"]), (403, "exposure_budget_spent"))
        # continuous review: 11 + 25 minutes > 30: the break screen, with its countdown and no work
        self.claim_from("general")
        self.item_shown("Cheap pills")
        self.clock(advance_ms=25 * M)
        b.q("body").click()
        b.keys("a")
        b.wait("#break-view:not([hidden])")
        self.assertTrue(b.q("#console").get_attribute("hidden") is not None)
        self.assertRegex(b.text("#break-count"), r"^1[45]:\d\d$")
        b.shot("moderate-break")
        self.assertEqual(b.audit(), [])
        r = self.mc.post("/v1/moderation/claim")
        self.assertEqual((r.status, r.json["error"]["code"]), (403, "break_required"))
        # French, as the person reads it
        b.q("button.lang[lang='fr']").click()
        b.wait(lambda d: d.find_element(By.ID, "break-h").text == "C’est l’heure de la pause", what="fr")
        self.assertEqual(b.untranslated("fr", "moderate"), [])
        b.q("button.lang[lang='en']").click()
        # after the break the console is back
        self.clock(advance_ms=16 * M)
        b.page("/moderate")
        b.wait("#console:not([hidden])")

    def test_3_appeal_reaches_another_moderator(self):
        _, ac = vis.signup(self.srv, "worker", name="Ari First", email="ari@example.org", password=PASSWORD)
        ok(ac.post("/v1/moderation/onboarding", ONBOARD))
        _, bc = vis.signup(self.srv, "worker", name="Bea Second", email="bea@example.org", password=PASSWORD)
        ok(bc.post("/v1/moderation/onboarding", ONBOARD))
        self.post("a1", "Satire about the mayor", SCAM, "Fake news")
        it = ok(ac.post("/v1/moderation/claim"), 201)["items"][0]
        d = ok(ac.post("/v1/moderation/items/%d/decide" % it["id"], {
            "action": "label", "category": SCAM, "ground": "terms", "terms_clause": "SP-1", "facts": "misleading"}))
        ok(self.cl.post("/v1/moderation/decisions/%d/appeal" % d["decision"]["id"], {"explanation": "It is satire"}),
           201)
        b = self.b
        b.login("ari@example.org", PASSWORD)
        b.page("/moderate")
        b.wait("#console:not([hidden])")
        self.claim_from("general")
        b.wait("#claim-error .form-error:not(:empty)")
        self.assertIn("No item is waiting", b.text("#claim-error"))
        self.assertEqual(b.qa("#appeal-box:not([hidden])"), [])
        b.d.delete_all_cookies()
        b.login("bea@example.org", PASSWORD)
        b.page("/moderate")
        b.wait("#console:not([hidden])")
        self.claim_from("general")
        b.wait("#appeal-box:not([hidden])")
        self.assertIn("It is satire", b.text("#appeal-text"))
        b.q("input[name=outcome][value=upheld]").click()
        b.q("#f-reasons").send_keys("Clearly labelled; the label stays.")
        b.q("#decide-btn").click()
        b.wait(lambda d: "Recorded" in d.find_element(By.ID, "flash").text, what="appeal decided")
        self.assertEqual(self.srv.sql("SELECT state FROM mod_appeals"), [("upheld",)])

    def test_4_other_roles_are_refused(self):
        for email in ("chirp@example.org", "ada@example.org"):
            self.b.d.delete_all_cookies()
            self.b.login(email, PASSWORD)
            self.b.page("/moderate")
            self.b.wait("#refused")
            self.assertEqual(self.b.qa("#console:not([hidden])"), [])
            self.assertEqual(self.b.audit(), [])
        self.assertEqual(self.cl.get("/v1/moderation/clauses").status, 403)
        self.assertEqual(self.cl.post("/v1/moderation/onboarding", ONBOARD).status, 403)


if __name__ == "__main__":
    unittest.main()
