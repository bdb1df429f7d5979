"""Window sizes, content scale, point labels and the x̂ overlay under Xvfb (gui_test.py
window_sizes | map_labels | dequant_stems), in their own file next to gui_test.py.

window_sizes: every view at 1280×800, 1366×768, 1920×1080 and 3840×2160 with --scale 2,
one app run per size (the views in turn); for each: the PNG has the window's size, the
tab strip holds every title whole (dump_state's layout) and text pixels in each tab, no
table header is cut, the plot (or the view's text) and both side panels are drawn, and at
scale 2 the font is 30 px. PNGs are decoded with NumPy (a 4K frame is 33 M bytes).
map_labels: the Sweeps view's format map on every float tensor of the demo at 1280×800:
the placed point labels' rectangles (dump_state) never intersect and stay in the plot.
dequant_stems: int8 absmax on a Gaussian draws x̂ as exactly one stem per used level.
"""
import json
import os
import struct
import subprocess
import time
import zlib

import numpy as np

VIEWS = ["distribution", "error", "ranges", "heatmap", "sweeps", "compare", "formats", "stored", "model",
         "outliers", "learn"]
# Views whose dump_state plot_rect is the view's own plot (the others show tables or text).
PLOT_VIEWS = {"distribution", "error", "ranges", "heatmap", "sweeps", "compare", "formats", "outliers"}
SIZES = [((1280, 800), 1), ((1366, 768), 1), ((1920, 1080), 1), ((3840, 2160), 2)]
XVFB_4K = ["xvfb-run", "-a", "-s", "-screen 0 3840x2160x24"]
TENSOR = "model.layers.0.mlp.down_proj.weight"  # a Gaussian: every plot has data


def read_png(g, path):
    """An H×W×3 uint8 array. Rows are unfiltered along anti-diagonals: pixel (y, x)
    needs only (y, x−1), (y−1, x) and (y−1, x−1), so each diagonal is one vector step
    whatever each row's filter (stb picks Paeth for most rows of a UI; a per-byte
    Python loop takes tens of seconds on a 4K frame)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        g.fail(f"{path}: not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                g.fail(f"{path}: unexpected PNG type depth={depth} color={ctype}")
            ch = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, w * ch + 1)
    kinds = raw[:, 0].astype(np.int32)
    f = raw[:, 1:].reshape(h, w, ch).astype(np.int32)
    out = np.zeros((h + 1, w + 1, ch), dtype=np.int32)  # a zero row above, a zero column left
    for d in range(w + h - 1):
        y = np.arange(max(0, d - w + 1), min(h, d + 1))
        x = d - y
        a, b, c = out[y + 1, x], out[y, x + 1], out[y, x]
        k = kinds[y][:, None]
        p = a + b - c
        pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
        paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        pred = np.select([k == 1, k == 2, k == 3, k == 4], [a, b, (a + b) // 2, paeth], 0)
        out[y + 1, x + 1] = (f[y, x] + pred) & 255
    return out[1:, 1:, :3].astype(np.uint8)


def differing(img, rect, bg=None):
    """Fraction of the rectangle's pixels unlike its most common colour (or `bg`)."""
    x0, y0, x1, y1 = (int(round(v)) for v in rect)
    r = img[y0 + 2:y1 - 2, x0 + 2:x1 - 2].reshape(-1, 3).astype(np.int32)
    if r.size == 0:
        return 0.0
    if bg is None:
        colours, counts = np.unique(r, axis=0, return_counts=True)
        bg = colours[np.argmax(counts)]
    return float(np.mean(np.abs(r - np.asarray(bg)).sum(axis=1) > 40))


def text_pixels(img, rect):
    """Pixels of the dark theme's text colour (near white) in the rectangle."""
    x0, y0, x1, y1 = (int(round(v)) for v in rect)
    r = img[y0:y1, x0:x1]
    return int(np.sum(np.all(r > 200, axis=2)))


def run_app(g, actions, size, scale):
    path = os.path.join(g.WORK, f"actions_{size[0]}.json")
    with open(path, "w") as f:
        json.dump(actions, f)
    env = dict(os.environ, HOME=g.WORK, XDG_CONFIG_HOME=g.WORK, XDG_CACHE_HOME=g.WORK)
    cmd = XVFB_4K + [g.GUI, "--actions", path, "--size", f"{size[0]}x{size[1]}", "--scale", str(scale)]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=280)
    if p.returncode != 0:
        g.fail(f"{size}: exit {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}")


