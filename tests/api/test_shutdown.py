"""Shutdown test (issue 13, defect 6 and "keep probing"): SIGTERM under write
load must answer every write it committed, and apply none it refused.

Several threads send admin credits and micro-work claims + submits, each
request with its own Idempotency-Key, each thread on its own connection that
never re-sends (vis.OnceClient). After a random moment (fixed seed) the
server gets SIGTERM and exits; the test then reads the idempotency table,
where a committed keyed write leaves its key and status:
  - a key stored with a 2xx status whose client read no answer (the
    connection closed) is a committed write whose answer was dropped: failure;
  - a key answered 503 shutting_down must not be stored (the write was not
    applied), and the money it asked for did not move;
  - a key answered 2xx is stored (a clean stop keeps what it acknowledged).
CYCLES restarts on the same database, each with about a second of load;
the ledger, journal and integrity are checked at the end."""
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from test_crash import ARGS, SAN, Workload, client_funds, integrity, setup_state
from vis import BIN, Server, db_arg, db_sql

CYCLES = 10
LOAD_S = (0.3, 0.8)
THREADS = (28, 4)  # credit threads, worker threads: many writes in flight at SIGTERM


def sigterm_cycle(db, state, tag, rnd, load_s=LOAD_S, threads=THREADS):
    """One start, load, SIGTERM, exit. Returns (dropped, applied_refused, unstored_acked, counts)."""
    srv = Server(*ARGS, db=db)
    try:
        funds_before = client_funds(srv, state["client_id"])
        load = Workload(srv, state, tag, credit_threads=threads[0], worker_threads=threads[1], signups=False)
        load.start()
        time.sleep(rnd.uniform(*load_s) * (2 if SAN else 1))
        rc = srv.stop(signal.SIGTERM, timeout=120)
        load.join()
    finally:
        srv.close()
    stored = dict(db_sql(db, "SELECT key, status FROM idempotency WHERE key LIKE ? OR key LIKE ? OR key LIKE ?",
                         ("cr-%s-%%" % tag, "cl-%s-%%" % tag, "sb-%s-%%" % tag)))
    funds_after = sum(r[0] for r in db_sql(
        db, "SELECT balance FROM ledger_accounts WHERE kind = 'client_funds' AND owner_id = ?", (state["client_id"],)))
    sent = [(c[0], c[2], c[3]) for c in load.credits] + [(c[1], c[2], c[4]) for c in load.claims] + \
           [(s[1], s[3], s[4]) for s in load.submits]
    dropped = [k for k, out, _ in sent if out == "lost" and 200 <= stored.get(k, 0) < 300]
    applied_refused = [k for k, out, status in sent if status == 503 and k in stored]
    unstored_acked = [k for k, out, _ in sent if out == "ok" and k not in stored]
    acked_credit = sum(c[1] for c in load.credits if c[2] == "ok")
    lost_credit = sum(c[1] for c in load.credits if c[2] == "lost")
    money_ok = acked_credit <= funds_after - funds_before <= acked_credit + lost_credit
    counts = {"exit": rc, "sent": len(sent), "ok": sum(1 for s in sent if s[1] == "ok"),
              "503": sum(1 for s in sent if s[2] == 503), "lost": sum(1 for s in sent if s[1] == "lost"),
              "money_ok": money_ok}
    return dropped, applied_refused, unstored_acked, counts


class Shutdown(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="visible-shutdown-")
        self.db = os.path.join(self.dir, "visible.db")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_sigterm_answers_every_committed_write(self):
        rnd = random.Random(6)
        srv = Server(*ARGS, db=self.db)
        try:
            state = setup_state(srv, workers=4)
        finally:
            srv.close()
        problems = []
        for cycle in range(CYCLES):
            dropped, applied, unstored, counts = sigterm_cycle(self.db, state, "t%d" % cycle, rnd)
            if os.environ.get("VIS_VERBOSE"):
                print("cycle %d: %s dropped=%s" % (cycle, counts, dropped))
            self.assertEqual(counts["exit"], 0, "cycle %d: the server did not exit cleanly on SIGTERM" % cycle)
            self.assertGreater(counts["ok"], 0, counts)
            if dropped:
                problems.append("cycle %d: committed (2xx stored) but never answered: %s" % (cycle, dropped))
            if applied:
                problems.append("cycle %d: answered 503 but applied: %s" % (cycle, applied))
            if unstored:
                problems.append("cycle %d: answered 2xx but not stored after a clean stop: %s" % (cycle, unstored))
            if not counts["money_ok"]:
                problems.append("cycle %d: the client's funds moved by other than the answered credits" % cycle)
        self.assertEqual(problems, [])
        srv = Server(*ARGS, db=self.db)
        try:
            adm = srv.admin()
            self.assertEqual(adm.get("/v1/admin/ledger").json["sum_micros"], 0)
            self.assertTrue(adm.get("/v1/admin/journal/verify").json["ok"])
        finally:
            srv.close()
        p = subprocess.run([BIN, "journal", "verify", "--db", db_arg(self.db)], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(integrity(self.db), [("ok",)])


if __name__ == "__main__":
    unittest.main()
