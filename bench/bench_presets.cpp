// Real-toolchain presets (analysis/presets): quantize() of 2^22 Gaussian weights
// (1024 × 4096) with a preset, against the memcpy floor of the same float32 bytes and the
// fused generic kernel of a comparable scheme. Presets run their toolchain's scalar rule
// (llama.cpp's block encoders, torch's per-element arithmetic, bitsandbytes' trees), then
// the shared metrics pass: the NumPy baseline (bench/numpy_presets.py) implements Q8_0 and
// torch's symmetric qint8 the vectorized NumPy way. Bytes/second counts the input (N·4).
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "analysis/quant/metrics.h"
#include "analysis/presets/preset.h"
#include "analysis/quant/quantize.h"
#include "analysis/quant/scheme.h"

namespace {

constexpr int64_t kRows = 1024, kCols = 4096, kN = kRows * kCols;

const std::vector<float>& weights() {
  static const std::vector<float> x = [] {
    std::vector<float> v(static_cast<size_t>(kN));
    std::mt19937 rng(1);
    std::normal_distribution<float> g(0, 0.02f);
    for (float& f : v) f = g(rng);
    return v;
  }();
  return x;
}

void BM_MemcpyFloor(benchmark::State& state) {
  const auto& src = weights();
  std::vector<float> dst(src.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), dst.size() * 4);
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * kN * 4);
}
BENCHMARK(BM_MemcpyFloor)->Unit(benchmark::kMillisecond);

void BM_Quantize(benchmark::State& state, const char* spec) {
  const auto& x = weights();
  const qs::Scheme s = *qs::parse_spec(spec);
  const int64_t shape[2] = {kRows, kCols};
  qs::QuantizeOptions o;
  o.threads = 1;
  for (auto _ : state) {
    auto r = qs::quantize(x, shape, s, o);
    benchmark::DoNotOptimize(r.metrics.mse);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * kN * 4);
}
// The generic fused kernel for reference (one thread, like the presets).
BENCHMARK_CAPTURE(BM_Quantize, generic_q8_0_like, "absmax:bits=8,gran=block,block=32,scale_dtype=f16")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Quantize, q8_0, "q8_0")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Quantize, q4_0, "q4_0")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Quantize, q4_k, "q4_k")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Quantize, q6_k, "q6_k")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Quantize, torch_qint8, "torch_qint8")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Quantize, bnb_nf4, "bnb_nf4")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Quantize, bnb_dynamic8, "bnb_dynamic8")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Quantize, mxfp4, "mxfp4")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Quantize, fp8_e4m3_tensor, "fp8_e4m3_tensor")->Unit(benchmark::kMillisecond);

// A LLaMA-7B MLP matrix, [11008, 4096] = 45 M weights, with Q4_K: quantize() (the
// preset's rule on every core, metrics streamed in element order), and the rule alone
// at 1 and 2 threads (visit_preset with a float64 error sum as the sink).
constexpr int64_t kBigRows = 11008;
const std::vector<float>& big_weights() {
  static const std::vector<float> x = [] {
    std::vector<float> v(static_cast<size_t>(kBigRows * kCols));
    std::mt19937 rng(1);
    std::normal_distribution<float> g(0, 0.02f);
    for (float& f : v) f = g(rng);
    return v;
  }();
  return x;
}

void BM_Q4K45M(benchmark::State& state) {
  const auto& x = big_weights();
  const qs::Scheme s = *qs::parse_spec("q4_k");
  const int64_t shape[2] = {kBigRows, kCols};
  for (auto _ : state) {
    auto r = qs::quantize(x, shape, s);
    benchmark::DoNotOptimize(r.metrics.mse);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(x.size()) * 4);
}
BENCHMARK(BM_Q4K45M)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

void BM_Q4K45MRule(benchmark::State& state) {
  const auto& x = big_weights();
  const int64_t shape[2] = {kBigRows, kCols};
  qs::PresetRun run;
  run.threads = int(state.range(0));
  for (auto _ : state) {
    double err2 = 0;
    qs::visit_preset(
        qs::Preset::Q4_K, x, shape,
        [&](int64_t i, float xhat, int32_t, bool) {
          const double e = double(x[size_t(i)]) - double(xhat);
          err2 += e * e;
        },
        run);
    benchmark::DoNotOptimize(err2);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(x.size()) * 4);
}
BENCHMARK(BM_Q4K45MRule)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
