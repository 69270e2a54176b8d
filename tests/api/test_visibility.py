"""API tests of the visibility layer (issue 7): earnings truth, costs, export,
automated decisions and human review, the register, the observatory, the
declaration and the data the platform must not process."""
import csv
import json
import io
import tarfile
import unittest
from datetime import datetime, timezone

from vis import Server, fund, signup

M = 60_000
H = 3_600_000
D = 86_400_000
T0 = int(datetime(2027, 1, 4, tzinfo=timezone.utc).timestamp() * 1000)  # a Monday, 00:00 UTC
FAR = 253402300799999



def make_batch(cl, **kw):
    spec = {"title": "Cats or dogs", "template": "What is in ${url}?", "answer_type": "single",
            "labels": ["cat", "dog"], "reward_micros": 50000, "overlap": 1, "expected_seconds": 10}
    spec.update(kw)
    r = cl.post("/v1/batches", spec)
    assert r.status == 201, r
    return r.json["id"]


def upload(cl, bid, rows, gold=None):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["url", "_gold"] if gold else ["url"])
    for i, u in enumerate(rows):
        w.writerow([u, gold[i]] if gold else [u])
    r = cl.request("POST", "/v1/batches/%d/tasks" % bid, raw=out.getvalue().encode(),
                   headers={"Content-Type": "text/csv"})
    assert r.status == 201, r


def event(srv, **e):
    r = srv.admin().post("/v1/admin/journal/events", e)
    assert r.status == 201, r
    return r.json["id"]


