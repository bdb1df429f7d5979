// Whole-model report throughput (issue #7): `report` with 3 schemes over a synthetic
// sharded model (QS_REPORT_MODEL, made by scripts/run-bench.sh with `demo --big 2`),
// against the single-tensor kernels measured in the same run on that model's largest
// tensor (already float32: the kernels alone). Target: the whole-model pass reaches
// ≥ 0.5 × the kernels' element rate, i.e. the loop over tensors (decode, copy, page
// release, merging sums) is not the bottleneck.
//
//   BM_Kernels3     quantize() of the largest tensor with each of the 3 schemes
//   BM_Report3      analyze_model + the 5 worst tensors' views + write_report
// Counters: elements_per_second (elements × schemes / s), peak_rss_MB, model_GB.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench/peak_rss.h"
#include "analysis/model/model_analysis.h"
#include "analysis/numeric/tensor_decode.h"
#include "analysis/quant/quantize.h"
#include "analysis/model/report.h"

namespace {

using qs::measure::peak_rss_mb;
using qs::measure::reset_peak_rss;

const char* kSpecs[] = {"absmax:bits=8", "absmax:bits=4,gran=block,block=32", "nf4"};


const qs::Model* model(benchmark::State& state) {
  const char* dir = std::getenv("QS_REPORT_MODEL");
  static qs::Result<qs::Model> m = dir ? qs::open_model(dir) : qs::Result<qs::Model>(qs::make_error("QS_REPORT_MODEL not set"));
  if (!m) {
    state.SkipWithError(("no model: " + m.error().message).c_str());
    return nullptr;
  }
  return &*m;
}

std::vector<qs::Scheme> schemes() {
  std::vector<qs::Scheme> s;
  for (const char* spec : kSpecs) s.push_back(*qs::parse_spec(spec));
  return s;
}

void BM_Kernels3(benchmark::State& state) {
  const qs::Model* m = model(state);
  if (!m) return;
  const qs::TensorView* big = &m->tensors[0];
  for (const qs::TensorView& t : m->tensors) {
    if (t.numel() > big->numel()) big = &t;
  }
  std::vector<float> x(static_cast<size_t>(big->numel()));
  qs::decode_to_float(*big, 0, x);
  const auto ss = schemes();
  for (auto _ : state) {
    for (const qs::Scheme& s : ss) benchmark::DoNotOptimize(qs::quantize(x, big->shape, s).metrics.sqnr_db);
  }
  state.counters["elements_per_second"] =
      benchmark::Counter(double(big->numel()) * double(ss.size()) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["tensor_M"] = double(big->numel()) / 1e6;
}

void BM_Report3(benchmark::State& state) {
  const qs::Model* m = model(state);
  if (!m) return;
  reset_peak_rss();
  const auto dir = std::filesystem::temp_directory_path() / "qs_bench_report";
  qs::ModelAnalysisRequest req;
  req.schemes = schemes();
  int64_t elements = 0;
  for (auto _ : state) {
    auto a = qs::analyze_model(*m, req);
    if (!a) return (void)state.SkipWithError(a.error().message.c_str());
    qs::Report r;
    r.file = std::getenv("QS_REPORT_MODEL");
    r.schemes = req.schemes;
    r.model = m;
    r.analysis = &*a;
    r.worst = qs::worst_tensor_views(*m, *a, req.schemes[0]);
    if (auto w = qs::write_report(dir.string(), r); !w) return (void)state.SkipWithError(w.error().message.c_str());
    elements = 0;
    for (const auto& t : a->tensors) elements += m->tensors[t.index].numel();
  }
  std::filesystem::remove_all(dir);
  state.SetBytesProcessed(int64_t(state.iterations()) * m->total_bytes());
  state.counters["elements_per_second"] =
      benchmark::Counter(double(elements) * 3 * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["peak_rss_MB"] = peak_rss_mb();
  state.counters["model_GB"] = double(m->total_bytes()) / 1e9;
}

BENCHMARK(BM_Kernels3)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_Report3)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
