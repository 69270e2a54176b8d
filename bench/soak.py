#!/usr/bin/env python3
"""bench/soak — a long run of mixed load against one `visible serve`,
watching the server process's memory and the idempotency table.

Threads send, without pause: admin credits (each with its own
Idempotency-Key, so the idempotency table grows with them), micro-work claim
+ submit (a new batch whenever one runs out), moderation content, delivery
quotes, and reads (/v1/me, earnings, available batches, the observatory);
one thread signs up and logs in now and then. Every --interval seconds the
server's resident memory (VmRSS from /proc/PID/status) is sampled and printed
with the requests done and the idempotency table's rows. At the end: the
growth of RSS after warm-up (the first fifth of the run), its slope, and the
idempotency table against its expiry (`idempotency.ttl_hours`, if this build
has it): the server's test clock is then moved past the expiry and the load
runs on briefly, to show whether rows older than the expiry remain.

Figures only, never a failure for a figure. Default 30 minutes;
`--minutes 1` for a quick run (bench/soak.sh, called by `make bench`).
Loopback only; the server's own temporary directory is removed at the end."""
import argparse
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "api"))
os.environ.setdefault("VISIBLE_BIN", "build/visible")
import vis  # noqa: E402  (after the path is set)

T0 = 1_800_000_000_000


