#!/usr/bin/env python3
"""Independent reader for files our writer produced (test_safetensors.cpp round trip).

usage: check_safetensors.py FILE OUT_PREFIX

Checks what the Rust reference writer guarantees, then writes OUT_PREFIX.json =
{"header_len", "metadata", "tensors": [{"name", "dtype", "shape", "offset"}]} in header
order, and OUT_PREFIX.bin = every tensor's elements as little-endian float64 in C order,
concatenated ("offset" counts elements). Exits 1 with a message if a check fails.
"""
import json
import struct
import sys

import numpy as np

NP = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4",
      "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "u1"}
SIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
        "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}


def fail(msg):
    print("check_safetensors: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    path, out = sys.argv[1], sys.argv[2]
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    if n % 8 != 0:
        fail(f"header length {n} is not a multiple of 8")
    text = blob[8:8 + n].decode("utf-8")
    header, json_end = json.JSONDecoder().raw_decode(text)  # dicts keep key order
    if text[json_end:].strip(" ") or len(text) - json_end >= 8:
        fail("header must be JSON followed by fewer than 8 padding spaces")
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    if not all(isinstance(v, str) for v in meta.values()):
        fail("metadata values must be strings")
    tensors, values, pos, count = [], [], 0, 0
    for name, info in header.items():
        begin, end = info["data_offsets"]
        numel = int(np.prod(info["shape"], dtype=np.int64))
        if begin != pos or end - begin != numel * SIZE[info["dtype"]]:
            fail(f"{name}: data_offsets {begin},{end} not contiguous/size-consistent")
        pos = end
        raw = data[begin:end]
        if info["dtype"] == "BF16":
            v = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view("<f4")
        elif info["dtype"] in NP:
            v = np.frombuffer(raw, NP[info["dtype"]])
        else:
            fail(f"{name}: dtype {info['dtype']} not handled by this checker")
        values.append(v.astype(np.float64))
        tensors.append({"name": name, "dtype": info["dtype"], "shape": info["shape"],
                        "offset": count})
        count += numel
    if pos != len(data):
        fail(f"data buffer has {len(data)} bytes, tensors cover {pos}")
    np.concatenate(values or [np.zeros(0)]).astype("<f8").tofile(out + ".bin")
    with open(out + ".json", "w") as f:
        json.dump({"header_len": n, "metadata": meta, "tensors": tensors}, f)


if __name__ == "__main__":
    main()
