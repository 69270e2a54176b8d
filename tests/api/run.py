#!/usr/bin/env python3
"""Run every tests/api/test_*.py (unittest) against $VISIBLE_BIN.

Prints one line per failing test with its traceback, then
"N passed, N failed". Exit status 1 if anything failed.
"""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here)
runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=1)
res = runner.run(suite)
failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
passed = res.testsRun - failed - len(res.skipped)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
