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
// numpy_baseline.py times the same computations in NumPy; scripts/run-bench.sh runs both.
#include <benchmark/benchmark.h>

#include "bench/bench_data.h"

#include <cstring>
#include <random>
#include <vector>

#include "analysis/calibrate.h"
#include "analysis/quantize.h"
#include "analysis/scheme.h"

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
void BM_PercentileClip(benchmark::State& s) { run_quantize(s, "absmax:bits=4,clip=percentile,p=99.9", false); }

void BM_PercentileOnly(benchmark::State& state) {
  const std::vector<float>& x = weights(size_t(state.range(0)));
  const qs::Scheme s = *qs::parse_spec("absmax:bits=4,clip=percentile,p=99.9");
  for (auto _ : state) benchmark::DoNotOptimize(qs::calibrate(x, s));
  set_bytes(state, x.size());
}

void sizes(benchmark::internal::Benchmark* b) { b->Arg(1 << 20)->Arg(1 << 24)->Unit(benchmark::kMillisecond); }
void sizes_threads(benchmark::internal::Benchmark* b) {
  for (int64_t n : {int64_t(1) << 20, int64_t(1) << 24})
    for (int64_t t : {1, 2}) b->Args({n, t});
  b->ArgNames({"n", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(BM_Memcpy)->Apply(sizes);
BENCHMARK(BM_AbsmaxInt8Full)->Apply(sizes_threads);
BENCHMARK(BM_AbsmaxInt8)->Apply(sizes_threads);
BENCHMARK(BM_MinmaxUint8)->Apply(sizes_threads);
BENCHMARK(BM_BlockAbsmaxInt8)->Apply(sizes_threads);
BENCHMARK(BM_CastBf16)->Apply(sizes_threads);
BENCHMARK(BM_CastFp8E4M3)->Apply(sizes_threads);
BENCHMARK(BM_PercentileClip)->Apply(sizes_threads);
BENCHMARK(BM_PercentileOnly)->Apply(sizes);

BENCHMARK_MAIN();
