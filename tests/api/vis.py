"""Helpers for API tests: start the real `visible serve` on a free loopback
port with a fresh database, and talk JSON to it over HTTP/1.1."""
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(REPO, os.environ.get("VISIBLE_BIN", "build/visible"))
if not os.path.isabs(os.environ.get("VISIBLE_BIN", "")):
    BIN = os.path.join(REPO, os.environ.get("VISIBLE_BIN", "build/visible"))
else:
    BIN = os.environ["VISIBLE_BIN"]
SHARED = os.path.join(os.path.dirname(REPO), "shared", "data")
# VISIBLE_PG: a libpq connection string without dbname (e.g. "host=/tmp/pg
# user=visible"): every Server then gets a fresh PostgreSQL database of its
# own instead of a SQLite file (tests/run makes the throwaway cluster).
PG = os.environ.get("VISIBLE_PG", "")


def _psql(dbname, query, fmt=True):
    """Run one query with Debian's psql; rows as tuples (ints parsed, NULL as None)."""
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "%s dbname=%s" % (PG, dbname)]
    if fmt:
        args += ["-A", "-t", "-F", "\x1f", "-R", "\x1e", "-P", "null=\x02"]
    out = subprocess.run(args + ["-c", query], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError("psql: " + out.stderr)
    rows = []
    for line in out.stdout.split("\x1e"):
        if line.strip("\n") == "":
            continue
        vals = []
        for v in line.strip("\n").split("\x1f"):
            if v == "\x02":
                vals.append(None)
            elif v.startswith("\\x") and all(ch in "0123456789abcdef" for ch in v[2:]):
                vals.append(bytes.fromhex(v[2:]))  # bytea, as SQLite's BLOB reads
            elif v.lstrip("-").isdigit():
                vals.append(int(v))
            else:
                vals.append(v)
        rows.append(tuple(vals))
    return rows


def _pg_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


def pg_query(dbname, query, params=()):
    """sqlite3-style '?' parameters, as quoted literals (tests only)."""
    parts = query.split("?")
    if len(parts) - 1 != len(params):
        raise ValueError("parameters do not match")
    q = parts[0] + "".join(_pg_literal(p) + rest for p, rest in zip(params, parts[1:]))
    return _psql(dbname, q)


def pg_name(path):
    """The PostgreSQL database standing for a SQLite file path (PG mode)."""
    import hashlib
    return "vt_" + hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:16]


def db_arg(path):
    """What --db names for the database of this file path: the file, or in PG
    mode its PostgreSQL database."""
    return "%s dbname=%s" % (PG, pg_name(path)) if PG else path


def db_sql(path, query, params=()):
    """Run one statement on the database of this path directly (tests only):
    rows as tuples; a write is committed."""
    if PG:
        return pg_query(pg_name(path), query, params)
    import sqlite3
    con = sqlite3.connect(path, timeout=30)
    try:
        rows = con.execute(query, params).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def db_integrity(path):
    """The engine's own structural check: SQLite's PRAGMA integrity_check; on
    PostgreSQL amcheck's bt_index_check of every B-tree index (with heap
    checks), [("ok",)] when it raises nothing."""
    if not PG:
        return db_sql(path, "PRAGMA integrity_check")
    name = pg_name(path)
    _psql(name, "CREATE EXTENSION IF NOT EXISTS amcheck", fmt=False)
    _psql(name, "SELECT bt_index_check(c.oid, true) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'btree' "
                "AND c.relnamespace = 'public'::regnamespace")
    return [("ok",)]


