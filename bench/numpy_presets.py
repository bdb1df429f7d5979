#!/usr/bin/env python3
"""NumPy baseline for bench_presets: quantize 2^22 Gaussian weights (1024 x 4096) with
llama.cpp's Q8_0 rule (blocks of 32, fp16 d = amax/127, round half away from zero) and
torch's per-tensor symmetric qint8 (s = amax/127.5 in float32, nearbyint(x * (1/s)),
clamp to [-128, 127]), dequantize, and take the MSE: the same work as quantize() with the
preset, done the vectorized NumPy way. Best of 3; GB/s of float32 input (N*4 bytes)."""
import time

import numpy as np

ROWS, COLS = 1024, 4096


def q8_0(x):
    b = x.reshape(-1, 32)
    d = (np.abs(b).max(axis=1) / np.float32(127)).astype(np.float16).astype(np.float32)
    inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)
    s = b * inv[:, None]
    q = np.trunc(s + np.copysign(np.float32(0.5), s))  # roundf: half away from zero
    xhat = (q * d[:, None]).reshape(-1)
    return float(np.mean((x.reshape(-1).astype(np.float64) - xhat) ** 2))


def torch_qint8(x):
    s = np.float32(max(np.abs(x).max(), 0) / np.float32(127.5))
    q = np.clip(np.rint(x * (np.float32(1) / s)), -128, 127)
    xhat = q * s
    return float(np.mean((x.astype(np.float64) - xhat) ** 2))


def main():
    x = np.random.default_rng(1).normal(0, 0.02, size=(ROWS, COLS)).astype(np.float32)
    print(f"{'case':<14} {'N':>10} {'ms':>10} {'GB/s':>8}")
    for name, f in (("q8_0", q8_0), ("torch_qint8", torch_qint8)):
        best = 1e9
        for _ in range(3):
            t0 = time.perf_counter()
            f(x)
            best = min(best, time.perf_counter() - t0)
        print(f"{name:<14} {x.size:>10} {best * 1e3:>10.1f} {x.size * 4 / best / 1e9:>8.3f}")


if __name__ == "__main__":
    main()
