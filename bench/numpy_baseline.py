#!/usr/bin/env python3
"""The NumPy baseline for bench_quantize: the same computations on the same kind of data
(float32 N(0, 0.02), N = 2^20 and 2^24), written the way a NumPy user would, vectorized.
Prints one line per case: name, N, best-of-5 time in ms and GB/s of input (N*4 bytes).

  absmax_int8_full  s = max|x|/127, q = rint(x/s) clipped, x̂ = q*s, error sums (SQNR,
                    MSE, max error), codes used (np.unique of q), 256-bin histogram of x
  minmax_uint8      s = (max-min)/255, z = rint(-min/s), q = clip(rint(x/s)+z), x̂ = (q-z)*s,
                    error sums
  block_absmax_int8 blocks of 32 along rows: per-block max|x|/127, then as above
  cast_bf16         round to nearest even on the bit pattern, error sums
  cast_fp8_e4m3     nearest of the 256 E4M3FN values via np.searchsorted on the sorted
                    table (ties to even by a second comparison), error sums
  percentile_99_9   np.percentile(|x|, 99.9) (linear interpolation, NumPy's default)
"""
import sys
import time

import numpy as np


def errors(x, xh):
    e = x.astype(np.float64) - xh.astype(np.float64)
    sx = np.dot(x.astype(np.float64), x.astype(np.float64))
    se = np.dot(e, e)
    return 10 * np.log10(sx / se) if se > 0 else np.inf, se / x.size, np.abs(e).max()


def absmax_int8_full(x):
    s = np.float32(np.abs(x).max() / np.float32(127))
    q = np.clip(np.rint(x / s), -127, 127)
    xh = (q * s).astype(np.float32)
    m = errors(x, xh)
    used = np.unique(q.astype(np.int8)).size
    h = np.histogram(x, bins=256, range=(-0.1, 0.1))[0]
    return m, used, h


def minmax_uint8(x):
    lo, hi = min(x.min(), 0), max(x.max(), 0)
    s = np.float32((hi - lo) / np.float32(255))
    z = np.float32(np.clip(np.rint(-lo / s), 0, 255))
    q = np.clip(np.rint(x / s) + z, 0, 255)
    xh = ((q - z) * s).astype(np.float32)
    return errors(x, xh)


def block_absmax_int8(x):
    b = x.reshape(-1, 32)
    s = (np.abs(b).max(axis=1, keepdims=True) / np.float32(127)).astype(np.float32)
    s[s == 0] = 1
    q = np.clip(np.rint(b / s), -127, 127)
    xh = (q * s).astype(np.float32).reshape(-1)
    return errors(x, xh)


def cast_bf16(x):
    u = x.view(np.uint32)
    r = ((u + np.uint32(0x7FFF) + ((u >> 16) & 1)) >> 16).astype(np.uint32) << 16
    xh = r.view(np.float32)
    return errors(x, xh)


def e4m3_table():
    vals = []
    for code in range(128):
        e, m = code >> 3, code & 7
        if code == 0x7F:
            continue  # NaN
        vals.append(2.0 ** -6 * m / 8 if e == 0 else 2.0 ** (e - 7) * (1 + m / 8))
    pos = np.array(vals, dtype=np.float32)
    return pos


E4M3 = e4m3_table()


def cast_fp8_e4m3(x):
    a = np.minimum(np.abs(x), np.float32(448))
    i = np.clip(np.searchsorted(E4M3, a), 1, E4M3.size - 1)
    lo, hi = E4M3[i - 1], E4M3[i]
    pick_hi = (hi - a < a - lo) | ((hi - a == a - lo) & ((i & 1) == 0))
    xh = np.copysign(np.where(pick_hi, hi, lo), x).astype(np.float32)
    return errors(x, xh)


def percentile_99_9(x):
    return np.percentile(np.abs(x), 99.9)


CASES = [absmax_int8_full, minmax_uint8, block_absmax_int8, cast_bf16, cast_fp8_e4m3, percentile_99_9]


def main():
    rng = np.random.default_rng(42)
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    print(f"{'case':<20} {'N':>10} {'ms':>10} {'GB/s':>8}")
    for n in (1 << 20, 1 << 24):
        x = rng.normal(0.0, 0.02, n).astype(np.float32)
        for f in CASES:
            best = float("inf")
            for _ in range(5 if n <= 1 << 20 else 3):
                t0 = time.perf_counter()
                f(x)
                best = min(best, time.perf_counter() - t0)
            print(f"{f.__name__:<20} {n:>10} {best * 1e3:>10.2f} {n * 4 / best / 1e9:>8.2f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
