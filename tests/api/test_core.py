"""API tests of the platform core (issue 2) against the real binary."""
import json
import os
import signal
import subprocess
import threading
import unittest

from vis import BIN, REPO, Client, Server, db_integrity, signup


class CoreAPI(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo=True)

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def assertError(self, r, status, code=None, field=None):
        self.assertEqual(r.status, status, r)
        self.assertIsInstance(r.json, dict, r)
        self.assertIn("error", r.json, r)
        self.assertIn("message", r.json["error"])
        if code:
            self.assertEqual(r.json["error"]["code"], code, r)
        if field:
            self.assertEqual(r.json["error"].get("field"), field, r)

    def test_health_and_metrics(self):
        c = self.srv.client()
        r = c.get("/health")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], "ok")
        self.assertGreaterEqual(r.json["schema"], 1)
        c.get("/v1/nope")
        r = c.get("/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))
        self.assertIn('visible_http_requests_total{route="GET /health",status="200"}', r.body)
        self.assertIn('visible_http_requests_total{route="unmatched",status="404"}', r.body)
        self.assertIn("visible_http_request_duration_seconds_bucket", r.body)
        self.assertIn("visible_store_seconds_total", r.body)

    def test_keep_alive(self):
        c = self.srv.client()
        for _ in range(5):
            r = c.get("/health")
            self.assertEqual(r.status, 200)
            self.assertNotEqual((r.header("Connection") or "").lower(), "close")
        sock = c.conn.sock
        c.get("/health")
        self.assertIs(c.conn.sock, sock, "connection was not kept alive")

    def test_signup_login_me(self):
        c = self.srv.client()
        r = c.post("/v1/signup", {"name": "Zoë Ünicode", "email": "Zoe@Example.org", "password": "s3cret-pass",
                                  "role": "worker"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["account"]["email"], "zoe@example.org")
        self.assertEqual(r.json["account"]["role"], "worker")
        self.assertNotIn("password", r.body)
        tok = r.json["token"]
        self.assertTrue(tok.startswith("vsb_"))
        me = self.srv.client(tok).get("/v1/me")
        self.assertEqual(me.status, 200)
        self.assertEqual(me.json["name"], "Zoë Ünicode")
        # token stored only as a hash, password as argon2id
        rows = self.srv.sql("SELECT hash FROM tokens")
        self.assertTrue(all(tok.encode() not in bytes(h[0]) for h in rows))
        pw = self.srv.sql("SELECT pw_hash FROM accounts WHERE email='zoe@example.org'")[0][0]
        self.assertTrue(pw.startswith("$argon2id$"))
        # login
        r = c.post("/v1/login", {"email": "zoe@example.org", "password": "s3cret-pass"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.srv.client(r.json["token"]).get("/v1/me").json["id"], me.json["id"])
        self.assertError(c.post("/v1/login", {"email": "zoe@example.org", "password": "wrong-pass"}), 401,
                         "bad_credentials")
        self.assertError(c.post("/v1/login", {"email": "nobody@example.org", "password": "wrong-pass"}), 401,
                         "bad_credentials")
        # duplicate email
        self.assertError(c.post("/v1/signup", {"name": "x", "email": "zoe@example.org", "password": "12345678",
                                               "role": "client"}), 409, "email_taken", "email")
        # logout revokes
        cl = self.srv.client(r.json["token"])
        self.assertEqual(cl.post("/v1/logout").status, 200)
        self.assertError(cl.get("/v1/me"), 401, "invalid_token")

    def test_auth_errors(self):
        c = self.srv.client()
        self.assertError(c.get("/v1/me"), 401, "missing_token")
        self.assertError(c.get("/v1/me", token="vsb_" + "A" * 43), 401, "invalid_token")
        self.assertError(c.get("/v1/me", token="garbage"), 401, "invalid_token")
        r = c.get("/v1/me", headers={"Authorization": "Basic abc"})
        self.assertError(r, 401, "invalid_token")
        _, w = signup(self.srv, "worker")
        self.assertError(w.post("/v1/admin/accounts/1/credit", {"amount_micros": 5, "reason": "x"}), 403, "forbidden")
        self.assertError(w.get("/v1/admin/ledger"), 403)

    def test_token_expiry(self):
        srv = Server("--set", "auth.token_ttl_days=1")
        try:
            _, w = signup(srv, "worker")
            self.assertEqual(w.get("/v1/me").status, 200)
            srv.admin().post("/v1/admin/clock", {"advance_ms": 2 * 86400000})
            self.assertError(w.get("/v1/me"), 401, "invalid_token")
            self.assertEqual(srv.admin().get("/v1/me").status, 200)  # the admin token does not expire
        finally:
            srv.close()

    def test_routes_404_405(self):
        c = self.srv.client()
        self.assertError(c.get("/v1/nothing-here"), 404, "no_route")
        r = c.request("DELETE", "/v1/me")
        self.assertError(r, 405, "method_not_allowed")
        self.assertIn("GET", r.header("Allow"))
        self.assertError(c.request("PUT", "/v1/signup", body={}), 405)

    def test_credit_and_balance(self):
        acct, cl = signup(self.srv, "client")
        adm = self.srv.admin()
        before = self.srv.snapshot()
        # bad amounts change nothing
        for body, field in [({"amount_micros": -5, "reason": "x"}, "amount_micros"),
                            ({"amount_micros": 0, "reason": "x"}, "amount_micros"),
                            ({"amount_micros": 1.5, "reason": "x"}, "amount_micros"),
                            ({"amount_micros": "100", "reason": "x"}, "amount_micros"),
                            ({"amount_micros": 10**18, "reason": "x"}, "amount_micros"),
                            ({"amount_micros": 100}, "reason"),
                            ({"amount_micros": 100, "reason": "x", "extra": 1}, "extra")]:
            self.assertError(adm.post("/v1/admin/accounts/%d/credit" % acct["id"], body), 400, field=field)
        self.assertError(adm.post("/v1/admin/accounts/%d/credit" % acct["id"],
                                  raw=b'{"amount_micros": 99999999999999999999999, "reason": "x"}'), 400,
                         "malformed_json")
        self.assertError(adm.post("/v1/admin/accounts/999999/credit", {"amount_micros": 5, "reason": "x"}), 404)
        self.assertError(adm.post("/v1/admin/accounts/abc/credit", {"amount_micros": 5, "reason": "x"}), 404)
        w, _ = signup(self.srv, "worker")
        self.assertError(adm.post("/v1/admin/accounts/%d/credit" % w["id"], {"amount_micros": 5, "reason": "x"}),
                         409, "not_a_client")
        after = self.srv.snapshot()
        after.pop("accounts"), before.pop("accounts")
        after.pop("tokens"), before.pop("tokens")
        after.pop("journal"), before.pop("journal")
        self.assertEqual(before, after)
        # a real credit, with idempotency
        h = {"Idempotency-Key": "credit-test-1"}
        r1 = adm.post("/v1/admin/accounts/%d/credit" % acct["id"], {"amount_micros": 2500000, "reason": "top up"},
                      headers=h)
        self.assertEqual(r1.status, 201, r1)
        r2 = adm.post("/v1/admin/accounts/%d/credit" % acct["id"], {"amount_micros": 2500000, "reason": "top up"},
                      headers=h)
        self.assertEqual(r2.status, 201)
        self.assertEqual(r1.json, r2.json)
        bal = cl.get("/v1/me/balance")
        self.assertEqual(bal.json["available_micros"], 2500000)
        self.assertEqual(bal.json["currency"], "EUR")
        # the key cannot be reused elsewhere
        self.assertError(adm.post("/v1/admin/accounts", {"name": "n", "email": "idem@example.org", "role": "worker"},
                                  headers=h), 409, "idempotency_key_reused")
        # ledger balances to zero, every posting journalled
        self.assertEqual(adm.get("/v1/admin/ledger").json, {"sum_micros": 0, "balanced": True})
        n = self.srv.sql("SELECT COUNT(*) FROM journal WHERE event='ledger_posted'")[0][0]
        m = self.srv.sql("SELECT COUNT(*) FROM ledger_tx")[0][0]
        self.assertEqual(n, m)

    def test_bad_input(self):
        c = self.srv.client()
        before = self.srv.snapshot()
        cases = [
            (b"", 400, "body_required"),
            (b"{", 400, "malformed_json"),
            (b"[1,2]", 400, "invalid_body"),
            (b'"str"', 400, "invalid_body"),
            (b'{"name":"a","name":"b"}', 400, "malformed_json"),
            (b'{"name":"\xff\xfe","email":"a@b.cd","password":"12345678","role":"worker"}', 400, "malformed_json"),
            (b'{"name":"a","email":"a@b.cd","password":"12345678","role":"admin"}', 400, "invalid_field"),
            (b'{"name":"a","email":"a@b.cd","password":"short","role":"worker"}', 400, "invalid_field"),
            (b'{"name":"a","email":"not-an-email","password":"12345678","role":"worker"}', 400, "invalid_field"),
            (b'{"name":"","email":"a@b.cd","password":"12345678","role":"worker"}', 400, "invalid_field"),
            (b'{"name":123,"email":"a@b.cd","password":"12345678","role":"worker"}', 400, "invalid_field"),
            (b'{"email":"a@b.cd","password":"12345678","role":"worker"}', 400, "missing_field"),
            (b'{"name":"a","email":"a@b.cd","password":"12345678","role":"worker","admin":true}', 400,
             "unknown_field"),
            (b'{"name":"a\\u0000b","email":"a@b.cd","password":"12345678","role":"worker"}', 400, "malformed_json"),
        ]
        for raw, status, code in cases:
            r = c.post("/v1/signup", raw=raw)
            self.assertError(r, status, code)
        self.assertEqual(before, self.srv.snapshot())

    def test_body_limit(self):
        srv = Server("--set", "http.body_limit=2048")
        try:
            c = srv.client()
            big = json.dumps({"name": "x" * 5000, "email": "a@b.cd", "password": "12345678", "role": "worker"})
            self.assertError(c.post("/v1/signup", raw=big.encode()), 413, "body_too_large")
            self.assertEqual(srv.client().get("/health").status, 200)
            self.assertEqual(srv.sql("SELECT COUNT(*) FROM accounts WHERE role='worker'")[0][0], 0)
        finally:
            srv.close()

    def test_rate_limit(self):
        srv = Server("--set", "ratelimit.per_minute=60", "--set", "ratelimit.burst=5")
        try:
            _, w = signup(srv, "worker")
            statuses = [w.get("/v1/me").status for _ in range(8)]
            self.assertEqual(statuses[:4], [200] * 4)
            r = w.get("/v1/me")
            self.assertError(r, 429, "rate_limited")
            self.assertIsNotNone(r.header("Retry-After"))
            # the refusal is an automated decision about the worker, journalled once per episode
            rows = srv.sql("SELECT automated, payload FROM journal WHERE event = 'rate_limited'")
            self.assertEqual(len(rows), 1)
            self.assertEqual(rows[0][0], 1)
            self.assertIn("rate_limit", rows[0][1])
            # another token is not affected
            _, w2 = signup(srv, "worker")
            self.assertEqual(w2.get("/v1/me").status, 200)
        finally:
            srv.close()

    def test_signup_idempotency(self):
        c = self.srv.client()
        body = {"name": "Idem", "email": "idem-signup@example.org", "password": "12345678", "role": "client"}
        r1 = c.post("/v1/signup", body, headers={"Idempotency-Key": "signup-abc"})
        r2 = c.post("/v1/signup", body, headers={"Idempotency-Key": "signup-abc"})
        self.assertEqual(r1.status, 201)
        # an anonymous caller's key is not shared (it could be anyone's): the retry
        # creates nothing and gets no one's token
        self.assertEqual(r2.status, 409)
        self.assertEqual(r2.json["error"]["code"], "email_taken")
        self.assertNotIn("token", r2.json)
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM accounts WHERE email='idem-signup@example.org'")[0][0], 1)
        self.assertError(c.post("/v1/signup", body, headers={"Idempotency-Key": "bad key with spaces"}), 400,
                         field="Idempotency-Key")

    def test_concurrent_credits_idempotent(self):
        acct, cl = signup(self.srv, "client")
        results = []

        def go():
            a = self.srv.admin()
            r = a.post("/v1/admin/accounts/%d/credit" % acct["id"], {"amount_micros": 1000, "reason": "race"},
                       headers={"Idempotency-Key": "race-%d" % acct["id"]})
            results.append(r.status)

        ts = [threading.Thread(target=go) for _ in range(8)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        self.assertEqual(results, [201] * 8)
        self.assertEqual(cl.get("/v1/me/balance").json["available_micros"], 1000)

    def test_earnings_from_journal(self):
        w, wc = signup(self.srv, "worker")
        adm = self.srv.admin()
        H = 3600000
        t0 = 1_700_000_000_000
        ev = [
            {"event": "submitted", "span_kind": "active", "span_start_ms": t0, "span_end_ms": t0 + H},
            {"event": "submitted", "span_kind": "active", "span_start_ms": t0 + H // 2, "span_end_ms": t0 + H},
            {"event": "offline", "span_kind": "waiting", "span_start_ms": t0 + H, "span_end_ms": t0 + 2 * H},
            {"event": "lease_expired", "span_kind": "unpaid", "span_start_ms": t0 + 2 * H,
             "span_end_ms": t0 + 2 * H + H // 4},
            {"event": "paid", "amount_micros": 30_000_000, "at_ms": t0 + H},
        ]
        for e in ev:
            e["worker_id"] = w["id"]
            r = adm.post("/v1/admin/journal/events", e)
            self.assertEqual(r.status, 201, r)
        r = wc.get("/v1/me/earnings?from=%d&to=%d" % (t0, t0 + 10 * H))
        self.assertEqual(r.status, 200, r)
        e = r.json
        self.assertEqual(e["active_ms"], H)        # overlapping spans merged
        self.assertEqual(e["waiting_ms"], H)
        self.assertEqual(e["unpaid_ms"], H // 4)
        self.assertEqual(e["paid_micros"], 30_000_000)
        self.assertEqual(e["effective_hourly_micros"], 15_000_000)
        self.assertEqual(e["minimum_hourly_micros"], 12_000_000)
        self.assertFalse(e["below_minimum"])
        # clipped to the window
        r = wc.get("/v1/me/earnings?from=%d&to=%d" % (t0 + H // 2, t0 + H + H // 2))
        self.assertEqual(r.json["active_ms"], H // 2)
        self.assertEqual(r.json["waiting_ms"], H // 2)
        self.assertError(wc.get("/v1/me/earnings?from=10&to=5"), 400, field="to")
        self.assertError(wc.get("/v1/me/earnings?from=abc"), 400, field="from")

    def test_static_files(self):
        c = self.srv.client()
        r = c.get("/")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/html"))
        self.assertIn("Visible", r.body)
        r = c.get("/style.css")
        self.assertTrue(r.header("Content-Type").startswith("text/css"))
        for p in ["/../README.md", "/%2e%2e/README.md", "/..%2fREADME.md", "/nope.html", "/.//../Makefile"]:
            r = c.get(p)
            self.assertEqual(r.status, 404, p)

    def test_journal_verify_detects_edit(self):
        srv = Server(demo=True)
        try:
            adm = srv.admin()
            v = adm.get("/v1/admin/journal/verify").json
            self.assertTrue(v["ok"])
            # the head: the last row's hash as stored
            last = srv.sql("SELECT hash FROM journal ORDER BY id DESC LIMIT 1")[0][0]
            self.assertEqual(v["head_hash"], bytes(last).hex())
        finally:
            srv.stop()
        try:
            out = subprocess.run([BIN, "journal", "verify", "--db", srv.dbarg], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertRegex(out.stdout, r"^ok \d+ rows")
            srv.sql("UPDATE journal SET payload = '{\"forged\":1}' WHERE id = 3")
            out = subprocess.run([BIN, "journal", "verify", "--db", srv.dbarg], capture_output=True, text=True)
            self.assertEqual(out.returncode, 1)
            self.assertIn("row 3", out.stdout)
            # restore by removing a row instead: the gap is found
            srv.sql("DELETE FROM journal WHERE id >= 3 AND id <= 3")
            out = subprocess.run([BIN, "journal", "verify", "--db", srv.dbarg], capture_output=True, text=True)
            self.assertEqual(out.returncode, 1)
            self.assertIn("row 3", out.stdout)
        finally:
            srv.close()

    def test_demo_data(self):
        c = self.srv.client()
        r = c.post("/v1/login", {"email": "client@demo.visible", "password": "demo-password"})
        self.assertEqual(r.status, 200, r)
        bal = self.srv.client(r.json["token"]).get("/v1/me/balance").json
        self.assertGreater(bal["available_micros"], 0)
        r = c.post("/v1/login", {"email": "alice@demo.visible", "password": "demo-password"})
        self.assertEqual(r.json["account"]["role"], "worker")

    def test_admin_token_file(self):
        mode = os.stat(self.srv.token_path).st_mode & 0o777
        self.assertEqual(mode, 0o600)
        self.assertTrue(any("admin token" in l for l in self.srv.out))
        r = self.srv.admin().get("/v1/me")
        self.assertEqual(r.json["role"], "admin")

    def test_admin_create_account_api(self):
        adm = self.srv.admin()
        r = adm.post("/v1/admin/accounts", {"name": "Mod One", "email": "mod1@example.org", "role": "admin"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.srv.client(r.json["token"]).get("/v1/me").json["role"], "admin")
        self.assertError(adm.post("/v1/admin/accounts", {"name": "x", "email": "m2@example.org", "role": "boss"}),
                         400, field="role")

    def test_clock_endpoint_only_in_test_mode(self):
        srv = Server()
        try:
            pass
        finally:
            srv.close()
        # a server without --test-clock refuses it
        import tempfile, shutil
        d = tempfile.mkdtemp()
        p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--db", d + "/v.db", "--quiet"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = p.stdout.readline()
            port = int(line.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
            p.stdout.readline()
            tok = open(d + "/admin.token").read().strip()
            r = Client(port, tok).post("/v1/admin/clock", {"advance_ms": 5})
            self.assertEqual(r.status, 404)
        finally:
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(timeout=30), 0)
            p.stdout.close()
            shutil.rmtree(d)

    def test_never_5xx_on_garbage(self):
        import random
        rnd = random.Random(7)
        c = self.srv.client()
        adm = self.srv.admin()
        paths = ["/v1/signup", "/v1/login", "/v1/admin/accounts", "/v1/admin/accounts/1/credit", "/v1/me",
                 "/v1/me/earnings?from=-1", "/v1/admin/accounts/99999999999999999999999/credit"]
        for i in range(150):
            p = rnd.choice(paths)
            raw = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 60)))
            who = rnd.choice([c, adm])
            r = who.request(rnd.choice(["POST", "GET", "PATCH"]), p, raw=raw)
            self.assertLess(r.status, 500, (p, raw, r))

    def test_sigterm_exits_cleanly(self):
        srv = Server()
        try:
            self.assertEqual(srv.client().get("/health").status, 200)
            self.assertEqual(srv.stop(), 0)
            rows = db_integrity(srv.db)
            self.assertEqual(rows[0][0], "ok")
        finally:
            srv.close()


class CLI(unittest.TestCase):
    def run_bin(self, *args):
        return subprocess.run([BIN] + list(args), capture_output=True, text=True)

    def test_help_and_usage_errors(self):
        for cmd in ["serve", "version", "admin", "journal", "config", "routes"]:
            r = self.run_bin(cmd, "--help")
            self.assertEqual(r.returncode, 0, cmd)
            self.assertIn("usage", r.stdout.lower(), cmd)
        self.assertEqual(self.run_bin().returncode, 2)
        self.assertEqual(self.run_bin("frobnicate").returncode, 2)
        r = self.run_bin("serve", "--no-such-flag")
        self.assertEqual(r.returncode, 2)
        r = self.run_bin("serve", "--threads", "abc")
        self.assertEqual(r.returncode, 2)
        self.assertIn("threads", r.stderr)
        r = self.run_bin("version")
        self.assertRegex(r.stdout, r"^visible \d+\.\d+")

    def test_bad_config_names_key(self):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"ratelimit": {"per_minute": 10, "bogus": 1}}, f)
        try:
            r = self.run_bin("serve", "--config", f.name, "--db", "/tmp/never.db")
            self.assertEqual(r.returncode, 2)
            self.assertIn("ratelimit.bogus", r.stderr)
            with open(f.name, "w") as g:
                json.dump({"threads": "four"}, g)
            r = self.run_bin("serve", "--config", f.name)
            self.assertEqual(r.returncode, 2)
            self.assertIn("threads", r.stderr)
        finally:
            os.unlink(f.name)

    def test_config_file_and_flag_precedence(self):
        import tempfile
        d = tempfile.mkdtemp()
        cfg = os.path.join(d, "c.json")
        with open(cfg, "w") as f:
            json.dump({"listen": "127.0.0.1:1", "log": {"requests": False}, "currency": "USD"}, f)
        p = subprocess.Popen([BIN, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--db", d + "/v.db"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = p.stdout.readline()
            self.assertIn("listening on http://127.0.0.1:", line)
            port = int(line.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
            self.assertNotEqual(port, 1)
            p.stdout.readline()
            tok = open(d + "/admin.token").read().strip()
            self.assertEqual(Client(port, tok).get("/v1/me/balance").json["currency"], "USD")
        finally:
            p.send_signal(signal.SIGINT)
            self.assertEqual(p.wait(timeout=30), 0)
            p.stdout.close()
            p.stderr.close()

    def test_admin_create_account_cli(self):
        import tempfile
        d = tempfile.mkdtemp()
        db = d + "/v.db"
        r = self.run_bin("admin", "create-account", "--db", db, "--role", "client", "--name", "Cli Co",
                         "--email", "cli@example.org")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["account"]["role"], "client")
        self.assertTrue(out["token"].startswith("vsb_"))
        r = self.run_bin("admin", "create-account", "--db", db, "--role", "client", "--name", "Cli Co",
                         "--email", "cli@example.org")
        self.assertEqual(r.returncode, 2)
        self.assertIn("email", r.stderr)
        r = self.run_bin("admin", "create-account", "--db", db, "--role", "client")
        self.assertEqual(r.returncode, 2)
        r = self.run_bin("journal", "verify", "--db", db)
        self.assertEqual(r.returncode, 0)
        r = self.run_bin("journal", "verify", "--db", d + "/missing.db")
        self.assertEqual(r.returncode, 2)

    def test_api_doc_covers_routes(self):
        r = self.run_bin("routes")
        self.assertEqual(r.returncode, 0)
        with open(os.path.join(REPO, "docs", "api.yaml")) as f:
            doc = f.read()
        import re
        paths = {}
        cur = None
        in_paths = False
        for line in doc.splitlines():
            if line.startswith("paths:"):
                in_paths = True
                continue
            if in_paths and re.match(r"^\S", line):
                in_paths = False
            if not in_paths:
                continue
            m = re.match(r"^  (/\S*):\s*$", line)
            if m:
                cur = m.group(1)
                paths[cur] = set()
                continue
            m = re.match(r"^    (get|post|put|patch|delete):\s*$", line)
            if m and cur:
                paths[cur].add(m.group(1).upper())
        missing = []
        for line in r.stdout.splitlines():
            method, path = line.split("\t")[0].split(" ", 1)
            if method not in paths.get(path, set()):
                missing.append(line.split("\t")[0])
        self.assertEqual(missing, [], "routes missing from docs/api.yaml")


if __name__ == "__main__":
    unittest.main()
