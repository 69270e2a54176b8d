"""docs/api.yaml describes what the server really answers.

Runs last (test_zz_*): every exchange the API tests made through vis.Client
(tests/api/vis.py records them) is checked against docs/api.yaml with the
small validator of tests/api/openapi.py:

* a 2xx answer: its status is described for the route, its content type is
  among those described, a JSON body is valid against the response schema;
  a JSON request body that succeeded is valid against the request schema;
* a 4xx JSON answer is an Error ({"error":{"code","message","field"?}});
* every route of `visible routes` is described with a schema for its success
  answer (and for its JSON request body, when it has one).

Run alone, only the static checks and a short exchange of its own run; in the
whole suite (tests/api/run.py, make check) it sees every recorded answer.
"""
import os
import subprocess
import time
import unittest

import openapi
import vis

API_YAML = os.path.join(vis.REPO, "docs", "api.yaml")


class SchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.spec = openapi.Spec.from_file(API_YAML)

    def test_every_route_has_schemas(self):
        out = subprocess.run([vis.BIN, "routes"], capture_output=True, text=True, check=True).stdout
        missing = []
        for line in out.splitlines():
            method, path = line.split("\t")[0].split(" ", 1)
            tpl, op = self.spec.route(method, path.replace("{id}", "1"))
            if op is None or tpl != path:
                missing.append("%s %s: not described" % (method, path))
        missing += self.spec.missing_schemas()
        self.assertEqual(missing, [], "docs/api.yaml")

    def test_validator_catches_drift(self):
        # the validator itself: a field of the wrong type, a missing required
        # field and an unknown enum value are each reported
        doc = self.spec.doc
        ref = {"$ref": "#/components/schemas/Appeal"}
        good = {"id": 1, "assignment_id": 2, "batch_id": 3, "worker_id": 4, "message": "m", "state": "open",
                "created_ms": 5}
        self.assertEqual(openapi.validate(doc, ref, good), [])
        self.assertTrue(openapi.validate(doc, ref, dict(good, id="1")))
        self.assertTrue(openapi.validate(doc, ref, {k: v for k, v in good.items() if k != "state"}))
        self.assertTrue(openapi.validate(doc, ref, dict(good, state="maybe")))
        self.assertEqual(openapi.validate(doc, ref, dict(good, new_field=[1])), [])

    def test_recorded_answers_match(self):
        rec = list(vis.RECORDED or [])
        if len(rec) < 50:
            # run alone: make a few exchanges of our own
            srv = vis.Server()
            try:
                _, w = vis.signup(srv, "worker")
                _, c = vis.signup(srv, "client")
                for cl in (w, c, srv.admin()):
                    cl.get("/v1/me")
                    cl.get("/v1/me/balance")
                    cl.get("/v1/me/earnings")
                c.post("/v1/batches", {"title": "t", "template": "${x}", "answer_type": "single",
                                       "labels": ["a", "b"], "reward_micros": 100000, "expected_seconds": 10})
                c.get("/v1/batches")
                w.get("/v1/work/batches")
                w.get("/v1/me/decisions")
                srv.client().get("/v1/register")
                srv.client().get("/v1/observatory")
                c.post("/v1/answers/99/reject", {})
            finally:
                srv.close()
            rec = list(vis.RECORDED or [])
        if not rec:
            self.skipTest("VIS_SCHEMA_RECORD=0: nothing recorded")
        t0 = time.time()
        problems = {}
        seen = set()
        for method, path, status, ctype, body, rq_type, rq in rec:
            for e in self.spec.check(method, path, status, ctype, body, rq_type, rq):
                problems.setdefault(e, path)
            seen.add(self.spec.route(method, path)[0])
        took = time.time() - t0
        lines = ["%s (e.g. %s)" % (e, p) for e, p in sorted(problems.items())]
        self.assertEqual(lines, [], "%d answers checked in %.1f s; %d mismatches with docs/api.yaml:\n  %s" % (
            len(rec), took, len(lines), "\n  ".join(lines[:200])))


if __name__ == "__main__":
    unittest.main()
