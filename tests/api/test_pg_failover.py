"""Failover without loss (issue 18): a PostgreSQL primary with a synchronous
standby (streaming replication built by the test from Debian's binaries:
initdb, pg_basebackup -R, synchronous_standby_names; see pgtest.Replicated)
and two `visible serve` nodes on a multi-host connection string with
target_session_attrs=read-write.

Load goes through both nodes: admin credits, each with its own
Idempotency-Key, and micro-work claim + submit. The primary is stopped
hard (`pg_ctl stop -m immediate`) under that load and the standby promoted
(`pg_ctl promote`); the load goes on, and the nodes must answer writes
again by themselves (the driver resets a lost connection, walking the
multi-host list again to the now writable server; the request that saw the
loss gets 503 "busy"). Then, on the promoted server:
  - every acknowledged write (a 2xx read by its client) is there (the nodes
    run with store.durability=full, the production setting: a commit is
    acknowledged once the synchronous standby has it): credits
    under their keys (a replay answers the same and moves nothing), claims,
    submits; the client's funds grew by at least the acknowledged credits
    and at most those plus the unanswered ones;
  - the ledger sums to zero, `visible journal verify` passes, amcheck finds
    the indexes sound;
  - new writes work on both nodes.
Every process is stopped and every directory removed afterwards, also on
failure. Needs PostgreSQL (skipped on the SQLite run); bounded (timeouts
scale with VIS_SLOW)."""
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import pgtest
from pgtest import BIN, PG, SLOW, Node, amcheck, psql
from vis import OnceClient

# store.durability=full: the sessions commit with synchronous_commit = on, so a commit is acknowledged only
# once the synchronous standby has it. With the default (normal: synchronous_commit = off) a failover loses
# the last acknowledged commits: this test then fails.
ARGS = ("--set", "ratelimit.per_minute=0", "--set", "dispatch.auto=false", "--set", "store.durability=full")
WORKERS = 6
CREDITORS = 2
TASKS = 3000
LOAD_BEFORE_S = 1.5
RECOVER_S = 20  # the nodes must answer writes again within this after the promotion


class Load(pgtest.Load):
    """Writes through both nodes, each recorded as (node, time, outcome):
    'ok' (2xx read), 'refused' (another answer, e.g. 503 while the database
    is away) or 'lost' (no answer). Threads go on whatever the outcome."""

    def __init__(self, nodes, st):
        super().__init__()
        self.nodes, self.st = nodes, st
        self.credits, self.claims, self.submits = [], [], []
        self.threads = [threading.Thread(target=self._credit, args=(i,)) for i in range(CREDITORS)]
        self.threads += [threading.Thread(target=self._worker, args=(i,)) for i in range(WORKERS)]

    def _send(self, c, method, path, body=None, key=None):
        try:
            r = c.request(method, path, body=body, headers={"Idempotency-Key": key} if key else None)
        except Exception:
            return "lost", None
        return ("ok" if 200 <= r.status < 300 else "refused"), r

    def _pause(self, out):
        if out != "ok":
            self.stop.wait(0.05)

    def _credit(self, t):
        node = t % len(self.nodes)
        c = OnceClient(self.nodes[node].port, self.st["admin_token"])
        n = 0
        while not self.stop.is_set():
            n += 1
            key = "fo-%d-%d" % (t, n)
            amount = 1000 + n
            out, r = self._send(c, "POST", "/v1/admin/accounts/%d/credit" % self.st["client_id"],
                                {"amount_micros": amount, "reason": "failover"}, key)
            with self.lock:
                self.credits.append((node, time.time(), key, amount, out, r.status if r else None))
            self._pause(out)

    def _worker(self, w):
        node = w % len(self.nodes)
        c = OnceClient(self.nodes[node].port, self.st["workers"][w])
        n = 0
        while not self.stop.is_set():
            n += 1
            out, r = self._send(c, "POST", "/v1/work/batches/%d/claim" % self.st["batch_id"], key="fc-%d-%d" % (w, n))
            aid = r.json["id"] if out == "ok" else None
            with self.lock:
                self.claims.append((node, time.time(), w, out, aid))
            if aid is None:
                self._pause(out)
                continue
            out, r = self._send(c, "POST", "/v1/assignments/%d/submit" % aid, {"answer": "dog"},
                                key="fs-%d-%d" % (w, n))
            with self.lock:
                self.submits.append((node, time.time(), w, out, aid))
            self._pause(out)


