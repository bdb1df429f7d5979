#!/usr/bin/env python3
"""Writes safetensors fixtures with struct + json + NumPy (independent of our writer).

usage: make_safetensors_fixtures.py OUTDIR

OUTDIR/manifest.json = {"valid": [{"file", "metadata", "tensors": [{"name", "dtype",
"shape", "values", "stats"}]}], "malformed": [file, ...]}. "values" names a raw
little-endian float64 file with every element as float32 would hold it, in C order.
The bf16 and fp8 decoders here are written from the format definitions, not shared
with the C++ code. The C++ test knows which message each malformed file must produce.
"""
import json
import os
import struct
import sys

import numpy as np

import fixture_stats  # next to this script

OUT = sys.argv[1]
manifest = {"valid": [], "malformed": []}


stats = fixture_stats.stats


def write(name, header_obj, data, pad=8, raw_header=None):
    """header_obj: dict (insertion order kept) or raw_header bytes; pad: header alignment."""
    h = raw_header if raw_header is not None else json.dumps(
        header_obj, separators=(",", ":")).encode()
    if pad:
        h += b" " * ((pad - len(h) % pad) % pad)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


# ---------------------------------------------------------------- independent decoders
def bf16_from_f32(x):
    """Round-to-nearest-even float32 -> bf16 bits (NaN kept quiet)."""
    u = np.asarray(x, dtype="<f4").view("<u4").astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(x), np.uint16(0x7FC0), r).astype("<u2")


def bf16_to_f32(b):
    return (np.asarray(b, dtype=np.uint32) << 16).astype("<u4").view("<f4")


def f8_e4m3(code):
    s = -1.0 if code & 0x80 else 1.0
    e, m = (code >> 3) & 15, code & 7
    if e == 15 and m == 7:
        return float("nan")
    if e == 0:
        return s * m / 8 * 2.0 ** -6
    return s * (1 + m / 8) * 2.0 ** (e - 7)


def f8_e5m2(code):
    s = -1.0 if code & 0x80 else 1.0
    e, m = (code >> 2) & 31, code & 3
    if e == 31:
        return s * float("inf") if m == 0 else float("nan")
    if e == 0:
        return s * m / 4 * 2.0 ** -14
    return s * (1 + m / 4) * 2.0 ** (e - 15)


# ------------------------------------------------------------------------- valid files
class File:
    def __init__(self, name, metadata=None):
        self.name, self.header, self.data, self.entries = name, {}, b"", []
        if metadata is not None:
            self.header["__metadata__"] = metadata

    def add(self, name, dtype, shape, raw, values, gap=0):
        """raw: stored bytes; values: what each element decodes to (float64, C order)."""
        self.data += b"\xAB" * gap  # holes between tensors are legal
        begin = len(self.data)
        self.data += raw
        self.header[name] = {"dtype": dtype, "shape": list(shape),
                             "data_offsets": [begin, len(self.data)]}
        values = np.asarray(values, dtype=np.float64).ravel()
        vfile = f"{self.name}.{len(self.entries)}.f64.bin"
        values.astype("<f8").tofile(os.path.join(OUT, vfile))
        self.entries.append({"name": name, "dtype": dtype, "shape": list(shape),
                             "values": vfile, "stats": stats(values)})

    def save(self, pad=8, trailing=b""):
        write(self.name, self.header, self.data + trailing, pad=pad)
        manifest["valid"].append({"file": self.name,
                                  "metadata": self.header.get("__metadata__", {}),
                                  "tensors": self.entries})


def f32(x):
    return np.asarray(x, dtype="<f4")


rng = np.random.default_rng(99)
f = File("all_dtypes.safetensors", {"format": "pt", "note": "written by numpy"})
x = f32(rng.standard_normal((3, 5)))
f.add("f32", "F32", x.shape, x.tobytes(), x)
x = rng.standard_normal((2, 3)) * 1e5
f.add("f64", "F64", x.shape, x.astype("<f8").tobytes(), f32(x))
x = np.array([0, 1, -2, 65504, 6e-8, np.inf, -np.inf, np.nan], dtype="<f2")
f.add("f16", "F16", x.shape, x.tobytes(), x)
x = f32(np.concatenate([rng.standard_normal(10), [np.inf, -np.inf, 3e38, 1e-40]]))
b = bf16_from_f32(x)
f.add("bf16", "BF16", b.shape, b.tobytes(), bf16_to_f32(b))
codes = np.arange(256, dtype=np.uint8)
f.add("f8_e4m3", "F8_E4M3", (16, 16), codes.tobytes(), [f8_e4m3(int(c)) for c in codes])
f.add("f8_e5m2", "F8_E5M2", (256,), codes.tobytes(), [f8_e5m2(int(c)) for c in codes])
x = np.array([-2**63, -1, 0, 2**40 + 3, 2**63 - 1], dtype="<i8")
f.add("i64", "I64", x.shape, x.tobytes(), f32(x))
x = np.array([-2**31, 7, 2**31 - 1], dtype="<i4")
f.add("i32", "I32", x.shape, x.tobytes(), f32(x))
x = np.array([-32768, 0, 32767, 5], dtype="<i2")
f.add("i16", "I16", (2, 2), x.tobytes(), f32(x))
x = np.array([-128, -1, 0, 127], dtype="i1")
f.add("i8", "I8", x.shape, x.tobytes(), f32(x))
x = np.array([0, 1, 200, 255], dtype="u1")
f.add("u8", "U8", x.shape, x.tobytes(), f32(x))
x = np.array([1, 0, 0, 1, 1, 0], dtype="u1")
f.add("bool", "BOOL", (2, 3), x.tobytes(), x)
f.save()

