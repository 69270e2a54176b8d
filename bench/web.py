#!/usr/bin/python3
"""Page budgets of the web app (issue 12): for each page, the bytes of the
page's own files transferred on a first load (cache empty; Debian's browser
libraries under /vendor/ counted apart) and the first contentful paint in
headless Chromium on loopback, beside a reference page (a one-line HTML file
served by the same server) measured in the same run. Budgets: own files
< 150 KB, FCP < 1 s. Prints figures; never fails on slowness.

Run: /usr/bin/python3 bench/web.py   (needs build/visible and the packages
of scripts/install-deps)."""
import os
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "web"))
from web import Browser, vis  # noqa: E402

PAGES = [("/", None), ("/login", None), ("/work", "alice@demo.visible"), ("/me", "alice@demo.visible"),
         ("/courier", "farah@demo.visible")]
RUNS = 5

MEASURE = """
const done = arguments[arguments.length - 1];
function go() {
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const nav = performance.getEntriesByType('navigation')[0];
  let own = nav ? nav.transferSize : 0, vendor = 0, n = 1;
  for (const r of performance.getEntriesByType('resource')) {
    const u = new URL(r.name);
    if (u.pathname.startsWith('/vendor/')) vendor += r.transferSize; else { own += r.transferSize; n++; }
  }
  done({fcp: fcp ? fcp.startTime : null, own, vendor, n});
}
if (document.body && document.body.dataset.ready === '1') setTimeout(go, 50);
else { const t0 = Date.now(); const iv = setInterval(() => {
  if ((document.body && document.body.dataset.ready === '1') || Date.now() - t0 > 10000) { clearInterval(iv); setTimeout(go, 50); } }, 20); }
"""


def main():
    webroot = tempfile.mkdtemp(prefix="visible-bench-web-")
    # the reference: the same server's static files with one more, minimal page
    shutil.copytree(os.path.join(vis.REPO, "web"), webroot, dirs_exist_ok=True)
    with open(os.path.join(webroot, "ref.html"), "w") as f:
        f.write("<!doctype html><html lang=en><meta charset=utf-8><title>ref</title><p>reference page</p>"
                "<script src=/ref.js></script>")
    with open(os.path.join(webroot, "ref.js"), "w") as f:
        f.write("document.body.dataset.ready='1';\n")
    srv = vis.Server("--set", "web_root=" + webroot, "--set", "dispatch.auto=false", demo=True)
    b = Browser(srv)
    try:
        b.d.execute_cdp_cmd("Network.enable", {})
        b.d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        b.d.set_script_timeout(30)
        rows = []
        for path, who in [("/ref", None)] + PAGES:
            b.d.delete_all_cookies()
            if who:
                b.login(who)
            fcps, own, vendor, n = [], 0, 0, 0
            for _ in range(RUNS):
                b.d.get(b.base + path)
                m = b.d.execute_async_script(MEASURE)
                if m["fcp"] is not None:
                    fcps.append(m["fcp"])
                own, vendor, n = m["own"], m["vendor"], m["n"]
            rows.append((path, who or "-", own, n, vendor, statistics.median(fcps) if fcps else None))
        ref = rows[0][5]
        print("page        signed in as           own KB  files  vendor KB   FCP ms  FCP/ref   budget")
        for path, who, own, n, vendor, fcp in rows:
            ok = own < 150 * 1024 and fcp is not None and fcp < 1000
            print("%-11s %-20s %8.1f %6d %10.1f %8.0f %8.2f   %s" % (
                path, who, own / 1024, n, vendor / 1024, fcp or -1, (fcp / ref) if (fcp and ref) else 0,
                "ok" if ok or path == "/ref" else "OVER"))
        print("(own: the page's HTML, CSS, JS modules and catalogues as transferred, headers included; "
              "vendor: Debian's Chart.js/Leaflet; FCP: median of %d cold loads)" % RUNS)
    finally:
        b.close()
        srv.close()
        shutil.rmtree(webroot, ignore_errors=True)


if __name__ == "__main__":
    main()