def check_view(g, what, img, state, size, scale, view):
    h, w, _ = img.shape
    if (w, h) != size:
        g.fail(f"{what}: PNG is {w}x{h}")
    lay = state["layout"]
    if state["view"]["name"] != view:
        g.fail(f"{what}: the view shown is {state['view']['name']}")
    if abs(lay["scale"] - scale) > 1e-6 or abs(lay["font_size"] - 15 * scale) > 1e-3:
        g.fail(f"{what}: scale {lay['scale']}, font {lay['font_size']} px (expected {15 * scale})")
    # The tab strip: every title whole (no scrolling needed), and text in every tab.
    if lay["tabs_scroll"] or len(lay["tabs"]) != len(VIEWS):
        g.fail(f"{what}: tabs {len(lay['tabs'])}, scrolling {lay['tabs_scroll']}")
    for t in lay["tabs"]:
        if not t["whole"]:
            g.fail(f"{what}: tab '{t['title']}' is cut or outside the strip: {t['rect']}")
        x0, y0, x1, y1 = t["rect"]
        if text_pixels(img, (x0, y0, x1, y1)) < 8 * scale * scale * len(t["title"]) // 3:
            g.fail(f"{what}: tab '{t['title']}' shows too little text")
    if lay["cut_headers"]:
        g.fail(f"{what}: table headers cut: {lay['cut_headers']}")
    # The view: its plot holds data, or (tables, text) its region holds text.
    vx0, vy0, vx1, vy1 = lay["views"]
    below_tabs = (vx0, lay["tab_bar"][3] + 4 * scale, vx1, vy1)
    if view in PLOT_VIEWS:
        x0, y0, x1, y1 = state["plot_rect"]
        if not (vx0 - 1 <= x0 < x1 <= vx1 + 1 and vy0 <= y0 < y1 <= vy1 + 1 and x1 - x0 > 100 * scale):
            g.fail(f"{what}: plot {state['plot_rect']} outside the view {lay['views']}")
        drawn = differing(img, state["plot_rect"])
        if drawn < 0.01:
            g.fail(f"{what}: only {drawn:.2%} of the plot differs from its background")
    else:
        drawn = differing(img, below_tabs)
        if drawn < 0.005:
            g.fail(f"{what}: the view region is blank ({drawn:.2%})")
    # Both side panels are there, with text, and not squeezed to nothing.
    for name in ("browser", "scheme"):
        r = lay[name]
        if r[2] - r[0] < 12 * lay["font_size"]:
            g.fail(f"{what}: the {name} panel is {r[2] - r[0]:.0f} px wide")
        if text_pixels(img, r) < 400 * scale * scale:
            g.fail(f"{what}: the {name} panel shows no text")
    return drawn


def window_sizes(g, model):
    t0 = time.time()
    for size, scale in SIZES:
        actions = [{"action": "open", "path": model}, {"action": "tensor", "name": TENSOR}]
        for v in VIEWS:
            png, dump = (os.path.join(g.WORK, f"{v}_{size[0]}.{e}") for e in ("png", "json"))
            actions += [{"action": "select_view", "name": v}, {"action": "frames", "n": 2}, {"action": "wait"},
                        {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump}]
        t = time.time()
        run_app(g, actions, size, scale)
        shown = []
        for v in VIEWS:
            png, dump = (os.path.join(g.WORK, f"{v}_{size[0]}.{e}") for e in ("png", "json"))
            state = json.load(open(dump))
            drawn = check_view(g, f"{v} at {size[0]}x{size[1]}", read_png(g, png), state, size, scale, v)
            shown.append(f"{v} {drawn:.0%}")
        print(f"{size[0]}x{size[1]} scale {scale}: ok in {time.time() - t:.1f} s ({', '.join(shown)})")
    print(f"window_sizes: ok in {time.time() - t0:.1f} s")


def overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def map_labels(g, model):
    p = subprocess.run([g.CLI, "inspect", model, "--json"], capture_output=True, text=True, check=True)
    tensors = [t["name"] for t in json.loads(p.stdout)["tensors"]
               if t["dtype"] in ("F32", "F16", "BF16") and t["numel"] > 1]
    actions = [{"action": "open", "path": model}, {"action": "select_view", "name": "sweeps"}]
    for i, t in enumerate(tensors):
        actions += [{"action": "tensor", "name": t}, {"action": "frames", "n": 2}, {"action": "wait"},
                    {"action": "frames", "n": 2}, {"action": "dump_state", "path": os.path.join(g.WORK, f"map{i}.json")}]
    run_app(g, actions, (1280, 800), 1)
    total_placed = total = 0
    for i, t in enumerate(tensors):
        state = json.load(open(os.path.join(g.WORK, f"map{i}.json")))
        labels = state["layout"]["map_labels"]
        if state["tensor"] != t or not labels:
            g.fail(f"{t}: no format map labels (tensor {state['tensor']})")
        x0, y0, x1, y1 = state["plot_rect"]
        placed = [l for l in labels if l["placed"]]
        for a in range(len(placed)):
            r = placed[a]["rect"]
            if not (x0 <= r[0] < r[2] <= x1 and y0 <= r[1] < r[3] <= y1):
                g.fail(f"{t}: label '{placed[a]['text']}' {r} leaves the plot {state['plot_rect']}")
            for b in range(a + 1, len(placed)):
                if overlaps(r, placed[b]["rect"]):
                    g.fail(f"{t}: labels '{placed[a]['text']}' {r} and '{placed[b]['text']}' {placed[b]['rect']} overlap")
        # Most labels find room (a constant tensor has three points, mostly at one spot).
        if len(placed) < min(4, (len(labels) + 1) // 2):
            g.fail(f"{t}: only {len(placed)} of {len(labels)} labels placed")
        total_placed += len(placed)
        total += len(labels)
    print(f"map_labels: {len(tensors)} tensors, {total_placed} of {total} labels placed, none overlapping")


def dequant_stems(g, model):
    dump = os.path.join(g.WORK, "stems.json")
    dump_block = os.path.join(g.WORK, "bins.json")
    png = os.path.join(g.WORK, "stems.png")
    actions = [{"action": "open", "path": model}, {"action": "tensor", "name": TENSOR},
               {"action": "scheme", "spec": "absmax:bits=8"}, {"action": "wait"},
               {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump},
               {"action": "scheme", "spec": "absmax:bits=8,gran=block,block=32"}, {"action": "wait"},
               {"action": "dump_state", "path": dump_block}]
    run_app(g, actions, (1280, 800), 1)
    state = json.load(open(dump))
    dq, m = state["dequant"], state["schemes"][0]["metrics"]
    cli = g.cli_metrics(model, TENSOR, "absmax:bits=8")
    if dq["mode"] != "stems" or dq["stems"] != cli["codes_used"] or dq["on_levels"] != dq["stems"]:
        g.fail(f"x̂: {dq['mode']}, {dq.get('stems')} stems ({dq.get('on_levels')} on levels), "
               f"{cli['codes_used']} codes used")
    if dq["count"] != state["histogram"]["count"] or m["codes_used"] != cli["codes_used"]:
        g.fail(f"x̂ stems hold {dq['count']} values of {state['histogram']['count']}")
    values, counts = np.array(dq["values"]), np.array(dq["counts"], dtype=float)
    if not np.all(np.diff(values) > 0):
        g.fail("x̂ stems are not one per level (a value repeats)")
    # No alternation: on a Gaussian, neighbouring levels' counts differ little where they
    # are large; binned, 255 levels in 256 bins gave neighbours of one and two levels (×2).
    big = counts > counts.max() * 0.25
    ratio = counts[1:][big[1:] & big[:-1]] / counts[:-1][big[1:] & big[:-1]]
    spread = np.abs(np.log(ratio))
    if ratio.size < 20 or np.median(spread) > 0.15 or np.mean(spread > np.log(1.5)) > 0.05:
        g.fail(f"x̂ stems alternate: neighbour ratios {ratio.min():.2f}..{ratio.max():.2f}, "
               f"median |log| {np.median(spread):.3f}")
    block = json.load(open(dump_block))["dequant"]
    if block["mode"] != "bins":
        g.fail(f"per-block x̂ (many groups) should stay a histogram, got {block['mode']}")
    print(f"dequant_stems: {dq['stems']} stems on {dq['stems']} used levels, neighbour ratios "
          f"{ratio.min():.3f}..{ratio.max():.3f}; per-block x̂ binned")


def run(g, test):
    model = os.path.join(g.WORK, "demo.safetensors")
    {"window_sizes": window_sizes, "map_labels": map_labels, "dequant_stems": dequant_stems}[test](g, model)
