"""The Model view's layer × module grid (gui_test.py model_grid): on a 32-layer model
written here with NumPy (7 projections per layer, two with outliers, plus an embedding
and a head outside the layers), the GUI's grid equals report.json's, its worst cells
equal the 3 lowest-SQNR layer tensors per scheme computed here from report.json's
numbers, and the screenshot shows the grid's colours.
"""
import json
import os
import re
import struct
import subprocess

import numpy as np

MODULES = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
           "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
SPECS = ["int8", "int4", "absmax:bits=4,gran=block,block=32"]


def write_model(path):
    rng = np.random.default_rng(7)
    tensors = {"model.embed_tokens.weight": rng.standard_normal((128, 64)).astype(np.float32)}
    for layer in range(32):
        for m in MODULES:
            x = rng.standard_normal((64, 64)).astype(np.float32)
            if layer == 7 and m == "mlp.down_proj":
                x[:, 3] *= 40  # an outlier column
            if layer == 30 and m == "self_attn.o_proj":
                x[5, :] *= 25  # an outlier row
            tensors[f"model.layers.{layer}.{m}.weight"] = x
    tensors["lm_head.weight"] = rng.standard_normal((128, 64)).astype(np.float32)
    header, blobs, off = {}, [], 0
    for k, v in tensors.items():
        b = v.tobytes()
        header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def run(g):
    model = os.path.join(g.WORK, "layers32.safetensors")
    write_model(model)
    out = os.path.join(g.WORK, "report")
    args = [g.CLI, "report", model, "--out", out, "-q"]
    for s in SPECS:
        args += ["--scheme", s]
    subprocess.run(args, check=True, capture_output=True)
    report = json.load(open(os.path.join(out, "report.json")))
    png, dump = os.path.join(g.WORK, "model_grid.png"), os.path.join(g.WORK, "model_grid.json")
    g.run_gui([{"action": "open", "path": model}, {"action": "schemes", "specs": SPECS},
               {"action": "select_view", "name": "model"}, {"action": "wait"},
               {"action": "model_grid", "on": True, "scheme": 1}, {"action": "frames", "n": 3},
               {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump}])
    state = json.load(open(dump))
    grid = state["model"]["layer_grid"]
    if grid is None or state["model"]["grid"] != {"on": True, "scheme": 1}:
        g.fail(f"model grid: {state['model'].get('grid')}, layer_grid {grid is not None}")
    if grid != report["layer_grid"]:
        g.fail("the GUI's layer grid differs from report.json's")
    if grid["layers"] != list(range(32)) or grid["labels"] != [m.split(".")[1] for m in MODULES]:
        g.fail(f"grid rows/columns: {grid['layers'][:3]}…, {grid['labels']}")
    if sum(c is not None for row in grid["cells"] for c in row) != 32 * 7:
        g.fail("grid cells: not every layer tensor placed")
    # Independent: the 3 lowest SQNRs per scheme among the layer tensors, from the numbers.
    layer = re.compile(r"^model\.layers\.\d+\.")
    for s, spec in enumerate(SPECS):
        vals = [(t["results"][s]["metrics"]["sqnr_db"], t["name"]) for t in report["tensors"] if layer.match(t["name"])]
        want = [n for _, n in sorted(vals, key=lambda p: p[0])[:3]]
        if grid["worst"][s] != want:
            g.fail(f"{spec}: worst cells {grid['worst'][s]} vs {want}")
    if "model.layers.7.mlp.down_proj.weight" not in grid["worst"][0]:
        g.fail(f"the outlier column's tensor is not among int8's worst: {grid['worst'][0]}")
    # The screenshot: the grid's cells are saturated reds/yellows/greens.
    w, h, rows = g.read_png(png)
    coloured = 0
    for row in rows[::2]:
        for px in row[::2]:
            r, gg, b = px[:3]
            if max(r, gg) > 120 and b < 70 and abs(int(r) - int(gg)) > 40:
                coloured += 1
    if coloured < 2000:
        g.fail(f"model grid screenshot: only {coloured} grid-coloured pixels (sampled)")
    print(f"model_grid: 32×7 grid equals report.json; worst per scheme {grid['worst']}; {coloured} coloured pixels")
