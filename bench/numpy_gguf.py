#!/usr/bin/env python3
"""NumPy baseline for bench_gguf: dequantize 2^24 Q8_0 and Q4_0 weights the vectorized
NumPy way (a structured view of the blocks, fp16 scales widened, codes unpacked with
shifts, one broadcast multiply), on the same kind of random blocks. Best of 3 runs; GB/s
of float32 output (N·4 bytes)."""
import time

import numpy as np

N = 1 << 24


def blocks(block_bytes):
    rng = np.random.default_rng(42)
    return (rng.integers(0, 256, size=N // 32 * block_bytes, dtype=np.uint8) & 0x3F).astype(np.uint8)


def q8_0(raw):
    b = raw.reshape(-1, 34)
    d = b[:, :2].copy().view("<f2").astype(np.float32)
    q = b[:, 2:].view(np.int8).astype(np.float32)
    return (d * q).reshape(-1)


def q4_0(raw):
    b = raw.reshape(-1, 18)
    d = b[:, :2].copy().view("<f2").astype(np.float32)
    qs = b[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - np.int8(8)
    return (d * q.astype(np.float32)).reshape(-1)


def main():
    print(f"{'case':<12} {'N':>10} {'ms':>10} {'GB/s':>8}")
    for name, f, bb in (("Q8_0", q8_0, 34), ("Q4_0", q4_0, 18)):
        raw = blocks(bb)
        best = 1e9
        for _ in range(3):
            t0 = time.perf_counter()
            f(raw)
            best = min(best, time.perf_counter() - t0)
        print(f"{name:<12} {N:>10} {best * 1e3:>10.1f} {N * 4 / best / 1e9:>8.2f}")


if __name__ == "__main__":
    main()
