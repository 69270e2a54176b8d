"""Browser tests of the micro-worker's page (/work): the list of batches with
pay per answer and per hour against the minimum, working with the keyboard
only (claim → answer → submit → the next task at once; give back), the lease
countdown from the platform's clock, a hostile task template that must run
nothing, and a blocked worker asking for a human review of the automated
decision. One server populated through the API, one browser."""
import json
import re
import time
import unittest

from web import Browser, By, Keys, WebCase, vis

PASSWORD = "correct horse"
LEASE = 600
HOSTILE = """<h2 id="q">Is this message safe?</h2><p>${text}</p>
<script>window.parent.HOSTILE = 1; parent.document.title = 'PWNED'; top.HOSTILE = 1;</script>
<script>fetch('/v1/hostile-fetch', {method: 'POST', credentials: 'include', body: document.cookie});</script>
<script>top.location = '/v1/hostile-top';</script>
<img src="/v1/hostile-img" onerror="parent.document.title = 'PWNED-IMG'">
<img src="/v1/logout">
<form id="f" action="/v1/logout" method="post"><input name="a" value="1"><button id="go">go</button></form>
<script>document.getElementById('f').submit();</script>
<link rel="stylesheet" href="/v1/hostile-css">
<iframe src="/v1/hostile-iframe"></iframe>
<object data="/v1/hostile-object"></object>
<a id="l" href="/v1/hostile-link" target="_top">a link</a>
<script>document.getElementById('l').click();</script>
<svg onload="parent.document.title = 'PWNED-SVG'"></svg>
<meta http-equiv="refresh" content="0;url=/v1/hostile-refresh">"""



def make_batch(cl, rows, **kw):
    spec = {"title": "Cats or dogs", "template": "What is in ${url}?", "answer_type": "single",
            "labels": ["cat", "dog"], "reward_micros": 50000, "overlap": 1, "expected_seconds": 10,
            "lease_seconds": LEASE}
    spec.update(kw)
    r = cl.post("/v1/batches", spec)
    assert r.status == 201, r
    bid = r.json["id"]
    body = "".join(json.dumps(x) + "\n" for x in rows).encode()
    r = cl.request("POST", "/v1/batches/%d/tasks" % bid, raw=body, headers={"Content-Type": "application/x-ndjson"})
    assert r.status == 201, r
    r = cl.post("/v1/batches/%d/publish" % bid)
    assert r.status == 200, r
    return bid


