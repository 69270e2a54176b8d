#!/usr/bin/env python3
"""bench/pg — micro-work claim + submit cycles per second over HTTP on
SQLite and on PostgreSQL with 1, 2 and 3 `visible serve` nodes on one
database, beside the PostgreSQL ceiling measured by pgbench running the same
statements; then the journal's append rate (admin credits, each journalled)
from the same nodes.

What it does, in one run:
- makes its own throwaway PostgreSQL cluster (Debian's initdb / pg_ctl, a
  Unix socket in a temporary directory) with fsync ON and
  synchronous_commit on, and runs every node with store.durability=full:
  every figure is of durable commits (SQLite too: synchronous=FULL);
- for each configuration — SQLite, one node; PostgreSQL with 1, 2, 3 nodes,
  each on a fresh database — a client funds and publishes a batch of
  micro-tasks (overlap 1), --workers workers sign up, and each worker loops
  claim + submit (both with an Idempotency-Key, as a real client sends
  them) for --seconds after --warmup seconds, the workers spread
  round-robin over the nodes; then --credit-clients admin loops send keyed
  credits (one ledger transaction, journalled) for --seconds; the journal
  is verified and the ledger checked after each configuration;
- the ceiling: `pgbench -M prepared` with --workers clients on the same
  cluster, each script execution one claim transaction and one submit
  transaction made of the statements the server runs for them (the SQL of
  src/store/sql_microwork.c and sql_core.c as the server sends it, traced
  with log_statement=all): the writers' advisory lock, the idempotency
  lookup and row, the lease sweeps, the batch and worker reads, the
  assignment insert / update, the task and batch counters, the journal's
  last row and the appended row. A claim and a submit pay nothing (pay
  moves at approval), so neither posts to the ledger. The differences, by
  necessity: the journal hash is sha256 computed by PostgreSQL (the server
  computes BLAKE2b itself), bodies are fixed strings, and one transaction
  per request, whereas the server's group committer puts every request
  queued at that moment into one transaction (a savepoint each). pgbench
  runs twice: with --workers clients and durable commits (the ceiling), and
  with one client and synchronous_commit=off — the serial rate of the
  statements themselves, one round trip each: the order of magnitude of
  what any number of nodes can do while one writers' lock serialises them
  (group commit saves flushes and BEGIN/COMMIT round trips, not statements).

Each figure is printed with its ratio to its ceiling: SQLite's own single
node is SQLite's reference; pgbench is PostgreSQL's. Figures only, never a
failure for a figure. The load generator is this Python process (raw
sockets over keep-alive, forked into --procs processes) on the same
machine: on a small machine it takes CPU from the server and PostgreSQL.

Run: python3 bench/pg.py [--seconds 8] [--workers 16] [--nodes 3]
(needs build/visible, or VISIBLE_BIN; Debian's postgresql-15 for the
PostgreSQL part, which is skipped with a note when it is missing)."""
import argparse
import glob
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "api"))
from vis import read_port  # noqa: E402  (after the path is set)
BIN = os.environ.get("VISIBLE_BIN", "build/visible")
if not os.path.isabs(BIN):
    BIN = os.path.join(REPO, BIN)


# ---- a throwaway PostgreSQL cluster, durable ----

def pg_bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: [int(x) for x in re.findall(r"\d+", d)])
    return dirs[-1] if dirs and os.path.exists(os.path.join(dirs[-1], "initdb")) else None