def read_port(proc, out, timeout):
    """Read `visible serve`'s start-up lines (into out) until its "API:"
    line: the port it listens on, or None if it did not start in time."""
    port = None
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        out.append(line)
        if "listening on http://" in line:
            port = int(line.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
        if line.startswith("API:"):
            break
    return port


_template = None


def _pg_template():
    """A database migrated once by this binary, copied for every Server: a
    copy takes a quarter of the time the migrations take."""
    global _template
    if _template is None:
        import hashlib
        st = os.stat(BIN)
        # this process's own (run.py may run several at once), of this binary
        name = "vt_tmpl_%d_%s" % (os.getpid(), hashlib.sha1(("%s %d %d" % (BIN, st.st_mtime_ns, st.st_size)).encode())
                                  .hexdigest()[:8])
        if not _psql("postgres", "SELECT 1 FROM pg_database WHERE datname = '%s'" % name):
            _psql("postgres", "CREATE DATABASE " + name, fmt=False)
            out = subprocess.run([BIN, "store", "migrate", "--db", "%s dbname=%s" % (PG, name)],
                                 capture_output=True, text=True)
            if out.returncode:
                _psql("postgres", "DROP DATABASE " + name, fmt=False)
                raise RuntimeError("visible store migrate: " + out.stdout + out.stderr)
        _template = name
        import atexit
        atexit.register(lambda: _psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name, fmt=False))
    return _template


class Server:
    """A running `visible serve` with its own temporary directory."""

    def __init__(self, *extra, demo=False, env=None, db=None, conninfo=None):
        # conninfo: serve exactly this --db (a SQLite path or a libpq connection
        # string), whatever VISIBLE_PG says (the caller owns that database)
        # db: serve this database file (and keep its directory on close), e.g. to
        # restart on the same data after a crash; by default a fresh temporary one
        self.keep_dir = db is not None
        self.dir = os.path.dirname(os.path.abspath(db)) if db else tempfile.mkdtemp(prefix="visible-test-")
        self.db = os.path.abspath(db) if db else os.path.join(self.dir, "visible.db")
        dbarg = self.db
        self.pgname = None
        if conninfo:
            dbarg = conninfo
            extra = ("--set", "admin_token_file=" + os.path.join(self.dir, "admin.token")) + tuple(extra)
        elif PG:  # one database per file name, made on first use
            self.pgname = pg_name(self.db)
            if not _psql("postgres", "SELECT 1 FROM pg_database WHERE datname = '%s'" % self.pgname):
                _psql("postgres", "CREATE DATABASE %s TEMPLATE %s" % (self.pgname, _pg_template()), fmt=False)
            dbarg = db_arg(self.db)
            extra = ("--set", "admin_token_file=" + os.path.join(self.dir, "admin.token")) + tuple(extra)
        self.dbarg = dbarg  # what --db names: the file, or the PostgreSQL database
        args = [BIN, "serve", "--listen", "127.0.0.1:0", "--db", dbarg, "--test-clock", "--threads", "4",
                "--set", "auth.pwhash_mem_kib=64", "--set", "auth.pwhash_ops=1",
                "--set", "web_root=" + os.path.join(REPO, "web")]
        if demo:
            args.append("--demo")
        args += list(extra)
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=open(self.stderr_path, "a" if db else "w"),
                                     text=True, env=env)
        self.out = []
        self.port = read_port(self.proc, self.out, 30)
        if self.port is None:
            self.proc.kill()
            raise RuntimeError("server did not start: " + "".join(self.out) + self.stderr())
        self.token_path = os.path.join(self.dir, "admin.token")
        with open(self.token_path) as f:
            self.admin_token = f.read().strip()

    def stderr(self):
        try:
            with open(self.stderr_path) as f:
                return f.read()
        except OSError:
            return ""

    def client(self, token=None):
        return Client(self.port, token)

    def admin(self):
        return Client(self.port, self.admin_token)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def close(self):
        self.stop()
        if self.proc.stdout:
            self.proc.stdout.close()
        if not self.keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            if self.pgname:
                _psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.pgname, fmt=False)

    def sql(self, query, params=()):
        """Read (or, rarely, write) the database directly (tests only)."""
        return db_sql(self.db, query, params)

    # Bookkeeping the server's own background work moves at any moment, not
    # requests: how far the callback collector has read the journal.
    BACKGROUND = ("disp_notify_cursor",)

    def snapshot(self):
        """Every row of every table (but BACKGROUND's): to check that bad input
        changed nothing."""
        if self.pgname:
            tables = [r[0] for r in _psql(self.pgname, "SELECT table_name FROM information_schema.tables "
                                                       "WHERE table_schema = 'public' ORDER BY 1")]
            return {t: _psql(self.pgname, "SELECT * FROM %s ORDER BY 1" % t) for t in tables
                    if t not in self.BACKGROUND}
        import sqlite3
        con = sqlite3.connect(self.db, timeout=10)
        try:
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            return {t: con.execute("SELECT * FROM %s ORDER BY rowid" % t).fetchall() for t in tables
                    if t not in self.BACKGROUND}
        finally:
            con.close()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port, token=None):
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method, path, body=None, headers=None, raw=None, token=None):
        h = {}
        tok = token if token is not None else self.token
        if tok:
            h["Authorization"] = "Bearer " + tok
        data = None
        if raw is not None:
            data = raw
            h["Content-Type"] = "application/json"
        elif body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                return Response(r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)


