"""Crash test (issue 13, "keep probing"): a few kill -9 of the real server
under concurrent write load, each followed by a restart on the same database
and a check that nothing acknowledged was lost.

Each cycle drives admin credits (each with its own Idempotency-Key),
anonymous signups and micro-work claim + submit from several threads, each on
its own connection that never re-sends a request (vis.OnceClient). A write
is *acknowledged* when its client read a 2xx answer. The server is killed
with SIGKILL at a random moment (fixed seed), restarted on the same file,
and then:
  - every acknowledged credit is stored under its key, replaying the key
    answers the same 201 and moves no money, and the client's balance grew by
    at least the acknowledged credits and at most those plus the unanswered;
  - every acknowledged signup's account exists (read through the admin API);
  - every acknowledged claim and submit shows in the worker's assignments;
  - the ledger sums to zero, the journal's hash chain verifies, and SQLite's
    PRAGMA integrity_check answers ok.
Bounded: CYCLES cycles of LOAD_S seconds of load, loopback only; the
sanitizer build runs the same cycles (timeouts scale with VIS_SLOW)."""
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from vis import BIN, OnceClient, Server, db_arg, db_integrity, signup

CYCLES = 4
LOAD_S = (0.4, 1.2)  # kill after a random time in this range of load
SAN = "san" in os.path.basename(os.path.dirname(BIN))  # the ASan+UBSan build is slower
ARGS = ("--set", "ratelimit.per_minute=0", "--set", "dispatch.auto=false")
TASKS = 4000


class Workload:
    """Concurrent writes against one server, each recorded with its outcome:
    'ok' (a 2xx answer was read), 'refused' (an answer, not 2xx), or 'lost'
    (no answer: the connection failed)."""

    def __init__(self, srv, state, tag, credit_threads=2, signup_threads=1, worker_threads=3, signups=True):
        self.srv, self.st, self.tag = srv, state, tag
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.credits = []   # (key, amount, outcome, status)
        self.signups = []   # (email, outcome, account id or None)
        self.claims = []    # (worker index, key, outcome, assignment id or None, status)
        self.submits = []   # (worker index, key, assignment id, outcome, status)
        self.threads = [threading.Thread(target=self._credit, args=(i,)) for i in range(credit_threads)]
        if signups:
            self.threads += [threading.Thread(target=self._signup, args=(i,)) for i in range(signup_threads)]
        self.threads += [threading.Thread(target=self._worker, args=(i,)) for i in range(worker_threads)]

    def start(self):
        for t in self.threads:
            t.start()

    def join(self, timeout=60):
        self.stop.set()
        for t in self.threads:
            t.join(timeout)
            if t.is_alive():
                raise AssertionError("a load thread did not stop")

    def _send(self, c, method, path, body, key):
        try:
            r = c.request(method, path, body=body, headers={"Idempotency-Key": key} if key else None)
        except Exception:
            return "lost", None
        return ("ok" if 200 <= r.status < 300 else "refused"), r

    def _credit(self, t):
        c = OnceClient(self.srv.port, self.srv.admin_token)
        n = 0
        while not self.stop.is_set():
            n += 1
            key = "cr-%s-%d-%d" % (self.tag, t, n)
            amount = 1000 + n
            out, r = self._send(c, "POST", "/v1/admin/accounts/%d/credit" % self.st["client_id"],
                                {"amount_micros": amount, "reason": "crash test"}, key)
            with self.lock:
                self.credits.append((key, amount, out, r.status if r else None))
            if out == "lost":
                return

    def _signup(self, t):
        c = OnceClient(self.srv.port)
        n = 0
        while not self.stop.is_set():
            n += 1
            email = "s-%s-%d-%d@crash.example" % (self.tag, t, n)
            out, r = self._send(c, "POST", "/v1/signup", {"name": "Crash %d" % n, "email": email,
                                                        "password": "correct horse", "role": "worker"}, None)
            with self.lock:
                self.signups.append((email, out, r.json["account"]["id"] if out == "ok" else None))
            if out == "lost":
                return

    def _worker(self, w):
        c = OnceClient(self.srv.port, self.st["workers"][w])
        n = 0
        while not self.stop.is_set():
            n += 1
            key = "cl-%s-%d-%d" % (self.tag, w, n)
            out, r = self._send(c, "POST", "/v1/work/batches/%d/claim" % self.st["batch_id"], None, key)
            aid = r.json["id"] if out == "ok" else None
            with self.lock:
                self.claims.append((w, key, out, aid, r.status if r else None))
            if out == "lost":
                return
            if aid is None:
                if r.status == 409:  # no task left
                    return
                continue
            key = "sb-%s-%d-%d" % (self.tag, w, n)
            out, r = self._send(c, "POST", "/v1/assignments/%d/submit" % aid, {"answer": "cat"}, key)
            with self.lock:
                self.submits.append((w, key, aid, out, r.status if r else None))
            if out == "lost":
                return


