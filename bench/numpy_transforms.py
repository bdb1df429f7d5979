#!/usr/bin/env python3
"""NumPy baseline for bench_transforms / bench_quantize_transformed: the same transforms on
the same sizes (4096x4096 = 16.8 M and 4096x11008 = 45 M float32 N(0, 0.02)), done the
vectorized NumPy way:
  hadamard   rot=hadamard: per row, blocks of b (the largest power of two dividing cols),
             a float64 fast Walsh-Hadamard transform by reshaped butterflies, / sqrt(b)
  smooth     x * s_j (s from column maxima and activation maxima, alpha = 0.5)
  keep64     the 64 columns with the largest max|x| zeroed (argsort of the column maxima)
  lowrank32  a randomized SVD of rank 32 in float64 (Gaussian sketch of 42 columns, two
             power iterations with np.linalg.qr, np.linalg.svd of the small matrix), the
             textbook form; NumPy's GEMMs are OpenBLAS's (multithreaded)
Best of 3 (lowrank: best of 2); GB/s of float32 input (N*4 bytes)."""
import time

import numpy as np


def hadamard(x):
    rows, cols = x.shape
    b = cols & -cols
    v = x.astype(np.float64).reshape(rows, cols // b, b)
    h = 1
    while h < b:
        v = v.reshape(rows, cols // b, b // (2 * h), 2, h)
        a, c = v[:, :, :, 0, :], v[:, :, :, 1, :]
        v = np.stack((a + c, a - c), axis=3)
        h *= 2
    return (v.reshape(rows, cols) / np.sqrt(b)).astype(np.float32)


def smooth(x, act):
    w = np.maximum(np.abs(x).max(axis=0), np.float32(1e-5))
    s = np.maximum(np.sqrt(act) / np.sqrt(w), np.float32(1e-5)).astype(np.float32)
    return x * s


def keep64(x):
    cmax = np.abs(x).max(axis=0)
    kept = np.sort(np.argsort(-cmax, kind="stable")[:64])
    y = x.copy()
    y[:, kept] = 0
    return y


def lowrank32(x):
    rng = np.random.default_rng(0)
    xd = x.astype(np.float64)
    omega = rng.standard_normal((x.shape[1], 42))
    q, _ = np.linalg.qr(xd @ omega)
    for _ in range(2):
        q, _ = np.linalg.qr(xd.T @ q)
        q, _ = np.linalg.qr(xd @ q)
    u, s, vt = np.linalg.svd(q.T @ xd, full_matrices=False)
    lr = (q @ u[:, :32]) * s[:32] @ vt[:32]
    return (xd - lr).astype(np.float32)


def main():
    rng = np.random.default_rng(42)
    print(f"{'case':<12} {'shape':>12} {'ms':>10} {'GB/s':>8}")
    for rows, cols in ((4096, 4096), (4096, 11008)):
        x = rng.normal(0, 0.02, size=(rows, cols)).astype(np.float32)
        act = np.ones(cols, dtype=np.float32)
        act[::97] = 40
        cases = (("hadamard", lambda: hadamard(x), 3), ("smooth", lambda: smooth(x, act), 3),
                 ("keep64", lambda: keep64(x), 3), ("lowrank32", lambda: lowrank32(x), 2))
        for name, f, reps in cases:
            best = 1e9
            for _ in range(reps):
                t0 = time.perf_counter()
                f()
                best = min(best, time.perf_counter() - t0)
            print(f"{name:<12} {f'{rows}x{cols}':>12} {best * 1e3:>10.1f} {x.size * 4 / best / 1e9:>8.3f}")


if __name__ == "__main__":
    main()
