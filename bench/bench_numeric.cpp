// Benchmarks for analysis/numeric/float_formats.
//
// BM_Encode_<fmt>: per-element encoder throughput over 2^20 floats whose magnitudes span
// 2^-12..2^12 (normals, fp8 subnormals, fp8 overflow all occur, so branchy code would pay
// for mispredictions here).
//
// BM_SweepAllFloat32_<fmt> (only registered when QS_SWEEP_ALL=1; minutes, not seconds):
// walks all 2^32 float32 bit patterns and compares the fast encoder with a reference
// written here, counting mismatches (must be 0). References: fp8/fp4 — nearest value in
// the sorted table of the format's finite codes built from the textbook formula (ties to
// the even mantissa, IEEE overflow point); fp16/bf16 — double arithmetic (frexp, ldexp,
// nearbyint). fp8 is checked with saturate=true and saturate=false.
//   QS_SWEEP_ALL=1 ./bench_numeric --benchmark_filter=SweepAllFloat32
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "analysis/numeric/float_formats.h"

namespace {

namespace nm = qs::numeric;

// [SECTION] Throughput

std::vector<float> make_inputs() {
  std::mt19937 rng(12345);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> exp(-12, 12);
  std::vector<float> v(size_t{1} << 20);
  for (float& x : v) x = std::ldexp(normal(rng), exp(rng));
  return v;
}

template <typename Code, typename Encode>
void run_encode(benchmark::State& state, Encode encode) {
  static const std::vector<float> in = make_inputs();
  std::vector<Code> out(in.size());
  for (auto _ : state) {
    for (size_t i = 0; i < in.size(); ++i) out[i] = encode(in[i]);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(in.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(in.size() * sizeof(float)));
}

void BM_Encode_fp16(benchmark::State& s) {
  run_encode<uint16_t>(s, [](float x) { return nm::fp16_encode(x); });
}
void BM_Encode_bf16(benchmark::State& s) {
  run_encode<uint16_t>(s, [](float x) { return nm::bf16_encode(x); });
}
void BM_Encode_fp8_e4m3(benchmark::State& s) {
  run_encode<uint8_t>(s, [](float x) { return nm::fp8_e4m3_encode(x); });
}
void BM_Encode_fp8_e5m2(benchmark::State& s) {
  run_encode<uint8_t>(s, [](float x) { return nm::fp8_e5m2_encode(x); });
}
BENCHMARK(BM_Encode_fp16);
BENCHMARK(BM_Encode_bf16);
BENCHMARK(BM_Encode_fp8_e4m3);
BENCHMARK(BM_Encode_fp8_e5m2);

// [SECTION] Reference encoders for the exhaustive sweep (independent of the code tested)

// Canonical NaN codes are this project's convention (see float_formats.cpp).
constexpr uint32_t kFp16NaN = 0x7E00, kBf16NaN = 0x7FC0, kE4M3NaN = 0x7F, kE5M2NaN = 0x7E;

// fp16/bf16 by double arithmetic: scale |x| so one unit is the ulp of its binade (or of
// the smallest normal binade for subnormals), round with nearbyint (half to even), and
// add the biased exponent; a mantissa carry runs into the exponent by itself.
uint32_t ref_ieee16(float x, int exp_bits, int mant_bits, uint32_t nan_code) {
  const uint32_t sign = std::signbit(x) ? 0x8000u : 0u;
  if (std::isnan(x)) return sign | nan_code;
  const int bias = (1 << (exp_bits - 1)) - 1;
  const uint32_t inf_code = ((1u << exp_bits) - 1) << mant_bits;
  const double d = std::fabs(static_cast<double>(x));
  if (std::isinf(d)) return sign | inf_code;
  if (d == 0) return sign;  // frexp(0) gives exponent 0, which is no binade
  int e = 0;
  std::frexp(d, &e);  // d = f·2^e, f in [0.5, 1): binade 2^(e-1)
  const int binade = std::max(e - 1, 1 - bias);
  const double q = std::nearbyint(std::ldexp(d, mant_bits - binade));
  const uint64_t code =
      (static_cast<uint64_t>(binade + bias - 1) << mant_bits) + static_cast<uint64_t>(q);
  return sign | static_cast<uint32_t>(std::min<uint64_t>(code, inf_code));
}

// fp8/fp4 by nearest search over the table of non-negative finite values.
struct TableRef {
  int exp_bits, mant_bits, bias;
  bool fn;      // E4M3FN: no Inf, S.1111.111 is NaN
  bool no_nan;  // E2M1: every code is a number
  std::vector<std::pair<double, uint32_t>> table;
  double overflow_mid = 0;

  TableRef(int e, int m, int b, bool is_fn, bool none)
      : exp_bits(e), mant_bits(m), bias(b), fn(is_fn), no_nan(none) {
    const uint32_t e_max = (1u << e) - 1, m_max = (1u << m) - 1;
    for (uint32_t c = 0; c < (1u << (e + m)); ++c) {
      const uint32_t ef = c >> m, mf = c & m_max;
      if (!no_nan && ef == e_max && (fn ? mf == m_max : true)) continue;  // Inf/NaN codes
      const double frac = static_cast<double>(mf) / std::ldexp(1.0, m);
      const double v =
          ef == 0 ? std::ldexp(frac, 1 - b) : std::ldexp(1.0 + frac, static_cast<int>(ef) - b);
      table.emplace_back(v, c);
    }
    std::sort(table.begin(), table.end());
    const double max = table.back().first, below = table[table.size() - 2].first;
    overflow_mid = max + (max - below) / 2;  // midpoint of max and the next step up
  }

  uint32_t encode(float x, bool saturate) const {
    const uint32_t sbit = 1u << (exp_bits + mant_bits);
    const uint32_t sign = std::signbit(x) ? sbit : 0u;
    const uint32_t max_code = table.back().second;
    if (std::isnan(x)) {
      if (no_nan) return 0;
      return sign | (fn ? kE4M3NaN : kE5M2NaN);
    }
    const double d = std::fabs(static_cast<double>(x));
    const bool over =
        std::isinf(d) || d > overflow_mid || (d == overflow_mid && (max_code & 1) != 0);
    if (over) {
      if (saturate || no_nan) return sign | max_code;
      return sign | (fn ? kE4M3NaN : (((1u << exp_bits) - 1) << mant_bits));  // NaN / Inf
    }
    auto hi = std::upper_bound(table.begin(), table.end(), d,
                               [](double v, const auto& en) { return v < en.first; });
    if (hi == table.end()) return sign | max_code;
    auto lo = hi - 1;
    const double dlo = d - lo->first, dhi = hi->first - d;
    const uint32_t c = dlo < dhi   ? lo->second
                       : dhi < dlo ? hi->second
                                   : ((lo->second & 1) == 0 ? lo->second : hi->second);
    return sign | c;
  }
};

// [SECTION] Exhaustive sweep

// Calls check(bits) for this thread's share of all 2^32 patterns (interleaved 2^16-sized
// chunks so threads finish together); returns the number of mismatches check reported.
template <typename Check>
int64_t sweep_share(const benchmark::State& state, Check check) {
  int64_t bad = 0;
  const uint32_t threads = static_cast<uint32_t>(state.threads());
  for (uint32_t hi = static_cast<uint32_t>(state.thread_index()); hi < 0x10000u; hi += threads) {
    for (uint32_t lo = 0; lo < 0x10000u; ++lo) bad += check((hi << 16) | lo);
  }
  return bad;
}

void report_first(const char* fmt, uint32_t bits, uint32_t got, uint32_t want, bool sat) {
  static std::atomic<int> printed{0};
  if (printed.fetch_add(1) < 10) {
    std::fprintf(stderr, "%s mismatch: x=0x%08x sat=%d got 0x%x want 0x%x\n", fmt, bits,
                 sat ? 1 : 0, got, want);
  }
}

template <typename Check>
void run_sweep(benchmark::State& state, const char* fmt, Check check) {
  int64_t bad = 0;
  for (auto _ : state) bad += sweep_share(state, check);
  state.counters["mismatches"] =
      benchmark::Counter(static_cast<double>(bad));  // summed over threads
  state.counters["checked"] =
      benchmark::Counter(static_cast<double>(uint64_t{1} << 32) / state.threads());
  // Not SkipWithError: that would hide the counter, and the count is the result.
  if (bad != 0) {
    std::fprintf(stderr, "%s: %lld mismatches in thread %d's share\n", fmt,
                 static_cast<long long>(bad), state.thread_index());
  }
}

void BM_SweepAllFloat32_fp16(benchmark::State& state) {
  run_sweep(state, "fp16", [](uint32_t b) -> int {
    const float x = std::bit_cast<float>(b);
    const uint32_t want = ref_ieee16(x, 5, 10, kFp16NaN), got = nm::fp16_encode(x);
    if (got != want) report_first("fp16", b, got, want, true);
    return got != want;
  });
}

void BM_SweepAllFloat32_bf16(benchmark::State& state) {
  run_sweep(state, "bf16", [](uint32_t b) -> int {
    const float x = std::bit_cast<float>(b);
    const uint32_t want = ref_ieee16(x, 8, 7, kBf16NaN), got = nm::bf16_encode(x);
    if (got != want) report_first("bf16", b, got, want, true);
    return got != want;
  });
}

void BM_SweepAllFloat32_fp8_e4m3(benchmark::State& state) {
  static const TableRef ref(4, 3, 7, /*fn=*/true, /*no_nan=*/false);
  run_sweep(state, "fp8_e4m3", [](uint32_t b) -> int {
    const float x = std::bit_cast<float>(b);
    int bad = 0;
    for (bool sat : {true, false}) {
      const uint32_t want = ref.encode(x, sat), got = nm::fp8_e4m3_encode(x, sat);
      if (got != want) {
        report_first("fp8_e4m3", b, got, want, sat);
        ++bad;
      }
    }
    return bad;
  });
}

void BM_SweepAllFloat32_fp8_e5m2(benchmark::State& state) {
  static const TableRef ref(5, 2, 15, /*fn=*/false, /*no_nan=*/false);
  run_sweep(state, "fp8_e5m2", [](uint32_t b) -> int {
    const float x = std::bit_cast<float>(b);
    int bad = 0;
    for (bool sat : {true, false}) {
      const uint32_t want = ref.encode(x, sat), got = nm::fp8_e5m2_encode(x, sat);
      if (got != want) {
        report_first("fp8_e5m2", b, got, want, sat);
        ++bad;
      }
    }
    return bad;
  });
}

void BM_SweepAllFloat32_fp4_e2m1(benchmark::State& state) {
  static const TableRef ref(2, 1, 1, /*fn=*/false, /*no_nan=*/true);
  run_sweep(state, "fp4_e2m1", [](uint32_t b) -> int {
    const float x = std::bit_cast<float>(b);
    const uint32_t want = ref.encode(x, true), got = nm::fp4_e2m1_encode(x);
    if (got != want) report_first("fp4_e2m1", b, got, want, true);
    return got != want;
  });
}

void register_sweeps() {
  using Fn = void (*)(benchmark::State&);
  const std::pair<const char*, Fn> sweeps[] = {
      {"BM_SweepAllFloat32_fp16", BM_SweepAllFloat32_fp16},
      {"BM_SweepAllFloat32_bf16", BM_SweepAllFloat32_bf16},
      {"BM_SweepAllFloat32_fp8_e4m3", BM_SweepAllFloat32_fp8_e4m3},
      {"BM_SweepAllFloat32_fp8_e5m2", BM_SweepAllFloat32_fp8_e5m2},
      {"BM_SweepAllFloat32_fp4_e2m1", BM_SweepAllFloat32_fp4_e2m1},
  };
  // QS_SWEEP_THREADS (default 2) splits the 2^32 patterns across threads.
  const char* t = std::getenv("QS_SWEEP_THREADS");
  const int threads = t != nullptr ? std::max(1, std::atoi(t)) : 2;
  for (const auto& [name, fn] : sweeps) {
    benchmark::RegisterBenchmark(name, fn)->Iterations(1)->Threads(threads)->UseRealTime()->Unit(
        benchmark::kSecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // The sweeps take minutes each, so plain benchmark runs never see them.
  const char* sweep = std::getenv("QS_SWEEP_ALL");
  if (sweep != nullptr && std::strcmp(sweep, "1") == 0) register_sweeps();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
