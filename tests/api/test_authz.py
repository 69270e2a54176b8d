"""Authorization matrix (issue 13, "keep probing"), generated from the route
table, so that no route can be added without its access rule being tested.

The roles each route allows are read from the code: the route tables in
src/http/h_*.c (flags HTTP_PUBLIC / HTTP_WORKER / HTTP_CLIENT / HTTP_ADMIN /
HTTP_ANYROLE, and each file's own #define shorthands), checked to be exactly
the routes `visible routes` lists. Those roles must equal the POLICY below:
who should be allowed, by path prefix, with every exception and every public
route written out with its reason. A route whose flags allow more (or other)
roles than the policy fails until the policy is changed on purpose.

Then, against a server holding real objects of accounts A (a client and a
worker: batches, answers, an appeal, an automated decision and its review,
a place and a delivery job with its offer, moderation content, a notice, a
held item, a decision), every route is called:
  - with no token: 401, unless public;
  - with a token of every role the route does not allow: 403;
  - for routes with ids in the path or the body, as account B of the allowed
    role, with A's ids: 403 or 404, never 2xx, and the answer never holds
    A's private strings (MARK);
and, for every read without ids, as B: no MARK in the answer. No answer is
ever 5xx. GET /v1/courier/events and GET /v1/delivery/events are endless event
streams (STREAMS): only their status line is read."""
import http.client
import json
import os
import re
import subprocess
import unittest

from vis import BIN, REPO, Server, signup

T0 = 1_800_000_000_000
MARK = "SECRETOFA"  # in A's private strings; no answer to B may hold it
ROLES = ("worker", "client", "admin")
ALL = frozenset(ROLES)
W, C, A = frozenset({"worker"}), frozenset({"client"}), frozenset({"admin"})
CA, WA = C | A, W | A
PUBLIC = "public"
# endless event streams: only their status line is read
STREAMS = {"GET /v1/courier/events", "GET /v1/delivery/events"}

# Who should be allowed. Exact routes first (each with its reason), then the
# longest matching path prefix. A route matching neither fails the test.
EXACT = {
    "GET /health": (PUBLIC, "liveness probe for load balancers"),
    "GET /metrics": (PUBLIC, "Prometheus scraping; counts by route only, no personal data"),
    "POST /v1/signup": (PUBLIC, "creating an account needs no account"),
    "POST /v1/login": (PUBLIC, "obtaining a token needs no token"),
    "GET /v1/register": (PUBLIC, "register of automated systems: public by design (transparency)"),
    "GET /v1/observatory": (PUBLIC, "public observatory: k-anonymous aggregates"),
    "GET /v1/declaration": (PUBLIC, "Art. 17 declaration figures: aggregates, small counts withheld"),
    "GET /v1/web/config": (PUBLIC, "the web app's public settings, needed before signing in"),
    "POST /v1/logout": (ALL, "every account may revoke its own token"),
    "GET /v1/me": (ALL, "the caller's own account"),
    "GET /v1/me/balance": (ALL, "the caller's own money"),
    "GET /v1/me/earnings": (ALL, "the caller's own earnings truth"),
    "GET /v1/me/export": (ALL, "GDPR access: everything held about the caller"),
    "GET /v1/appeals": (ALL, "own appeals (worker) or appeals on own batches (client/admin)"),
    "GET /v1/moderation/classifier": (ALL, "DSA: the classifier's description is shown to everyone signed in"),
    "GET /v1/moderation/queues": (WA, "moderators pick queues; the operator manages them"),
    "GET /v1/delivery/jobs/{id}": (CA, "the operator tracks any job (support, reassignment)"),
    "GET /v1/moderation/content/{id}": (CA, "the operator sees any content (DSA oversight)"),
    "GET /v1/moderation/notices/{id}": (CA, "the operator sees any notice (DSA oversight)"),
    "GET /v1/moderation/decisions/{id}": (CA, "the operator sees any decision (DSA oversight)"),
    "GET /v1/moderation/decisions/{id}/statement": (CA, "the operator sees any statement of reasons"),
    "POST /v1/moderation/decisions/{id}/appeal": (CA, "the operator may lodge an appeal on a user's behalf"),
    "GET /v1/moderation/transparency": (CA, "DSA Art. 15 figures: a client's own, the operator's for all"),
    "POST /v1/moderation/decisions/bulk": (W, "moderators decide items they hold"),
    "POST /v1/moderation/claim": (W, "moderators claim items"),
    "POST /v1/batches/preview": (CA, "a client previews the template it is writing (one preview per account)"),
    "GET /v1/batches/preview/frame": (CA, "the caller's own template preview, never another account's"),
    "POST /v1/moderation/onboarding": (W, "a moderator completes their own onboarding"),
    "GET /v1/moderation/clauses": (WA, "moderators pick the terms clause; admins manage the catalogue"),
}
PREFIX = [
    ("/v1/admin/", A),
    ("/v1/work/", W), ("/v1/assignments/", W), ("/v1/courier/", W),
    ("/v1/moderation/items/", W), ("/v1/moderation/me", W),
    ("/v1/me/costs", W), ("/v1/me/decisions", W), ("/v1/me/reviews", W),
    # micro-work: the operator may act as a client on any batch (support)
    ("/v1/batches", CA), ("/v1/answers/", CA), ("/v1/appeals/", CA),
    ("/v1/delivery/", C), ("/v1/moderation/", C),
]

