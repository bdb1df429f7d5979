#!/usr/bin/env python3
"""End-to-end tests of the quantscope window under Xvfb (run by ctest, label gui).

Each test runs the real app with scripted actions (--actions), then checks what a person
would see: the PNG has the requested size, the plot rectangle holds histogram bars (many
pixels unlike the plot background), the metrics panel holds text, and the numbers the GUI
shows equal `quantscope-cli quantize --json` for the same tensor and scheme.
Only the standard library: PNGs are decoded here with zlib.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

GUI, CLI, WORK = sys.argv[2], sys.argv[3], sys.argv[4]
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24"]
SIZE = (1600, 1000)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def read_png(path):
    """Returns (width, height, rows) with rows as lists of RGB tuples (8-bit, RGB/RGBA)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path}: not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                fail(f"{path}: unexpected PNG type depth={depth} color={ctype}")
            ch = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * ch
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - ch] if i >= ch else 0
            b = prev[i]
            c = prev[i - ch] if i >= ch else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * ch:x * ch + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def region_stats(rows, x0, y0, x1, y1):
    """Fraction of pixels unlike the region's most common colour, and distinct colours."""
    counts = {}
    for y in range(int(y0) + 2, int(y1) - 2):
        for px in rows[y][int(x0) + 2:int(x1) - 2]:
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    bg = max(counts, key=counts.get)
    differing = sum(n for c, n in counts.items() if sum(abs(a - b) for a, b in zip(c, bg)) > 40)
    return differing / total, len(counts)


def run_gui(actions, extra=(), expect=0):
    path = os.path.join(WORK, "actions.json")
    with open(path, "w") as f:
        json.dump(actions, f)
    env = dict(os.environ, HOME=WORK, XDG_CONFIG_HOME=WORK, XDG_CACHE_HOME=WORK)
    cmd = XVFB + [GUI, "--actions", path, "--size", f"{SIZE[0]}x{SIZE[1]}", *extra]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    if p.returncode != expect:
        fail(f"exit {p.returncode} (expected {expect})\nstdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def cli_metrics(model, tensor, spec):
    p = subprocess.run([CLI, "quantize", model, "--tensor", tensor, "--scheme", spec, "--json"],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout)["results"][0]["metrics"]


def check_screen(png, state, what, min_bars, min_drawn=0.0):
    w, h, rows = read_png(png)
    if (w, h) != SIZE:
        fail(f"{what}: {png} is {w}x{h}, expected {SIZE[0]}x{SIZE[1]}")
    frac_all, colours = region_stats(rows, 0, 0, w, h)
    if colours < 20:
        fail(f"{what}: the window has only {colours} colours: a blank frame?")
    x0, y0, x1, y1 = state["plot_rect"]
    if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h and x1 - x0 > 300 and y1 - y0 > 200):
        fail(f"{what}: implausible plot rectangle {state['plot_rect']}")
    drawn, _ = region_stats(rows, x0, y0, x1, y1)
    if drawn < min_drawn:
        fail(f"{what}: only {drawn:.2%} of the plot differs from its background")
    frac = bar_fraction(rows, x0, y0, x1, y1)
    if frac < min_bars:
        fail(f"{what}: bars cover only {frac:.2%} of the plot (expected at least {min_bars:.0%})")
    # The metrics card: right of the plot, below the scheme editor.
    mfrac, _ = region_stats(rows, x1 + 20, y0 + (y1 - y0) * 0.35, w - 10, y0 + (y1 - y0) * 0.7)
    if mfrac < 0.01:
        fail(f"{what}: the metrics region holds no text ({mfrac:.2%} non-background)")
    print(f"{what}: bars cover {frac:.1%} of the plot, metrics {mfrac:.1%} text, {colours} colours")


def bar_fraction(rows, x0, y0, x1, y1):
    """Fraction of the plot covered by histogram bars: blue-dominant pixels (the bar colour
    in both themes; grid, levels, clip shading and text are grey, yellow, red)."""
    n = bars = 0
    for y in range(int(y0) + 2, int(y1) - 2):
        for r, g, b in rows[y][int(x0) + 2:int(x1) - 2]:
            n += 1
            bars += b > r + 60 and b > g + 20
    return bars / n


# The GUI answers per-tensor schemes from the sorted-values cache (double-double sums);
# the CLI runs the fused kernels, whose float32 tile partial sums hold ~1e-6 relative
# (analysis/kernel_sums-inl.h) and whose |x - x̂| is a float32. Counts agree exactly.
METRIC_TOL = {"sqnr_db": ("abs", 1e-5), "mse": ("rel", 2e-6), "max_abs_error": ("rel", 1.2e-7)}


def same_metrics(gui, cli, what):
    for k in ("sqnr_db", "mse", "max_abs_error", "clipped_fraction", "codes_used", "bits_per_weight"):
        a, b = gui[k], cli[k]
        if a == b:
            continue
        kind, tol = METRIC_TOL.get(k, ("rel", 1e-12))
        ok = isinstance(a, float) and isinstance(b, float) and (
            abs(a - b) <= tol if kind == "abs" else abs(a - b) <= tol * max(abs(b), 1e-300))
        if not ok:
            fail(f"{what}: {k} GUI {a} != CLI {b}")


