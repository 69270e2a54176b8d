#!/usr/bin/env python3
"""Run every tests/web/test_*.py (browser tests) against $VISIBLE_BIN.
Prints "N passed, N failed"; exit 1 if anything failed."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
pattern = sys.argv[1] if len(sys.argv) > 1 else "test_*.py"
suite = unittest.defaultTestLoader.discover(here, pattern=pattern, top_level_dir=here)
res = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
passed = res.testsRun - failed - len(res.skipped)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
