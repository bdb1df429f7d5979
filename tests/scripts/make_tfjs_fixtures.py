#!/usr/bin/env python3
"""Writes TensorFlow.js weight fixtures under DIR (tests/data) and tfjs_expected.json, the
name, dtype, shape and NumPy values each weight must decode to.

The layout follows tfjs-converter's weights format (the "weightsManifest" of model.json,
or a bare *weights_manifest.json): a list of groups {"paths": [...], "weights": [{"name",
"shape", "dtype", "quantization"?}]}; a group's shard files, concatenated in path order,
hold its weights back to back in manifest order, little-endian. Quantized float32
weights hold uint8/uint16 codes q with x = q*scale + min (tfjs-core decodes this with
JavaScript doubles into a Float32Array: float32(float64(q)*scale + min)) or float16
halves. The quantizer mirrors the converter's affine rule (range of the data, scale =
(max - min)/qmax, min nudged onto the grid, codes rounded), written independently here.

  tfjs_graph/          model.json (graph model, two groups; group 1 cut into two shards
                       in the middle of a weight, as the converter's fixed shard size does)
  tfjs_manifest/       tiny_model-weights_manifest.json (bare manifest) + one shard
  tfjs_bad/CASE/       model.json that must be refused: missing_shard, short_shard,
                       path_escape, shape_overflow, unknown_dtype
Run: /usr/bin/python3 tests/scripts/make_tfjs_fixtures.py tests/data
"""
import json
import os
import shutil
import struct
import sys

import numpy as np


def affine_quantize(x, dtype):
    """uint8/uint16 codes, scale and min, as tfjs-converter's affine quantization."""
    qmax = np.iinfo(dtype).max
    lo, hi = np.float32(x.min()), np.float32(x.max())
    scale = np.float32((hi - lo) / qmax) or np.float32(1.0)
    nudged_min = np.float32(np.round(lo / scale) * scale)
    nudged_max = np.float32(nudged_min + qmax * scale)
    q = np.round((np.clip(x, nudged_min, nudged_max) - nudged_min) / scale).astype(dtype)
    return q, float(scale), float(nudged_min)


def dequantize(q, scale, mn):
    # tfjs-core io_utils decodeWeights: v * quantization.scale + quantization.min, each in
    # JavaScript doubles, stored into a Float32Array (one rounding to float32).
    return (q.astype(np.float64) * scale + mn).astype(np.float32)


class Group:
    def __init__(self):
        self.weights, self.data = [], bytearray()

    def add(self, name, shape, dtype, raw, quantization=None):
        entry = {"name": name, "shape": list(shape), "dtype": dtype}
        if quantization:
            entry["quantization"] = quantization
        self.weights.append(entry)
        self.data += raw

    def write(self, out_dir, prefix, shard_bytes):
        paths = []
        chunks = [self.data[i:i + shard_bytes] for i in range(0, len(self.data), shard_bytes)] or [b""]
        for k, chunk in enumerate(chunks):
            name = "%s-shard%dof%d.bin" % (prefix, k + 1, len(chunks))
            with open(os.path.join(out_dir, name), "wb") as f:
                f.write(chunk)
            paths.append(name)
        return {"paths": paths, "weights": self.weights}


def strings_raw(items):
    return b"".join(struct.pack("<I", len(s)) + s for s in items)