def main():
    test = sys.argv[1]
    model = os.path.join(WORK, "demo.safetensors")
    if not os.path.exists(model):
        subprocess.run([CLI, "demo", "--small", "--out", model], check=True, capture_output=True)
    png, dump = os.path.join(WORK, "shot.png"), os.path.join(WORK, "state.json")
    tensor = "model.layers.0.self_attn.o_proj.weight"

    if test == "distribution":
        specs = ["absmax:bits=4", "absmax:bits=4,gran=block,block=32", "nf4", "fp8_e4m3"]
        tensor = "model.layers.0.mlp.down_proj.weight"  # Gaussian: bars fill the plot
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
                 {"action": "schemes", "specs": specs}, {"action": "wait"},
                 {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump}])
        state = json.load(open(dump))
        if state["tensor"] != tensor or state["view"]["name"] != "distribution":
            fail(f"selection {state['tensor']} / {state['view']}")
        check_screen(png, state, "distribution", 0.15)
        for entry, spec in zip(state["schemes"], specs):
            if entry.get("metrics") is None:
                fail(f"{spec}: no metrics shown")
            same_metrics(entry["metrics"], cli_metrics(model, tensor, entry["spec"]), spec)
        if state["histogram"]["count"] != 256 * 256:
            fail(f"histogram holds {state['histogram']['count']} values, expected 65536")
    elif test == "error_view":
        # The Error view: x − x̂ binned over ±0.75 s with every rounding error inside (no
        # clipping), s equal to the scale the CLI reports, and bars on screen.
        tensor = "model.layers.0.mlp.down_proj.weight"
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
                 {"action": "scheme", "spec": "absmax:bits=4"}, {"action": "select_view", "name": "error"},
                 {"action": "wait"}, {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump}])
        state = json.load(open(dump))
        err = state.get("error")
        if state["view"]["name"] != "error" or err is None:
            fail(f"view {state['view']}, error {err}")
        p = subprocess.run([CLI, "quantize", model, "--tensor", tensor, "--scheme", "absmax:bits=4", "--json"],
                           capture_output=True, text=True, check=True)
        scale = json.loads(p.stdout)["results"][0]["params"]["scale"]
        if abs(err["step"] - scale) > 1e-6 * scale or abs(err["hi"] - 0.75 * err["step"]) > 1e-12:
            fail(f"step {err['step']} vs CLI scale {scale}; range {err['lo']}..{err['hi']}")
        if err["count"] != 256 * 256:
            fail(f"{err['count']} errors binned, expected all 65536 (no clipping)")
        check_screen(png, state, "error_view", 0.15)
    elif test == "compare_view":
        # Compare: every scheme's error histogram over one common range ±2.5·max RMSE,
        # the best within the budget picked from the metrics, lines on screen.
        specs = ["absmax:bits=8", "absmax:bits=4", "absmax:bits=4,gran=block,block=32", "nf4"]
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
                 {"action": "schemes", "specs": specs}, {"action": "select_view", "name": "compare"},
                 {"action": "budget", "bits": 4.5}, {"action": "wait"},
                 {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump}])
        state = json.load(open(dump))
        cmp, schemes = state["compare"], state["schemes"]
        hists = cmp["error_hists"]
        if len(hists) != len(specs) or len({(h["lo"], h["hi"], h["bins"]) for h in hists}) != 1:
            fail(f"error histograms {hists}")
        rmse = max(e["metrics"]["rmse"] for e in schemes)
        if abs(hists[0]["hi"] - 2.5 * rmse) > 1e-12 * rmse:
            fail(f"common range {hists[0]['hi']} != 2.5 × max RMSE {rmse}")
        within = [i for i, e in enumerate(schemes) if e["metrics"]["bits_per_weight"] <= 4.5]
        best = max(within, key=lambda i: schemes[i]["metrics"]["sqnr_db"])
        if cmp["best"] != best:
            fail(f"best ≤ 4.5 b/w: GUI {cmp['best']}, expected {best} ({[schemes[i]['spec'] for i in within]})")
        for h, e in zip(hists, schemes):
            if not 0 < h["count"] <= e["metrics"]["n"]:
                fail(f"{e['spec']}: {h['count']} errors binned of {e['metrics']['n']}")
        check_screen(png, state, "compare_view", 0.0, min_drawn=0.01)
    elif test == "formats_view":
        # The explorer rounds 0.1 into FP8 E4M3: 0.1015625 = 2^(3−7)·(1 + 5/8), code 0x1D;
        # the tensor's histogram is drawn under the level strips.
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": "model.layers.0.mlp.down_proj.weight"},
                 {"action": "select_view", "name": "formats"}, {"action": "wait"}, {"action": "frames", "n": 2},
                 {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump},
                 {"action": "hover", "value": 0.05}, {"action": "frames", "n": 2},
                 {"action": "dump_state", "path": dump + "h"}])
        state = json.load(open(dump))
        f = state["formats"]
        if f["format"] != "fp8_e4m3" or f["code"] != 0x1D:
            fail(f"formats explorer: {f}")
        hv = json.load(open(dump + "h"))
        x0, _, x1, _ = hv["plot_rect"]
        px = (hv["view"]["hi"] - hv["view"]["lo"]) / (x1 - x0)
        if abs(hv["formats"]["value"] - 0.05) > 1.5 * px:
            fail(f"hovering 0.05 explores {hv['formats']['value']} (1 px = {px})")
        check_screen(png, state, "formats_view", 0.15)
        # The log-magnitude axis: log2|x| of every non-zero value, the top at log2 max|x|.
        png2 = os.path.join(WORK, "formats_log.png")
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": "model.layers.0.mlp.down_proj.weight"},
                 {"action": "select_view", "name": "formats"}, {"action": "formats_log_axis", "on": True},
                 {"action": "wait"}, {"action": "frames", "n": 2}, {"action": "wait"},
                 {"action": "screenshot", "path": png2}, {"action": "dump_state", "path": dump}])
        state = json.load(open(dump))
        lh = state["formats"].get("log_hist")
        import numpy as np
        raw = open(model, "rb").read()
        (hlen,) = struct.unpack("<Q", raw[:8])
        info = json.loads(raw[8:8 + hlen])["model.layers.0.mlp.down_proj.weight"]
        a, b = info["data_offsets"]
        w = np.abs(np.frombuffer(raw[8 + hlen + a:8 + hlen + b], dtype="<f4"))
        w = w[np.isfinite(w) & (w > 0)].astype(np.float64)
        if lh is None or abs(lh["hi"] - float(np.log2(w.max()))) > 1e-9 or lh["count"] != int((np.log2(w) >= lh["lo"]).sum()):
            fail(f"log histogram {lh} vs NumPy max {np.log2(w.max())}, n {w.size}")
        check_screen(png2, state, "formats_view log axis", 0.10)
    elif test == "stored_view":
        # A GGUF Q8_0 tensor: the Stored view shows the file's own quantization; its
        # numbers equal the CLI's, and sub-block 3's scale is the fp16 d of block 3.
        gguf = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "tiny.gguf")
        name = "blk.0.attn_q.weight"
        run_gui([{"action": "open", "path": gguf}, {"action": "tensor", "name": name},
                 {"action": "select_view", "name": "stored"}, {"action": "wait"},
                 {"action": "stored_sub_block", "index": 3}, {"action": "frames", "n": 3},
                 {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump}])
        state = json.load(open(dump))
        got = state.get("stored")
        p = subprocess.run([CLI, "quantize", gguf, "--tensor", name, "--scheme", "int8", "--json"],
                           capture_output=True, text=True, check=True)
        cli = json.loads(p.stdout)["tensor"]["stored"]
        if got is None or got["type"] != "Q8_0" or got["sub_blocks"] != cli["sub_blocks"] \
                or got["codes_used"] != cli["codes_used"] or got["sub_block"] != 3:
            fail(f"stored view state {got} vs CLI {cli}")
        raw = open(gguf, "rb").read()
        import numpy as np
        start = json.loads(subprocess.run([CLI, "inspect", "--json", gguf], capture_output=True,
                               text=True, check=True).stdout)["metadata"]["gguf.data_offset"]
        # blk.0.attn_q.weight is the third tensor: 60 + 16 bytes before it, each padded to 32.
        block3 = start + 64 + 32 + 3 * 34
        d = float(np.frombuffer(raw[block3:block3 + 2], dtype="<f2")[0])
        if got["scale"] != d:
            fail(f"sub-block 3 scale {got['scale']} != the file's fp16 d {d}")
        w, h, rows = read_png(png)
        frac, colours = region_stats(rows, 0, 0, w, h)
        if colours < 20:
            fail(f"stored view: only {colours} colours")
        print(f"stored_view: {got}, {colours} colours")
    elif test == "ranges_view":
        # Per-column groups of the outlier-column tensor: the GUI's top groups by
        # max|x| / median max|x| equal NumPy's on the file's bytes.
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
                 {"action": "scheme", "spec": "absmax:bits=4,gran=channel,axis=1"},
                 {"action": "select_view", "name": "ranges"}, {"action": "wait"}, {"action": "frames", "n": 2},
                 {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump}])
        state = json.load(open(dump))
        import numpy as np
        raw = open(model, "rb").read()
        (hlen,) = struct.unpack("<Q", raw[:8])
        info = json.loads(raw[8:8 + hlen])[tensor]
        a, b = info["data_offsets"]
        w = np.frombuffer(raw[8 + hlen + a:8 + hlen + b], dtype="<f4").reshape(info["shape"])
        absmax = np.abs(w).max(axis=0)
        med = np.sort(absmax)[(absmax.size - 1) // 2]
        ratio = absmax / med
        expect = sorted(range(absmax.size), key=lambda g: (-ratio[g], g))[:10]
        got = state["ranges"]["top"]
        if state["ranges"]["groups"] != w.shape[1] or [g for g, _ in got] != expect:
            fail(f"top groups {got} vs NumPy {[(g, float(ratio[g])) for g in expect]}")
        for g, r in got:
            if abs(r - float(ratio[g])) > 1e-5 * r:
                fail(f"group {g}: ratio {r} vs NumPy {ratio[g]}")
        check_screen(png, state, "ranges_view", 0.02)
    elif test == "model_view":
        # The Model view: every tensor × 3 schemes. Its totals, per-tensor order and flags
        # equal what `quantscope-cli report` computes; a click on a row selects that tensor;
        # the budget plan equals the CLI's budget.json.
        specs = ["absmax:bits=8", "absmax:bits=4,gran=block,block=32", "nf4"]
        plan_path = os.path.join(WORK, "plan.json")
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
                 {"action": "schemes", "specs": specs}, {"action": "select_view", "name": "model"},
                 {"action": "wait"}, {"action": "model_sort", "column": "scheme:2"}, {"action": "frames", "n": 3},
                 {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump},
                 {"action": "click_model_row", "row": 1}, {"action": "wait"}, {"action": "dump_state", "path": dump + "c"},
                 {"action": "plan", "bits": 6, "objective": "pooled"}, {"action": "export_plan", "path": plan_path},
                 {"action": "frames", "n": 2}, {"action": "dump_state", "path": dump + "p"}])
        out = os.path.join(WORK, "cli_report")
        argv = [CLI, "report", model, "--out", out, "--budget", "6"]
        for sp in specs:
            argv += ["--scheme", sp]
        subprocess.run(argv, check=True, capture_output=True)
        rj = json.load(open(os.path.join(out, "report.json")))
        run = json.load(open(dump))["model"]["run"]
        if run is None or run["schemes"] != [t["spec"] for t in rj["totals"]] or run["tensors"] != len(rj["tensors"]):
            fail(f"model run {run and run['schemes']} vs CLI {[t['spec'] for t in rj['totals']]}")
        for g, c in zip(run["totals"], rj["totals"]):
            for k in ("sqnr_db", "mse", "max_abs_error", "bits_per_weight", "n"):
                if g["metrics"][k] != c["metrics"][k]:
                    fail(f"{c['spec']} total {k}: GUI {g['metrics'][k]} != CLI {c['metrics'][k]}")

        def sqnr(t, k):
            v = t["results"][k]["metrics"]
            v = None if v is None else v["sqnr_db"]
            return float("inf") if v == "inf" else v
        names = [t["name"] for t in rj["tensors"]]
        # Ascending SQNR under scheme 2, ties in file order, tensors it does not apply to last.
        expect = sorted(range(len(names)), key=lambda i: (sqnr(rj["tensors"][i], 1) is None,
                                                           sqnr(rj["tensors"][i], 1) or 0, i))
        if run["order"] != [names[i] for i in expect]:
            fail(f"sorted by scheme 2: {run['order']} vs {[names[i] for i in expect]}")
        for k in range(len(specs)):
            have = [i for i in range(len(names)) if sqnr(rj["tensors"][i], k) is not None]
            worst = sorted(have, key=lambda i: (sqnr(rj["tensors"][i], k), i))[:3]
            if run["flagged"][k] != [names[i] for i in worst]:
                fail(f"flagged under {specs[k]}: {run['flagged'][k]} vs {[names[i] for i in worst]}")
        clicked = json.load(open(dump + "c"))
        if clicked["tensor"] != run["order"][1]:
            fail(f"clicked row 1 ({run['order'][1]}) but {clicked['tensor']} is selected")
        plan = json.load(open(dump + "p"))["model"]["plan"]
        cli_plan = json.load(open(os.path.join(out, "budget.json")))
        if plan is None or plan["choice"] != cli_plan or json.load(open(plan_path)) != cli_plan:
            fail(f"plan {plan} vs CLI {cli_plan}")
        if not plan["bits_per_weight"] <= 6 + 1e-9:
            fail(f"plan over budget: {plan['bits_per_weight']}")
        w, h, rows = read_png(png)
        frac, colours = region_stats(rows, 0, 0, w, h)
        if colours < 20:
            fail(f"model view: only {colours} colours")
        print(f"model_view: {len(names)} tensors, order {run['order'][:3]}..., plan {plan['bits_per_weight']:.3f} b/w")
    elif test == "model_cancel":
        # Cancel mid-run (the full demo, 72 MB × 3 schemes, takes about a second): the run
        # stops and says so; a regex then analyzes only what it matches; a bad regex is a
        # notice and a failed action, not a crash.
        full = os.path.join(WORK, "demo_full.safetensors")
        if not os.path.exists(full):
            subprocess.run([CLI, "demo", "--out", full], check=True, capture_output=True)
        specs = ["absmax:bits=8", "nf4", "absmax:bits=4,gran=block,block=32"]
        run_gui([{"action": "open", "path": full}, {"action": "schemes", "specs": specs}, {"action": "wait"},
                 {"action": "analyze_model"}, {"action": "frames", "n": 2}, {"action": "dump_state", "path": dump},
                 {"action": "cancel_model"}, {"action": "wait"}, {"action": "dump_state", "path": dump + "c"},
                 {"action": "model_regex", "regex": "up_proj|k_proj"}, {"action": "analyze_model"}, {"action": "wait"},
                 {"action": "select_view", "name": "model"}, {"action": "frames", "n": 3},
                 {"action": "dump_state", "path": dump + "r"}])
        busy, cancelled, regex = (json.load(open(dump + x))["model"] for x in ("", "c", "r"))
        if not busy["busy"]:
            fail(f"the run was not busy two frames after it started: {busy}")
        if cancelled["busy"] or cancelled["run"] is not None or not cancelled["note"].startswith("Cancelled after"):
            fail(f"after cancel: {cancelled}")
        order = regex["run"] and regex["run"]["order"]
        if order != ["model.layers.0.mlp.up_proj.weight", "model.layers.1.self_attn.k_proj.weight"]:
            fail(f"regex run analyzed {order}")
        p = run_gui([{"action": "open", "path": full}, {"action": "model_regex", "regex": "("},
                     {"action": "analyze_model"}, {"action": "dump_state", "path": dump + "b"}], expect=1)
        notes = json.load(open(dump + "b"))["notices"]
        if not any(n.startswith("model analysis: --tensors '(': ") for n in notes):
            fail(f"bad regex notices: {notes}")
        print(f"model_cancel: {cancelled['note']}; regex run {order}")
    elif test == "learn":
        # Learn mode: every lesson page renders (a screenshot each, checked for content);
        # the absmax and min/max pages show the hand-worked numbers of the example vector;
        # "Try it on a real tensor" sets up the views; a bad vector keeps the last good one.
        actions = [{"action": "open", "path": model}, {"action": "wait"}]
        for i in range(9):
            actions += [{"action": "learn_page", "index": i}, {"action": "wait"}, {"action": "frames", "n": 3},
                        {"action": "screenshot", "path": os.path.join(WORK, f"learn{i}.png")}]
        actions += [{"action": "dump_state", "path": dump},
                    {"action": "learn_page", "index": 1}, {"action": "frames", "n": 2}, {"action": "learn_try"},
                    {"action": "frames", "n": 3}, {"action": "wait"}, {"action": "dump_state", "path": dump + "t"},
                    {"action": "learn_page", "index": 1}, {"action": "learn_vector", "text": "1, 2, oops"},
                    {"action": "frames", "n": 3}, {"action": "dump_state", "path": dump + "v"},
                    {"action": "learn_page", "index": 8}, {"action": "frames", "n": 2}, {"action": "learn_try"},
                    {"action": "frames", "n": 3}, {"action": "wait"}, {"action": "dump_state", "path": dump + "o"}]
        run_gui(actions)
        for i in range(9):
            w, h, rows = read_png(os.path.join(WORK, f"learn{i}.png"))
            if (w, h) != SIZE:
                fail(f"lesson {i + 1}: {w}x{h}")
            frac, colours = region_stats(rows, w * 0.27, h * 0.08, w * 0.73, h * 0.6)
            if colours < 12 or frac < 0.02:
                fail(f"lesson {i + 1}: the page looks empty ({colours} colours, {frac:.1%} drawn)")
        lj = json.load(open(dump))["learn"]
        import numpy as np
        if lj["absmax"]["codes"] != [20, -49, 127, -29, 98, 0, -119, 66] or \
                lj["absmax"]["scale"] != float(np.float32(3.1) / np.float32(127)):
            fail(f"absmax lesson numbers {lj['absmax']}")
        if lj["minmax"]["zero_point"] != 123 or lj["minmax"]["codes"] != [144, 72, 255, 93, 225, 123, 0, 191]:
            fail(f"min/max lesson numbers {lj['minmax']}")
        tried = json.load(open(dump + "t"))
        if [e["spec"] for e in tried["schemes"]] != ["absmax:bits=8", "torch_qint8"] or \
                tried["view"]["name"] != "distribution" or tried["schemes"][1]["metrics"] is None:
            fail(f"try it: {[e['spec'] for e in tried['schemes']]} in {tried['view']['name']}")
        if json.load(open(dump + "v"))["learn"]["vector"] != lj["vector"]:
            fail("a bad vector replaced the last good one")
        # Lesson 9: int4 per row of an 8 × 16 matrix, 6 bits/weight with the fp32 scales
        # (4 + 8·32/128); keep 2 columns adds (16·8·2 + 32·2)/128 = 2.5, rank 2 adds
        # 16·2·(8 + 16)/128 = 6; the rotation leaves the bits and tames the kurtosis.
        rows = {r["name"]: r for r in lj["outliers"]}
        want = {"as is": 6.0, "keep k columns (fp16)": 8.5, "rotate (Hadamard)": 6.0, "smooth α": 6.0, "low-rank r": 12.0}
        for name, bits in want.items():
            if rows[name]["error"] or abs(rows[name]["bits_per_weight"] - bits) > 1e-12:
                fail(f"lesson 9 {name}: {rows[name]}")
        if not rows["rotate (Hadamard)"]["excess_kurtosis"] < rows["as is"]["excess_kurtosis"] or \
                not rows["keep k columns (fp16)"]["sqnr_db"] > rows["as is"]["sqnr_db"]:
            fail(f"lesson 9: {lj['outliers']}")
        tried = json.load(open(dump + "o"))
        if tried["view"]["name"] != "outliers" or tried["tensor"] != "model.layers.0.self_attn.o_proj.weight" or \
                tried["outliers"]["result"] is None or not tried["outliers"]["result"]["current"]:
            fail(f"lesson 9 try it: {tried['view']['name']}, {tried['tensor']}")
        print(f"learn: 9 pages, absmax codes {lj['absmax']['codes']}")
    elif test == "model_export":
        # Export report… (Ctrl+E opens the dialog; the action runs it): the four report files
        # equal the CLI's numbers, plus a PNG of each view opened (distribution, model); the
        # window comes back to the view it was on. A folder under a file fails, leaving nothing.
        specs = ["absmax:bits=8", "nf4"]
        out = os.path.join(WORK, "gui_report")
        blocker = os.path.join(WORK, "a_file")
        open(blocker, "w").write("x")
        import shutil
        shutil.rmtree(out, ignore_errors=True)
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
                 {"action": "schemes", "specs": specs}, {"action": "wait"},
                 {"action": "select_view", "name": "model"}, {"action": "wait"},
                 {"action": "key", "name": "ctrl+e"}, {"action": "frames", "n": 2}, {"action": "dump_state", "path": dump},
                 {"action": "key", "name": "escape"}, {"action": "frames", "n": 2},
                 {"action": "export_report", "path": out}, {"action": "dump_state", "path": dump + "e"},
                 {"action": "export_report", "path": os.path.join(blocker, "sub")},
                 {"action": "dump_state", "path": dump + "f"}])
        if not json.load(open(dump))["export"]["dialog"]:
            fail("Ctrl+E did not open the export dialog")
        st = json.load(open(dump + "e"))
        if not st["export"]["result"].startswith("exported 7 files to"):
            fail(f"export: {st['export']}")
        if st["view"]["name"] != "model":
            fail(f"after the export the view is {st['view']['name']}, not model")
        files = sorted(os.listdir(out))
        # budget.json: the planner's default budget (halfway between the schemes' bits) fits.
        if files != ["budget.json", "report.csv", "report.html", "report.json", "report.md", "view-distribution.png",
                     "view-model.png"]:
            fail(f"exported files {files}")
        argv = [CLI, "report", model, "--out", os.path.join(WORK, "cli_report2")]
        for sp in specs:
            argv += ["--scheme", sp]
        subprocess.run(argv, check=True, capture_output=True)
        g, c = (json.load(open(os.path.join(d, "report.json"))) for d in (out, os.path.join(WORK, "cli_report2")))
        if [t["metrics"] for t in g["totals"]] != [t["metrics"] for t in c["totals"]] or \
                [t["results"] for t in g["tensors"]] != [t["results"] for t in c["tensors"]]:
            fail("the GUI's report.json differs from the CLI's")
        for v in ("view-distribution.png", "view-model.png"):
            w, h, rows = read_png(os.path.join(out, v))
            frac, colours = region_stats(rows, 0, 0, w, h)
            if w < 400 or h < 400 or colours < 20 or frac < 0.01:
                fail(f"{v}: {w}x{h}, {colours} colours, {frac:.2%} drawn")
        bad = json.load(open(dump + "f"))["export"]["result"]
        if not bad.startswith("export failed") or os.listdir(WORK).count("a_file") != 1 or \
                any(n.startswith(".qs-report") for n in os.listdir(WORK)):
            fail(f"export under a file: {bad}; {os.listdir(WORK)}")
        print(f"model_export: {files}")
    elif test == "heatmap_view":
        # The whole tensor pooled with max |x|: the hottest cell is the tensor's max|x|,
        # the image covers every row and column, and the PNG holds the colour map.
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
                 {"action": "select_view", "name": "heatmap"}, {"action": "wait"}, {"action": "frames", "n": 3},
                 {"action": "wait"}, {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump}])
        state = json.load(open(dump))
        hm = state.get("heatmap")
        p = subprocess.run([CLI, "quantize", model, "--tensor", tensor, "--scheme", "int8", "--json"],
                           capture_output=True, text=True, check=True)
        info = json.loads(p.stdout)["tensor"]
        rows, cols = info["shape"][0], info["shape"][1]
        if hm is None or hm["rows"] != [0, rows] or hm["cols"] != [0, cols]:
            fail(f"heatmap {hm}")
        absmax = max(abs(info["stats"]["min"]), abs(info["stats"]["max"]))
        if abs(hm["hi"] - absmax) > 1e-6 * absmax or not hm["w"] > 100 or not hm["h"] > 50:
            fail(f"heatmap max {hm['hi']} vs max|x| {absmax}; cells {hm['w']}x{hm['h']}")
        w, h, rows_px = read_png(png)
        x0, y0, x1, y1 = state["plot_rect"]
        frac, colours = region_stats(rows_px, x0, y0, x1, y1)
        if colours < 8:
            fail(f"heatmap image has {colours} colours")
        print(f"heatmap_view: {hm['w']}x{hm['h']} cells, max {hm['hi']}, {colours} colours")
    elif test == "plot_export":
        # Right-click menu items on the Distribution plot: the PNG holds just the plot
        # (its size is the plot rectangle plus the axes) and the CSV has one row per bin
        # whose counts equal the histogram's total.
        plot_png, csv_path = os.path.join(WORK, "plot.png"), os.path.join(WORK, "plot.csv")
        for f in (plot_png, csv_path):
            if os.path.exists(f):
                os.remove(f)
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor}, {"action": "bins", "n": 64},
                 {"action": "wait"}, {"action": "plot_menu", "item": "save", "path": plot_png},
                 {"action": "plot_menu", "item": "csv", "path": csv_path}, {"action": "dump_state", "path": dump}])
        state = json.load(open(dump))
        w, h, rows = read_png(plot_png)
        x0, y0, x1, y1 = state["plot_rect"]
        if not (x1 - x0 < w < x1 - x0 + 120 and y1 - y0 < h < y1 - y0 + 80):
            fail(f"plot PNG {w}x{h} for a plot of {x1 - x0}x{y1 - y0}")
        lines = open(csv_path).read().strip().splitlines()
        if not lines[0].startswith("bin_lo,bin_hi") or len(lines) != 65:
            fail(f"CSV header {lines[0]!r}, {len(lines)} lines")
        total = sum(int(l.split(",")[2]) for l in lines[1:])
        if total != state["histogram"]["count"]:
            fail(f"CSV counts {total} != histogram {state['histogram']['count']}")
        print(f"plot_export: {w}x{h} PNG, {len(lines) - 1} CSV rows")
    elif test == "what_if":
        # An outlier of 5.0 injected at one element: the per-tensor int8 scale becomes
        # 5/127 and SQNR collapses; reset restores the file's numbers (= the CLI's).
        d1, d2 = dump + "1", dump + "2"
        t2 = "model.layers.0.mlp.down_proj.weight"
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": t2},
                 {"action": "scheme", "spec": "absmax:bits=8"}, {"action": "wait"},
                 {"action": "what_if", "kind": "set_element", "index": 1234, "value": 5.0}, {"action": "wait"},
                 {"action": "screenshot", "path": png}, {"action": "dump_state", "path": d1},
                 {"action": "reset_what_if"}, {"action": "wait"}, {"action": "dump_state", "path": d2}])
        s1, s2 = json.load(open(d1)), json.load(open(d2))
        if s1["what_if"] != "element 1234 set to 5" or abs(s1["group"]["scale"] - 5.0 / 127) > 1e-9:
            fail(f"what-if state {s1['what_if']}, scale {s1['group']['scale']}")
        cli = cli_metrics(model, t2, "absmax:bits=8")
        if not s1["schemes"][0]["metrics"]["sqnr_db"] < cli["sqnr_db"] - 20:
            fail(f"outlier SQNR {s1['schemes'][0]['metrics']['sqnr_db']} vs file {cli['sqnr_db']}")
        if s2["what_if"] is not None:
            fail("reset did not clear the what-if")
        same_metrics(s2["schemes"][0]["metrics"], cli, "after reset")
        print("what_if: ok", s1["schemes"][0]["metrics"]["sqnr_db"], "dB with the outlier,", cli["sqnr_db"], "without")
    elif test == "sweeps_view":
        # Each sweep point equals the CLI's number for its spec; the map has its front.
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
                 {"action": "scheme", "spec": "absmax:bits=4"}, {"action": "select_view", "name": "sweeps"},
                 {"action": "frames", "n": 2}, {"action": "wait"}, {"action": "frames", "n": 2},
                 {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump}])
        sw = json.load(open(dump)).get("sweeps")
        if sw is None or len(sw["bits"]) != 15 or len(sw["map"]) != 19 or len(sw["markers"]) != 6 or not sw["front"]:
            fail(f"sweeps {None if sw is None else {k: len(v) for k, v in sw.items()}}")
        for p in (sw["bits"][2], sw["block"][1], sw["map"][6], sw["clip"][10]):
            cli = cli_metrics(model, tensor, p["spec"])
            if abs(p["sqnr_db"] - cli["sqnr_db"]) > 1e-9:
                fail(f"{p['spec']}: sweep {p['sqnr_db']} vs CLI {cli['sqnr_db']}")
        w, h, rows = read_png(png)
        if region_stats(rows, 0, 0, w, h)[1] < 20:
            fail("blank sweeps screenshot")
        print("sweeps_view: ok, front", [sw["map"][i]["spec"] for i in sw["front"]])
    elif test == "transforms":
        import gui_transforms  # the transform keys through the usual views, in its own file
        gui_transforms.run(sys.modules[__name__], model, tensor)
    elif test == "drag_clip":
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
                 {"action": "scheme", "spec": "absmax:bits=4"}, {"action": "wait"},
                 {"action": "drag_clip", "handle": "hi", "to": 0.06, "steps": 15},
                 {"action": "wait"}, {"action": "dump_state", "path": dump},
                 {"action": "view", "lo": -0.15, "hi": 0.15}, {"action": "wait"},
                 {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump + "2"}])
        state = json.load(open(dump))
        sel = state["schemes"][state["selected"]]
        clip = sel["scheme"]["clip"]
        x0, _, x1, _ = state["plot_rect"]
        px = (state["view"]["hi"] - state["view"]["lo"]) / (x1 - x0)
        if clip["method"] != "range" or abs(clip["hi"] - 0.06) > 1.5 * px:
            fail(f"after the drag the clip is {clip}, expected range with hi ≈ 0.06 (±{px:.2g})")
        if abs(clip["lo"] + clip["hi"]) > 1e-12:
            fail(f"absmax clip should stay symmetric: {clip}")
        check_screen(png, json.load(open(dump + "2")), "drag_clip", 0.08)
        same_metrics(sel["metrics"], cli_metrics(model, tensor, sel["spec"]), sel["spec"])
        if not sel["metrics"]["clipped_fraction"] > 0:
            fail("clipping at 0.06 must clip the outlier rows of this tensor")
    elif test == "light_log":
        run_gui([{"action": "open", "path": model}, {"action": "theme", "name": "light"},
                 {"action": "log_y", "on": True}, {"action": "bins", "n": 128}, {"action": "wait"},
                 {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump}])
        state = json.load(open(dump))
        if state["histogram"]["bins"] != 128:
            fail(f"bins {state['histogram']['bins']}")
        check_screen(png, state, "light_log", 0.15)
    elif test == "screenshot_flag":
        env = dict(os.environ, HOME=WORK, XDG_CONFIG_HOME=WORK, XDG_CACHE_HOME=WORK)
        p = subprocess.run(XVFB + [GUI, model, "--tensor", tensor, "--scheme", "nf4", "--view", "distribution",
                                   "--screenshot", png, "--frames", "5", "--size", "1280x800"],
                           env=env, capture_output=True, text=True, timeout=240)
        if p.returncode != 0:
            fail(f"exit {p.returncode}: {p.stderr}")
        w, h, rows = read_png(png)
        if (w, h) != (1280, 800) or region_stats(rows, 0, 0, w, h)[1] < 20:
            fail(f"--screenshot wrote {w}x{h} with too few colours")
        print("screenshot_flag: ok")
    elif test == "notices_and_settings":
        # A bad file becomes a notice; the model stays. Theme and recent files persist.
        cfg = os.path.join(WORK, "config")
        import shutil
        shutil.rmtree(cfg, ignore_errors=True)  # a previous run's settings
        bad = os.path.join(WORK, "broken.safetensors")
        open(bad, "wb").write(struct.pack("<Q", 1 << 40) + b"{")
        env_extra = {"QS_CONFIG_DIR": cfg}
        os.environ.update(env_extra)
        run_gui([{"action": "open", "path": model}, {"action": "wait"},
                 {"action": "open", "path": bad, "expect_error": True}, {"action": "frames", "n": 2},
                 {"action": "screenshot", "path": png},
                 {"action": "dump_state", "path": dump}, {"action": "theme", "name": "light"}, {"action": "quit"}])
        state = json.load(open(dump))
        if state["file"] != model or len(state["notices"]) != 1 or "broken.safetensors" not in state["notices"][0]:
            fail(f"after a bad open: file {state['file']}, notices {state['notices']}")
        ini = open(os.path.join(cfg, "quantscope.ini")).read()
        if "theme=light" not in ini or f"recent={os.path.abspath(model)}" not in ini or "broken" in ini:
            fail(f"settings file:\n{ini}")
        model2 = os.path.join(WORK, "copy.safetensors")
        open(model2, "wb").write(open(model, "rb").read())
        run_gui([{"action": "dump_state", "path": dump}, {"action": "quit"}], extra=[model2])
        state = json.load(open(dump))
        if state["theme"] != "light" or state["recent"][:2] != [os.path.abspath(model2), os.path.abspath(model)]:
            fail(f"settings not restored: theme {state['theme']}, recent {state['recent']}")
        print("notices_and_settings: ok:", state["notices"] if state["notices"] else "no notices on restart")
    elif test == "keys":
        # Keyboard: ↓ selects the next tensor, Ctrl+L toggles log counts, Ctrl+O opens the
        # file browser and Esc closes it, F1 shows the help.
        d = [dump + str(i) for i in range(4)]
        shot_fb, shot_help = os.path.join(WORK, "file_browser.png"), os.path.join(WORK, "help.png")
        run_gui([{"action": "open", "path": model}, {"action": "wait"}, {"action": "dump_state", "path": d[0]},
                 {"action": "key", "name": "down"}, {"action": "key", "name": "down"}, {"action": "wait"},
                 {"action": "key", "name": "ctrl+l"}, {"action": "dump_state", "path": d[1]},
                 {"action": "key", "name": "ctrl+o"}, {"action": "frames", "n": 3},
                 {"action": "screenshot", "path": shot_fb}, {"action": "dump_state", "path": d[2]},
                 {"action": "key", "name": "escape"}, {"action": "key", "name": "f1"}, {"action": "frames", "n": 3},
                 {"action": "screenshot", "path": shot_help}, {"action": "dump_state", "path": d[3]}])
        s0, s1, s2, s3 = (json.load(open(p)) for p in d)
        if s0["tensor"] != "model.layers.0.mlp.down_proj.weight":
            fail(f"first tensor {s0['tensor']}")
        if s1["tensor"] != "model.layers.0.self_attn.o_proj.weight" or not s1["log_y"]:
            fail(f"after down, down, ctrl+l: tensor {s1['tensor']}, log_y {s1['log_y']}")
        if not s2["windows"]["file_browser"] or s3["windows"]["file_browser"] or not s3["windows"]["help"]:
            fail(f"windows: after ctrl+o {s2['windows']}, after escape+f1 {s3['windows']}")
        for shot in (shot_fb, shot_help):
            w, h, rows = read_png(shot)
            if region_stats(rows, 0, 0, w, h)[1] < 20:
                fail(f"{shot}: blank")
        print("keys: ok")
    elif test == "zoom_memory":
        # Each tensor keeps its zoom: set a view on one, visit another, come back.
        t1, t2 = "model.layers.0.mlp.down_proj.weight", tensor
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": t1}, {"action": "wait"},
                 {"action": "view", "lo": -0.01, "hi": 0.02}, {"action": "wait"},
                 {"action": "tensor", "name": t2}, {"action": "wait"}, {"action": "dump_state", "path": dump + "a"},
                 {"action": "tensor", "name": t1}, {"action": "wait"}, {"action": "dump_state", "path": dump + "b"}])
        a, b = json.load(open(dump + "a")), json.load(open(dump + "b"))
        if a["view"]["lo"] == -0.01 or (b["view"]["lo"], b["view"]["hi"]) != (-0.01, 0.02):
            fail(f"views: other tensor {a['view']}, back {b['view']}")
        print("zoom_memory: ok")
    elif test == "clip_cache":
        # The percentile clip range is computed once per tensor and reused when only the
        # bits change: the second scheme's numbers still equal a fresh CLI run.
        run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
                 {"action": "scheme", "spec": "absmax:bits=4,clip=percentile,p=99.9"}, {"action": "wait"},
                 {"action": "scheme", "spec": "absmax:bits=6,clip=percentile,p=99.9"}, {"action": "wait"},
                 {"action": "dump_state", "path": dump}])
        sel = json.load(open(dump))["schemes"][0]
        same_metrics(sel["metrics"], cli_metrics(model, tensor, sel["spec"]), sel["spec"])
        print("clip_cache: ok", sel["spec"], sel["metrics"]["sqnr_db"])
    elif test == "bad_actions":
        p = run_gui([{"action": "open", "path": model}, {"action": "drag_clip", "handle": "middle", "to": 1}],
                    expect=2)
        if "action 1" not in p.stderr or "handle" not in p.stderr:
            fail(f"message should name action 1 and its key: {p.stderr!r}")
        p = run_gui([{"action": "teleport"}], expect=2)
        if "teleport" not in p.stderr:
            fail(f"message should name the unknown action: {p.stderr!r}")
        print("bad_actions: ok:", p.stderr.strip())
    elif test == "bad_args":
        env = dict(os.environ, HOME=WORK)
        p = subprocess.run(XVFB + [GUI, model, "--view", "nonsense"], env=env, capture_output=True, text=True)
        if p.returncode != 2 or "distribution" not in p.stderr:
            fail(f"--view nonsense: exit {p.returncode}, {p.stderr!r}")
        bad = os.path.join(WORK, "not_a_model.bin")
        open(bad, "wb").write(b"hello, this is not a tensor file")
        # A file that does not open: the window opens on the demo model with the file's
        # error in the notice; a scripted run still exits 1 (after its screenshot).
        acts = os.path.join(WORK, "bad_file_actions.json")
        json.dump([{"action": "wait"}, {"action": "dump_state", "path": dump}], open(acts, "w"))
        p = subprocess.run(XVFB + [GUI, bad, "--actions", acts, "--screenshot", png], env=env, capture_output=True,
                           text=True)
        if p.returncode != 1 or "not_a_model.bin" not in p.stderr or not os.path.exists(png):
            fail(f"bad file: exit {p.returncode}, {p.stderr!r}, screenshot {os.path.exists(png)}")
        state = json.load(open(dump))
        if not (state["file"] or "").endswith("demo.safetensors") or \
                not any("not_a_model.bin" in n and "showing the demo model" in n for n in state.get("notices", [])):
            fail(f"bad file: file {state['file']}, notices {state.get('notices')}")
        print("bad_args: ok")
    elif test == "model_grid":
        import gui_model_grid  # the Model view's layer × module grid, in its own file
        gui_model_grid.run(sys.modules[__name__])
    elif test == "stored_tfjs":
        import gui_stored_tfjs  # the Stored view on a TF.js model, in its own file
        gui_stored_tfjs.run(sys.modules[__name__])
    elif test in ("window_sizes", "map_labels", "dequant_stems"):
        import gui_sizes  # window sizes, content scale, point labels, x̂ stems: in their own file
        gui_sizes.run(sys.modules[__name__], test)
    elif test == "outliers":
        import gui_outliers  # the Outliers view's test, in its own file (next to this one)
        gui_outliers.run(sys.modules[__name__], model)
    elif test == "no_display":
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        env["HOME"] = WORK
        p = subprocess.run([GUI, model], env=env, capture_output=True, text=True, timeout=30)
        lines = p.stderr.strip().splitlines()
        if p.returncode != 2 or len(lines) != 1 or "xvfb-run" not in lines[0]:
            fail(f"without a display: exit {p.returncode}, stderr {p.stderr!r}")
        print("no_display: ok:", lines[0])
    else:
        fail(f"unknown test {test}")


if __name__ == "__main__":
    main()
