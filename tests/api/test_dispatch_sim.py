"""visible dispatch simulate / check, driven through the real binary on a
shared Grubhub MDRP instance (../shared/data/mdrp, grubhub/mdrplib)."""
import json
import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("VISIBLE_BIN", os.path.join(REPO, "build", "visible"))
if not os.path.isabs(BIN):
    BIN = os.path.join(REPO, BIN)
INST = os.path.join(REPO, "..", "shared", "data", "mdrp", "0o50t100s1p100")
KEYS = ["orders", "delivered", "ctd_mean", "ctd_median", "ctd_p90", "within_target",
        "overage_mean", "ready_to_pickup_mean", "utilization_mean", "total_pay",
        "cost_per_order", "guarantee_share", "hourly_pay_mean", "hourly_pay_min", "seconds"]


def run(*args):
    return subprocess.run([BIN, "dispatch", *args], capture_output=True, text=True, timeout=120)


class DispatchSimulate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        need = os.path.join(INST, "orders.txt")
        if not os.path.exists(need):
            raise AssertionError("missing shared data file: %s" % need)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "sol")
        cls.res = run("simulate", "--mdrp", INST, "--out", cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_summary_keys(self):
        self.assertEqual(self.res.returncode, 0, self.res.stderr)
        s = json.loads(self.res.stdout)
        for k in KEYS:
            self.assertIn(k, s)
        self.assertEqual(s["orders"], 252)
        self.assertEqual(s["delivered"], 252)
        self.assertTrue(s["feasible"])
        self.assertLessEqual(s["ctd_median"], s["ctd_p90"])
        self.assertGreater(s["ctd_mean"], 20)
        self.assertLess(s["ctd_mean"], 40)
        self.assertGreaterEqual(s["hourly_pay_min"], 15 - 1e-9)  # the guarantee
        self.assertGreaterEqual(s["hourly_pay_mean"], s["hourly_pay_min"])
        self.assertAlmostEqual(s["cost_per_order"], s["total_pay"] / s["delivered"], places=6)

    def test_files_and_check(self):
        for f in ("solution_info_assignments.txt", "solution_info_orders.txt",
                  "solution_info_couriers.txt"):
            path = os.path.join(self.out, f)
            self.assertTrue(os.path.exists(path), path)
            with open(path) as fh:
                lines = fh.read().splitlines()
            self.assertGreater(len(lines), 1)
            for line in lines:
                self.assertNotIn("  ", line)
                self.assertNotIn("\t", line)
        with open(os.path.join(self.out, "solution_info_orders.txt")) as fh:
            self.assertEqual(fh.readline().strip(),
                             "order placement_time ready_time pickup_time dropoff_time courier")
        chk = run("check", "--mdrp", INST, "--solution", self.out)
        self.assertEqual(chk.returncode, 0, chk.stdout + chk.stderr)
        c = json.loads(chk.stdout)
        self.assertTrue(c["feasible"])
        self.assertEqual(c["violations"], [])
        s = json.loads(self.res.stdout)
        self.assertAlmostEqual(c["ctd_mean"], s["ctd_mean"], places=6)
        self.assertAlmostEqual(c["total_pay"], s["total_pay"], places=6)

    def test_check_rejects_broken(self):
        broken = os.path.join(self.tmp.name, "broken")
        os.makedirs(broken, exist_ok=True)
        for f in ("solution_info_assignments.txt", "solution_info_couriers.txt"):
            with open(os.path.join(self.out, f)) as a, open(os.path.join(broken, f), "w") as b:
                b.write(a.read())
        with open(os.path.join(self.out, "solution_info_orders.txt")) as fh:
            lines = fh.read().splitlines()
        f = lines[1].split(" ")
        f[4] = f[3]  # drop-off at the pickup time: the courier is at the restaurant
        lines[1] = " ".join(f)
        with open(os.path.join(broken, "solution_info_orders.txt"), "w") as fh:
            fh.write("\n".join(lines) + "\n")
        chk = run("check", "--mdrp", INST, "--solution", broken)
        self.assertEqual(chk.returncode, 1)
        self.assertFalse(json.loads(chk.stdout)["feasible"])

    def test_policies_and_usage(self):
        out2 = os.path.join(self.tmp.name, "imm")
        r = run("simulate", "--mdrp", INST, "--out", out2, "--policy", "immediate", "--epoch", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.loads(r.stdout)
        self.assertTrue(s["feasible"])
        self.assertEqual(s["policy"], "immediate")
        self.assertEqual(run("simulate", "--mdrp", INST, "--out", out2, "--policy", "nope").returncode, 2)
        self.assertEqual(run("simulate", "--mdrp", INST).returncode, 2)
        self.assertEqual(run("simulate", "--mdrp", INST, "--out", out2, "--epoch", "0").returncode, 2)
        self.assertEqual(run("simulate", "--mdrp", "/nonexistent", "--out", out2).returncode, 2)
        h = run("simulate", "--help")
        self.assertEqual(h.returncode, 0)
        self.assertIn("usage", h.stdout)
        self.assertEqual(run("bogus").returncode, 2)


if __name__ == "__main__":
    unittest.main()
