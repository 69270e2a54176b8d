"""API tests of the micro-work marketplace (issue 4) against the real binary."""
import csv
import io
import os
import subprocess
import tempfile
import threading
import unittest

from vis import BIN, Server, fund, signup

LABELS = ["cat", "dog"]
FAR = 253402300799999



def make_batch(cl, **kw):
    spec = {"title": "Cats or dogs", "template": "What is in ${url}?", "answer_type": "single", "labels": LABELS,
            "reward_micros": 50000, "overlap": 3, "expected_seconds": 10}
    spec.update(kw)
    r = cl.post("/v1/batches", spec)
    assert r.status == 201, r
    return r.json


def upload_csv(cl, bid, rows, gold=None):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["url", "_gold"] if gold else ["url"])
    for i, u in enumerate(rows):
        w.writerow([u, gold[i]] if gold else [u])
    return cl.request("POST", "/v1/batches/%d/tasks" % bid, raw=out.getvalue().encode(),
                      headers={"Content-Type": "text/csv"})


class Microwork(unittest.TestCase):
    def setUp(self):
        self.srv = Server()
        self.srv.admin().post("/v1/admin/clock", {"set_ms": 1_800_000_000_000})
        self.client_acct, self.cl = signup(self.srv, "client")
        fund(self.srv, self.client_acct["id"], 1_000_000_000)

    def tearDown(self):
        self.srv.close()

    def assertErr(self, r, status, code=None):
        self.assertEqual(r.status, status, r)
        self.assertIn("error", r.json, r)
        if code:
            self.assertEqual(r.json["error"]["code"], code, r)

    def ledger_balanced(self):
        self.assertEqual(self.srv.admin().get("/v1/admin/ledger").json["sum_micros"], 0)

    def test_full_flow_with_provenance(self):
        b = make_batch(self.cl)
        bid = b["id"]
        self.assertEqual(b["state"], "draft")
        r = upload_csv(self.cl, bid, ["img%d.jpg" % i for i in range(6)])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["tasks"], 6)
        r = self.cl.post("/v1/batches/%d/publish" % bid)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "published")
        escrow = r.json["progress"]["escrow_micros"]
        self.assertEqual(escrow, 18 * (50000 + 5000))
        workers = [signup(self.srv, "worker") for _ in range(3)]
        seen = set()
        for w, wc in workers:
            avail = wc.get("/v1/work/batches").json["batches"]
            self.assertEqual([x["id"] for x in avail], [bid])
            self.assertIn("hourly_micros", avail[0])
            tasks = set()
            while True:
                r = wc.post("/v1/work/batches/%d/claim" % bid)
                if r.status == 409:
                    self.assertIn(r.json["error"]["code"], ("no_task", "batch_not_open"))
                    break
                self.assertEqual(r.status, 201, r)
                self.assertIn("What is in img", r.json["task"]["question"])
                self.assertNotIn(r.json["task"]["id"], tasks)
                tasks.add(r.json["task"]["id"])
                self.srv.admin().post("/v1/admin/clock", {"advance_ms": 10000})
                r = wc.post("/v1/assignments/%d/submit" % r.json["id"], {"answer": "cat"},
                            headers={"Idempotency-Key": "s-%d-%d" % (w["id"], r.json["id"])})
                self.assertEqual(r.status, 200, r)
            self.assertEqual(len(tasks), 6)
            seen |= tasks
        prog = self.cl.get("/v1/batches/%d" % bid).json
        self.assertEqual(prog["state"], "completed")
        self.assertEqual(prog["progress"]["answers"], 18)
        # review: approve all
        answers = self.cl.get("/v1/batches/%d/answers" % bid).json["answers"]
        self.assertEqual(len(answers), 18)
        for a in answers:
            r = self.cl.post("/v1/answers/%d/approve" % a["id"])
            self.assertEqual(r.status, 200, r)
        res = self.cl.get("/v1/batches/%d/results" % bid).json
        self.assertEqual(len(res["tasks"]), 6)
        for t in res["tasks"]:
            self.assertEqual(t["label"], "cat")
            self.assertEqual(t["provenance"]["workers"], 3)
            self.assertAlmostEqual(t["provenance"]["human_seconds"], 30.0)
            self.assertEqual(t["provenance"]["paid_micros"], 3 * 50000)
        # workers were paid, escrow is empty, the ledger balances
        bal = workers[0][1].get("/v1/me/balance").json
        self.assertEqual(bal["earnings_micros"], 6 * 50000)
        e = workers[0][1].get("/v1/me/earnings?from=0&to=%d" % FAR).json
        self.assertEqual(e["paid_micros"], 6 * 50000)
        self.assertEqual(e["active_ms"], 6 * 10000)
        self.assertEqual(self.cl.get("/v1/batches/%d" % bid).json["progress"]["escrow_micros"], 0)
        self.ledger_balanced()
        # exports
        r = self.cl.get("/v1/batches/%d/results?format=csv" % bid)
        self.assertTrue(r.header("Content-Type").startswith("text/csv"))
        rows = list(csv.DictReader(io.StringIO(r.body)))
        self.assertEqual(len(rows), 18)
        self.assertEqual(rows[0]["AssignmentStatus"], "Approved")
        self.assertIn("Input.url", rows[0])
        self.assertEqual(rows[0]["Answer.label"], "cat")
        r = self.cl.get("/v1/batches/%d/results?format=jsonl" % bid)
        self.assertEqual(len(r.body.strip().splitlines()), 6)
        self.assertErr(self.cl.get("/v1/batches/%d/results?format=xml" % bid), 400)

    def test_quality_control_blocks_spammer_and_appeal(self):
        b = make_batch(self.cl, control_ratio=0.5, min_skill=0.6, min_control_answers=3, overlap=2)
        bid = b["id"]
        self.assertEqual(upload_csv(self.cl, bid, ["r%d" % i for i in range(10)]).status, 201)
        r = upload_csv(self.cl, bid, ["c%d" % i for i in range(8)], gold=["cat", "dog"] * 4)
        self.assertEqual(r.json["control_tasks"], 8)
        self.assertEqual(self.cl.post("/v1/batches/%d/publish" % bid).status, 200)
        gold = {}
        for t in self.srv.sql("SELECT id, gold FROM mw_tasks WHERE batch_id=? AND is_control=1", (bid,)):
            gold[t[0]] = t[1].strip('"')
        spam, sc = signup(self.srv, "worker")
        good, gc = signup(self.srv, "worker")
        blocked = False
        for _ in range(12):
            r = sc.post("/v1/work/batches/%d/claim" % bid)
            if r.status == 403:
                self.assertEqual(r.json["error"]["code"], "blocked")
                self.assertIn("skill", r.json["error"]["message"])
                blocked = True
                break
            self.assertEqual(r.status, 201, r)
            tid = r.json["task"]["id"]
            wrong = {"cat": "dog", "dog": "cat"}.get(gold.get(tid), "dog")
            self.assertEqual(sc.post("/v1/assignments/%d/submit" % r.json["id"], {"answer": wrong}).status, 200)
        self.assertTrue(blocked, "the spammer was never blocked")
        listed = sc.get("/v1/work/batches").json
        self.assertEqual([b["id"] for b in listed["blocked"]], [bid])
        self.assertIn("below this batch's minimum", listed["blocked"][0]["reason"])
        # the block is an automated decision in the journal, with its figures
        rows = self.srv.sql("SELECT automated, payload FROM journal WHERE event='blocked' AND worker_id=?", (spam["id"],))
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][0], 1)
        self.assertIn("min_skill", rows[0][1])
        # the good worker is not blocked
        for _ in range(6):
            r = gc.post("/v1/work/batches/%d/claim" % bid)
            self.assertEqual(r.status, 201, r)
            tid = r.json["task"]["id"]
            self.assertEqual(gc.post("/v1/assignments/%d/submit" % r.json["id"],
                                     {"answer": gold.get(tid, "cat")}).status, 200)
        # reject one of the good worker's answers; it appeals and wins
        ans = [a for a in self.cl.get("/v1/batches/%d/answers" % bid).json["answers"]
               if a["worker_id"] == good["id"] and not a["control"]]
        self.assertErr(self.cl.post("/v1/answers/%d/reject" % ans[0]["id"], {}), 400)
        r = self.cl.post("/v1/answers/%d/reject" % ans[0]["id"], {"reason": "looks wrong"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "rejected")
        # the cap: a second rejection of this worker's few answers needs an admin
        r = self.cl.post("/v1/answers/%d/reject" % ans[1]["id"], {"reason": "also wrong"})
        self.assertErr(r, 409, "rejection_cap")
        r = gc.post("/v1/assignments/%d/appeal" % ans[0]["id"], {"message": "It is a cat, look at the ears"})
        self.assertEqual(r.status, 201, r)
        appeal = r.json["id"]
        self.assertEqual(len(self.cl.get("/v1/appeals").json["appeals"]), 1)
        before = gc.get("/v1/me/balance").json["earnings_micros"]
        r = self.cl.post("/v1/appeals/%d/decide" % appeal, {"outcome": "overturned", "response": "You are right."})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "overturned")
        after = gc.get("/v1/me/balance").json["earnings_micros"]
        self.assertEqual(after - before, 50000)
        self.assertErr(self.cl.post("/v1/appeals/%d/decide" % appeal, {"outcome": "upheld", "response": "x"}), 409)
        self.ledger_balanced()

    def test_lease_expiry_and_return(self):
        b = make_batch(self.cl, overlap=1, lease_seconds=60)
        bid = b["id"]
        upload_csv(self.cl, bid, ["a", "b"])
        self.cl.post("/v1/batches/%d/publish" % bid)
        w1, c1 = signup(self.srv, "worker")
        w2, c2 = signup(self.srv, "worker")
        a1 = c1.post("/v1/work/batches/%d/claim" % bid).json
        a2 = c2.post("/v1/work/batches/%d/claim" % bid).json
        self.assertNotEqual(a1["task"]["id"], a2["task"]["id"])
        self.assertErr(self.srv.client(signup(self.srv, "worker")[1].token).post("/v1/work/batches/%d/claim" % bid),
                       409, "batch_exhausted")
        self.srv.admin().post("/v1/admin/clock", {"advance_ms": 61000})
        r = c1.post("/v1/assignments/%d/submit" % a1["id"], {"answer": "cat"})
        self.assertErr(r, 409)
        mine = c1.get("/v1/work/assignments").json["assignments"]
        self.assertEqual(mine[0]["state"], "expired")
        e = c1.get("/v1/me/earnings?from=0&to=%d" % FAR).json
        self.assertEqual(e["unpaid_ms"], 60000)
        # both tasks went back: another worker takes the first; worker 1 never gets its task again
        a3 = signup(self.srv, "worker")[1].post("/v1/work/batches/%d/claim" % bid)
        self.assertEqual(a3.status, 201)
        self.assertEqual(a3.json["task"]["id"], a1["task"]["id"])
        a4 = c1.post("/v1/work/batches/%d/claim" % bid)
        self.assertEqual(a4.status, 201, a4)
        self.assertEqual(a4.json["task"]["id"], a2["task"]["id"])
        r = c1.post("/v1/assignments/%d/return" % a4.json["id"])
        self.assertEqual(r.json["state"], "returned")
        self.assertErr(c1.post("/v1/work/batches/%d/claim" % bid), 409, "no_task")
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM journal WHERE event='lease_expired'")[0][0], 2)

    def test_my_assignments_in_pages(self):
        b = make_batch(self.cl, overlap=1)
        upload_csv(self.cl, b["id"], ["p%d.jpg" % i for i in range(7)])
        self.assertEqual(self.cl.post("/v1/batches/%d/publish" % b["id"]).status, 200)
        _, wc = signup(self.srv, "worker")
        ids = []
        for _ in range(7):
            a = wc.post("/v1/work/batches/%d/claim" % b["id"]).json
            self.assertEqual(wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": "cat"}).status, 200)
            ids.append(a["id"])
        got, before, pages = [], None, 0
        while True:
            r = wc.get("/v1/work/assignments?limit=3" + ("&before=%d" % before if before else ""))
            self.assertEqual(r.status, 200, r)
            got += [x["id"] for x in r.json["assignments"]]
            pages += 1
            before = r.json["next_before"]
            if before is None:
                break
        self.assertEqual((got, pages), (ids[::-1], 3))  # 3 + 3 + 1, newest first, each once
        all_ = wc.get("/v1/work/assignments").json
        self.assertEqual(([x["id"] for x in all_["assignments"]], all_["next_before"]), (ids[::-1], None))
        for bad in ("limit=0", "limit=501", "before=0", "before=x"):
            self.assertErr(wc.get("/v1/work/assignments?" + bad), 400)

    def test_fair_pay_refusal_and_topup(self):
        # 10 s at 12 EUR/h is 33,334 micros; 20,000 is refused
        b = make_batch(self.cl, reward_micros=20000, expected_seconds=10)
        upload_csv(self.cl, b["id"], ["x"])
        r = self.cl.post("/v1/batches/%d/publish" % b["id"])
        self.assertErr(r, 400, "below_minimum_pay")
        self.assertIn("33334", r.json["error"]["message"])
        # declared 10 s, but workers need 60 s: approved answers are topped up
        b = make_batch(self.cl, reward_micros=40000, expected_seconds=10, overlap=1)
        upload_csv(self.cl, b["id"], ["t%d" % i for i in range(6)])
        self.assertEqual(self.cl.post("/v1/batches/%d/publish" % b["id"]).status, 200)
        w, wc = signup(self.srv, "worker")
        ids = []
        for _ in range(6):
            a = wc.post("/v1/work/batches/%d/claim" % b["id"]).json
            self.srv.admin().post("/v1/admin/clock", {"advance_ms": 60000})
            wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": "dog"})
            ids.append(a["id"])
        for i in ids:
            self.assertEqual(self.cl.post("/v1/answers/%d/approve" % i).status, 200)
        # 12 EUR/h for 60 s = 200,000 micros per answer
        bal = wc.get("/v1/me/balance").json["earnings_micros"]
        self.assertEqual(bal, 6 * 200000)
        e = wc.get("/v1/me/earnings?from=0&to=%d" % FAR).json
        self.assertGreaterEqual(e["effective_hourly_micros"], 12_000_000)
        rows = self.srv.sql("SELECT automated FROM journal WHERE event='fair_pay_topup'")
        self.assertGreaterEqual(len(rows), 1)
        self.ledger_balanced()

    def test_cancel_refunds_and_money_conserved(self):
        before = self.cl.get("/v1/me/balance").json["available_micros"]
        b = make_batch(self.cl, overlap=2)
        upload_csv(self.cl, b["id"], ["a", "b", "c"])
        self.cl.post("/v1/batches/%d/publish" % b["id"])
        w, wc = signup(self.srv, "worker")
        a = wc.post("/v1/work/batches/%d/claim" % b["id"]).json
        wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": "cat"})
        r = self.cl.post("/v1/batches/%d/cancel" % b["id"])
        self.assertEqual(r.json["state"], "cancelled")
        self.assertErr(wc.post("/v1/work/batches/%d/claim" % b["id"]), 409, "batch_not_open")
        self.cl.post("/v1/answers/%d/approve" % a["id"])
        after = self.cl.get("/v1/me/balance").json
        self.assertEqual(after["escrow_micros"], 0)
        self.assertEqual(before - after["available_micros"], 55000)
        self.ledger_balanced()

    def test_auto_approval(self):
        b = make_batch(self.cl, overlap=1, auto_approve_seconds=3600)
        upload_csv(self.cl, b["id"], ["a"])
        self.cl.post("/v1/batches/%d/publish" % b["id"])
        w, wc = signup(self.srv, "worker")
        a = wc.post("/v1/work/batches/%d/claim" % b["id"]).json
        wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": "cat"})
        self.srv.admin().post("/v1/admin/clock", {"advance_ms": 3601000})
        mine = wc.get("/v1/work/assignments").json["assignments"]
        self.assertEqual(mine[0]["state"], "approved")
        self.assertEqual(wc.get("/v1/me/balance").json["earnings_micros"], 50000)

    def test_dynamic_overlap(self):
        b = make_batch(self.cl, overlap=5, confidence_target=0.9)
        upload_csv(self.cl, b["id"], ["a"])
        self.cl.post("/v1/batches/%d/publish" % b["id"])
        for i in range(5):
            w, wc = signup(self.srv, "worker")
            r = wc.post("/v1/work/batches/%d/claim" % b["id"])
            if r.status != 201:
                break
            wc.post("/v1/assignments/%d/submit" % r.json["id"], {"answer": "dog"})
        p = self.cl.get("/v1/batches/%d" % b["id"]).json
        self.assertLess(p["progress"]["answers"], 5)
        self.assertEqual(p["state"], "completed")
        rows = self.srv.sql("SELECT COUNT(*) FROM journal WHERE event='task_closed_early'")
        self.assertEqual(rows[0][0], 1)

    def test_concurrent_claims(self):
        b = make_batch(self.cl, overlap=2)
        upload_csv(self.cl, b["id"], ["t%d" % i for i in range(10)])
        self.cl.post("/v1/batches/%d/publish" % b["id"])
        workers = [signup(self.srv, "worker")[1] for _ in range(8)]
        errors = []

        def work(wc):
            for _ in range(20):
                r = wc.post("/v1/work/batches/%d/claim" % b["id"])
                if r.status == 409:
                    return
                if r.status != 201:
                    errors.append(r)
                    return
                wc.post("/v1/assignments/%d/submit" % r.json["id"], {"answer": "cat"})

        ts = [threading.Thread(target=work, args=(w,)) for w in workers]
        [t.start() for t in ts]
        [t.join() for t in ts]
        self.assertEqual(errors, [])
        rows = self.srv.sql("SELECT task_id, COUNT(*), COUNT(DISTINCT worker_id) FROM mw_assignments "
                            "WHERE state IN ('leased','submitted') GROUP BY task_id")
        self.assertEqual(len(rows), 10)
        for task, n, distinct in rows:
            self.assertEqual(n, 2)
            self.assertEqual(distinct, 2)

    def test_jsonl_upload_and_bad_input(self):
        b = make_batch(self.cl)
        bid = b["id"]
        snap = self.srv.snapshot()
        bad = [
            (b'{"url":"a"}\n{"url":""}\n', "application/x-ndjson", "row 2"),
            (b'{"url":"a"}\nnot json\n', "application/x-ndjson", "row 2"),
            (b'url\na\n"b\n', "text/csv", "line 3"),
            (b'name\na\n', "text/csv", "row 1"),
            (b'url,_gold\na,horse\n', "text/csv", "row 2"),
            (b'url\n', "text/csv", "no task"),
            (b'url\na\n', "application/xml", "text/csv"),
        ]
        for body, ctype, needle in bad:
            r = self.cl.request("POST", "/v1/batches/%d/tasks" % bid, raw=body, headers={"Content-Type": ctype})
            self.assertEqual(r.status, 400, (body, r))
            self.assertIn(needle, r.json["error"]["message"])
        self.assertEqual(snap["mw_tasks"], self.srv.snapshot()["mw_tasks"])
        r = self.cl.request("POST", "/v1/batches/%d/tasks" % bid,
                            raw=b'{"url":"a"}\n{"data":{"url":"b"},"gold":"dog"}\n',
                            headers={"Content-Type": "application/x-ndjson"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["control_tasks"], 1)
        # batch creation errors name the field
        for spec, field in [({"answer_type": "poem"}, "answer_type"), ({"labels": ["x"]}, "labels"),
                            ({"overlap": 0}, "overlap"), ({"reward_micros": -1}, "reward_micros"),
                            ({"control_ratio": 0.9}, "control_ratio"), ({"aggregation": "magic"}, "aggregation"),
                            ({"bogus": 1}, "bogus"), ({"qualification_batch": 999}, "qualification_batch")]:
            s = {"title": "t", "template": "${x}", "answer_type": "single", "labels": LABELS, "reward_micros": 50000,
                 "expected_seconds": 5}
            s.update(spec)
            r = self.cl.post("/v1/batches", s)
            self.assertEqual(r.status, 400 if field != "qualification_batch" else 404, (spec, r))
            self.assertEqual(r.json["error"].get("field"), field, r)
        # a worker cannot use client endpoints, another client cannot see the batch
        _, wc = signup(self.srv, "worker")
        self.assertErr(wc.post("/v1/batches", {}), 403)
        _, other = signup(self.srv, "client")
        self.assertErr(other.get("/v1/batches/%d" % bid), 404)
        self.assertErr(wc.post("/v1/assignments/999/submit", {"answer": "cat"}), 404)
        # publishing without funds
        _, poor = signup(self.srv, "client")
        pb = make_batch(poor)
        upload_csv(poor, pb["id"], ["a"])
        self.assertErr(poor.post("/v1/batches/%d/publish" % pb["id"]), 409, "insufficient_funds")
        # wrong answers
        self.cl.post("/v1/batches/%d/publish" % bid)
        a = wc.post("/v1/work/batches/%d/claim" % bid).json
        for ans in ["horse", 5, ["cat"], None]:
            r = wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": ans})
            self.assertEqual(r.status, 400, r)
        self.assertErr(wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": "cat", "x": 1}), 400)

    def test_bad_input_review_and_lifecycle(self):
        b = make_batch(self.cl, overlap=1)
        bid = b["id"]
        # lifecycle in the wrong state
        self.assertErr(self.cl.post("/v1/batches/%d/pause" % bid), 409, "invalid_state")
        self.assertErr(self.cl.post("/v1/batches/%d/resume" % bid), 409, "invalid_state")
        self.assertErr(self.cl.post("/v1/batches/%d/publish" % bid), 409, "no_tasks")
        w, wc = signup(self.srv, "worker")
        self.assertErr(wc.post("/v1/work/batches/%d/claim" % bid), 409, "batch_not_open")
        self.assertErr(wc.post("/v1/work/batches/abc/claim"), 404)
        self.assertErr(wc.post("/v1/work/batches/999999/claim"), 404)
        upload_csv(self.cl, bid, ["a", "b"])
        self.assertEqual(self.cl.post("/v1/batches/%d/publish" % bid).status, 200)
        self.assertErr(upload_csv(self.cl, bid, ["c"]), 409, "batch_not_draft")
        self.assertEqual(self.cl.post("/v1/batches/%d/pause" % bid).json["state"], "paused")
        self.assertErr(wc.post("/v1/work/batches/%d/claim" % bid), 409, "batch_not_open")
        self.assertEqual(self.cl.post("/v1/batches/%d/resume" % bid).json["state"], "published")
        a = wc.post("/v1/work/batches/%d/claim" % bid).json
        # review before submission, twice, by another client, with bad bodies
        self.assertErr(self.cl.post("/v1/answers/%d/approve" % a["id"]), 409, "not_reviewable")
        wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": "cat"})
        self.assertErr(wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": "cat"}), 409, "not_leased")
        _, other = signup(self.srv, "client")
        self.assertErr(other.post("/v1/answers/%d/approve" % a["id"]), 404)
        self.assertErr(wc.post("/v1/answers/%d/approve" % a["id"]), 403)
        self.assertErr(self.cl.post("/v1/answers/%d/approve" % a["id"], {"bogus": 1}), 400, "unknown_field")
        snap = self.srv.snapshot()
        for body, field in [({"amount_micros": -1, "reason": "x"}, "amount_micros"),
                            ({"amount_micros": 10, "reason": ""}, "reason"),
                            ({"amount_micros": 10}, "reason"), ({"amount_micros": "10", "reason": "x"}, "amount_micros")]:
            r = self.cl.post("/v1/answers/%d/bonus" % a["id"], body)
            self.assertEqual(r.status, 400, (body, r))
            self.assertEqual(r.json["error"].get("field"), field)
        self.assertEqual(snap, self.srv.snapshot())
        self.assertEqual(self.cl.post("/v1/answers/%d/approve" % a["id"]).status, 200)
        self.assertErr(self.cl.post("/v1/answers/%d/approve" % a["id"]), 409, "not_reviewable")
        self.assertErr(self.cl.post("/v1/answers/%d/reject" % a["id"], {"reason": "late"}), 409, "not_reviewable")
        r = self.cl.post("/v1/answers/%d/bonus" % a["id"], {"amount_micros": 10000, "reason": "careful work"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["bonus_micros"], 10000)
        # appeals: only on rejections, only by the worker, outcomes checked
        self.assertErr(wc.post("/v1/assignments/%d/appeal" % a["id"], {"message": "?"}), 409, "not_rejected")
        self.assertErr(self.cl.post("/v1/appeals/1/decide", {"outcome": "maybe", "response": "x"}), 400)
        self.assertErr(self.cl.post("/v1/appeals/999/decide", {"outcome": "upheld", "response": "x"}), 404)
        self.ledger_balanced()

    def test_results_match_truth_engine(self):
        b = make_batch(self.cl, overlap=3, aggregation="mv")
        upload_csv(self.cl, b["id"], ["t%d" % i for i in range(4)])
        self.cl.post("/v1/batches/%d/publish" % b["id"])
        pattern = [["cat", "cat", "dog", "dog"], ["cat", "dog", "dog", "cat"], ["dog", "cat", "dog", "dog"]]
        for answers in pattern:
            w, wc = signup(self.srv, "worker")
            for ans in answers:
                a = wc.post("/v1/work/batches/%d/claim" % b["id"]).json
                wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": ans})
        csvtext = self.cl.get("/v1/batches/%d/results?format=csv" % b["id"]).body
        rows = list(csv.DictReader(io.StringIO(csvtext)))
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("worker,task,label\n")
            for r in rows:
                f.write("%s,%s,%s\n" % (r["WorkerId"], r["HITId"], r["Answer.label"]))
        out = subprocess.run([BIN, "aggregate", "--method", "mv", f.name], capture_output=True, text=True)
        os.unlink(f.name)
        self.assertEqual(out.returncode, 0, out.stderr)
        engine = {l.split(",")[0]: l.split(",")[1] for l in out.stdout.strip().splitlines()[1:]}
        res = self.cl.get("/v1/batches/%d/results" % b["id"]).json
        for t in res["tasks"]:
            self.assertEqual(engine[str(t["task_id"])], t["label"])


class ExpiredLease(unittest.TestCase):
    def test_submit_after_expiry_says_so_even_after_the_sweep(self):
        srv = Server()
        try:
            c, cl = signup(srv, "client")
            fund(srv, c["id"], 10_000_000)
            bid = make_batch(cl, lease_seconds=60)["id"]
            upload_csv(cl, bid, ["a", "b"])
            self.assertEqual(cl.post("/v1/batches/%d/publish" % bid).status, 200)
            _, wc = signup(srv, "worker")
            a = wc.post("/v1/work/batches/%d/claim" % bid).json
            srv.admin().post("/v1/admin/clock", {"advance_ms": 61_000})
            wc.get("/v1/work/assignments")  # a sweep releases the lease before the answer arrives
            r = wc.post("/v1/assignments/%d/submit" % a["id"], {"answer": "cat"})
            self.assertEqual((r.status, r.json["error"]["code"]), (409, "lease_expired"), r)
        finally:
            srv.close()



class MessagesIssue15(unittest.TestCase):
    """Issue 15, "Messages and input": errors name accounts as the person
    knows them, never the ledger's internal accounts."""

    def test_publish_without_funds_names_your_funds(self):
        srv = Server()
        self.addCleanup(srv.close)
        _, poor = signup(srv, "client")
        b = make_batch(poor)
        upload_csv(poor, b["id"], ["a"])
        r = poor.post("/v1/batches/%d/publish" % b["id"])
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json["error"]["code"], "insufficient_funds")
        msg = r.json["error"]["message"]
        self.assertIn("your funds hold 0", msg)
        self.assertNotIn("client_funds", msg)
        self.assertNotIn("account", msg)


if __name__ == "__main__":
    unittest.main()
