"""Issue 14 (visibility): the figures tell the truth on real data — hourly pay
over all time spent beside pay over paid time, remedies in the period of the
work they pay for, a courier's open span counted live, the observatory's
human output and its suppression of small cells (no suppressed person's
figure derivable), the register saying what runs, and exports holding
nothing of anyone else."""
import io
import json
import re
import tarfile
import unittest
import csv

from vis import Server, approve_courier, signup
from test_visibility import M, H, D, T0, FAR, fund, make_batch, upload, event


def obs(srv, q):
    r = srv.client().get("/v1/observatory" + q)
    assert r.status == 200, r
    return r.json


class AllTime(unittest.TestCase):
    """10 active minutes paid at the minimum and 13 unpaid minutes: 12.00 per
    hour of paid time, 5.22 per hour of all the time given."""

    def test_both_hourly_figures_everywhere(self):
        srv = Server("--set", "visibility.k=2")
        try:
            srv.admin().post("/v1/admin/clock", {"set_ms": T0 + 2 * D})
            (w, wc), (v, vc) = signup(srv, "worker"), signup(srv, "worker")
            for x in (w, v):
                event(srv, family="microwork", event="submitted", worker_id=x["id"], subject="assignment:1",
                      span_kind="active", span_start_ms=T0, span_end_ms=T0 + 10 * M, at_ms=T0 + 10 * M)
                event(srv, family="microwork", event="paid", worker_id=x["id"], amount_micros=2_000_000,
                      at_ms=T0 + 10 * M)
            event(srv, family="microwork", event="lease_expired", worker_id=w["id"], subject="assignment:2",
                  automated=True, span_kind="unpaid", span_start_ms=T0 + 10 * M, span_end_ms=T0 + 23 * M,
                  at_ms=T0 + 23 * M)
            e = wc.get("/v1/me/earnings?from=%d&to=%d&group_by=day" % (T0, T0 + D)).json
            self.assertEqual(e["effective_hourly_micros"], 12_000_000)
            self.assertFalse(e["below_minimum"])
            self.assertEqual(e["minimum_applies_to"], "paid_time")
            self.assertIn("paid time", e["minimum_rule"])
            self.assertEqual(e["hourly_all_time_micros"], 2_000_000 * 60 // 23)  # 5.217391
            self.assertEqual(e["hourly_all_time_after_costs_micros"], 2_000_000 * 60 // 23)
            self.assertTrue(e["below_minimum_all_time"])
            self.assertTrue(e["below_minimum_all_time_after_costs"])
            self.assertEqual((e["paid_time_ms"], e["all_time_ms"]), (10 * M, 23 * M))
            for part in (e["by_family"][0], e["by_client"][0], e["periods"][0], e["periods"][0]["by_family"][0]):
                self.assertEqual(part["hourly_all_time_micros"], 2_000_000 * 60 // 23, part)
                self.assertTrue(part["below_minimum_all_time"])
                self.assertFalse(part["below_minimum"])
            # the observatory: both workers, 12.00 over paid time; over all time 5.22 and 12.00
            o = obs(srv, "?from=%d&to=%d&group_by=all" % (T0, T0 + D))
            fam = {f["family"]: f for f in o["periods"][0]["families"]}
            mw = fam["microwork"]
            self.assertEqual(mw["median_hourly_after_costs_micros"], 12_000_000)
            self.assertEqual(mw["median_hourly_all_time_after_costs_micros"], (5_217_391 + 12_000_000) // 2)
            self.assertEqual(mw["median_hourly_all_time_before_costs_micros"], (5_217_391 + 12_000_000) // 2)
            self.assertAlmostEqual(mw["share_below_minimum_all_time_after_costs"], 0.5)
            self.assertAlmostEqual(mw["share_below_minimum_after_costs"], 0.0)
            self.assertEqual(len(mw["deciles_hourly_all_time_after_costs_micros"]), 9)
            self.assertIn("all time", o["method"])
            # the declaration, exact and public: 4.00 over 20 paid minutes, over 33 minutes in all
            for path in ("/v1/admin/declaration", "/v1/declaration"):
                c = srv.admin() if "admin" in path else srv.client()
                d = c.get(path + "?from=%d&to=%d" % (T0, T0 + D)).json
                self.assertEqual(d["hourly_paid_time_micros"], 12_000_000, path)
                self.assertEqual(d["hourly_all_time_micros"], 4_000_000 * 60 // 33, path)
                self.assertEqual(d["minimum_applies_to"], "paid_time")
                self.assertEqual(d["by_family"][0]["hourly_all_time_micros"], 4_000_000 * 60 // 33, path)
        finally:
            srv.close()


def expire_and_overturn(srv, adm, cl, wc, bid, decide_at=None, reasons="The image server was down."):
    """Claim a task of the batch, let its lease run out, ask for review and
    overturn the expiry (at decide_at if given). Returns the assignment."""
    a = wc.post("/v1/work/batches/%d/claim" % bid).json
    adm.post("/v1/admin/clock", {"advance_ms": 601_000})
    wc.get("/v1/work/assignments")
    d = [x for x in wc.get("/v1/me/decisions").json["decisions"]
         if x["event"] == "lease_expired" and x["subject"] == "assignment:%d" % a["id"]][0]
    rq = wc.post("/v1/me/decisions/%d/review" % d["id"], {"message": "The page did not load."}).json
    if decide_at is not None:
        adm.post("/v1/admin/clock", {"set_ms": decide_at})
    r = adm.post("/v1/admin/reviews/%d/decide" % rq["id"], {"outcome": "overturned", "reasons": reasons})
    assert r.status == 200, r
    return a


class Remedy(unittest.TestCase):
    """An overturned lease expiry from day 1, decided on day 15: the pay is
    counted on day 1, beside the time it pays for."""

    def test_remedy_in_the_period_of_the_work(self):
        srv = Server("--set", "visibility.k=2")
        try:
            adm = srv.admin()
            adm.post("/v1/admin/clock", {"set_ms": T0 + H})
            client, cl = signup(srv, "client")
            fund(srv, client["id"], 10_000_000)
            bid = make_batch(cl, lease_seconds=600)
            upload(cl, bid, ["a", "b"])
            self.assertEqual(cl.post("/v1/batches/%d/publish" % bid).status, 200)
            w, wc = signup(srv, "worker")
            # a second worker on day 1 so that the observatory publishes the day
            v, _ = signup(srv, "worker")
            event(srv, family="microwork", event="submitted", worker_id=v["id"], subject="assignment:999",
                  span_kind="active", span_start_ms=T0 + H, span_end_ms=T0 + H + 10 * M, at_ms=T0 + H + 10 * M)
            a = expire_and_overturn(srv, adm, cl, wc, bid, decide_at=T0 + 14 * D + H)
            q = "?from=%d&to=%d&group_by=day" % (T0, T0 + 15 * D)
            e = wc.get("/v1/me/earnings" + q).json
            day = {p["period"]: p for p in e["periods"]}
            d1, d15 = day["2027-01-04"], day["2027-01-18"]
            # ten minutes at 12.00/h = 2.00, on day 1 with its ten minutes of (now active) time
            self.assertEqual((d1["paid_micros"], d1["active_ms"], d1["unpaid_ms"]), (2_000_000, 10 * M, 0))
            self.assertEqual(d1["effective_hourly_micros"], 12_000_000)
            self.assertFalse(d1["below_minimum"])
            self.assertEqual((d15["paid_micros"], d15["active_ms"]), (0, 0))
            # both dates shown
            self.assertEqual(len(e["remedies"]), 1)
            rm = e["remedies"][0]
            self.assertEqual((rm["work_ms"], rm["paid_ms"], rm["amount_micros"]),
                             (a["claimed_ms"], T0 + 14 * D + H, 2_000_000))
            # a range holding only the day of the decision shows none of it
            e15 = wc.get("/v1/me/earnings?from=%d&to=%d" % (T0 + 14 * D, T0 + 15 * D)).json
            self.assertEqual((e15["paid_micros"], e15["active_ms"], e15["remedies"]), (0, 0, []))
            # and a range holding only day 1 shows all of it
            e1 = wc.get("/v1/me/earnings?from=%d&to=%d" % (T0, T0 + D)).json
            self.assertEqual((e1["paid_micros"], e1["active_ms"]), (2_000_000, 10 * M))
            # the observatory too
            o = obs(srv, q)
            per = {p["period"]: p for p in o["periods"]}
            mw = {f["family"]: f for f in per["2027-01-04"]["families"]}["microwork"]
            self.assertEqual(mw["paid_micros"], 2_000_000)
            self.assertEqual(mw["active_ms"], 20 * M)
            for f in per["2027-01-18"]["families"]:
                self.assertFalse(f.get("paid_micros"), f)
        finally:
            srv.close()


class HumanOutput(unittest.TestCase):
    """Nine answers submitted and an overturned lease expiry: nine items."""

    def test_overturned_expiry_is_not_an_answer(self):
        srv = Server("--set", "visibility.k=2")
        try:
            adm = srv.admin()
            adm.post("/v1/admin/clock", {"set_ms": T0 + H})
            client, cl = signup(srv, "client")
            fund(srv, client["id"], 10_000_000)
            bid = make_batch(cl, lease_seconds=600)
            upload(cl, bid, ["t%d" % i for i in range(10)])
            self.assertEqual(cl.post("/v1/batches/%d/publish" % bid).status, 200)
            (w, wc), (v, vc) = signup(srv, "worker"), signup(srv, "worker")
            expire_and_overturn(srv, adm, cl, wc, bid)
            n = 0
            for c, k in ((wc, 5), (vc, 4)):
                for _ in range(k):
                    a = c.post("/v1/work/batches/%d/claim" % bid)
                    self.assertEqual(a.status, 201, a)
                    adm.post("/v1/admin/clock", {"advance_ms": 30_000})
                    self.assertEqual(c.post("/v1/assignments/%d/submit" % a.json["id"], {"answer": "cat"}).status, 200)
                    n += 1
            self.assertEqual(n, 9)
            o = obs(srv, "?from=%d&to=%d&group_by=all" % (T0, T0 + D))
            out = {h["family"]: h for h in o["periods"][0]["human_output"]}["microwork"]
            self.assertFalse(out["suppressed"])
            self.assertEqual((out["items"], out["made_or_checked_by_humans"]), (9, 9))
        finally:
            srv.close()


class LiveWaiting(unittest.TestCase):
    """Ten minutes online with no job: ten minutes of waiting time, now."""

    def test_open_span_counts_up_to_now(self):
        srv = Server("--set", "visibility.k=2", "--set", "dispatch.auto=false")
        try:
            adm = srv.admin()
            adm.post("/v1/admin/clock", {"set_ms": T0 + H})
            couriers = [signup(srv, "worker") for _ in range(2)]
            for a, c in couriers:
                approve_courier(srv, a["id"])
                r = c.post("/v1/courier/online", {"lat": 48.8566, "lon": 2.3522})
                self.assertEqual(r.status, 200, r)
            adm.post("/v1/admin/clock", {"advance_ms": 10 * M})
            e = couriers[0][1].get("/v1/me/earnings?from=%d&to=%d" % (T0, T0 + D)).json
            self.assertEqual(e["waiting_ms"], 10 * M)
            self.assertEqual(e["open_span"]["kind"], "waiting")
            self.assertEqual(e["open_span"]["since_ms"], T0 + H)
            self.assertEqual({f["family"]: f["waiting_ms"] for f in e["by_family"]}, {"dispatch": 10 * M})
            # the default range ends now: the open span is in it
            self.assertEqual(couriers[0][1].get("/v1/me/earnings").json["waiting_ms"], 10 * M)
            o = obs(srv, "?from=%d&to=%d&group_by=all" % (T0, T0 + D))
            disp = {f["family"]: f for f in o["periods"][0]["families"]}["dispatch"]
            self.assertEqual((disp["active_workers"], disp["waiting_ms"]), (2, 20 * M))
            # offline: the journal's span takes over, the same ten minutes more
            adm.post("/v1/admin/clock", {"advance_ms": 5 * M})
            self.assertEqual(couriers[0][1].post("/v1/courier/offline").status, 200)
            e = couriers[0][1].get("/v1/me/earnings?from=%d&to=%d" % (T0, T0 + D)).json
            self.assertEqual((e["waiting_ms"], e["open_span"]), (15 * M, None))
        finally:
            srv.close()


# ---- suppression ----

def numbers(x):
    """Every number published in a JSON value."""
    if isinstance(x, bool) or x is None:
        return []
    if isinstance(x, (int, float)):
        return [x]
    if isinstance(x, list):
        return [n for v in x for n in numbers(v)]
    if isinstance(x, dict):
        return [n for v in x.values() for n in numbers(v)]
    return []


QUANTILE_KEYS = ("median_hourly_after_costs_micros", "median_hourly_before_costs_micros",
                 "median_hourly_all_time_after_costs_micros", "median_hourly_all_time_before_costs_micros")
DECILE_KEYS = ("deciles_hourly_after_costs_micros", "deciles_hourly_all_time_after_costs_micros")


class Suppression(unittest.TestCase):
    """The issue's case with k = 3: on day 2 a lone courier (suppressed in the
    dispatch row) works beside three micro-workers and four moderators. No
    suppressed person's figure may be derived from what is published."""

    @classmethod
    def setUpClass(cls):
        cls.srv = srv = Server("--set", "visibility.k=3")
        srv.admin().post("/v1/admin/clock", {"set_ms": T0 + 3 * D})
        cls.ws = [signup(srv, "worker")[0]["id"] for _ in range(9)]
        ids = cls.ws
        cls.fig = {}  # worker -> {family: (paid, ms)} on day 2, what must stay hidden

        def work(i, fam, subj, start, hours, pay):
            event(srv, family=fam, event="submitted" if fam == "microwork" else "reviewed" if fam == "moderation"
                  else "delivered", worker_id=ids[i], subject=subj, span_kind="active", span_start_ms=start,
                  span_end_ms=start + hours * H, at_ms=start + hours * H)
            if pay:
                event(srv, family=fam, event="paid", worker_id=ids[i], subject=subj, amount_micros=pay,
                      at_ms=start + hours * H)

        # day 1: five micro-workers, three moderators (all published with k = 3)
        for i, p in enumerate([5, 10, 12, 15, 20]):
            work(i, "microwork", "assignment:%d" % (i + 1), T0 + H, 1, p * 1_000_000)
        for i in range(3):
            work(5 + i, "moderation", "content:%d" % (i + 1), T0 + 4 * H, 1, 18_000_000)
        # day 2: the courier alone, 1 h paid 31.00; three micro-workers (9, 11, 13); four moderators (14..20)
        work(8, "dispatch", "job:1", T0 + D + H, 1, 31_000_000)
        for i, p in enumerate([9, 11, 13]):
            work(i, "microwork", "assignment:%d" % (10 + i), T0 + D + H, 1, p * 1_000_000)
        for i, p in zip(range(4, 8), [14, 16, 18, 20]):
            work(i, "moderation", "content:%d" % (10 + i), T0 + D + 3 * H, 1, p * 1_000_000)
        cls.courier_hourly = 31_000_000

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def check(self, o):
        k = o["k"]
        for p in o["periods"]:
            rows = {f["family"]: f for f in p["families"]}
            sup = [f for f, r in rows.items() if r["suppressed"]]
            pub = [f for f, r in rows.items() if not r["suppressed"] and f != "all"]
            for f in sup:
                for key in ("active_workers", "hours_worked", "paid_micros", "active_ms") + QUANTILE_KEYS + DECILE_KEYS:
                    self.assertIsNone(rows[f].get(key), (p["period"], f, key))
            if not sup or rows["all"]["suppressed"]:
                continue
            al = rows["all"]
            # counts and sums: what the difference leaves covers at least k workers, and is no one person's figure
            hidden = al["active_workers"] - sum(rows[f]["active_workers"] for f in pub)
            self.assertGreaterEqual(hidden, k, p["period"])
            paid = al["paid_micros"] - sum(rows[f]["paid_micros"] for f in pub)
            self.assertNotEqual(paid, self.courier_hourly, p["period"])
            # distributions: no value of the "all" row is left over once the published rows' are taken out
            left = []
            for key in QUANTILE_KEYS:
                if al.get(key) is not None:
                    left.append(al[key])
            for key in DECILE_KEYS:
                left += al.get(key) or []
            known = set()
            for f in pub:
                for key in QUANTILE_KEYS:
                    if rows[f].get(key) is not None:
                        known.add(rows[f][key])
                for key in DECILE_KEYS:
                    known |= set(rows[f].get(key) or [])
            self.assertEqual([x for x in left if x not in known], [], p["period"])
            # and the courier's own figure appears nowhere in the period
            self.assertNotIn(self.courier_hourly, numbers(p["families"]), p["period"])

    def test_no_suppressed_figure_derivable(self):
        for g in ("day", "all"):
            o = obs(self.srv, "?from=%d&to=%d&group_by=%s" % (T0, T0 + 2 * D, g))
            self.check(o)
        o = obs(self.srv, "?from=%d&to=%d&group_by=day" % (T0, T0 + 2 * D))
        day2 = {f["family"]: f for f in o["periods"][1]["families"]}
        self.assertTrue(day2["dispatch"]["suppressed"])
        self.assertTrue(day2["all"]["quantiles_withheld"])
        self.assertEqual(day2["all"]["active_workers"], 8)   # the sums stay published
        # day 1: nothing suppressed, every distribution published
        day1 = {f["family"]: f for f in o["periods"][0]["families"]}
        self.assertFalse(day1["all"]["quantiles_withheld"])
        self.assertEqual(len(day1["all"]["deciles_hourly_after_costs_micros"]), 9)
        # across periods: the courier's figure is nowhere in the answer
        self.assertNotIn(self.courier_hourly, numbers(o["periods"]))

    def test_small_distribution_withheld(self):
        # a published row whose paid-time population is under k gives no median or deciles
        srv = Server("--set", "visibility.k=3")
        try:
            srv.admin().post("/v1/admin/clock", {"set_ms": T0 + D})
            ws = [signup(srv, "worker")[0]["id"] for _ in range(3)]
            event(srv, family="microwork", event="submitted", worker_id=ws[0], subject="assignment:1",
                  span_kind="active", span_start_ms=T0, span_end_ms=T0 + H, at_ms=T0 + H)
            event(srv, family="microwork", event="paid", worker_id=ws[0], amount_micros=7_000_000, at_ms=T0 + H)
            for w in ws[1:]:
                event(srv, family="microwork", event="lease_expired", worker_id=w, subject="assignment:2",
                      automated=True, span_kind="unpaid", span_start_ms=T0, span_end_ms=T0 + H)
            o = obs(srv, "?from=%d&to=%d&group_by=all" % (T0, T0 + D))
            mw = {f["family"]: f for f in o["periods"][0]["families"]}["microwork"]
            self.assertFalse(mw["suppressed"])
            self.assertTrue(mw["quantiles_withheld"])
            for key in QUANTILE_KEYS + DECILE_KEYS:
                self.assertNotIn(key, mw)
        finally:
            srv.close()


class Register(unittest.TestCase):
    def test_what_actually_runs(self):
        for extra, active in ((("--set", "dispatch.auto=false"), False), ((), True)):
            srv = Server(*extra)
            try:
                reg = {s["id"]: s for s in srv.client().get("/v1/register").json["systems"]}
            finally:
                srv.close()
            d = reg["dispatch.dispatcher"]
            self.assertIs(d["active"], active)
            if not active:
                self.assertIn("dispatch.auto = false", d["status"])
                self.assertIn("reassign", d["status"])
            qc = reg["microwork.quality_control"]["parameters"]
            self.assertEqual(set(qc), {"min_skill", "min_control_answers", "control_ratio"})
            self.assertEqual(qc["min_control_answers"]["platform_default"], 3)
            self.assertEqual((qc["min_skill"]["min"], qc["min_skill"]["max"]), (0, 1))
            self.assertIn("per batch", qc["min_skill"]["set"])
            self.assertEqual(reg["microwork.lease_expiry"]["parameters"]["lease_seconds"]["platform_default"], 600)
            self.assertIn("per batch", reg["microwork.quality_control"]["parameters_note"])


# ---- exports ----

ID_FIELD = re.compile(r'"(actor_id|worker_id|account_id|client_id|client|owner|owner_id|courier_id|moderator_id|'
                      r'responder_id|author_id)"\s*:\s*(\d+)')
CSV_ID_COLUMNS = {"actor_id", "worker_id", "account_id", "client_id", "client", "owner", "courier_id",
                  "moderator_id", "responder_id"}


class Export(unittest.TestCase):
    """Workers, clients, a courier, a moderator and an admin work across the
    families; every account's export (JSON and archive) is searched for every
    other account's id (in account-id fields), email and name."""

    def test_every_export_holds_only_its_owner(self):
        srv = Server()
        try:
            adm = srv.admin()
            adm.post("/v1/admin/clock", {"set_ms": T0 + H})
            people = {}
            for role, tag in (("client", "Qzclienta"), ("client", "Qzclientb"), ("worker", "Qzworkera"),
                              ("worker", "Qzworkerb"), ("worker", "Qzcourier"), ("worker", "Qzmoderator")):
                acc, c = signup(srv, role, name="%s Person" % tag, email="%s@example.net" % tag.lower())
                people[tag] = (acc, c)
            (ca, cla), (cb, clb) = people["Qzclienta"], people["Qzclientb"]
            (wa, wac), (wb, wbc) = people["Qzworkera"], people["Qzworkerb"]
            courier, moder = people["Qzcourier"][0], people["Qzmoderator"][0]
            for c in (ca, cb):
                fund(srv, c["id"], 50_000_000)
            # micro-work: two clients' batches, answers approved, rejected, auto-approved after the delay
            b1 = make_batch(cla, overlap=2, auto_approve_seconds=60, lease_seconds=600)
            upload(cla, b1, ["x%d" % i for i in range(4)])
            b2 = make_batch(clb, overlap=1, lease_seconds=600)
            upload(clb, b2, ["y%d" % i for i in range(3)])
            for bid, cl in ((b1, cla), (b2, clb)):
                self.assertEqual(cl.post("/v1/batches/%d/publish" % bid).status, 200)
            subs = []
            for c in (wac, wbc):
                for bid in (b1, b2):
                    a = c.post("/v1/work/batches/%d/claim" % bid)
                    if a.status == 201:
                        self.assertEqual(c.post("/v1/assignments/%d/submit" % a.json["id"], {"answer": "cat"}).status,
                                         200)
                        subs.append((bid, a.json["id"]))
            b2subs = [s for b, s in subs if b == b2]
            self.assertEqual(clb.post("/v1/answers/%d/approve" % b2subs[0]).status, 200)
            if len(b2subs) > 1:
                clb.post("/v1/answers/%d/reject" % b2subs[1], {"reason": "wrong"})
            # a lease expiry overturned by the admin
            expire_and_overturn(srv, adm, clb, wac, b2)
            # past the auto-approval delay: worker B's request triggers the sweep
            adm.post("/v1/admin/clock", {"advance_ms": 120_000})
            wbc.get("/v1/work/assignments")
            # dispatch and moderation, as their journals record them, naming their clients
            event(srv, family="dispatch", event="delivered", worker_id=courier["id"], subject="job:1",
                  span_kind="active", span_start_ms=T0 + 2 * H, span_end_ms=T0 + 3 * H, at_ms=T0 + 3 * H,
                  payload={"client": ca["id"], "distance_m": 2000})
            event(srv, family="moderation", event="reviewed", worker_id=moder["id"], subject="content:1",
                  span_kind="active", span_start_ms=T0 + 2 * H, span_end_ms=T0 + 3 * H, at_ms=T0 + 3 * H,
                  payload={"client": cb["id"]})
            everyone = [acc for acc, _ in people.values()]
            scopes = []
            for acc, c in people.values():
                others = [x for x in everyone if x["id"] != acc["id"]]
                r = c.get("/v1/me/export")
                self.assertEqual(r.status, 200, r)
                text = json.dumps(r.json)
                self.assert_nothing_of(acc, others, text, "json")
                scopes.append(r.json.get("scope", ""))
                import http.client  # the test client decodes bodies as text: fetch the bytes
                conn = http.client.HTTPConnection("127.0.0.1", srv.port)
                conn.request("GET", "/v1/me/export?format=tar", headers={"Authorization": "Bearer " + c.token})
                resp = conn.getresponse()
                self.assertEqual(resp.status, 200)
                body = resp.read()
                conn.close()
                with tarfile.open(fileobj=io.BytesIO(body)) as tf:
                    for m in tf.getmembers():
                        data = tf.extractfile(m).read().decode()
                        self.assert_nothing_of(acc, others, data, m.name)
                        if m.name.endswith(".csv"):
                            for row in csv.DictReader(io.StringIO(data)):
                                for col in CSV_ID_COLUMNS & set(row):
                                    if row[col]:
                                        self.assertEqual(int(row[col]), acc["id"], (acc["name"], m.name, col, row))
            for sc in scopes:  # each export says what it holds
                self.assertIn("own data only", sc)
        finally:
            srv.close()

    def assert_nothing_of(self, acc, others, text, where):
        ids = {x["id"] for x in others}
        for key, v in ID_FIELD.findall(text):
            self.assertNotIn(int(v), ids, "%s's export (%s): %s = %s names another account" %
                             (acc["name"], where, key, v))
        # CSV cells hold JSON with doubled quotes
        for key, v in ID_FIELD.findall(text.replace('""', '"')):
            self.assertNotIn(int(v), ids, "%s's export (%s): %s = %s" % (acc["name"], where, key, v))
        for x in others:
            self.assertNotIn(x["email"], text, "%s's export (%s) holds %s" % (acc["name"], where, x["email"]))
            self.assertNotIn(x["name"].split()[0], text, "%s's export (%s) holds %s" % (acc["name"], where, x["name"]))


if __name__ == "__main__":
    unittest.main()
