#!/usr/bin/env python3
"""NumPy baseline for bench_big_model's BM_ScanStats: the same per-tensor statistics
(min, max, mean, population std over float64) over every tensor of a sharded
safetensors model, the way a NumPy user would do it without torch: np.memmap each shard,
view each tensor (BF16 widened to float32 by shifting the bit pattern), reduce.
Prints the wall time, GB/s over the model's bytes and the peak RSS (ru_maxrss).

  python3 bench/numpy_big_model.py MODEL_DIR
"""
import json
import os
import resource
import sys
import time

import numpy as np


def tensors(model_dir):
    index = [f for f in os.listdir(model_dir) if f.endswith(".safetensors.index.json")][0]
    shards = sorted(set(json.load(open(os.path.join(model_dir, index)))["weight_map"].values()))
    for shard in shards:
        path = os.path.join(model_dir, shard)
        with open(path, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(n))
        data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
        for name, info in header.items():
            if name == "__metadata__":
                continue
            a, b = info["data_offsets"]
            yield info["dtype"], info["shape"], data[a:b]


def as_f32(dtype, raw):
    if dtype == "F32":
        return raw.view("<f4")
    if dtype == "BF16":
        return (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
    if dtype == "F16":
        return raw.view("<f2").astype(np.float32)
    raise ValueError(dtype)


def main():
    model_dir = sys.argv[1]
    t0 = time.perf_counter()
    total = 0
    for dtype, shape, raw in tensors(model_dir):
        x = as_f32(dtype, raw)
        x64 = x.astype(np.float64)
        _ = (x64.min(), x64.max(), x64.mean(), x64.std())
        total += raw.nbytes
        del x, x64
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"numpy scan_stats     {total / 1e9:.2f} GB  {dt * 1e3:10.0f} ms  {total / dt / 1e9:6.2f} GB/s  peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