# Routes where B of the allowed role may legitimately use A's id, with the reason.
SHARED = {
    "POST /v1/work/batches/{id}/claim": "a published batch is offered to every worker: any worker may claim from it",
    "POST /v1/courier/slots/{id}/book": "a published slot is offered to every courier: any courier may book it",
    "POST /v1/courier/slots/{id}/cancel": "a courier cancels only their own booking of a published slot",
}


def policy(key):
    if key in EXACT:
        return EXACT[key][0]
    path = key.split(" ", 1)[1]
    best = None
    for p, roles in PREFIX:
        if path.startswith(p) and (best is None or len(p) > len(best[0])):
            best = (p, roles)
    return best[1] if best else None


# ---- the route table, from the code -------------------------------------------------------------

FLAG_ROLES = {"HTTP_PUBLIC": {PUBLIC}, "HTTP_WORKER": {"worker"}, "HTTP_CLIENT": {"client"},
              "HTTP_ADMIN": {"admin"}, "HTTP_ANYROLE": set(ALL)}
ROUTE_RE = re.compile(r'\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*([^,]+?)\s*,', re.S)


def code_routes():
    """{"METHOD /pattern": (roles or PUBLIC, testonly)} from every src/http/h_*.c route table."""
    out = {}
    hdir = os.path.join(REPO, "src", "http")
    for name in sorted(os.listdir(hdir)):
        if not (name.startswith("h_") and name.endswith(".c")):
            continue
        src = open(os.path.join(hdir, name)).read()
        macros = dict(re.findall(r"^#define\s+([A-Z][A-Z0-9_]*)\s+(.+?)\s*$", src, re.M))
        for table in re.findall(r"const http_route http_routes_\w+\[\]\s*=\s*\{(.*?)\n\};", src, re.S):
            for method, pattern, _fn, flags in ROUTE_RE.findall(table):
                roles, testonly = set(), False
                todo = re.findall(r"[A-Za-z_]\w*", flags)
                seen = set()
                while todo:
                    tok = todo.pop()
                    if tok in seen:
                        continue
                    seen.add(tok)
                    if tok in macros:
                        todo += re.findall(r"[A-Za-z_]\w*", macros[tok])
                    elif tok in FLAG_ROLES:
                        roles |= FLAG_ROLES[tok]
                    elif tok == "HTTP_TESTONLY":
                        testonly = True
                    elif not tok.startswith("HTTP_"):
                        raise AssertionError("%s: unknown flag %s in the route %s %s" % (name, tok, method, pattern))
                out["%s %s" % (method, pattern)] = (PUBLIC if PUBLIC in roles else frozenset(roles), testonly)
    return out


