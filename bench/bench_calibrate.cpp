// Benchmarks for analysis/calibrate over N = 2^20 and 2^24 float32 values drawn from
// N(0, 0.02) (a typical weight distribution). bytes_per_second counts the input bytes
// (N·4) read per call.
//
//   BM_Memcpy            copy of the same bytes: the floor a one-pass kernel can reach
//   BM_Percentile        percentile(x, 99.9): two radix-histogram passes, no copy
//   BM_PercentileRef     percentile_ref(x, 99.9): sort a copy (the oracle)
//   BM_PercentileAbs     calibrate() with absmax:clip=percentile,p=99.9 (P of |x|)
//   BM_MseThreshold      mse_optimal_threshold, absmax 8 bits (160 candidates, each an
//                        exact MSE over min(N, 2^18) elements)
//   BM_KlThreshold       kl_threshold(x, 8): one amax pass, one 2048-bin histogram pass,
//                        1921 candidates of O(128) each
//   BM_Percentile{Constant,OneBin}  worst cases for a histogram: all values equal / all
//                        within one radix bin (2^20 only)
#include <benchmark/benchmark.h>

#include "bench/bench_data.h"

#include <cstring>
#include <random>
#include <vector>

#include "analysis/quant/calibrate.h"
#include "analysis/quant/scheme.h"

namespace {

using qs::bench::make_weights;
using qs::bench::weights;

using qs::bench::set_bytes;

// The floor: a copy of the same bytes, in the same run.
void BM_Memcpy(benchmark::State& state) { qs::bench::memcpy_floor(state); }

void BM_Percentile(benchmark::State& state) {
  const std::vector<float>& x = weights(size_t(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(qs::percentile(x, 99.9));
  set_bytes(state, x.size());
}

void BM_PercentileRef(benchmark::State& state) {
  const std::vector<float>& x = weights(size_t(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(qs::percentile_ref(x, 99.9));
  set_bytes(state, x.size());
}

void BM_PercentileAbs(benchmark::State& state) {
  const std::vector<float>& x = weights(size_t(state.range(0)));
  qs::Scheme s;
  s.clip.method = qs::ClipMethod::Percentile;
  s.clip.p = 99.9;
  for (auto _ : state) benchmark::DoNotOptimize(qs::calibrate(x, s));
  set_bytes(state, x.size());
}

void BM_MseThreshold(benchmark::State& state) {
  const std::vector<float>& x = weights(size_t(state.range(0)));
  qs::Scheme s;
  s.clip.method = qs::ClipMethod::Mse;
  for (auto _ : state) benchmark::DoNotOptimize(qs::mse_optimal_threshold(x, s));
  set_bytes(state, x.size());
}

void BM_KlThreshold(benchmark::State& state) {
  const std::vector<float>& x = weights(size_t(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(qs::kl_threshold(x, 8));
  set_bytes(state, x.size());
}

void BM_PercentileConstant(benchmark::State& state) {
  const std::vector<float> x(size_t(state.range(0)), 0.5f);
  for (auto _ : state) benchmark::DoNotOptimize(qs::percentile(x, 99.9));
  set_bytes(state, x.size());
}

void BM_PercentileOneBin(benchmark::State& state) {
  std::vector<float> x = make_weights(size_t(state.range(0)));
  for (float& v : x) v = 1.0f + v * 1e-4f;  // all in [1, 1 + 2^-7): one radix bin
  for (auto _ : state) benchmark::DoNotOptimize(qs::percentile(x, 99.9));
  set_bytes(state, x.size());
}

}  // namespace

BENCHMARK(BM_Memcpy)->Arg(1 << 20)->Arg(1 << 24)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Percentile)->Arg(1 << 20)->Arg(1 << 24)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PercentileRef)->Arg(1 << 20)->Arg(1 << 24)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PercentileAbs)->Arg(1 << 20)->Arg(1 << 24)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MseThreshold)->Arg(1 << 20)->Arg(1 << 24)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KlThreshold)->Arg(1 << 20)->Arg(1 << 24)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PercentileConstant)->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PercentileOneBin)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
