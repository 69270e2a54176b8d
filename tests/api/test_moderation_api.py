"""API tests of the content moderation service (issue 6) against the real binary.

A small http.server on loopback plays the client platform's callback
receiver. The test clock replaces every wait: leases, breaks, budgets and
callback backoff are crossed with POST /v1/admin/clock, and the housekeeping
jobs run synchronously through POST /v1/admin/moderation/run."""
import http.server
import json
import threading
import unittest

from vis import Server, signup

T0 = 1_800_000_000_000
MIN = 60_000
FAR = 253402300799999

VISIBILITY = {"DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED",
              "DECISION_VISIBILITY_CONTENT_DEMOTED", "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
              "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", "DECISION_VISIBILITY_CONTENT_LABELLED",
              "DECISION_VISIBILITY_OTHER"}
ACCOUNT = {"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"}
GROUND = {"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"}
CATEGORIES = {"STATEMENT_CATEGORY_" + c for c in (
    "ANIMAL_WELFARE", "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", "ILLEGAL_OR_HARMFUL_SPEECH",
    "INTELLECTUAL_PROPERTY_INFRINGEMENTS", "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "NON_CONSENSUAL_BEHAVIOUR", "PORNOGRAPHY_OR_SEXUALIZED_CONTENT", "PROTECTION_OF_MINORS",
    "RISK_FOR_PUBLIC_SECURITY", "SCAMS_AND_FRAUD", "SELF_HARM", "SCOPE_OF_PLATFORM_SERVICE",
    "UNSAFE_AND_ILLEGAL_PRODUCTS", "VIOLENCE")}
CONTENT_TYPES = {"CONTENT_TYPE_" + c for c in ("TEXT", "IMAGE", "VIDEO", "AUDIO", "SYNTHETIC_MEDIA", "PRODUCT",
                                               "APP", "OTHER")}
SOURCES = {"SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_VOLUNTARY", "SOURCE_TYPE_OTHER_NOTIFICATION"}
AUTOMATED = {"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"}
SPEECH = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
SCAM = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"
VIOLENCE = "STATEMENT_CATEGORY_VIOLENCE"
MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"