# ---- talking to the server without retries, optionally without reading a body ------------------

def call(port, method, path, token=None, body=None, stream=False):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = {}
    if token:
        h["Authorization"] = "Bearer " + token
    if stream:
        h["Accept"] = "text/event-stream"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        if stream and r.status == 200:  # an event stream: the status line only
            return r.status, ""
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


# ---- A's objects ----------------------------------------------------------------------------------

def ok(r, *status):
    assert r.status in (status or (200, 201)), r
    return r.json


def populate(srv):
    adm = srv.admin()
    ok(adm.post("/v1/admin/clock", {"set_ms": T0}))
    acct = {}
    for who in ("A", "B"):
        c, cc = signup(srv, "client", name="Client " + who)  # shown to workers with its batches
        ok(adm.post("/v1/admin/accounts/%d/credit" % c["id"], {"amount_micros": 10 ** 10, "reason": "authz"}))
        w, wc = signup(srv, "worker", name="Worker %s %s" % (who, MARK if who == "A" else "b"))
        ok(wc.post("/v1/moderation/me", {"languages": ["en"]}))
        acct[who] = {"client": c, "cl": cc, "worker": w, "wk": wc}
    cl, wk = acct["A"]["cl"], acct["A"]["wk"]
    ids = {"client_a": acct["A"]["client"]["id"], "worker_a": acct["A"]["worker"]["id"]}
    # micro-work: a published batch, answers, a rejection and its appeal, an expired lease
    # a published batch is shown to every worker: no MARK in it (the draft below has one)
    b = ok(cl.post("/v1/batches", {"title": "Batch A", "template": "What is in ${url}?",
                                   "answer_type": "single", "labels": ["cat", "dog"], "reward_micros": 50000,
                                   "overlap": 2, "expected_seconds": 10, "lease_seconds": 60}))
    ids["batch"] = b["id"]
    csv = "url\n" + "".join("img-%d.jpg\n" % i for i in range(6))
    ok(cl.request("POST", "/v1/batches/%d/tasks" % b["id"], raw=csv.encode(), headers={"Content-Type": "text/csv"}))
    ok(cl.post("/v1/batches/%d/publish" % b["id"]))
    a1 = ok(wk.post("/v1/work/batches/%d/claim" % b["id"]))
    ok(wk.post("/v1/assignments/%d/submit" % a1["id"], {"answer": "cat"}))
    ids["answer"] = a1["id"]
    ok(cl.post("/v1/answers/%d/reject" % a1["id"], {"reason": "reason " + MARK}))
    ids["appeal"] = ok(wk.post("/v1/assignments/%d/appeal" % a1["id"], {"message": "appeal " + MARK}))["id"]
    ok(wk.post("/v1/work/batches/%d/claim" % b["id"]))
    ok(adm.post("/v1/admin/clock", {"advance_ms": 61_000}))  # the lease expires: an automated decision
    ok(wk.get("/v1/work/assignments"))
    d = [x for x in ok(wk.get("/v1/me/decisions"))["decisions"] if x["event"] == "lease_expired"][0]
    ids["decision"] = d["id"]
    ids["review"] = ok(wk.post("/v1/me/decisions/%d/review" % d["id"], {"message": "review " + MARK}))["id"]
    ids["assignment"] = ok(wk.post("/v1/work/batches/%d/claim" % b["id"]))["id"]  # held now
    draft = ok(cl.post("/v1/batches", {"title": "Draft " + MARK, "template": "Q ${url}", "answer_type": "single",
                                       "labels": ["cat", "dog"], "reward_micros": 50000, "overlap": 1,
                                       "expected_seconds": 10}))
    ids["draft"] = draft["id"]
    # delivery: a place, a job accepted by worker A as courier, a second job still open
    ref = (48.8566, 2.3522)
    ids["place"] = ok(cl.post("/v1/delivery/places", {"name": "Kitchen " + MARK, "lat": ref[0], "lon": ref[1]}))["id"]
    ok(adm.post("/v1/admin/dispatch/couriers/%d/approve" % ids["worker_a"]))
    ok(wk.post("/v1/courier/online", {"lat": ref[0] - 0.005, "lon": ref[1] - 0.004}))
    # issue 15: A's status callbacks and the job's drop-off contact hold MARK too
    ok(cl.request("PUT", "/v1/delivery/callbacks", {"callback_url": "https://example.org/hook/" + MARK}))
    ids["job"] = ok(cl.post("/v1/delivery/jobs", {"place_id": ids["place"], "dropoff_lat": ref[0] + 0.012,
                                                  "dropoff_lon": ref[1] + 0.008, "note": "door " + MARK,
                                                  "dropoff": {"recipient_name": "Name " + MARK,
                                                              "phone": "+33 6 00 00 00 00",
                                                              "instructions": "code " + MARK}}))["id"]
    ok(adm.post("/v1/admin/dispatch/run-epoch"))
    offers = ok(wk.get("/v1/courier/offers"))["offers"]
    assert offers, "worker A got no offer"
    ids["offer"] = offers[0]["id"]
    ok(wk.post("/v1/courier/offers/%d/accept" % ids["offer"]))
    ids["courier_job"] = offers[0]["jobs"][0]["id"]
    # a published slot (issue 15) in a service area, removed again so the guarantee rule stays as it was
    sq = [[ref[0] - 0.05, ref[1] - 0.08], [ref[0] - 0.05, ref[1] + 0.08], [ref[0] + 0.05, ref[1] + 0.08]]
    ok(adm.request("PUT", "/v1/admin/dispatch/areas", body={"areas": [{"name": "Centre", "points": sq}]}))
    ids["slot"] = ok(adm.post("/v1/admin/dispatch/slots", {"area": "Centre", "start_ms": T0 + 3600_000,
                                                           "end_ms": T0 + 7200_000, "capacity": 2}))["id"]
    ok(adm.request("PUT", "/v1/admin/dispatch/areas", body={"areas": []}))
    # moderation: content with a notice decided by A (a decision), then content held by A
    c1 = ok(cl.post("/v1/moderation/content", {"client_ref": "ref-1", "text": "text " + MARK, "language": "en"}))
    ok(cl.post("/v1/moderation/notices", {"content_id": c1["id"], "category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
                                          "explanation": "notice " + MARK, "reporter_contact": "a@example.org",
                                          "reporter_name": "Reporter " + MARK}))
    ok(wk.post("/v1/moderation/onboarding", {"languages": ["en"], "briefing_read": True,
                                              "exposure_acknowledged": True}))
    ids["clause"] = ok(adm.post("/v1/admin/moderation/clauses", {"code": "C-1", "title": "T", "text": "x"}))["id"]
    items = ok(wk.post("/v1/moderation/claim"))["items"]
    dec = ok(wk.post("/v1/moderation/items/%d/decide" % items[0]["id"], {"action": "keep", "facts": "fine " + MARK}))
    ids["mod_decision"] = dec["decision"]["id"]
    c2 = ok(cl.post("/v1/moderation/content", {"client_ref": "ref-2", "text": "more " + MARK, "language": "en"}))
    ids["content"] = c2["id"]
    ids["notice"] = ok(cl.post("/v1/moderation/notices", {
        "content_id": c2["id"], "category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "explanation": "notice " + MARK,
        "reporter_contact": "a@example.org", "reporter_name": "Reporter " + MARK}))["id"]
    ids["item"] = ok(wk.post("/v1/moderation/claim"))["items"][0]["id"]
    tokens = {"A": {"worker": wk.token, "client": cl.token, "admin": srv.admin_token},
              "B": {"worker": acct["B"]["wk"].token, "client": acct["B"]["cl"].token}}
    return ids, tokens


