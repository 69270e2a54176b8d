"""Decision callbacks over https, and their signatures, against the real binary.

The client platform's endpoint is an https server on loopback with a
certificate made here by the openssl command (scripts/install-deps installs
it). The platform trusts it through moderation.callback_ca_file; without it
the certificate is refused and the callback waits, never lost."""
import hashlib
import hmac
import http.server
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import unittest

from test_moderation_api import Base, T0

KEEP = {"action": "keep", "facts": "Nothing against the terms."}


def make_certificate(d):
    """A self-signed certificate for 127.0.0.1 and localhost; paths (cert, key)."""
    if not shutil.which("openssl"):
        raise RuntimeError("the openssl command is missing: run scripts/install-deps")
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class TlsReceiver:
    """The client platform's https endpoint: records (headers, raw body)."""

    def __init__(self, cert, key):
        self.got = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                outer.got.append((dict(self.headers), self.rfile.read(n)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), H)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = "https://127.0.0.1:%d/visible/hook" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def verify(secret, headers, body):
    """What a client platform does: recompute the signature from the raw body."""
    sig = dict(p.split("=", 1) for p in headers["X-Visible-Signature"].split(","))
    mac = hmac.new(secret.encode(), sig["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, sig["v1"]), int(sig["t"])


class TlsBase(Base):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.cert, cls.key = make_certificate(cls.dir.name)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def setUp(self):
        super().setUp()
        self.tls = TlsReceiver(self.cert, self.key)

    def tearDown(self):
        self.tls.close()
        super().tearDown()

    def decide_one(self, ref):
        _, m = self.moderator()
        self.content(ref)
        it = self.claim(m)[0]
        r = m.post("/v1/moderation/items/%d/decide" % it["id"], KEEP)
        self.assertEqual(r.status, 200, r)

    def callback(self):
        return self.cl.get("/v1/moderation/callbacks").json["callbacks"][0]


class TrustedCertificate(TlsBase):
    @property
    def extra(self):
        return ("--set", "moderation.callback_ca_file=" + self.cert)

    def test_https_callback_delivered_and_signed(self):
        r = self.cl.post("/v1/moderation/settings", {"callback_url": self.tls.url})
        self.assertEqual(r.status, 200, r)
        secret = r.json["signing_secret"]
        self.assertRegex(secret, r"^whsec_[0-9a-f]{64}$")
        # the secret stays when the URL changes, and the client can read it again
        r = self.cl.post("/v1/moderation/settings", {"callback_url": self.tls.url})
        self.assertEqual(r.json["signing_secret"], secret)
        self.assertEqual(self.cl.get("/v1/moderation/settings").json["signing_secret"], secret)
        self.decide_one("tls-1")
        self.run_jobs()
        cb = self.callback()
        self.assertEqual((cb["state"], cb["last_status"]), ("delivered", 204), cb)
        self.assertEqual(len(self.tls.got), 1)
        headers, body = self.tls.got[0]
        ok, t = verify(secret, headers, body)
        self.assertTrue(ok, headers)
        self.assertEqual(t, T0)  # the platform clock (the test clock here)
        self.assertEqual(headers["X-Visible-Callback-Id"], str(cb["id"]))
        self.assertIn("event", json.loads(body))
        # a tampered body or another secret does not verify
        self.assertFalse(verify(secret, headers, body + b" ")[0])
        self.assertFalse(verify("whsec_" + "0" * 64, headers, body)[0])

    def test_rotated_secret_signs_the_next_callbacks(self):
        old = self.cl.post("/v1/moderation/settings", {"callback_url": self.tls.url}).json["signing_secret"]
        r = self.cl.post("/v1/moderation/settings", {"callback_url": self.tls.url, "rotate_secret": True})
        self.assertEqual(r.status, 200, r)
        new = r.json["signing_secret"]
        self.assertNotEqual(new, old)
        self.decide_one("tls-2")
        self.run_jobs()
        headers, body = self.tls.got[0]
        self.assertTrue(verify(new, headers, body)[0])
        self.assertFalse(verify(old, headers, body)[0])


class UntrustedCertificate(TlsBase):
    def test_refused_certificate_keeps_the_callback(self):
        self.cl.post("/v1/moderation/settings", {"callback_url": self.tls.url})
        self.decide_one("tls-3")
        self.run_jobs()
        cb = self.callback()
        self.assertEqual((cb["state"], cb["attempts"]), ("pending", 1), cb)
        self.assertIn("certificate", cb["last_error"].lower(), cb)
        self.assertEqual(self.tls.got, [])

    def test_bad_callback_urls(self):
        for url in ("https://", "https://user:pw@127.0.0.1/hook", "ftp://127.0.0.1/", "https://exa mple.org/"):
            r = self.cl.post("/v1/moderation/settings", {"callback_url": url})
            self.assertEqual(r.status, 400, (url, r))
            self.assertEqual(r.json["error"]["code"], "invalid_field", (url, r))
        r = self.cl.post("/v1/moderation/settings", {"callback_url": self.tls.url, "rotate_secret": "yes"})
        self.assertEqual(r.status, 400, r)


if __name__ == "__main__":
    unittest.main()