class Receiver:
    """The client platform's callback endpoint on loopback."""

    def __init__(self):
        self.bodies = []
        self.fail = 0  # answer 500 to this many requests first
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                data = self.rfile.read(n)
                if outer.fail > 0:
                    outer.fail -= 1
                    self.send_response(500)
                else:
                    outer.bodies.append((self.headers.get("X-Visible-Callback-Id"), json.loads(data)))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/hook" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def events(self):
        seen, out = set(), []
        for cid, body in self.bodies:  # at-least-once: dedupe by callback id
            if cid not in seen:
                seen.add(cid)
                out.append(body)
        return out

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def check_statement(tc, s):
    """Every field of a statement of reasons against the Transparency Database's allowed values."""
    tc.assertTrue(s["puid"].startswith("visible-decision-"))
    if s["restriction"]:
        tc.assertTrue("decision_visibility" in s or "decision_account" in s, s)
        for v in s.get("decision_visibility", []):
            tc.assertIn(v, VISIBILITY)
        if "decision_account" in s:
            tc.assertIn(s["decision_account"], ACCOUNT)
        tc.assertIn(s["decision_ground"], GROUND)
        if s["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT":
            tc.assertTrue(s["illegal_content_legal_ground"])
            tc.assertIn("illegal_content_explanation", s)
        else:
            tc.assertTrue(s["incompatible_content_ground"])
            tc.assertIn("incompatible_content_explanation", s)
        tc.assertIn(s["category"], CATEGORIES)
    else:
        for k in ("decision_visibility", "decision_account", "decision_ground"):
            tc.assertNotIn(k, s)
    tc.assertTrue(s["content_type"])
    for v in s["content_type"]:
        tc.assertIn(v, CONTENT_TYPES)
    tc.assertIn(s["source_type"], SOURCES)
    tc.assertIn(s["automated_detection"], ("Yes", "No"))
    tc.assertIn(s["automated_decision"], AUTOMATED)
    for k in ("content_date", "application_date"):
        tc.assertRegex(s[k], r"^\d{4}-\d{2}-\d{2}$")
    tc.assertIsInstance(s["decision_facts"], str)
    if "content_language" in s:
        tc.assertRegex(s["content_language"], r"^[A-Z]{2}$")
    for k in ("illegal_content_explanation", "incompatible_content_explanation"):
        tc.assertLessEqual(len(s.get(k, "")), 2000)


class Base(unittest.TestCase):
    extra = ()
    # the receivers here live on loopback, which callbacks may not reach by default
    private_callbacks = True

    def setUp(self):
        allow = ("--set", "moderation.callback_private=true") if self.private_callbacks else ()
        # issue 16: new moderators' first items are never graphic; these tests start them on any item
        self.srv = Server(*allow, "--set", "moderation.onboarding_items=0", *self.extra)
        self.adm = self.srv.admin()
        # issue 16: decisions on terms grounds name a clause of the catalogue
        r = self.adm.post("/v1/admin/moderation/clauses", {"code": "T-1", "title": "Scams and spam",
                                                           "text": "No deceptive content."})
        self.assertEqual(r.status, 201, r)
        self.clock(set_ms=T0)
        self.client_acct, self.cl = signup(self.srv, "client")
        r = self.adm.post("/v1/admin/accounts/%d/credit" % self.client_acct["id"],
                          {"amount_micros": 1_000_000_000, "reason": "test"})
        self.assertEqual(r.status, 201, r)
        self.rx = None

    def tearDown(self):
        if self.rx:
            self.rx.close()
        self.srv.close()

    def clock(self, **kw):
        r = self.adm.post("/v1/admin/clock", kw)
        self.assertEqual(r.status, 200, r)

    def run_jobs(self):
        r = self.adm.post("/v1/admin/moderation/run")
        self.assertEqual(r.status, 200, r)
        return r.json

    def moderator(self, langs=("en",)):
        acct, c = signup(self.srv, "worker")
        r = c.post("/v1/moderation/onboarding", {"languages": list(langs), "briefing_read": True,
                                                 "exposure_acknowledged": True})
        self.assertEqual(r.status, 200, r)
        return acct, c

    def content(self, ref, text="some text", **kw):
        body = {"client_ref": ref, "text": text, "language": "en"}
        body.update(kw)
        r = self.cl.post("/v1/moderation/content", body)
        self.assertEqual(r.status, 201, r)
        return r.json

    def notice(self, cid, category=SPEECH, trusted=False, contact="user@example.org"):
        r = self.cl.post("/v1/moderation/notices", {"content_id": cid, "category": category,
                                                    "explanation": "reported", "trusted_flagger": trusted,
                                                    "reporter_contact": contact,
                                                    "reporter_name": "Flagger Org" if trusted else "A user"})
        self.assertEqual(r.status, 201, r)
        return r.json

    def claim(self, c, **kw):
        r = c.post("/v1/moderation/claim", kw or None)
        self.assertEqual(r.status, 201, r)
        return r.json["items"]

    def assertErr(self, r, status, code=None):
        self.assertEqual(r.status, status, r)
        if code:
            self.assertEqual(r.json["error"]["code"], code, r)


# issue 16: a decision on terms grounds names a clause of the catalogue (T-1, made in Base.setUp)
TERMS = {"ground": "terms", "terms_clause": "T-1"}
REMOVE = {"action": "remove", "category": SPEECH, "ground": "illegal",
          "legal_ground": "Criminal Code s. 130 (incitement)", "facts": "The post incites hatred against a group."}


class EndToEnd(Base):
    def test_full_scenario(self):
        self.rx = Receiver()
        r = self.cl.post("/v1/moderation/settings", {"callback_url": self.rx.url})
        self.assertEqual(r.status, 200, r)
        ct = self.content("post-1", "they should all be driven out of the country",
                          media_url="http://cdn.example/1.jpg", media_kind="image", author_ref="user-77")
        self.assertEqual(ct["status"], "in_review")
        n1 = self.notice(ct["id"], trusted=True, contact="flagger@ngo.example")
        n2 = self.notice(ct["id"], contact="someone@example.org")
        self.assertEqual(n1["receipt"], "N-%d" % n1["id"])
        self.assertTrue(n1["trusted_flagger"])
        self.assertEqual(n1["item_id"], ct["item_id"])
        self.assertEqual(n2["status"], "in_review")
        a_acct, a = self.moderator()
        b_acct, b = self.moderator()
        items = self.claim(a)
        self.assertEqual(len(items), 1)
        it = items[0]
        self.assertEqual(it["id"], ct["item_id"])
        self.assertEqual((it["notices"], it["trusted_notices"]), (2, 1))
        self.assertEqual(it["category"], SPEECH)
        self.assertFalse(it["media"]["blur"])  # not a graphic category
        for n in it["notice_list"]:
            self.assertNotIn("reporter_contact", n)
        # a repeated claim returns the same lease; the other moderator gets nothing
        self.assertEqual(self.claim(a)[0]["id"], it["id"])
        self.assertErr(b.post("/v1/moderation/claim"), 409, "no_item")
        self.clock(advance_ms=6 * MIN)
        r = a.post("/v1/moderation/items/%d/decide" % it["id"], REMOVE)
        self.assertEqual(r.status, 200, r)
        dec = r.json["decision"]
        self.assertEqual(dec["action"], "remove")
        self.assertEqual(dec["decided_by"], "human")
        s = dec["statement_of_reasons"]
        check_statement(self, s)
        self.assertEqual(s["decision_visibility"], ["DECISION_VISIBILITY_CONTENT_REMOVED"])
        self.assertEqual(s["decision_ground"], "DECISION_GROUND_ILLEGAL_CONTENT")
        self.assertEqual(s["source_type"], "SOURCE_TRUSTED_FLAGGER")
        self.assertEqual(s["source_identity"], "Flagger Org")
        self.assertEqual(s["automated_detection"], "No")
        self.assertEqual(s["automated_decision"], "AUTOMATED_DECISION_NOT_AUTOMATED")
        self.assertEqual(sorted(s["content_type"]), ["CONTENT_TYPE_IMAGE", "CONTENT_TYPE_TEXT"])
        self.assertEqual(s["content_language"], "EN")
        r = self.cl.get("/v1/moderation/decisions/%d/statement" % dec["id"])
        self.assertEqual(r.json, s)
        # notices answered
        self.assertEqual(self.cl.get("/v1/moderation/notices/%d" % n2["id"]).json["outcome"], "founded")
        # the callback reaches the platform
        st = self.run_jobs()
        self.assertGreaterEqual(st["delivered"] + len(self.rx.events()), 1)
        ev = self.rx.events()
        self.assertEqual([e["event"] for e in ev], ["decision"])
        self.assertEqual(ev[0]["decision"]["statement_of_reasons"], s)
        self.assertEqual(ev[0]["client_ref"], "post-1")
        # paid by the hour of review: 6 minutes at the configured rate
        e = a.get("/v1/me/earnings?from=0&to=%d" % FAR).json
        self.assertEqual(e["active_ms"], 6 * MIN)
        self.assertEqual(e["paid_micros"], 18_000_000 // 10)
        self.assertFalse(e["below_minimum"])
        me = a.get("/v1/moderation/me").json
        self.assertEqual(me["exposure"]["by_category_30d"][0]["category"], SPEECH)
        self.assertEqual(me["exposure"]["by_category_30d"][0]["ms"], 6 * MIN)
        self.assertEqual(self.adm.get("/v1/admin/ledger").json["sum_micros"], 0)
        # the author appeals through the client; the decider may not review it
        r = self.cl.post("/v1/moderation/decisions/%d/appeal" % dec["id"], {"explanation": "It was satire."})
        self.assertEqual(r.status, 201, r)
        appeal = r.json
        self.assertErr(self.cl.post("/v1/moderation/decisions/%d/appeal" % dec["id"], {"explanation": "again"}),
                       409, "already_appealed")
        self.assertErr(a.post("/v1/moderation/claim"), 409, "no_item")
        bi = self.claim(b)[0]
        self.assertEqual(bi["kind"], "appeal")
        self.assertEqual(bi["appeal"]["explanation"], "It was satire.")
        self.assertEqual(bi["appealed_decision"]["id"], dec["id"])
        self.clock(advance_ms=3 * MIN)
        self.assertErr(b.post("/v1/moderation/items/%d/decide" % bi["id"], {"outcome": "reversed"}), 400)
        r = b.post("/v1/moderation/items/%d/decide" % bi["id"],
                   {"outcome": "reversed", "reasons": "Satire of a public figure, not incitement."})
        self.assertEqual(r.status, 200, r)
        nd = r.json["decision"]
        self.assertEqual(nd["action"], "keep")
        self.assertEqual(nd["supersedes"], dec["id"])
        self.assertFalse(nd["statement_of_reasons"]["restriction"])
        check_statement(self, nd["statement_of_reasons"])
        old = self.cl.get("/v1/moderation/decisions/%d" % dec["id"]).json
        self.assertEqual(old["superseded_by"], nd["id"])
        self.assertEqual(old["appeal"]["state"], "reversed")
        self.assertEqual(old["appeal"]["id"], appeal["id"])
        self.run_jobs()
        ev = self.rx.events()
        self.assertEqual([e["event"] for e in ev], ["decision", "appeal_decided"])
        self.assertEqual(ev[1]["outcome"], "reversed")
        self.assertEqual(ev[1]["decision"]["action"], "keep")
        cb = self.cl.get("/v1/moderation/callbacks").json
        self.assertTrue(all(c["state"] == "delivered" for c in cb["callbacks"]))
        # transparency report (DSA Art. 15)
        t = self.cl.get("/v1/moderation/transparency?from=0&to=%d" % (T0 + 3_600_000)).json
        self.assertEqual(t["notices"]["received"], 2)
        self.assertEqual(t["notices"]["by_source"], {"trusted_flagger": 1, "user": 1})
        self.assertEqual(t["notices"]["by_category"], {SPEECH: 2})
        self.assertEqual(t["decisions"]["total"], 2)
        self.assertEqual(t["decisions"]["not_automated"], 2)
        # Art. 15(1)(d): the appeal was decided 3 minutes after it came in
        self.assertEqual(t["appeals"], {"received": 1, "decided": 1, "reversed": 1, "upheld": 0,
                                        "median_time_to_decision_ms": 3 * MIN})
        self.assertAlmostEqual(t["human_review"]["hours"], 9 / 60)
        self.assertEqual(t["human_review"]["moderators"], 2)
        self.assertEqual(t["human_review"]["moderators_by_language"], {"en": 2})
        # Art. 15(1)(b): intake to the first decision (the reversal is the appeal's, counted above)
        self.assertEqual(t["median_time_to_decision_ms"], 6 * MIN)
        # by default the period ends now, included: what was just decided counts
        # (the test clock stands still on the last decision's millisecond)
        self.assertEqual(self.cl.get("/v1/moderation/transparency").json["appeals"]["decided"], 1)
        # everything is journalled, the chain intact
        events = [r[0] for r in self.srv.sql("SELECT event FROM journal WHERE family = 'moderation'")]
        for e in ("content_received", "notice_received", "queued", "claimed", "decided", "exposure",
                  "appeal_received", "appeal_decided"):
            self.assertIn(e, events)
        spans = self.srv.sql("SELECT worker_id, span_start_ms, span_end_ms FROM journal WHERE event = 'decided'")
        self.assertEqual(spans, [(a_acct["id"], T0, T0 + 6 * MIN)])
        self.assertTrue(self.adm.get("/v1/admin/journal/verify").json["ok"])


class Concurrency(Base):
    def test_two_moderators_never_share_an_item(self):
        for i in range(24):
            self.notice(self.content("c%d" % i)["id"])
        mods = [self.moderator() for _ in range(2)]
        got = [[], []]
        errors = []

        def work(k):
            _, c0 = mods[k]
            c = self.srv.client(c0.token)
            while True:
                r = c.post("/v1/moderation/claim", {"count": 2})
                if r.status == 409:
                    break
                if r.status != 201:
                    errors.append(r)
                    break
                ids = [it["id"] for it in r.json["items"]]
                got[k] += ids
                r = c.post("/v1/moderation/decisions/bulk", {"items": ids, "action": "keep", "facts": "fine"})
                if r.status != 200:
                    errors.append(r)
                    break

        ts = [threading.Thread(target=work, args=(k,)) for k in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(set(got[0]) & set(got[1]), set())
        self.assertEqual(len(got[0]) + len(got[1]), 24)
        self.assertEqual(len(set(got[0] + got[1])), 24)
        n = self.srv.sql("SELECT COUNT(*) FROM mod_decisions")[0][0]
        self.assertEqual(n, 24)
        self.assertEqual(self.adm.get("/v1/admin/ledger").json["sum_micros"], 0)


class Exposure(Base):
    extra = ("--set", "moderation.exposure_budget_ms=1200000")  # 20 minutes

    def test_budget_blur_and_other_queues(self):
        v1 = self.content("v1", "street fight", media_url="http://cdn/v1.mp4", media_kind="video")
        v2 = self.content("v2", "another fight", media_url="http://cdn/v2.mp4", media_kind="video")
        v3 = self.content("v3", "third fight")
        for v in (v1, v2, v3):
            self.notice(v["id"], category=VIOLENCE)
        plain = self.content("p1", "spam spam")
        self.notice(plain["id"], category=SCAM)
        _, m = self.moderator()
        it = self.claim(m, queue=2)[0]
        self.assertTrue(it["graphic"])
        self.assertEqual(it["media"], {"url": it["media"]["url"], "kind": "video", "blur": True, "greyscale": True,
                                       "muted": True})
        r = m.post("/v1/moderation/items/%d/unblur" % it["id"])
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json["media"]["blur"])
        self.assertFalse(r.json["media"]["muted"])
        self.clock(advance_ms=12 * MIN)
        r = m.post("/v1/moderation/items/%d/decide" % it["id"],
                   {"action": "age_restrict", "category": VIOLENCE, **TERMS, "facts": "graphic fight"})
        self.assertEqual(r.status, 200, r)
        check_statement(self, r.json["decision"]["statement_of_reasons"])
        it = self.claim(m, queue=2)[0]
        self.assertTrue(it["media"]["blur"])  # every new item arrives blurred
        self.clock(advance_ms=9 * MIN)
        r = m.post("/v1/moderation/items/%d/skip" % it["id"])
        self.assertEqual(r.status, 200, r)
        # 21 minutes of graphic review today: graphic claims refused, others open
        r = m.post("/v1/moderation/claim", {"queue": 2})
        self.assertErr(r, 403, "exposure_budget_spent")
        self.assertIn("other queues remain", r.json["error"]["message"])
        me = m.get("/v1/moderation/me").json
        self.assertFalse(me["exposure"]["graphic_queues_open"])
        self.assertEqual(me["exposure"]["graphic_today_ms"], 21 * MIN)
        got = self.claim(m)
        self.assertEqual(got[0]["category"], SCAM)
        expo = self.srv.sql("SELECT payload FROM journal WHERE event = 'exposure'")
        self.assertEqual(len(expo), 2)
        self.assertEqual(json.loads(expo[0][0])["category"], VIOLENCE)
        self.assertTrue(self.srv.sql("SELECT 1 FROM journal WHERE event = 'unblurred'"))
        # the next day the budget is whole again
        m.post("/v1/moderation/items/%d/skip" % got[0]["id"])
        self.clock(advance_ms=24 * 3_600_000)
        self.assertTrue(self.claim(m, queue=2)[0]["graphic"])


class Break(Base):
    extra = ("--set", "moderation.continuous_limit_ms=1800000", "--set", "moderation.break_ms=900000")

    def test_mandatory_break(self):
        for i in range(6):
            self.notice(self.content("b%d" % i)["id"])
        _, m = self.moderator()
        for minutes in (14, 14, 5):
            it = self.claim(m)[0]
            self.clock(advance_ms=minutes * MIN)
            r = m.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "keep", "facts": "ok"})
            self.assertEqual(r.status, 200, r)
        r = m.post("/v1/moderation/claim")
        self.assertErr(r, 403, "break_required")
        self.assertIn("mandatory break", r.json["error"]["message"])
        self.assertTrue(m.get("/v1/moderation/me").json["break"]["required"])
        self.assertTrue(self.srv.sql("SELECT 1 FROM journal WHERE event = 'break_required'"))
        self.clock(advance_ms=10 * MIN)
        self.assertErr(m.post("/v1/moderation/claim"), 403, "break_required")
        self.clock(advance_ms=6 * MIN)
        self.assertEqual(len(self.claim(m)), 1)


