"""Issue 16, the moderator's console — the server side: onboarding before
any claim, never graphic content first, opting out releases what is held,
the catalogue of terms clauses named by decisions and their statements,
the appeal queue closed to the first decider, unblur journalled."""
import json

from test_moderation_api import Base, MIN, SCAM, VIOLENCE
from test_tdb import MockTdb
from vis import signup

ONBOARD = {"languages": ["en"], "briefing_read": True, "exposure_acknowledged": True}


class Console(Base):
    def new_moderator(self, onboard=True):
        acct, c = signup(self.srv, "worker")
        if onboard:
            r = c.post("/v1/moderation/onboarding", ONBOARD)
            self.assertEqual(r.status, 200, r)
        return acct, c

    def graphic(self, ref, severity=5):
        """A violence video with a trusted notice: the top of any queue."""
        ct = self.content(ref, "street fight video", media_url="https://media.example/v/%s.mp4" % ref,
                          media_kind="video", severity=severity)
        r = self.cl.post("/v1/moderation/notices", {"content_id": ct["id"], "category": VIOLENCE,
                                                    "explanation": "injured people", "trusted_flagger": True,
                                                    "reporter_contact": "tf@example.org", "reporter_name": "TF"})
        self.assertEqual(r.status, 201, r)
        return ct

    def events(self, event):
        return [json.loads(p[0]) for p in self.srv.sql("SELECT payload FROM journal WHERE event = ?", (event,))]


class Onboarding(Console):
    extra = ("--set", "moderation.onboarding_items=2")

    def test_claims_wait_for_onboarding(self):
        self.graphic("g1")
        _, m = self.new_moderator(onboard=False)
        # the case of the issue: no languages, no onboarding, a violence video on the first claim
        self.assertErr(m.post("/v1/moderation/claim"), 409, "onboarding_required")
        me = m.get("/v1/moderation/me").json
        self.assertFalse(me["onboarding"]["done"])
        before = self.srv.snapshot()
        for body, code in (({**ONBOARD, "languages": []}, "languages_required"),
                           ({**ONBOARD, "briefing_read": False}, "briefing_required"),
                           ({**ONBOARD, "exposure_acknowledged": False}, "acknowledgement_required"),
                           ({**ONBOARD, "languages": ["english"]}, "invalid_field")):
            self.assertErr(m.post("/v1/moderation/onboarding", body), 400, code)
        self.assertEqual(self.srv.snapshot(), before)
        r = m.post("/v1/moderation/onboarding", {**ONBOARD, "opt_outs": [SCAM]})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["onboarding"]["done"])
        self.assertEqual(r.json["onboarding"]["gentle_items_left"], 2)
        self.assertEqual(r.json["opt_outs"], [SCAM])
        self.assertTrue(self.events("onboarded"))
        self.assertErr(m.post("/v1/moderation/onboarding", ONBOARD), 409, "already_onboarded")
        # an onboarded moderator may not take their languages away
        self.assertErr(m.post("/v1/moderation/me", {"languages": []}), 400, "languages_required")

    def test_never_graphic_first(self):
        self.graphic("g1")
        for i in range(3):
            self.content("p%d" % i, "plain text %d" % i)
        _, m = self.new_moderator()
        self.assertErr(m.post("/v1/moderation/claim", {"queue": "graphic"}), 403, "graphic_not_yet")
        seen = []
        for _ in range(2):
            it = self.claim(m)[0]
            self.assertFalse(it["graphic"], it)
            seen.append(it["id"])
            self.assertEqual(m.post("/v1/moderation/items/%d/decide" % it["id"],
                                    {"action": "keep", "facts": "fine"}).status, 200)
        self.assertEqual(m.get("/v1/moderation/me").json["onboarding"]["gentle_items_left"], 0)
        it = self.claim(m)[0]
        self.assertTrue(it["graphic"], "after the first items the graphic one (top priority) comes")
        self.assertTrue(it["media"]["blur"] and it["media"]["greyscale"] and it["media"]["muted"])


