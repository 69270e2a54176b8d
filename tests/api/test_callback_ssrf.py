"""Callbacks cannot be used to scan the operator's network (issue 13, item 2).

With moderation.callback_private=false (the default):
- a callback URL whose host is a loopback, private or reserved address, in any
  textual form, or a localhost name, is refused when it is set (400, field
  callback_url) and changes nothing;
- a URL whose name resolves to such an address is accepted (names are not
  resolved when set) but no TCP connection is ever opened to the address: a
  listening socket on it sees none;
- GET /v1/moderation/callbacks shows one and the same error for every
  refusal or connection failure, so open and closed ports look alike, while
  the operator's log (stderr) keeps the detail.
The machine's own name plays the name that resolves inside (/etc/hosts maps
it to 127.0.1.1, 127.0.0.1 or a private container address); the tests that
need it are skipped where it does not."""
import ipaddress
import select
import socket
import threading
import unittest

from test_moderation_api import Base

GENERIC = "the callback endpoint could not be reached or is not allowed"

LOCAL_HOSTS = [
    "127.0.0.1", "localhost", "LOCALHOST.", "hooks.localhost", "2130706433", "127.1", "0x7f.1", "0x7f000001",
    "0177.0.0.1", "127.0.0.1.", "%31%32%37.0.0.1", "0.0.0.0", "0", "[::1]", "[::]", "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]", "[::127.0.0.1]", "10.0.0.1", "012.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1",
    "169.254.169.254", "2852039166", "100.64.0.1", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1",
    "192.0.2.1", "198.18.0.1", "[fc00::1]", "[fd12:3456::1]", "[fe80::1]", "[fe80::1%25eth0]", "[ff02::1]",
    "[64:ff9b::a9fe:a9fe]", "[2002:c0a8:101::1]", "[::ffff:0:a00:1]",
]
PUBLIC_URLS = ["https://hooks.example.org/visible", "http://8.8.8.8/cb", "http://134744072/cb",
               "https://[2a00:1450:4001::1]:8443/cb", "https://localhost.example.org/cb"]


def inside_name():
    """This machine's name and the private IPv4 address it resolves to, or None."""
    name = socket.gethostname()
    if not name or name.lower().rstrip(".") == "localhost" or name.lower().endswith(".localhost"):
        return None
    try:
        ip = socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    except OSError:
        return None
    a = ipaddress.ip_address(ip)
    return (name, ip) if (a.is_private or a.is_loopback) else None