class Roles(Base):
    def test_child_safety_optout_escalation_and_leases(self):
        cs = self.content("m1", "minor")
        self.notice(cs["id"], category=MINORS)
        sc = self.content("s1", "send me your bank password")
        self.notice(sc["id"], category=SCAM)
        m_acct, m = self.moderator()
        r = m.post("/v1/moderation/me", {"opt_outs": ["scams_and_fraud"]})
        self.assertEqual(r.json["opt_outs"], [SCAM])
        self.assertErr(m.post("/v1/moderation/claim"), 409, "no_item")
        self.assertErr(m.post("/v1/moderation/claim", {"queue": 3}), 403, "child_safety_role_required")
        r = self.adm.post("/v1/admin/moderation/moderators/%d" % m_acct["id"], {"child_safety": True})
        self.assertEqual(r.status, 200, r)
        it = self.claim(m)[0]
        self.assertEqual(it["category"], MINORS)
        self.assertTrue(it["child_safety"])
        r = m.post("/v1/moderation/items/%d/escalate" % it["id"], {"reason": "needs a senior"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["queue"], 5)  # senior child-safety
        self.assertErr(m.post("/v1/moderation/claim"), 409, "no_item")  # not senior
        s_acct, s = self.moderator()
        self.adm.post("/v1/admin/moderation/moderators/%d" % s_acct["id"], {"senior": True})
        got = self.claim(s)  # senior but without the child-safety role: only the scam item
        self.assertEqual(got[0]["category"], SCAM)
        self.adm.post("/v1/admin/moderation/moderators/%d" % s_acct["id"], {"child_safety": True})
        got = self.claim(s, count=1)
        self.assertEqual(got[0]["id"], it["id"])
        # an expired lease is paid time and the item returns to the queue
        self.clock(advance_ms=16 * MIN)
        self.run_jobs()
        self.assertErr(s.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "keep", "facts": "x"}),
                       409, "lease_ended")
        self.assertTrue(self.srv.sql("SELECT 1 FROM journal WHERE event = 'lease_expired'"))
        self.assertEqual(self.adm.get("/v1/admin/ledger").json["sum_micros"], 0)
        # routing rules
        r = self.adm.post("/v1/admin/moderation/queues", {"name": "french"})
        self.assertEqual(r.status, 201, r)
        q = r.json["id"]
        r = self.adm.post("/v1/admin/moderation/rules", {"queue": q, "position": 1, "language": "fr"})
        self.assertEqual(r.status, 201, r)
        fr = self.content("f1", "bonjour", language="fr")
        self.assertEqual(self.srv.sql("SELECT queue_id FROM mod_items WHERE id = ?", (fr["item_id"],))[0][0], q)
        self.assertEqual(self.adm.get("/v1/admin/moderation/rules").json["rules"][0]["language"], "fr")


