"""Helpers for the browser tests: the real `visible serve` (tests/api/vis.py)
driven by Debian's headless Chromium through chromium-driver and
python3-selenium, audited with axe-core (npm, test-only, installed by
scripts/install-deps into tests/web/node_modules).

Each test module starts one server and one browser. `Browser.page(path)`
opens a page and waits for it to be ready (the page sets
document.body.dataset.ready once it has drawn); `shot(name)` writes phone
and laptop screenshots to $WEB_SHOTS (default build/screenshots);
`audit()` runs axe and fails on any serious or critical violation;
`untranslated()` lists visible text that is not in the current language's
catalogues.
"""
import base64
import json
import os
import sys
import tempfile
import time
import shutil
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "api"))
import vis  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from selenium.common.exceptions import (StaleElementReferenceException, TimeoutException,  # noqa: E402
                                        WebDriverException)

REPO = vis.REPO
WEB = os.path.join(REPO, "web")
AXE = os.path.join(HERE, "node_modules", "axe-core", "axe.min.js")
SHOTS = os.environ.get("WEB_SHOTS", os.path.join(REPO, "build", "screenshots"))
PHONE = (360, 800)
LAPTOP = (1280, 800)

__all__ = ["vis", "Browser", "WebCase", "By", "Keys", "TimeoutException", "WebDriverException", "catalogue"]


def catalogue(lang, *names):
    out = {}
    for n in ("common",) + names:
        with open(os.path.join(WEB, "i18n", lang, n + ".json"), encoding="utf-8") as f:
            out.update(json.load(f))
    return out


