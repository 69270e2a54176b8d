"""The web app's server side: browser sessions (cookies, CSRF, cross-site
refusal), security headers, clean URLs, Debian libraries under /vendor, the
sandboxed task frame, the courier's event stream, the public web settings."""
import http.client
import json
import os
import socket
import subprocess
import time
import unittest

import vis


def raw(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    out = vis.Response(r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
    c.close()
    return out


def cookies_of(resp):
    out = {}
    for k, v in resp.headers:
        if k.lower() == "set-cookie":
            name, rest = v.split("=", 1)
            out[name] = (rest.split(";", 1)[0], v)
    return out


class Sessions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = vis.Server(demo=True)

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def session(self, email="alice@demo.visible"):
        r = raw(self.srv.port, "POST", "/v1/login", {"email": email, "password": "demo-password", "session": True})
        self.assertEqual(r.status, 200, r)
        ck = cookies_of(r)
        return r, ck["vis_session"][0], ck["vis_csrf"][0], ck

    def test_login_sets_safe_cookies_and_no_token(self):
        r, tok, csrf, ck = self.session()
        self.assertNotIn("token", r.json)
        self.assertEqual(r.json["csrf"], csrf)
        flags = ck["vis_session"][1]
        for f in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(f, flags)
        self.assertNotIn("Secure", flags)
        self.assertNotIn("HttpOnly", ck["vis_csrf"][1])
        # behind a TLS proxy the cookies are Secure
        r2 = raw(self.srv.port, "POST", "/v1/login",
                 {"email": "alice@demo.visible", "password": "demo-password", "session": True},
                 {"X-Forwarded-Proto": "https"})
        self.assertIn("Secure", cookies_of(r2)["vis_session"][1])

    def test_cookie_reads_and_csrf_on_writes(self):
        _, tok, csrf, _ = self.session()
        me = raw(self.srv.port, "GET", "/v1/me", headers={"Cookie": "vis_session=" + tok})
        self.assertEqual(me.status, 200)
        self.assertEqual(me.json["email"], "alice@demo.visible")
        before = self.srv.snapshot()
        # a write without the CSRF header: refused, nothing changed
        r = raw(self.srv.port, "POST", "/v1/me/costs", {"per_hour_micros": 1000000},
                {"Cookie": "vis_session=" + tok})
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json["error"]["code"], "csrf_failed")
        r = raw(self.srv.port, "POST", "/v1/logout", None, {"Cookie": "vis_session=" + tok, "X-CSRF-Token": "0" * 32})
        self.assertEqual(r.status, 403)
        # another session's CSRF value does not fit this one
        _, tok2, csrf2, _ = self.session()
        r = raw(self.srv.port, "POST", "/v1/logout", None, {"Cookie": "vis_session=" + tok, "X-CSRF-Token": csrf2})
        self.assertEqual(r.status, 403)
        after = self.srv.snapshot()
        after.pop("tokens", None), before.pop("tokens", None)  # the second login added a token
        self.assertEqual({k: v for k, v in after.items() if k != "journal"},
                         {k: v for k, v in before.items() if k != "journal"})
        # with it: accepted; logout revokes the token and expires both cookies
        r = raw(self.srv.port, "POST", "/v1/logout", None, {"Cookie": "vis_session=" + tok, "X-CSRF-Token": csrf})
        self.assertEqual(r.status, 200, r)
        ck = cookies_of(r)
        self.assertIn("Max-Age=0", ck["vis_session"][1])
        self.assertIn("Max-Age=0", ck["vis_csrf"][1])
        r = raw(self.srv.port, "GET", "/v1/me", headers={"Cookie": "vis_session=" + tok})
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json["error"]["code"], "session_expired")

    def test_cross_site_writes_refused(self):
        _, tok, csrf, _ = self.session()
        for h in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
            hh = dict(h, Cookie="vis_session=" + tok, **{"X-CSRF-Token": csrf})
            r = raw(self.srv.port, "POST", "/v1/logout", None, hh)
            self.assertEqual(r.status, 403, h)
            self.assertEqual(r.json["error"]["code"], "cross_site_request")
            # anonymous too: a cross-site sign-up never reaches the handler
            r = raw(self.srv.port, "POST", "/v1/signup",
                    {"name": "x", "email": "x%d@example.org" % len(h), "password": "12345678", "role": "worker"}, h)
            self.assertEqual(r.status, 403)
        # same origin is fine
        r = raw(self.srv.port, "POST", "/v1/logout", None,
                {"Origin": "http://127.0.0.1:%d" % self.srv.port, "Sec-Fetch-Site": "same-origin",
                 "Cookie": "vis_session=" + tok, "X-CSRF-Token": csrf})
        self.assertEqual(r.status, 200, r)

    def test_bearer_unchanged_and_stale_cookie_on_public_route(self):
        c = self.srv.client()
        r = c.post("/v1/login", {"email": "alice@demo.visible", "password": "demo-password"})
        self.assertTrue(r.json["token"].startswith("vsb_"))
        # an API client on another origin with a bearer token is not a browser session: unaffected
        r2 = raw(self.srv.port, "POST", "/v1/me/costs", {"per_hour_micros": 0},
                 {"Authorization": "Bearer " + r.json["token"], "Origin": "http://tool.example"})
        self.assertNotEqual(r2.status, 403, r2)
        # a stale session cookie does not break public pages
        r = raw(self.srv.port, "GET", "/v1/observatory", headers={"Cookie": "vis_session=vsb_" + "A" * 43})
        self.assertEqual(r.status, 200)
        r = raw(self.srv.port, "GET", "/v1/me", headers={"Cookie": "vis_session=garbage"})
        self.assertEqual(r.status, 401)