@unittest.skipUnless(PG, pgtest.SKIP_REASON)
@unittest.skipUnless(pgtest.bindir(), "needs PostgreSQL's server binaries here to build a primary and a standby "
                                      "(Debian package postgresql-15)")
class Failover(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="visible-failover-")
        self.rep = None
        self.nodes = []
        self.load = None

    def tearDown(self):
        if self.load:
            self.load.stop.set()
            for t in self.load.threads:
                t.join(60)
        for n in self.nodes:
            n.stop()
        if self.rep:
            self.rep.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def ok(self, r, status=200):
        self.assertEqual(r.status, status, r)
        return r.json

    def setup_state(self, node):
        adm = node.admin()
        j = self.ok(node.client().post("/v1/signup", {"name": "Client", "email": "client@failover.example",
                                                      "password": "correct horse", "role": "client"}), 201)
        cid, cl = j["account"]["id"], node.client(j["token"])
        self.ok(adm.post("/v1/admin/accounts/%d/credit" % cid, {"amount_micros": 10 ** 12, "reason": "setup"}), 201)
        bid = self.ok(cl.post("/v1/batches", {"title": "Failover", "template": "What is in ${url}?",
                                              "answer_type": "single", "labels": ["cat", "dog"],
                                              "reward_micros": 50000, "overlap": 1, "expected_seconds": 10}),
                      201)["id"]
        csv = "url\n" + "".join("img%d.jpg\n" % i for i in range(TASKS))
        self.ok(cl.request("POST", "/v1/batches/%d/tasks" % bid, raw=csv.encode(),
                           headers={"Content-Type": "text/csv"}), 201)
        self.ok(cl.post("/v1/batches/%d/publish" % bid))
        workers = []
        for i in range(WORKERS):
            j = self.ok(self.nodes[i % 2].client().post("/v1/signup", {
                "name": "Worker %d" % i, "email": "w%d@failover.example" % i, "password": "correct horse",
                "role": "worker"}), 201)
            workers.append(j["token"])
        return {"client_id": cid, "batch_id": bid, "workers": workers, "admin_token": node.admin_token}

    def test_primary_lost_under_load_standby_promoted(self):
        self.rep = rep = pgtest.Replicated()
        psql(rep.primary_conninfo(), "CREATE DATABASE visible")
        conninfo = rep.multihost("visible")
        self.nodes.append(Node(conninfo, self.dir, "a", *ARGS))  # migrates the new database
        self.nodes.append(Node(conninfo, self.dir, "b", *ARGS))
        st = self.setup_state(self.nodes[0])
        funds_sql = "SELECT balance FROM ledger_accounts WHERE kind = 'client_funds' AND owner_id = %d" % st["client_id"]
        funds_before = psql(rep.primary_conninfo("visible"), funds_sql)[0][0]
        self.load = load = Load(self.nodes, st)
        load.start()
        time.sleep(LOAD_BEFORE_S * SLOW)
        t_stop = time.time()
        rep.stop_primary_hard()
        rep.promote_standby()
        t_promoted = time.time()
        # the load goes on until each node has acknowledged writes again
        back = {}
        deadline = t_promoted + RECOVER_S * SLOW
        while time.time() < deadline and len(back) < len(self.nodes):
            with load.lock:
                for rec in load.credits + load.claims + load.submits:
                    if rec[1] > t_promoted and rec[0] not in back and \
                            (rec[4] == "ok" if len(rec) == 6 else rec[3] == "ok"):
                        back[rec[0]] = rec[1] - t_promoted
            time.sleep(0.05)
        time.sleep(0.5 * SLOW)
        load.join()
        self.load = None
        self.assertEqual(sorted(back), list(range(len(self.nodes))),
                         "nodes answering writes again after the promotion: %s (node stderr: %s)"
                         % (back, [n.stderr()[-2000:] for n in self.nodes]))
        db = rep.standby_conninfo("visible")  # the promoted server
        self.assertEqual(psql(db, "SELECT pg_is_in_recovery()"), [("f",)])
        # every acknowledged credit is stored under its key; the money moved once
        acked = [c for c in load.credits if c[4] == "ok"]
        unanswered = [c for c in load.credits if c[4] != "ok" and c[5] not in (400, 409, 422)]
        stored = dict(psql(db, "SELECT key, status FROM idempotency WHERE key LIKE 'fo-%'"))
        lost = [c[2] for c in acked if stored.get(c[2]) != 201]
        self.assertEqual(lost, [], "acknowledged credits lost in the failover")
        grew = psql(db, funds_sql)[0][0] - funds_before
        self.assertGreaterEqual(grew, sum(c[3] for c in acked))
        self.assertLessEqual(grew, sum(c[3] for c in acked) + sum(c[3] for c in unanswered))
        for node in self.nodes:  # a replay on either node answers the stored 201 and moves nothing
            for c in acked[-3:]:
                r = node.admin().post("/v1/admin/accounts/%d/credit" % st["client_id"],
                                      {"amount_micros": c[3], "reason": "failover"}, headers={"Idempotency-Key": c[2]})
                self.assertEqual((r.status, r.json and r.json.get("amount_micros")), (201, c[3]), r)
        self.assertEqual(psql(db, funds_sql)[0][0] - funds_before, grew, "a replay paid twice")
        # every acknowledged claim and submit is stored
        states = dict(psql(db, "SELECT id, state FROM mw_assignments WHERE batch_id = %d" % st["batch_id"]))
        lost = [c for c in load.claims if c[3] == "ok" and c[4] not in states]
        self.assertEqual(lost, [], "acknowledged claims lost in the failover")
        lost = [s for s in load.submits if s[3] == "ok" and states.get(s[4]) not in ("submitted", "approved")]
        self.assertEqual(lost, [], "acknowledged submits lost in the failover")
        self.assertGreater(len([s for s in load.submits if s[3] == "ok" and s[1] > t_promoted]), 0)
        over = psql(db, "SELECT task_id FROM mw_assignments WHERE state NOT IN ('returned', 'expired') "
                        "GROUP BY task_id HAVING COUNT(*) > 1")
        self.assertEqual(over, [], "a task (overlap 1) assigned twice")
        # new writes work on both nodes
        for i, node in enumerate(self.nodes):
            self.ok(node.admin().post("/v1/admin/accounts/%d/credit" % st["client_id"],
                                      {"amount_micros": 5, "reason": "after"}, headers={"Idempotency-Key": "after-%d" % i}),
                    201)
            self.ok(node.client().post("/v1/signup", {"name": "After %d" % i, "email": "after%d@failover.example" % i,
                                                      "password": "correct horse", "role": "worker"}), 201)
        # money and the journal on the promoted server
        self.assertEqual(psql(db, "SELECT SUM(balance) FROM ledger_accounts"), [(0,)])
        for node in self.nodes:
            self.assertEqual(node.stop(), 0, node.stderr()[-2000:])
        p = subprocess.run([BIN, "journal", "verify", "--db", conninfo], capture_output=True, text=True,
                           timeout=120 * SLOW)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        amcheck(db)
        if not os.environ.get("VIS_VERBOSE"):
            return
        print("\n  failover: primary stopped %.2f s into the load, promoted after %.2f s; nodes answering again "
              "after %s s; acknowledged %d credits, %d claims, %d submits; %d credits unanswered or refused"
              % (LOAD_BEFORE_S, t_promoted - t_stop, ", ".join("%.2f" % back[k] for k in sorted(back)), len(acked),
                 sum(1 for c in load.claims if c[3] == "ok"), sum(1 for s in load.submits if s[3] == "ok"),
                 len(load.credits) - len(acked)))


if __name__ == "__main__":
    unittest.main()
