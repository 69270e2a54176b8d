"""Several nodes on one PostgreSQL database (issue 18, "Several nodes on one
database"): three `visible serve` processes on the same database and the
same admin token file, real clock, 50 simulated micro-workers (claim +
submit, each with an Idempotency-Key) and 10 couriers (online, offers,
accept, picked up, delivered) spread round-robin over the nodes, a client
posting delivery jobs and an admin crediting money through all three.

While the load runs:
  - a token revoked on node A is refused on B and C within a second, and so
    is every token of an account disabled on A;
  - an Idempotency-Key replayed on B and C answers what A answered and moves
    no money a second time;
  - the node leading the background duties (its stderr says so) is killed
    with SIGKILL; its clients move to the other nodes.
Then:
  - the duties resumed on another node within seconds (its stderr line),
    leases abandoned before the kill are swept after it, and epochs run
    after it;
  - no task holds more live assignments than its overlap, no worker holds
    two leases on one batch or two assignments of one task, no job was
    accepted by two couriers;
  - every acknowledged write (2xx read by the client: claims, submits,
    credits, jobs posted, offers accepted, pickups, deliveries) is stored;
  - (before the load) a courier's event stream open on a node that does not
    run the epochs receives the offer the leading node's epoch made;
  - epochs ran on one node at a time (one lead line per period of leadership,
    and no two epochs closer than the epoch period);
  - the ledger sums to zero, `visible journal verify --db CONNINFO` passes on
    the one hash chain all nodes appended to, and amcheck finds the indexes
    sound.
Needs PostgreSQL (skipped on the SQLite run). Bounded: LOAD_S seconds of
load after a few seconds of setup; timeouts scale with VIS_SLOW."""
import collections
import os
import re
import shutil
import tempfile
import threading
import time
import unittest

import pgtest
from pgtest import PG, SLOW, Node, amcheck, psql
from test_delivery_events import Stream
from vis import OnceClient

REF = (48.8566, 2.3522)
WORKERS = 50
COURIERS = 10
TASKS = 8000  # more answers (x overlap) than the load gives in its time: it never runs dry
OVERLAP = 2
KILL_AFTER_S = 4.0      # load before the kill
ABANDON = 3             # workers who claim and never submit (their leases expire after the kill)
ARGS = ("--set", "ratelimit.per_minute=0", "--set", "dispatch.epoch_ms=1000", "--set", "microwork.sweep_ms=200",
        "--set", "dispatch.max_speed_m_per_min=100000")
EPOCH_MS = 1000


def near(dlat=0.0, dlon=0.0):
    return {"lat": REF[0] + dlat, "lon": REF[1] + dlon}


