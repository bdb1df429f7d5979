// Big-model behaviour (issue #5): a sharded safetensors model of QS_BIG_GB GiB written by
// `quantscope-cli demo --big` (scripts/run-bench.sh makes it once in BUILD/bench-big and
// passes its path in QS_BIG_MODEL; without it these benchmarks are skipped).
//
//   BM_OpenBigModel       open_model on the directory: index + every shard's header
//   BM_ReadFloor          memcpy of every tensor's mapped bytes in 1 MiB pieces, pages
//                         released after each tensor (the floor for any whole-model pass)
//   BM_ScanStats          scan_stats over every tensor (chunked decode), pages released:
//                         what `inspect --stats` and the app's model scan do
//   BM_QuantizeEach       each tensor's float32 copy (to_float) + absmax int8 quantize,
//                         one tensor at a time: the whole-model analysis pattern
// Counters: bytes_per_second over the model's bytes, peak_rss_MB (VmHWM, reset before
// each benchmark through /proc/self/clear_refs) and rss_bound_MB = the bound
// (largest tensor × 4 bytes + 200 MB).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench/peak_rss.h"
#include "analysis/formats/model.h"
#include "analysis/numeric/tensor_decode.h"
#include "analysis/quant/quantize.h"
#include "analysis/quant/scheme.h"

namespace {

using qs::measure::peak_rss_mb;
using qs::measure::reset_peak_rss;

const char* model_dir() { return std::getenv("QS_BIG_MODEL"); }


// The model, opened once; nullptr (and the benchmark skipped) without QS_BIG_MODEL.
const qs::Model* big_model(benchmark::State& state) {
  static qs::Result<qs::Model> m = model_dir() ? qs::open_model(model_dir())
                                               : qs::Result<qs::Model>(qs::make_error("QS_BIG_MODEL not set"));
  if (!m) {
    state.SkipWithError(("no big model: " + m.error().message).c_str());
    return nullptr;
  }
  return &*m;
}

void finish(benchmark::State& state, const qs::Model& m) {
  state.SetBytesProcessed(int64_t(state.iterations()) * m.total_bytes());
  int64_t largest = 0;
  for (const qs::TensorView& t : m.tensors) largest = std::max(largest, t.numel());
  state.counters["peak_rss_MB"] = peak_rss_mb();
  state.counters["rss_bound_MB"] = double(largest) * 4 / 1048576.0 + 200;
  state.counters["model_GB"] = double(m.total_bytes()) / 1e9;
}

void BM_OpenBigModel(benchmark::State& state) {
  if (!model_dir()) return (void)state.SkipWithError("QS_BIG_MODEL not set");
  size_t n = 0;
  for (auto _ : state) {
    auto m = qs::open_model(model_dir());
    if (!m) return (void)state.SkipWithError(m.error().message.c_str());
    n = m->tensors.size();
  }
  state.counters["tensors"] = double(n);
}

void BM_ReadFloor(benchmark::State& state) {
  const qs::Model* m = big_model(state);
  if (!m) return;
  reset_peak_rss();
  std::vector<std::byte> buf(1 << 20);
  for (auto _ : state) {
    for (const qs::TensorView& t : m->tensors) {
      for (size_t off = 0; off < t.bytes.size(); off += buf.size()) {
        const size_t k = std::min(buf.size(), t.bytes.size() - off);
        std::memcpy(buf.data(), t.bytes.data() + off, k);
        benchmark::DoNotOptimize(buf.data());
      }
      m->release_pages(t);
    }
  }
  finish(state, *m);
}

void BM_ScanStats(benchmark::State& state) {
  const qs::Model* m = big_model(state);
  if (!m) return;
  reset_peak_rss();
  for (auto _ : state) {
    for (const qs::TensorView& t : m->tensors) {
      benchmark::DoNotOptimize(qs::scan_stats(t).std);
      m->release_pages(t);
    }
  }
  finish(state, *m);
}

void BM_QuantizeEach(benchmark::State& state) {
  const qs::Model* m = big_model(state);
  if (!m) return;
  reset_peak_rss();
  const qs::Scheme s = *qs::parse_spec("absmax:bits=8");
  qs::QuantizeOptions o;
  o.threads = 2;
  for (auto _ : state) {
    for (const qs::TensorView& t : m->tensors) {
      std::vector<float> storage;
      const std::span<const float> x = qs::to_float(t, storage);
      benchmark::DoNotOptimize(qs::quantize(x, t.shape, s, o).metrics.sqnr_db);
      m->release_pages(t);
    }
  }
  finish(state, *m);
}

BENCHMARK(BM_OpenBigModel)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_ReadFloor)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK(BM_ScanStats)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK(BM_QuantizeEach)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