# Header order is kept as written (not sorted), gaps between tensors and trailing bytes
# are allowed, the scalar has numel 1 and the empty tensor numel 0.
f = File("order_gaps.safetensors")
x = f32([[1, 2], [3, 4]])
f.add("z.last_alphabetically", "F32", x.shape, x.tobytes(), x)
x = f32(7.25)
f.add("a.scalar", "F32", (), x.tobytes(), [7.25], gap=8)
f.add("m.empty", "F32", (0, 4), b"", [], gap=3)
x = f32(rng.standard_normal(6))
f.add("b.unaligned", "F32", (6,), x.tobytes(), x, gap=1)
f.save(trailing=b"\0\0\0")

# No header padding: the data buffer starts at an odd address, so F32 cannot be viewed
# in place and must be decoded through the fallback path.
f = File("unpadded.safetensors", {"k": "v"})
x = f32(rng.standard_normal((50, 40)))
f.add("w", "F32", x.shape, x.tobytes(), x)
f.save(pad=0)
assert (8 + len(json.dumps(f.header, separators=(",", ":")))) % 4 != 0

# Several kDecodeChunk pieces for the chunked statistics.
f = File("large.safetensors")
x = f32(rng.standard_normal(300_007) * 0.02 - 0.001)
f.add("big.f32", "F32", x.shape, x.tobytes(), x)
b = bf16_from_f32(f32(rng.laplace(0.0, 0.5, 200_003)))
f.add("big.bf16", "BF16", b.shape, b.tobytes(), bf16_to_f32(b))
f.save()


# ---------------------------------------------------------------------- malformed files
def bad(name, header=None, data=b"\0" * 16, raw=None, raw_header=None, pad=8):
    """raw: the whole file; raw_header: header bytes (the length prefix is added)."""
    if raw is not None:
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(raw)
    else:
        write(name, header, data, pad=pad, raw_header=raw_header)
    manifest["malformed"].append(name)


def t(dtype="F32", shape=(2, 2), offsets=(0, 16)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


bad("header_too_large.safetensors", raw=struct.pack("<Q", 200_000_000) + b"{}" + b" " * 6)
bad("header_past_eof.safetensors", raw=struct.pack("<Q", 1000) + b'{"a":1}' + b" " * 9)
bad("too_short.safetensors", raw=b"\x10\0\0")
bad("truncated_data.safetensors", {"w": t()}, data=b"\0" * 10)
bad("invalid_json.safetensors", raw_header=b'{"w": {"dtype": "F32", "shape": [2,', pad=8)
bad("not_object.safetensors", raw_header=b"[1, 2, 3]")
bad("unknown_dtype.safetensors", {"ok": t(), "scales": t("F8_E8M0", (4,), (16, 20))},
    data=b"\0" * 20)
bad("dtype_i4.safetensors", {"packed": t("I4", (8,), (0, 4))}, data=b"\0" * 4)
bad("negative_shape.safetensors", {"w": t(shape=(-1, 4))})
bad("float_shape.safetensors", {"w": t(shape=(2.5, 4))})
bad("shape_overflow.safetensors", {"w": t(shape=(1 << 30, 1 << 30), offsets=(0, 16))})
bad("offsets_oob.safetensors", {"w": t(offsets=(0, 1000))})
bad("end_before_begin.safetensors", {"w": t(offsets=(12, 4))})
bad("size_mismatch.safetensors", {"w": t(offsets=(0, 12))})
bad("overlap.safetensors", {"first": t(shape=(2,), offsets=(0, 8)),
                            "second": t(shape=(2,), offsets=(4, 12))})
bad("metadata_list.safetensors", {"__metadata__": ["a"], "w": t()})
bad("metadata_number.safetensors", {"__metadata__": {"epoch": 3}, "w": t()})
bad("missing_offsets.safetensors", {"w": {"dtype": "F32", "shape": [2, 2]}})
bad("offsets_three.safetensors", {"w": t(offsets=(0, 8, 16))})
bad("duplicate.safetensors", raw_header=b'{"w":' + json.dumps(t()).encode() +
    b',"w":' + json.dumps(t()).encode() + b"}")

with open(os.path.join(OUT, "manifest.json"), "w") as fh:
    json.dump(manifest, fh, indent=1, allow_nan=False)
