"""PostgreSQL only: a deadlock or serialization failure is retried inside
the server and never reaches the client (issue 18).

Every writer takes the platform's writer lock (an advisory transaction lock)
before anything else, so the server's own transactions cannot deadlock one
another; an outside session can still make one: it locks an account's row,
the server's transaction (holding the writer lock) waits for that row, and
the outside session then asks for the writer lock. PostgreSQL breaks the
cycle by aborting the server's transaction (its deadlock check runs first:
the outside session waits 10 s before checking). The committer must run the
group again — the request is answered 200, the change made once."""
import subprocess
import threading
import time
import unittest

import vis
from vis import Server, signup

WRITER_LOCK = 7419857  # src/store/store_pg.c


@unittest.skipUnless(vis.PG, "PostgreSQL only (set VISIBLE_PG): SQLite has one writer and no deadlocks")
class Retry(unittest.TestCase):
    def test_deadlock_is_retried_not_answered(self):
        srv = Server()
        try:
            adm = srv.admin()
            acct, _ = signup(srv, "worker")
            psql = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", srv.dbarg],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
            psql.stdin.write("SET deadlock_timeout = '10s';\nBEGIN;\n"
                             "SELECT id FROM accounts WHERE id = %d FOR UPDATE;\n" % acct["id"])
            psql.stdin.flush()
            time.sleep(0.5)  # the row is locked
            out = {}

            def disable():
                out["r"] = adm.post("/v1/admin/accounts/%d/status" % acct["id"],
                                    {"status": "disabled", "reason": "deadlock test"})
            t = threading.Thread(target=disable)
            t.start()
            time.sleep(0.5)  # the server holds the writer lock and waits for the row
            psql.stdin.write("SELECT pg_advisory_xact_lock(%d);\nCOMMIT;\n" % WRITER_LOCK)
            psql.stdin.close()
            self.assertEqual(psql.wait(timeout=30), 0, psql.stderr.read())
            t.join(timeout=30)
            self.assertEqual(out["r"].status, 200, out["r"])
            self.assertEqual(out["r"].json["status"], "disabled")
            self.assertIn("deadlock", srv.stderr())  # it happened, and was retried
            self.assertIn("runs again", srv.stderr())
            rows = srv.sql("SELECT COUNT(*) FROM journal WHERE event = 'account_disabled'")
            self.assertEqual(rows[0][0], 1)  # made once, though run twice
            st = srv.sql("SELECT status FROM accounts WHERE id = ?", (acct["id"],))
            self.assertEqual(st[0][0], "disabled")
        finally:
            srv.close()


if __name__ == "__main__":
    unittest.main()