# The object each {id} names (A's), and a valid body for each write, so that
# B's request reaches the ownership check rather than input validation.
PATH_ID = [
    ("/v1/admin/accounts/{id}", "client_a"), ("/v1/admin/moderation/moderators/{id}", "worker_a"),
    ("/v1/admin/reviews/{id}", "review"), ("/v1/admin/dispatch/jobs/{id}", "job"),
    ("/v1/admin/dispatch/couriers/{id}", "worker_a"),
    ("/v1/batches/{id}", "batch"), ("/v1/answers/{id}", "answer"), ("/v1/appeals/{id}", "appeal"),
    ("/v1/work/batches/{id}", "batch"), ("/v1/work/assignments/{id}", "assignment"),
    ("/v1/assignments/{id}/appeal", "answer"), ("/v1/assignments/{id}", "assignment"),
    ("/v1/courier/offers/{id}", "offer"), ("/v1/courier/jobs/{id}", "courier_job"),
    ("/v1/courier/slots/{id}", "slot"),
    ("/v1/delivery/jobs/{id}", "job"),
    ("/v1/moderation/content/{id}", "content"), ("/v1/moderation/notices/{id}", "notice"),
    ("/v1/moderation/decisions/{id}", "mod_decision"), ("/v1/moderation/items/{id}", "item"),
    ("/v1/admin/moderation/clauses/{id}", "clause"),
    ("/v1/me/decisions/{id}", "decision"),
]


