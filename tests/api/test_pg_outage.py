"""PostgreSQL down, then back (issue 18): while the database server is
stopped, every request is answered 503 "busy, try again" — never a 500,
never the store's own words — and /health says 503 so that a load balancer
takes the node out; once the server is back, the same node answers again
without a restart, and nothing acknowledged was lost. The cluster is this
test's own (tests/pg-cluster), as it is stopped and started."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import pgtest
from pgtest import PG, SKIP_REASON, SLOW, Node
from vis import REPO

CLUSTER = os.path.join(REPO, "tests", "pg-cluster")


@unittest.skipUnless(PG, SKIP_REASON)
class Outage(unittest.TestCase):
    def setUp(self):
        out = subprocess.run(["sh", CLUSTER, "start"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.cluster, self.conninfo = out.stdout.split("\n")[:2]
        pgtest.psql(self.conninfo + " dbname=postgres", "CREATE DATABASE visible")
        self.dir = tempfile.mkdtemp(prefix="visible-outage-")
        self.node = None

    def tearDown(self):
        if self.node:
            self.node.stop()
        subprocess.run(["sh", CLUSTER, "stop", self.cluster], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def pg_ctl(self, *args):
        out = pgtest.as_owner([os.path.join(pgtest.bindir(), "pg_ctl"), "-D", os.path.join(self.cluster, "data"),
                               "-l", os.path.join(self.cluster, "server.log")] + list(args))
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def round(self, token, cid, i):
        r = self.node.client(token).get("/v1/me/balance")
        w = self.node.admin().post("/v1/admin/accounts/%d/credit" % cid, {"amount_micros": 1000, "reason": "o%d" % i})
        return r, w

    def test_down_answers_503_busy_then_back_without_a_restart(self):
        self.node = node = Node(self.conninfo + " dbname=visible", self.dir, "a")
        j = node.client().post("/v1/signup", {"name": "Client", "email": "client@outage.example",
                                              "password": "correct horse", "role": "client"})
        self.assertEqual(j.status, 201, j)
        token, cid = j.json["token"], j.json["account"]["id"]
        acked = 0
        for i in range(8):  # some of the node's threads hold connections, some never opened one
            r, w = self.round(token, cid, i)
            self.assertEqual((r.status, w.status), (200, 201))
            acked += 1000
        self.pg_ctl("-m", "fast", "-w", "stop")
        for i in range(12):
            for x in self.round(token, cid, 100 + i) + (node.client().get("/health"),):
                self.assertEqual(x.status, 503, x)
                self.assertEqual(x.json["error"]["code"], "busy", x)
                self.assertIn("try again", x.json["error"]["message"])
                self.assertNotIn("PostgreSQL", x.json["error"]["message"])
                self.assertNotIn("socket", x.json["error"]["message"])
        self.pg_ctl("-w", "-o", "-k %s -c listen_addresses='' -c fsync=off" % self.cluster, "start")
        deadline = time.time() + 10 * SLOW
        while time.time() < deadline and node.client().get("/health").status != 200:
            time.sleep(0.1)
        answers = []
        for i in range(12):
            r, w = self.round(token, cid, 200 + i)
            answers += [r.status, w.status]
            acked += 1000 if w.status == 201 else 0
        self.assertEqual(answers, [200, 201] * 12, node.stderr()[-2000:])
        self.assertEqual(node.client(token).get("/v1/me/balance").json["available_micros"], acked)
        self.assertEqual(node.admin().get("/v1/admin/ledger").json["sum_micros"], 0)
        self.assertNotIn('"status":500', node.stderr())


if __name__ == "__main__":
    unittest.main()
