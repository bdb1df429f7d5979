// The transforms before quantizing (analysis/transforms/) on LLM-sized matrices:
// 4096×4096 (16.8 M, a square projection) and 4096×11008 (45 M, a LLaMA-7B MLP matrix),
// float32 N(0, 0.02), at 1 and 2 threads. bytes_per_second counts the N·4 input bytes.
//
//   BM_CopyFloor            a read and a write of the same bytes over fixed chunks (the
//                           floor of a one-pass transform x → x′)
//   BM_HadamardForward      rot=hadamard,rot_seed=1 (b = 4096 and 256)
//   BM_HadamardInverse      the same, back
//   BM_ColumnAbsmax         the column maxima smooth and keep start from
//   BM_SmoothForward        x′ = x·s_j;   BM_SmoothInverse  x̂ = x̂′/s_j in float64
//   BM_KeepForward          keep=64: choose the columns from the maxima, zero them
//   BM_KeepInverse          fp16 at the kept columns, x̂′ elsewhere
//   BM_LowRankFactors       lowrank=32: the randomized SVD (the target: ≤ 1 s on
//                           2 cores)
//   BM_LowRankSubtract      x′ = float32(x − L_32) from the factors (L in float64)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "analysis/base/parallel.h"
#include "analysis/transforms/hadamard.h"
#include "analysis/transforms/keep_columns.h"
#include "analysis/transforms/low_rank.h"
#include "analysis/transforms/smooth.h"
#include "bench/bench_data.h"

