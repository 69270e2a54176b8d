"""The API behind the administrator's console (issue 16): accounts listed
and searched with pagination, worker accounts by courier onboarding state,
and the review queue carrying the decision under review (its system, rule,
figures and time) and whom it is about. Real `visible serve`, test clock."""
import unittest

from vis import Server, fund, signup

T0 = 1_800_000_000_000


def ok(r, status=200):
    assert r.status == status, r
    return r.json


class AdminConsoleApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = Server()
        cls.adm = adm = srv.admin()
        ok(adm.post("/v1/admin/clock", {"set_ms": T0}))
        cls.client, cls.cl = signup(srv, "client", name="Acme Labels", email="acme@example.org")
        cls.w1, cls.wc1 = signup(srv, "worker", name="Zoé Écrivain", email="Zoe@Example.org")
        cls.w2, cls.wc2 = signup(srv, "worker", name="Bob Builder", email="bob@example.org")
        cls.w3, cls.wc3 = signup(srv, "worker", name="Carla Courier", email="carla@example.org")

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def test_accounts_filters_and_pages(self):
        adm = self.adm
        every = ok(adm.get("/v1/admin/accounts"))
        ids = [a["id"] for a in every["accounts"]]
        self.assertEqual(ids, sorted(ids))
        self.assertIsNone(every["next_after"])
        self.assertEqual(len(ids), 5)  # the admin, the client, three workers
        workers = ok(adm.get("/v1/admin/accounts?role=worker"))["accounts"]
        self.assertEqual([a["id"] for a in workers], [self.w1["id"], self.w2["id"], self.w3["id"]])
        # q: name or email, case-insensitive (emails are stored lower-case)
        self.assertEqual([a["id"] for a in ok(adm.get("/v1/admin/accounts?q=BUILDER"))["accounts"]], [self.w2["id"]])
        self.assertEqual([a["id"] for a in ok(adm.get("/v1/admin/accounts?q=ZOE@"))["accounts"]], [self.w1["id"]])
        self.assertEqual(ok(adm.get("/v1/admin/accounts?q=nobody-at-all"))["accounts"], [])
        # a % or _ in q is a character, not a wildcard
        self.assertEqual(ok(adm.get("/v1/admin/accounts?q=%25"))["accounts"], [])
        self.assertEqual(ok(adm.get("/v1/admin/accounts?status=active&role=client"))["accounts"][0]["email"],
                         "acme@example.org")
        self.assertEqual(ok(adm.get("/v1/admin/accounts?status=disabled"))["accounts"], [])
        # pages of 2: every account once, in order, next_after null at the end
        seen, after = [], 0
        for _ in range(5):
            page = ok(adm.get("/v1/admin/accounts?limit=2&after=%d" % after))
            seen += [a["id"] for a in page["accounts"]]
            if page["next_after"] is None:
                break
            self.assertEqual(page["next_after"], page["accounts"][-1]["id"])
            after = page["next_after"]
        self.assertEqual(seen, ids)
        # a full last page says there is nothing after it
        self.assertIsNone(ok(adm.get("/v1/admin/accounts?limit=5"))["next_after"])
        self.assertEqual(ok(adm.get("/v1/admin/accounts?limit=4"))["next_after"], ids[3])
        for bad in ("role=boss", "limit=0", "limit=201", "after=-1", "limit=x"):
            r = adm.get("/v1/admin/accounts?" + bad)
            self.assertEqual(r.status, 400, bad)
        self.assertEqual(self.wc1.get("/v1/admin/accounts").status, 403)
        self.assertEqual(self.cl.get("/v1/admin/accounts").status, 403)

    def test_couriers_by_onboarding_state(self):
        adm = self.adm
        c1 = signup(self.srv, "worker", name="Dina Rider", email="dina@example.org")[0]
        c2 = signup(self.srv, "worker", name="Eli Rider", email="eli@example.org")[0]
        applied = ok(adm.get("/v1/admin/dispatch/couriers?state=applied"))["couriers"]
        self.assertIn(c1["id"], [c["courier_id"] for c in applied])
        self.assertNotIn(self.client["id"], [c["courier_id"] for c in applied])  # clients never deliver
        ok(adm.post("/v1/admin/dispatch/couriers/%d/approve" % c1["id"], {"reason": "papers checked"}))
        ok(adm.post("/v1/admin/dispatch/couriers/%d/suspend" % c2["id"], {"reason": "licence expired"}))
        approved = ok(adm.get("/v1/admin/dispatch/couriers?state=approved"))["couriers"]
        self.assertEqual([(c["courier_id"], c["name"], c["reason"]) for c in approved],
                         [(c1["id"], "Dina Rider", "papers checked")])
        self.assertEqual(approved[0]["since_ms"], T0)
        self.assertEqual(approved[0]["by"], 1)
        suspended = ok(adm.get("/v1/admin/dispatch/couriers?state=suspended"))["couriers"]
        self.assertEqual([(c["courier_id"], c["state"], c["reason"]) for c in suspended],
                         [(c2["id"], "suspended", "licence expired")])
        applied = [c["courier_id"] for c in ok(adm.get("/v1/admin/dispatch/couriers?state=applied"))["couriers"]]
        self.assertNotIn(c1["id"], applied)
        self.assertNotIn(c2["id"], applied)
        everyone = ok(adm.get("/v1/admin/dispatch/couriers"))["couriers"]
        self.assertNotIn("since_ms", [c for c in everyone if c["state"] == "applied"][0])
        # pages
        p1 = ok(adm.get("/v1/admin/dispatch/couriers?limit=2"))
        self.assertEqual(len(p1["couriers"]), 2)
        p2 = ok(adm.get("/v1/admin/dispatch/couriers?limit=2&after=%d" % p1["next_after"]))
        self.assertGreater(p2["couriers"][0]["courier_id"], p1["next_after"])
        self.assertEqual(adm.get("/v1/admin/dispatch/couriers?state=hired").status, 400)
        self.assertEqual(adm.get("/v1/admin/dispatch/couriers?limit=0").status, 400)
        self.assertEqual(self.wc1.get("/v1/admin/dispatch/couriers").status, 403)
        self.assertEqual(self.cl.get("/v1/admin/dispatch/couriers").status, 403)

    def test_disable_and_enable_an_account(self):
        adm = self.adm
        w, wc = signup(self.srv, "worker", name="Fay Paused", email="fay@example.org", password="correct horse")
        self.assertEqual(wc.get("/v1/me").status, 200)  # the token is cached now
        r = ok(adm.post("/v1/admin/accounts/%d/status" % w["id"], {"status": "disabled", "reason": "asked to pause"}))
        self.assertEqual((r["id"], r["status"]), (w["id"], "disabled"))
        # every token refused at once, sign-in refused
        r = wc.get("/v1/me")
        self.assertEqual((r.status, r.json["error"]["code"]), (403, "account_disabled"))
        r = self.srv.client().post("/v1/login", {"email": "fay@example.org", "password": "correct horse"})
        self.assertEqual((r.status, r.json["error"]["code"]), (403, "account_disabled"))
        self.assertEqual([a["id"] for a in ok(adm.get("/v1/admin/accounts?status=disabled"))["accounts"]], [w["id"]])
        self.assertEqual(adm.post("/v1/admin/accounts/%d/status" % w["id"],
                                  {"status": "disabled", "reason": "again"}).status, 409)
        rows = self.srv.sql("SELECT event, actor_id, worker_id, payload FROM journal WHERE subject = ? ORDER BY id",
                            ("account:%d" % w["id"],))
        self.assertEqual(rows[-1][:3], ("account_disabled", 1, w["id"]))
        self.assertIn("asked to pause", rows[-1][3])
        ok(adm.post("/v1/admin/accounts/%d/status" % w["id"], {"status": "active", "reason": "back"}))
        self.assertEqual(ok(wc.get("/v1/me"))["status"], "active")
        self.assertEqual(self.srv.sql("SELECT event FROM journal WHERE subject = ? ORDER BY id DESC LIMIT 1",
                                      ("account:%d" % w["id"],))[0][0], "account_enabled")
        # validation; an admin cannot lock themselves out
        for body in ({"status": "gone", "reason": "x"}, {"status": "disabled"}, {"status": "disabled", "reason": ""}):
            self.assertEqual(adm.post("/v1/admin/accounts/%d/status" % w["id"], body).status, 400, body)
        r = adm.post("/v1/admin/accounts/1/status", {"status": "disabled", "reason": "oops"})
        self.assertEqual((r.status, r.json["error"]["code"]), (409, "cannot_disable_self"))
        self.assertEqual(adm.post("/v1/admin/accounts/99999/status", {"status": "disabled", "reason": "x"}).status, 404)
        self.assertEqual(wc.post("/v1/admin/accounts/%d/status" % w["id"],
                                 {"status": "disabled", "reason": "x"}).status, 403)

    def test_review_queue_carries_the_decision(self):
        adm, wc = self.adm, self.wc3
        fund(self.srv, self.client["id"], 10_000_000)
        bid = ok(self.cl.post("/v1/batches", {
            "title": "Cats", "template": "What is in ${url}?", "answer_type": "single", "labels": ["cat", "dog"],
            "reward_micros": 50000, "overlap": 1, "expected_seconds": 10, "lease_seconds": 60}), 201)["id"]
        ok(self.cl.request("POST", "/v1/batches/%d/tasks" % bid, raw=b"url\na\n",
                           headers={"Content-Type": "text/csv"}), 201)
        ok(self.cl.post("/v1/batches/%d/publish" % bid))
        a = ok(wc.post("/v1/work/batches/%d/claim" % bid), 201)
        ok(adm.post("/v1/admin/clock", {"advance_ms": 61_000}))
        ok(wc.get("/v1/work/assignments"))
        d = [x for x in ok(wc.get("/v1/me/decisions"))["decisions"] if x["event"] == "lease_expired"][0]
        rq = ok(wc.post("/v1/me/decisions/%d/review" % d["id"], {"message": "slow network"}), 201)
        q = ok(adm.get("/v1/admin/reviews?state=open"))
        r = [x for x in q["reviews"] if x["id"] == rq["id"]][0]
        self.assertEqual(r["worker_name"], "Carla Courier")
        dec = r["decision"]
        self.assertEqual(dec["id"], d["id"])
        self.assertEqual((dec["system"], dec["rule"]), (d["system"], d["rule"]))
        self.assertEqual(dec["figures"], d["figures"])
        self.assertEqual(dec["figures"]["lease_ms"], 60_000)
        self.assertEqual(dec["time"], {"kind": "unpaid", "start_ms": a["claimed_ms"], "end_ms": a["deadline_ms"]})
        self.assertEqual(dec["explanation"], d["explanation"])
        self.assertNotIn("concerns", dec)  # "you" is the worker's wording, not the admin's
        # the worker's own list is unchanged (no admin fields)
        mine = ok(wc.get("/v1/me/reviews"))["reviews"][0]
        self.assertNotIn("decision", mine)
        self.assertNotIn("worker_name", mine)
        # decided requests keep the decision in the queue's other views
        ok(adm.post("/v1/admin/reviews/%d/decide" % rq["id"], {"outcome": "upheld", "reasons": "Too slow."}))
        up = [x for x in ok(adm.get("/v1/admin/reviews?state=upheld"))["reviews"] if x["id"] == rq["id"]][0]
        self.assertEqual(up["decision"]["id"], d["id"])


if __name__ == "__main__":
    unittest.main()