def setup_state(srv, workers=3, tasks=TASKS):
    """A funded client with a published batch of `tasks` tasks (overlap 1) and workers' tokens."""
    adm = srv.admin()
    acct, cl = signup(srv, "client")
    r = adm.post("/v1/admin/accounts/%d/credit" % acct["id"], {"amount_micros": 10 ** 12, "reason": "setup"})
    assert r.status == 201, r
    r = cl.post("/v1/batches", {"title": "Crash", "template": "What is in ${url}?", "answer_type": "single",
                                "labels": ["cat", "dog"], "reward_micros": 50000, "overlap": 1,
                                "expected_seconds": 10})
    assert r.status == 201, r
    bid = r.json["id"]
    csv = "url\n" + "".join("img%d.jpg\n" % i for i in range(tasks))
    r = cl.request("POST", "/v1/batches/%d/tasks" % bid, raw=csv.encode(), headers={"Content-Type": "text/csv"})
    assert r.status == 201, r
    r = cl.post("/v1/batches/%d/publish" % bid)
    assert r.status == 200, r
    ws = [signup(srv, "worker") for _ in range(workers)]
    return {"client_id": acct["id"], "client_token": cl.token, "batch_id": bid,
            "worker_ids": [a["id"] for a, _ in ws], "workers": [c.token for _, c in ws]}


def integrity(db):
    return db_integrity(db)


def client_funds(srv, client_id):
    rows = srv.sql("SELECT balance FROM ledger_accounts WHERE kind = 'client_funds' AND owner_id = ?", (client_id,))
    return sum(r[0] for r in rows)


