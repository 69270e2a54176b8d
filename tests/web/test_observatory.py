"""Browser tests of the public home page (/): the observatory's charts and
tables against the API, suppressed groups shown in words and never as 0,
the share of "AI" output made by humans, the public Article 17 declaration,
the register of automated systems, signed-out and signed-in use, both
languages, accessibility, and the translated 404 page."""
import http.client
import re
import unittest
from decimal import Decimal, ROUND_HALF_UP

from selenium.webdriver.support.ui import Select

from web import Browser, By, WebCase, catalogue, vis

CHARTS = ("chart-workers", "chart-hours", "chart-median", "chart-deciles", "chart-shares")
PAINTED = """
const c = document.getElementById(arguments[0]);
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0;
for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
return n;"""


def eur(micros):
    """fmt.moneyRounded in en-GB: the exact amount rounded half up to the cent."""
    d = (Decimal(micros) / Decimal(1_000_000)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return "€{:,.2f}".format(d)


def eur_fr(micros):
    d = (Decimal(micros) / Decimal(1_000_000)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    units, cents = "{:.2f}".format(d).split(".")
    groups = "{:,}".format(int(units)).replace(",", "\u202f")
    return "%s,%s\u00a0€" % (groups, cents)


def pct(x):
    return "{:.1f}%".format(Decimal(repr(x * 100)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def shown_periods(o, scope="all"):
    """The periods the page shows: from the first with work in the scope."""
    for i, p in enumerate(o["periods"]):
        c = next((c for c in p["families"] if c["family"] == scope), None)
        if c and (c["suppressed"] or c["active_workers"] > 0):
            return o["periods"][i:]
    return []


class Observatory(WebCase):
    demo = True

    @classmethod
    def populate(cls, srv):
        cls.api = srv.client()

    def home(self, b=None):
        b = b or self.b
        b.page("/")
        return b

    def row(self, period, family, b=None):
        b = b or self.b
        return b.q('#obs-table tr[data-period="%s"][data-family="%s"]' % (period, family))

    def cell(self, period, family, col, b=None):
        return self.row(period, family, b).find_element(By.CSS_SELECTOR, '[data-col="%s"]' % col).text

    # ---- charts ----
    def test_charts_render_with_text_alternatives(self):
        b = self.home()
        for cid in CHARTS:
            self.assertTrue(b.js("return !!Chart.getChart(document.getElementById(arguments[0]))", cid), cid)
            self.assertGreater(b.js(PAINTED, cid), 1000, "%s has nothing drawn" % cid)
            canvas = b.q("#" + cid)
            self.assertEqual(canvas.get_attribute("role"), "img")
            self.assertTrue(canvas.get_attribute("aria-label"), cid)
            described = canvas.get_attribute("aria-describedby")
            self.assertTrue(b.js("return document.getElementById(arguments[0]).textContent", described), cid)
        # the workers chart holds the API's figures, family by family, period by period
        o = self.api.get("/v1/observatory?group_by=month").json
        periods = shown_periods(o)
        self.assertTrue(periods)
        data = b.js("""const c = Chart.getChart(document.getElementById('chart-workers'));
                       return c.data.datasets.map(d => [d.label, d.data]);""")
        cat = catalogue("en", "index")
        labels = {lab: vals for lab, vals in data}
        fams = sorted({c["family"] for p in periods for c in p["families"]})
        self.assertEqual(len(data), len(fams))
        for f in fams:
            vals = labels[cat["index.family." + f]]
            for i, p in enumerate(periods):
                c = next((c for c in p["families"] if c["family"] == f), None)
                want = None if c and c["suppressed"] else (c["active_workers"] if c else 0)
                self.assertEqual(vals[i], want, (f, p["period"]))
        # the minimum hourly pay is drawn on the pay chart
        med = b.js("""const c = Chart.getChart(document.getElementById('chart-median'));
                      return c.data.datasets.map(d => [d.label, d.data[0]]);""")
        self.assertIn([cat["index.minimum"], o["minimum_hourly_micros"] / 1e6], med)

    # ---- tables ----
    def test_table_values_equal_the_api(self):
        b = self.home()
        o = self.api.get("/v1/observatory?group_by=month").json
        checked = 0
        for p in shown_periods(o):
            for c in p["families"]:
                if c["suppressed"]:
                    self.assertIn("suppressed (fewer than %d workers)" % o["k"],
                                  self.row(p["period"], c["family"]).text)
                    continue
                if not c["active_workers"]:
                    continue
                self.assertEqual(self.cell(p["period"], c["family"], "active_workers"),
                                 "{:,}".format(c["active_workers"]))
                if c["quantiles_withheld"]:
                    # no distribution where it would show a suppressed worker's figure
                    for col in ("median_after", "median_before", "below", "median_all", "below_all"):
                        self.assertEqual(self.cell(p["period"], c["family"], col), "—")
                    continue
                # pay per hour over all time spent (unpaid included), beside the paid-time figure
                self.assertEqual(self.cell(p["period"], c["family"], "median_all"),
                                 eur(c["median_hourly_all_time_after_costs_micros"]))
                self.assertEqual(self.cell(p["period"], c["family"], "below_all"),
                                 pct(c["share_below_minimum_all_time_after_costs"]))
                self.assertEqual(self.cell(p["period"], c["family"], "median_after"),
                                 eur(c["median_hourly_after_costs_micros"]))
                self.assertEqual(self.cell(p["period"], c["family"], "below"),
                                 pct(c["share_below_minimum_after_costs"]))
                self.assertEqual(self.cell(p["period"], c["family"], "unpaid"), pct(c["unpaid_share"]))
                # the exact amount, from the micros, is kept alongside
                el = self.row(p["period"], c["family"]).find_element(By.CSS_SELECTOR, '[data-col="median_after"]')
                self.assertEqual(el.get_attribute("data-micros"), str(c["median_hourly_after_costs_micros"]))
                d = b.qa('#obs-deciles tr[data-period="%s"][data-family="%s"] td.num' % (p["period"], c["family"]))
                self.assertEqual([x.text for x in d], [eur(x) for x in c["deciles_hourly_after_costs_micros"]])
                checked += 1
        self.assertGreaterEqual(checked, 4)
        # headline: the minimum and the year's figures
        self.assertEqual(b.text("#stat-minimum .value"), eur(o["minimum_hourly_micros"]))
        self.assertEqual(b.text("#stat-minimum .value"), "€12.00")
        year = self.api.get("/v1/observatory?group_by=all").json["periods"][0]
        al = next(c for c in year["families"] if c["family"] == "all")
        self.assertEqual(b.text("#stat-workers .value"), "{:,}".format(al["active_workers"]))
        if al["quantiles_withheld"]:
            self.assertEqual(b.text("#stat-median .value"), "—")
        else:
            self.assertEqual(b.text("#stat-median .value"), eur(al["median_hourly_after_costs_micros"]))
            self.assertEqual(b.text("#stat-median-all .value"), eur(al["median_hourly_all_time_after_costs_micros"]))

    def test_suppressed_cells_in_words_never_zero(self):
        # with k = 15 every family of the demo (at most 14 workers a month) is suppressed
        srv = vis.Server("--set", "visibility.k=15", demo=True)
        b = Browser(srv)
        try:
            o = srv.client().get("/v1/observatory?group_by=month").json
            self.assertEqual(o["k"], 15)
            periods = shown_periods(o)
            sup = [(i, p["period"], c["family"]) for i, p in enumerate(periods) for c in p["families"]
                   if c["suppressed"]]
            self.assertTrue(sup, "k = 15 should suppress demo groups")
            b.page("/")
            for i, period, fam in sup:
                tr = self.row(period, fam, b)
                tds = tr.find_elements(By.CSS_SELECTOR, "td")
                self.assertEqual(tds[-1].text, "suppressed (fewer than 15 workers)")
                self.assertIn("suppressed", tds[-1].get_attribute("class"))
                self.assertNotIn("0", [td.text for td in tds])
                self.assertFalse(tr.find_elements(By.CSS_SELECTOR, "[data-col=active_workers]"))
                label = catalogue("en", "index")["index.family." + fam]
                for cid in ("chart-workers", "chart-hours", "chart-median"):
                    v = b.js("""const c = Chart.getChart(document.getElementById(arguments[0]));
                                const d = c.data.datasets.find(d => d.label === arguments[1]);
                                return d.data[arguments[2]];""", cid, label, i)
                    self.assertIsNone(v, (cid, period, fam))
                # the text summary says it in words
                self.assertIn(label + ":", b.js("return document.getElementById('chart-workers-text').textContent"))
            self.assertIn("suppressed (fewer than 15 workers)",
                          b.js("return document.getElementById('chart-workers-text').textContent"))
            # a published total next to them
            last = periods[-1]["period"]
            al = next(c for c in periods[-1]["families"] if c["family"] == "all")
            self.assertFalse(al["suppressed"])
            self.assertEqual(self.cell(last, "all", "active_workers", b), str(al["active_workers"]))
            self.assertEqual(b.audit(), [])
        finally:
            b.close()
            srv.close()

    def test_period_and_family_selectors(self):
        b = self.home()
        Select(b.q("#obs-group")).select_by_value("week")
        b.wait(lambda d: d.find_elements(By.CSS_SELECTOR, '#obs-table tr[data-period*="-W"]'), what="weekly rows")
        b.wait(lambda d: not d.execute_script("return document.body.dataset.obsLoading"), what="loaded")
        o = self.api.get("/v1/observatory?group_by=week").json
        want = [p["period"] for p in shown_periods(o)]
        got = b.js("""return [...new Set([...document.querySelectorAll('#obs-table tbody tr')]
                      .map(r => r.dataset.period))];""")
        self.assertEqual(got, list(reversed(want)))
        self.assertEqual(len(b.js("return Chart.getChart(document.getElementById('chart-workers')).data.labels")),
                         len(want))
        self.assertIn("Week by week", b.text("#obs-status"))
        # one family
        Select(b.q("#obs-family")).select_by_value("dispatch")
        b.wait(lambda d: d.execute_script(
            "return [...document.querySelectorAll('#obs-table tbody tr')].every(r => r.dataset.family === 'dispatch')"),
            what="dispatch rows only")
        b.wait(lambda d: not d.execute_script("return document.body.dataset.obsLoading"), what="loaded")
        o = self.api.get("/v1/observatory?group_by=week&family=dispatch").json
        for p in shown_periods(o, "dispatch"):
            c = next((c for c in p["families"] if c["family"] == "dispatch"), None)
            if c and not c["suppressed"]:
                self.assertEqual(self.cell(p["period"], "dispatch", "active_workers"), "{:,}".format(c["active_workers"]))
                self.assertEqual(self.cell(p["period"], "dispatch", "median_after"),
                                 "—" if c["quantiles_withheld"] else eur(c["median_hourly_after_costs_micros"]))
        labels = b.js("return Chart.getChart(document.getElementById('chart-workers')).data.datasets.map(d => d.label)")
        self.assertEqual(labels, ["Delivery"])
        self.assertIn("Delivery", b.text("#chart-shares-h"))

    # ---- human output, declaration, register ----
    def test_human_output(self):
        b = self.home()
        year = self.api.get("/v1/observatory?group_by=all").json["periods"][0]
        for h in year["human_output"]:
            card = b.q("#human-" + h["family"])
            if h["suppressed"]:
                self.assertIn("suppressed", card.text)
            elif h["items"]:
                self.assertEqual(card.find_element(By.CSS_SELECTOR, ".value").text, pct(h["human_share"]))
                self.assertIn("{:,} of {:,}".format(h["made_or_checked_by_humans"], h["items"]), card.text)
        self.assertTrue(b.qa("#human-table tbody tr"))

    def test_declaration_figures(self):
        b = self.home()
        d = self.api.get("/v1/declaration").json
        self.assertEqual(b.text("#decl-persons .value"), "{:,}".format(d["persons_performing_platform_work"]))
        self.assertEqual(b.text("#decl-registered .value"), "{:,}".format(d["registered_worker_accounts"]))
        self.assertEqual(b.text("#decl-income .value"), eur(d["average_income_per_person_micros"]))
        # both hourly figures: over paid time (the minimum applies to it) and over all time spent
        self.assertEqual(d["minimum_applies_to"], "paid_time")
        self.assertEqual(b.text("#decl-hourly-paid .value"), eur(d["hourly_paid_time_micros"]))
        self.assertEqual(b.text("#decl-hourly-all .value"), eur(d["hourly_all_time_micros"]))
        self.assertLessEqual(d["hourly_all_time_micros"], d["hourly_paid_time_micros"])
        self.assertEqual(b.text("#decl-hours .value"),
                         "%s h" % Decimal(repr(d["average_weekly_hours_per_person"])).quantize(Decimal("0.1"), ROUND_HALF_UP))
        levels = b.qa("#decl-levels tbody tr")
        self.assertEqual(len(levels), len(d["by_level_of_activity"]))
        for tr, lv in zip(levels, d["by_level_of_activity"]):
            self.assertEqual(tr.get_attribute("data-level"), lv["level"])
            self.assertEqual(tr.find_element(By.CSS_SELECTOR, "td").text,
                             "suppressed (fewer than %d workers)" % d["k"] if lv["suppressed"] else str(lv["persons"]))
        for f in d["by_family"]:
            tr = b.q('#decl-family tr[data-family="%s"]' % f["family"])
            if f["suppressed"]:
                self.assertIn("suppressed", tr.text)
            else:
                self.assertEqual(tr.find_element(By.CSS_SELECTOR, "[data-col=persons]").text, str(f["persons"]))
                self.assertEqual(tr.find_element(By.CSS_SELECTOR, "[data-col=income]").text,
                                 eur(f["average_income_per_person_micros"]))
        self.assertIn("self-employed", b.text("#decl-status"))

    def test_register_lists_every_system(self):
        b = self.home()
        r = self.api.get("/v1/register").json
        arts = b.qa("#reg-list article.system")
        self.assertEqual([a.get_attribute("data-system") for a in arts], [s["id"] for s in r["systems"]])
        for a, s in zip(arts, r["systems"]):
            self.assertEqual(a.find_element(By.CSS_SELECTOR, ".system-name").text, s["name"])
            for key in ("decides", "uses_worker_data", "does_not_use", "human_oversight", "how_to_contest"):
                self.assertEqual(a.find_element(By.CSS_SELECTOR, 'dd[data-field="%s"]' % key).text, s[key], key)
            self.assertIn("active" if s["active"] else "not active", a.find_element(By.CSS_SELECTOR, ".badge").text)
            if not s["active"]:  # what runs instead, in the register's words
                self.assertEqual(a.find_element(By.CSS_SELECTOR, 'dd[data-field="status"]').text, s["status"])
            num = lambda x: str(int(x)) if x == int(x) else str(x)
            for k, v in s["parameters"].items():
                shown = "(empty)" if v == "" else str(v).lower() if isinstance(v, bool) else v
                if isinstance(v, dict):  # set per batch by the client: the platform's default and limits
                    shown = "set per batch: default %s, from %s to %s" % (num(v["platform_default"]), num(v["min"]),
                                                                         num(v["max"]))
                self.assertIn("%s = %s" % (k, shown), a.text)
        self.assertIn(r["config_fingerprint"], b.text("#reg-meta"))

    # ---- who ----
    def test_signed_out_and_signed_in(self):
        b = self.home()
        self.assertTrue(b.q("#login-link").is_displayed())
        self.assertFalse(b.q("#index-me").is_displayed())
        b.page("/login")
        st = b.js("""return fetch('/v1/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
                     body: JSON.stringify({email: 'alice@demo.visible', password: 'demo-password', session: true})})
                     .then(r => r.status)""")
        self.assertEqual(st, 200)
        b.page("/")
        self.assertIn("Alice Martin", b.text("header.top"))
        self.assertIn("Alice Martin", b.text("#index-me"))
        self.assertEqual(b.q("#index-me a").get_attribute("href"), b.base + "/me")
        self.assertTrue(b.js("return !!Chart.getChart(document.getElementById('chart-workers'))"))
        self.assertTrue(b.qa("#obs-table tbody tr"))
        self.assertEqual(b.q('header.top nav a[aria-current="page"]').get_attribute("href"), b.base + "/")

    # ---- languages, accessibility, screenshots ----
    def test_languages_audit_and_shots(self):
        b = self.home()
        self.assertEqual(b.untranslated("en", "index"), [])
        self.assertEqual(b.audit(), [])
        fr = catalogue("fr", "index")
        b.q("header.top button.lang[lang=fr]").click()
        b.wait(lambda d: d.find_element(By.ID, "index-h").text == fr["index.title"], what="French")
        self.assertEqual(b.js("return document.documentElement.lang"), "fr")
        self.assertEqual(b.untranslated("fr", "index"), [])
        # numbers in French, redrawn in place
        o = self.api.get("/v1/observatory?group_by=month").json
        p = next(p for p in shown_periods(o)
                 if not next(c for c in p["families"] if c["family"] == "all").get("quantiles_withheld", True))
        al = next(c for c in p["families"] if c["family"] == "all")
        txt = b.js("return arguments[0].textContent", b.q(
            '#obs-table tr[data-period="%s"][data-family="all"] [data-col="median_after"]' % p["period"]))
        self.assertEqual(txt, eur_fr(al["median_hourly_after_costs_micros"]))
        self.assertIn(fr["index.family.all"], b.js(
            "return Chart.getChart(document.getElementById('chart-workers')).data.datasets.map(d => d.label).join('|')"))
        self.assertEqual(b.audit(), [])
        b.viewport(360, 800, True)  # phone: tables scroll, charts shrink
        try:
            self.assertEqual(b.audit(), [])
        finally:
            b.viewport(1280, 800)
        b.shot("observatory")
        b.page("/")  # the choice is kept
        self.assertEqual(b.text("#index-h"), fr["index.title"])
        self.assertEqual(b.untranslated("fr", "index"), [])
        b.q("header.top button.lang[lang=en]").click()
        b.wait(lambda d: d.find_element(By.ID, "index-h").text == catalogue("en", "index")["index.title"], what="English")

    def test_no_inline_script(self):
        html = open(vis.REPO + "/web/index.html", encoding="utf-8").read()
        self.assertIsNone(re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html))
        self.assertIsNone(re.search(r"\son[a-z]+=", html))
        self.assertNotIn("style=", html)
        self.assertEqual([l for l in self.b.console() if "Content Security Policy" in l], [])

    def test_not_found_page(self):
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        c.request("GET", "/no/such/page")
        r = c.getresponse()
        body = r.read().decode()
        self.assertEqual(r.status, 404)
        self.assertTrue(r.getheader("Content-Type").startswith("text/html"))
        self.assertIn("script-src 'self'", r.getheader("Content-Security-Policy"))
        self.assertIn("/js/pages/notfound.js", body)
        b = self.b
        b.page("/no/such/page")
        en = catalogue("en", "notfound")
        self.assertEqual(b.text("#notfound-h"), en["notfound.title"])
        self.assertEqual(b.text("#notfound-path"), "/no/such/page")
        self.assertTrue(b.js("return document.title").startswith(en["page.title"]))
        self.assertEqual(b.untranslated("en", "notfound"), [])
        self.assertEqual(b.audit(), [])
        b.q("header.top button.lang[lang=fr]").click()
        fr = catalogue("fr", "notfound")
        b.wait(lambda d: d.find_element(By.ID, "notfound-h").text == fr["notfound.title"], what="French")
        self.assertEqual(b.untranslated("fr", "notfound"), [])
        b.shot("notfound")
        b.page("/another/missing")
        self.assertEqual(b.text("#notfound-h"), "Page introuvable")


if __name__ == "__main__":
    unittest.main()
