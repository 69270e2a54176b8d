#!/usr/bin/env python3
"""Run every tests/api/test_*.py (unittest) against $VISIBLE_BIN.

Prints one line per failing test with its traceback, then
"N passed, N failed". Exit status 1 if anything failed.
  VIS_JOBS=N   run the test files in N processes at once (each file whole,
               in one process; the files shared out longest first, by the
               times of the last run if known); the tests mostly wait on
               the server, so two processes on two cores save time.
  VIS_TIMES=N  also print the N slowest test files with their seconds.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
TIMES = os.path.join(os.environ.get("TMPDIR", "/tmp"), "visible-api-times.json")


class TimedResult(unittest.TextTestResult):
    """Seconds per test file, class set-ups included."""
    times = {}
    _last = None

    def startTest(self, test):
        now = time.time()
        if TimedResult._last is not None:  # everything since the last test ended (set-ups too)
            mod = type(test).__module__
            TimedResult.times[mod] = TimedResult.times.get(mod, 0) + now - TimedResult._last
        TimedResult._last = now
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        now = time.time()
        mod = type(test).__module__
        TimedResult.times[mod] = TimedResult.times.get(mod, 0) + now - TimedResult._last
        TimedResult._last = now


def run(names):
    loader = unittest.defaultTestLoader
    if names:
        suite = unittest.TestSuite(loader.loadTestsFromName(n) for n in names)
    else:
        suite = loader.discover(here, pattern="test_*.py", top_level_dir=here)
    res = unittest.TextTestRunner(stream=sys.stdout, verbosity=1, resultclass=TimedResult).run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    return res.testsRun - failed - len(res.skipped), failed


def shards(n):
    files = sorted(f[:-3] for f in os.listdir(here) if f.startswith("test_") and f.endswith(".py"))
    try:
        with open(TIMES) as f:
            known = json.load(f)
    except (OSError, ValueError):
        known = {}
    out = [[] for _ in range(n)]
    load = [0.0] * n
    for name in sorted(files, key=lambda m: -known.get(m, 5.0)):  # longest first, to the least loaded
        i = load.index(min(load))
        out[i].append(name)
        load[i] += known.get(name, 5.0)
    return [s for s in out if s]


def main():
    jobs = int(os.environ.get("VIS_JOBS", "1") or 1)
    args = sys.argv[1:]
    if args[:1] == ["--files"]:  # one shard (a child of the run below)
        passed, failed = run(args[1:])
        print("TIMES " + json.dumps(TimedResult.times))
    elif jobs > 1:
        procs = []
        for names in shards(jobs):
            log = tempfile.TemporaryFile("w+")
            procs.append((subprocess.Popen([sys.executable, __file__, "--files"] + names, stdout=log,
                                           stderr=subprocess.STDOUT), log))
        passed = failed = 0
        for p, log in procs:
            rc = p.wait()
            log.seek(0)
            text = log.read()
            log.close()
            counts = None
            for line in text.splitlines():
                if line.startswith("TIMES "):
                    TimedResult.times.update(json.loads(line[6:]))
                elif line.endswith(" failed") and " passed, " in line:
                    counts = line
                else:
                    print(line)
            if counts is None:
                failed += 1
                print("a test process ended (status %d) without its counts" % rc)
            else:
                p_, f_ = counts.split(" passed, ")
                passed += int(p_)
                failed += int(f_.split()[0])
    else:
        passed, failed = run([])
    if args[:1] != ["--files"]:
        try:
            with open(TIMES, "w") as f:
                json.dump(TimedResult.times, f)
        except OSError:
            pass
        top = int(os.environ.get("VIS_TIMES", "0") or 0)
        for k, v in sorted(TimedResult.times.items(), key=lambda kv: -kv[1])[:top]:
            print("%7.1f s  %s" % (v, k))
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


main()