class Pages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = vis.Server("--set", "web.tile_url=https://{s}.tiles.example.org/{z}/{x}/{y}.png", demo=True)

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def test_pages_headers(self):
        for path in ("/", "/login", "/work", "/me", "/courier"):
            r = raw(self.srv.port, "GET", path)
            self.assertEqual(r.status, 200, path)
            self.assertTrue(r.header("Content-Type").startswith("text/html"))
            csp = r.header("Content-Security-Policy")
            self.assertIn("default-src 'none'", csp)
            self.assertIn("script-src 'self';", csp)
            self.assertIn("frame-ancestors 'none'", csp)
            self.assertIn("img-src 'self' data: https://*.tiles.example.org", csp)
            self.assertEqual(r.header("X-Frame-Options"), "DENY")
        r = raw(self.srv.port, "GET", "/v1/me")
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertIn("frame-ancestors 'none'", r.header("Content-Security-Policy"))
        for bad in ("/../README.md", "/js/../../Makefile", "/vendor/chart.js/../../../etc/passwd", "/nope"):
            self.assertEqual(raw(self.srv.port, "GET", bad).status, 404, bad)

    def test_vendor_libraries(self):
        r = raw(self.srv.port, "GET", "/vendor/chart.js/chart.min.js")
        self.assertEqual(r.status, 200)
        self.assertIn("javascript", r.header("Content-Type"))
        r = raw(self.srv.port, "GET", "/vendor/leaflet/leaflet.css")
        self.assertEqual(r.status, 200)
        self.assertEqual(raw(self.srv.port, "GET", "/vendor/jquery/jquery.js").status, 404)

    def test_missing_library_page(self):
        srv = vis.Server("--set", "web.vendor_root=" + os.path.join(vis.REPO, "no-such-dir"))
        try:
            r = raw(srv.port, "GET", "/vendor/leaflet/leaflet.js")
            self.assertEqual(r.status, 503)
            self.assertIn("libjs-leaflet", r.body)
            self.assertTrue(r.header("Content-Type").startswith("text/html"))
        finally:
            srv.close()

    def test_web_config_and_bad_tile_url(self):
        r = raw(self.srv.port, "GET", "/v1/web/config")
        self.assertEqual(r.json["tile_url"], "https://{s}.tiles.example.org/{z}/{x}/{y}.png")
        self.assertEqual(r.json["minimum_hourly_micros"], 12000000)
        p = subprocess.run([vis.BIN, "serve", "--listen", "127.0.0.1:0", "--db", "/nonexistent/x.db", "--set",
                            "web.tile_url=https://x.org/'; script-src *"], capture_output=True, text=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("web.tile_url", p.stderr + p.stdout)

    def test_media_origins(self):
        """Moderators see content media from the origins the operator names
        (img-src and media-src), and nothing else is let in."""
        csp = raw(self.srv.port, "GET", "/moderate").header("Content-Security-Policy")
        self.assertIn("media-src 'self';", csp)
        srv = vis.Server("--set", "web.media_origins=https://media.example.org https://cdn.example.net:8443")
        try:
            csp = raw(srv.port, "GET", "/moderate").header("Content-Security-Policy")
            self.assertIn("img-src 'self' data: https://media.example.org https://cdn.example.net:8443;", csp)
            self.assertIn("media-src 'self' https://media.example.org https://cdn.example.net:8443;", csp)
        finally:
            srv.close()
        for bad in ("http://media.example.org", "https://m.example.org/path", "https://x.org; script-src *", "*"):
            p = subprocess.run([vis.BIN, "serve", "--listen", "127.0.0.1:0", "--db", "/nonexistent/x.db", "--set",
                                "web.media_origins=" + bad], capture_output=True, text=True, timeout=30)
            self.assertNotEqual(p.returncode, 0, bad)
            self.assertIn("web.media_origins", p.stderr + p.stdout, bad)


class TaskFrame(unittest.TestCase):
    def test_frame_is_sandboxed_and_private(self):
        srv = vis.Server()
        try:
            _, client = vis.signup(srv, "client")
            cid = client.get("/v1/me").json["id"]
            self.assertEqual(srv.admin().post("/v1/admin/accounts/%d/credit" % cid, {"amount_micros": 100000000, "reason": "test"}).status, 201)
            b = client.post("/v1/batches", {"title": "t", "template": "<b>${text}</b><script>alert(1)</script>",
                                            "answer_type": "single", "labels": ["a", "b"],
                                            "reward_micros": 50000, "expected_seconds": 10}).json
            self.assertIn("id", b, b)
            client.request("POST", "/v1/batches/%d/tasks" % b["id"], raw=b'{"text":"<img src=x onerror=alert(2)>"}\n',
                           headers={"Content-Type": "application/x-ndjson"})
            self.assertEqual(client.post("/v1/batches/%d/publish" % b["id"]).status, 200)
            _, w = vis.signup(srv, "worker")
            a = w.post("/v1/work/batches/%d/claim" % b["id"]).json
            self.assertEqual(a["task"]["question_html"],
                             "<b>&lt;img src=x onerror=alert(2)&gt;</b><script>alert(1)</script>")
            r = w.get("/v1/work/assignments/%d/frame" % a["id"])
            self.assertEqual(r.status, 200)
            csp = r.header("Content-Security-Policy")
            self.assertTrue(csp.startswith("sandbox;"), csp)
            self.assertIn("default-src 'none'", csp)
            self.assertNotIn("script-src", csp)
            self.assertIn("frame-ancestors 'self'", csp)
            self.assertIn("&lt;img src=x", r.body)
            g = w.get("/v1/work/assignments/%d" % a["id"])
            self.assertEqual(g.json["batch_title"], "t")
            _, w2 = vis.signup(srv, "worker")
            self.assertEqual(w2.get("/v1/work/assignments/%d/frame" % a["id"]).status, 404)
            self.assertEqual(w2.get("/v1/work/assignments/%d" % a["id"]).status, 404)
            lst = w.get("/v1/work/batches").json
            self.assertTrue(lst["batches"][0]["client_name"].startswith("client"))
        finally:
            srv.close()


class CourierEvents(unittest.TestCase):
    def test_state_pushed_on_change(self):
        srv = vis.Server("--set", "dispatch.auto=false", demo=True)
        try:
            r = srv.client().post("/v1/login", {"email": "farah@demo.visible", "password": "demo-password"})
            tok = r.json["token"]
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            s.sendall(("GET /v1/courier/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n" % tok).encode())
            f = s.makefile("rb")
            status = f.readline().decode()
            self.assertIn("200", status)
            headers = {}
            while True:
                line = f.readline().decode().strip()
                if not line:
                    break
                k, v = line.split(":", 1)
                headers[k.lower()] = v.strip()
            self.assertTrue(headers["content-type"].startswith("text/event-stream"))

            def next_event():
                ev, data = None, None
                while True:
                    line = f.readline().decode()
                    if line.startswith("event:"):
                        ev = line.split(":", 1)[1].strip()
                    elif line.startswith("data:"):
                        data = json.loads(line.split(":", 1)[1])
                    elif line.strip() == "" and ev:
                        return ev, data
            ev, d = next_event()
            self.assertEqual(ev, "state")
            self.assertFalse(d["online"])
            t0 = time.time()
            self.assertEqual(srv.client(tok).post("/v1/courier/online", {"lat": 48.86, "lon": 2.35}).status, 200)
            ev, d = next_event()
            self.assertTrue(d["online"])
            self.assertLess(time.time() - t0, 3.0)
            self.assertEqual(d["shift"]["online"], True)
            s.close()
            # only workers
            _, client = vis.signup(srv, "client")
            self.assertEqual(client.get("/v1/courier/events").status, 403)
        finally:
            srv.close()


if __name__ == "__main__":
    unittest.main()
