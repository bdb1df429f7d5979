#!/usr/bin/env python3
"""The NumPy baseline for bench_quantize: the same computations on the same kind of data
(float32 N(0, 0.02), N = 2^20 and 2^24), written the way a NumPy user would, vectorized.
Prints one line per case: name, N, the best of 5 (2^20) or 3 (2^24) runs in ms and GB/s
of input (N*4 bytes).

  absmax_int8_full  s = max|x|/127, inv = 1/s (float32), q = rint(x*inv) clipped, x̂ = q*s, error sums (SQNR,
                    MSE, max error), codes used (np.bincount of q: cheaper than
                    np.unique, which sorts), 256-bin histogram of x
  minmax_uint8      s = (max-min)/255, z = rint(-min*inv), q = clip(rint(x*inv)+z), x̂ = (q-z)*s,
                    error sums
  block_absmax_int8 blocks of 32 along rows: per-block max|x|/127, then as above
  cast_bf16         round to nearest even on the bit pattern, error sums
  cast_fp8_e4m3     nearest of the 256 E4M3FN values via np.searchsorted on the sorted
                    table (ties to even by a second comparison), error sums
  percentile_99_9   np.percentile(|x|, 99.9) (linear interpolation, NumPy's default)
  absmax_int4_p99_9 the full quantization with that clip: T = P99.9(|x|), s = T/7,
                    q = clip(rint(clip(x, -T, T)*inv), -7, 7), x̂ = q*s, error sums and the
                    clipped fraction (bench_quantize's BM_PercentileClip)
Allocator: every NumPy expression allocates fresh temporaries. glibc returns freed blocks
of >= 128 KB to the OS, so each new 4-8 MB temporary (N = 2^20) is paged in again, and a
page fault is unusually expensive on a VM: that alone made the 2^20 cases 3-8x slower.
By default this script raises glibc's mmap and trim thresholds (mallopt, to the 32 MB
maximum) so temporaries up to 32 MB are reused warm: NumPy's best case, the fair
baseline. Arrays of 2^24 float32/float64 (64/128 MB) are mmap'ed whatever the setting.
--cold-malloc keeps glibc's defaults.
The casts assume finite input (the benchmark data is): bf16 rounds the bit pattern
without a NaN rule, fp8 saturates at 448. NumPy runs these on one thread (np.dot may use
the BLAS's threads).
"""
import ctypes
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
    q = np.clip(np.rint(x * (np.float32(1) / s)), -127, 127)
    xh = (q * s).astype(np.float32)
    m = errors(x, xh)
    used = np.count_nonzero(np.bincount((q + 127).astype(np.intp), minlength=255))
    h = np.histogram(x, bins=256, range=(-0.1, 0.1))[0]
    return m, used, h


def minmax_uint8(x):
    lo, hi = min(x.min(), 0), max(x.max(), 0)
    s = np.float32((hi - lo) / np.float32(255))
    inv = np.float32(1) / s
    z = np.float32(np.clip(np.rint(-lo * inv), 0, 255))
    q = np.clip(np.rint(x * inv) + z, 0, 255)
    xh = ((q - z) * s).astype(np.float32)
    return errors(x, xh)


def block_absmax_int8(x):
    b = x.reshape(-1, 32)
    s = (np.abs(b).max(axis=1, keepdims=True) / np.float32(127)).astype(np.float32)
    s[s == 0] = 1
    q = np.clip(np.rint(b * (np.float32(1) / s)), -127, 127)
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


def absmax_int4_p99_9(x):
    t = np.float32(np.percentile(np.abs(x), 99.9))
    xc = np.clip(x, -t, t)
    s = np.float32(t / np.float32(7))
    q = np.clip(np.rint(xc * (np.float32(1) / s)), -7, 7)
    xh = (q * s).astype(np.float32)
    clipped = np.count_nonzero((x < -t) | (x > t)) / x.size
    return errors(x, xh), clipped


CASES = [absmax_int8_full, minmax_uint8, block_absmax_int8, cast_bf16, cast_fp8_e4m3,
         percentile_99_9, absmax_int4_p99_9]


def warm_malloc():
    """Keeps freed blocks up to 32 MB in the process (see the module docstring)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        return (libc.mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 and
                libc.mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1)
    except OSError:
        return False


def main():
    warm = "--cold-malloc" not in sys.argv[1:] and warm_malloc()
    rng = np.random.default_rng(42)
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, "
          f"allocator: {'warm (mallopt thresholds 32 MB)' if warm else 'glibc defaults'}")
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
