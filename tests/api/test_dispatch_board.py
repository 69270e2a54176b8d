"""API tests of what the dispatcher's board (web/dispatch.html) needs from the
server (issue 16): each courier's vehicle on the board, the client's quote
naming its vehicle assumption, and a reassignment back to the pool (no
courier named: the job is open again, journalled with the reason)."""
import json
import unittest

import test_dispatch_api
from test_dispatch_api import MIN, REF, T0, near  # noqa: F401


class Board(test_dispatch_api.Base):
    """The delivery tests' server, clock and helpers (test_dispatch_api.Base)."""

    def courier(self, dlat=-0.005):
        return super().courier(pos=near(dlat, -0.004))

    def job(self, cl, place):
        return self.post_job(cl, place)

    def events(self, name):
        return self.srv.sql("SELECT actor_id, worker_id, automated, payload FROM journal WHERE family = 'dispatch'"
                            " AND event = ? ORDER BY id", [name])

    def test_area_that_crosses_itself_refused(self):
        """A bow-tie (edges 1 and 3 cross), a polygon folding back on an edge
        and one touching itself at a point are refused naming the edges;
        nothing changes. A plain square and a concave L-shape are accepted."""
        put = lambda pts: self.adm.request("PUT", "/v1/admin/dispatch/areas",
                                           body={"areas": [{"name": "A", "points": pts}]})
        la, lo = REF
        before = self.srv.snapshot()
        for pts in ([[la, lo], [la + .01, lo + .01], [la, lo + .01], [la + .01, lo]],        # bow-tie
                    [[la, lo], [la, lo + .02], [la + .01, lo + .02], [la, lo + .01], [la - .01, lo + .01]],
                    [[la, lo], [la + .02, lo], [la + .01, lo + .01], [la + .02, lo + .02], [la + .01, lo + .01],
                     [la, lo + .02]]):
            r = put(pts)
            self.assertEqual(r.status, 400, r)
            self.assertEqual((r.json["error"]["code"], r.json["error"]["field"]), ("invalid_area", "points"), r)
            self.assertIn("crosses itself", r.json["error"]["message"])
        self.assertEqual(self.srv.snapshot(), before)
        self.assertEqual(put([[la, lo], [la + .01, lo], [la + .01, lo + .01], [la, lo + .01]]).status, 200)
        r = put([[la, lo], [la + .02, lo], [la + .02, lo + .01], [la + .01, lo + .01], [la + .01, lo + .02],
                 [la, lo + .02]])
        self.assertEqual(r.status, 200, r)

    def test_board_shows_each_couriers_vehicle(self):
        a, _ = self.courier()
        b, _ = self.courier(0.002)
        r = self.adm.request("PUT", "/v1/admin/dispatch/couriers/%d/vehicle" % b["id"], body={"vehicle": "car"})
        self.assertEqual(r.status, 200, r)
        board = self.adm.get("/v1/admin/dispatch/board").json
        got = {c["courier_id"]: c["vehicle"] for c in board["couriers"]}
        self.assertEqual(got, {a["id"]: "bicycle", b["id"]: "car"})

    def test_quote_names_its_vehicle_assumption(self):
        _, cl, place = self.client()
        r = cl.post("/v1/delivery/quote", {"place_id": place, "dropoff_lat": REF[0] + 0.01, "dropoff_lon": REF[1]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["vehicle_assumption"], "bicycle")

    def test_reassign_back_to_the_pool(self):
        _, cl, place = self.client()
        a, w = self.courier()
        job = self.job(cl, place)
        # an open job is already in the pool
        r = self.adm.post("/v1/admin/dispatch/jobs/%d/reassign" % job["id"], {"reason": "x"})
        self.assertEqual((r.status, r.json["error"]["code"]), (409, "not_reassignable"), r)
        self.assertEqual(self.adm.post("/v1/admin/dispatch/run-epoch").status, 200)
        offers = w.get("/v1/courier/offers").json["offers"]
        self.assertEqual(len(offers), 1)
        # the reason is required; a client may not do it
        r = self.adm.post("/v1/admin/dispatch/jobs/%d/reassign" % job["id"], {})
        self.assertEqual(r.status, 400, r)
        r = cl.post("/v1/admin/dispatch/jobs/%d/reassign" % job["id"], {"reason": "x"})
        self.assertEqual(r.status, 403, r)
        # offered -> back to open, the offer withdrawn
        r = self.adm.post("/v1/admin/dispatch/jobs/%d/reassign" % job["id"], {"reason": "road closed"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["job"]["state"], "open")
        self.assertIsNone(r.json["offer"])
        self.assertEqual(w.get("/v1/courier/offers").json["offers"], [])
        ev = self.events("reassigned")
        self.assertEqual(len(ev), 1)
        self.assertEqual((ev[0][0], ev[0][1], ev[0][2]), (1, a["id"], 0))  # the admin, the courier, human
        pl = json.loads(ev[0][3])
        self.assertEqual((pl["to"], pl["reason"], pl["previous_state"]), ("pool", "road closed", "offered"))
        # accepted -> back to open: the courier's span closed and compensated
        self.assertEqual(self.adm.post("/v1/admin/dispatch/run-epoch").status, 200)
        offers = w.get("/v1/courier/offers").json["offers"]
        self.assertEqual(len(offers), 1)
        self.assertEqual(w.post("/v1/courier/offers/%d/accept" % offers[0]["id"]).status, 200)
        self.assertEqual(self.adm.post("/v1/admin/clock", {"advance_ms": 3 * MIN}).status, 200)
        r = self.adm.post("/v1/admin/dispatch/jobs/%d/reassign" % job["id"], {"reason": "flat tyre"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["job"]["state"], "open")
        self.assertEqual(w.get("/v1/courier/jobs").json["jobs"], [])
        self.assertEqual(len(self.events("reassigned_away")), 1)
        self.assertGreater(w.get("/v1/me/balance").json["earnings_micros"], 0)
        board = self.adm.get("/v1/admin/dispatch/board").json
        self.assertEqual([j["state"] for j in board["jobs"] if j["id"] == job["id"]], ["open"])
        self.assertTrue(self.adm.get("/v1/admin/ledger").json["balanced"])
        self.assertTrue(self.adm.get("/v1/admin/journal/verify").json["ok"])


if __name__ == "__main__":
    unittest.main()