def fund(srv, client_id, micros):
    """Credit a client's funds (admin), asserting it worked."""
    r = srv.admin().post("/v1/admin/accounts/%d/credit" % client_id, {"amount_micros": micros, "reason": "test"})
    assert r.status == 201, r
    return r


def signup(srv, role="worker", name=None, email=None, password="correct horse"):
    c = srv.client()
    n = signup.counter = getattr(signup, "counter", 0) + 1
    email = email or "%s%d@example.org" % (role, n)
    r = c.post("/v1/signup", {"name": name or "%s %d" % (role, n), "email": email, "password": password,
                              "role": role})
    assert r.status == 201, r
    return r.json["account"], srv.client(r.json["token"])


class OnceClient(Client):
    """A Client that never sends a request twice: a closed connection raises
    instead of retrying, so a test can tell "no answer" from an answer (crash
    and shutdown tests, where a retried write could act twice)."""

    def request(self, method, path, body=None, headers=None, raw=None, token=None):
        h = {}
        tok = token if token is not None else self.token
        if tok:
            h["Authorization"] = "Bearer " + tok
        data = raw
        if raw is None and body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        try:
            self.conn.request(method, path, body=data, headers=h)
            r = self.conn.getresponse()
            return Response(r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
        except Exception:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.conn.timeout)
            raise


# ---- recorded answers for the schema check (tests/api/test_zz_schema.py,
# docs/api.yaml): every exchange of a Client, as (method, path, status,
# content type, body, request content type, request body); bodies only of
# JSON answers. VIS_SCHEMA_RECORD=0 turns it off; VIS_SCHEMA_DUMP=FILE also
# writes them to FILE (JSON lines) at exit.
RECORDED = [] if os.environ.get("VIS_SCHEMA_RECORD", "1") != "0" else None


def _recording(request):
    def wrapped(self, method, path, body=None, headers=None, raw=None, token=None):
        r = request(self, method, path, body=body, headers=headers, raw=raw, token=token)
        if RECORDED is not None and r is not None and len(RECORDED) < 300000:
            ctype = r.header("Content-Type") or ""
            rq_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), None)
            rq = raw if raw is not None else (json.dumps(body) if body is not None else None)
            if isinstance(rq, (bytes, bytearray)):
                rq = rq.decode("utf-8", "replace")
            RECORDED.append((method, path, r.status, ctype, r.body if "json" in ctype else None,
                             rq_type or ("application/json" if rq is not None else None), rq))
        return r
    return wrapped


Client.request = _recording(Client.request)

if RECORDED is not None and os.environ.get("VIS_SCHEMA_DUMP"):
    import atexit

    def _dump():
        with open(os.environ["VIS_SCHEMA_DUMP"], "w") as f:
            for rec in RECORDED:
                f.write(json.dumps(rec) + "\n")
    atexit.register(_dump)


def approve_courier(srv, account_id):
    """Approve a worker account as a courier (onboarding, issue 15): only
    approved couriers can go online."""
    r = srv.admin().post("/v1/admin/dispatch/couriers/%d/approve" % account_id)
    assert r.status == 200, r
    return r.json