def main(out):
    rng = np.random.default_rng(19)
    expected = {}

    def expect(model, name, dtype, shape, values):
        expected.setdefault(model, []).append(
            {"name": name, "dtype": dtype, "shape": list(shape), "values": [float(v) for v in np.ravel(values)]})

    # ---- graph model: two groups, float32 / uint8 / uint16 / float16 / int32 / bool ----
    d = os.path.join(out, "tfjs_graph")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    g1, g2 = Group(), Group()
    w = rng.normal(0, 0.5, (4, 6)).astype(np.float32)
    g1.add("conv/kernel", w.shape, "float32", w.astype("<f4").tobytes())
    expect("tfjs_graph", "conv/kernel", "F32", w.shape, w)
    dense = rng.normal(0.1, 0.8, (5, 7)).astype(np.float32)
    q, s, m = affine_quantize(dense, np.uint8)
    g1.add("dense/kernel", dense.shape, "float32", q.tobytes(), {"dtype": "uint8", "scale": s, "min": m})
    expect("tfjs_graph", "dense/kernel", "U8q", dense.shape, dequantize(q, s, m))
    expected["tfjs_graph_quant"] = {"dense/kernel": {"scale": s, "min": m, "codes": [int(c) for c in q.ravel()]}}
    b16 = rng.normal(-0.2, 1.5, (3, 5)).astype(np.float32)
    q16, s16, m16 = affine_quantize(b16, np.uint16)
    g1.add("dense/bias16", b16.shape, "float32", q16.astype("<u2").tobytes(), {"dtype": "uint16", "scale": s16, "min": m16})
    expect("tfjs_graph", "dense/bias16", "U16q", b16.shape, dequantize(q16, s16, m16))
    h = rng.normal(0, 2, (2, 3, 4)).astype(np.float32)
    g1.add("norm/gamma_f16", h.shape, "float32", h.astype("<f2").tobytes(), {"dtype": "float16"})
    expect("tfjs_graph", "norm/gamma_f16", "F16", h.shape, h.astype(np.float16).astype(np.float32))
    # Exactly on a binary grid (scale 2^-6, min -2, every code 0..255 once): re-quantizing
    # with minmax:bits=8,zp=float gives the file's values back with zero error.
    grid = np.arange(256, dtype=np.uint8)
    rng.shuffle(grid)
    grid = grid.reshape(16, 16)
    g1.add("grid/kernel", grid.shape, "float32", grid.tobytes(), {"dtype": "uint8", "scale": 2.0 ** -6, "min": -2.0})
    expect("tfjs_graph", "grid/kernel", "U8q", grid.shape, dequantize(grid, 2.0 ** -6, -2.0))
    g2.add("vocab", [3], "string", strings_raw([b"a", b"bc", b""]))  # skipped by name
    ids = np.array([7, -3, 2**31 - 1, -2**31], dtype=np.int32)
    g2.add("ids", ids.shape, "int32", ids.astype("<i4").tobytes())
    expect("tfjs_graph", "ids", "I32", ids.shape, ids)
    mask = np.array([True, False, True], dtype=np.bool_)
    g2.add("mask", mask.shape, "bool", mask.astype(np.uint8).tobytes())
    expect("tfjs_graph", "mask", "BOOL", mask.shape, mask.astype(np.float32))
    iq = np.array([0, 1, 2, 255], dtype=np.uint8)  # int32 codes: Math.round(q*scale + min)
    g2.add("steps", iq.shape, "int32", iq.tobytes(), {"dtype": "uint8", "scale": 0.5, "min": -1.5})
    js_round = np.floor(iq.astype(np.float64) * 0.5 - 1.5 + 0.5)  # ties toward +inf
    expect("tfjs_graph", "steps", "I32", iq.shape, js_round)
    scalar = np.float32(3.25)
    g2.add("scalar", [], "float32", struct.pack("<f", scalar))
    expect("tfjs_graph", "scalar", "F32", [], [scalar])
    manifest = [g1.write(d, "group1", 100), g2.write(d, "group2", 1 << 22)]
    model = {"format": "graph-model", "generatedBy": "2.15.0", "convertedBy": "quantscope-fixture",
             "modelTopology": {"node": []}, "weightsManifest": manifest}
    with open(os.path.join(d, "model.json"), "w") as f:
        json.dump(model, f, indent=1)
    expected["tfjs_graph_shards"] = [len(g["paths"]) for g in manifest]

    # ---- bare manifest (face-api style), layers naming ----
    d = os.path.join(out, "tfjs_manifest")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    g = Group()
    k = rng.normal(0, 0.1, (3, 3, 2, 4)).astype(np.float32)
    qk, sk, mk = affine_quantize(k, np.uint8)
    g.add("conv0/filters", k.shape, "float32", qk.tobytes(), {"dtype": "uint8", "scale": sk, "min": mk})
    expect("tfjs_manifest", "conv0/filters", "U8q", k.shape, dequantize(qk, sk, mk))
    b = rng.normal(0, 0.1, (4,)).astype(np.float32)
    g.add("conv0/bias", b.shape, "float32", b.astype("<f4").tobytes())
    expect("tfjs_manifest", "conv0/bias", "F32", b.shape, b)
    name = "tiny_model-shard1"
    with open(os.path.join(d, name), "wb") as f:
        f.write(g.data)
    with open(os.path.join(d, "tiny_model-weights_manifest.json"), "w") as f:
        json.dump([{"paths": [name], "weights": g.weights}], f)

    # ---- malformed models: each must be refused with a message naming the problem ----
    bad = os.path.join(out, "tfjs_bad")
    shutil.rmtree(bad, ignore_errors=True)
    ok_w = {"name": "w", "shape": [2, 2], "dtype": "float32"}
    four = np.arange(4, dtype="<f4").tobytes()
    cases = {
        "missing_shard": ([{"paths": ["group1-shard1of2.bin", "group1-shard2of2.bin"], "weights": [ok_w]}],
                          {"group1-shard1of2.bin": four[:8]}),
        "short_shard": ([{"paths": ["group1-shard1of1.bin"], "weights": [ok_w]}], {"group1-shard1of1.bin": four[:12]}),
        "path_escape": ([{"paths": ["../group1-shard1of1.bin"], "weights": [ok_w]}], {}),
        "shape_overflow": ([{"paths": ["group1-shard1of1.bin"],
                             "weights": [{"name": "w", "shape": [2**40, 2**40], "dtype": "float32"}]}],
                           {"group1-shard1of1.bin": four}),
        "unknown_dtype": ([{"paths": ["group1-shard1of1.bin"],
                            "weights": [{"name": "w", "shape": [2, 2], "dtype": "float64"}]}],
                          {"group1-shard1of1.bin": four}),
    }
    for case, (manifest, shards) in cases.items():
        cd = os.path.join(bad, case)
        os.makedirs(cd)
        for fname, data in shards.items():
            with open(os.path.join(cd, fname), "wb") as f:
                f.write(data)
        with open(os.path.join(cd, "model.json"), "w") as f:
            json.dump({"format": "layers-model", "modelTopology": {}, "weightsManifest": manifest}, f)

    with open(os.path.join(out, "tfjs_expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data")