class Cluster:
    """initdb + pg_ctl in a temporary directory, listening only on a Unix
    socket there; fsync and synchronous_commit left on (the defaults)."""

    def __init__(self, bindir, max_connections):
        self.bindir = bindir
        self.dir = tempfile.mkdtemp(prefix="visible-bench-pg.")
        os.chmod(self.dir, 0o755)
        self.owner = None
        if os.getuid() == 0:  # initdb refuses root: the cluster belongs to postgres (or nobody)
            import pwd
            for name in ("postgres", "nobody"):
                try:
                    pw = pwd.getpwnam(name)
                    self.owner = name
                    os.chown(self.dir, pw.pw_uid, pw.pw_gid)
                    break
                except KeyError:
                    continue
        self.run("initdb", "-D", self.dir + "/data", "-A", "trust", "-U", "visible", "-E", "UTF8", "--locale=C")
        self.run("pg_ctl", "-D", self.dir + "/data", "-l", self.dir + "/server.log", "-w", "-t", "60",
                 "-o", "-k %s -c listen_addresses='' -c max_connections=%d" % (self.dir, max_connections), "start")
        self.conninfo = "host=%s user=visible" % self.dir

    def run(self, prog, *args):
        cmd = [os.path.join(self.bindir, prog)] + list(args)
        if self.owner:
            cmd = ["runuser", "-u", self.owner, "--"] + cmd
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError("%s: %s%s" % (prog, out.stdout, out.stderr))
        return out.stdout

    def psql(self, db, sql):
        out = subprocess.run([os.path.join(self.bindir, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                              "-d", "%s dbname=%s" % (self.conninfo, db), "-c", sql], capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError("psql: " + out.stderr)
        return out.stdout.strip()

    def createdb(self, name):
        self.psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        self.psql("postgres", "CREATE DATABASE %s" % name)
        return "%s dbname=%s" % (self.conninfo, name)

    def stop(self):
        try:
            self.run("pg_ctl", "-D", self.dir + "/data", "-m", "fast", "-w", "stop")
        except RuntimeError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- visible serve nodes ----

class Node:
    def __init__(self, db, workdir, threads, durability, tag, token_file):
        self.dir = workdir
        args = [BIN, "serve", "--listen", "127.0.0.1:0", "--db", db, "--threads", str(threads), "--quiet",
                "--set", "admin_token_file=" + token_file,
                "--set", "ratelimit.per_minute=0", "--set", "dispatch.auto=false",
                "--set", "store.durability=" + durability,
                "--set", "auth.pwhash_mem_kib=64", "--set", "auth.pwhash_ops=1",
                "--set", "web_root=" + os.path.join(REPO, "web")]
        self.stderr = open(os.path.join(workdir, "stderr-%s.log" % tag), "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        lines = []
        self.port = read_port(self.proc, lines, 120)
        if self.port is None:
            self.proc.kill()
            raise RuntimeError("visible serve did not start: " + "".join(lines))
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # keep the pipe drained

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


class Conn:
    """One keep-alive HTTP/1.1 connection over a raw socket: the load
    generator's cost per request kept small (http.client's is not)."""

    def __init__(self, port, token):
        self.port = port
        self.auth = ("Authorization: Bearer %s\r\n" % token).encode() if token else b""
        self.sock = None
        self.buf = b""

    def connect(self):
        if self.sock:
            self.sock.close()
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def request(self, method, path, body=b"", key=None, ctype=b"application/json"):
        if self.sock is None:
            self.connect()
        head = b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s" % (method, path, self.auth)
        if key:
            head += b"Idempotency-Key: %s\r\n" % key
        if body:
            head += b"Content-Type: %s\r\n" % ctype
        head += b"Content-Length: %d\r\n\r\n" % len(body)
        try:
            self.sock.sendall(head + body)
            while b"\r\n\r\n" not in self.buf:
                got = self.sock.recv(65536)
                if not got:
                    raise ConnectionError("closed")
                self.buf += got
            h, _, rest = self.buf.partition(b"\r\n\r\n")
            status = int(h[9:12])
            i = h.lower().find(b"content-length:")
            n = int(h[i + 15:h.find(b"\r\n", i) if h.find(b"\r\n", i) > 0 else len(h)]) if i >= 0 else 0
            while len(rest) < n:
                got = self.sock.recv(65536)
                if not got:
                    raise ConnectionError("closed")
                rest += got
            self.buf = rest[n:]
            return status, rest[:n]
        except (OSError, ValueError):
            self.sock.close()
            self.sock = None
            return 0, b""


def jget(ports, token, method, path, body=None, key=None, raw=None, ctype=b"application/json"):
    import json
    c = Conn(ports, token)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    st, out = c.request(method.encode(), path.encode(), data, key.encode() if key else None, ctype)
    c.sock and c.sock.close()
    return st, (json.loads(out) if out[:1] in (b"{", b"[") else None)


def setup(node, admin, workers, tasks, tag):
    """A funded client, a published batch of `tasks` tasks (overlap 1), and
    `workers` worker accounts: (client id, batch id, [(worker id, token)])."""
    p = node.port
    st, acc = jget(p, None, "POST", "/v1/signup", {"name": "Bench client", "email": "client-%s@bench.example" % tag,
                                                   "password": "correct horse", "role": "client"})
    assert st == 201, (st, acc)
    cid, ctok = acc["account"]["id"], acc["token"]
    st, r = jget(p, admin, "POST", "/v1/admin/accounts/%d/credit" % cid, {"amount_micros": 10 ** 14, "reason": "bench"})
    assert st == 201, (st, r)
    st, r = jget(p, ctok, "POST", "/v1/batches", {"title": "Bench", "template": "What is in ${url}?",
                                                  "answer_type": "single", "labels": ["cat", "dog"],
                                                  "reward_micros": 50000, "overlap": 1, "expected_seconds": 10})
    assert st == 201, (st, r)
    bid = r["id"]
    done = 0
    while done < tasks:  # uploads of at most 50,000 rows, well under the body limit
        n = min(50000, tasks - done)
        csv = "url\n" + "".join("img%d.jpg\n" % i for i in range(done, done + n))
        st, r = jget(p, ctok, "POST", "/v1/batches/%d/tasks" % bid, raw=csv.encode(), ctype=b"text/csv")
        assert st == 201, (st, r)
        done += n
    st, r = jget(p, ctok, "POST", "/v1/batches/%d/publish" % bid)
    assert st == 200, (st, r)
    ws = []
    for i in range(workers):
        st, acc = jget(p, None, "POST", "/v1/signup", {"name": "Bench worker %d" % i, "password": "correct horse",
                                                       "email": "w%d-%s@bench.example" % (i, tag), "role": "worker"})
        assert st == 201, (st, acc)
        ws.append((acc["account"]["id"], acc["token"]))
    return cid, bid, ws


# ---- the load: forked processes, each with one thread per loop ----

def _proc_loop(kind, jobs, t_begin, t_measure, t_end, q):
    """jobs: (port, token, arg, tag) per loop. Counts what completes between
    t_measure and t_end (wall clock, time.time(), shared across processes)."""
    counts = {"ok": 0, "err": {}, "ran_out": False}
    lock = threading.Lock()

    def bad(status):
        with lock:
            counts["err"][status] = counts["err"].get(status, 0) + 1

    def worker(port, token, bid, tag):
        c = Conn(port, token)
        claim = b"/v1/work/batches/%d/claim" % bid
        n = 0
        while time.time() < t_begin:
            time.sleep(0.001)
        while True:
            now = time.time()
            if now >= t_end:
                return
            n += 1
            st, body = c.request(b"POST", claim, b"", b"c-%s-%d" % (tag, n))
            if st == 409:
                counts["ran_out"] = True
                return
            if st != 201:
                bad(st)
                continue
            i = body.find(b'"id":')
            aid = int(body[i + 5:body.find(b",", i)])
            st, body = c.request(b"POST", b"/v1/assignments/%d/submit" % aid, b'{"answer":"cat"}', b"s-%s-%d" % (tag, n))
            if st != 200:
                bad(st)
                continue
            if t_measure <= time.time() < t_end:
                with lock:
                    counts["ok"] += 1

    def creditor(port, token, cid, tag):
        c = Conn(port, token)
        path = b"/v1/admin/accounts/%d/credit" % cid
        body = b'{"amount_micros":1000,"reason":"bench"}'
        n = 0
        while time.time() < t_begin:
            time.sleep(0.001)
        while time.time() < t_end:
            n += 1
            st, _ = c.request(b"POST", path, body, b"cr-%s-%d" % (tag, n))
            if st != 201:
                bad(st)
                continue
            if t_measure <= time.time() < t_end:
                with lock:
                    counts["ok"] += 1

    fn = worker if kind == "claim" else creditor
    ts = [threading.Thread(target=fn, args=j) for j in jobs]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    q.put(counts)


def run_load(kind, jobs, procs, warmup, seconds):
    """Runs the loops in `procs` forked processes; returns (per second, errors, ran out)."""
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    t_begin = time.time() + 0.5
    t_measure = t_begin + warmup
    t_end = t_measure + seconds
    parts = [jobs[i::procs] for i in range(procs)]
    ps = [ctx.Process(target=_proc_loop, args=(kind, p, t_begin, t_measure, t_end, q)) for p in parts if p]
    for p in ps:
        p.start()
    got = [q.get() for _ in ps]
    for p in ps:
        p.join()
    ok = sum(g["ok"] for g in got)
    errs = {}
    for g in got:
        for k, v in g["err"].items():
            errs[k] = errs.get(k, 0) + v
    return ok / seconds, errs, any(g["ran_out"] for g in got)


def check_sound(node, admin):
    st, led = jget(node.port, admin, "GET", "/v1/admin/ledger")
    st2, jv = jget(node.port, admin, "GET", "/v1/admin/journal/verify")
    ok_l = st == 200 and led.get("sum_micros") == 0
    ok_j = st2 == 200 and jv.get("ok")
    return "ledger sums to zero: %s; journal verifies: %s%s" % (
        "yes" if ok_l else "NO (%s)" % led, "yes" if ok_j else "NO (%s)" % jv,
        " (%s rows)" % jv.get("rows", "?") if ok_j and "rows" in jv else "")


def run_config(name, dbs, a, workdir):
    """Start len(dbs) nodes (the first migrates the database), set up, run the
    claim + submit load, then the credit load. Returns a dict of figures."""
    nodes = []
    res = {"name": name}
    try:
        tok = os.path.join(workdir, "admin-%s.token" % name)
        for i in range(len(dbs)):  # one after the other: the first migrates the database
            nodes.append(Node(dbs[i], workdir, a.threads, a.durability, "%s-%d" % (name, i), tok))
        with open(tok) as f:
            admin = f.read().strip()
        cid, bid, ws = setup(nodes[0], admin, a.workers, a.tasks, name)
        jobs = [(nodes[i % len(nodes)].port, tok, bid, ("%s-%d" % (name, i)).encode()) for i, (_, tok) in enumerate(ws)]
        rate, errs, ran_out = run_load("claim", jobs, a.procs, a.warmup, a.seconds)
        res.update(cycles=rate, cycle_errs=errs, ran_out=ran_out)
        jobs = [(nodes[i % len(nodes)].port, admin, cid, ("%s-%d" % (name, i)).encode())
                for i in range(a.credit_clients)]
        rate, errs, _ = run_load("credit", jobs, a.procs, a.warmup, a.seconds)
        res.update(credits=rate, credit_errs=errs)
        res["sound"] = check_sound(nodes[0], admin)
    finally:
        for n in nodes:
            n.stop()
    return res


# ---- the pgbench ceiling ----

# One claim and one submit, one transaction each, as the server runs them for
# one request (statements copied from src/store/sql_microwork.c and
# sql_core.c; the order is the server's). :w is this pgbench client's worker.
PGBENCH_SCRIPT = r"""
\set w :w0 + (:client_id % :nw)
\set k random(1, 1000000000000)
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT pg_advisory_xact_lock(7419857);
SAVEPOINT job;
SELECT method, path, status, body, fingerprint, created_ms FROM idempotency WHERE account_id = :w::bigint AND key = 'c' || :k::text;
SELECT id FROM mw_assignments WHERE state = 'leased' AND deadline_ms < :now::bigint ORDER BY deadline_ms LIMIT 500;
SELECT id, auto_approve_ms FROM mw_assignments WHERE state = 'submitted' AND auto_approve_ms <= :now::bigint AND auto_approve_ms >= :lo::bigint AND (auto_approve_ms > :lo::bigint OR id > 0) ORDER BY auto_approve_ms, id LIMIT 500;
SELECT id, client_id, state, answer_type, aggregation, labels, title, template, reward_micros, overlap, lease_ms, lifetime_ms, auto_approve_ms, expected_seconds, control_ratio_ppm, min_skill_ppm, min_control_answers, COALESCE(qualification_batch, -1), confidence_target_ppm, fee_ppm, budget, committed, topup_micros, median_ms, median_n, COALESCE(escrow_account, -1), created_ms, COALESCE(published_ms, -1), COALESCE(expires_ms, -1), description, instructions, submitted_n, reviewed_n FROM mw_batches WHERE id = :batch::bigint;
SELECT answers, control_claims, control_answers, control_correct, rejected, blocked, COALESCE(block_reason, ''), approved_n, approved_ms, approved_paid_micros FROM mw_worker_batch WHERE batch_id = :batch::bigint AND worker_id = :w::bigint;
SELECT id FROM mw_assignments WHERE worker_id = :w::bigint AND batch_id = :batch::bigint AND state = 'leased' LIMIT 1;
SELECT t.id AS tid, t.data FROM mw_tasks t WHERE t.batch_id = :batch::bigint AND t.is_control = 0 AND t.closed = 0 AND t.taken < t.needed AND NOT EXISTS (SELECT 1 FROM mw_assignments a WHERE a.task_id = t.id AND a.worker_id = :w::bigint) ORDER BY t.id LIMIT 1 \gset
INSERT INTO mw_assignments(task_id, batch_id, worker_id, client_id, is_control, state, claimed_ms, deadline_ms) VALUES (:tid::bigint, :batch::bigint, :w::bigint, :client::bigint, 0, 'leased', :now::bigint, :now::bigint + 600000);
SELECT lastval() AS aid \gset
UPDATE mw_tasks SET taken = taken + 1 WHERE id = :tid::bigint;
UPDATE mw_batches SET committed = committed + 1 WHERE id = :batch::bigint;
INSERT INTO mw_worker_batch(batch_id, worker_id, answers, control_claims) VALUES (:batch::bigint, :w::bigint, 1, 0) ON CONFLICT (batch_id, worker_id) DO UPDATE SET answers = mw_worker_batch.answers + 1, control_claims = mw_worker_batch.control_claims + excluded.control_claims;
SELECT id AS jid, hash AS jh FROM journal ORDER BY id DESC LIMIT 1 \gset
INSERT INTO journal(id, at_ms, family, event, actor_id, worker_id, subject, automated, span_kind, span_start_ms, span_end_ms, amount_micros, payload, prev_hash, hash) VALUES ((:jid)::bigint + 1, :now::bigint, 'microwork', 'claimed', :w::bigint, :w::bigint, 'assignment:' || :aid::text, 0, NULL, NULL, NULL, NULL, '{"batch":1,"deadline_ms":1796318099221,"task":1}', :jh::bytea, sha256(:jh::bytea));
INSERT INTO idempotency(account_id, key, method, path, status, body, created_ms, fingerprint) VALUES (:w::bigint, 'pc-' || :aid::text, 'POST', '/v1/work/batches/1/claim', 201, '{"id":1,"batch_id":1,"task_id":1,"state":"leased","claimed_ms":1796317499221,"deadline_ms":1796318099221,"paid_micros":0,"bonus_micros":0,"task":{"id":1,"data":{"url":"img0.jpg"},"question":"What is in img0.jpg?","question_html":"What is in img0.jpg?"},"batch_title":"Bench","answer_type":"single","labels":["cat","dog"],"reward_micros":50000,"lease_seconds":600,"now_ms":1796317499221}', :now::bigint, sha256(:jh::bytea));
RELEASE SAVEPOINT job;
COMMIT;
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT pg_advisory_xact_lock(7419857);
SAVEPOINT job;
SELECT method, path, status, body, fingerprint, created_ms FROM idempotency WHERE account_id = :w::bigint AND key = 's' || :k::text;
SELECT id, task_id, batch_id, worker_id, client_id, is_control, state, claimed_ms, deadline_ms, COALESCE(submitted_ms, -1), COALESCE(duration_ms, -1), COALESCE(answer, ''), COALESCE(answer_key, ''), COALESCE(correct, -1), flagged_fast, COALESCE(auto_approve_ms, -1), COALESCE(reviewed_ms, -1), COALESCE(review_reason, ''), paid_micros, bonus_micros FROM mw_assignments WHERE id = :aid::bigint;
SELECT id, client_id, state, answer_type, aggregation, labels, title, template, reward_micros, overlap, lease_ms, lifetime_ms, auto_approve_ms, expected_seconds, control_ratio_ppm, min_skill_ppm, min_control_answers, COALESCE(qualification_batch, -1), confidence_target_ppm, fee_ppm, budget, committed, topup_micros, median_ms, median_n, COALESCE(escrow_account, -1), created_ms, COALESCE(published_ms, -1), COALESCE(expires_ms, -1), description, instructions, submitted_n, reviewed_n FROM mw_batches WHERE id = :batch::bigint;
UPDATE mw_assignments SET state = 'submitted', submitted_ms = :now::bigint + 300, duration_ms = 300, answer = '"cat"', answer_key = 'cat', correct = NULL, flagged_fast = 0, auto_approve_ms = :now::bigint + 259200000 WHERE id = :aid::bigint;
UPDATE mw_tasks SET done = done + 1 WHERE id = :tid::bigint;
SELECT done, needed FROM mw_tasks WHERE id = :tid::bigint;
UPDATE mw_tasks SET closed = 1 WHERE id = :tid::bigint;
SELECT id AS jid, hash AS jh FROM journal ORDER BY id DESC LIMIT 1 \gset
INSERT INTO journal(id, at_ms, family, event, actor_id, worker_id, subject, automated, span_kind, span_start_ms, span_end_ms, amount_micros, payload, prev_hash, hash) VALUES ((:jid)::bigint + 1, :now::bigint + 300, 'microwork', 'submitted', :w::bigint, :w::bigint, 'assignment:' || :aid::text, 0, 'active', :now::bigint, :now::bigint + 300, NULL, '{"batch":1,"flagged_fast": false,"seconds":0,"task":1}', :jh::bytea, sha256(:jh::bytea));
SELECT 1 FROM mw_tasks WHERE batch_id = :batch::bigint AND is_control = 0 AND closed = 0 LIMIT 1;
UPDATE mw_batches SET submitted_n = submitted_n + 1 WHERE id = :batch::bigint;
INSERT INTO idempotency(account_id, key, method, path, status, body, created_ms, fingerprint) VALUES (:w::bigint, 'ps-' || :aid::text, 'POST', '/v1/assignments/1/submit', 200, '{"id":1,"batch_id":1,"task_id":1,"state":"submitted","claimed_ms":1796317499221,"deadline_ms":1796318099221,"submitted_ms":1796317499528,"seconds":0.307,"answer":"cat","auto_approve_ms":1796576699528,"paid_micros":0,"bonus_micros":0}', :now::bigint, sha256(:jh::bytea));
RELEASE SAVEPOINT job;
COMMIT;
"""


def run_pgbench(cl, a, workdir):
    """The same statements by pgbench on a database set up by the server
    (which is then stopped): cycles per second, or None and why."""
    pgbench = shutil.which("pgbench") or os.path.join(cl.bindir, "pgbench")
    if not os.path.exists(pgbench):
        return None, None, "pgbench not found"
    db = cl.createdb("vb_pgbench")
    tok = os.path.join(workdir, "admin-pgbench.token")
    node = Node(db, workdir, a.threads, a.durability, "pgbench", tok)
    try:
        with open(tok) as f:
            admin = f.read().strip()
        cid, bid, ws = setup(node, admin, a.workers, a.tasks, "pgbench")
    finally:
        node.stop()
    ids = [w for w, _ in ws]
    if ids != list(range(ids[0], ids[0] + len(ids))):
        return None, None, "worker ids not consecutive"
    script = os.path.join(workdir, "cycle.sql")
    with open(script, "w") as f:
        f.write(PGBENCH_SCRIPT)
    os.chmod(workdir, 0o755)
    os.chmod(script, 0o644)
    now = int(time.time() * 1000)
    cmd = [pgbench, "-n", "-M", "prepared", "-c", str(a.workers), "-j", str(min(a.workers, os.cpu_count() or 2)),
           "-T", str(int(round(a.seconds + a.warmup))), "-f", script,
           "-D", "w0=%d" % ids[0], "-D", "nw=%d" % len(ids), "-D", "batch=%d" % bid, "-D", "client=%d" % cid,
           "-D", "now=%d" % now, "-D", "lo=-9223372036854775808", "-d", db]
    got = []
    # --workers clients, durable (every COMMIT waits for its WAL flush, as the
    # server's do); then one client with synchronous_commit=off: the
    # statements' own rate, one after the other, no lock wait, no flush wait
    one = list(cmd)
    one[one.index("-c") + 1] = "1"
    one[one.index("-j") + 1] = "1"
    for c, env in ((cmd, {}), (one, {"PGOPTIONS": "-c synchronous_commit=off"})):
        out = subprocess.run(c, capture_output=True, text=True, env=dict(os.environ, **env))
        m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out.stdout)
        if out.returncode or not m:
            return None, None, "pgbench failed: " + (out.stderr or out.stdout)[-600:]
        failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
        if failed and int(failed.group(1)):
            return None, None, "pgbench: %s failed transactions" % failed.group(1)
        got.append(float(m.group(1)))
    return got[0], got[1], None


# ---- the report ----

def fmt_errs(errs):
    return "" if not errs else "  (errors: %s)" % ", ".join("%s×%d" % (k or "no answer", v) for k, v in sorted(errs.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=8, help="measured seconds per figure (default 8)")
    ap.add_argument("--warmup", type=float, default=2, help="unmeasured seconds before each (default 2)")
    ap.add_argument("--workers", type=int, default=16, help="concurrent claim + submit loops, and pgbench clients (16)")
    ap.add_argument("--credit-clients", type=int, default=6, help="concurrent admin credit loops (default 6)")
    ap.add_argument("--nodes", type=int, default=3, help="PostgreSQL with 1 .. N nodes (default 3)")
    ap.add_argument("--threads", type=int, default=8, help="HTTP threads per node (default 8)")
    ap.add_argument("--procs", type=int, default=2, help="load generator processes (default 2)")
    ap.add_argument("--tasks", type=int, default=0, help="tasks per batch (default: enough for 4,000 cycles/s)")
    ap.add_argument("--durability", default="full", choices=("full", "normal"),
                    help="store.durability of every node (default full: durable commits)")
    ap.add_argument("--no-sqlite", action="store_true", help="skip the SQLite figure")
    a = ap.parse_args()
    if not a.tasks:
        a.tasks = int(4000 * (a.seconds + a.warmup + 1))
    t0 = time.time()
    if not os.path.exists(BIN):
        print("bench/pg: %s not built (make build/visible)" % BIN)
        return
    workdir = tempfile.mkdtemp(prefix="visible-bench-")
    os.chmod(workdir, 0o755)
    print("bench/pg: %d cores; %d claim+submit loops, %d credit loops, %.0f s measured after %.0f s warm-up; "
          "store.durability=%s" % (os.cpu_count() or 0, a.workers, a.credit_clients, a.seconds, a.warmup,
                                   a.durability))
    results = []
    cl = None
    try:
        if not a.no_sqlite:
            results.append(run_config("sqlite", [os.path.join(workdir, "visible.db")], a, workdir))
        bindir = pg_bindir()
        ceiling, nowait, note = None, None, None
        if not bindir:
            print("bench/pg: PostgreSQL binaries not found (Debian package postgresql-15): PostgreSQL skipped")
        else:
            cl = Cluster(bindir, max_connections=100 + a.nodes * (a.threads + 10) + a.workers)
            print("bench/pg: PostgreSQL %s cluster in %s: fsync=%s, synchronous_commit=%s, wal_sync_method=%s" % (
                cl.psql("postgres", "SHOW server_version"), cl.dir, cl.psql("postgres", "SHOW fsync"),
                cl.psql("postgres", "SHOW synchronous_commit"), cl.psql("postgres", "SHOW wal_sync_method")))
            for n in range(1, a.nodes + 1):
                db = cl.createdb("vb_nodes%d" % n)
                results.append(run_config("pg%d" % n, [db] * n, a, workdir))
            ceiling, nowait, note = run_pgbench(cl, a, workdir)
        print()
        print("claim + submit cycles per second over HTTP (%d workers; each cycle 2 requests, 2 journal rows)"
              % a.workers)
        ref = next((r["cycles"] for r in results if r["name"] == "sqlite"), None)
        for r in results:
            if r["name"] == "sqlite":
                label, ratio = "SQLite, 1 node", "1.00 of itself (the SQLite reference)"
            else:
                n = int(r["name"][2:])
                label = "PostgreSQL, %d node%s" % (n, "s" if n > 1 else "")
                ratio = ("%.2f of the pgbench ceiling, %.2f of the serial rate" % (r["cycles"] / ceiling,
                                                                                    r["cycles"] / nowait)
                         if ceiling else "(no ceiling)")
            print("  %-28s %9.0f /s   %s%s%s" % (label, r["cycles"], ratio, fmt_errs(r["cycle_errs"]),
                                                "  (RAN OUT OF TASKS: raise --tasks)" if r["ran_out"] else ""))
        if bindir:
            if ceiling is not None:
                print("  %-28s %9.0f /s   the PostgreSQL ceiling: the same statements, one durable transaction per"
                      " request" % ("pgbench, same statements", ceiling))
                print("  %-28s %9.0f /s   the serial rate: 1 pgbench client, synchronous_commit=off (the"
                      " statements alone, no lock or flush wait)" % ("pgbench, 1 client, no flush", nowait))
            else:
                print("  pgbench: %s" % note)
        print()
        print("journal appends: admin credits (each one ledger transaction, journalled), %d concurrent loops"
              % a.credit_clients)
        for r in results:
            label = "SQLite, 1 node" if r["name"] == "sqlite" else "PostgreSQL, %s node(s)" % r["name"][2:]
            base = ref and next((x["credits"] for x in results if x["name"] == "pg1"), None)
            extra = ""
            if r["name"].startswith("pg") and r["name"] != "pg1" and base:
                extra = "   %.2f of 1 node" % (r["credits"] / base)
            print("  %-28s %9.0f /s%s%s" % (label, r["credits"], extra, fmt_errs(r["credit_errs"])))
        print()
        for r in results:
            print("  after %-6s %s" % (r["name"] + ":", r["sound"]))
        print("bench/pg: %.0f s in all" % (time.time() - t0))
    finally:
        if cl:
            cl.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
