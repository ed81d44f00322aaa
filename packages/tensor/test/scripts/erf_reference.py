"""Writes ../fixtures/erf.json: erf(x) to 40 significant digits (mpmath) at fixed and random points.

Run from this folder with Debian's python3 (python3-mpmath): python3 erf_reference.py
Each entry is [x, erf(x) rounded to float64, erf(x) minus that float64], so a test can measure
the error of a float64 result in units in the last place without rounding the reference twice.
"""
import json
import os
import random

import mpmath

mpmath.mp.dps = 40
random.seed(17)

points = [0.0, 5e-324, 1e-300, 1e-20, 1e-8, 1e-3, 0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75,
          1.9999999999999998, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 5.9, 5.999, 6.0, 7.5, 27.0]
points += [random.uniform(0, 6) for _ in range(300)]
points += [random.uniform(0, 0.5) for _ in range(40)]
points += [-p for p in points[:12]]

rows = []
for x in points:
    exact = mpmath.erf(mpmath.mpf(x))
    nearest = float(exact)
    rows.append([x, nearest, float(exact - mpmath.mpf(nearest))])

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "erf.json")
with open(out, "w") as f:
    json.dump({"generator": "packages/tensor/test/scripts/erf_reference.py (mpmath %s, 40 digits)" % mpmath.__version__,
               "rows": rows}, f, separators=(",", ":"))
    f.write("\n")
print("wrote", len(rows), "rows to", out)
