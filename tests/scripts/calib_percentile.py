#!/usr/bin/env python3
"""Independent percentile oracle for tests/unit/test_calibrate.cpp.

usage: calib_percentile.py FILE P [P ...]
FILE holds raw little-endian float32 values. For every P prints
np.percentile(x as float64, P) (NumPy's default 'linear' method) with repr(),
which round-trips a float64 exactly, one per line. |x| is also handled: a P
prefixed with 'a' (e.g. a99.9) is the percentile of np.abs(x).
"""
import sys

import numpy as np


def main() -> int:
    x = np.fromfile(sys.argv[1], dtype="<f4").astype(np.float64)
    for arg in sys.argv[2:]:
        data = np.abs(x) if arg.startswith("a") else x
        p = float(arg.lstrip("a"))
        print(repr(float(np.percentile(data, p))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