namespace {

using qs::MatrixShape;

// range(0): 0 = 4096×4096, 1 = 4096×11008.
MatrixShape shape(int64_t which) {
  return which == 0 ? MatrixShape{4096, 4096} : MatrixShape{4096, 11008};
}

const std::vector<float>& data(int64_t which) {
  if (which == 0) return qs::bench::weights(size_t(1) << 24);
  static const std::vector<float> mlp = qs::bench::make_weights(size_t(4096) * 11008);
  return mlp;
}

std::vector<float>& output(int64_t which) {
  static std::vector<float> out0(size_t(1) << 24, 1.0f),
      out1(size_t(4096) * 11008, 1.0f);  // paged in once
  return which == 0 ? out0 : out1;
}

// Activation maxima with a few outlier channels, as SmoothQuant sees them.
std::vector<float> act_maxima(int64_t cols) {
  std::vector<float> a(static_cast<size_t>(cols));
  for (int64_t j = 0; j < cols; ++j)
    a[size_t(j)] = j % 97 == 0 ? 40.0f : 1.0f + float(j % 13) * 0.1f;
  return a;
}

void BM_CopyFloor(benchmark::State& state) {
  const std::vector<float>& x = data(state.range(0));
  std::vector<float>& y = output(state.range(0));
  constexpr int64_t kChunk = int64_t(1) << 16;
  const int64_t n = int64_t(x.size());
  for (auto _ : state) {
    qs::parallel_for(qs::chunk_count(n, kChunk), int(state.range(1)), [&](int64_t i, int) {
      const int64_t b = i * kChunk;
      std::memcpy(y.data() + b, x.data() + b, size_t(std::min(kChunk, n - b)) * sizeof(float));
    });
    benchmark::ClobberMemory();
  }
  qs::bench::set_bytes(state, x.size());
}

void BM_HadamardForward(benchmark::State& state) {
  const std::vector<float>& x = data(state.range(0));
  std::vector<float>& y = output(state.range(0));
  for (auto _ : state) {
    qs::hadamard_forward(x, shape(state.range(0)), 1, y, int(state.range(1)));
    benchmark::ClobberMemory();
  }
  qs::bench::set_bytes(state, x.size());
}

void BM_HadamardInverse(benchmark::State& state) {
  const std::vector<float>& x = data(state.range(0));
  std::vector<float>& y = output(state.range(0));
  for (auto _ : state) {
    qs::hadamard_inverse(x, shape(state.range(0)), 1, y, int(state.range(1)));
    benchmark::ClobberMemory();
  }
  qs::bench::set_bytes(state, x.size());
}

void BM_ColumnAbsmax(benchmark::State& state) {
  const std::vector<float>& x = data(state.range(0));
  for (auto _ : state) {
    std::vector<float> w = qs::column_absmax(x, shape(state.range(0)), int(state.range(1)));
    benchmark::DoNotOptimize(w.data());
  }
  qs::bench::set_bytes(state, x.size());
}

void run_smooth(benchmark::State& state, bool forward) {
  const std::vector<float>& x = data(state.range(0));
  std::vector<float>& y = output(state.range(0));
  const MatrixShape m = shape(state.range(0));
  const std::vector<float> s =
      qs::smooth_scales(qs::column_absmax(x, m), act_maxima(m.cols), 0.5).s;
  for (auto _ : state) {
    if (forward)
      qs::smooth_forward(x, m, s, y, int(state.range(1)));
    else
      qs::smooth_inverse(x, m, s, y, int(state.range(1)));
    benchmark::ClobberMemory();
  }
  qs::bench::set_bytes(state, x.size());
}
void BM_SmoothForward(benchmark::State& state) {
  run_smooth(state, true);
}
void BM_SmoothInverse(benchmark::State& state) {
  run_smooth(state, false);
}

void BM_KeepForward(benchmark::State& state) {
  const std::vector<float>& x = data(state.range(0));
  std::vector<float>& y = output(state.range(0));
  const MatrixShape m = shape(state.range(0));
  const std::vector<float> w = qs::column_absmax(x, m);
  for (auto _ : state) {
    const std::vector<int64_t> kept = qs::choose_kept_columns(w, 64);
    qs::keep_forward(x, m, kept, y);
    benchmark::ClobberMemory();
  }
  qs::bench::set_bytes(state, x.size());
}

void BM_KeepInverse(benchmark::State& state) {
  const std::vector<float>& x = data(state.range(0));
  std::vector<float>& y = output(state.range(0));
  const MatrixShape m = shape(state.range(0));
  const std::vector<int64_t> kept = qs::choose_kept_columns(qs::column_absmax(x, m), 64);
  for (auto _ : state) {
    qs::keep_inverse(x, x, m, kept, y);
    benchmark::ClobberMemory();
  }
  qs::bench::set_bytes(state, x.size());
}

void BM_LowRankFactors(benchmark::State& state) {
  const std::vector<float>& x = data(state.range(0));
  for (auto _ : state) {
    qs::LowRankFactors f = qs::low_rank_factors(x, shape(state.range(0)), 32, int(state.range(1)));
    benchmark::DoNotOptimize(f.sigma.data());
  }
  qs::bench::set_bytes(state, x.size());
}

void BM_LowRankSubtract(benchmark::State& state) {
  const std::vector<float>& x = data(state.range(0));
  std::vector<float>& y = output(state.range(0));
  static const qs::LowRankFactors f0 = qs::low_rank_factors(data(0), shape(0), 32);
  static const qs::LowRankFactors f1 = qs::low_rank_factors(data(1), shape(1), 32);
  const qs::LowRankFactors& f = state.range(0) == 0 ? f0 : f1;
  for (auto _ : state) {
    qs::low_rank_subtract(x, f, 32, y, int(state.range(1)));
    benchmark::ClobberMemory();
  }
  qs::bench::set_bytes(state, x.size());
}

void shapes_threads(benchmark::internal::Benchmark* b) {
  for (int64_t s : {0, 1})
    for (int64_t t : {1, 2}) b->Args({s, t});
  b->ArgNames({"shape", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(BM_CopyFloor)->Apply(shapes_threads);
BENCHMARK(BM_HadamardForward)->Apply(shapes_threads);
BENCHMARK(BM_HadamardInverse)->Apply(shapes_threads);
BENCHMARK(BM_ColumnAbsmax)->Apply(shapes_threads);
BENCHMARK(BM_SmoothForward)->Apply(shapes_threads);
BENCHMARK(BM_SmoothInverse)->Apply(shapes_threads);
BENCHMARK(BM_KeepForward)->Apply(shapes_threads);
BENCHMARK(BM_KeepInverse)->Apply(shapes_threads);
BENCHMARK(BM_LowRankFactors)->Apply(shapes_threads);
BENCHMARK(BM_LowRankSubtract)->Apply(shapes_threads);

BENCHMARK_MAIN();
