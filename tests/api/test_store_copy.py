"""`visible store migrate` and `visible store copy` (issue 18): a whole
platform moved from SQLite to PostgreSQL and back, exactly, with its journal
verifying, every balance the same and new rows getting fresh ids."""
import os
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

import vis
from test_microwork import make_batch, upload_csv
from vis import BIN, PG, Server, fund, signup

NO_PG = ("needs PostgreSQL: set VISIBLE_PG to a libpq connection string without dbname "
         "(e.g. VISIBLE_PG='host=/tmp/pg user=visible')")


def visible(*args):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=300)


def sqlite_tables(path):
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        # every value with its type (int, str, bytes, None): sorted, as row order is not data
        return {t: sorted(con.execute('SELECT * FROM "%s"' % t).fetchall(), key=repr) for t in names}
    finally:
        con.close()


class StoreMigrate(unittest.TestCase):
    def test_migrate_a_new_sqlite_file_twice(self):
        d = tempfile.mkdtemp(prefix="visible-migrate-")
        try:
            path = os.path.join(d, "new.db")
            out = visible("store", "migrate", "--db", path)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertRegex(out.stdout, r"^schema version \d+\n$")
            again = visible("store", "migrate", "--db", path)
            self.assertEqual((again.returncode, again.stdout), (0, out.stdout))
            con = sqlite3.connect(path)
            n = con.execute("SELECT COUNT(*), MAX(version) FROM schema_migrations").fetchone()
            con.close()
            self.assertEqual("schema version %d\n" % n[1], out.stdout)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_usage(self):
        self.assertEqual(visible("store", "--help").returncode, 0)
        self.assertIn("visible store copy --from", visible("store", "--help").stdout)
        self.assertEqual(visible("store", "migrate").returncode, 2)
        self.assertEqual(visible("store", "copy", "--from", "x.db").returncode, 2)
        self.assertEqual(visible("store", "nope").returncode, 2)


