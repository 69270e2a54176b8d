"""Shared pieces of the several-node and failover tests on PostgreSQL
(test_pg_nodes.py, test_pg_failover.py): a `visible serve` node started on
a given connection string with a stderr log of its own, one database made
for several nodes, psql on any connection string, and a primary with a
synchronous standby built from Debian's binaries.

Both tests need PostgreSQL: they skip when VISIBLE_PG is unset (the SQLite
run of the suite), saying so. Every process they start is stopped and every
directory removed by close(), also when a test fails."""
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import vis
from vis import BIN, REPO, Client

PG = vis.PG
SKIP_REASON = ("needs PostgreSQL (VISIBLE_PG unset: this is the SQLite run; tests/run runs the API suite "
               "again on a throwaway PostgreSQL cluster, where this test runs)")
# timeouts scale with VIS_SLOW, and double on the ASan+UBSan build (as test_crash's)
SLOW = float(os.environ.get("VIS_SLOW", "1") or 1) * (2 if "san" in os.path.basename(os.path.dirname(BIN)) else 1)


def bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]) if
                  d.split("/")[-2].isdigit() else 0)
    return dirs[-1] if dirs else None


def owner():
    """The unprivileged user a cluster belongs to when the tests run as root
    (initdb refuses root), as tests/pg-cluster does."""
    if os.getuid() != 0:
        return None
    import pwd
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            pass
    return None


def as_owner(args, **kw):
    o = owner()
    if o:
        args = ["runuser", "-u", o, "--"] + args
    return subprocess.run(args, capture_output=True, text=True, **kw)


def psql(conninfo, query):
    """One statement on any connection string: rows as tuples (ints parsed, NULL as None)."""
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-A", "-t", "-F", "\x1f", "-R", "\x1e",
            "-P", "null=\x02", "-c", query]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if out.returncode:
        raise RuntimeError("psql: " + out.stderr)
    rows = []
    for line in out.stdout.split("\x1e"):
        line = line.strip("\n")
        if line == "":
            continue
        vals = []
        for v in line.split("\x1f"):
            if v == "\x02":
                vals.append(None)
            elif v.lstrip("-").isdigit():
                vals.append(int(v))
            else:
                vals.append(v)
        rows.append(tuple(vals))
    return rows


def new_database(prefix="vt_nodes_"):
    """A fresh database on the VISIBLE_PG cluster, copied from the migrated
    template; returns (name, conninfo)."""
    name = prefix + os.urandom(5).hex()
    vis._psql("postgres", "CREATE DATABASE %s TEMPLATE %s" % (name, vis._pg_template()), fmt=False)
    return name, "%s dbname=%s" % (PG, name)


def drop_database(name):
    try:
        vis._psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name, fmt=False)
    except RuntimeError:
        pass


class Node:
    """One `visible serve` on a connection string, real clock, its stderr in
    a file of its own (the duties' takeover lines are read from it)."""

    def __init__(self, dbarg, dir, name, *extra):
        self.dbarg, self.dir, self.name = dbarg, dir, name
        self.token_path = os.path.join(dir, "admin.token")
        self.stderr_path = os.path.join(dir, name + ".stderr")
        args = [BIN, "serve", "--listen", "127.0.0.1:0", "--db", dbarg, "--threads", "4",
                "--set", "auth.pwhash_mem_kib=64", "--set", "auth.pwhash_ops=1",
                "--set", "admin_token_file=" + self.token_path,
                "--set", "web_root=" + os.path.join(REPO, "web")] + list(extra)
        self.errf = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.errf, text=True)
        out = []
        self.port = vis.read_port(self.proc, out, 30 * SLOW)
        if self.port is None:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("node %s did not start: %s%s" % (name, "".join(out), self.stderr()))
        with open(self.token_path) as f:
            self.admin_token = f.read().strip()

    def stderr(self):
        try:
            with open(self.stderr_path) as f:
                return f.read()
        except OSError:
            return ""

    def leads(self, what="ticker"):
        """Whether this node's last word on the duties is that it runs them."""
        job = '"job":"%s"' % what
        last = None
        for line in self.stderr().splitlines():
            if job in line and "now runs" in line:
                last = True
            elif job in line and "another node runs" in line:
                last = False
        return bool(last)

    def client(self, token=None):
        return Client(self.port, token)

    def admin(self):
        return Client(self.port, self.admin_token)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.errf.close()
        return self.proc.returncode


class Load:
    """Load threads (subclasses fill self.threads in __init__, after calling
    this one), started together and stopped together."""

    def __init__(self):
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = []

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(60 * SLOW)
            if t.is_alive():
                raise AssertionError("a load thread did not stop")


def journal_verify(conninfo):
    """`visible journal verify --db CONNINFO`: (exit status, output)."""
    p = subprocess.run([BIN, "journal", "verify", "--db", conninfo], capture_output=True, text=True,
                       timeout=120 * SLOW)
    return p.returncode, p.stdout + p.stderr


