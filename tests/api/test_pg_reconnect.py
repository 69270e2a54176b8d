"""PostgreSQL connection loss (issue 18, failover): when the server's
sessions are terminated under it, a session found dead before a request's
first statement is reset at no cost to the request; a request whose session
dies under it is answered 503 "busy, try again" (never a 500, never a write
reported done that was lost), and the next request on that thread works."""
import time
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

    def kill_sessions(self, wait=False):
        """Terminate the server's sessions; with wait, until their backends have exited."""
        pids = [r[0] for r in vis._psql("postgres", "SELECT pid FROM pg_stat_activity WHERE datname = '%s' "
                                                    "AND pid <> pg_backend_pid()" % self.srv.pgname)]
        if not pids:
            return 0
        inlist = ",".join(str(p) for p in pids)
        vis._psql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN (%s)" % inlist)
        for _ in range(500 if wait else 0):
            if not vis._psql("postgres", "SELECT pid FROM pg_stat_activity WHERE pid IN (%s)" % inlist):
                break
            time.sleep(0.02)
        return len(pids)

    def until_ok(self, c, method, path, body=None):
        """A request retried on 503 only, at most once per server connection."""
        for _ in range(8):
            r = c.request(method, path, body)
            if r.status != 503:
                return r
        return r

    def warm(self, token):
        for _ in range(20):  # the server threads open their connections
            c = self.srv.client(token)
            self.assertEqual(c.get("/v1/me/balance").status, 200)
            c.conn.close()

    def round(self, acct, token, i):
        c, adm = self.srv.client(token), self.srv.admin()
        r = c.get("/v1/me/balance")
        w = adm.post("/v1/admin/accounts/%d/credit" % acct["id"], {"amount_micros": 1_000, "reason": "t%d" % i})
        c.conn.close()
        adm.conn.close()
        return r, w

    def test_sessions_dead_while_idle_cost_no_request(self):
        acct, cl = signup(self.srv, "client")
        self.warm(cl.token)
        self.assertGreater(self.kill_sessions(wait=True), 0)
        answers = []
        for i in range(20):  # reads and writes, on new connections spread over the threads
            r, w = self.round(acct, cl.token, i)
            answers += [r.status, w.status]
        self.assertEqual(answers, [200, 201] * 20)
        self.assertEqual(self.srv.admin().get("/v1/admin/ledger").json.get("sum_micros"), 0)

    def test_requests_work_again_after_the_sessions_are_terminated(self):
        acct, cl = signup(self.srv, "client")
        token = cl.token
        self.warm(token)
        fund(self.srv, acct["id"], 1_000)
        self.assertGreater(self.kill_sessions(), 0)  # not waiting: some die under a request
        busy, answers, funded = 0, [], 1_000
        for i in range(40):
            r, w = self.round(acct, token, i)
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
        # and only while the backends were exiting: every request of the last half succeeded
        self.assertLessEqual(busy, 8, answers)
        self.assertTrue(all(s in (200, 201) for s in answers[40:]), answers)
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
