"""Xvfb tests split out of gui_test.py (gt: that module, for its helpers) (model_view, model_cancel, model_export): run as `gui_test.py NAME`."""
import json
import os
import subprocess


def model_view(gt, model, tensor, png, dump):
    # The Model view: every tensor × 3 schemes. Its totals, per-tensor order and flags
    # equal what `quantscope-cli report` computes; a click on a row selects that tensor;
    # the budget plan equals the gt.CLI's budget.json.
    specs = ["absmax:bits=8", "absmax:bits=4,gran=block,block=32", "nf4"]
    plan_path = os.path.join(gt.WORK, "plan.json")
    gt.run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
             {"action": "schemes", "specs": specs}, {"action": "select_view", "name": "model"},
             {"action": "wait"}, {"action": "model_sort", "column": "scheme:2"}, {"action": "frames", "n": 3},
             {"action": "screenshot", "path": png}, {"action": "dump_state", "path": dump},
             {"action": "click_model_row", "row": 1}, {"action": "wait"}, {"action": "dump_state", "path": dump + "c"},
             {"action": "plan", "bits": 6, "objective": "pooled"}, {"action": "export_plan", "path": plan_path},
             {"action": "frames", "n": 2}, {"action": "dump_state", "path": dump + "p"}])
    out = os.path.join(gt.WORK, "cli_report")
    argv = [gt.CLI, "report", model, "--out", out, "--budget", "6"]
    for sp in specs:
        argv += ["--scheme", sp]
    subprocess.run(argv, check=True, capture_output=True)
    rj = json.load(open(os.path.join(out, "report.json")))
    run = json.load(open(dump))["model"]["run"]
    if run is None or run["schemes"] != [t["spec"] for t in rj["totals"]] or run["tensors"] != len(rj["tensors"]):
        gt.fail(f"model run {run and run['schemes']} vs gt.CLI {[t['spec'] for t in rj['totals']]}")
    for g, c in zip(run["totals"], rj["totals"]):
        for k in ("sqnr_db", "mse", "max_abs_error", "bits_per_weight", "n"):
            if g["metrics"][k] != c["metrics"][k]:
                gt.fail(f"{c['spec']} total {k}: gt.GUI {g['metrics'][k]} != gt.CLI {c['metrics'][k]}")

    def sqnr(t, k):
        v = t["results"][k]["metrics"]
        v = None if v is None else v["sqnr_db"]
        return float("inf") if v == "inf" else v
    names = [t["name"] for t in rj["tensors"]]
    # Ascending SQNR under scheme 2, ties in file order, tensors it does not apply to last.
    expect = sorted(range(len(names)), key=lambda i: (sqnr(rj["tensors"][i], 1) is None,
                                                       sqnr(rj["tensors"][i], 1) or 0, i))
    if run["order"] != [names[i] for i in expect]:
        gt.fail(f"sorted by scheme 2: {run['order']} vs {[names[i] for i in expect]}")
    for k in range(len(specs)):
        have = [i for i in range(len(names)) if sqnr(rj["tensors"][i], k) is not None]
        worst = sorted(have, key=lambda i: (sqnr(rj["tensors"][i], k), i))[:3]
        if run["flagged"][k] != [names[i] for i in worst]:
            gt.fail(f"flagged under {specs[k]}: {run['flagged'][k]} vs {[names[i] for i in worst]}")
    clicked = json.load(open(dump + "c"))
    if clicked["tensor"] != run["order"][1]:
        gt.fail(f"clicked row 1 ({run['order'][1]}) but {clicked['tensor']} is selected")
    plan = json.load(open(dump + "p"))["model"]["plan"]
    cli_plan = json.load(open(os.path.join(out, "budget.json")))
    if plan is None or plan["choice"] != cli_plan or json.load(open(plan_path)) != cli_plan:
        gt.fail(f"plan {plan} vs gt.CLI {cli_plan}")
    if not plan["bits_per_weight"] <= 6 + 1e-9:
        gt.fail(f"plan over budget: {plan['bits_per_weight']}")
    w, h, rows = gt.read_png(png)
    frac, colours = gt.region_stats(rows, 0, 0, w, h)
    if colours < 20:
        gt.fail(f"model view: only {colours} colours")
    print(f"model_view: {len(names)} tensors, order {run['order'][:3]}..., plan {plan['bits_per_weight']:.3f} b/w")