class Work(WebCase):
    @classmethod
    def populate(cls, srv):
        # the platform's clock three hours behind the browser's: the lease
        # countdown must follow the platform, not the browser
        cls.t0 = int(time.time() * 1000) - 3 * 3600 * 1000
        srv.admin().post("/v1/admin/clock", {"set_ms": cls.t0})
        cls.client_acct, cls.cl = vis.signup(srv, "client", name="Étiquettes Lumière SARL")
        vis.fund(srv, cls.client_acct["id"], 1_000_000_000)
        cls.cats = make_batch(cls.cl, [{"url": "img%d.jpg" % i} for i in range(4)])
        cls.words = make_batch(cls.cl, [{"w": "chat"}, {"w": "chien"}], title="Translate a word",
                               template="Translate <b>${w}</b> into English.", answer_type="text", labels=[],
                               reward_micros=70000, expected_seconds=20)
        cls.hostile = make_batch(cls.cl, [{"text": "hello <script>alert(1)</script>"}], title="Hostile template",
                                 template=HOSTILE, labels=["safe", "unsafe"], reward_micros=50000)
        # a batch with answers already measured
        cls.rated = make_batch(cls.cl, [{"url": "p%d.jpg" % i} for i in range(5)], title="Rate a photo",
                               template="Is ${url} sharp?", labels=["sharp", "blurred"])
        _, helper = vis.signup(srv, "worker", name="Helper")
        for secs in (6, 8, 10, 12):
            a = helper.post("/v1/work/batches/%d/claim" % cls.rated).json
            srv.admin().post("/v1/admin/clock", {"advance_ms": secs * 1000})
            assert helper.post("/v1/assignments/%d/submit" % a["id"], {"answer": "sharp"}).status == 200
        # a batch with control tasks where a careless worker gets blocked
        cls.ctl = make_batch(cls.cl, [{"url": "r%d" % i} for i in range(6)] +
                             [{"data": {"url": "c%d" % i}, "gold": ["cat", "dog"][i % 2]} for i in range(6)],
                             title="Quality-controlled cats", control_ratio=0.5, min_skill=0.6,
                             min_control_answers=3, lifetime_seconds=60 * 86400)


    # ---- helpers
    def worker(self, name):
        acct, c = vis.signup(self.srv, "worker", name=name)
        return acct, c

    def sign_in(self, acct):
        """Sign in through the sign-in page, which sends the worker back to /work."""
        b = self.b
        b.page("/login?next=/work")
        b.q("#login-email").send_keys(acct["email"])
        b.q("#login-password").send_keys(PASSWORD)
        b.q("#login-submit").click()
        b.wait(lambda d: d.execute_script("return location.pathname") == "/work", what="back on /work")
        b.wait_ready()

    def assignment(self):
        return self.b.js("return document.body.dataset.assignment || ''")

    def wait_next(self, previous):
        self.b.wait(lambda d: self.assignment() not in ("", previous) and
                    d.find_element(By.ID, "task-view").is_displayed(), what="the next task")
        return self.assignment()

    def card(self, bid):
        return self.b.q("#batch-%d" % bid)

    def requests_logged(self):
        return [json.loads(x) for x in self.srv.stderr().splitlines() if x.startswith("{")]

    # ---- tests
    def test_1_list_and_keyboard_work(self):
        b = self.b
        acct, wc = self.worker("Ana Keys")
        self.sign_in(acct)
        # the list: title, client's name, pay per answer, the basis of the time, hourly pay vs the minimum
        card = self.card(self.cats)
        self.assertIn("Cats or dogs", card.find_element(By.TAG_NAME, "h3").text)
        self.assertEqual(card.find_element(By.CSS_SELECTOR, ".client-name").text, "Étiquettes Lumière SARL")
        self.assertIn("0.05", card.find_element(By.CSS_SELECTOR, ".reward").text)
        self.assertIn("client's estimate", card.find_element(By.CSS_SELECTOR, ".basis").text)
        # 0.05 per 10 s = 18.00 an hour; the platform's minimum is shown and compared
        avail = wc.get("/v1/work/batches").json
        listed = {x["id"]: x for x in avail["batches"]}
        self.assertEqual(listed[self.cats]["hourly_micros"], 18_000_000)
        self.assertIn("18.00", card.find_element(By.CSS_SELECTOR, ".hourly").text)
        minimum = avail["minimum_hourly_micros"]
        self.assertIn("%.2f" % (minimum / 1e6), b.text("#minimum-line"))
        badge = card.find_element(By.CSS_SELECTOR, ".vs-minimum")
        self.assertEqual("ok" in badge.get_attribute("class"), 18_000_000 >= minimum)
        self.assertEqual(card.find_element(By.CSS_SELECTOR, ".left").text, "4")
        # where answers were measured (6, 8, 10 s) the median sets the hourly pay, and the page says so
        self.assertEqual(listed[self.rated]["hourly_basis"], "measured median")
        self.assertEqual(listed[self.rated]["hourly_micros"], 50000 * 3600 // 8)
        rated = self.card(self.rated)
        self.assertIn("measured", rated.find_element(By.CSS_SELECTOR, ".basis").text)
        self.assertEqual(rated.find_element(By.CSS_SELECTOR, ".secs").text, "8 sec")
        self.assertIn("22.50", rated.find_element(By.CSS_SELECTOR, ".hourly").text)
        self.assertEqual(b.untranslated("en", "work"), [])
        self.assertEqual(b.audit(), [])
        b.shot("work-list")

        # claim
        card.find_element(By.CSS_SELECTOR, "button.start").click()
        b.wait("#task-frame")
        first = self.assignment()
        self.assertTrue(first)
        frame = b.q("#task-frame")
        self.assertEqual(frame.get_attribute("sandbox"), "")
        self.assertTrue(frame.get_attribute("src").endswith("/v1/work/assignments/%s/frame" % first))
        self.assertTrue(frame.get_attribute("title"))
        self.assertTrue(b.js("return document.getElementById('task-frame').contentDocument === null"))
        self.assertIn("Cats or dogs", b.text("#task-title"))
        # the countdown follows the platform's clock (three hours behind the browser's)
        left = b.text("#lease-left")
        m = re.fullmatch(r"(\d+):(\d\d)", left)
        self.assertTrue(m, left)
        secs = int(m.group(1)) * 60 + int(m.group(2))
        self.assertTrue(LEASE - 15 <= secs <= LEASE, left)
        # shortcuts are listed on the page
        self.assertGreaterEqual(len(b.qa(".shortcuts kbd")), 4)
        self.assertEqual(b.untranslated("en", "work"), [])
        self.assertEqual(b.audit(), [])
        b.shot("work-task")

        # keyboard only: 2 chooses "dog"; the language switches without losing the choice
        b.keys("2")
        self.assertTrue(b.q("#choice-1").is_selected())
        b.q("header.top button.lang[lang=fr]").click()
        b.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#submit-answer span").text == "Envoyer la réponse",
               what="French")
        self.assertTrue(b.q("#choice-1").is_selected())
        self.assertEqual(b.untranslated("fr", "work"), [])
        self.assertEqual(b.audit(), [])
        b.shot("work-task-fr")
        self.srv.admin().post("/v1/admin/clock", {"advance_ms": 8000})
        b.q("#choice-1").send_keys(Keys.ENTER)
        second = self.wait_next(first)
        self.assertIn("1", b.text("#task-count"))
        # 1 chooses "cat"; Enter sends it from wherever the focus is (here: nowhere in particular)
        b.js("document.activeElement.blur()")
        b.keys("1")
        self.srv.admin().post("/v1/admin/clock", {"advance_ms": 9000})
        b.keys(Keys.ENTER)
        third = self.wait_next(second)
        # R gives the task back and brings the next one
        b.keys("r")
        fourth = self.wait_next(third)
        # Enter with nothing chosen says what to do and sends nothing
        b.keys(Keys.ENTER)
        err = b.wait("#answer-form .form-error:not(:empty)")
        self.assertIn("étiquette", err.text)
        self.assertEqual(self.assignment(), fourth)
        b.keys("2")
        b.keys(Keys.ENTER)
        # the batch has no task left for this worker (4 tasks: 3 answered, 1 given back): back to the list
        b.wait(lambda d: d.find_element(By.ID, "list-view").is_displayed(), what="the list again")
        b.wait_ready()
        self.assertIn("plus de tâche", b.text("#flash"))
        self.assertEqual(b.untranslated("fr", "work"), [])
        self.assertEqual(b.audit(), [])

        # what the API recorded is what was typed
        mine = {str(a["id"]): a for a in wc.get("/v1/work/assignments").json["assignments"]}
        self.assertEqual(mine[first]["state"], "submitted")
        self.assertEqual(mine[first]["answer"], "dog")
        self.assertEqual(mine[second]["answer"], "cat")
        self.assertEqual(mine[third]["state"], "returned")
        self.assertEqual(mine[fourth]["answer"], "dog")
        self.assertEqual(len([a for a in mine.values() if a["state"] == "submitted"]), 3)
        self.assertEqual(mine[first]["seconds"], 8.0)
        # every claim and submission carried its own Idempotency-Key
        keys = self.srv.sql("SELECT key, path FROM idempotency WHERE account_id=? ORDER BY created_ms", (acct["id"],))
        self.assertEqual(sorted(p for _, p in keys if p.endswith("/submit")),
                         sorted("/v1/assignments/%s/submit" % x for x in (first, second, fourth)))
        self.assertEqual(len([p for _, p in keys if p.endswith("/claim")]), 4)
        self.assertEqual(len({k for k, _ in keys}), len(keys))

        # text answers: digits and R typed into the box are text, not shortcuts; Enter sends
        b.q("header.top button.lang[lang=en]").click()
        b.wait(lambda d: d.find_element(By.ID, "work-h").text == "Tasks", what="English")
        self.card(self.words).find_element(By.CSS_SELECTOR, "button.start").click()
        b.wait("#answer-input")
        w1 = self.assignment()
        self.assertEqual(b.js("return document.activeElement.id"), "answer-input")
        b.keys("1 red cat")
        self.assertEqual(b.q("#answer-input").get_attribute("value"), "1 red cat")
        self.assertEqual(self.assignment(), w1)
        b.keys(Keys.ENTER)
        w2 = self.wait_next(w1)
        b.keys("R2")
        b.keys(Keys.ESCAPE)  # Escape in the text box does nothing either
        self.assertEqual(self.assignment(), w2)
        self.assertEqual(b.q("#answer-input").get_attribute("value"), "R2")
        # Escape outside the box gives the task back and returns to the list
        b.js("document.activeElement.blur()")
        b.keys(Keys.ESCAPE)
        b.wait(lambda d: d.find_element(By.ID, "list-view").is_displayed(), what="the list again")
        mine = {str(a["id"]): a for a in wc.get("/v1/work/assignments").json["assignments"]}
        self.assertEqual(mine[w1]["answer"], "1 red cat")
        self.assertEqual(mine[w2]["state"], "returned")
        self.assertEqual(wc.get("/v1/me").status, 200)

    def test_2_hostile_template_runs_nothing(self):
        b = self.b
        acct, wc = self.worker("Hana Safe")
        self.sign_in(acct)
        title = b.js("return document.title")
        url = b.d.current_url
        session = b.cookies()["vis_session"]["value"]
        self.card(self.hostile).find_element(By.CSS_SELECTOR, "button.start").click()
        b.wait("#task-frame")
        asg = self.assignment()
        # the frame did load and render the client's template, in an opaque origin where no script runs
        b.d.switch_to.frame(b.q("#task-frame"))
        try:
            b.wait(lambda d: "Is this message safe?" in d.find_element(By.TAG_NAME, "body").text, what="task text")
            body = b.q("body").text
            self.assertIn("hello <script>alert(1)</script>", body)  # a variable is text, not markup
        finally:
            b.d.switch_to.default_content()
        time.sleep(1.5)  # give anything hostile every chance to act
        self.assertTrue(b.js("return document.getElementById('task-frame').contentDocument === null"))
        self.assertTrue(b.js("try { return document.getElementById('task-frame').contentWindow.document && false }"
                             " catch (e) { return true }"))
        self.assertEqual(b.js("return document.title"), title)
        self.assertEqual(b.d.current_url, url)
        self.assertIsNone(b.js("return window.HOSTILE === undefined ? null : window.HOSTILE"))
        self.assertNotIn("PWNED", b.js("return document.documentElement.outerHTML.replace(/<iframe[^>]*>/g, '')"))
        # the client's HTML never entered the page's DOM
        self.assertEqual(b.js("return document.querySelectorAll('main script, main img, main form#f').length"), 0)
        self.assertEqual(len(b.d.window_handles), 1)
        # the session is alive: same cookie, and the server still knows it
        self.assertEqual(b.cookies()["vis_session"]["value"], session)
        self.assertEqual(b.js("return fetch('/v1/me').then(r => r.status)"), 200)
        self.assertEqual(self.srv.client(session).get("/v1/me").status, 200)
        # the server received nothing from the frame but the frame itself
        seen = [x["path"] for x in self.requests_logged()
                if "hostile" in x.get("path", "") or x.get("path") == "/v1/logout"]
        self.assertEqual(seen, [])
        frames = [x for x in self.requests_logged() if x.get("path") == "/v1/work/assignments/%s/frame" % asg]
        self.assertEqual(len(frames), 1)
        # the page still works: answer with the keyboard
        b.keys("1")
        b.keys(Keys.ENTER)
        b.wait(lambda d: d.find_element(By.ID, "list-view").is_displayed(), what="the list (batch done)")
        mine = wc.get("/v1/work/assignments").json["assignments"]
        self.assertEqual([(str(a["id"]), a["answer"]) for a in mine], [(asg, "safe")])

    def test_3_lease_runs_out(self):
        b = self.b
        acct, wc = self.worker("Lea Late")
        self.sign_in(acct)
        self.card(self.rated).find_element(By.CSS_SELECTOR, "button.start").click()
        b.wait("#task-frame")
        asg = self.assignment()
        # the platform's clock passes the lease: the answer comes too late, and the page says so
        self.srv.admin().post("/v1/admin/clock", {"advance_ms": (LEASE + 1) * 1000})
        b.keys("1")
        b.keys(Keys.ENTER)
        box = b.wait("#expired-box")
        self.assertIn("ran out", box.text)
        self.assertFalse(b.q("#answer-form").is_displayed())
        self.assertEqual(b.audit(), [])
        mine = {str(a["id"]): a for a in wc.get("/v1/work/assignments").json["assignments"]}
        self.assertEqual(mine[asg]["state"], "expired")
        # the task went back to the pool, but never to the same worker: Esc returns to the list
        b.keys(Keys.ESCAPE)
        b.wait(lambda d: d.find_element(By.ID, "list-view").is_displayed(), what="the list again")

    def test_4_blocked_worker_asks_for_review(self):
        b = self.b
        acct, wc = self.worker("Bao Blocked")
        gold = {t[0]: json.loads(t[1]) for t in self.srv.sql(
            "SELECT id, gold FROM mw_tasks WHERE batch_id=? AND is_control=1", (self.ctl,))}
        blocked = False
        for _ in range(12):
            r = wc.post("/v1/work/batches/%d/claim" % self.ctl)
            if r.status == 403:
                self.assertEqual(r.json["error"]["code"], "blocked")
                blocked = True
                break
            self.assertEqual(r.status, 201, r)
            wrong = {"cat": "dog", "dog": "cat"}.get(gold.get(r.json["task"]["id"]), "dog")
            self.assertEqual(wc.post("/v1/assignments/%d/submit" % r.json["id"], {"answer": wrong}).status, 200)
        self.assertTrue(blocked)
        self.sign_in(acct)
        self.assertEqual(b.qa("#batch-%d" % self.ctl), [])
        card = b.wait("#blocked-%d" % self.ctl)
        self.assertIn("Quality-controlled cats", card.text)
        self.assertIn("0 right out of 3", card.find_element(By.CSS_SELECTOR, ".reason").text)
        self.assertIn("below this batch's minimum of 60%", card.find_element(By.CSS_SELECTOR, ".reason").text)
        self.assertEqual(b.untranslated("en", "work"), [])
        self.assertEqual(b.audit(), [])
        b.shot("work-blocked")
        # an empty request is refused on the page, next to the box
        card.find_element(By.CSS_SELECTOR, ".review-form button").click()
        b.wait("#blocked-%d .field-error" % self.ctl)
        msg = "I answered the control tasks carefully; please check them again."
        card.find_element(By.CSS_SELECTOR, "textarea").send_keys(msg)
        # switching language keeps what was typed
        b.q("header.top button.lang[lang=fr]").click()
        b.wait(lambda d: "Motif" in d.execute_script(
            "const e = document.querySelector('#blocked-%d .reason'); return e ? e.textContent : ''" % self.ctl),
            what="French")
        card = b.q("#blocked-%d" % self.ctl)
        self.assertEqual(card.find_element(By.CSS_SELECTOR, "textarea").get_attribute("value"), msg)
        self.assertEqual(b.untranslated("fr", "work"), [])
        card.find_element(By.CSS_SELECTOR, ".review-form button").click()
        st = b.wait("#blocked-%d .review-status" % self.ctl)
        self.assertEqual(st.get_attribute("data-status"), "open")
        self.assertIn("en attente", st.text)
        self.assertEqual(b.untranslated("fr", "work"), [])
        # the API has the request, about the block's decision
        dec = [d for d in wc.get("/v1/me/decisions").json["decisions"]
               if d["event"] == "blocked" and d["subject"] == "batch:%d" % self.ctl]
        self.assertEqual(len(dec), 1)
        revs = wc.get("/v1/me/reviews").json["reviews"]
        self.assertEqual([(r["decision_id"], r["message"], r["status"]) for r in revs], [(dec[0]["id"], msg, "open")])
        # past the deadline the page says it is overdue
        self.srv.admin().post("/v1/admin/clock", {"advance_ms": 15 * 86400 * 1000})
        b.page("/work")
        st = b.wait("#blocked-%d .review-status" % self.ctl)
        self.assertEqual(st.get_attribute("data-status"), "overdue")
        self.assertEqual(b.audit(), [])
        b.q("header.top button.lang[lang=en]").click()


if __name__ == "__main__":
    unittest.main()
