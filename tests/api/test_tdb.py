"""Statements of reasons submitted to the DSA Transparency Database, against
the real binary. A small http.server on loopback plays the database's API
(POST /api/v1/statement with a Bearer token, 201 with a uuid, 422 for a
duplicate puid or an invalid statement)."""
import http.server
import json
import threading

from test_moderation_api import Base, REMOVE, MIN


class MockTdb:
    """Answers each POST with the next (status, body) of self.answers (the
    last one repeats); records (headers, parsed body)."""

    def __init__(self):
        self.got = []
        self.answers = [(201, {"uuid": "tdb-uuid-1"})]
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                outer.got.append((dict(self.headers), json.loads(self.rfile.read(n))))
                status, body = outer.answers.pop(0) if len(outer.answers) > 1 else outer.answers[0]
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/api/v1/statement" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class TdbBase(Base):
    configured = True

    def setUp(self):
        self.tdb = MockTdb()
        super().setUp()

    def tearDown(self):
        super().tearDown()
        self.tdb.close()

    @property
    def extra(self):
        if not self.configured:
            return ()
        return ("--set", "moderation.tdb_url=" + self.tdb.url, "--set", "moderation.tdb_token=secret-token-42",
                "--set", "moderation.tdb_territorial_scope=DE, FR")

    def decide(self, ref, body):
        _, m = self.moderator()
        self.content(ref)
        it = self.claim(m)[0]
        r = m.post("/v1/moderation/items/%d/decide" % it["id"], body)
        self.assertEqual(r.status, 200, r)
        return r.json["decision"]

    def queue(self):
        r = self.adm.get("/v1/admin/moderation/tdb")
        self.assertEqual(r.status, 200, r)
        return r.json


class Submission(TdbBase):
    def test_restrictions_are_submitted(self):
        dec = self.decide("tdb-1", REMOVE)
        self.decide("tdb-2", {"action": "keep", "facts": "fine"})  # restricts nothing: no statement to submit
        # (the background ticker may submit it first: check the outcome, not who ran it)
        self.run_jobs()
        self.assertEqual(len(self.tdb.got), 1)
        headers, body = self.tdb.got[0]
        self.assertEqual(headers["Authorization"], "Bearer secret-token-42")
        self.assertEqual(headers["Accept"], "application/json")
        self.assertEqual(body["puid"], "visible-decision-%d" % dec["id"])
        self.assertEqual(body["territorial_scope"], ["DE", "FR"])
        self.assertNotIn("restriction", body)  # the platform's own flag stays home
        self.assertEqual(body["decision_ground"], "DECISION_GROUND_ILLEGAL_CONTENT")
        self.assertEqual(body["decision_visibility"], ["DECISION_VISIBILITY_CONTENT_REMOVED"])
        self.assertEqual(body["automated_decision"], "AUTOMATED_DECISION_NOT_AUTOMATED")
        # exactly the statement the platform serves, less its own flag, plus the scope
        sor = self.adm.get("/v1/moderation/decisions/%d/statement" % dec["id"]).json
        del sor["restriction"]
        self.assertEqual(body, {**sor, "territorial_scope": ["DE", "FR"]})
        q = self.queue()
        self.assertTrue(q["configured"])
        self.assertEqual(q["counts"], {"pending": 0, "submitted": 1, "rejected": 0})
        st = q["statements"][0]
        self.assertEqual((st["decision_id"], st["state"], st["uuid"], st["last_status"]),
                         (dec["id"], "submitted", "tdb-uuid-1", 201))
        self.run_jobs()
        self.assertEqual(len(self.tdb.got), 1)  # never twice

    def test_duplicate_puid_means_already_there(self):
        self.tdb.answers = [(422, {"message": "The identifier given is not unique within this platform.",
                                   "errors": {"puid": ["The identifier given is not unique within this platform."]}})]
        self.decide("tdb-3", REMOVE)
        self.run_jobs()
        st = self.queue()["statements"][0]
        self.assertEqual((st["state"], st["last_status"]), ("submitted", 422))

    def test_failures_retry_and_refusals_stop(self):
        self.tdb.answers = [(503, {"message": "maintenance"}),
                            (422, {"message": "The category field is required.",
                                   "errors": {"category": ["The category field is required."]}})]
        self.decide("tdb-4", REMOVE)
        self.run_jobs()
        st = self.queue()["statements"][0]
        self.assertEqual((st["state"], st["attempts"], st["last_status"]), ("pending", 1, 503))
        self.assertIn("maintenance", st["last_error"])
        self.run_jobs()
        self.assertEqual(len(self.tdb.got), 1)  # not due before the backoff
        self.clock(advance_ms=MIN)
        self.run_jobs()
        st = self.queue()["statements"][0]
        self.assertEqual((st["state"], st["attempts"], st["last_status"]), ("rejected", 2, 422))
        self.assertIn("The category field is required.", st["last_error"])
        self.assertIsNone(st["next_attempt_ms"])
        self.clock(advance_ms=60 * MIN)
        self.run_jobs()
        self.assertEqual(len(self.tdb.got), 2)  # a refused statement is not sent again

    def test_admin_only(self):
        self.assertEqual(self.cl.get("/v1/admin/moderation/tdb").status, 403)


class NotConfigured(TdbBase):
    configured = False

    def test_statements_wait(self):
        self.decide("tdb-5", REMOVE)
        self.run_jobs()
        q = self.queue()
        self.assertFalse(q["configured"])
        self.assertEqual(q["counts"], {"pending": 1, "submitted": 0, "rejected": 0})
        self.assertEqual(q["statements"][0]["attempts"], 0)
        self.assertEqual(self.tdb.got, [])
