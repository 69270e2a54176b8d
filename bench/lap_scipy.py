#!/usr/bin/env python3
"""Reference timing for bench/dispatch.c: scipy's linear_sum_assignment on a
raw float64 matrix file. Usage: lap_scipy.py FILE N. Prints
"total=<sum> seconds=<t>" or "SKIP <reason>" when scipy is missing."""
import sys
import time

try:
    import numpy as np
    from scipy.optimize import linear_sum_assignment
except ImportError as e:  # the benchmark prints a note and skips the comparison
    print("SKIP scipy not available (%s); install python3-scipy" % e)
    sys.exit(0)

path, n = sys.argv[1], int(sys.argv[2])
c = np.fromfile(path, dtype=np.float64).reshape(n, n)
t0 = time.perf_counter()
r, k = linear_sum_assignment(c)
t = time.perf_counter() - t0
print("total=%.1f seconds=%.6f" % (c[r, k].sum(), t))
