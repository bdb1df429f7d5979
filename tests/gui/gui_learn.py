"""Xvfb tests split out of gui_test.py (gt: that module, for its helpers) (learn): run as `gui_test.py NAME`."""
import json
import os


def learn(gt, model, tensor, png, dump):
    # Learn mode: every lesson page renders (a screenshot each, checked for content);
    # the absmax and min/max pages show the hand-worked numbers of the example vector;
    # "Try it on a real tensor" sets up the views; a bad vector keeps the last good one.
    actions = [{"action": "open", "path": model}, {"action": "wait"}]
    for i in range(9):
        actions += [{"action": "learn_page", "index": i}, {"action": "wait"}, {"action": "frames", "n": 3},
                    {"action": "screenshot", "path": os.path.join(gt.WORK, f"learn{i}.png")}]
    actions += [{"action": "dump_state", "path": dump},
                {"action": "learn_page", "index": 1}, {"action": "frames", "n": 2}, {"action": "learn_try"},
                {"action": "frames", "n": 3}, {"action": "wait"}, {"action": "dump_state", "path": dump + "t"},
                {"action": "learn_page", "index": 1}, {"action": "learn_vector", "text": "1, 2, oops"},
                {"action": "frames", "n": 3}, {"action": "dump_state", "path": dump + "v"},
                {"action": "learn_page", "index": 8}, {"action": "frames", "n": 2}, {"action": "learn_try"},
                {"action": "frames", "n": 3}, {"action": "wait"}, {"action": "dump_state", "path": dump + "o"}]
    gt.run_gui(actions)
    for i in range(9):
        w, h, rows = gt.read_png(os.path.join(gt.WORK, f"learn{i}.png"))
        if (w, h) != gt.SIZE:
            gt.fail(f"lesson {i + 1}: {w}x{h}")
        frac, colours = gt.region_stats(rows, w * 0.27, h * 0.08, w * 0.73, h * 0.6)
        if colours < 12 or frac < 0.02:
            gt.fail(f"lesson {i + 1}: the page looks empty ({colours} colours, {frac:.1%} drawn)")
    lj = json.load(open(dump))["learn"]
    import numpy as np
    if lj["absmax"]["codes"] != [20, -49, 127, -29, 98, 0, -119, 66] or \
            lj["absmax"]["scale"] != float(np.float32(3.1) / np.float32(127)):
        gt.fail(f"absmax lesson numbers {lj['absmax']}")
    if lj["minmax"]["zero_point"] != 123 or lj["minmax"]["codes"] != [144, 72, 255, 93, 225, 123, 0, 191]:
        gt.fail(f"min/max lesson numbers {lj['minmax']}")
    tried = json.load(open(dump + "t"))
    if [e["spec"] for e in tried["schemes"]] != ["absmax:bits=8", "torch_qint8"] or \
            tried["view"]["name"] != "distribution" or tried["schemes"][1]["metrics"] is None:
        gt.fail(f"try it: {[e['spec'] for e in tried['schemes']]} in {tried['view']['name']}")
    if json.load(open(dump + "v"))["learn"]["vector"] != lj["vector"]:
        gt.fail("a bad vector replaced the last good one")
    # Lesson 9: int4 per row of an 8 × 16 matrix, 6 bits/weight with the fp32 scales
    # (4 + 8·32/128); keep 2 columns adds (16·8·2 + 32·2)/128 = 2.5, rank 2 adds
    # 16·2·(8 + 16)/128 = 6; the rotation leaves the bits and tames the kurtosis.
    rows = {r["name"]: r for r in lj["outliers"]}
    want = {"as is": 6.0, "keep k columns (fp16)": 8.5, "rotate (Hadamard)": 6.0, "smooth α": 6.0, "low-rank r": 12.0}
    for name, bits in want.items():
        if rows[name]["error"] or abs(rows[name]["bits_per_weight"] - bits) > 1e-12:
            gt.fail(f"lesson 9 {name}: {rows[name]}")
    if not rows["rotate (Hadamard)"]["excess_kurtosis"] < rows["as is"]["excess_kurtosis"] or \
            not rows["keep k columns (fp16)"]["sqnr_db"] > rows["as is"]["sqnr_db"]:
        gt.fail(f"lesson 9: {lj['outliers']}")
    tried = json.load(open(dump + "o"))
    if tried["view"]["name"] != "outliers" or tried["tensor"] != "model.layers.0.self_attn.o_proj.weight" or \
            tried["outliers"]["result"] is None or not tried["outliers"]["result"]["current"]:
        gt.fail(f"lesson 9 try it: {tried['view']['name']}, {tried['tensor']}")
    print(f"learn: 9 pages, absmax codes {lj['absmax']['codes']}")