def body_for(key, ids):
    ref = (48.8566, 2.3522)
    bodies = {
        "POST /v1/delivery/jobs": {"place_id": ids["place"], "dropoff_lat": ref[0] + 0.01, "dropoff_lon": ref[1]},
        "POST /v1/delivery/quote": {"place_id": ids["place"], "dropoff_lat": ref[0] + 0.01, "dropoff_lon": ref[1]},
        "POST /v1/moderation/notices": {"content_id": ids["content"], "category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
                                        "explanation": "x", "reporter_contact": "b@example.org"},
        "POST /v1/moderation/decisions/bulk": {"items": [ids["item"]], "action": "keep", "facts": "fine"},
        "POST /v1/assignments/{id}/submit": {"answer": "cat"},
        "POST /v1/assignments/{id}/appeal": {"message": "mine"},
        "POST /v1/answers/{id}/reject": {"reason": "wrong"},
        "POST /v1/answers/{id}/bonus": {"amount_micros": 1000, "reason": "good"},
        "POST /v1/answers/{id}/approve": {},
        "POST /v1/appeals/{id}/decide": {"outcome": "upheld", "response": "no"},
        "POST /v1/moderation/decisions/{id}/appeal": {"explanation": "appeal"},
        "POST /v1/moderation/items/{id}/decide": {"action": "keep", "facts": "fine"},
        "POST /v1/moderation/items/{id}/escalate": {"reason": "senior"},
        "POST /v1/me/decisions/{id}/review": {"message": "mine"},
        "POST /v1/admin/reviews/{id}/decide": {"outcome": "upheld", "reasons": "r"},
        "POST /v1/admin/dispatch/jobs/{id}/reassign": {"courier_id": ids["worker_a"], "reason": "r"},
        "POST /v1/admin/dispatch/couriers/{id}/off-duty": {"reason": "r"},
        "POST /v1/admin/dispatch/couriers/{id}/suspend": {"reason": "r"},
        "PUT /v1/admin/dispatch/areas": {"areas": []},
        "PUT /v1/admin/dispatch/couriers/{id}/vehicle": {"vehicle": "car"},
        "PUT /v1/courier/vehicle": {"vehicle": "bicycle"},
        "POST /v1/admin/dispatch/slots": {"area": "Centre", "start_ms": T0 + 3600_000, "end_ms": T0 + 7200_000,
                                          "capacity": 1},
        "POST /v1/courier/jobs/{id}/hand-back": {"reason": "r"},
        "PUT /v1/delivery/callbacks": {"callback_url": "https://example.org/b"},
        "POST /v1/admin/accounts/{id}/credit": {"amount_micros": 1, "reason": "r"},
    }
    return bodies.get(key)


# Writes whose body names A's objects (ids in bodies), probed as B of the allowed role.
BODY_IDS = {"POST /v1/delivery/jobs", "POST /v1/delivery/quote", "POST /v1/moderation/notices",
            "POST /v1/moderation/decisions/bulk"}


