"""Browser tests of the web app's foundation: sign-up, sign-in, sign-out,
the session's safety (HttpOnly cookie, no token in storage, CSRF, CSP),
languages, and the accessibility of the sign-in page."""
import http.client
import json
import unittest

from web import By, WebCase, vis


class Foundation(WebCase):
    demo = True

    def test_signup_login_logout(self):
        b = self.b
        b.page("/login")
        b.q("#signup-name").send_keys("Zoé Web")
        b.q("#signup-email").send_keys("zoe@example.org")
        b.q("#signup-password").send_keys("a long password")
        b.q("#signup-submit").click()
        b.wait(lambda d: "/login" not in d.current_url, what="redirect after sign-up")
        b.wait_ready()
        ck = b.cookies()
        self.assertIn("vis_session", ck)
        s = ck["vis_session"]
        self.assertTrue(s["httpOnly"])
        self.assertEqual(s["sameSite"], "Strict")
        self.assertFalse(ck["vis_csrf"]["httpOnly"])
        # the page holds no token anywhere it could be read by script
        stored = b.js("return JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])")
        self.assertNotIn("vsb_", stored)
        self.assertIn("Zoé Web", b.text("header.top"))
        b.logout()
        self.assertNotIn("vis_session", b.cookies())
        # the token is revoked on the server, not only forgotten by the browser
        c = self.srv.client(s["value"])
        self.assertEqual(c.get("/v1/me").status, 401)
        # wrong password: a plain-words error next to the form; what was typed stays
        b.page("/login")
        b.q("#login-email").send_keys("zoe@example.org")
        b.q("#login-password").send_keys("not the password")
        b.q("#login-submit").click()
        err = b.wait("#login-form .form-error:not(:empty)")
        self.assertIn("do not match", err.text)
        self.assertEqual(b.q("#login-email").get_attribute("value"), "zoe@example.org")
        b.q("#login-password").clear()
        b.q("#login-password").send_keys("a long password")
        b.q("#login-submit").click()
        b.wait(lambda d: "/login" not in d.current_url, what="redirect after sign-in")
        b.wait_ready()

    def test_signup_error_next_to_field(self):
        b = self.b
        b.page("/login")
        b.q("#signup-name").send_keys("Someone")
        b.q("#signup-email").send_keys("alice@demo.visible")
        b.q("#signup-password").send_keys("a long password")
        b.q("#signup-submit").click()
        e = b.wait("#signup-email + .field-error")
        self.assertIn("already", e.text)
        self.assertEqual(b.q("#signup-email").get_attribute("aria-invalid"), "true")
        self.assertEqual(b.q("#signup-name").get_attribute("value"), "Someone")

    def test_headers_and_csp(self):
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        for path in ("/", "/login", "/work", "/me", "/courier"):
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            self.assertEqual(r.status, 200, path)
            csp = r.getheader("Content-Security-Policy")
            self.assertIn("script-src 'self'", csp)
            self.assertNotIn("unsafe", csp)
            self.assertIn("frame-ancestors 'none'", csp)
            self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")
        # the shipped pages have no inline script or handler
        import glob
        import os
        import re
        for f in glob.glob(os.path.join(vis.REPO, "web", "*.html")):
            html = open(f, encoding="utf-8").read()
            self.assertIsNone(re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f)
            self.assertIsNone(re.search(r"\son[a-z]+=", html), f)

    def test_cross_site_form_post_refused(self):
        b = self.b
        b.login("alice@demo.visible")
        # a page on another origin (a data: URL is an opaque, foreign origin) posts a form at Visible,
        # shaped so that its body parses as JSON
        hostile = ("data:text/html,<form id=f method=POST action='%s/v1/logout' enctype='text/plain'>"
                   "<input name='{\"a\":' value='1}'></form>" % b.base)
        b.d.get(hostile)
        b.js("document.getElementById('f').submit()")
        b.wait(lambda d: "/v1/logout" in d.current_url, what="the form's answer")
        self.assertIn("cross_site_request", b.q("body").text)
        # still signed in: the forged logout changed nothing
        b.page("/me")
        self.assertIn("Alice", b.text("header.top"))
        # without the CSRF header, a cookie-authenticated write is refused even from this origin
        r = b.js("""return fetch('/v1/logout', {method: 'POST'}).then(r => r.status + ' ' + r.headers.get('content-type'))""")
        self.assertTrue(r.startswith("403"), r)
        r = b.js("""return fetch('/v1/logout', {method: 'POST'}).then(r => r.json()).then(j => j.error.code)""")
        self.assertEqual(r, "csrf_failed")

    def test_bearer_api_unchanged(self):
        c = self.srv.client()
        r = c.post("/v1/login", {"email": "alice@demo.visible", "password": "demo-password"})
        self.assertEqual(r.status, 200)
        self.assertTrue(r.json["token"].startswith("vsb_"))
        self.assertIsNone(r.header("Set-Cookie"))
        self.assertEqual(self.srv.client(r.json["token"]).get("/v1/me").json["name"], "Alice Martin")
        r = c.post("/v1/login", {"email": "alice@demo.visible", "password": "demo-password", "session": True})
        self.assertNotIn("token", r.json)
        self.assertIn("HttpOnly", r.header("Set-Cookie"))

    def test_language_switch_and_audit(self):
        b = self.b
        b.page("/login")
        self.assertEqual(b.untranslated("en", "login"), [])
        self.assertEqual(b.text("#login-h"), "Sign in")
        b.q("header.top button.lang[lang=fr]").click()
        b.wait(lambda d: d.find_element(By.ID, "login-h").text == "Se connecter", what="French")
        self.assertEqual(b.js("return document.documentElement.lang"), "fr")
        self.assertEqual(b.untranslated("fr", "login"), [])
        b.page("/login")  # the choice is kept
        self.assertEqual(b.text("#login-h"), "Se connecter")
        self.assertEqual(b.audit(), [])
        b.shot("login")
        b.q("header.top button.lang[lang=en]").click()
        b.wait(lambda d: d.find_element(By.ID, "login-h").text == "Sign in", what="English")
        self.assertEqual(b.audit(), [])


if __name__ == "__main__":
    unittest.main()
