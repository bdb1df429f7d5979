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
        import gui_model  # in its own file next to this one
        gui_model.model_view(sys.modules[__name__], model, tensor, png, dump)
    elif test == "model_cancel":
        import gui_model  # in its own file next to this one
        gui_model.model_cancel(sys.modules[__name__], model, tensor, png, dump)
    elif test == "learn":
        import gui_learn  # in its own file next to this one
        gui_learn.learn(sys.modules[__name__], model, tensor, png, dump)
    elif test == "model_export":
        import gui_model  # in its own file next to this one
        gui_model.model_export(sys.modules[__name__], model, tensor, png, dump)
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
