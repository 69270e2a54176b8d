"""Read-only requests see one consistent snapshot (issue 17, item 1).

A client's balance is read with three statements (available funds, escrow,
earnings). While the client's money moves back and forth between funds and
escrow (a batch published, then cancelled, again and again), the sum of
available and escrow must never change: a read that sees the funds before a
transfer and the escrow after it would count the money twice or lose it."""
import threading
import time
import unittest

from vis import Server, fund, signup

EUR = 1_000_000


class Snapshot(unittest.TestCase):
    def test_balance_never_sees_half_a_transfer(self):
        srv = Server("--set", "ratelimit.per_minute=0")
        try:
            acct, cl = signup(srv, "client")
            fund(srv, acct["id"], 100 * EUR)
            stop = threading.Event()
            seen, moves, errors = [], [0], []

            def mover():
                c = srv.client(cl.token)
                while not stop.is_set():
                    r = c.post("/v1/batches", {"title": "t", "template": "What is ${url}?",
                                               "answer_type": "single", "labels": ["a", "b"],
                                               "reward_micros": 200_000, "overlap": 3, "expected_seconds": 10})
                    if r.status != 201:
                        errors.append(r)
                        return
                    bid = r.json["id"]
                    c.request("POST", "/v1/batches/%d/tasks" % bid, raw=b"url\n" + b"".join(
                        b"u%d\n" % i for i in range(20)), headers={"Content-Type": "text/csv"})
                    for step in ("publish", "cancel"):
                        r = c.post("/v1/batches/%d/%s" % (bid, step))
                        if r.status != 200:
                            errors.append(r)
                            return
                    moves[0] += 1

            def reader():
                c = srv.client(cl.token)
                while not stop.is_set():
                    b = c.get("/v1/me/balance").json
                    seen.append(b["available_micros"] + b["escrow_micros"])

            threads = [threading.Thread(target=mover)] + [threading.Thread(target=reader) for _ in range(3)]
            for t in threads:
                t.start()
            deadline = time.time() + 6
            while time.time() < deadline and moves[0] < 150 and not errors:
                time.sleep(0.1)
            stop.set()
            for t in threads:
                t.join()
            self.assertEqual(errors, [])
            self.assertGreater(moves[0], 5)
            self.assertGreater(len(seen), 100)
            wrong = [v for v in seen if v != 100 * EUR]
            self.assertEqual(wrong, [], "%d of %d reads saw a half transfer (%d moves)" % (len(wrong), len(seen), moves[0]))
        finally:
            srv.close()


if __name__ == "__main__":
    unittest.main()