class Statements(Base):
    def test_every_action_gives_valid_values(self):
        _, m = self.moderator()
        cases = [("remove", "terms"), ("disable", "terms"), ("restrict", "terms"), ("age_restrict", "terms"),
                 ("restrict_interaction", "terms"), ("label", "terms"), ("suspend", "illegal"),
                 ("terminate", "terms"), ("keep", None)]
        for i, (action, ground) in enumerate(cases):
            self.content("s%d" % i, "text %d" % i, media_url="http://x/%d" % i, media_kind="audio")
            it = self.claim(m)[0]
            body = {"action": action, "facts": "facts %d" % i}
            if ground:
                body.update(category=SCAM, ground=ground)
            if ground == "terms":
                body["terms_clause"] = "T-1"
            if ground == "illegal":
                body["legal_ground"] = "Fraud Act"
            r = m.post("/v1/moderation/items/%d/decide" % it["id"], body)
            self.assertEqual(r.status, 200, r)
            s = r.json["decision"]["statement_of_reasons"]
            check_statement(self, s)
            self.assertEqual(s["source_type"], "SOURCE_VOLUNTARY")
            self.assertIn("CONTENT_TYPE_AUDIO", s["content_type"])
            if action in ("suspend", "terminate"):
                self.assertEqual(s["decision_account"], "DECISION_ACCOUNT_" + action.upper().replace("SUSPEND", "SUSPENDED").replace("TERMINATE", "TERMINATED"))
            self.assertEqual(s["restriction"], action != "keep")


