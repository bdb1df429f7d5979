// quantize() through each transform, end to end (analysis/quant/quantize_transformed):
// forward transform, the base quantizer on x′ with x̂′ kept, the inverse, and the metrics
// against x — what `quantscope-cli quantize --scheme …,rot=hadamard` and an Outliers-view
// row cost. Base: int4 per output channel (the Outliers view's default), 2 threads.
//
//   BM_Plain/which           the base scheme alone (the reference)
//   BM_Transformed/which/t   t: 0 rot=hadamard, 1 rot=hadamard,rot_seed=1, 2 smooth=0.5,
//                            3 keep=64, 4 lowrank=32 with the factors cached (a slider),
//                            5 lowrank=32 computing its SVD (the CLI)
// which: 0 = 4096×4096 (16.8 M), 1 = 4096×11008 (45 M, a LLaMA-7B MLP matrix).
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>

#include "analysis/quant/quantize.h"
#include "analysis/transforms/low_rank.h"
#include "bench/bench_data.h"

namespace {

std::vector<int64_t> shape_of(int64_t which) {
  return which == 0 ? std::vector<int64_t>{4096, 4096} : std::vector<int64_t>{4096, 11008};
}

const std::vector<float>& data(int64_t which) {
  if (which == 0) return qs::bench::weights(size_t(1) << 24);
  static const std::vector<float> mlp = qs::bench::make_weights(size_t(4096) * 11008);
  return mlp;
}

qs::Scheme scheme(const char* spec) { return *qs::parse_spec(spec); }

constexpr const char* kSpecs[] = {
    "absmax:bits=4,gran=channel,rot=hadamard", "absmax:bits=4,gran=channel,rot=hadamard,rot_seed=1",
    "absmax:bits=4,gran=channel,smooth=0.5",   "absmax:bits=4,gran=channel,keep=64",
    "absmax:bits=4,gran=channel,lowrank=32",   "absmax:bits=4,gran=channel,lowrank=32"};

void BM_Plain(benchmark::State& state) {
  const std::vector<float>& x = data(state.range(0));
  const std::vector<int64_t> shape = shape_of(state.range(0));
  const qs::Scheme s = scheme("absmax:bits=4,gran=channel");
  for (auto _ : state) benchmark::DoNotOptimize(qs::quantize(x, shape, s).metrics.mse);
  qs::bench::set_bytes(state, x.size());
}

void BM_Transformed(benchmark::State& state) {
  const std::vector<float>& x = data(state.range(0));
  const std::vector<int64_t> shape = shape_of(state.range(0));
  const int t = int(state.range(1));
  const qs::Scheme s = scheme(kSpecs[t]);
  qs::TransformInputs in;
  in.act_max.assign(size_t(shape[1]), 1.0f);
  for (size_t j = 0; j < in.act_max.size(); j += 97) in.act_max[j] = 40.0f;  // outlier channels
  if (t == 4) qs::prepare_transform_inputs(x, shape, s, in);  // the GUI's per-tensor cache
  qs::QuantizeOptions o;
  o.transform = &in;
  for (auto _ : state) benchmark::DoNotOptimize(qs::quantize(x, shape, s, o).metrics.mse);
  qs::bench::set_bytes(state, x.size());
}

}  // namespace

BENCHMARK(BM_Plain)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Transformed)
    ->ArgsProduct({{0, 1}, {0, 1, 2, 3, 4, 5}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_MAIN();
