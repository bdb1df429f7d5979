// The per-tensor sorted-values cache (issue 15 §1): its one-time build, and an edit
// answered from it (what a clip-handle drag costs), against a full quantize() of the same
// scheme in the same run.
//
//   BM_SortedBuild/n/threads   radix sort of the finite values + double-double prefix sums
//   BM_SortedEdit/n            quantize_sorted(): absmax int8 with clip=range and the x̂
//                              histogram (256 bins): the Distribution view's drag
//   BM_SortedEditErr/n         the same plus the Error view's 121-bin x − x̂ histogram
//   BM_SortedEdit16/n          the same at 16 bits (65535 levels: the worst case)
//   BM_SortedEditFp8/n         an fp8_e4m3 cast with scale=absmax
//   BM_FullEdit/n              quantize() of the first case over all N elements (2 threads)
//   BM_ExploreBlockEdit/n      the GUI's per-block edit: explore() of absmax bits 4↔5 in
//                              blocks of 32 with the x̂ histogram (2 threads)
// n = 2^24 (the demo's 4096×4096) and 2^27 (a [32768, 4096] embedding).
#include <cmath>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "analysis/explore/explore.h"
#include "analysis/quant/quantize_sorted.h"
#include "analysis/quant/sorted_values.h"
#include "analysis/quant/quantize.h"
#include "bench/bench_data.h"

namespace {

const std::vector<float>& data(int64_t n) {
  if (n == (int64_t(1) << 24)) return qs::bench::weights(size_t(n));
  static const std::vector<float> big = qs::bench::make_weights(size_t(1) << 27);
  return big;
}

const qs::SortedValues& sorted(int64_t n) {
  if (n == (int64_t(1) << 24)) {
    static const qs::SortedValues s24 = qs::build_sorted_values(data(n));
    return s24;
  }
  static const qs::SortedValues s27 = qs::build_sorted_values(data(n));
  return s27;
}

qs::QuantizeOptions edit_options(bool error_hist = true) {
  qs::QuantizeOptions o;
  o.hist_dequant = qs::HistogramSpec{-0.1, 0.1, 256};
  if (error_hist) o.hist_error_from_params = [](const std::vector<qs::GroupParams>& g) -> std::optional<qs::HistogramSpec> {
    const double half = 0.75 * double(g[0].scale);
    return qs::HistogramSpec{-half, half, 121};
  };
  return o;
}

void BM_SortedBuild(benchmark::State& state) {
  const std::vector<float>& x = data(state.range(0));
  for (auto _ : state) {
    qs::SortedValues s = qs::build_sorted_values(x, int(state.range(1)));
    benchmark::DoNotOptimize(s.v.data());
  }
  qs::bench::set_bytes(state, x.size());
}

void run_edit(benchmark::State& state, const char* base, bool error_hist = false) {
  const int64_t n = state.range(0);
  const qs::SortedValues& sv = sorted(n);
  const std::vector<int64_t> shape = {n / 4096, 4096};
  const qs::QuantizeOptions o = edit_options(error_hist);
  int frame = 0;
  for (auto _ : state) {
    // A drag: the clip edge moves every call, so nothing can be reused from the last one.
    const double hi = 0.04 + 0.03 * std::sin(0.1 * frame++);
    char buf[128];
    std::snprintf(buf, sizeof buf, base, -hi, hi);
    const qs::Scheme s = *qs::parse_spec(buf);
    qs::QuantizeResult r = qs::quantize_sorted(sv, shape, s, o);
    benchmark::DoNotOptimize(r.metrics.sqnr_db);
  }
}

void BM_SortedEdit(benchmark::State& s) { run_edit(s, "absmax:bits=8,clip=range,lo=%.9g,hi=%.9g"); }
void BM_SortedEditErr(benchmark::State& s) { run_edit(s, "absmax:bits=8,clip=range,lo=%.9g,hi=%.9g", true); }
void BM_SortedEdit16(benchmark::State& s) { run_edit(s, "absmax:bits=16,clip=range,lo=%.9g,hi=%.9g"); }
void BM_SortedEditFp8(benchmark::State& s) { run_edit(s, "fp8_e4m3:scale=absmax,clip=range,lo=%.9g,hi=%.9g"); }

void BM_FullEdit(benchmark::State& state) {
  const int64_t n = state.range(0);
  const std::vector<float>& x = data(n);
  const std::vector<int64_t> shape = {n / 4096, 4096};
  qs::QuantizeOptions o = edit_options();
  o.threads = 2;
  const qs::Scheme s = *qs::parse_spec("absmax:bits=8,clip=range,lo=-0.05,hi=0.05");
  for (auto _ : state) {
    qs::QuantizeResult r = qs::quantize(x, shape, s, o);
    benchmark::DoNotOptimize(r.metrics.sqnr_db);
  }
  qs::bench::set_bytes(state, x.size());
}

// The GUI's per-block edit: explore() with the x̂ histogram (x's is cached by the app).
void BM_ExploreBlockEdit(benchmark::State& state) {
  const int64_t n = state.range(0);
  const std::vector<float>& x = data(n);
  const std::vector<int64_t> shape = {n / 4096, 4096};
  qs::ExploreRequest r;
  r.view_lo = -0.1;
  r.view_hi = 0.1;
  r.hist_x = false;
  r.threads = 2;
  int k = 0;
  for (auto _ : state) {
    r.scheme = *qs::parse_spec(k++ % 2 ? "absmax:bits=4,gran=block,block=32" : "absmax:bits=5,gran=block,block=32");
    qs::ExploreResult e = qs::explore(x, shape, r);
    benchmark::DoNotOptimize(e.q.metrics.sqnr_db);
  }
  qs::bench::set_bytes(state, x.size());
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Arg(int64_t(1) << 24)->Arg(int64_t(1) << 27)->ArgName("n")->Unit(benchmark::kMillisecond)->UseRealTime();
}
void sizes_threads(benchmark::internal::Benchmark* b) {
  for (int64_t n : {int64_t(1) << 24, int64_t(1) << 27})
    for (int64_t t : {1, 2}) b->Args({n, t});
  b->ArgNames({"n", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(BM_SortedBuild)->Apply(sizes_threads);
BENCHMARK(BM_SortedEdit)->Apply(sizes);
BENCHMARK(BM_SortedEditErr)->Apply(sizes);
BENCHMARK(BM_SortedEdit16)->Apply(sizes);
BENCHMARK(BM_SortedEditFp8)->Apply(sizes);
BENCHMARK(BM_FullEdit)->Apply(sizes);
BENCHMARK(BM_ExploreBlockEdit)->Apply(sizes);

BENCHMARK_MAIN();