class Load(pgtest.Load):
    """The concurrent clients, each recording every write with its outcome:
    'ok' (a 2xx answer was read), 'refused' (another answer) or 'lost' (no
    answer: the connection failed; the client then moves to the next live
    node)."""

    def __init__(self, nodes, st):
        super().__init__()
        self.nodes, self.st = nodes, st
        self.claims, self.submits, self.credits, self.jobs = [], [], [], []
        self.accepts, self.pickups, self.deliveries, self.errors = [], [], [], []
        self.refused = collections.Counter()  # (path, status, error code): answers other than 2xx
        self.threads = [threading.Thread(target=self._worker, args=(i,)) for i in range(WORKERS)]
        self.threads += [threading.Thread(target=self._courier, args=(i,)) for i in range(COURIERS)]
        self.threads += [threading.Thread(target=self._client), threading.Thread(target=self._credit)]

    def _node(self, i):
        """The i-th node, or the next one still alive."""
        for k in range(len(self.nodes)):
            n = self.nodes[(i + k) % len(self.nodes)]
            if n.proc.poll() is None:
                return n
        raise AssertionError("no node alive")

    def _send(self, state, method, path, body=None, key=None):
        """One request through state['c'] (a OnceClient); on a lost answer the
        next request goes to the next live node."""
        try:
            r = state["c"].request(method, path, body=body, headers={"Idempotency-Key": key} if key else None)
        except Exception:
            state["i"] += 1
            n = self._node(state["i"])
            state["c"] = OnceClient(n.port, state["c"].token)
            state["c"].conn.timeout = 30 * SLOW
            return "lost", None
        if r.status >= 500:
            with self.lock:
                self.errors.append((method, path, r.status, r.body[:200]))
        elif r.status >= 300:
            kind = re.sub(r"/[0-9]+", "/N", path)
            with self.lock:
                self.refused[(kind, r.status, (r.json or {}).get("error", {}).get("code"))] += 1
        return ("ok" if 200 <= r.status < 300 else "refused"), r

    def _client_of(self, i, token):
        n = self._node(i)
        return {"i": i, "c": OnceClient(n.port, token)}

    def _worker(self, w):
        s = self._client_of(w, self.st["workers"][w])
        n = 0
        while not self.stop.is_set():
            n += 1
            key = "cl-%d-%d" % (w, n)
            out, r = self._send(s, "POST", "/v1/work/batches/%d/claim" % self.st["batch_id"], key=key)
            aid = r.json["id"] if out == "ok" else None
            with self.lock:
                self.claims.append((w, key, out, aid))
            if aid is None:
                if r is not None and r.status == 409:
                    return  # no task left for this worker
                continue
            key = "sb-%d-%d" % (w, n)
            out, r = self._send(s, "POST", "/v1/assignments/%d/submit" % aid, {"answer": "cat"}, key)
            with self.lock:
                self.submits.append((w, key, aid, out))

    def _courier(self, k):
        s = self._client_of(k, self.st["couriers"][k])
        wid = self.st["courier_ids"][k]
        while not self.stop.is_set():
            out, r = self._send(s, "GET", "/v1/courier/offers")
            offers = r.json["offers"] if out == "ok" else []
            if not offers:
                self.stop.wait(0.1)
                continue
            o = offers[0]
            out, r = self._send(s, "POST", "/v1/courier/offers/%d/accept" % o["id"])
            with self.lock:
                self.accepts.append((wid, o["id"], [j["id"] for j in o["jobs"]], out))
            if out != "ok":
                continue
            for job in o["jobs"]:
                self._deliver(s, wid, job["id"])

    def _deliver(self, s, wid, job_id):
        out, r = self._send(s, "GET", "/v1/courier/jobs")
        if out != "ok":
            return
        mine = [j for j in r.json["jobs"] if j["id"] == job_id]
        if not mine:
            return
        p, d = mine[0]["place"], mine[0]["dropoff"]
        self._send(s, "POST", "/v1/courier/position", {"lat": p["lat"], "lon": p["lon"]})
        out, r = self._send(s, "POST", "/v1/courier/jobs/%d/picked-up" % job_id)
        with self.lock:
            self.pickups.append((wid, job_id, out, r.status if r else None))
        if out != "ok":
            return
        self._send(s, "POST", "/v1/courier/position", {"lat": d["lat"], "lon": d["lon"]})
        for _ in range(20):  # the real clock: the trip takes at least dispatch.max_speed_m_per_min
            out, r = self._send(s, "POST", "/v1/courier/jobs/%d/delivered" % job_id)
            if not (out == "refused" and r.json and r.json["error"]["code"] == "too_soon_after_pickup"):
                break
            self.stop.wait(0.2)
        with self.lock:
            self.deliveries.append((wid, job_id, out, r.status if r else None))

    def _client(self):
        s = self._client_of(0, self.st["client_token"])
        n = 0
        while not self.stop.is_set():
            n += 1
            s["i"] += 1  # round-robin over the nodes
            s["c"] = OnceClient(self._node(s["i"]).port, s["c"].token)
            key = "job-%d" % n
            body = {"place_id": self.st["place"], "dropoff_lat": REF[0] + 0.004 + 0.0005 * (n % 10),
                    "dropoff_lon": REF[1] + 0.003 - 0.0004 * (n % 7)}
            out, r = self._send(s, "POST", "/v1/delivery/jobs", body, key)
            with self.lock:
                self.jobs.append((key, out, r.json["id"] if out == "ok" else None))
            self.stop.wait(0.25)

    def _credit(self):
        s = self._client_of(1, self.st["admin_token"])
        n = 0
        while not self.stop.is_set():
            n += 1
            s["i"] += 1
            s["c"] = OnceClient(self._node(s["i"]).port, s["c"].token)
            key = "cr-%d" % n
            out, r = self._send(s, "POST", "/v1/admin/accounts/%d/credit" % self.st["client_id"],
                                {"amount_micros": 1000 + n, "reason": "nodes test"}, key)
            with self.lock:
                self.credits.append((key, 1000 + n, out))
            self.stop.wait(0.02)


