#!/usr/bin/env python3
"""Writes .npz fixtures with NumPy itself (the independent writer) for test_npz.cpp.

usage: make_npz_fixtures.py OUTDIR

OUTDIR/npz_stored.npz (np.savez) and OUTDIR/npz_deflated.npz (np.savez_compressed) hold
the same arrays; OUTDIR/npz_expected.json = {"arrays": [{"name", "dtype", "shape",
"values"}]} lists them in archive order, values in logical C order as float32 holds them.
"""
import json
import os
import sys

import numpy as np

OUT = sys.argv[1]
rng = np.random.default_rng(7)
arrays = {
    "weight": rng.standard_normal((3, 4)).astype(np.float32),
    "half": np.array([0.5, -2.0, 65504.0, 1e-3], dtype=np.float16),
    "ids": np.arange(-3, 3, dtype=np.int64).reshape(2, 3),
    "mask": np.array([True, False, True]),
    "big_endian": np.array([1.5, -0.25, 3.0], dtype=">f8"),
    "fortran": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
    "scalar": np.float32(42.5),
    "layer.0/bias": np.linspace(-1, 1, 5, dtype=np.float32),
}
NAMES = {"float32": "F32", "float16": "F16", "int64": "I64", "bool": "BOOL", "float64": "F64"}
np.savez(os.path.join(OUT, "npz_stored.npz"), **arrays)
np.savez_compressed(os.path.join(OUT, "npz_deflated.npz"), **arrays)
expected = {"arrays": []}
for name, a in arrays.items():
    a = np.asarray(a)
    expected["arrays"].append({
        "name": name,
        "dtype": NAMES[a.dtype.name],
        "shape": list(a.shape),
        "values": [float(v) for v in a.astype(np.float32).ravel(order="C")],
    })
with open(os.path.join(OUT, "npz_expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
