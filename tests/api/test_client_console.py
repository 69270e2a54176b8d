"""API tests of what the client console (issue 16, /client) needs: every
bad row of a task upload reported (row, column, message) with nothing
stored; the cost of publishing from the server before it happens; the
template preview served as the worker's sandboxed task frame; results
downloadable (Content-Disposition) as CSV and JSON; what the workers of a
batch earned per hour (worker numbers only); other roles refused."""
import json
import unittest

from vis import Server, fund, signup

T0 = 1_800_000_000_000


class ClientConsole(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server()
        cls.adm = cls.srv.admin()
        cls.adm.post("/v1/admin/clock", {"set_ms": T0})
        cls.acct, cls.cl = signup(cls.srv, "client", name="Requester SARL")
        fund(cls.srv, cls.acct["id"], 1_000_000_000)
        cls.wacct, cls.wk = signup(cls.srv, "worker", name="Secret Worker Name")

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def batch(self, **kw):
        spec = {"title": "Sentiment", "template": "How does ${text} sound?", "answer_type": "single",
                "labels": ["good", "bad"], "reward_micros": 50000, "overlap": 2, "expected_seconds": 10}
        spec.update(kw)
        r = self.cl.post("/v1/batches", spec)
        self.assertEqual(r.status, 201, r)
        return r.json["id"]

    def upload(self, bid, body, ctype="text/csv"):
        return self.cl.request("POST", "/v1/batches/%d/tasks" % bid, raw=body.encode(),
                               headers={"Content-Type": ctype})

    def test_upload_reports_every_bad_row(self):
        bid = self.batch()
        r = self.upload(bid, "text,_gold\nfine,\n,\nok,maybe\nthree,fields,here\nlast,good\n")
        self.assertEqual(r.status, 400, r)
        e = r.json["error"]
        self.assertEqual(e["code"], "invalid_tasks")
        rows = [(x["row"], x["field"]) for x in e["rows"]]
        self.assertEqual(rows, [(3, "text"), (4, "_gold"), (5, None)], e)
        self.assertTrue(all(x["message"] for x in e["rows"]))
        self.assertTrue(e["message"].startswith("row 3:"), e)
        # nothing stored
        self.assertEqual(self.cl.get("/v1/batches/%d" % bid).json["progress"]["tasks"], 0)
        # JSON lines: the same
        r = self.upload(bid, '{"text": "a"}\nnot json\n{"data": {"text": ""}}\n{"text": "b", "_gold": "nope"}\n',
                        "application/x-ndjson")
        self.assertEqual(r.status, 400, r)
        self.assertEqual([(x["row"], x["field"]) for x in r.json["error"]["rows"]],
                         [(2, None), (3, "text"), (4, "_gold")])
        self.assertEqual(self.cl.get("/v1/batches/%d" % bid).json["progress"]["tasks"], 0)
        r = self.upload(bid, "text\nfine\nalso fine\n")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["added"], 2)

    def test_cost_before_publish(self):
        bid = self.batch(reward_micros=60000, overlap=3)
        c = self.cl.get("/v1/batches/%d/cost" % bid)
        self.assertEqual(c.status, 200, c)
        self.assertEqual(c.json["refusal"], "no_tasks")
        self.assertFalse(c.json["publishable"])
        self.assertEqual(self.upload(bid, "text\n" + "".join("t%d\n" % i for i in range(4))).status, 201)
        c = self.cl.get("/v1/batches/%d/cost" % bid).json
        self.assertEqual(c["answers"], 12)
        self.assertEqual(c["rewards_micros"], 12 * 60000)
        self.assertEqual(c["escrow_micros"], c["rewards_micros"] + c["fees_micros"] + c["topups_micros"])
        self.assertEqual(c["hourly_micros"], 60000 * 360)
        self.assertTrue(c["publishable"], c)
        before = self.cl.get("/v1/me/balance").json["available_micros"]
        self.assertEqual(c["available_micros"], before)
        r = self.cl.post("/v1/batches/%d/publish" % bid)
        self.assertEqual(r.status, 200, r)
        after = self.cl.get("/v1/me/balance").json["available_micros"]
        self.assertEqual(before - after, c["escrow_micros"])  # the figure shown is the figure charged
        self.assertEqual(self.cl.get("/v1/batches/%d/cost" % bid).json["refusal"], "batch_not_draft")
        # below the minimum: the server says so before publish refuses it
        low = self.batch(reward_micros=1000, expected_seconds=60)
        self.upload(low, "text\nx\n")
        c = self.cl.get("/v1/batches/%d/cost" % low).json
        self.assertTrue(c["below_minimum"])
        self.assertEqual(c["refusal"], "below_minimum_pay")
        self.assertEqual(c["minimum_reward_micros"], -(-c["minimum_hourly_micros"] * 60 // 3600))

    def test_preview_is_a_sandboxed_frame(self):
        r = self.cl.post("/v1/batches/preview", {"template": "<b>Is</b> ${text} <script>alert(1)</script>?",
                                                 "data": {"text": "<i>x</i> & y"}})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["frame_url"].startswith("/v1/batches/preview/frame"))
        f = self.cl.get(r.json["frame_url"])
        self.assertEqual(f.status, 200)
        self.assertTrue(f.header("Content-Type").startswith("text/html"))
        csp = f.header("Content-Security-Policy")
        self.assertTrue(csp.startswith("sandbox;"), csp)
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("script-src", csp)
        # the template as written, the sample values escaped — as a worker's task is rendered
        self.assertIn("<b>Is</b> &lt;i&gt;x&lt;/i&gt; &amp; y <script>", f.body)
        # one preview per client: another client sees their own, not this one
        _, other = signup(self.srv, "client")
        self.assertNotIn("alert", other.get("/v1/batches/preview/frame").body)
        r = self.cl.post("/v1/batches/preview", {"template": "x", "data": {"a": {"nested": 1}}})
        self.assertEqual(r.status, 400, r)

    def test_results_download_and_pay_per_worker(self):
        bid = self.batch(overlap=1, expected_seconds=10)
        self.assertEqual(self.upload(bid, "text\nsunny\nrainy\n").status, 201)
        self.assertEqual(self.cl.post("/v1/batches/%d/publish" % bid).status, 200)
        ids = []
        for secs in (5, 20):
            a = self.wk.post("/v1/work/batches/%d/claim" % bid).json
            self.adm.post("/v1/admin/clock", {"advance_ms": secs * 1000})
            self.assertEqual(self.wk.post("/v1/assignments/%d/submit" % a["id"], {"answer": "good"}).status, 200)
            ids.append(a["id"])
        for i in ids:
            self.assertEqual(self.cl.post("/v1/answers/%d/approve" % i).status, 200)
        p = self.cl.get("/v1/batches/%d/pay" % bid)
        self.assertEqual(p.status, 200, p)
        self.assertEqual(p.json["workers_paid"], 1)
        w = p.json["workers"][0]
        self.assertEqual(w["worker_id"], self.wacct["id"])
        self.assertEqual(w["approved_answers"], 2)
        self.assertEqual(w["active_ms"], 25000)
        self.assertEqual(w["hourly_micros"], w["paid_micros"] * 3600000 // 25000)
        self.assertEqual(p.json["median_hourly_micros"], w["hourly_micros"])
        self.assertGreaterEqual(w["hourly_micros"], p.json["minimum_hourly_micros"])  # fair pay topped it up
        self.assertNotIn("Secret Worker Name", p.body)
        for fmt, ext in (("csv", "csv"), ("json", "json")):
            r = self.cl.get("/v1/batches/%d/results?format=%s&download=1" % (bid, fmt))
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.header("Content-Disposition"),
                             'attachment; filename="batch-%d-results.%s"' % (bid, ext))
            self.assertNotIn("Secret Worker Name", r.body)
        self.assertIn("Aggregate.label", self.cl.get("/v1/batches/%d/results?format=csv&download=1" % bid).body)
        self.assertEqual(len(json.loads(self.cl.get("/v1/batches/%d/results?download=1" % bid).body)["tasks"]), 2)
        self.assertIsNone(self.cl.get("/v1/batches/%d/results" % bid).header("Content-Disposition"))

    def test_other_roles_refused(self):
        bid = self.batch()
        _, other = signup(self.srv, "client")
        for path in ("/v1/batches/%d/cost" % bid, "/v1/batches/%d/pay" % bid):
            self.assertEqual(self.wk.get(path).status, 403)
            self.assertEqual(other.get(path).status, 404)  # another client's batch does not exist for them
            self.assertEqual(self.adm.get(path).status, 200)  # the operator, for support
        self.assertEqual(self.wk.get("/v1/batches/preview/frame").status, 403)
        self.assertEqual(self.wk.post("/v1/batches/preview", {"template": "x"}).status, 403)


if __name__ == "__main__":
    unittest.main()