@unittest.skipUnless(PG, NO_PG)
class StoreCopy(unittest.TestCase):
    """A demo platform with money work on SQLite, copied to PostgreSQL, then
    from there to a new SQLite file."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="visible-copy-")
        cls.src = os.path.join(cls.dir, "source.db")
        cls.final = os.path.join(cls.dir, "final.db")
        cls.pgname = "vt_copy_%d" % os.getpid()
        vis._psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % cls.pgname, fmt=False)
        vis._psql("postgres", "CREATE DATABASE %s" % cls.pgname, fmt=False)
        cls.pg = "%s dbname=%s" % (PG, cls.pgname)
        srv = Server(demo=True, conninfo=cls.src)
        try:
            cls.people = cls.money_work(srv)
            cls.balances = {name: c.get("/v1/me/balance").json for name, c in cls.people.items()}
            cls.ledger = srv.admin().get("/v1/admin/ledger").json
            # the admin's token moves with the platform: a server on a copy uses it
            shutil.copy(srv.token_path, os.path.join(cls.dir, "admin.token"))
        finally:
            srv.close()
        cls.add_odd_values()
        cls.copy1 = visible("store", "copy", "--from", cls.src, "--to", cls.pg)
        cls.copy2 = visible("store", "copy", "--from", cls.pg, "--to", cls.final)

    @classmethod
    def tearDownClass(cls):
        vis._psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % cls.pgname, fmt=False)
        shutil.rmtree(cls.dir, ignore_errors=True)

    ODD = [(1, 0.1, b"", "", 9223372036854775807), (2, 1 / 3, b"\x00\x01\xff", "Zoë \"'; --", -9223372036854775808),
           (3, 5e-324, None, None, None), (4, -2.5e300, b"\x00" * 300, "\u4e2d\u6587", 0),
           (5, None, b"x", "x", -1), (6, 1e-300, None, "", 1)]

    @classmethod
    def add_odd_values(cls):
        """A table of exact-copy edge cases (REAL, empty and binary blobs,
        NULLs, extreme integers, a column named by a reserved word), made
        empty in both targets beforehand: the copy carries any table both
        sides have."""
        ddl = 'CREATE TABLE x_odd(id INTEGER PRIMARY KEY, r REAL, b BLOB, t TEXT, "order" INTEGER) STRICT'
        for path in (cls.src, cls.final):
            con = sqlite3.connect(path)
            con.execute(ddl)
            if path == cls.src:
                con.executemany("INSERT INTO x_odd VALUES (?, ?, ?, ?, ?)", cls.ODD)
            con.commit()
            con.close()
        vis._psql(cls.pgname, 'CREATE TABLE x_odd(id BIGINT PRIMARY KEY, r DOUBLE PRECISION, b BYTEA, t TEXT, '
                              '"order" BIGINT)', fmt=False)

    @staticmethod
    def money_work(srv):
        """A client funded, a batch published, two workers paid: escrow,
        earnings, fees, idempotency keys, journal rows, blobs (token hashes)."""
        adm = srv.admin()
        adm.post("/v1/admin/clock", {"set_ms": 1_800_000_000_000})
        acct, cl = signup(srv, "client")
        fund(srv, acct["id"], 500_000_000)
        b = make_batch(cl, overlap=2)
        assert upload_csv(cl, b["id"], ["c%d.jpg" % i for i in range(4)]).status == 201
        assert cl.post("/v1/batches/%d/publish" % b["id"]).status == 200
        people = {"client": cl}
        for k in range(2):
            w, wc = signup(srv, "worker")
            people["worker%d" % k] = wc
            for _ in range(3):
                r = wc.post("/v1/work/batches/%d/claim" % b["id"])
                if r.status != 201:
                    break
                adm.post("/v1/admin/clock", {"advance_ms": 12000})
                r = wc.post("/v1/assignments/%d/submit" % r.json["id"], {"answer": "cat"},
                            headers={"Idempotency-Key": "copy-%d-%d" % (w["id"], r.json["id"])})
                assert r.status == 200, r
        for a in cl.get("/v1/batches/%d/answers" % b["id"]).json["answers"]:
            assert cl.post("/v1/answers/%d/approve" % a["id"]).status == 200
        return people

    def test_copies_succeed_printing_each_table(self):
        self.assertEqual(self.copy1.returncode, 0, self.copy1.stderr)
        self.assertEqual(self.copy2.returncode, 0, self.copy2.stderr)
        self.assertNotIn("dbname", self.copy1.stdout)  # a conninfo (maybe a password) is never printed
        src = sqlite_tables(self.src)
        lines = dict(l.split() for l in self.copy1.stdout.splitlines()[1:-1])
        self.assertEqual(set(lines), set(src))
        for t, rows in src.items():
            self.assertEqual(int(lines[t]), len(rows), t)
        self.assertGreater(int(lines["ledger_postings"]), 0)

    def test_journal_verifies_on_both_targets(self):
        n = len(sqlite_tables(self.src)["journal"])
        for db in (self.pg, self.final):
            out = visible("journal", "verify", "--db", db)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertTrue(out.stdout.startswith("ok "), out.stdout)
            self.assertGreaterEqual(int(out.stdout.split()[1]), n)

    def test_every_table_identical_after_the_round_trip(self):
        self.assertEqual(self.copy2.returncode, 0, self.copy2.stderr)
        src, fin = sqlite_tables(self.src), sqlite_tables(self.final)
        self.assertEqual(sorted(src), sorted(fin))
        for t in src:
            self.assertEqual(src[t], fin[t], "table %s differs" % t)
        self.assertTrue(any(isinstance(v, bytes) for r in src["journal"] for v in r))
        self.assertEqual(fin["x_odd"], sorted(self.ODD, key=repr))
        self.assertEqual([type(v) for r in fin["x_odd"] for v in r], [type(v) for r in src["x_odd"] for v in r])

    def test_balances_tokens_and_fresh_ids_on_postgresql(self):
        self.assertEqual(self.copy1.returncode, 0, self.copy1.stderr)
        max_ids = {t: vis.pg_query(self.pgname, "SELECT COALESCE(MAX(id), 0) FROM %s" % t)[0][0]
                   for t in ("accounts", "ledger_tx", "ledger_postings", "journal")}
        # db= only names the directory (kept, holding the source's admin token)
        srv = Server(db=os.path.join(self.dir, "pg-node"), conninfo=self.pg)
        try:
            self.assertGreater(self.balances["worker0"]["earnings_micros"], 0)
            for name, c in self.people.items():  # the tokens moved with the platform
                cp = srv.client(c.token)
                self.assertEqual(cp.get("/v1/me/balance").json, self.balances[name], name)
            self.assertEqual(srv.admin().get("/v1/admin/ledger").json, self.ledger)
            # new rows get fresh ids (the identity sequences start past the copied ones)
            acct, cl = signup(srv, "client")
            self.assertGreater(acct["id"], max_ids["accounts"])
            fund(srv, acct["id"], 1_000_000)
            self.assertEqual(cl.get("/v1/me/balance").status, 200)
            for t, old in max_ids.items():
                new = vis.pg_query(self.pgname, "SELECT MAX(id) FROM %s" % t)[0][0]
                self.assertGreater(new, old, t)
            self.assertEqual(srv.admin().get("/v1/admin/ledger").json["sum_micros"], 0)
        finally:
            srv.close()
        out = visible("journal", "verify", "--db", self.pg)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def test_refusals(self):
        self.assertEqual(self.copy1.returncode, 0, self.copy1.stderr)
        before = vis.pg_query(self.pgname, "SELECT COUNT(*) FROM journal")
        # the target holds a platform already
        out = visible("store", "copy", "--from", self.src, "--to", self.pg)
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("not empty", out.stderr)
        self.assertEqual(vis.pg_query(self.pgname, "SELECT COUNT(*) FROM journal"), before)
        # PostgreSQL cannot be reached
        out = visible("store", "copy", "--from", self.src, "--to",
                      "host=%s user=nobody dbname=none connect_timeout=2" % os.path.join(self.dir, "no-socket"))
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("cannot connect to PostgreSQL", out.stderr)
        # no source
        out = visible("store", "copy", "--from", os.path.join(self.dir, "none.db"), "--to", self.final + ".x")
        self.assertEqual(out.returncode, 2)
        self.assertIn("no database at", out.stderr)
        # a source written by a newer binary
        newer = os.path.join(self.dir, "newer.db")
        shutil.copy(self.src, newer)
        con = sqlite3.connect(newer)
        con.execute("INSERT INTO schema_migrations(version, name, applied_ms) VALUES (9999, 'future', 0)")
        con.commit()
        con.close()
        empty = os.path.join(self.dir, "empty.db")
        out = visible("store", "copy", "--from", newer, "--to", empty)
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("newer than this binary", out.stderr)
        self.assertFalse(os.path.exists(empty) and os.path.getsize(empty) > 0 and
                         sqlite3.connect(empty).execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0])


if __name__ == "__main__":
    unittest.main()