def fill(pattern, ids):
    if "{" not in pattern:
        return pattern
    best = None
    for prefix, name in PATH_ID:
        if pattern.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, name)
    if best is None:
        return None
    return re.sub(r"\{[^}]+\}", str(ids[best[1]]), pattern)


class Authz(unittest.TestCase):
    def test_route_table_matches_the_policy(self):
        routes = code_routes()
        listed = set()
        for line in subprocess.run([BIN, "routes"], capture_output=True, text=True, check=True).stdout.splitlines():
            method, path = line.split("\t")[0].split(" ", 1)
            listed.add("%s %s" % (method, path.strip()))
        self.assertEqual(listed - set(routes), set(), "routes the parser of src/http/h_*.c did not find")
        self.assertGreater(len(routes), 90)
        wrong = {}
        for key, (roles, _) in sorted(routes.items()):
            want = policy(key)
            if want is None:
                wrong[key] = "no access rule in test_authz.POLICY: add one (EXACT with a reason, or a PREFIX)"
            elif roles != want:
                wrong[key] = "the code allows %s, the policy %s" % (
                    roles if roles == PUBLIC else sorted(roles), want if want == PUBLIC else sorted(want))
        self.assertEqual(wrong, {})

    def test_matrix(self):
        routes = code_routes()
        srv = Server("--set", "ratelimit.per_minute=0", "--set", "dispatch.auto=false",
                     "--set", "moderation.callback_private=true")
        try:
            ids, tok = populate(srv)
            fails = []
            probes = 0

            def probe(key, path, token, body, check, why):
                nonlocal probes
                probes += 1
                method = key.split(" ", 1)[0]
                stream = key in STREAMS
                status, text = call(srv.port, method, path, token, body, stream)
                if status >= 500:
                    fails.append("%s %s (%s): %d %s" % (method, path, why, status, text[:200]))
                elif not check(status):
                    fails.append("%s %s (%s): unexpected %d %s" % (method, path, why, status, text[:200]))
                elif MARK in text and why.startswith("B"):
                    fails.append("%s %s (%s): leaks A's data: %s" % (method, path, why, text[:300]))
                return status

            for key in sorted(routes):
                roles, _ = routes[key]
                method, pattern = key.split(" ", 1)
                path = fill(pattern, ids)
                if path is None:
                    fails.append("%s: no object for its {id}: add its path to test_authz.PATH_ID" % key)
                    continue
                body = body_for(key, ids)
                if method in ("POST", "PUT") and body is None:
                    body = {}
                if roles == PUBLIC:
                    probe(key, path, None, body, lambda s: s not in (401, 403), "public, no token")
                    continue
                probe(key, path, None, body, lambda s: s == 401, "no token")
                for role in ROLES:
                    if role not in roles:
                        probe(key, path, tok["A"][role], body, lambda s: s == 403, "A's %s: wrong role" % role)
                for role in ("worker", "client"):
                    if role not in roles or key == "POST /v1/logout":  # a 2xx would revoke B's token
                        continue
                    if "{" in pattern or key in BODY_IDS:
                        if key in SHARED:
                            probe(key, path, tok["B"][role], body, lambda s: True, "B's %s, shared object" % role)
                        else:
                            probe(key, path, tok["B"][role], body, lambda s: s in (403, 404),
                                  "B's %s on A's object" % role)
                    elif method == "GET" and key not in STREAMS:
                        probe(key, path, tok["B"][role], None, lambda s: s < 500, "B's %s reading" % role)
            self.assertIsNone(srv.proc.poll(), "the server died:\n" + srv.stderr()[-3000:])
            self.assertEqual(fails, [], "%d of %d probes failed:\n%s" % (len(fails), probes, "\n".join(fails)))
            self.assertGreater(probes, 200)
            adm = srv.admin()
            self.assertEqual(adm.get("/v1/admin/ledger").json["sum_micros"], 0)
            self.assertTrue(adm.get("/v1/admin/journal/verify").json["ok"])
        finally:
            srv.close()


if __name__ == "__main__":
    unittest.main()