class Crash(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="visible-crash-")
        self.db = os.path.join(self.dir, "visible.db")
        self.srv = None

    def tearDown(self):
        if self.srv:
            self.srv.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self):
        self.srv = Server(*ARGS, db=self.db)
        return self.srv

    def check_sound(self, srv, what):
        adm = srv.admin()
        led = adm.get("/v1/admin/ledger")
        self.assertEqual(led.status, 200, led)
        self.assertEqual(led.json["sum_micros"], 0, "%s: ledger %s" % (what, led.json))
        self.assertTrue(led.json["balanced"], what)
        jv = adm.get("/v1/admin/journal/verify")
        self.assertEqual(jv.status, 200, jv)
        self.assertTrue(jv.json["ok"], "%s: journal %s" % (what, jv.json))
        self.assertEqual(integrity(self.db), [("ok",)], what)

    def test_kill9_under_write_load_loses_nothing_acknowledged(self):
        rnd = random.Random(13)
        srv = self.start()
        st = setup_state(srv)
        totals = {"credits": 0, "signups": 0, "claims": 0, "submits": 0, "lost": 0}
        for cycle in range(CYCLES):
            funds_before = client_funds(srv, st["client_id"])
            load = Workload(srv, st, "c%d" % cycle)
            load.start()
            time.sleep(rnd.uniform(*LOAD_S) * (2 if SAN else 1))
            os.kill(srv.proc.pid, signal.SIGKILL)
            srv.proc.wait(30)
            load.join()
            srv.close()
            srv = self.start()
            what = "cycle %d" % cycle
            adm = srv.admin()
            # credits: every acknowledged key stored as 201; the money moved once
            acked = [c for c in load.credits if c[2] == "ok"]
            unanswered = [c for c in load.credits if c[2] == "lost"]
            stored = dict(((k, s) for k, s in srv.sql("SELECT key, status FROM idempotency WHERE key LIKE ?",
                                                       ("cr-%s-%%" % load.tag,))))
            missing = [c[0] for c in acked if stored.get(c[0]) != 201]
            self.assertEqual(missing, [], "%s: acknowledged credits lost" % what)
            grew = client_funds(srv, st["client_id"]) - funds_before
            self.assertGreaterEqual(grew, sum(c[1] for c in acked), what)
            self.assertLessEqual(grew, sum(c[1] for c in acked) + sum(c[1] for c in unanswered), what)
            for key, amount, _, _ in acked[-3:]:  # a replay answers the stored 201 and moves nothing
                r = adm.post("/v1/admin/accounts/%d/credit" % st["client_id"],
                             {"amount_micros": amount, "reason": "crash test"}, headers={"Idempotency-Key": key})
                self.assertEqual(r.status, 201, r)
                self.assertEqual(r.json["amount_micros"], amount, r)
            self.assertEqual(client_funds(srv, st["client_id"]) - funds_before, grew, what + ": a replay paid twice")
            # signups: every acknowledged account exists
            for email, out, aid in load.signups:
                if out == "ok":
                    r = adm.get("/v1/admin/accounts/%d" % aid)
                    self.assertEqual((r.status, r.json and r.json.get("email")), (200, email), what)
            # micro-work: every acknowledged claim and submit is stored (the worker's list
            # through the API stops at 500, so all are read from the store, the last through the API)
            states = dict(srv.sql("SELECT id, state FROM mw_assignments WHERE batch_id = ?", (st["batch_id"],)))
            for cw, _, out, aid, _ in load.claims:
                if out == "ok":
                    self.assertIn(aid, states, "%s: acknowledged claim %d lost" % (what, aid))
            for sw, _, aid, out, _ in load.submits:
                if out == "ok":
                    self.assertIn(states.get(aid), ("submitted", "approved"),
                                  "%s: acknowledged submit of %d lost" % (what, aid))
            for w, token in enumerate(st["workers"]):
                mine = [s for s in load.submits if s[0] == w and s[3] == "ok"][-2:]
                for _, _, aid, _, _ in mine:
                    r = srv.client(token).get("/v1/work/assignments/%d" % aid)
                    self.assertEqual((r.status, r.json and r.json.get("state")), (200, "submitted"), what)
            self.check_sound(srv, what)
            totals["credits"] += len(acked)
            totals["signups"] += sum(1 for s in load.signups if s[1] == "ok")
            totals["claims"] += sum(1 for c in load.claims if c[2] == "ok")
            totals["submits"] += sum(1 for s in load.submits if s[3] == "ok")
            totals["lost"] += len(unanswered) + sum(1 for c in load.claims if c[2] == "lost")
        self.assertGreater(totals["credits"], 0, totals)
        self.assertGreater(totals["submits"], 0, totals)
        srv.close()
        self.srv = None
        # the offline tool agrees on the journal once the server is gone
        p = subprocess.run([BIN, "journal", "verify", "--db", db_arg(self.db)], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(integrity(self.db), [("ok",)])
        if os.environ.get("VIS_VERBOSE"):
            print("crash test: %d cycles, acknowledged %s" % (CYCLES, totals))


if __name__ == "__main__":
    unittest.main()
