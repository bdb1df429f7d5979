"""The Stored view on a TF.js model (gui_test.py stored_tfjs): the uint8 grid of a
converter-quantized weight, a uint16 one and a float16 one, each against NumPy on the
shards' bytes (read here from the manifest, independent of the app), and the matching
re-quantization giving the file's values back: exactly (MSE 0) on a grid whose scale and
min are exact in float32 arithmetic and for the fp16 cast; within a few float32 ulps
where the min/max scheme's float32 scale differs from the manifest's in the last bit.
"""
import json
import os

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
MODEL = os.path.join(DATA, "tfjs_graph", "model.json")
BYTES = {"float32": 4, "int32": 4, "bool": 1, "uint8": 1, "uint16": 2, "float16": 2}


def stored_weights(path):
    """{name: (manifest entry, raw stored bytes)} for every non-string weight: each group's
    shards concatenated, each weight's bytes after the previous one's."""
    manifest = json.load(open(path))["weightsManifest"]
    out = {}
    for group in manifest:
        blob = b"".join(open(os.path.join(os.path.dirname(path), p), "rb").read() for p in group["paths"])
        pos = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"], dtype=np.int64))
            if w["dtype"] == "string":  # each string: a uint32 length and its bytes
                for _ in range(n):
                    pos += 4 + int(np.frombuffer(blob[pos:pos + 4], dtype="<u4")[0])
                continue
            dtype = w.get("quantization", {}).get("dtype", w["dtype"])
            size = n * BYTES[dtype]
            out[w["name"]] = (w, blob[pos:pos + size])
            pos += size
    return out


def run(g):
    weights = stored_weights(MODEL)
    # (tensor, stored type, matching spec, code type, allowed max error in ulps of max|x|;
    # None: the lowest/highest codes do not occur, so the data's range is not the grid)
    cases = [("grid/kernel", "U8q", "minmax:bits=8,zp=float", "<u1", 0),
             ("dense/kernel", "U8q", "minmax:bits=8,zp=float", "<u1", 4),
             ("dense/bias16", "U16q", "minmax:bits=16,zp=float", "<u2", None),
             ("norm/gamma_f16", "F16", "fp16", "<u2", 0)]
    for name, dtype, spec, code_type, ulps in cases:
        tag = name.replace("/", "_")
        png, dump = os.path.join(g.WORK, f"{tag}.png"), os.path.join(g.WORK, f"{tag}.json")
        g.run_gui([{"action": "open", "path": MODEL}, {"action": "tensor", "name": name},
                   {"action": "scheme", "spec": spec}, {"action": "select_view", "name": "stored"},
                   {"action": "wait"}, {"action": "frames", "n": 3},
                   {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump}])
        state = json.load(open(dump))
        got = state.get("stored")
        entry, raw = weights[name]
        codes = np.frombuffer(raw, dtype=code_type)
        q = entry.get("quantization", {})
        want_max = 255 if dtype == "U8q" else 65535
        if got is None or got["type"] != dtype or got["sub_blocks"] != 1 or got["code_min"] != 0 \
                or got["code_max"] != want_max or got["codes_used"] != len(np.unique(codes)):
            g.fail(f"{name}: stored view {got}, NumPy codes used {len(np.unique(codes))}")
        if dtype != "F16" and (got["affine_scale"] != q["scale"] or got["affine_min"] != q["min"]):
            g.fail(f"{name}: scale/min {got['affine_scale']}/{got['affine_min']} vs the manifest's {q}")
        # The file's values: TF.js computes q·scale + min in double and stores float32.
        if dtype == "F16":
            values = codes.view("<f2").astype(np.float32)
        else:
            values = (codes.astype(np.float64) * q["scale"] + q["min"]).astype(np.float32)
        metrics = state["schemes"][0]["metrics"]
        if metrics is None:
            g.fail(f"{name}: no metrics for {spec}")
        if ulps == 0 and (metrics["mse"] != 0.0 or metrics["max_abs_error"] != 0.0):
            g.fail(f"{name}: {spec} on the stored values: {metrics} (want MSE 0)")
        if ulps:
            top = np.abs(values).max()
            bound = ulps * float(np.spacing(top))
            if dtype != "F16" and (codes.min() != 0 or codes.max() != want_max):
                g.fail(f"{name}: the fixture should use codes 0 and {want_max}")
            if metrics["max_abs_error"] > bound or metrics["codes_used"] != len(np.unique(codes)):
                g.fail(f"{name}: {spec}: {metrics} (max error bound {bound}, codes {len(np.unique(codes))})")
        # The GUI's data range is the file's values' range.
        if name == "grid/kernel" and (float(values.min()) != -2.0 or float(values.max()) != -2.0 + 255 * 0.015625):
            g.fail(f"{name}: NumPy range {values.min()} .. {values.max()}")
        w, h, rows = g.read_png(png)
        _, colours = g.region_stats(rows, 0, 0, w, h)
        if colours < 20:
            g.fail(f"{name}: stored view screenshot has only {colours} colours")
        print(f"stored_tfjs {name}: {got['type']}, {got['codes_used']} codes used, {spec} MSE {metrics['mse']}")
