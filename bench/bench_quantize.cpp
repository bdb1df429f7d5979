// Benchmarks of the fused quantizer (analysis/quantize) over N = 2^20 and 2^24 float32
// values from N(0, 0.02), at 1 and 2 threads. bytes_per_second counts the N·4 input
// bytes per call; BM_Memcpy copies the same bytes in the same run (the floor).
//
//   BM_AbsmaxInt8Full   the full analysis: range pass, fused quantize/dequantize pass
//                       with float64 error sums (SQNR, MSE, max error, codes used) — what
//                       `quantscope-cli quantize` computes (it asks for no histogram) —
//                       plus a 256-bin histogram of x, as the GUI's first request on a
//                       tensor adds (its x̂ histogram comes from the code counts)
//   BM_AbsmaxInt8       the same without the histogram (exactly the CLI's call)
//   BM_MinmaxUint8      asymmetric 8-bit with an integer zero point
//   BM_BlockAbsmaxInt8  absmax 8-bit with one scale per block of 32
//   BM_CastBf16, BM_CastFp8E4M3   float casts (no scale)
//   BM_PercentileClip   absmax 4-bit with clip=percentile,p=99.9 (exact radix percentile
//                       of |x|, then the fused pass)
//   BM_PercentileOnly   the clip range alone: calibrate() for p = 99.9
//   BM_TwoPassFloor     the floor of a two-pass kernel (range pass, then the fused pass)
//                       over the same 64 MB: a read pass plus a read/write pass, split
//                       over 1 or 2 threads; the read/write pass is the faster of memcpy
//                       and a scale loop (y = x·c), chosen per thread before timing
// numpy_baseline.py times the same computations in NumPy; scripts/run-bench.sh runs both.
#include <benchmark/benchmark.h>

#include "bench/bench_data.h"

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "analysis/quant/calibrate.h"
#include "analysis/quant/quantize.h"
#include "analysis/quant/scheme.h"

namespace {

using qs::bench::weights;

using qs::bench::set_bytes;

// The floor: a copy of the same bytes, in the same run.
void BM_Memcpy(benchmark::State& state) { qs::bench::memcpy_floor(state); }

// One quantize call with metrics (always computed) and, when `hist`, a 256-bin
// histogram of x over [-0.1, 0.1] (±5σ).
void run_quantize(benchmark::State& state, const char* spec, bool hist) {
  const std::vector<float>& x = weights(size_t(state.range(0)));
  const qs::Scheme s = *qs::parse_spec(spec);
  const std::vector<int64_t> shape = {int64_t(x.size()) / 4096, 4096};
  qs::QuantizeOptions o;
  o.threads = int(state.range(1));
  if (hist) o.hist_x = qs::HistogramSpec{-0.1, 0.1, 256};
  for (auto _ : state) {
    qs::QuantizeResult r = qs::quantize(x, shape, s, o);
    benchmark::DoNotOptimize(r.metrics.sqnr_db);
  }
  set_bytes(state, x.size());
}

void BM_AbsmaxInt8Full(benchmark::State& s) { run_quantize(s, "absmax:bits=8", true); }
void BM_AbsmaxInt8(benchmark::State& s) { run_quantize(s, "absmax:bits=8", false); }
void BM_MinmaxUint8(benchmark::State& s) { run_quantize(s, "minmax:bits=8", false); }
void BM_BlockAbsmaxInt8(benchmark::State& s) { run_quantize(s, "absmax:bits=8,gran=block,block=32", false); }
void BM_CastBf16(benchmark::State& s) { run_quantize(s, "bf16", false); }
void BM_CastFp8E4M3(benchmark::State& s) { run_quantize(s, "fp8_e4m3", false); }
// NF4 (blocks of 64, absmax per block): the lane-wise threshold kernel in the one-pass block path.
void BM_Nf4(benchmark::State& s) { run_quantize(s, "nf4", false); }
void BM_PercentileClip(benchmark::State& s) { run_quantize(s, "absmax:bits=4,clip=percentile,p=99.9", false); }

void BM_PercentileOnly(benchmark::State& state) {
  const std::vector<float>& x = weights(size_t(state.range(0)));
  const qs::Scheme s = *qs::parse_spec("absmax:bits=4,clip=percentile,p=99.9");
  for (auto _ : state) benchmark::DoNotOptimize(qs::calibrate(x, s));
  set_bytes(state, x.size());
}

// One thread's share of the floor: a read pass (an XOR of the bit patterns, which the
// compiler vectorizes and cannot skip) and a read/write pass, copy or scale.
uint32_t read_pass(const float* x, size_t n) {
  uint32_t acc = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, x + i, 4);
    acc ^= u;
  }
  return acc;
}
void rw_pass(const float* x, float* y, size_t n, bool copy) {
  if (copy) {
    std::memcpy(y, x, n * sizeof(float));
  } else {
    for (size_t i = 0; i < n; ++i) y[i] = x[i] * 0.5f;
  }
}

void BM_TwoPassFloor(benchmark::State& state) {
  const std::vector<float>& x = weights(size_t(state.range(0)));
  static std::vector<float> y(x.size(), 1.0f);  // shared output, paged in once
  const size_t per = (x.size() + size_t(state.threads()) - 1) / size_t(state.threads());
  const size_t b = std::min(x.size(), per * size_t(state.thread_index()));
  const size_t e = std::min(x.size(), b + per);
  // Pick the faster read/write pass (best of 3 each) for this thread's slice.
  auto time_it = [&](bool copy) {
    double best = 1e30;
    for (int r = 0; r < 3; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      rw_pass(x.data() + b, y.data() + b, e - b, copy);
      benchmark::ClobberMemory();
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
  };
  const bool copy = time_it(true) <= time_it(false);
  // The threads meet before every iteration, so one iteration is one two-pass sweep of
  // the whole buffer by all of them (free-running threads drift apart and time less).
  static std::barrier<> meet1(1), meet2(2);
  std::barrier<>& meet = state.threads() == 1 ? meet1 : meet2;
  for (auto _ : state) {
    meet.arrive_and_wait();
    benchmark::DoNotOptimize(read_pass(x.data() + b, e - b));
    rw_pass(x.data() + b, y.data() + b, e - b, copy);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(copy ? "memcpy" : "scale");
  set_bytes(state, e - b);
}

void sizes(benchmark::internal::Benchmark* b) { b->Arg(1 << 20)->Arg(1 << 24)->Unit(benchmark::kMillisecond); }
void sizes_threads(benchmark::internal::Benchmark* b) {
  for (int64_t n : {int64_t(1) << 20, int64_t(1) << 24})
    for (int64_t t : {1, 2}) b->Args({n, t});
  b->ArgNames({"n", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(BM_Memcpy)->Apply(sizes);
// Threads 1 and 2 only: the barriers above are sized for them.
BENCHMARK(BM_TwoPassFloor)->Arg(1 << 24)->Threads(1)->Threads(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AbsmaxInt8Full)->Apply(sizes_threads);
BENCHMARK(BM_AbsmaxInt8)->Apply(sizes_threads);
BENCHMARK(BM_MinmaxUint8)->Apply(sizes_threads);
BENCHMARK(BM_BlockAbsmaxInt8)->Apply(sizes_threads);
BENCHMARK(BM_CastBf16)->Apply(sizes_threads);
BENCHMARK(BM_CastFp8E4M3)->Apply(sizes_threads);
BENCHMARK(BM_Nf4)->Apply(sizes_threads);
BENCHMARK(BM_PercentileClip)->Apply(sizes_threads);
BENCHMARK(BM_PercentileOnly)->Apply(sizes);

BENCHMARK_MAIN();
