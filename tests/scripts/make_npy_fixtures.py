#!/usr/bin/env python3
"""Writes .npy fixtures with NumPy itself (the independent writer) for test_npy.cpp.

usage: make_npy_fixtures.py OUTDIR

OUTDIR/manifest.json = {"valid": [{"file", "dtype", "shape", "values", "stats"}],
                        "malformed": [file, ...]}
"values" names a raw little-endian float64 file holding every element in C order as
float32 would hold it (what qs::decode_to_float must produce). "stats" are NumPy's
float64 mean/std (population) over the finite values, plus min/max/absmax and counts.
Malformed files are hand-assembled from NumPy-written headers; the C++ test knows
which message each must produce.
"""
import json
import os
import struct
import sys

import numpy as np

import fixture_stats  # next to this script

OUT = sys.argv[1]
manifest = {"valid": [], "malformed": []}
DTYPE_NAMES = {"f8": "F64", "f4": "F32", "f2": "F16", "i8": "I64", "i4": "I32",
               "i2": "I16", "i1": "I8", "u1": "U8", "b1": "BOOL"}


def stats(a):
    """NumPy's values as QuantScope decodes them (float32), then the shared statistics."""
    return fixture_stats.stats(np.asarray(a, dtype=np.float32))


def expect(name, arr, writer=None):
    """Saves arr as OUT/name.npy (with writer if given) and records what to expect."""
    path = os.path.join(OUT, name + ".npy")
    if writer is None:
        np.save(path, arr)
    else:
        with open(path, "wb") as f:
            writer(f, arr)
    values = name + ".f64.bin"
    # Logical C order, each element as float32 holds it (bool -> 0/1).
    np.ascontiguousarray(arr).astype(np.float32).astype("<f8").tofile(os.path.join(OUT, values))
    manifest["valid"].append({"file": name + ".npy", "tensor": name,
                              "dtype": DTYPE_NAMES[arr.dtype.str[1:]],
                              "shape": list(arr.shape), "values": values,
                              "stats": stats(arr)})


def v(major):
    return lambda f, a: np.lib.format.write_array(f, a, version=(major, 0))


rng = np.random.default_rng(1234)
normal = rng.standard_normal

expect("f4_2d", normal((3, 4)).astype("<f4"))
expect("f8_2d", normal((5, 7)) * 1e3)
expect("f2_specials", np.array([0, -0.0, 1, -2.5, 65504, -65504, 6e-8, 1e-5, np.inf, -np.inf,
                                np.nan, 0.1, 3.14159], dtype="<f2"))
expect("i1", np.array([-128, -1, 0, 1, 127], dtype="i1"))
expect("i2", np.array([-32768, -7, 0, 32767], dtype="<i2"))
expect("i4", np.array([-2**31, -5, 0, 2**31 - 1, 16777217], dtype="<i4"))
expect("i8", np.array([-2**63, -3, 0, 2**53 + 1, 2**63 - 1], dtype="<i8"))
expect("u1", np.arange(256, dtype="u1").reshape(16, 16))
expect("b1", np.array([[True, False, True], [False, False, True]]))
expect("be_f4", normal((4, 5)).astype(">f4"))
expect("be_f8", normal(9).astype(">f8"))
expect("be_i4", np.array([-70000, 1, 2, 3], dtype=">i4"))
expect("be_f2", np.array([1.5, -2, 65504, np.inf], dtype=">f2"))
expect("fortran_3d", np.asfortranarray(np.arange(24, dtype="<f4").reshape(2, 3, 4)))
expect("fortran_be_f8", np.asfortranarray(normal((6, 5)).astype(">f8")))
expect("scalar", np.array(3.5, dtype="<f4"))
expect("empty", np.zeros((0, 5), dtype="<f4"))
expect("vec5", np.arange(5, dtype="<f4") * 0.25)
expect("nonfinite", np.array([1.0, np.nan, -np.inf, 2.0, np.inf, -3.0], dtype="<f4"))
expect("allnan", np.array([np.nan, np.nan], dtype="<f4"))
expect("v2", normal((8, 3)).astype("<f4"), writer=v(2))
expect("v3", normal((2, 2, 2)).astype("<f8"), writer=v(3))
# Larger than several kDecodeChunk (65536) pieces: the chunked statistics must merge.
expect("large", (normal(300_001) * 0.02 + 0.5).astype("<f4"))
expect("large_fortran", np.asfortranarray((normal((700, 301)) * 3 - 1).astype("<f4")))
# Two arrays saved into one open file: np.load(path) reads the first one only.
first = np.arange(6, dtype="<f4").reshape(2, 3)
expect("appended", first, writer=lambda f, a: (np.save(f, a), np.save(f, a * 10)))


# ------------------------------------------------------------------------ malformed files
def bad(name, data):
    with open(os.path.join(OUT, name + ".npy"), "wb") as f:
        f.write(data)
    manifest["malformed"].append(name + ".npy")


def npy_bytes(arr, version=(1, 0)):
    import io
    b = io.BytesIO()
    np.lib.format.write_array(b, arr, version=version, allow_pickle=True)
    return b.getvalue()


def raw(header, data=b"", major=1):
    """A .npy with a hand-written header dict, padded as NumPy pads (64-byte aligned)."""
    h = header.encode("latin1")
    pre = 10 if major == 1 else 12
    h += b" " * ((64 - (pre + len(h) + 1) % 64) % 64) + b"\n"
    length = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([major, 0]) + length + h + data


good = npy_bytes(np.arange(12, dtype="<f4").reshape(3, 4))
bad("bad_magic", b"\x93NUMPZ" + good[6:])
bad("bad_version", good[:6] + b"\x04\x00" + good[8:])
bad("truncated_header", good[:40])
bad("truncated_length", good[:9])
bad("truncated_data", good[:-4])
bad("missing_shape", raw("{'descr': '<f4', 'fortran_order': False, }"))
bad("missing_descr", raw("{'fortran_order': False, 'shape': (3,), }", b"\0" * 12))
bad("unsupported_u2", npy_bytes(np.arange(4, dtype="<u2")))
bad("unsupported_c8", npy_bytes(np.arange(4, dtype="<c8")))
bad("structured", npy_bytes(np.zeros(3, dtype=[("a", "<f4"), ("b", "<i4")])))
bad("object", npy_bytes(np.array([1, "a"], dtype=object)))
bad("shape_overflow", raw("{'descr': '<f4', 'fortran_order': False, "
                          "'shape': (1073741824, 1073741824), }", b"\0" * 16))
bad("shape_huge_int", raw("{'descr': '<f4', 'fortran_order': False, "
                          "'shape': (123456789012345678901234567890,), }"))
bad("shape_negative", raw("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }"))
bad("shape_not_tuple", raw("{'descr': '<f4', 'fortran_order': False, 'shape': 7, }"))
bad("not_a_literal", raw("{'descr': '<f4', 'fortran_order': Flase, 'shape': (3,), }"))
bad("header_past_eof", b"\x93NUMPY\x02\x00" + struct.pack("<I", 1 << 30) + b"{'descr'")

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1, allow_nan=False)
