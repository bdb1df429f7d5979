#!/usr/bin/env python3
"""Writes PyTorch checkpoint fixtures with torch.save (the independent writer) for
test_pytorch.cpp. Torch is needed only to regenerate them, never to run the tests.

usage: make_torch_fixtures.py OUTDIR

OUTDIR/torch_expected.json = {file: {"tensors": [{"name", "dtype", "shape",
"contiguous", "values"}], "skipped": [...]}} with values in logical C order as float32
holds them (what qs::decode_to_float must produce), tensors in the reader's walk order.
torch_malicious.pt embeds os.system (pickled as posix.system) and must be refused;
torch_legacy.pt uses the pre-1.6 format and must be refused with a hint.
"""
import collections
import json
import os
import sys

import torch

OUT = sys.argv[1]
DT = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
      torch.int32: "I32", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
      torch.float64: "F64"}
expected = {}


def describe(prefix, obj, tensors, skipped):
    if isinstance(obj, torch.Tensor):
        tensors.append({"name": prefix, "dtype": DT[obj.dtype], "shape": list(obj.shape),
                        "contiguous": obj.is_contiguous(),
                        "values": [float(v) for v in obj.detach().float().reshape(-1).tolist()]})
    elif isinstance(obj, dict):
        for k, v in obj.items():
            describe(f"{prefix}.{k}" if prefix else str(k), v, tensors, skipped)
    else:
        skipped.append(prefix)


def save(name, obj):
    torch.save(obj, os.path.join(OUT, name))
    tensors, skipped = [], []
    describe("", obj, tensors, skipped)
    expected[name] = {"tensors": tensors, "skipped": skipped}


g = torch.Generator().manual_seed(3)
sd = collections.OrderedDict()
sd["fc.weight"] = torch.randn(3, 4, generator=g)
sd["fc.bias"] = torch.tensor([0.5, -1.25, 2.0])
sd["half"] = torch.tensor([[1.0, -0.5], [65504.0, 0.000061035156]], dtype=torch.float16)
sd["bf"] = torch.tensor([1.0, -3.5, 256.0, 0.0078125], dtype=torch.bfloat16)
sd["steps"] = torch.tensor([-7, 0, 123456789], dtype=torch.int64)
sd["mask"] = torch.tensor([True, False])
sd["small"] = torch.tensor([-128, 0, 127], dtype=torch.int8)
sd["scalar"] = torch.tensor(2.5)
save("torch_state_dict.pt", sd)

base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
shared = torch.arange(6, dtype=torch.float32)
views = {
    "transposed": base.t(),               # strides (1, 4)
    "slice": base[1:],                    # storage_offset 4
    "column": base[:, 2],                 # offset 2, stride 4
    "a": shared,
    "b": shared.view(2, 3),               # same storage as "a"
    "expanded": torch.tensor([1.0, 2.0]).expand(3, 2),  # stride 0
    "param": torch.nn.Parameter(torch.tensor([4.0, 5.0])),
}
save("torch_views.pt", views)

save("torch_nested.pt", {"state_dict": collections.OrderedDict(
    [("w", torch.tensor([1.0, 2.0])), ("b", torch.tensor([3.0]))]), "epoch": 3, "name": "run1"})


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


torch.save({"w": torch.zeros(2), "evil": Evil()}, os.path.join(OUT, "torch_malicious.pt"))
torch.save({"w": torch.zeros(2)}, os.path.join(OUT, "torch_legacy.pt"),
           _use_new_zipfile_serialization=False)

with open(os.path.join(OUT, "torch_expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