class BadInput(Base):
    extra = ("--set", "moderation.appeal_window_days=1")

    def test_refusals_change_nothing(self):
        ct = self.content("ok-1", "hello")
        _, m = self.moderator()
        before = self.srv.snapshot()
        cases = [
            (self.cl, "/v1/moderation/content", {"text": "no ref"}, 400),
            (self.cl, "/v1/moderation/content", {"client_ref": "x"}, 400),
            (self.cl, "/v1/moderation/content", {"client_ref": "x", "text": "t", "media_url": "http://a"}, 400),
            (self.cl, "/v1/moderation/content", {"client_ref": "x", "text": "t", "media_kind": "image"}, 400),
            (self.cl, "/v1/moderation/content", {"client_ref": "x", "media_url": "javascript:alert(1)",
                                                 "media_kind": "image"}, 400),
            (self.cl, "/v1/moderation/content", {"client_ref": "x", "media_url": "data:image/png;base64,AA",
                                                 "media_kind": "image"}, 400),
            (self.cl, "/v1/moderation/content", {"client_ref": "x", "media_url": "https://cdn.example/a b.png",
                                                 "media_kind": "image"}, 400),
            (self.cl, "/v1/moderation/content", {"client_ref": "x", "text": "t", "category_hint": "nope"}, 400),
            (self.cl, "/v1/moderation/content", {"client_ref": "x", "text": "t", "language": "e n"}, 400),
            (self.cl, "/v1/moderation/content", {"client_ref": "x", "text": "t", "bogus": 1}, 400),
            (self.cl, "/v1/moderation/content", {"client_ref": "x", "text": 5}, 400),
            (self.cl, "/v1/moderation/content", {"client_ref": "x", "text": "t", "content_date_ms": FAR}, 400),
            (self.cl, "/v1/moderation/content", {"client_ref": "ok-1", "text": "dup"}, 409),
            (self.cl, "/v1/moderation/notices", {"content_id": 999, "category": SCAM, "explanation": "e"}, 404),
            (self.cl, "/v1/moderation/notices", {"content_id": ct["id"], "category": "x", "explanation": "e"}, 400),
            (self.cl, "/v1/moderation/notices", {"content_id": ct["id"], "category": SCAM}, 400),
            (self.cl, "/v1/moderation/notices", {"category": SCAM, "explanation": "e"}, 400),
            (self.cl, "/v1/moderation/settings", {"callback_url": "https://user:pw@secure.example/hook"}, 400),
            (self.cl, "/v1/moderation/settings", {"callback_url": "ftp://x"}, 400),
            (self.cl, "/v1/moderation/decisions/999/appeal", {"explanation": "e"}, 404),
            (self.cl, "/v1/moderation/claim", None, 403),
            (m, "/v1/moderation/content", {"client_ref": "w", "text": "t"}, 403),
            (m, "/v1/moderation/claim", {"count": 0}, 400),
            (m, "/v1/moderation/claim", {"queue": 99}, 404),
            (m, "/v1/moderation/items/%d/decide" % ct["item_id"], {"action": "keep", "facts": "x"}, 404),
            (m, "/v1/moderation/me", {"languages": ["e n"]}, 400),
            (m, "/v1/moderation/me", {"opt_outs": ["whatever"]}, 400),
            (m, "/v1/moderation/decisions/bulk", {"items": [], "action": "keep", "facts": "x"}, 400),
            (self.adm, "/v1/admin/moderation/rules", {"queue": 99}, 404),
            (self.adm, "/v1/admin/moderation/queues", {"name": "general"}, 409),
            (self.adm, "/v1/admin/moderation/moderators/%d" % self.client_acct["id"], {"senior": True}, 409),
            (self.adm, "/v1/admin/moderation/model", None, 400),
        ]
        for who, path, body, status in cases:
            r = who.post(path, body)
            self.assertEqual(r.status, status, (path, body, r))
            self.assertIn("error", r.json)
        r = self.adm.request("POST", "/v1/admin/moderation/model", raw=b"not a model")
        self.assertErr(r, 400, "invalid_model")
        self.assertEqual(self.srv.snapshot(), before)
        # a held item: bad decisions are refused and change nothing
        it = self.claim(m)[0]
        before = self.srv.snapshot()
        for body in ({"action": "obliterate", "facts": "x"}, {"action": "remove", "facts": "x", "ground": "terms"},
                     {"action": "remove", "category": SCAM, "facts": "x"},
                     {"action": "remove", "category": SCAM, "facts": "x", "ground": "illegal"},
                     {"action": "remove", "category": SCAM, **TERMS},
                     {"action": "keep", "facts": "x", "ground": "terms"},
                     {"action": "keep", "facts": "x", "outcome": "upheld", "reasons": "r", "items": [1]}):
            r = m.post("/v1/moderation/items/%d/decide" % it["id"], body)
            self.assertEqual(r.status, 400, (body, r))
        self.assertEqual(self.srv.snapshot(), before)
        # appeal window
        r = m.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "label", "category": SCAM,
                                                                 **TERMS, "facts": "x"})
        self.assertEqual(r.status, 200, r)
        self.clock(advance_ms=2 * 86_400_000)
        self.assertErr(self.cl.post("/v1/moderation/decisions/%d/appeal" % r.json["decision"]["id"],
                                    {"explanation": "late"}), 409, "appeal_window_closed")
        other, oc = signup(self.srv, "client")
        self.assertErr(oc.get("/v1/moderation/content/%d" % ct["id"]), 404)
        self.assertErr(oc.get("/v1/moderation/decisions/%d" % r.json["decision"]["id"]), 404)


class Callbacks(Base):
    def test_backoff_and_never_lost(self):
        self.rx = Receiver()
        self.rx.fail = 2
        self.cl.post("/v1/moderation/settings", {"callback_url": self.rx.url})
        _, m = self.moderator()
        self.content("cb-1")
        it = self.claim(m)[0]
        m.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "keep", "facts": "ok"})
        # the background ticker may run the same job first: check the callback's state, not who ran it
        self.run_jobs()
        cb = self.cl.get("/v1/moderation/callbacks").json["callbacks"][0]
        self.assertEqual((cb["state"], cb["attempts"], cb["last_status"]), ("pending", 1, 500))
        self.assertEqual(cb["next_attempt_ms"], T0 + 1000)
        self.assertEqual(self.run_jobs()["failed"], 0)  # not due yet
        self.clock(advance_ms=1000)
        self.run_jobs()
        cb = self.cl.get("/v1/moderation/callbacks").json["callbacks"][0]
        self.assertEqual((cb["state"], cb["attempts"]), ("pending", 2))
        self.assertEqual(cb["next_attempt_ms"], T0 + 1000 + 2000)  # doubled
        self.clock(advance_ms=2000)
        self.run_jobs()
        cb = self.cl.get("/v1/moderation/callbacks").json["callbacks"][0]
        self.assertEqual((cb["state"], cb["attempts"]), ("delivered", 3))
        self.assertEqual(len(self.rx.events()), 1)

    def test_unreachable_and_unset_urls_keep_the_callback(self):
        _, m = self.moderator()
        self.content("cb-2")
        it = self.claim(m)[0]
        m.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "keep", "facts": "ok"})
        self.run_jobs()
        cb = self.cl.get("/v1/moderation/callbacks").json["callbacks"][0]
        self.assertEqual(cb["state"], "pending")
        self.assertIn("no callback_url", cb["last_error"])
        self.cl.post("/v1/moderation/settings", {"callback_url": "http://127.0.0.1:1/nothing"})
        self.clock(advance_ms=10_000)
        self.run_jobs()
        cb = self.cl.get("/v1/moderation/callbacks").json["callbacks"][0]
        self.assertEqual((cb["state"], cb["attempts"]), ("pending", 2))
        self.rx = Receiver()
        self.cl.post("/v1/moderation/settings", {"callback_url": self.rx.url})
        self.clock(advance_ms=3_600_000)
        self.run_jobs()
        self.assertEqual(self.cl.get("/v1/moderation/callbacks").json["callbacks"][0]["state"], "delivered")


class CallbackAddresses(Base):
    private_callbacks = False  # the default: no callback to the operator's own network

    def test_loopback_refused_by_default(self):
        # refused when set (every form, and the no-connection proof: test_callback_ssrf.py)
        self.rx = Receiver()
        r = self.cl.post("/v1/moderation/settings", {"callback_url": self.rx.url})
        self.assertErr(r, 400, "invalid_field")
        self.assertEqual(r.json["error"]["field"], "callback_url")
        self.assertIn("127.0.0.1, a loopback, private or reserved address", r.json["error"]["message"])
        _, m = self.moderator()
        self.content("ssrf-1")
        it = self.claim(m)[0]
        m.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "keep", "facts": "ok"})
        self.run_jobs()
        cb = self.cl.get("/v1/moderation/callbacks").json["callbacks"][0]
        self.assertEqual((cb["state"], cb["attempts"]), ("pending", 1))
        self.assertIn("no callback_url", cb["last_error"])
        self.assertEqual(self.rx.bodies, [])  # nothing was sent