def model_cancel(gt, model, tensor, png, dump):
    # Cancel mid-run (the full demo, 72 MB × 3 schemes, takes about a second): the run
    # stops and says so; a regex then analyzes only what it matches; a bad regex is a
    # notice and a failed action, not a crash.
    full = os.path.join(gt.WORK, "demo_full.safetensors")
    if not os.path.exists(full):
        subprocess.run([gt.CLI, "demo", "--out", full], check=True, capture_output=True)
    specs = ["absmax:bits=8", "nf4", "absmax:bits=4,gran=block,block=32"]
    gt.run_gui([{"action": "open", "path": full}, {"action": "schemes", "specs": specs}, {"action": "wait"},
             {"action": "analyze_model"}, {"action": "frames", "n": 2}, {"action": "dump_state", "path": dump},
             {"action": "cancel_model"}, {"action": "wait"}, {"action": "dump_state", "path": dump + "c"},
             {"action": "model_regex", "regex": "up_proj|k_proj"}, {"action": "analyze_model"}, {"action": "wait"},
             {"action": "select_view", "name": "model"}, {"action": "frames", "n": 3},
             {"action": "dump_state", "path": dump + "r"}])
    busy, cancelled, regex = (json.load(open(dump + x))["model"] for x in ("", "c", "r"))
    if not busy["busy"]:
        gt.fail(f"the run was not busy two frames after it started: {busy}")
    if cancelled["busy"] or cancelled["run"] is not None or not cancelled["note"].startswith("Cancelled after"):
        gt.fail(f"after cancel: {cancelled}")
    order = regex["run"] and regex["run"]["order"]
    if order != ["model.layers.0.mlp.up_proj.weight", "model.layers.1.self_attn.k_proj.weight"]:
        gt.fail(f"regex run analyzed {order}")
    gt.run_gui([{"action": "open", "path": full}, {"action": "model_regex", "regex": "("},
                 {"action": "analyze_model"}, {"action": "dump_state", "path": dump + "b"}], expect=1)
    notes = json.load(open(dump + "b"))["notices"]
    if not any(n.startswith("model analysis: --tensors '(': ") for n in notes):
        gt.fail(f"bad regex notices: {notes}")
    print(f"model_cancel: {cancelled['note']}; regex run {order}")


def model_export(gt, model, tensor, png, dump):
    # Export report… (Ctrl+E opens the dialog; the action runs it): the four report files
    # equal the gt.CLI's numbers, plus a PNG of each view opened (distribution, model); the
    # window comes back to the view it was on. A folder under a file fails, leaving nothing.
    specs = ["absmax:bits=8", "nf4"]
    out = os.path.join(gt.WORK, "gui_report")
    blocker = os.path.join(gt.WORK, "a_file")
    open(blocker, "w").write("x")
    import shutil
    shutil.rmtree(out, ignore_errors=True)
    gt.run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
             {"action": "schemes", "specs": specs}, {"action": "wait"},
             {"action": "select_view", "name": "model"}, {"action": "wait"},
             {"action": "key", "name": "ctrl+e"}, {"action": "frames", "n": 2}, {"action": "dump_state", "path": dump},
             {"action": "key", "name": "escape"}, {"action": "frames", "n": 2},
             {"action": "export_report", "path": out}, {"action": "dump_state", "path": dump + "e"},
             {"action": "export_report", "path": os.path.join(blocker, "sub")},
             {"action": "dump_state", "path": dump + "f"}])
    if not json.load(open(dump))["export"]["dialog"]:
        gt.fail("Ctrl+E did not open the export dialog")
    st = json.load(open(dump + "e"))
    if not st["export"]["result"].startswith("exported 7 files to"):
        gt.fail(f"export: {st['export']}")
    if st["view"]["name"] != "model":
        gt.fail(f"after the export the view is {st['view']['name']}, not model")
    files = sorted(os.listdir(out))
    # budget.json: the planner's default budget (halfway between the schemes' bits) fits.
    if files != ["budget.json", "report.csv", "report.html", "report.json", "report.md", "view-distribution.png",
                 "view-model.png"]:
        gt.fail(f"exported files {files}")
    argv = [gt.CLI, "report", model, "--out", os.path.join(gt.WORK, "cli_report2")]
    for sp in specs:
        argv += ["--scheme", sp]
    subprocess.run(argv, check=True, capture_output=True)
    g, c = (json.load(open(os.path.join(d, "report.json"))) for d in (out, os.path.join(gt.WORK, "cli_report2")))
    if [t["metrics"] for t in g["totals"]] != [t["metrics"] for t in c["totals"]] or \
            [t["results"] for t in g["tensors"]] != [t["results"] for t in c["tensors"]]:
        gt.fail("the gt.GUI's report.json differs from the gt.CLI's")
    for v in ("view-distribution.png", "view-model.png"):
        w, h, rows = gt.read_png(os.path.join(out, v))
        frac, colours = gt.region_stats(rows, 0, 0, w, h)
        if w < 400 or h < 400 or colours < 20 or frac < 0.01:
            gt.fail(f"{v}: {w}x{h}, {colours} colours, {frac:.2%} drawn")
    bad = json.load(open(dump + "f"))["export"]["result"]
    if not bad.startswith("export failed") or os.listdir(gt.WORK).count("a_file") != 1 or \
            any(n.startswith(".qs-report") for n in os.listdir(gt.WORK)):
        gt.fail(f"export under a file: {bad}; {os.listdir(gt.WORK)}")
    print(f"model_export: {files}")
