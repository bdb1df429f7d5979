// GGUF block dequantization (analysis/numeric/gguf_blocks): decoding 2^24 weights of each
// block type to float32 in kDecodeChunk pieces, as decode_to_float does for every scan
// and quantization of a GGUF tensor. Floor: memcpy of the float32 output bytes (64 MB).
// The NumPy baseline (bench/numpy_gguf.py, run by run-bench.sh) decodes Q8_0 and Q4_0
// the vectorized NumPy way. Bytes/second counts the float32 output (N·4).
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "analysis/numeric/gguf_blocks.h"
#include "analysis/numeric/tensor_decode.h"

namespace {

constexpr int64_t kN = int64_t(1) << 24;

std::vector<std::byte> random_blocks(qs::DType t) {
  std::vector<std::byte> b(size_t(kN / qs::dtype_block_elems(t) * qs::dtype_block_bytes(t)));
  std::mt19937 rng(42);
  // Small fp16 scale fields everywhere keep the values finite (like a real file).
  for (auto& x : b) x = std::byte(uint8_t(rng() & 0x3F));
  return b;
}

void BM_MemcpyFloor(benchmark::State& state) {
  std::vector<float> src(static_cast<size_t>(kN), 1.0f), dst(static_cast<size_t>(kN));
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), dst.size() * 4);
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * kN * 4);
}
BENCHMARK(BM_MemcpyFloor)->Unit(benchmark::kMillisecond);

void BM_Dequantize(benchmark::State& state, qs::DType t) {
  const auto bytes = random_blocks(t);
  qs::TensorView v;
  v.dtype = t;
  v.shape = {kN};
  v.bytes = bytes;
  std::vector<float> out(static_cast<size_t>(qs::kDecodeChunk));
  for (auto _ : state) {
    for (int64_t i = 0; i < kN; i += qs::kDecodeChunk) {
      qs::decode_to_float(v, i, out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * kN * 4);
}
BENCHMARK_CAPTURE(BM_Dequantize, Q8_0, qs::DType::Q8_0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dequantize, Q4_0, qs::DType::Q4_0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dequantize, Q4_1, qs::DType::Q4_1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dequantize, Q5_0, qs::DType::Q5_0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dequantize, Q5_1, qs::DType::Q5_1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dequantize, Q2_K, qs::DType::Q2_K)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dequantize, Q3_K, qs::DType::Q3_K)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dequantize, Q4_K, qs::DType::Q4_K)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dequantize, Q5_K, qs::DType::Q5_K)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dequantize, Q6_K, qs::DType::Q6_K)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