class OptOut(Console):
    extra = ("--set", "moderation.onboarding_items=0")

    def test_opting_out_releases_held_items(self):
        self.graphic("g1")
        _, m = self.new_moderator()
        it = self.claim(m)[0]
        self.assertEqual(it["category"], VIOLENCE)
        self.clock(advance_ms=3 * MIN)
        r = m.post("/v1/moderation/me", {"opt_outs": ["violence"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["released"], [it["id"]])
        self.assertEqual(r.json["leases"], [])
        self.assertEqual(self.srv.sql("SELECT state FROM mod_items WHERE id = ?", (it["id"],)), [("open",)])
        rel = self.events("released_opt_out")
        self.assertEqual(rel[0]["item"], it["id"])
        self.assertEqual(rel[0]["review_ms"], 3 * MIN)
        self.assertGreater(rel[0]["paid_micros"], 0)  # the time held is paid
        self.assertNotEqual(m.get("/v1/moderation/items/%d" % it["id"]).status, 200)
        # and it is not offered again; another moderator gets it
        self.assertErr(m.post("/v1/moderation/claim"), 409, "no_item")
        _, o = self.new_moderator()
        self.assertEqual(self.claim(o)[0]["id"], it["id"])


class Clauses(Console):
    extra = ("--set", "moderation.onboarding_items=0")

    def test_catalogue_and_roles(self):
        _, m = self.new_moderator()
        r = self.adm.post("/v1/admin/moderation/clauses", {"code": "HS-1", "title": "Hate speech",
                                                           "text": "No attacks on protected groups."})
        self.assertEqual(r.status, 201, r)
        self.assertEqual({k: r.json[k] for k in ("code", "title", "active")},
                         {"code": "HS-1", "title": "Hate speech", "active": True})
        self.assertErr(self.adm.post("/v1/admin/moderation/clauses", {"code": "HS-1", "title": "x", "text": "y"}),
                       409, "duplicate_clause")
        self.assertErr(self.adm.post("/v1/admin/moderation/clauses", {"code": "a b", "title": "x", "text": "y"}),
                       400, "invalid_field")
        codes = [c["code"] for c in m.get("/v1/moderation/clauses").json["clauses"]]
        self.assertIn("HS-1", codes)
        self.assertEqual(self.cl.get("/v1/moderation/clauses").status, 403)
        self.assertEqual(m.post("/v1/admin/moderation/clauses", {"code": "X", "title": "x", "text": "y"}).status, 403)
        self.assertEqual(self.cl.post("/v1/admin/moderation/clauses/%d/retire" % r.json["id"]).status, 403)
        self.assertEqual(self.cl.post("/v1/moderation/onboarding", ONBOARD).status, 403)
        self.assertEqual(self.adm.post("/v1/moderation/onboarding", ONBOARD).status, 403)
        self.assertTrue(self.events("clause_created"))

    def test_terms_decision_names_an_active_clause(self):
        _, m = self.new_moderator()
        hs = self.adm.post("/v1/admin/moderation/clauses", {"code": "SP-1", "title": "Spam and scams",
                                                            "text": "No phishing or fake giveaways."}).json
        old = self.adm.post("/v1/admin/moderation/clauses",
                            {"code": "OLD-1", "title": "Old rule", "text": "Gone."}).json
        r = self.adm.post("/v1/admin/moderation/clauses/%d/retire" % old["id"])
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json["active"])
        self.assertTrue(self.events("clause_retired"))
        self.content("c1", "send your bank login")
        it = self.claim(m)[0]
        body = {"action": "remove", "category": SCAM, "ground": "terms", "facts": "phishing"}
        before = self.srv.snapshot()
        r = m.post("/v1/moderation/items/%d/decide" % it["id"], body)
        self.assertErr(r, 400, "missing_field")
        self.assertEqual(r.json["error"]["field"], "terms_clause")
        for clause, code in (("OLD-1", "clause_retired"), ("NOPE", "clause_not_found"), (99999, "clause_not_found"),
                             (1.5, "invalid_field")):
            r = m.post("/v1/moderation/items/%d/decide" % it["id"], {**body, "terms_clause": clause})
            self.assertErr(r, 400, code)
            self.assertEqual(r.json["error"]["field"], "terms_clause")
        r = m.post("/v1/moderation/items/%d/decide" % it["id"],
                   {**body, "ground": "illegal", "legal_ground": "Fraud Act", "terms_clause": "SP-1"})
        self.assertErr(r, 400, "invalid_field")
        self.assertEqual(self.srv.snapshot(), before)
        r = m.post("/v1/moderation/items/%d/decide" % it["id"], {**body, "terms_clause": hs["id"]})
        self.assertEqual(r.status, 200, r)
        dec = r.json["decision"]["id"]
        # the clause is retired afterwards: the statement keeps it
        self.assertEqual(self.adm.post("/v1/admin/moderation/clauses/%d/retire" % hs["id"]).status, 200)
        s = self.cl.get("/v1/moderation/decisions/%d/statement" % dec).json
        self.assertEqual(s["terms_clause"], {"id": hs["id"], "code": "SP-1", "title": "Spam and scams",
                                             "text": "No phishing or fake giveaways."})
        self.assertEqual(s["incompatible_content_ground"], "SP-1 Spam and scams: No phishing or fake giveaways.")
        self.assertNotIn("terms of service", json.dumps(s))

    def test_long_clause_fits_the_transparency_database(self):
        _, m = self.new_moderator()
        r = self.adm.post("/v1/admin/moderation/clauses", {"code": "L-1", "title": "Long", "text": "é" * 1500})
        self.assertEqual(r.status, 201, r)
        self.content("c2")
        it = self.claim(m)[0]
        r = m.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "label", "category": SCAM,
                                                                 "ground": "terms", "facts": "f",
                                                                 "terms_clause": "L-1"})
        self.assertEqual(r.status, 200, r)
        s = r.json["decision"]["statement_of_reasons"]
        self.assertEqual(len(s["incompatible_content_ground"]), 500)
        self.assertTrue(s["incompatible_content_ground"].startswith("L-1 Long: éé"))
        self.assertTrue(s["incompatible_content_ground"].endswith("…"))
        self.assertEqual(len(s["terms_clause"]["text"]), 1500)


