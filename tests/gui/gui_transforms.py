"""The transform keys (rot, smooth, lowrank, keep) through the usual views under Xvfb
(gui_test.py transforms): the compare list's metrics equal the CLI's, with smooth's
activation maxima picked by the GUI itself; the sweeps run on a rotated base; rot on a
tensor holding NaN says why under the editor.
"""
import json
import os
import subprocess


def run(g, model, tensor):
    """g: the gui_test module (run_gui, fail, same_metrics, cli_metrics, CLI, WORK)."""
    run_gui, fail, same_metrics, cli_metrics, CLI = g.run_gui, g.fail, g.same_metrics, g.cli_metrics, g.CLI
    dump = os.path.join(g.WORK, "state.json")
    act = model + ":model.layers.0.self_attn.o_proj.act_scales"
    base = "absmax:bits=4,gran=channel,axis=0"
    specs = [base + t for t in (",rot=hadamard", ",rot=hadamard,rot_seed=3", ",smooth=0.5", ",lowrank=8", ",keep=6")]
    run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
             {"action": "schemes", "specs": specs}, {"action": "select_view", "name": "compare"},
             {"action": "wait"}, {"action": "dump_state", "path": dump}])
    state = json.load(open(dump))
    if [e["spec"] for e in state["schemes"]] != specs:
        fail(f"schemes {[e['spec'] for e in state['schemes']]}")
    for e in state["schemes"]:
        p = subprocess.run([CLI, "quantize", model, "--tensor", tensor, "--scheme", e["spec"], "--act-max", act,
                            "--json"], capture_output=True, text=True, check=True)
        same_metrics(e["metrics"], json.loads(p.stdout)["results"][0]["metrics"], e["spec"])
    run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": tensor},
             {"action": "scheme", "spec": specs[0]}, {"action": "select_view", "name": "sweeps"},
             {"action": "frames", "n": 2}, {"action": "wait"}, {"action": "frames", "n": 2},
             {"action": "dump_state", "path": dump}])
    sw = json.load(open(dump)).get("sweeps")
    if sw is None or len(sw["bits"]) != 15 or len(sw["markers"]) != 6:
        fail(f"sweeps on a rotated base {None if sw is None else {k: len(v) for k, v in sw.items()}}")
    for p in (sw["bits"][2], sw["clip"][10], sw["block"][1]):
        if "rot=hadamard" not in p["spec"]:
            fail(f"sweep point {p['spec']} lost the rotation")
        cli = cli_metrics(model, tensor, p["spec"])
        if abs(p["sqnr_db"] - cli["sqnr_db"]) > 1e-9:
            fail(f"{p['spec']}: sweep {p['sqnr_db']} vs CLI {cli['sqnr_db']}")
    run_gui([{"action": "open", "path": model}, {"action": "tensor", "name": "model.layers.1.self_attn.k_proj.weight"},
             {"action": "scheme", "spec": "absmax:bits=4,rot=hadamard"}, {"action": "wait"},
             {"action": "dump_state", "path": dump}])
    err = json.load(open(dump))["schemes"][0].get("error", "")
    if not err.startswith("rot: the tensor holds 6 NaN/Inf values"):
        fail(f"rot on a tensor with NaN: error '{err}'")
    print("transforms: compare list = CLI for", len(specs), "transforms; sweeps on a rotated base; NaN refused")
