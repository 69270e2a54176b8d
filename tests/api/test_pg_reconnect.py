"""PostgreSQL connection loss (issue 18, failover): when the server's
sessions are terminated under it, a request that meets a dead connection is
answered 503 "busy, try again" (never a 500, never a write reported done that
was lost), the connection is reset, and the next request on that thread
works."""
import unittest

import vis
from vis import PG, Server, fund, signup


@unittest.skipUnless(PG, "needs PostgreSQL: set VISIBLE_PG to a libpq connection string without dbname "
                         "(e.g. VISIBLE_PG='host=/tmp/pg user=visible')")
class Reconnect(unittest.TestCase):
    def setUp(self):
        self.srv = Server(demo=True)

    def tearDown(self):
        self.srv.close()

    def kill_sessions(self):
        rows = vis._psql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE datname = '%s' AND pid <> pg_backend_pid()" % self.srv.pgname)
        return len(rows)

    def until_ok(self, c, method, path, body=None):
        """A request retried on 503 only, at most once per server connection."""
        for _ in range(8):
            r = c.request(method, path, body)
            if r.status != 503:
                return r
        return r

    def test_requests_work_again_after_the_sessions_are_terminated(self):
        acct, cl = signup(self.srv, "client")
        token = cl.token
        for _ in range(20):  # every server thread opens its connection
            c = self.srv.client(token)
            self.assertEqual(c.get("/v1/me/balance").status, 200)
            c.conn.close()
        fund(self.srv, acct["id"], 1_000)
        self.assertGreater(self.kill_sessions(), 0)
        busy, answers, funded = 0, [], 1_000
        for i in range(40):  # reads and writes, on new connections spread over the threads
            c, adm = self.srv.client(token), self.srv.admin()
            r = c.get("/v1/me/balance")
            w = adm.post("/v1/admin/accounts/%d/credit" % acct["id"], {"amount_micros": 1_000, "reason": "t%d" % i})
            c.conn.close()
            adm.conn.close()
            answers += [r.status, w.status]
            if w.status == 201:
                funded += 1_000
            for x in (r, w):
                if x.status == 503:
                    busy += 1
                    self.assertEqual(x.json["error"]["code"], "busy", x)
                    self.assertIn("try again", x.json["error"]["message"])
                else:
                    self.assertIn(x.status, (200, 201), x)
        # at most one 503 per store connection (request threads, the committer),
        # and every request of the last quarter succeeded
        self.assertLessEqual(busy, 8, answers)
        self.assertTrue(all(s in (200, 201) for s in answers[60:]), answers)
        # every acknowledged write is there, and no other
        rows = self.srv.sql("SELECT COALESCE(SUM(p.amount), 0) FROM ledger_postings p JOIN ledger_accounts a "
                            "ON a.id = p.account_id WHERE a.owner_id = ? AND a.kind = 'client_funds'", (acct["id"],))
        self.assertEqual(rows[0][0], funded)
        r = self.until_ok(self.srv.admin(), "GET", "/v1/admin/ledger")
        self.assertEqual(r.json.get("sum_micros"), 0, r)
        # a second loss is survived the same way
        self.kill_sessions()
        r = self.until_ok(self.srv.client(token), "GET", "/v1/me/balance")
        self.assertEqual(r.status, 200, r)


if __name__ == "__main__":
    unittest.main()