def amcheck(conninfo):
    """amcheck's bt_index_check of every B-tree index of the public schema
    (raises on corruption)."""
    psql(conninfo, "CREATE EXTENSION IF NOT EXISTS amcheck")
    psql(conninfo, "SELECT bt_index_check(c.oid, true) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                         "JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'btree' "
                         "AND c.relnamespace = 'public'::regnamespace")


class Replicated:
    """A primary and a synchronous standby (streaming replication) from
    Debian's binaries, each in its own directory with its own Unix socket
    directory and port; close() stops both and removes everything.

    The standby is named "standby1" in its primary_conninfo and the primary
    lists it in synchronous_standby_names: a commit is acknowledged only once
    the standby has it. No TCP; fsync off (a test: nothing must survive a
    crash of the machine, only of the PostgreSQL processes)."""

    def __init__(self):
        self.bin = bindir()
        if not self.bin or not os.path.exists(os.path.join(self.bin, "pg_basebackup")):
            raise RuntimeError("PostgreSQL server binaries not found (Debian package postgresql-15)")
        self.root = tempfile.mkdtemp(prefix="visible-pgrep-")
        os.chmod(self.root, 0o755)
        self.running = []
        self.pdir, self.sdir = os.path.join(self.root, "p"), os.path.join(self.root, "s")
        for d in (self.pdir, self.sdir):
            os.mkdir(d, 0o755)
            if owner():
                shutil.chown(d, owner())
        base = 20000 + (os.getpid() * 7) % 20000
        self.pport, self.sport = base, base + 1
        try:
            self._run("initdb", "-D", self.pdir + "/data", "-A", "trust", "-U", "visible", "-E", "UTF8",
                      "--locale=C", "--no-sync")
            self._start(self.pdir, self.pport, "-c synchronous_standby_names=standby1")
            self._run("pg_basebackup", "-D", self.sdir + "/data", "-R", "-X", "stream", "-c", "fast",
                      "-d", "host=%s port=%d user=visible" % (self.pdir, self.pport))
            with open(os.path.join(self.sdir, "data", "postgresql.auto.conf"), "a") as f:
                f.write("primary_conninfo = 'host=%s port=%d user=visible application_name=standby1'\n"
                        % (self.pdir, self.pport))
            self._start(self.sdir, self.sport, "")
            deadline = time.time() + 30 * SLOW
            while self.sync_state() != "sync":
                if time.time() > deadline:
                    raise RuntimeError("the standby did not become synchronous: %s" % self.logs())
                time.sleep(0.1)
        except Exception:
            self.close()
            raise

    def _run(self, prog, *args):
        p = as_owner([os.path.join(self.bin, prog)] + list(args), timeout=120 * SLOW)
        if p.returncode:
            raise RuntimeError("%s: %s%s\n%s" % (prog, p.stdout, p.stderr, self.logs()))
        return p

    def _start(self, d, port, opts):
        self._run("pg_ctl", "-D", d + "/data", "-l", d + "/server.log", "-w", "-t", "60", "-o",
                  "-k %s -p %d -c listen_addresses='' -c fsync=off -c full_page_writes=on "
                  "-c max_connections=100 %s" % (d, port, opts), "start")
        self.running.append(d)

    def logs(self):
        out = []
        for d in (self.pdir, self.sdir):
            try:
                with open(os.path.join(d, "server.log")) as f:
                    out.append("-- %s\n%s" % (d, f.read()[-3000:]))
            except OSError:
                pass
        return "\n".join(out)

    def primary_conninfo(self, dbname="postgres"):
        return "host=%s port=%d user=visible dbname=%s" % (self.pdir, self.pport, dbname)

    def standby_conninfo(self, dbname="postgres"):
        return "host=%s port=%d user=visible dbname=%s" % (self.sdir, self.sport, dbname)

    def multihost(self, dbname):
        """What the nodes get: both servers, the writable one chosen."""
        return ("host=%s,%s port=%d,%d user=visible dbname=%s target_session_attrs=read-write connect_timeout=2"
                % (self.pdir, self.sdir, self.pport, self.sport, dbname))

    def sync_state(self):
        rows = psql(self.primary_conninfo(), "SELECT sync_state FROM pg_stat_replication "
                                                   "WHERE application_name = 'standby1'")
        return rows[0][0] if rows else None

    def stop_primary_hard(self):
        self._run("pg_ctl", "-D", self.pdir + "/data", "-m", "immediate", "-w", "stop")
        self.running.remove(self.pdir)

    def promote_standby(self):
        self._run("pg_ctl", "-D", self.sdir + "/data", "-w", "-t", "60", "promote")

    def close(self):
        for d in list(self.running):
            as_owner([os.path.join(self.bin, "pg_ctl"), "-D", d + "/data", "-m", "immediate", "-w", "stop"],
                     timeout=60)
            self.running.remove(d)
        shutil.rmtree(self.root, ignore_errors=True)