class Browser:
    def __init__(self, server, lang="en-GB"):
        self.srv = server
        self.base = "http://127.0.0.1:%d" % server.port
        self.profile = tempfile.mkdtemp(prefix="visible-chromium-")
        o = webdriver.ChromeOptions()
        o.binary_location = "/usr/bin/chromium"
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--disable-quic", "--disable-features=Translate,MediaRouter",
                  "--user-data-dir=" + self.profile, "--lang=" + lang, "--window-size=1280,800"):
            o.add_argument(a)
        o.add_experimental_option("prefs", {"intl.accept_languages": lang})
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
        self.d.set_page_load_timeout(30)
        self.viewport(*LAPTOP)

    def close(self):
        try:
            self.d.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # ---- navigation ----
    def viewport(self, w, h, mobile=False):
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": mobile})

    def page(self, path, ready=True, timeout=15):
        self.d.get(self.base + path)
        if ready:
            self.wait_ready(timeout)
        return self.d

    def wait_ready(self, timeout=15):
        try:
            WebDriverWait(self.d, timeout).until(
                lambda d: d.execute_script("return document.body && document.body.dataset.ready === '1'"))
        except TimeoutException:
            raise AssertionError("page %s not ready; console: %s" % (self.d.current_url, self.console()))

    def wait(self, cond, timeout=15, what="condition"):
        """cond: a CSS selector (visible element) or a function of the driver."""
        if isinstance(cond, str):
            sel = cond

            def cond(d):
                try:
                    els = d.find_elements(By.CSS_SELECTOR, sel)
                    return els[0] if els and els[0].is_displayed() else None
                except StaleElementReferenceException:  # the page redrew it: look again
                    return None
            what = sel
        try:
            # a callable condition may read an element the page is redrawing: look again
            return WebDriverWait(self.d, timeout, poll_frequency=0.1,
                                 ignored_exceptions=(StaleElementReferenceException,)).until(cond)
        except TimeoutException:
            raise AssertionError("timed out waiting for %s on %s; console: %s" % (what, self.d.current_url,
                                                                               self.console()))

    def q(self, sel):
        return self.d.find_element(By.CSS_SELECTOR, sel)

    def qa(self, sel):
        return self.d.find_elements(By.CSS_SELECTOR, sel)

    def text(self, sel):
        return self.q(sel).text

    def attr(self, sel, name):
        """An attribute read in one step (the page redraws parts of itself as data arrives)."""
        return self.js("const e = document.querySelector(arguments[0]); return e && e.getAttribute(arguments[1])",
                       sel, name)

    def seen(self, sel, timeout=15):
        """Wait until an element matching sel is shown (checked in one step in the page); the element."""
        self.wait(lambda d: self.js("const e = document.querySelector(arguments[0]);"
                                    " return !!e && e.getClientRects().length > 0", sel), timeout, what=sel)
        return self.q(sel)

    def languages(self, page, heading, en, fr):
        """Switch the page to French and back in place: the heading follows,
        no visible string stays untranslated, the audit stays clean."""
        for lang, text in (("en", en), ("fr", fr)):
            if lang == "fr":
                self.q("header.top button.lang[lang=fr]").click()
                self.wait(lambda d: self.text(heading) == fr, what="French")
            left = self.untranslated(lang, page)
            if left:
                raise AssertionError("untranslated in %s: %s" % (lang, left))
        problems = self.audit()
        if problems:
            raise AssertionError("accessibility: %s" % problems)
        self.q("header.top button.lang[lang=en]").click()
        self.wait(lambda d: self.text(heading) == en, what="English")

    def has_text(self, sel, part, timeout=15):
        """Wait until the element at sel (looked up afresh each time: pages redraw) shows part."""
        self.wait(lambda d: part in self.text(sel), timeout, what="%r in %s" % (part, sel))

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def keys(self, *keys):
        """Type keys into whatever has focus (keyboard-only use)."""
        from selenium.webdriver.common.action_chains import ActionChains
        ActionChains(self.d).send_keys(*keys).perform()

    def console(self):
        try:
            return [e["message"] for e in self.d.get_log("browser")]
        except WebDriverException:
            return []

    def login(self, email, password="demo-password"):
        self.page("/login")
        self.q("#login-email").send_keys(email)
        self.q("#login-password").send_keys(password)
        self.q("#login-submit").click()
        self.wait(lambda d: "/login" not in d.current_url, what="redirect after sign-in")
        self.wait_ready()

    def logout(self):
        self.q("#logout").click()
        self.wait(lambda d: d.current_url.endswith("/login"), what="back on /login")

    def cookies(self):
        return {c["name"]: c for c in self.d.get_cookies()}

    # ---- evidence ----
    def shot(self, name):
        """Screenshots of the current page at phone and laptop sizes (full page height)."""
        os.makedirs(SHOTS, exist_ok=True)
        for label, (w, h), mobile in (("phone", PHONE, True), ("laptop", LAPTOP, False)):
            self.viewport(w, h, mobile)
            time.sleep(0.2)
            height = min(int(self.js("return Math.max(document.documentElement.scrollHeight, %d)" % h)), 2400)
            # a viewport as tall as the page, scrolled to the top: beyond the
            # viewport, sandboxed frames (their own process) would stay blank
            self.js("window.scrollTo(0, 0)")
            self.viewport(w, height, mobile)
            time.sleep(0.3)
            png = self.d.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": w, "height": height, "scale": 1}})
            with open(os.path.join(SHOTS, "%s-%s.png" % (name, label)), "wb") as f:
                f.write(base64.b64decode(png["data"]))
        self.viewport(*LAPTOP)

    def audit(self, context=None):
        """axe-core on the current page: the serious and critical violations."""
        if not os.path.exists(AXE):
            raise AssertionError("axe-core missing: run scripts/install-deps (%s)" % AXE)
        if not self.js("return !!window.axe"):
            with open(AXE, encoding="utf-8") as f:
                self.js(f.read())
        self.d.set_script_timeout(60)
        res = self.d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))),
              e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));""")
        return [v for v in res if v["impact"] in ("serious", "critical")]

    def untranslated(self, lang, *names):
        """Visible text nodes that are neither in the `lang` catalogues nor
        free of words (numbers, amounts, names passed by the page are
        marked data-raw). Returns the offending strings."""
        cat = catalogue(lang, *names)
        other = catalogue("fr" if lang == "en" else "en", *names)
        own = set(cat.values())
        foreign = {v for k, v in other.items() if cat.get(k) != v}
        texts = self.js("""
            const out = [];
            const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            while (w.nextNode()) {
              const n = w.currentNode, p = n.parentElement, s = n.textContent.trim();
              if (!s || !p || p.closest('[data-raw], script, style, iframe, canvas')) continue;
              const r = p.getBoundingClientRect(), cs = getComputedStyle(p);
              if (cs.visibility === 'hidden' || cs.display === 'none' || (r.width === 0 && r.height === 0)) continue;
              out.push(s);
            }
            return out;""")
        bad = [s for s in texts if s in foreign or "⟦" in s]
        return bad


class WebCase(unittest.TestCase):
    """One server and one browser for a test class. A subclass may set
    `server_args` and `demo`, and fill the platform through the API in
    `populate(cls, srv)`; every test starts signed out."""
    server_args = ()
    demo = False

    @classmethod
    def setUpClass(cls):
        cls.srv = vis.Server(*cls.server_args, demo=cls.demo)
        try:
            cls.populate(cls.srv)
            cls.b = Browser(cls.srv)
        except BaseException:
            cls.srv.close()
            raise

    @classmethod
    def populate(cls, srv):
        pass

    @classmethod
    def tearDownClass(cls):
        cls.b.close()
        cls.srv.close()

    def setUp(self):
        self.b.d.delete_all_cookies()
