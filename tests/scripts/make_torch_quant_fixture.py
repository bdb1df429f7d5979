#!/usr/bin/env python3
"""Writes tests/data/torch_quant.json: what PyTorch's own observers and quantize functions
give for a small tensor, so test_presets can check the torch_* presets code for code and
value for value against the real toolchain. Needs python3-torch (1.13 on Debian bookworm);
only run to regenerate the fixture, not by the tests.

For each case: the observer's scale(s) and zero point(s) (MinMaxObserver /
PerChannelMinMaxObserver, default ranges), the quantized tensor's int_repr and its
dequantize(), all as exact float32 values.
"""
import json
import os
import sys

import numpy as np
import torch
from torch.ao.quantization.observer import MinMaxObserver, PerChannelMinMaxObserver

rng = np.random.default_rng(7)
x = rng.normal(0, 0.05, size=(6, 40)).astype(np.float32)
x[1, 3] = 0.9          # an outlier in one channel
x[4, :] += 0.2         # a channel that is all positive
x[5, :] = np.abs(x[5, :])  # min 0 exactly in that channel (zero point at the edge)
t = torch.from_numpy(x)


def f32(v):
    return [float(np.float32(a)) for a in np.asarray(v, dtype=np.float32).ravel()]


cases = {}
for name, dtype, qscheme in [("torch_quint8", torch.quint8, torch.per_tensor_affine),
                             ("torch_qint8", torch.qint8, torch.per_tensor_symmetric)]:
    obs = MinMaxObserver(dtype=dtype, qscheme=qscheme)
    obs(t)
    s, z = obs.calculate_qparams()
    q = torch.quantize_per_tensor(t, float(s), int(z), dtype)
    cases[name] = {"scale": f32([s.item()]), "zero_point": [int(z)],
                   "codes": q.int_repr().numpy().astype(int).ravel().tolist(),
                   "xhat": f32(q.dequantize().numpy())}
obs = PerChannelMinMaxObserver(dtype=torch.qint8, qscheme=torch.per_channel_symmetric, ch_axis=0)
obs(t)
s, z = obs.calculate_qparams()
q = torch.quantize_per_channel(t, s, z, 0, torch.qint8)
cases["torch_qint8_channel"] = {"scale": f32(s.numpy()), "zero_point": z.numpy().astype(int).tolist(),
                                "codes": q.int_repr().numpy().astype(int).ravel().tolist(),
                                "xhat": f32(q.dequantize().numpy())}


def dynamic_map():
    """bitsandbytes' create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)
    (bitsandbytes/functional.py), evaluated with torch float32 tensors as bitsandbytes does."""
    data = []
    for i in range(7):
        boundaries = torch.linspace(0.1, 1, 2 ** i + 1)
        means = (boundaries[:-1] + boundaries[1:]) / 2.0
        data += ((10 ** (-6 + i)) * means).tolist()
        data += (-(10 ** (-6 + i)) * means).tolist()
    data.append(0)
    data.append(1.0)
    data.sort()
    return f32(torch.Tensor(data).numpy())


out = {"torch": torch.__version__, "bnb_dynamic_map": dynamic_map(), "shape": list(x.shape), "x": f32(x), "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "torch_quant.json")
with open(path + ".tmp", "w") as f:
    json.dump(out, f)
os.replace(path + ".tmp", path)
print("wrote", path, file=sys.stderr)
