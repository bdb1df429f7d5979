#!/usr/bin/env python3
"""Writes tests/data/tiny.gguf with an independent GGUF writer (struct + NumPy, following
ggml's docs/gguf.md) and, for each tensor, NumPy's own dequantization as
tests/data/tiny.gguf.<name>.npy, which test_gguf.cpp compares against the C++ reader.

Q8_0 and Q4_0 blocks are made with llama.cpp's reference rules (quantize_row_q8_0_ref,
quantize_row_q4_0_ref): d = amax / 127, q = round(x / d); and d = max / -8 (max = the
value of largest magnitude, sign kept), q = min(15, trunc(x / d + 8.5)).
Run: python3 tests/scripts/make_gguf_fixture.py tests/data
"""
import struct
import sys

import numpy as np

ALIGN = 32


def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def q8_0(x):
    x = x.reshape(-1, 32).astype(np.float32)
    amax = np.abs(x).max(axis=1)
    d = (amax / 127).astype(np.float32)
    inv = np.where(d != 0, 1 / d, 0).astype(np.float32)
    q = np.round(x * inv[:, None]).astype(np.int8)
    d16 = d.astype(np.float16)
    raw = b"".join(d16[i].tobytes() + q[i].tobytes() for i in range(len(d)))
    deq = d16.astype(np.float32)[:, None] * q.astype(np.float32)
    return raw, deq


def q4_0(x):
    x = x.reshape(-1, 32).astype(np.float32)
    idx = np.abs(x).argmax(axis=1)
    mx = x[np.arange(len(x)), idx]
    d = (mx / -8).astype(np.float32)
    inv = np.where(d != 0, 1 / d, 0).astype(np.float32)
    q = np.minimum(15, np.trunc(x * inv[:, None] + np.float32(8.5))).astype(np.uint8)
    packed = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
    d16 = d.astype(np.float16)
    raw = b"".join(d16[i].tobytes() + packed[i].tobytes() for i in range(len(d)))
    deq = d16.astype(np.float32)[:, None] * (q.astype(np.float32) - np.float32(8))
    return raw, deq


def main(out_dir):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 5)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float16)
    c = rng.standard_normal((2, 64)).astype(np.float32)
    e = rng.standard_normal((1, 32)).astype(np.float32)
    c_raw, c_deq = q8_0(c)
    e_raw, e_deq = q4_0(e)
    # (name, shape numpy order, ggml type id, bytes, expected float32 values)
    tensors = [
        ("token_embd.weight", a.shape, 0, a.tobytes(), a),
        ("output_norm.weight", b.shape, 1, b.tobytes(), b.astype(np.float32)),
        ("blk.0.attn_q.weight", c.shape, 8, c_raw, c_deq.reshape(c.shape)),
        ("blk.0.ffn_up.weight", e.shape, 2, e_raw, e_deq.reshape(e.shape)),
    ]
    kv = gguf_string("general.name") + struct.pack("<I", 8) + gguf_string("quantscope-fixture")
    kv += gguf_string("general.file_type") + struct.pack("<II", 4, 7)
    infos, data = b"", b""
    for name, shape, ty, raw, _ in tensors:
        ne = list(reversed(shape))
        infos += gguf_string(name) + struct.pack("<I", len(ne)) + struct.pack(f"<{len(ne)}Q", *ne)
        infos += struct.pack("<IQ", ty, len(data))
        data += raw + b"\0" * (-len(raw) % ALIGN)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), 2) + kv + infos
    head += b"\0" * (-len(head) % ALIGN)
    with open(f"{out_dir}/tiny.gguf", "wb") as f:
        f.write(head + data)
    for name, _, _, _, expect in tensors:
        np.save(f"{out_dir}/tiny.gguf.{name}.npy", np.ascontiguousarray(expect, dtype=np.float32))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data")