class Notifiers(Base):
    extra = ("--set", "moderation.unfounded_min=2", "--set", "moderation.unfounded_ppm=500000")

    def test_repeatedly_unfounded_notices_are_deprioritised(self):
        _, m = self.moderator()
        for i in range(2):
            c = self.content("n%d" % i)
            self.assertFalse(self.notice(c["id"], contact="Pest@Example.org")["deprioritised"])
            it = self.claim(m)[0]
            m.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "keep", "facts": "nothing wrong"})
        rows = self.srv.sql("SELECT payload FROM journal WHERE event = 'reporter_deprioritised'")
        self.assertEqual(len(rows), 1)
        self.assertEqual(json.loads(rows[0][0])["unfounded"], 2)
        c = self.content("n9", review=False)
        self.assertTrue(self.notice(c["id"], contact="pest@example.org")["deprioritised"])
        # a trusted flagger is never deprioritised
        self.assertFalse(self.notice(c["id"], contact="pest@example.org", trusted=True)["deprioritised"])
        # deprioritised notices still reach a moderator, after the others
        c2 = self.content("n10", review=False)
        self.notice(c2["id"], contact="fresh@example.org")
        first = self.claim(m)[0]
        self.assertEqual(first["content"]["client_ref"], "n9")  # the trusted notice raised it
        items = self.srv.sql("SELECT deprioritised FROM mod_items WHERE content_id = ?", (c["id"],))
        self.assertEqual(items, [(0,)])

    def test_media_references(self):
        for ref in ("https://cdn.example/v/1.mp4", "HTTP://cdn.example/i.png", "bucket/media/1.png"):
            r = self.cl.post("/v1/moderation/content", {"client_ref": ref, "media_url": ref, "media_kind": "image",
                                                        "review": False})
            self.assertEqual(r.status, 201, (ref, r))

    def test_good_faith_statement_is_kept(self):
        """DSA Art. 16(2)(d): the notifier's statement of good faith is part of the notice."""
        c = self.content("gf-1", review=False)
        r = self.cl.post("/v1/moderation/notices", {"content_id": c["id"], "category": SPEECH,
                                                    "explanation": "hateful", "good_faith": True})
        self.assertEqual(r.status, 201, r)
        self.assertIs(r.json["good_faith"], True)
        self.assertIs(self.cl.get("/v1/moderation/notices/%d" % r.json["id"]).json["good_faith"], True)
        self.assertIs(self.notice(c["id"])["good_faith"], False)  # not stated


class Classifier(Base):
    extra = ("--set", "moderation.min_examples=40", "--set", "moderation.thresholds=default=0.5,keep=0.999",
             "--set", "moderation.auto_actions=keep,scams_and_fraud=remove", "--set", "moderation.audit_ppm=1000000",
             "--set", "moderation.classifier_bits=16")

    SCAMS = ["win a free iphone send your bank password now", "claim your lottery prize send bank details today",
             "urgent your account is locked send password to unlock", "free crypto giveaway send bitcoin to double it",
             "you won a prize click and enter your bank login"]
    BENIGN = ["lovely sunset at the beach with friends", "my cat sleeping on the sofa again",
              "great match last night what a goal", "new recipe for tomato soup tonight",
              "reading a good book in the park"]

    def test_learns_decides_alone_discloses_and_is_audited(self):
        _, m = self.moderator()
        _, auditor = self.moderator()
        info = self.cl.get("/v1/moderation/classifier").json
        self.assertFalse(info["ready"])
        self.assertEqual(info["automatic_actions"], {"keep": "keep", SCAM: "remove"})
        for rnd in range(4):
            for i, text in enumerate(self.SCAMS + self.BENIGN):
                self.content("t%d-%d" % (rnd, i), text)
                it = self.claim(m)[0]
                self.assertIsNone(it["hint"])  # no hint before min_examples
                body = {"action": "keep", "facts": "fine"} if text in self.BENIGN else \
                    {"action": "remove", "category": SCAM, **TERMS, "facts": "phishing"}
                r = m.post("/v1/moderation/items/%d/decide" % it["id"], body)
                self.assertEqual(r.status, 200, r)
        # learning runs in the background ticker too, so the synchronous run may find nothing left to learn:
        # what counts is that all 40 decisions were learned and the model saved
        self.run_jobs()
        info = self.cl.get("/v1/moderation/classifier").json
        self.assertTrue(info["ready"])
        self.assertEqual(info["examples"], 40)
        learned = self.srv.sql("SELECT learned_through, length(model) FROM mod_model")[0]
        self.assertEqual(learned[0], 40)
        self.assertGreater(learned[1], 1000)
        # a new scam: decided alone, disclosed, journalled, and sent to audit
        ct = self.content("new-scam", "send your bank password now to claim the free prize")
        self.assertEqual(ct["status"], "decided")  # the audit runs behind the decision
        dec = ct["decisions"][0]
        self.assertEqual(dec["decided_by"], "classifier")
        self.assertEqual(dec["action"], "remove")
        self.assertEqual(dec["automated"], "fully")
        s = dec["statement_of_reasons"]
        check_statement(self, s)
        self.assertEqual(s["automated_decision"], "AUTOMATED_DECISION_FULLY")
        self.assertEqual(s["automated_detection"], "Yes")
        self.assertGreaterEqual(dec["classifier"]["score"], 0.5)
        row = self.srv.sql("SELECT automated, actor_id, payload FROM journal WHERE event = 'auto_decided'")
        self.assertEqual(len(row), 1)
        self.assertEqual(row[0][:2], (1, None))
        p = json.loads(row[0][2])
        for k in ("score", "threshold", "model_version"):
            self.assertIn(k, p)
        # the audit: a human disagrees; the error rate is published
        it = self.claim(auditor)[0]
        self.assertEqual(it["kind"], "audit")
        self.assertEqual(it["audited_decision"]["id"], dec["id"])
        self.assertIsNotNone(it["hint"])
        r = auditor.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "keep", "facts": "a joke"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["decision"]["supersedes"], dec["id"])
        info = self.cl.get("/v1/moderation/classifier").json
        self.assertEqual((info["audited"], info["audit_errors"]), (1, 1))
        self.assertEqual(info["audited_error_rate"], 1.0)
        t = self.adm.get("/v1/moderation/transparency?from=0&to=%d" % FAR).json
        self.assertEqual(t["decisions"]["fully_automated"], 1)
        self.assertEqual(t["classifier"]["audited_error_rate"], 1.0)
        # a second automatic decision, confirmed by the audit: error rate 1/2
        ct = self.content("new-scam-2", "claim your lottery prize send bank details today")
        self.assertEqual(ct["decisions"][0]["automated"], "fully")
        it = self.claim(auditor)[0]
        self.assertEqual(it["kind"], "audit")
        r = auditor.post("/v1/moderation/items/%d/decide" % it["id"],
                         {"action": "remove", "category": SCAM, **TERMS, "facts": "lottery scam"})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["decision"])
        info = self.cl.get("/v1/moderation/classifier").json
        self.assertEqual((info["audited"], info["audit_errors"], info["audited_error_rate"]), (2, 1, 0.5))
        # below its threshold the classifier only hints; a moderator who follows
        # the hint makes a partly automated decision
        self.content("benign-x", "my cat sleeping on the sofa again")
        it = self.claim(m)[0]
        self.assertEqual(it["kind"], "review")
        self.assertEqual(it["hint"]["label"], "keep")
        r = m.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "keep", "facts": "fine"})
        self.assertEqual(r.json["decision"]["statement_of_reasons"]["automated_decision"],
                         "AUTOMATED_DECISION_PARTIALLY")