@unittest.skipUnless(PG, pgtest.SKIP_REASON)
class ThreeNodes(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="visible-nodes-")
        self.dbname, self.conninfo = pgtest.new_database()
        self.nodes = []
        self.load = None

    def tearDown(self):
        if self.load:
            self.load.stop.set()
            for t in self.load.threads:
                t.join(60)
        for n in self.nodes:
            n.stop()
        pgtest.drop_database(self.dbname)
        shutil.rmtree(self.dir, ignore_errors=True)

    def sql(self, q):
        return psql(self.conninfo, q)

    def ok(self, r, status=200):
        self.assertEqual(r.status, status, r)
        return r.json

    def signup(self, node, role, n):
        c = node.client()
        j = self.ok(c.post("/v1/signup", {"name": "%s %d" % (role, n), "email": "%s%d@nodes.example" % (role, n),
                                          "password": "correct horse", "role": role}), 201)
        return j["account"]["id"], j["token"]

    def setup_state(self):
        a, b, c = self.nodes
        adm = a.admin()
        cid, ctok = self.signup(a, "client", 0)
        self.ok(adm.post("/v1/admin/accounts/%d/credit" % cid, {"amount_micros": 10 ** 12, "reason": "setup"}), 201)
        cl = a.client(ctok)
        bid = self.ok(cl.post("/v1/batches", {"title": "Nodes", "template": "What is in ${url}?",
                                              "answer_type": "single", "labels": ["cat", "dog"],
                                              "reward_micros": 50000, "overlap": OVERLAP, "lease_seconds": 10,
                                              "expected_seconds": 10}), 201)["id"]
        csv = "url\n" + "".join("img%d.jpg\n" % i for i in range(TASKS))
        self.ok(cl.request("POST", "/v1/batches/%d/tasks" % bid, raw=csv.encode(),
                           headers={"Content-Type": "text/csv"}), 201)
        self.ok(cl.post("/v1/batches/%d/publish" % bid))
        place = self.ok(cl.post("/v1/delivery/places", dict(name="Kitchen", **near())), 201)["id"]
        self.check_sse_across_nodes(cl, place)
        workers = [self.signup(self.nodes[i % 3], "worker", i) for i in range(WORKERS + ABANDON)]
        couriers = []
        for k in range(COURIERS):
            node = self.nodes[k % 3]
            wid, tok = self.signup(node, "worker", 1000 + k)
            self.ok(node.admin().post("/v1/admin/dispatch/couriers/%d/approve" % wid))
            self.ok(node.client(tok).post("/v1/courier/online", near(-0.002 * (k % 5), 0.002 * (k // 5))))
            couriers.append((wid, tok))
        return {"client_id": cid, "client_token": ctok, "batch_id": bid, "place": place,
                "admin_token": a.admin_token, "workers": [t for _, t in workers[:WORKERS]],
                "abandon": [t for _, t in workers[WORKERS:]],
                "courier_ids": [w for w, _ in couriers], "couriers": [t for _, t in couriers]}

    def check_sse_across_nodes(self, cl, place):
        """A courier's page open on a node that does not run the epochs still gets the offer the epoch made
        (each node re-reads the store for its streams)."""
        deadline = time.time() + 5 * SLOW
        while time.time() < deadline and not any(n.leads("dispatch") for n in self.nodes):
            time.sleep(0.05)
        leader = [n for n in self.nodes if n.leads("dispatch")]
        self.assertEqual(len(leader), 1, "no node runs the epochs")
        other = [n for n in self.nodes if n is not leader[0]][0]
        wid, tok = self.signup(other, "worker", 6000)
        self.ok(other.admin().post("/v1/admin/dispatch/couriers/%d/approve" % wid))
        w = other.client(tok)
        self.ok(w.post("/v1/courier/online", near(-0.001)))
        st = Stream(other, tok, "/v1/courier/events")
        try:
            self.assertIn(" 200", st.status)
            job = self.ok(leader[0].client(cl.token).post("/v1/delivery/jobs", {
                "place_id": place, "dropoff_lat": REF[0] + 0.005, "dropoff_lon": REF[1]}), 201)
            deadline = time.time() + 8 * SLOW
            offers = []
            while not offers and time.time() < deadline:
                ev, d = st.next()
                self.assertEqual(ev, "state")
                offers = d["offers"]
            self.assertEqual([[j["id"] for j in o["jobs"]] for o in offers], [[job["id"]]],
                             "the offer did not reach the courier's stream on another node")
        finally:
            st.close()
        self.ok(w.post("/v1/courier/offers/%d/decline" % offers[0]["id"]))
        self.ok(w.post("/v1/courier/offline"))

    def refused_everywhere(self, token, nodes, within):
        """Seconds until every node in `nodes` refuses `token` (401/403), or None."""
        t0 = time.time()
        left = list(nodes)
        while left and time.time() - t0 < within:
            left = [n for n in left if n.client(token).get("/v1/me").status not in (401, 403)]
            if left:
                time.sleep(0.02)
        return None if left else time.time() - t0

    def check_auth_across_nodes(self):
        a, b, c = self.nodes
        # a token revoked on A: refused on B and C within a second
        wid, tok = self.signup(b, "worker", 5000)
        for n in (b, c):
            self.ok(n.client(tok).get("/v1/me"))  # cached on B and C
        self.ok(a.client(tok).post("/v1/logout"))
        took = self.refused_everywhere(tok, (b, c), 1.0 * SLOW)
        self.assertIsNotNone(took, "a token revoked on node A still works on B or C after 1 s")
        # an account disabled on A: every token of it refused on B and C within a second
        wid, tok = self.signup(c, "worker", 5001)
        for n in (b, c):
            self.ok(n.client(tok).get("/v1/me"))
        self.ok(a.admin().post("/v1/admin/accounts/%d/status" % wid, {"status": "disabled", "reason": "nodes test"}))
        took2 = self.refused_everywhere(tok, (b, c), 1.0 * SLOW)
        self.assertIsNotNone(took2, "an account disabled on node A still works on B or C after 1 s")
        return took, took2

    def check_idempotency_across_nodes(self, st):
        """A credit's key replayed on the other nodes: the same answer, the money moved once."""
        a, b, c = self.nodes
        cid, _ = self.signup(a, "client", 5002)
        body = {"amount_micros": 777000, "reason": "replayed"}
        first = self.ok(a.admin().post("/v1/admin/accounts/%d/credit" % cid, body,
                                       headers={"Idempotency-Key": "replay-1"}), 201)
        for n in (b, c):
            again = self.ok(n.admin().post("/v1/admin/accounts/%d/credit" % cid, body,
                                           headers={"Idempotency-Key": "replay-1"}), 201)
            self.assertEqual(again, first)
        funds = self.sql("SELECT balance FROM ledger_accounts WHERE kind = 'client_funds' AND owner_id = %d" % cid)
        self.assertEqual(funds, [(777000,)], "a credit replayed on other nodes moved money twice")
        # a worker's claim replayed on the other nodes: the same assignment, no second lease
        wid, tok = self.signup(b, "worker", 5003)
        path = "/v1/work/batches/%d/claim" % st["batch_id"]
        first = self.ok(a.client(tok).post(path, headers={"Idempotency-Key": "replay-2"}), 201)
        for n in (b, c):
            again = self.ok(n.client(tok).post(path, headers={"Idempotency-Key": "replay-2"}), 201)
            self.assertEqual(again["id"], first["id"])
        self.assertEqual(self.sql("SELECT COUNT(*) FROM mw_assignments WHERE worker_id = %d" % wid), [(1,)])

    def test_three_nodes_under_load_and_a_kill(self):
        self.nodes.append(Node(self.conninfo, self.dir, "n0", *ARGS))
        for i in (1, 2):
            self.nodes.append(Node(self.conninfo, self.dir, "n%d" % i, *ARGS))
        st = self.setup_state()
        # the node leading the duties (the ticker's lock; the dispatcher's is separate)
        deadline = time.time() + 5 * SLOW
        while time.time() < deadline and sum(n.leads("ticker") for n in self.nodes) != 1:
            time.sleep(0.05)
        leaders = [n for n in self.nodes if n.leads("ticker")]
        self.assertEqual(len(leaders), 1, [n.stderr() for n in self.nodes])
        victim = leaders[0]
        self.assertLessEqual(sum(n.leads("dispatch") for n in self.nodes), 1)
        victim_led_epochs = victim.leads("dispatch")
        # leases abandoned now expire (10 s) after the kill: only a surviving node can sweep them
        abandoned = []
        for i, tok in enumerate(st["abandon"]):
            abandoned.append(self.ok(self.nodes[i % 3].client(tok).post(
                "/v1/work/batches/%d/claim" % st["batch_id"]), 201)["id"])
        self.load = load = Load(self.nodes, st)
        load.start()
        t_load = time.time()
        revoke_s, disable_s = self.check_auth_across_nodes()
        self.check_idempotency_across_nodes(st)
        time.sleep(max(0.0, KILL_AFTER_S * SLOW - (time.time() - t_load)))
        survivors = [n for n in self.nodes if n is not victim]
        # up to the kill the duties stayed where they were: one node at a time
        self.assertEqual([n.leads("ticker") for n in survivors], [False, False])
        self.assertEqual(sum(n.leads("dispatch") for n in self.nodes), 1)
        kill_ms = int(time.time() * 1000)
        t_kill = time.time()
        victim.kill()
        # the duties resume on another node within seconds
        took = {}
        deadline = t_kill + 10 * SLOW
        while time.time() < deadline and len(took) < (2 if victim_led_epochs else 1):
            if "ticker" not in took and any(n.leads("ticker") for n in survivors):
                took["ticker"] = time.time() - t_kill
            if victim_led_epochs and "dispatch" not in took and any(n.leads("dispatch") for n in survivors):
                took["dispatch"] = time.time() - t_kill
            time.sleep(0.02)
        self.assertIn("ticker", took, "no node took over the background duties: %s"
                      % [n.stderr() for n in survivors])
        self.assertLess(took["ticker"], 5 * SLOW)
        if victim_led_epochs:
            self.assertIn("dispatch", took, "no node took over the epochs")
        self.assertEqual(sum(n.leads("ticker") for n in survivors), 1)
        self.assertEqual(sum(n.leads("dispatch") for n in survivors), 1)
        # the abandoned leases are swept by the new leader, after the kill
        deadline = time.time() + 20 * SLOW
        ids = ",".join(str(a) for a in abandoned)
        while time.time() < deadline:
            states = [r[0] for r in self.sql("SELECT state FROM mw_assignments WHERE id IN (%s)" % ids)]
            if states == ["expired"] * len(abandoned):
                break
            time.sleep(0.1)
        self.assertEqual(states, ["expired"] * len(abandoned), "leases not swept after the leader died")
        swept = self.sql("SELECT MIN(at_ms) FROM journal WHERE event = 'lease_expired' AND subject IN (%s)"
                         % ",".join("'assignment:%d'" % a for a in abandoned))
        self.assertGreater(swept[0][0] or 0, kill_ms, "the leases were swept before the kill")
        epochs_after = self.sql("SELECT COUNT(DISTINCT at_ms) FROM journal WHERE event = 'dispatch_decision' "
                                "AND at_ms > %d" % kill_ms)[0][0]
        load.join()
        self.load = None
        for n in survivors:
            self.assertEqual(n.stop(), 0, n.stderr())
        self.check_store(st, load, kill_ms)
        if os.environ.get("VIS_VERBOSE"):
            print("\n  refused (path, status, code): %s" % dict(load.refused))
            print("  three nodes: %d claims, %d submits, %d credits, %d jobs, %d accepted, %d delivered acknowledged; "
                  "%d unanswered (kill); token refused on B and C after %.3f s, disabled account after %.3f s; "
                  "duties taken over after %s; epochs after the kill: %d; swept at %s ms after the kill"
                  % (sum(1 for c in load.claims if c[2] == "ok"), sum(1 for s in load.submits if s[3] == "ok"),
                     sum(1 for c in load.credits if c[2] == "ok"), sum(1 for j in load.jobs if j[1] == "ok"),
                     sum(1 for a in load.accepts if a[3] == "ok"), sum(1 for d in load.deliveries if d[2] == "ok"),
                     sum(1 for x in load.claims + load.credits if x[2] == "lost"), revoke_s, disable_s,
                     ", ".join("%s %.2f s" % kv for kv in took.items()), epochs_after,
                     (swept[0][0] - kill_ms) if swept and swept[0][0] else "?"))

    def check_store(self, st, load, kill_ms):
        self.assertEqual(load.errors, [], "5xx answers under load")
        # no over-assignment, no double lease
        over = self.sql("SELECT t.id, t.needed, COUNT(*) FROM mw_tasks t JOIN mw_assignments a ON a.task_id = t.id "
                        "AND a.state NOT IN ('returned', 'expired') GROUP BY t.id, t.needed "
                        "HAVING COUNT(*) > LEAST(t.needed, %d)" % OVERLAP)
        self.assertEqual(over, [], "tasks assigned beyond their overlap")
        twice = self.sql("SELECT task_id, worker_id FROM mw_assignments GROUP BY task_id, worker_id "
                         "HAVING COUNT(*) > 1")
        self.assertEqual(twice, [], "a worker assigned the same task twice")
        leases = self.sql("SELECT worker_id, batch_id FROM mw_assignments WHERE state = 'leased' "
                          "GROUP BY worker_id, batch_id HAVING COUNT(*) > 1")
        self.assertEqual(leases, [], "two live leases for one worker and batch")
        # no job accepted by two couriers
        two = self.sql("SELECT oj.job_id FROM disp_offer_jobs oj JOIN disp_offers o ON o.id = oj.offer_id "
                       "WHERE o.state = 'accepted' GROUP BY oj.job_id HAVING COUNT(DISTINCT o.courier_id) > 1")
        self.assertEqual(two, [], "a job accepted by two couriers")
        # every acknowledged write is stored
        assigned = dict(self.sql("SELECT id, state FROM mw_assignments WHERE batch_id = %d" % st["batch_id"]))
        lost = [c for c in load.claims if c[2] == "ok" and c[3] not in assigned]
        self.assertEqual(lost, [], "acknowledged claims lost")
        lost = [s for s in load.submits if s[3] == "ok" and assigned.get(s[2]) not in ("submitted", "approved")]
        self.assertEqual(lost, [], "acknowledged submits lost")
        stored = dict(self.sql("SELECT key, status FROM idempotency WHERE key LIKE 'cr-%'"))
        lost = [c for c in load.credits if c[2] == "ok" and stored.get(c[0]) != 201]
        self.assertEqual(lost, [], "acknowledged credits lost")
        jobs = dict(self.sql("SELECT id, state FROM disp_jobs"))
        lost = [j for j in load.jobs if j[1] == "ok" and j[2] not in jobs]
        self.assertEqual(lost, [], "acknowledged jobs lost")
        offers = dict(((o, (c, s)) for o, c, s in self.sql("SELECT id, courier_id, state FROM disp_offers")))
        lost = [a for a in load.accepts if a[3] == "ok" and offers.get(a[1]) != (a[0], "accepted")]
        self.assertEqual(lost, [], "acknowledged acceptances lost")
        couriers = dict(self.sql("SELECT id, courier_id FROM disp_jobs"))
        lost = [p for p in load.pickups if p[2] == "ok" and (jobs.get(p[1]) not in ("picked_up", "delivered")
                                                            or couriers.get(p[1]) != p[0])]
        self.assertEqual(lost, [], "acknowledged pickups lost")
        lost = [d for d in load.deliveries if d[2] == "ok" and (jobs.get(d[1]) != "delivered"
                                                               or couriers.get(d[1]) != d[0])]
        self.assertEqual(lost, [], "acknowledged deliveries lost")
        self.assertGreater(sum(1 for s in load.submits if s[3] == "ok"), 100)
        self.assertGreater(sum(1 for d in load.deliveries if d[2] == "ok"), 0, "no delivery completed: accepts %s pickups %s deliveries %s"
                           % (load.accepts[:5], load.pickups[:5], load.deliveries[:5]))
        # epochs one node at a time: no two epochs closer than the period, but across the kill
        times = [r[0] for r in self.sql("SELECT DISTINCT at_ms FROM journal WHERE event = 'dispatch_decision' "
                                         "ORDER BY 1")]
        close = [(x, y) for x, y in zip(times, times[1:]) if y - x < EPOCH_MS * 0.9 and not x <= kill_ms <= y]
        self.assertEqual(close, [], "two epochs closer than dispatch.epoch_ms: two nodes ran them")
        self.assertGreater(len(times), 3)
        # money and the journal
        self.assertEqual(self.sql("SELECT SUM(balance) FROM ledger_accounts"), [(0,)])
        rc, out = pgtest.journal_verify(self.conninfo)
        self.assertEqual(rc, 0, out)
        amcheck(self.conninfo)


if __name__ == "__main__":
    unittest.main()