def mem_kib(pid):
    """(VmRSS, RssAnon) in KiB: all resident memory, and the part that is the
    process's own heap and stacks (not the database's mapped -shm file)."""
    got = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(("VmRSS:", "RssAnon:")):
                    got[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return got.get("VmRSS", 0), got.get("RssAnon", 0)


def ttl_setting():
    """idempotency.ttl_hours from `visible config`, or None if this build has no such setting."""
    try:
        out = subprocess.run([vis.BIN, "config"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    for line in out.splitlines():
        if line.strip().startswith("idempotency.ttl_hours"):
            for tok in line.replace("=", " ").split()[1:]:
                try:
                    return float(tok)
                except ValueError:
                    continue
    return None


class Load:
    def __init__(self, srv):
        self.srv = srv
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.done = 0
        self.errors = {}
        adm = srv.admin()
        self.client, self.cl = vis.signup(srv, "client")
        r = adm.post("/v1/admin/accounts/%d/credit" % self.client["id"], {"amount_micros": 10 ** 14, "reason": "soak"})
        assert r.status == 201, r
        r = self.cl.post("/v1/delivery/places", {"name": "Soak kitchen", "lat": 48.8566, "lon": 2.3522})
        assert r.status == 201, r
        self.place = r.json["id"]
        self.batch = self.new_batch()
        self.workers = [vis.signup(srv, "worker")[1].token for _ in range(3)]

    def new_batch(self):
        r = self.cl.post("/v1/batches", {"title": "Soak", "template": "What is in ${url}?", "answer_type": "single",
                                         "labels": ["cat", "dog"], "reward_micros": 50000, "overlap": 1,
                                         "expected_seconds": 10})
        assert r.status == 201, r
        bid = r.json["id"]
        csv = "url\n" + "".join("img%d.jpg\n" % i for i in range(2000))
        r = self.cl.request("POST", "/v1/batches/%d/tasks" % bid, raw=csv.encode(), headers={"Content-Type": "text/csv"})
        assert r.status == 201, r
        r = self.cl.post("/v1/batches/%d/publish" % bid)
        assert r.status == 200, r
        return bid

    def count(self, r):
        with self.lock:
            self.done += 1
            if r.status >= 500 or r.status in (401, 403, 429):
                self.errors[r.status] = self.errors.get(r.status, 0) + 1

    def run_credits(self, t):
        c = self.srv.admin()
        n = 0
        while not self.stop.is_set():
            n += 1
            self.count(c.post("/v1/admin/accounts/%d/credit" % self.client["id"],
                              {"amount_micros": 1000, "reason": "soak"},
                              headers={"Idempotency-Key": "soak-%d-%d-%d" % (t, n, time.monotonic_ns())}))

    def run_worker(self, w):
        c = self.srv.client(self.workers[w])
        n = 0
        while not self.stop.is_set():
            n += 1
            bid = self.batch
            r = c.post("/v1/work/batches/%d/claim" % bid, headers={"Idempotency-Key": "sc-%d-%d" % (w, n)})
            self.count(r)
            if r.status == 409:
                with self.lock:
                    if self.batch == bid:
                        self.batch = self.new_batch()
                continue
            if r.status != 201:
                continue
            self.count(c.post("/v1/assignments/%d/submit" % r.json["id"], {"answer": "cat"},
                              headers={"Idempotency-Key": "ss-%d-%d" % (w, n)}))

    def run_client(self):
        c = self.srv.client(self.cl.token)
        n = 0
        while not self.stop.is_set():
            n += 1
            self.count(c.post("/v1/moderation/content", {"client_ref": "soak-%d" % n, "text": "soak text %d" % n,
                                                          "language": "en"}))
            self.count(c.post("/v1/delivery/quote", {"place_id": self.place, "dropoff_lat": 48.86,
                                                      "dropoff_lon": 2.36}))
            self.count(c.get("/v1/batches"))

    def run_reader(self):
        c = self.srv.client(self.workers[0])
        pub = self.srv.client()
        while not self.stop.is_set():
            for path in ("/v1/me", "/v1/me/earnings", "/v1/work/batches", "/v1/me/balance"):
                self.count(c.get(path))
            self.count(pub.get("/v1/observatory"))

    def run_accounts(self):
        pub = self.srv.client()
        n = 0
        while not self.stop.is_set():
            n += 1
            email = "soak%d-%d@example.org" % (n, time.monotonic_ns())
            self.count(pub.post("/v1/signup", {"name": "Soak %d" % n, "email": email, "password": "correct horse",
                                               "role": "worker"}))
            self.count(pub.post("/v1/login", {"email": email, "password": "correct horse"}))
            self.stop.wait(0.2)

    def start(self):
        targets = [(self.run_credits, (0,)), (self.run_credits, (1,)), (self.run_client, ()),
                   (self.run_reader, ()), (self.run_accounts, ())]
        targets += [(self.run_worker, (w,)) for w in range(len(self.workers))]
        self.threads = [threading.Thread(target=f, args=a, daemon=True) for f, a in targets]
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(60)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0, help="length of the load (default 30)")
    ap.add_argument("--interval", type=float, default=None, help="seconds between samples (default: 60 samples)")
    ap.add_argument("--max-wal-mib", type=float, default=8192,
                    help="stop the load early if the WAL file grows past this (default 8192): protects the disk")
    a = ap.parse_args()
    total = a.minutes * 60
    interval = a.interval or max(2.0, total / 60)
    ttl = ttl_setting()
    srv = vis.Server("--set", "ratelimit.per_minute=0", "--set", "dispatch.auto=false", "--quiet")
    try:
        srv.admin().post("/v1/admin/clock", {"set_ms": T0})
        pid = srv.proc.pid
        load = Load(srv)
        print("soak: %.1f min of mixed load on %s (pid %d), RSS sampled every %.0f s" % (a.minutes, vis.BIN, pid,
                                                                                       interval))
        print("%8s %10s %10s %12s %10s %12s %10s" % ("t (s)", "RSS (MiB)", "anon (MiB)", "requests", "req/s",
                                                     "idem rows", "WAL (MiB)"))
        load.start()
        t0 = time.monotonic()
        samples = []
        last_done, last_t = 0, t0
        while True:
            now = time.monotonic()
            if now - t0 >= total:
                break
            time.sleep(min(interval, total - (now - t0)))
            now = time.monotonic()
            rss, anon = mem_kib(pid)
            rows = srv.sql("SELECT COUNT(*) FROM idempotency")[0][0]
            wal = os.path.getsize(srv.db + "-wal") / 2 ** 20 if os.path.exists(srv.db + "-wal") else 0.0
            done = load.done
            samples.append((now - t0, rss, rows, anon))
            print("%8.0f %10.1f %10.1f %12d %10.0f %12d %10.1f" % (
                now - t0, rss / 1024, anon / 1024, done, (done - last_done) / max(1e-9, now - last_t), rows, wal),
                flush=True)
            last_done, last_t = done, now
            if srv.proc.poll() is not None:
                print("soak: the server exited (%s)" % srv.proc.returncode)
                break
            if wal > a.max_wal_mib:
                print("soak: the WAL passed %.0f MiB: load stopped early to protect the disk (the WAL is not "
                      "being reset under continuous writes)" % a.max_wal_mib)
                total = now - t0
                break
        warm = [s for s in samples if s[0] >= total / 5]
        if len(warm) >= 2:
            mins = (warm[-1][0] - warm[0][0]) / 60
            for name, i in (("RSS", 1), ("anonymous RSS (heap, stacks)", 3)):
                grow = (warm[-1][i] - warm[0][i]) / 1024
                print("%s after warm-up (t=%.0f s): %.1f MiB -> %.1f MiB at the end: %+.1f MiB (%+.2f MiB/min), "
                      "peak %.1f MiB" % (name, warm[0][0], warm[0][i] / 1024, warm[-1][i] / 1024, grow,
                                         grow / mins if mins > 0 else 0, max(s[i] for s in samples) / 1024))
        # the idempotency table against its expiry
        rows = srv.sql("SELECT COUNT(*), MIN(created_ms), MAX(created_ms) FROM idempotency")[0]
        print("idempotency table: %d rows after %d requests" % (rows[0], load.done))
        if ttl is None:
            print("idempotency.ttl_hours: not a setting of this build: rows are never expired")
        else:
            ttl_ms = int(ttl * 3_600_000)
            now_ms = srv.admin().post("/v1/admin/clock", {"advance_ms": ttl_ms + 3_600_000}).json["now_ms"]
            time.sleep(min(10.0, max(3.0, total / 20)))  # the load runs on past the expiry
            old = srv.sql("SELECT COUNT(*) FROM idempotency WHERE created_ms < ?", (now_ms - ttl_ms,))[0][0]
            left = srv.sql("SELECT COUNT(*) FROM idempotency")[0][0]
            print("idempotency.ttl_hours = %g: clock moved past it; %d rows now, %d older than the expiry remain%s"
                  % (ttl, left, old, "" if old == 0 else " (expiry not yet run or not bounded)"))
        load.join()
        sizes = {f[len("visible.db"):] or "main": os.path.getsize(os.path.join(srv.dir, f)) / 2 ** 20
                 for f in sorted(os.listdir(srv.dir)) if f.startswith("visible.db")}
        print("database files (MiB): %s" % ", ".join("%s %.1f" % kv for kv in sizes.items()))
        print("requests answered 401/403/429/5xx: %s" % (load.errors or "none"))
    finally:
        srv.close()


if __name__ == "__main__":
    main()
