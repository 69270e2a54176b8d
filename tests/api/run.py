#!/usr/bin/env python3
"""Run every tests/api/test_*.py (unittest) against $VISIBLE_BIN.

Prints one line per failing test with its traceback, then
"N passed, N failed". Exit status 1 if anything failed. With VIS_TIMES=N,
also the N slowest test classes with their seconds (where the time goes).
"""
import os
import sys
import time
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)


class TimedResult(unittest.TextTestResult):
    times = {}

    def startTest(self, test):
        self._t0 = time.time()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        key = type(test).__module__ + "." + type(test).__name__
        TimedResult.times[key] = TimedResult.times.get(key, 0) + time.time() - self._t0


suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here)
runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=1, resultclass=TimedResult)
res = runner.run(suite)
top = int(os.environ.get("VIS_TIMES", "0") or 0)
for k, v in sorted(TimedResult.times.items(), key=lambda kv: -kv[1])[:top]:
    print("%7.1f s  %s" % (v, k))
failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
passed = res.testsRun - failed - len(res.skipped)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