class ClauseSubmitted(Console):
    def setUp(self):
        self.tdb = MockTdb()
        self.extra = ("--set", "moderation.onboarding_items=0", "--set", "moderation.tdb_url=" + self.tdb.url,
                      "--set", "moderation.tdb_token=t")
        super().setUp()

    def tearDown(self):
        super().tearDown()
        self.tdb.close()

    def test_submission_carries_the_clause(self):
        _, m = self.new_moderator()
        self.adm.post("/v1/admin/moderation/clauses", {"code": "NU-1", "title": "Nudity",
                                                       "text": "No sexually explicit content."})
        self.content("c3")
        it = self.claim(m)[0]
        r = m.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "remove", "category": SCAM,
                                                                 "ground": "terms", "facts": "f",
                                                                 "terms_clause": "NU-1"})
        self.assertEqual(r.status, 200, r)
        self.run_jobs()
        self.assertTrue(self.tdb.got)
        body = self.tdb.got[-1][1]
        self.assertEqual(body["incompatible_content_ground"], "NU-1 Nudity: No sexually explicit content.")
        self.assertNotIn("terms_clause", body)  # the platform's own copy stays home


class Appeals(Console):
    extra = ("--set", "moderation.onboarding_items=0")

    def test_appeal_goes_to_another_moderator(self):
        _, a = self.new_moderator()
        _, b = self.new_moderator()
        self.content("c4")
        it = self.claim(a)[0]
        r = a.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "label", "category": SCAM,
                                                                 "ground": "terms", "facts": "f",
                                                                 "terms_clause": "T-1"})
        self.assertEqual(r.status, 200, r)
        dec = r.json["decision"]["id"]
        self.assertEqual(self.cl.post("/v1/moderation/decisions/%d/appeal" % dec, {"explanation": "satire"}).status,
                         201)
        self.assertErr(a.post("/v1/moderation/claim"), 409, "no_item")
        got = self.claim(b)[0]
        self.assertEqual(got["kind"], "appeal")
        self.assertEqual(got["appealed_decision"]["id"], dec)
        self.assertEqual(got["appeal"]["explanation"], "satire")


class Unblur(Console):
    extra = ("--set", "moderation.onboarding_items=0")

    def test_unblur_is_journalled_one_item_at_a_time(self):
        self.graphic("g1")
        self.graphic("g2", severity=4)
        _, m = self.new_moderator()
        items = self.claim(m, count=2)
        self.assertTrue(all(i["media"]["blur"] for i in items))
        r = m.post("/v1/moderation/items/%d/unblur" % items[0]["id"])
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json["media"]["blur"])
        ev = self.events("unblurred")
        self.assertEqual([e["item"] for e in ev], [items[0]["id"]])
        r = m.post("/v1/moderation/items/%d/unblur" % items[1]["id"])
        self.assertTrue(m.get("/v1/moderation/items/%d" % items[0]["id"]).json["media"]["blur"])
        self.assertEqual([e["item"] for e in self.events("unblurred")], [items[0]["id"], items[1]["id"]])
        self.assertTrue(self.adm.get("/v1/admin/journal/verify").json["ok"])