class Earnings(unittest.TestCase):
    """A scripted scenario over the three families, checked against figures computed by hand."""

    @classmethod
    def setUpClass(cls):
        cls.srv = srv = Server()
        adm = srv.admin()
        adm.post("/v1/admin/clock", {"set_ms": T0})
        cls.client, cl = signup(srv, "client")
        fund(srv, cls.client["id"], 100_000_000)
        cls.w, wc = signup(srv, "worker")
        cls.wc = wc
        wid = cls.w["id"]
        # micro-work (real API): two answers, 10 and 20 minutes, approved; a third task returned after 15 minutes
        bid = make_batch(cl, lease_seconds=3600)
        upload(cl, bid, ["a", "b", "c"])
        assert cl.post("/v1/batches/%d/publish" % bid).status == 200
        a = wc.post("/v1/work/batches/%d/claim" % bid).json
        adm.post("/v1/admin/clock", {"set_ms": T0 + 10 * M})
        assert wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": "cat"}).status == 200
        b = wc.post("/v1/work/batches/%d/claim" % bid).json
        adm.post("/v1/admin/clock", {"set_ms": T0 + 30 * M})
        assert wc.post("/v1/assignments/%d/submit" % b["id"], {"answer": "dog"}).status == 200
        for x in (a, b):
            assert cl.post("/v1/answers/%d/approve" % x["id"]).status == 200
        adm.post("/v1/admin/clock", {"set_ms": T0 + 4 * H})
        c = wc.post("/v1/work/batches/%d/claim" % bid).json
        adm.post("/v1/admin/clock", {"set_ms": T0 + 4 * H + 15 * M})
        assert wc.post("/v1/assignments/%d/return" % c["id"]).status == 200
        # dispatch (as its journal records it): 30 min waiting, a 30 min delivery of 4 km, paid 6.00
        event(srv, family="dispatch", event="accepted", worker_id=wid, subject="offer:1", span_kind="waiting",
              span_start_ms=T0 + H, span_end_ms=T0 + H + 30 * M, at_ms=T0 + H + 30 * M)
        event(srv, family="dispatch", event="delivered", worker_id=wid, subject="job:999", span_kind="active",
              span_start_ms=T0 + H + 30 * M, span_end_ms=T0 + 2 * H, at_ms=T0 + 2 * H,
              payload={"job": 999, "distance_m": 4000})
        event(srv, family="dispatch", event="paid", worker_id=wid, subject="job:999", amount_micros=6_000_000,
              at_ms=T0 + 2 * H)
        # moderation, the next day: one hour of review paid 18.00
        event(srv, family="moderation", event="reviewed", worker_id=wid, subject="content:7", span_kind="active",
              span_start_ms=T0 + D + 3 * H, span_end_ms=T0 + D + 4 * H, at_ms=T0 + D + 4 * H)
        event(srv, family="moderation", event="paid", worker_id=wid, subject="content:7", amount_micros=18_000_000,
              at_ms=T0 + D + 4 * H)
        # costs: 1.00/h for everything; dispatch has its own: 2.00/h and 0.20/km
        assert wc.post("/v1/me/costs", {"per_hour_micros": 1_000_000}).status == 201
        r = wc.post("/v1/me/costs", {"per_hour_micros": 2_000_000, "per_km_micros": 200_000, "family": "dispatch",
                                     "note": "scooter"})
        assert r.status == 201, r
        # what micro-work paid for the two answers (their rewards, and the fair-pay top-up that brings the
        # worker's 30 active minutes to the minimum: docs/microwork.md), as the journal records it
        cls.mw = srv.sql("SELECT SUM(amount_micros) FROM journal WHERE worker_id=? AND family='microwork'",
                         (wid,))[0][0]

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def test_totals_and_core_fields(self):
        e = self.wc.get("/v1/me/earnings?from=%d&to=%d" % (T0, T0 + 2 * D)).json
        self.assertEqual(e["active_ms"], 120 * M)
        self.assertEqual(e["waiting_ms"], 30 * M)
        self.assertEqual(e["unpaid_ms"], 15 * M)
        paid = self.mw + 24_000_000
        self.assertEqual(e["paid_micros"], paid)
        self.assertEqual(e["effective_hourly_micros"], paid * H // (150 * M))   # paid / 2.5 h
        self.assertEqual(e["minimum_hourly_micros"], 12_000_000)
        self.assertEqual(e["below_minimum"], paid * H // (150 * M) < 12_000_000)
        self.assertEqual(e["distance_m"], 4000)
        # micro-work 45 min x 1.00 + dispatch 1 h x 2.00 + 4 km x 0.20 + moderation 1 h x 1.00
        self.assertEqual(e["costs_micros"], 750_000 + 2_000_000 + 800_000 + 1_000_000)
        after = (paid - 4_550_000) * H // (150 * M)
        self.assertEqual(e["effective_hourly_after_costs_micros"], after)
        self.assertEqual(e["below_minimum_after_costs"], after < 12_000_000)
        # over all time spent, the 15 unpaid minutes included
        self.assertEqual(e["hourly_all_time_micros"], paid * H // (165 * M))
        self.assertEqual(len(e["costs_declared"]), 2)

    def test_by_family_and_client(self):
        e = self.wc.get("/v1/me/earnings?from=%d&to=%d" % (T0, T0 + 2 * D)).json
        fam = {f["family"]: f for f in e["by_family"]}
        self.assertEqual(set(fam), {"microwork", "dispatch", "moderation"})
        mw = fam["microwork"]
        self.assertEqual((mw["paid_micros"], mw["active_ms"], mw["unpaid_ms"], mw["costs_micros"]),
                         (self.mw, 30 * M, 15 * M, 750_000))
        self.assertEqual(mw["effective_hourly_micros"], self.mw * H // (30 * M))
        self.assertEqual(mw["effective_hourly_after_costs_micros"], (self.mw - 750_000) * H // (30 * M))
        d = fam["dispatch"]
        self.assertEqual((d["paid_micros"], d["active_ms"], d["waiting_ms"], d["distance_m"], d["costs_micros"]),
                         (6_000_000, 30 * M, 30 * M, 4000, 2_800_000))
        self.assertEqual(d["effective_hourly_after_costs_micros"], 3_200_000)
        mo = fam["moderation"]
        self.assertEqual((mo["paid_micros"], mo["active_ms"], mo["costs_micros"]), (18_000_000, H, 1_000_000))
        self.assertFalse(mo["below_minimum_after_costs"])
        cli = {c["client_id"]: c for c in e["by_client"]}
        self.assertEqual(set(cli), {self.client["id"], None})
        c = cli[self.client["id"]]
        self.assertEqual(c["client_name"], self.client["name"])
        self.assertEqual((c["paid_micros"], c["active_ms"], c["unpaid_ms"]), (self.mw, 30 * M, 15 * M))
        self.assertEqual(cli[None]["paid_micros"], 24_000_000)
        # the breakdowns partition the totals
        for key in ("paid_micros", "active_ms", "waiting_ms", "unpaid_ms", "costs_micros", "distance_m"):
            self.assertEqual(sum(f[key] for f in e["by_family"]), e[key], key)
            self.assertEqual(sum(f[key] for f in e["by_client"]), e[key], key)

    def test_periods(self):
        e = self.wc.get("/v1/me/earnings?from=%d&to=%d&group_by=day" % (T0, T0 + 2 * D)).json
        self.assertEqual([p["period"] for p in e["periods"]], ["2027-01-04", "2027-01-05"])
        p1, p2 = e["periods"]
        self.assertEqual((p1["paid_micros"], p1["active_ms"], p1["waiting_ms"], p1["unpaid_ms"], p1["costs_micros"]),
                         (self.mw + 6_000_000, H, 30 * M, 15 * M, 3_550_000))
        self.assertEqual((p2["paid_micros"], p2["active_ms"], p2["costs_micros"]), (18_000_000, H, 1_000_000))
        self.assertEqual([f["family"] for f in p2["by_family"]], ["moderation"])
        e = self.wc.get("/v1/me/earnings?from=%d&to=%d&group_by=week" % (T0, T0 + 2 * D)).json
        self.assertEqual([p["period"] for p in e["periods"]], ["2027-W01"])
        e = self.wc.get("/v1/me/earnings?from=%d&to=%d&group_by=month" % (T0 - 10 * D, T0 + 2 * D)).json
        self.assertEqual([p["period"] for p in e["periods"]], ["2026-12", "2027-01"])
        self.assertEqual(e["periods"][1]["paid_micros"], self.mw + 24_000_000)
        # a window cutting a span clips it
        e = self.wc.get("/v1/me/earnings?from=%d&to=%d" % (T0 + H + 45 * M, T0 + 2 * H)).json
        self.assertEqual((e["active_ms"], e["waiting_ms"]), (15 * M, 0))
        r = self.wc.get("/v1/me/earnings?from=0&to=%d&group_by=day" % FAR)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json["error"]["field"], "group_by")
        self.assertEqual(self.wc.get("/v1/me/earnings?group_by=year").status, 400)

    def test_costs_validation(self):
        for bad in ({}, {"per_km_micros": -1}, {"per_hour_micros": 1, "family": "Dis patch"},
                    {"per_hour_micros": 1, "extra": 1}, {"per_hour_micros": 1, "heart_rate": 80}):
            r = self.wc.post("/v1/me/costs", bad)
            self.assertEqual(r.status, 400, (bad, r))
        self.assertEqual(len(self.wc.get("/v1/me/costs").json["costs"]), 2)
        # clients have no costs to declare
        cl = self.srv.client(signup(self.srv, "client")[1].token)
        self.assertEqual(cl.post("/v1/me/costs", {"per_hour_micros": 1}).status, 403)


class Observatory(unittest.TestCase):
    """Aggregates over workers, with k = 3 so that the scenario stays small."""

    @classmethod
    def setUpClass(cls):
        cls.srv = srv = Server("--set", "visibility.k=3")
        srv.admin().post("/v1/admin/clock", {"set_ms": T0 + 3 * D})
        cls.workers = [signup(srv, "worker") for _ in range(9)]
        ids = [w[0]["id"] for w in cls.workers]
        # day 1: five micro-workers, one hour each, paid 5, 10, 12, 15, 20; the first also 30 min unpaid
        for i, pay in enumerate([5, 10, 12, 15, 20]):
            event(srv, family="microwork", event="submitted", worker_id=ids[i], subject="assignment:%d" % (i + 1),
                  span_kind="active", span_start_ms=T0 + H, span_end_ms=T0 + 2 * H, at_ms=T0 + 2 * H)
            event(srv, family="microwork", event="paid", worker_id=ids[i], amount_micros=pay * 1_000_000,
                  at_ms=T0 + 2 * H)
        event(srv, family="microwork", event="lease_expired", worker_id=ids[0], subject="assignment:99",
              automated=True, span_kind="unpaid", span_start_ms=T0 + 3 * H, span_end_ms=T0 + 3 * H + 30 * M)
        # the fifth declared 2.00/h of costs: 18.00 after costs
        assert cls.workers[4][1].post("/v1/me/costs", {"per_hour_micros": 2_000_000}).status == 201
        # three moderators review content 1-3; the classifier decides content 4 and 5 alone
        for i in range(3):
            event(srv, family="moderation", event="reviewed", worker_id=ids[5 + i], subject="content:%d" % (i + 1),
                  span_kind="active", span_start_ms=T0 + 4 * H, span_end_ms=T0 + 5 * H, at_ms=T0 + 5 * H)
            event(srv, family="moderation", event="paid", worker_id=ids[5 + i], amount_micros=18_000_000,
                  at_ms=T0 + 5 * H)
        for n in (4, 5):
            event(srv, family="moderation", event="auto_decided", subject="content:%d" % n, automated=True,
                  at_ms=T0 + 5 * H)
        # day 2: one courier (alone in dispatch), three micro-workers, four moderators
        event(srv, family="dispatch", event="delivered", worker_id=ids[8], subject="job:1", span_kind="active",
              span_start_ms=T0 + D + H, span_end_ms=T0 + D + 2 * H, at_ms=T0 + D + 2 * H)
        for i in range(3):
            event(srv, family="microwork", event="submitted", worker_id=ids[i], subject="assignment:%d" % (10 + i),
                  span_kind="active", span_start_ms=T0 + D + H, span_end_ms=T0 + D + 2 * H, at_ms=T0 + D + 2 * H)
        for i in range(4, 8):
            event(srv, family="moderation", event="reviewed", worker_id=ids[i], subject="content:%d" % (10 + i),
                  span_kind="active", span_start_ms=T0 + D + 3 * H, span_end_ms=T0 + D + 4 * H,
                  at_ms=T0 + D + 4 * H)

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def get(self):
        r = self.srv.client().get("/v1/observatory?from=%d&to=%d&group_by=day" % (T0, T0 + 2 * D))
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_figures_by_hand(self):
        o = self.get()
        self.assertEqual(o["k"], 3)
        self.assertEqual([p["period"] for p in o["periods"]], ["2027-01-04", "2027-01-05"])
        fams = {f["family"]: f for f in o["periods"][0]["families"]}
        mw = fams["microwork"]
        self.assertFalse(mw["suppressed"])
        self.assertEqual(mw["active_workers"], 5)
        self.assertAlmostEqual(mw["hours_worked"], 5.5)
        self.assertAlmostEqual(mw["unpaid_share"], 0.5 / 5.5)
        self.assertAlmostEqual(mw["waiting_share"], 0.0)
        self.assertEqual(mw["median_hourly_after_costs_micros"], 12_000_000)
        self.assertEqual(mw["deciles_hourly_after_costs_micros"],
                         [x * 1_000_000 for x in (5, 5, 10, 10, 12, 12, 15, 15, 18)])
        self.assertEqual(mw["median_hourly_before_costs_micros"], 12_000_000)
        self.assertAlmostEqual(mw["share_below_minimum_after_costs"], 0.4)
        mo = fams["moderation"]
        self.assertEqual((mo["active_workers"], mo["median_hourly_after_costs_micros"]), (3, 18_000_000))
        al = fams["all"]
        self.assertEqual(al["active_workers"], 8)
        # median of eight: (15 + 18) / 2
        self.assertEqual(al["median_hourly_after_costs_micros"], 16_500_000)
        out = {h["family"]: h for h in o["periods"][0]["human_output"]}
        self.assertEqual((out["microwork"]["items"], out["microwork"]["made_or_checked_by_humans"]), (5, 5))
        self.assertAlmostEqual(out["microwork"]["human_share"], 1.0)
        self.assertEqual((out["moderation"]["items"], out["moderation"]["made_or_checked_by_humans"]), (5, 3))
        self.assertAlmostEqual(out["moderation"]["human_share"], 0.6)
        # no personal data anywhere
        body = str(o)
        for w, _ in self.workers:
            self.assertNotIn(w["email"], body)
            self.assertNotIn(w["name"], body)

    def test_k_anonymity(self):
        o = self.get()
        fams = {f["family"]: f for f in o["periods"][1]["families"]}
        # the courier is alone: suppressed; and the micro-work cell (3, the smallest other) too, or its
        # hours could be subtracted from the day's total to reveal the courier's
        self.assertTrue(fams["dispatch"]["suppressed"])
        self.assertIsNone(fams["dispatch"]["active_workers"])
        self.assertNotIn("hours_worked", fams["dispatch"])
        self.assertTrue(fams["microwork"]["suppressed"])
        self.assertFalse(fams["moderation"]["suppressed"])
        self.assertEqual(fams["moderation"]["active_workers"], 4)
        self.assertFalse(fams["all"]["suppressed"])
        self.assertEqual(fams["all"]["active_workers"], 8)
        out = {h["family"]: h for h in o["periods"][1]["human_output"]}
        self.assertTrue(out["microwork"]["suppressed"])
        self.assertNotIn("items", out["microwork"])
        # family filter
        r = self.srv.client().get("/v1/observatory?from=%d&to=%d&group_by=all&family=dispatch" % (T0, T0 + 2 * D))
        self.assertEqual([f["family"] for f in r.json["periods"][0]["families"]], ["all", "dispatch"])
        self.assertEqual(self.srv.client().get("/v1/observatory?group_by=decade").status, 400)

    def test_default_k_suppresses_small_groups(self):
        srv = Server()
        try:
            srv.admin().post("/v1/admin/clock", {"set_ms": T0 + D})
            w, _ = signup(srv, "worker")
            event(srv, family="microwork", event="submitted", worker_id=w["id"], subject="assignment:1",
                  span_kind="active", span_start_ms=T0, span_end_ms=T0 + H, at_ms=T0 + H)
            o = srv.client().get("/v1/observatory?from=%d&to=%d" % (T0, T0 + D)).json
            self.assertEqual(o["k"], 10)
            for f in o["periods"][0]["families"]:
                self.assertTrue(f["suppressed"], f)
        finally:
            srv.close()

    def test_declaration(self):
        adm = self.srv.admin()
        d = adm.get("/v1/admin/declaration?from=%d&to=%d" % (T0, T0 + 7 * D)).json
        self.assertEqual(d["persons_performing_platform_work"], 9)
        self.assertEqual(d["registered_worker_accounts"], 9)
        self.assertEqual(d["by_contractual_status"], [{"status": "self-employed", "persons": 9}])
        self.assertEqual(sum(l["persons"] for l in d["by_level_of_activity"]), 9)
        # hours: day 1 5.5 + 3, day 2 1 + 3 + 4 = 16.5 h over 9 persons in one week
        self.assertAlmostEqual(d["average_weekly_hours_per_person"], 16.5 / 9)
        self.assertEqual(d["average_income_per_person_micros"], (62 + 54) * 1_000_000 // 9)
        self.assertIn("Article 17", d["legal_basis"])
        self.assertEqual(self.workers[0][1].get("/v1/admin/declaration").status, 403)


class Review(unittest.TestCase):
    def setUp(self):
        self.srv = Server()
        self.adm = self.srv.admin()
        self.adm.post("/v1/admin/clock", {"set_ms": T0})
        self.client, self.cl = signup(self.srv, "client")
        fund(self.srv, self.client["id"], 100_000_000)

    def tearDown(self):
        self.srv.close()

    def block_spammer(self):
        bid = make_batch(self.cl, control_ratio=0.5, min_skill=0.6, min_control_answers=3, overlap=2,
                         lifetime_seconds=60 * 86400)
        upload(self.cl, bid, ["r%d" % i for i in range(10)])
        upload(self.cl, bid, ["c%d" % i for i in range(8)], gold=["cat", "dog"] * 4)
        self.assertEqual(self.cl.post("/v1/batches/%d/publish" % bid).status, 200)
        gold = {t[0]: t[1].strip('"') for t in
                self.srv.sql("SELECT id, gold FROM mw_tasks WHERE batch_id=? AND is_control=1", (bid,))}
        spam, sc = signup(self.srv, "worker")
        for _ in range(12):
            r = sc.post("/v1/work/batches/%d/claim" % bid)
            if r.status == 403:
                return bid, spam, sc
            tid = r.json["task"]["id"]
            wrong = {"cat": "dog", "dog": "cat"}.get(gold.get(tid), "dog")
            self.assertEqual(sc.post("/v1/assignments/%d/submit" % r.json["id"], {"answer": wrong}).status, 200)
        self.fail("the spammer was never blocked")

    def test_block_review_deadline_and_undo(self):
        bid, spam, sc = self.block_spammer()
        ds = sc.get("/v1/me/decisions").json["decisions"]
        blocks = [d for d in ds if d["event"] == "blocked"]
        self.assertEqual(len(blocks), 1)
        d = blocks[0]
        self.assertEqual(d["system"], "quality_control")
        self.assertIn("min_skill", d["rule"])
        self.assertIn("control_answers", d["figures"])
        self.assertIn("skill", d["explanation"])
        self.assertEqual(d["concerns"], "you")
        self.assertTrue(d["can_request_review"])
        # ask for review
        r = sc.post("/v1/me/decisions/%d/review" % d["id"], {"message": "I was answering honestly."})
        self.assertEqual(r.status, 201, r)
        rq = r.json
        self.assertEqual((rq["state"], rq["status"], rq["overdue"]), ("open", "open", False))
        self.assertEqual(rq["due_ms"], T0 + 14 * D)
        self.assertEqual(sc.post("/v1/me/decisions/%d/review" % d["id"], {"message": "again"}).status, 409)
        other, oc = signup(self.srv, "worker")
        self.assertEqual(oc.post("/v1/me/decisions/%d/review" % d["id"], {"message": "me too"}).status, 404)
        self.assertEqual(sc.post("/v1/me/decisions/%d/review" % d["id"], {}).status, 400)
        # past the deadline: overdue, for the worker and the admins
        self.adm.post("/v1/admin/clock", {"advance_ms": 15 * D})
        mine = sc.get("/v1/me/reviews").json
        self.assertEqual(mine["overdue"], 1)
        self.assertEqual(mine["reviews"][0]["status"], "overdue")
        adm = self.adm.get("/v1/admin/reviews?state=open").json
        self.assertEqual((adm["open"], adm["overdue"]), (1, 1))
        # the passing of the deadline is journalled, once, for the worker
        self.adm.get("/v1/admin/reviews")
        rows = self.srv.sql("SELECT worker_id, subject FROM journal WHERE event = 'review_overdue'")
        self.assertEqual(rows, [(spam["id"], "review:%d" % rq["id"])])
        self.assertEqual(adm["reviews"][0]["worker_id"], spam["id"])
        # still blocked until an admin answers
        self.assertEqual(sc.post("/v1/work/batches/%d/claim" % bid).status, 403)
        self.assertEqual(self.adm.post("/v1/admin/reviews/%d/decide" % rq["id"], {"outcome": "overturned"}).status, 400)
        self.assertEqual(self.adm.post("/v1/admin/reviews/%d/decide" % rq["id"],
                                       {"outcome": "maybe", "reasons": "x"}).status, 400)
        r = self.adm.post("/v1/admin/reviews/%d/decide" % rq["id"],
                          {"outcome": "overturned", "reasons": "The control tasks c1 and c3 had wrong gold labels."})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "overturned")
        self.assertTrue(r.json["answered_late"])
        self.assertIn("block lifted", r.json["remedy"]["actions"][0]["action"])
        self.assertEqual(self.adm.post("/v1/admin/reviews/%d/decide" % rq["id"],
                                       {"outcome": "upheld", "reasons": "x"}).status, 409)
        # undone: the worker can work on the batch again
        self.assertEqual(sc.post("/v1/work/batches/%d/claim" % bid).status, 201)
        d2 = [x for x in sc.get("/v1/me/decisions").json["decisions"] if x["id"] == d["id"]][0]
        self.assertEqual(d2["review"]["state"], "overturned")
        self.assertEqual(d2["review"]["reasons"], "The control tasks c1 and c3 had wrong gold labels.")
        self.assertFalse(d2["can_request_review"])
        # every step journalled, chain intact
        ev = [r[0] for r in self.srv.sql("SELECT event FROM journal WHERE worker_id=? ORDER BY id", (spam["id"],))]
        for e in ("review_requested", "unblocked", "review_decided"):
            self.assertIn(e, ev)
        self.assertTrue(self.adm.get("/v1/admin/journal/verify").json["ok"])

    def test_expiry_overturned_pays_the_time(self):
        bid = make_batch(self.cl, lease_seconds=60)
        upload(self.cl, bid, ["a", "b"])
        self.cl.post("/v1/batches/%d/publish" % bid)
        w, wc = signup(self.srv, "worker")
        a = wc.post("/v1/work/batches/%d/claim" % bid).json
        self.adm.post("/v1/admin/clock", {"advance_ms": 61_000})
        self.assertEqual(wc.get("/v1/work/assignments").json["assignments"][0]["state"], "expired")
        e = wc.get("/v1/me/earnings?from=0&to=%d" % FAR).json
        self.assertEqual((e["unpaid_ms"], e["active_ms"], e["paid_micros"]), (60_000, 0, 0))
        d = [x for x in wc.get("/v1/me/decisions").json["decisions"] if x["event"] == "lease_expired"][0]
        self.assertEqual(d["time"], {"kind": "unpaid", "start_ms": a["claimed_ms"], "end_ms": a["deadline_ms"]})
        self.assertEqual(d["system"], "lease_expiry")
        rq = wc.post("/v1/me/decisions/%d/review" % d["id"], {"message": "The page did not load for a minute."}).json
        r = self.adm.post("/v1/admin/reviews/%d/decide" % rq["id"],
                          {"outcome": "overturned", "reasons": "The image server was down.",
                           "compensation_micros": 100_000})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json["remedy"]["actions"]), 2)
        e = wc.get("/v1/me/earnings?from=0&to=%d" % FAR).json
        # one minute at 12.00/h = 0.20, plus 0.10 compensation; the minute is now active time
        self.assertEqual((e["unpaid_ms"], e["active_ms"], e["paid_micros"]), (0, 60_000, 300_000))
        self.assertEqual(wc.get("/v1/me/balance").json["earnings_micros"], 300_000)
        self.assertEqual(self.adm.get("/v1/admin/ledger").json["sum_micros"], 0)
        # an upheld decision changes nothing
        b2 = wc.post("/v1/work/batches/%d/claim" % bid).json
        self.adm.post("/v1/admin/clock", {"advance_ms": 61_000})
        wc.get("/v1/work/assignments")
        d = [x for x in wc.get("/v1/me/decisions").json["decisions"]
             if x["event"] == "lease_expired" and x["subject"] == "assignment:%d" % b2["id"]][0]
        rq = wc.post("/v1/me/decisions/%d/review" % d["id"], {"message": "again?"}).json
        r = self.adm.post("/v1/admin/reviews/%d/decide" % rq["id"], {"outcome": "upheld", "reasons": "Too slow."})
        self.assertEqual(r.json["state"], "upheld")
        self.assertEqual(wc.get("/v1/me/balance").json["earnings_micros"], 300_000)
        self.assertEqual(self.adm.post("/v1/admin/reviews/%d/decide" % rq["id"],
                                       {"outcome": "overturned", "reasons": "x"}).status, 409)

    def test_indirect_decisions_and_dispatch(self):
        w, wc = signup(self.srv, "worker")
        event(self.srv, family="microwork", event="submitted", worker_id=w["id"], subject="assignment:5",
              span_kind="active", span_start_ms=T0, span_end_ms=T0 + M, payload={"batch": 77, "task": 8})
        event(self.srv, family="microwork", event="fair_pay_topup", subject="batch:77", automated=True,
              payload={"system": "fair_pay", "median_answer_ms": 60000, "topup_per_answer_micros": 150000})
        event(self.srv, family="microwork", event="fair_pay_topup", subject="batch:78", automated=True)
        event(self.srv, family="dispatch", event="dispatch_decision", worker_id=w["id"], subject="offer:3",
              automated=True, payload={"score": 1234, "distance_m": 2100})
        ds = wc.get("/v1/me/decisions").json["decisions"]
        self.assertEqual([(d["family"], d["event"]) for d in ds],
                         [("microwork", "fair_pay_topup"), ("dispatch", "dispatch_decision")])
        self.assertEqual(ds[0]["concerns"], "work you did (a batch, task or job you worked on)")
        self.assertEqual(ds[0]["figures"]["topup_per_answer_micros"], 150000)
        self.assertIn("declining has no consequence", ds[1]["explanation"])
        self.assertEqual(ds[1]["figures"]["score"], 1234)
        rq = wc.post("/v1/me/decisions/%d/review" % ds[1]["id"], {"message": "Why me at 2 km?"})
        self.assertEqual(rq.status, 201)
        r = self.adm.post("/v1/admin/reviews/%d/decide" % rq.json["id"],
                          {"outcome": "overturned", "reasons": "Fine, but nothing to undo."})
        self.assertIn("no automatic remedy", r.json["remedy"]["actions"][0]["action"])


class Export(unittest.TestCase):
    def test_complete_and_only_mine(self):
        srv = Server()
        try:
            adm = srv.admin()
            adm.post("/v1/admin/clock", {"set_ms": T0})
            client, cl = signup(srv, "client")
            fund(srv, client["id"], 10_000_000)
            me, mc = signup(srv, "worker")
            other, oc = signup(srv, "worker")
            bid = make_batch(cl, overlap=2)
            upload(cl, bid, ["x", "y"])
            cl.post("/v1/batches/%d/publish" % bid)
            for wc in (mc, oc):
                for _ in range(2):
                    a = wc.post("/v1/work/batches/%d/claim" % bid).json
                    adm.post("/v1/admin/clock", {"advance_ms": 30_000})
                    wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": "cat"})
            for a in cl.get("/v1/batches/%d/answers" % bid).json["answers"]:
                cl.post("/v1/answers/%d/approve" % a["id"])
            mc.post("/v1/me/costs", {"per_hour_micros": 500_000})
            event(srv, family="dispatch", event="dispatch_decision", worker_id=me["id"], subject="offer:1",
                  automated=True, payload={"score": 1})
            x = mc.get("/v1/me/export")
            self.assertEqual(x.status, 200)
            e = x.json
            listed = ["account", "tokens", "journal", "payments", "ledger", "decisions", "reviews", "costs",
                      "microwork_assignments"]
            self.assertEqual(e["categories"], listed)
            self.assertEqual(set(e) - {"format", "generated_ms", "subject_id", "currency", "categories", "scope"},
                             set(listed))
            self.assertEqual(e["account"]["email"], me["email"])
            self.assertNotIn("pw_hash", str(e))
            # every journal event of the worker appears, nobody else's
            want = {r[0] for r in srv.sql("SELECT id FROM journal WHERE worker_id=? OR (actor_id=? AND worker_id IS "
                                          "NULL)", (me["id"], me["id"]))}
            got = {j["id"] for j in e["journal"]}
            self.assertEqual(got, want)
            self.assertTrue(all(j["worker_id"] in (me["id"], None) for j in e["journal"]))
            self.assertTrue({r[0] for r in srv.sql("SELECT id FROM journal WHERE worker_id=?", (me["id"],))} <= got)
            self.assertEqual(sum(p["amount_micros"] for p in e["payments"]),
                             srv.sql("SELECT SUM(amount_micros) FROM journal WHERE worker_id=?", (me["id"],))[0][0])
            self.assertEqual(len(e["microwork_assignments"]), 2)
            # the automated decisions about the worker: the dispatcher's, and micro-work's fair-pay top-ups if any
            self.assertEqual([d["event"] for d in e["decisions"] if d["event"] != "fair_pay_topup"],
                             ["dispatch_decision"])
            self.assertEqual(len(e["costs"]), 1)
            for t in e["tokens"]:
                self.assertEqual(set(t), {"label", "created_ms", "expires_ms", "revoked"})
            body = x.body
            self.assertNotIn(other["email"], body)
            self.assertNotIn('"worker_id": %d' % other["id"], body)
            # the archive: one CSV per category
            r = mc.get("/v1/me/export?format=tar")
            self.assertEqual(r.header("Content-Type"), "application/x-tar")
            self.assertEqual(r.header("Content-Disposition"),
                             'attachment; filename="visible-export-%d.tar"' % mc.get("/v1/me").json["id"])
            import http.client  # the test client decodes bodies as text: fetch the bytes
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
            conn.request("GET", "/v1/me/export?format=tar", headers={"Authorization": "Bearer " + mc.token})
            data = conn.getresponse().read()
            conn.close()
            with tarfile.open(fileobj=io.BytesIO(data)) as tf:
                names = tf.getnames()
                for n in ("account.csv", "journal.csv", "payments.csv", "decisions.csv", "README.txt", "export.json"):
                    self.assertIn(n, names)
                rows = list(csv.DictReader(io.StringIO(tf.extractfile("journal.csv").read().decode())))
                self.assertEqual({int(r["id"]) for r in rows}, want)
                acc = list(csv.DictReader(io.StringIO(tf.extractfile("account.csv").read().decode())))
                self.assertEqual(acc[0]["email"], me["email"])
                self.assertEqual(set(names), {c + ".csv" for c in listed} | {"README.txt", "export.json"})
            self.assertEqual(mc.get("/v1/me/export?format=zip").status, 400)
        finally:
            srv.close()


class Register(unittest.TestCase):
    def test_generated_from_running_configuration(self):
        regs = []
        for extra in ((), ("--set", "dispatch.epoch_ms=5000", "--set", "visibility.review_days=7",
                           "--set", "microwork.reject_cap_ppm=150000")):
            srv = Server(*extra)
            try:
                r = srv.client().get("/v1/register")
                self.assertEqual(r.status, 200)
                regs.append(r.json)
            finally:
                srv.close()
        a, b = ({s["id"]: s for s in reg["systems"]} for reg in regs)
        self.assertEqual(a["dispatch.dispatcher"]["parameters"]["dispatch.epoch_ms"], 60000)
        self.assertEqual(b["dispatch.dispatcher"]["parameters"]["dispatch.epoch_ms"], 5000)
        self.assertEqual(b["microwork.rejection_cap"]["parameters"]["microwork.reject_cap_ppm"], 150000)
        self.assertIn("within 14 days", a["microwork.quality_control"]["how_to_contest"])
        self.assertIn("within 7 days", b["microwork.quality_control"]["how_to_contest"])
        self.assertNotEqual(regs[0]["config_fingerprint"], regs[1]["config_fingerprint"])
        self.assertIn("declining an offer has no consequence", a["dispatch.dispatcher"]["does_not_use"])
        self.assertEqual(a["platform.rate_limits"]["parameters"]["ratelimit.per_minute"], 6000)
        for s in regs[0]["systems"]:
            for k in ("decides", "uses_worker_data", "does_not_use", "human_oversight", "parameters"):
                self.assertIn(k, s)


class ForbiddenData(unittest.TestCase):
    def test_guard_and_offline_location(self):
        srv = Server()
        try:
            w, wc = signup(srv, "worker")
            for key in ("private_message", "Emotion", "heart_rate", "face_image"):
                r = wc.post("/v1/me/decisions/1/review", {"message": "x", key: "y"})
                self.assertEqual(r.status, 400)
                self.assertEqual(r.json["error"]["code"], "forbidden_data")
                self.assertEqual(r.json["error"]["field"], key)
            # the guard applies to every body a worker sends, on every family's endpoints
            r = wc.post("/v1/courier/online", {"lat": 48.85, "lon": 2.35, "selfie": "..."})
            self.assertEqual((r.status, r.json["error"]["code"]), (400, "forbidden_data"))
            r = wc.post("/v1/assignments/1/submit", {"answer": {"direct_message": "hi"}})
            self.assertEqual((r.status, r.json["error"]["code"]), (400, "forbidden_data"))
            # locations only while online: a courier who is offline is refused and nothing is kept
            r = wc.post("/v1/courier/position", {"lat": 48.8566, "lon": 2.3522})
            self.assertEqual(r.status, 409, r)
            self.assertEqual(r.json["error"]["code"], "offline")
            rows = srv.sql("SELECT COUNT(*) FROM disp_couriers WHERE lat_e6 IS NOT NULL")
            self.assertEqual(rows[0][0], 0)
            self.assertNotIn("48.8566", str(srv.sql("SELECT payload FROM journal")))
        finally:
            srv.close()


if __name__ == "__main__":
    unittest.main()


class DemoObservatory(unittest.TestCase):
    """The observatory over the demo data, in every grouping: the demo makes it
    show a realistic picture, and no grouping may fail (an empty cell once
    crashed the sanitizer build)."""

    def test_demo_groupings(self):
        srv = Server(demo=True)
        try:
            c = srv.client()
            for q in ["", "?group_by=all", "?group_by=month", "?group_by=week", "?group_by=day",
                      "?family=microwork", "?family=dispatch&group_by=week"]:
                r = c.get("/v1/observatory" + q)
                self.assertEqual(r.status, 200, (q, r))
                self.assertIn("periods", r.json)
            shown = [f for p in c.get("/v1/observatory?group_by=all").json["periods"] for f in p["families"]
                     if not f["suppressed"]]
            self.assertTrue(shown, "the demo should show at least one family above k")
            self.assertEqual(srv.proc.poll(), None)
        finally:
            srv.close()


class PublicDeclaration(unittest.TestCase):
    """GET /v1/declaration: the Article 17 figures for everyone — aggregate
    only, counts of fewer than k persons withheld (k = 3 here), levels and
    families withheld further so that no small group is computed by
    difference, and nothing about any one person."""

    ALLOWED = {"legal_basis", "from_ms", "to_ms", "currency", "k", "suppressed", "persons_performing_platform_work",
               "persons_suppressed", "registered_worker_accounts", "by_level_of_activity", "level", "persons",
               "by_contractual_status", "status", "average_duration_of_activity_days",
               "average_weekly_hours_per_person", "average_income_per_person_micros", "weeks_in_period",
               "by_family", "family", "definitions", "method", "hourly_paid_time_micros", "hourly_all_time_micros",
               "minimum_hourly_micros", "minimum_applies_to", "hourly_definitions"}

    @classmethod
    def setUpClass(cls):
        cls.srv = srv = Server("--set", "visibility.k=3")
        srv.admin().post("/v1/admin/clock", {"set_ms": T0 + 3 * D})
        cls.workers = [signup(srv, "worker") for _ in range(9)]
        ids = [w[0]["id"] for w in cls.workers]
        # four micro-workers, one hour each, paid 12.00
        for i in range(4):
            event(srv, family="microwork", event="submitted", worker_id=ids[i], subject="assignment:%d" % (i + 1),
                  span_kind="active", span_start_ms=T0 + H, span_end_ms=T0 + 2 * H, at_ms=T0 + 2 * H)
            event(srv, family="microwork", event="paid", worker_id=ids[i], amount_micros=12_000_000,
                  at_ms=T0 + 2 * H)
        # three moderators, two hours each, paid 36.00
        for i in range(4, 7):
            event(srv, family="moderation", event="reviewed", worker_id=ids[i], subject="content:%d" % i,
                  span_kind="active", span_start_ms=T0 + H, span_end_ms=T0 + 3 * H, at_ms=T0 + 3 * H)
            event(srv, family="moderation", event="paid", worker_id=ids[i], amount_micros=36_000_000,
                  at_ms=T0 + 3 * H)
        # one courier alone in dispatch, twelve hours in the week (the only person at 10-20 h a week)
        event(srv, family="dispatch", event="delivered", worker_id=ids[7], subject="job:1", span_kind="active",
              span_start_ms=T0 + D, span_end_ms=T0 + D + 12 * H, at_ms=T0 + D + 12 * H)
        event(srv, family="dispatch", event="paid", worker_id=ids[7], amount_micros=150_000_000,
              at_ms=T0 + D + 12 * H)
        # ids[8]: registered, no work

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def q(self):
        return "?from=%d&to=%d" % (T0, T0 + 7 * D)

    def test_aggregate_figures_and_k(self):
        r = self.srv.client().get("/v1/declaration" + self.q())  # no token: public
        self.assertEqual(r.status, 200, r)
        d = r.json
        self.assertEqual(d["k"], 3)
        self.assertIn("Article 17", d["legal_basis"])
        self.assertEqual(d["persons_performing_platform_work"], 8)
        self.assertFalse(d["persons_suppressed"])
        self.assertEqual(d["registered_worker_accounts"], 9)
        self.assertEqual(d["by_contractual_status"], [{"status": "self-employed", "persons": 8, "suppressed": False}])
        # (4 x 1 h + 3 x 2 h + 12 h) / 8 persons / 1 week; (4 x 12 + 3 x 36 + 150) / 8
        self.assertAlmostEqual(d["average_weekly_hours_per_person"], 22 / 8)
        self.assertEqual(d["average_income_per_person_micros"], 306_000_000 // 8)
        # the same figures as the admin's exact declaration where published
        adm = self.srv.admin().get("/v1/admin/declaration" + self.q()).json
        for key in ("persons_performing_platform_work", "registered_worker_accounts",
                    "average_weekly_hours_per_person", "average_income_per_person_micros",
                    "average_duration_of_activity_days"):
            self.assertEqual(d[key], adm[key], key)
        # levels: the courier alone at 10-20 h is withheld, and so is the smallest other non-empty level
        # (else 8 - 7 = 1 would give the courier away); empty levels are published as 0
        lv = {x["level"]: x for x in d["by_level_of_activity"]}
        self.assertEqual([x["level"] for x in d["by_level_of_activity"]],
                         [x["level"] for x in adm["by_level_of_activity"]])
        self.assertTrue(lv["10 to 20 hours a week"]["suppressed"])
        self.assertIsNone(lv["10 to 20 hours a week"]["persons"])
        self.assertTrue(lv["under 10 hours a week"]["suppressed"])
        self.assertIsNone(lv["under 10 hours a week"]["persons"])
        self.assertEqual((lv["20 to 35 hours a week"]["persons"], lv["35 hours a week or more"]["persons"]), (0, 0))
        self.assertEqual({x["level"]: x["persons"] for x in adm["by_level_of_activity"]}["10 to 20 hours a week"], 1)
        # families: dispatch (1 person) withheld with its averages; moderation (3, the smallest other) too
        fam = {x["family"]: x for x in d["by_family"]}
        self.assertTrue(fam["dispatch"]["suppressed"])
        for key in ("persons", "average_weekly_hours_per_person", "average_income_per_person_micros"):
            self.assertIsNone(fam["dispatch"][key], key)
            self.assertIsNone(fam["moderation"][key], key)
        self.assertFalse(fam["microwork"]["suppressed"])
        self.assertEqual(fam["microwork"]["persons"], 4)
        self.assertEqual(fam["microwork"]["average_income_per_person_micros"], 12_000_000)
        self.assertAlmostEqual(fam["microwork"]["average_weekly_hours_per_person"], 1.0)
        self.assertTrue(d["suppressed"])

    def test_no_personal_data(self):
        _, worker = self.workers[0]
        for c in (self.srv.client(), worker):
            r = c.get("/v1/declaration" + self.q())
            self.assertEqual(r.status, 200, r)
            keys = set()

            def walk(v):
                if isinstance(v, dict):
                    keys.update(v)
                    for x in v.values():
                        walk(x)
                elif isinstance(v, list):
                    for x in v:
                        walk(x)
            walk(r.json)
            self.assertLessEqual(keys, self.ALLOWED, keys - self.ALLOWED)
            body = r.body.decode() if isinstance(r.body, bytes) else str(r.json)
            for w, _ in self.workers:
                self.assertNotIn(w["email"], body)
                self.assertNotIn(w["name"], body)
        self.assertEqual(self.srv.client().get("/v1/declaration?from=5&to=1").status, 400)

    def test_small_platform_withholds_everything(self):
        srv = Server()
        try:
            srv.admin().post("/v1/admin/clock", {"set_ms": T0 + D})
            w, _ = signup(srv, "worker")
            event(srv, family="microwork", event="submitted", worker_id=w["id"], subject="assignment:1",
                  span_kind="active", span_start_ms=T0, span_end_ms=T0 + H, at_ms=T0 + H)
            event(srv, family="microwork", event="paid", worker_id=w["id"], amount_micros=9_000_000, at_ms=T0 + H)
            d = srv.client().get("/v1/declaration?from=%d&to=%d" % (T0, T0 + D)).json
            self.assertEqual(d["k"], 10)
            self.assertTrue(d["suppressed"] and d["persons_suppressed"])
            for key in ("persons_performing_platform_work", "registered_worker_accounts",
                        "average_duration_of_activity_days", "average_weekly_hours_per_person",
                        "average_income_per_person_micros"):
                self.assertIsNone(d[key], key)
            self.assertIsNone(d["by_contractual_status"][0]["persons"])
            self.assertTrue(all(x["persons"] in (0, None) for x in d["by_level_of_activity"]))
            self.assertEqual([(x["family"], x["persons"], x["suppressed"]) for x in d["by_family"]],
                             [("microwork", None, True)])
            self.assertNotIn("9000000", json.dumps(d))
        finally:
            srv.close()