class Listener:
    """A listening socket that never accepts: any connection waits in its backlog."""

    def __init__(self, ip="127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((ip, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def connected(self):
        return bool(select.select([self.sock], [], [], 0.3)[0])

    def close(self):
        self.sock.close()


def closed_port(ip="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((ip, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class SsrfBase(Base):
    private_callbacks = False
    extra = ("--set", "moderation.callback_timeout_ms=2000")

    def setUp(self):
        super().setUp()
        self.listeners = []
        self.moderator_client = self.moderator()[1]
        self.n = 0

    def tearDown(self):
        for ln in self.listeners:
            ln.close()
        super().tearDown()

    def listen(self, ip="127.0.0.1"):
        ln = Listener(ip)
        self.listeners.append(ln)
        return ln

    def set_url(self, url, status=200):
        r = self.cl.post("/v1/moderation/settings", {"callback_url": url})
        self.assertEqual(r.status, status, (url, r))
        return r

    def decide(self):
        self.n += 1
        self.content("ssrf-%d" % self.n)
        it = self.claim(self.moderator_client)[0]
        r = self.moderator_client.post("/v1/moderation/items/%d/decide" % it["id"], {"action": "keep", "facts": "ok"})
        self.assertEqual(r.status, 200, r)

    def deliver(self):
        """Run the housekeeping (past any backoff) and return the oldest
        callback: the one tried first in every run, with the URL as it is."""
        self.clock(advance_ms=3_600_000)
        self.run_jobs()
        cbs = self.cl.get("/v1/moderation/callbacks").json["callbacks"]
        return min(cbs, key=lambda c: c["id"])

    def errors_for(self, urls):
        """The error each URL leaves on one pending callback, in turn."""
        errs = []
        self.decide()
        for url in urls:
            self.set_url(url)
            cb = self.deliver()
            self.assertEqual(cb["state"], "pending", cb)
            errs.append(cb["last_error"])
        return errs

    def store_url(self, url):
        """Put a URL straight into the store: one set before such URLs were refused."""
        self.srv.sql("UPDATE mod_clients SET callback_url = ? WHERE client_id = ?", (url, self.client_acct["id"]))


class RefusedWhenSet(SsrfBase):
    def test_local_hosts_refused_in_every_form(self):
        self.set_url("https://hooks.example.org/first")
        before = self.srv.snapshot()
        for host in LOCAL_HOSTS:
            url = "http://%s:8080/hook" % host
            r = self.set_url(url, 400)
            e = r.json["error"]
            self.assertEqual((e["code"], e["field"]), ("invalid_field", "callback_url"), (url, r))
            self.assertIn("callback_url", e["message"])
        self.assertEqual(self.srv.snapshot(), before)  # nothing changed
        self.assertEqual(self.cl.get("/v1/moderation/settings").json["callback_url"],
                         "https://hooks.example.org/first")
        r = self.set_url("http://2130706433/", 400)
        self.assertIn("127.0.0.1", r.json["error"]["message"])  # the address it really is
        self.assertIn("loopback, private or reserved", r.json["error"]["message"])

    def test_invalid_numeric_hosts_refused(self):
        for url in ("http://999.1.1.1/", "http://1.2.3.08/", "http://4294967296/", "http://1.2.3.4.5/"):
            self.assertEqual(self.set_url(url, 400).json["error"]["field"], "callback_url")

    def test_public_urls_accepted(self):
        for url in PUBLIC_URLS:
            self.assertEqual(self.set_url(url).json["callback_url"], url)


class AllowedWhenPrivate(SsrfBase):
    private_callbacks = True

    def test_private_hosts_accepted_when_allowed(self):
        for host in LOCAL_HOSTS:
            self.set_url("http://%s:8080/hook" % host)


class NoConnection(SsrfBase):
    def test_name_resolving_inside_gets_no_connection(self):
        found = inside_name()
        if not found:
            self.skipTest("this machine's name does not resolve to a private IPv4 address")
        name, ip = found
        ln = self.listen(ip)
        self.set_url("http://%s:%d/hook" % (name, ln.port))  # a name: accepted, resolved only when sent
        self.decide()
        cb = self.deliver()
        self.assertFalse(ln.connected(), "a TCP connection was opened to %s:%d" % (ip, ln.port))
        self.assertEqual((cb["state"], cb["last_error"], cb["last_status"]), ("pending", GENERIC, None), cb)
        # the operator's log has the detail
        log = self.srv.stderr()
        self.assertIn('"kind":"address_refused"', log)
        self.assertIn("%s is a loopback, private or reserved address" % ip, log)

    def test_url_stored_before_the_rule_gets_no_connection(self):
        ln = self.listen()
        self.set_url("https://hooks.example.org/first")
        self.decide()
        for host in ("127.0.0.1", "localhost", "2130706433", "[::ffff:127.0.0.1]"):
            self.store_url("http://%s:%d/hook" % (host, ln.port))
            cb = self.deliver()
            self.assertFalse(ln.connected(), "a TCP connection was opened for %s" % host)
            self.assertEqual((cb["state"], cb["last_error"]), ("pending", GENERIC), (host, cb))


class SameErrorOpenOrClosed(SsrfBase):
    def test_open_and_closed_ports_look_alike(self):
        found = inside_name()
        if not found:
            self.skipTest("this machine's name does not resolve to a private IPv4 address")
        name, ip = found
        ln = self.listen(ip)
        errs = self.errors_for(["http://%s:%d/" % (name, ln.port), "http://%s:%d/" % (name, closed_port(ip)),
                                "http://no-such-host.invalid/"])
        self.assertEqual(errs, [GENERIC] * 3)
        self.assertFalse(ln.connected())


class SameErrorWhenAllowed(SsrfBase):
    """Even where private addresses are allowed, what a client sees of a
    failed connection does not tell an open port from a closed one."""
    private_callbacks = True
    extra = ("--set", "moderation.callback_timeout_ms=500")

    def test_failures_look_alike(self):
        silent = self.listen()  # accepts (backlog), never answers: a timeout
        hangup = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # accepts and closes: no HTTP answer
        hangup.bind(("127.0.0.1", 0))
        hangup.listen(8)

        def hang_up():
            while True:
                try:
                    c, _ = hangup.accept()
                except OSError:
                    return
                c.close()
        t = threading.Thread(target=hang_up, daemon=True)
        t.start()
        try:
            errs = self.errors_for(["http://127.0.0.1:%d/" % silent.port,
                                    "http://127.0.0.1:%d/" % hangup.getsockname()[1],
                                    "http://127.0.0.1:%d/" % closed_port(),
                                    "http://no-such-host.invalid/"])
        finally:
            hangup.close()
        self.assertEqual(errs, [GENERIC] * 4)
        log = self.srv.stderr()
        for kind in ("timeout", "connect_failed", "dns_failed"):
            self.assertIn('"kind":"%s"' % kind, log)


if __name__ == "__main__":
    unittest.main()
