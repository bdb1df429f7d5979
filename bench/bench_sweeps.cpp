// The Sweeps view's computations on the demo's size of tensor: 4096×4096 float32
// N(0, 0.02), the sweeps' default threads (all cores; points side by side, one thread
// each). Targets on 2 cores (threads issue): format map (19 points) ≤ 1 s, clip sweep
// (48 points + 6 calibrations) ≤ 0.5 s, bits and block sweeps ≤ 0.3 s.
// The *Sorted cases are what the app runs: the selected tensor's sorted-values cache is
// built once when it is selected (bench_sorted's BM_SortedBuild), so per-tensor points
// cost O(levels · log N).
#include <benchmark/benchmark.h>

#include "bench/bench_data.h"

#include <random>
#include <vector>

#include "analysis/quant/scheme.h"
#include "analysis/explore/sweep_points.h"

namespace {

const std::vector<float>& weights() { return qs::bench::weights(size_t(1) << 24); }

const std::vector<int64_t> kShape = {4096, 4096};

const qs::SortedValues* sorted(benchmark::State& state) {
  static const qs::SortedValues s = qs::build_sorted_values(weights());
  return state.range(0) ? &s : nullptr;
}

// Arg 0: without the sorted cache (every point a pass over x); 1: with it.
void BM_FormatMap(benchmark::State& state) {
  const qs::SortedValues* sv = sorted(state);
  for (auto _ : state) benchmark::DoNotOptimize(qs::format_map(weights(), kShape, nullptr, 0, sv).points.size());
}
void BM_SweepBits(benchmark::State& state) {
  const qs::Scheme s = *qs::parse_spec("absmax:bits=8");
  const qs::SortedValues* sv = sorted(state);
  for (auto _ : state) benchmark::DoNotOptimize(qs::sweep_bits(weights(), kShape, s, nullptr, 0, sv).points.size());
}
void BM_SweepClip(benchmark::State& state) {
  const qs::Scheme s = *qs::parse_spec("absmax:bits=4");
  const qs::SortedValues* sv = sorted(state);
  for (auto _ : state) benchmark::DoNotOptimize(qs::sweep_clip(weights(), kShape, s, 48, nullptr, 0, sv).points.size());
}
void BM_SweepBlock(benchmark::State& state) {
  const qs::Scheme s = *qs::parse_spec("absmax:bits=4");
  const qs::SortedValues* sv = sorted(state);
  for (auto _ : state) benchmark::DoNotOptimize(qs::sweep_block(weights(), kShape, s, nullptr, 0, sv).points.size());
}

}  // namespace

BENCHMARK(BM_FormatMap)->ArgName("sorted")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_SweepBits)->ArgName("sorted")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_SweepClip)->ArgName("sorted")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);
BENCHMARK(BM_SweepBlock)->ArgName("sorted")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

BENCHMARK_MAIN();