class OfflineModel(Base):
    def test_upload_a_model_trained_offline(self):
        import os
        import subprocess
        from vis import BIN
        data = os.path.join(self.srv.dir, "train.csv")
        with open(data, "w") as f:
            f.write("text,label\n")
            for i in range(6):
                f.write('"send your bank password now %d",scams_and_fraud\n"lovely sunset with friends %d",keep\n' % (i, i))
        model = os.path.join(self.srv.dir, "m.model")
        r = subprocess.run([BIN, "moderation", "train", "--data", data, "--out", model, "--bits", "12"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(model, "rb") as f:
            blob = f.read()
        r = self.adm.request("POST", "/v1/admin/moderation/model", raw=blob,
                             headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["model_version"].startswith("g2-"))
        self.assertEqual(sorted(r.json["examples_per_label"]), sorted(["keep", SCAM]))
        self.assertEqual(self.cl.get("/v1/moderation/classifier").json["model_version"], r.json["model_version"])
        self.assertEqual(self.srv.sql("SELECT gen FROM mod_model"), [(2,)])
        self.assertTrue(self.srv.sql("SELECT 1 FROM journal WHERE event = 'model_replaced'"))
        # a model whose classes are not moderation labels is refused
        bad = os.path.join(self.srv.dir, "bad.csv")
        with open(bad, "w") as f:
            f.write("text,label\n" + "".join('"t %d",%s\n' % (i, ("cat", "dog")[i % 2]) for i in range(6)))
        subprocess.run([BIN, "moderation", "train", "--data", bad, "--out", model, "--bits", "12"], check=True,
                       capture_output=True)
        with open(model, "rb") as f:
            r = self.adm.request("POST", "/v1/admin/moderation/model", raw=f.read())
        self.assertErr(r, 400, "invalid_model")


ELECTIONS = "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS"  # the longest name, 67 bytes


class Walkthrough(Base):
    """Defects found by walking the flow by hand."""

    def test_category_hint_is_stored(self):
        ct = self.content("h1", category_hint="violence")
        self.assertEqual(ct["category_hint"], VIOLENCE)
        self.assertEqual(self.cl.get("/v1/moderation/content/%d" % ct["id"]).json["category_hint"], VIOLENCE)
        self.assertEqual(self.srv.sql("SELECT category_hint FROM mod_content WHERE id = ?", (ct["id"],)),
                         [(VIOLENCE,)])

    def test_longest_category_survives_appeal(self):
        _, a = self.moderator()
        _, opted = self.moderator()
        _, b = self.moderator()
        self.assertEqual(opted.post("/v1/moderation/me", {"opt_outs": [ELECTIONS]}).status, 200)
        self.content("e1", "election day moved to Wednesday")
        it = self.claim(a)[0]
        r = a.post("/v1/moderation/items/%d/decide" % it["id"],
                   {"action": "label", "category": ELECTIONS, **TERMS, "facts": "false voting date"})
        self.assertEqual(r.status, 200, r)
        dec = r.json["decision"]
        r = self.cl.post("/v1/moderation/decisions/%d/appeal" % dec["id"], {"explanation": "the date did move"})
        self.assertEqual(r.status, 201, r)
        self.assertErr(opted.post("/v1/moderation/claim"), 409, "no_item")  # opted out of elections
        ai = self.claim(b)[0]
        self.assertEqual(ai["kind"], "appeal")
        self.assertEqual((ai["category"], ai["severity"]), (ELECTIONS, 2))
        before = self.srv.snapshot()
        same = {"outcome": "reversed", "reasons": "r", "action": "label", "category": ELECTIONS, **TERMS}
        self.assertErr(b.post("/v1/moderation/items/%d/decide" % ai["id"], same), 400, "invalid_field")
        self.assertEqual(self.srv.snapshot(), before)

    def test_graphic_time_counts_while_held_with_other_items(self):
        v = self.content("g1", "street fight", media_url="http://cdn/g1.mp4", media_kind="video")
        self.notice(v["id"], category=VIOLENCE)
        s = self.content("g2", "cheap watches")
        self.notice(s["id"], category=SCAM)
        _, m = self.moderator()
        items = self.claim(m, count=2)
        self.assertEqual(sorted(i["graphic"] for i in items), [False, True])
        plain = [i for i in items if not i["graphic"]][0]
        graphic = [i for i in items if i["graphic"]][0]
        self.clock(advance_ms=14 * MIN)
        # the plain item decided first pays the 14 minutes; they were graphic exposure all the same
        r = m.post("/v1/moderation/items/%d/decide" % plain["id"], {"action": "keep", "facts": "ok"})
        self.assertEqual(r.status, 200, r)
        r = m.post("/v1/moderation/items/%d/decide" % graphic["id"],
                   {"action": "remove", "category": VIOLENCE, **TERMS, "facts": "gore"})
        self.assertEqual(r.status, 200, r)
        me = m.get("/v1/moderation/me").json["exposure"]
        self.assertEqual(me["graphic_today_ms"], 14 * MIN)
        self.assertEqual([(c["category"], c["graphic"], c["ms"]) for c in me["by_category_30d"]],
                         [(VIOLENCE, True, 14 * MIN)])
        e = m.get("/v1/me/earnings?from=0&to=%d" % FAR).json
        self.assertEqual((e["active_ms"], e["paid_micros"]), (14 * MIN, 18_000_000 * 14 // 60))
        self.assertEqual(sum(r[0] for r in self.srv.sql("SELECT paid_micros FROM mod_worktime")), e["paid_micros"])


    def test_escalated_item_goes_to_someone_else(self):
        self.notice(self.content("x1", "needs a second look")["id"], category=SCAM)
        s1_acct, s1 = self.moderator()
        s2_acct, s2 = self.moderator()
        for a in (s1_acct, s2_acct):
            self.adm.post("/v1/admin/moderation/moderators/%d" % a["id"], {"senior": True})
        it = self.claim(s1)[0]
        r = s1.post("/v1/moderation/items/%d/escalate" % it["id"], {"reason": "I want another opinion"})
        self.assertEqual(r.status, 200, r)
        self.assertErr(s1.post("/v1/moderation/claim"), 409, "no_item")
        self.assertEqual(self.claim(s2)[0]["id"], it["id"])

    def test_rule_language_matches_content_language(self):
        q = self.adm.post("/v1/admin/moderation/queues", {"name": "french"}).json["id"]
        before = self.srv.snapshot()
        self.assertErr(self.adm.post("/v1/admin/moderation/rules", {"queue": q, "language": "f r"}), 400,
                       "invalid_field")
        self.assertEqual(self.srv.snapshot(), before)
        r = self.adm.post("/v1/admin/moderation/rules", {"queue": q, "position": 1, "language": "FR"})
        self.assertEqual(r.status, 201, r)
        fr = self.content("f1", "bonjour", language="fr-BE")
        self.assertEqual(self.srv.sql("SELECT queue_id FROM mod_items WHERE id = ?", (fr["item_id"],))[0][0], q)

    def test_fields_of_another_kind_are_refused(self):
        _, a = self.moderator()
        _, b = self.moderator()
        self.content("k1")
        it = self.claim(a)[0]
        before = self.srv.snapshot()
        for body in ({"action": "keep", "facts": "x", "outcome": "upheld"},
                     {"action": "keep", "facts": "x", "reasons": "r"}):
            self.assertErr(a.post("/v1/moderation/items/%d/decide" % it["id"], body), 400, "invalid_field")
        self.assertEqual(self.srv.snapshot(), before)
        r = a.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "label", "category": SCAM, **TERMS,
                                                                 "facts": "x"})
        dec = r.json["decision"]["id"]
        self.assertEqual(self.cl.post("/v1/moderation/decisions/%d/appeal" % dec, {"explanation": "e"}).status, 201)
        ai = self.claim(b)[0]
        before = self.srv.snapshot()
        self.assertErr(b.post("/v1/moderation/items/%d/decide" % ai["id"],
                              {"outcome": "upheld", "reasons": "r", "action": "keep"}), 400, "invalid_field")
        self.assertEqual(self.srv.snapshot(), before)
        r = b.post("/v1/moderation/items/%d/decide" % ai["id"], {"outcome": "upheld", "reasons": "right call"})
        self.assertEqual(r.status, 200, r)

    def test_statement_fits_the_transparency_database(self):
        _, m = self.moderator(langs=("en", "fr", "eng"))
        long_facts = "é" * 2400  # 4800 bytes of facts
        # en-GB content reaches a moderator who speaks en; its statement says EN
        for i, (lang, want) in enumerate((("en-GB", "EN"), ("eng", None), ("fr-CA", "FR"))):
            self.content("l%d" % i, "text", language=lang)
            it = self.claim(m)[0]
            r = m.post("/v1/moderation/items/%d/decide" % it["id"],
                       {"action": "remove", "category": SCAM, **TERMS, "facts": long_facts})
            self.assertEqual(r.status, 200, r)
            s = r.json["decision"]["statement_of_reasons"]
            check_statement(self, s)
            self.assertEqual(s.get("content_language"), want)
            self.assertEqual(s["decision_facts"], long_facts)
            self.assertLessEqual(len(s["incompatible_content_explanation"]), 2000)
            self.assertTrue(long_facts.startswith(s["incompatible_content_explanation"]))
        self.content("l9")
        it = self.claim(m)[0]
        self.assertErr(m.post("/v1/moderation/items/%d/decide" % it["id"],
                              {"action": "remove", "category": SCAM, **TERMS, "facts": "f",
                               "explanation": "x" * 2001}), 400)


class Demo(unittest.TestCase):
    def test_demo_platform_has_a_queue(self):
        srv = Server(demo=True)
        try:
            r = srv.client().post("/v1/login", {"email": "dana@demo.visible", "password": "demo-password"})
            self.assertEqual(r.status, 200, r)
            dana = srv.client(r.json["token"])
            qs = dana.get("/v1/moderation/queues").json["queues"]
            self.assertGreaterEqual(sum(q["open"] for q in qs), 8)
            r = dana.post("/v1/moderation/claim")
            self.assertEqual(r.status, 201, r)
        finally:
            srv.close()



class MessagesIssue15(Base):
    """Issue 15, "Messages and input": a claim by queue name, languages as
    BCP 47 tags, times in messages as ISO 8601."""
    extra = ("--set", "moderation.continuous_limit_ms=1800000", "--set", "moderation.break_ms=900000")

    def test_claim_by_queue_name(self):
        self.notice(self.content("q1")["id"])
        _, m = self.moderator()
        r = m.post("/v1/moderation/claim", {"queue": "no such queue"})
        self.assertErr(r, 404, "queue_not_found")
        self.assertEqual(r.json["error"]["field"], "queue")
        self.assertErr(m.post("/v1/moderation/claim", {"queue": ""}), 400, "invalid_field")
        self.assertErr(m.post("/v1/moderation/claim", {"queue": 1.5}), 400, "invalid_field")
        items = self.claim(m, queue="general")
        self.assertEqual(len(items), 1)
        gid = [q["id"] for q in m.get("/v1/moderation/queues").json["queues"] if q["name"] == "general"][0]
        self.assertEqual(items[0]["queue"], gid)

    def test_language_names_refused(self):
        r = self.cl.post("/v1/moderation/content", {"client_ref": "l1", "text": "x", "language": "english"})
        self.assertErr(r, 400, "invalid_field")
        self.assertEqual(r.json["error"]["field"], "language")
        self.assertIn("BCP 47", r.json["error"]["message"])
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM mod_content"), [(0,)])
        acct, m = signup(self.srv, "worker")
        r = m.post("/v1/moderation/me", {"languages": ["en", "english"]})
        self.assertErr(r, 400, "invalid_field")
        self.assertEqual(r.json["error"]["field"], "languages")
        gid = [q["id"] for q in self.adm.get("/v1/moderation/queues").json["queues"] if q["name"] == "general"][0]
        r = self.adm.post("/v1/admin/moderation/rules", {"queue": gid, "language": "english"})
        self.assertErr(r, 400, "invalid_field")
        self.assertEqual(r.json["error"]["field"], "language")
        for tag in ("en", "pt-BR", "zh-Hant-TW", "es-419", "fil"):
            r = self.cl.post("/v1/moderation/content", {"client_ref": "ok-" + tag, "text": "x", "language": tag})
            self.assertEqual(r.status, 201, (tag, r))

    def test_break_resume_time_is_iso_8601(self):
        for i in range(4):
            self.notice(self.content("b%d" % i)["id"])
        _, m = self.moderator()
        for minutes in (14, 14, 5):
            it = self.claim(m)[0]
            self.clock(advance_ms=minutes * MIN)
            r = m.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "keep", "facts": "ok"})
            self.assertEqual(r.status, 200, r)
        r = m.post("/v1/moderation/claim")
        self.assertErr(r, 403, "break_required")
        msg = r.json["error"]["message"]
        self.assertRegex(msg, r"claims resume at 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ")
        self.assertNotRegex(msg, r"\d{13}")


if __name__ == "__main__":
    unittest.main()
