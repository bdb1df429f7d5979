// The Sweeps view's computations on the demo's size of tensor: 4096×4096 float32
// N(0, 0.02), the sweeps' default threads (all cores; points side by side, one thread
// each). Targets on 2 cores (threads issue): format map (19 points) ≤ 1 s, clip sweep
// (48 points + 6 calibrations) ≤ 0.5 s, bits and block sweeps ≤ 0.3 s.
#include <benchmark/benchmark.h>

#include "bench/bench_data.h"

#include <random>
#include <vector>

#include "analysis/scheme.h"
#include "analysis/sweep_points.h"

namespace {

const std::vector<float>& weights() { return qs::bench::weights(size_t(1) << 24); }

const std::vector<int64_t> kShape = {4096, 4096};

void BM_FormatMap(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(qs::format_map(weights(), kShape).points.size());
}
void BM_SweepBits(benchmark::State& state) {
  const qs::Scheme s = *qs::parse_spec("absmax:bits=8");
  for (auto _ : state) benchmark::DoNotOptimize(qs::sweep_bits(weights(), kShape, s).points.size());
}
void BM_SweepClip(benchmark::State& state) {
  const qs::Scheme s = *qs::parse_spec("absmax:bits=4");
  for (auto _ : state) benchmark::DoNotOptimize(qs::sweep_clip(weights(), kShape, s, 48).points.size());
}
void BM_SweepBlock(benchmark::State& state) {
  const qs::Scheme s = *qs::parse_spec("absmax:bits=4");
  for (auto _ : state) benchmark::DoNotOptimize(qs::sweep_block(weights(), kShape, s).points.size());
}

}  // namespace

BENCHMARK(BM_FormatMap)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_SweepBits)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_SweepClip)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);
BENCHMARK(BM_SweepBlock)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

BENCHMARK_MAIN();
