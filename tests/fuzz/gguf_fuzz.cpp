// Fuzz harness for the GGUF reader: any input gives a Model or an error naming the file,
// never a crash; every accepted tensor lies inside the input and decodes fully (block
// types included), and its stored block parameters can be read.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/formats/gguf.h"
#include "analysis/numeric/gguf_blocks.h"
#include "analysis/numeric/tensor_decode.h"
#include "tests/unit/gguf_builder.h"

namespace {

void exercise(const qs::TensorView& t, const uint8_t* data, size_t size) {
  const auto* lo = reinterpret_cast<const std::byte*>(data);
  const auto nbytes = qs::dtype_bytes(t.dtype, t.numel());
  if (!nbytes || t.bytes.size() != size_t(*nbytes)) __builtin_trap();
  if (!t.bytes.empty() && (t.bytes.data() < lo || t.bytes.data() + t.bytes.size() > lo + size)) {
    __builtin_trap();
  }
  std::vector<float> buf(300);  // not a multiple of any block: exercises partial blocks
  for (int64_t i = 0; i < t.numel(); i += int64_t(buf.size())) {
    const size_t n = size_t(std::min<int64_t>(t.numel() - i, int64_t(buf.size())));
    qs::decode_to_float(t, i, std::span<float>(buf.data(), n));
  }
  if (qs::dtype_is_block(t.dtype) && !t.bytes.empty()) {
    const auto p = qs::numeric::gguf_block_params(t.dtype, t.bytes.data());
    if (int64_t(p.codes.size()) != qs::dtype_block_elems(t.dtype)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto m = qs::parse_gguf_bytes(bytes, "fuzz.gguf");
  if (!m) {
    if (m.error().message.rfind("fuzz.gguf: ", 0) != 0) __builtin_trap();
    return 0;
  }
  for (const qs::TensorView& t : m->tensors) exercise(t, data, size);
  (void)m->metadata.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}

std::vector<std::vector<uint8_t>> FuzzSeeds() {
  using qs::testing::GgufBuilder;
  std::vector<std::vector<uint8_t>> seeds;
  // One tensor of each supported type (two blocks / a few elements), with metadata.
  const std::pair<uint32_t, uint64_t> types[] = {  // ggml id, elements
      {0, 6}, {1, 6}, {30, 6}, {28, 3}, {24, 8}, {25, 4}, {26, 4}, {27, 2}, {2, 64}, {3, 64},
      {6, 64}, {7, 64}, {8, 64}, {10, 512}, {11, 512}, {12, 512}, {13, 512}, {14, 512}};
  const uint64_t elem_bytes[] = {4, 2, 2, 8, 1, 2, 4, 8};
  for (size_t k = 0; k < std::size(types); ++k) {
    const auto [id, n] = types[k];
    uint64_t bytes = 0;
    switch (id) {
      case 2: bytes = 2 * 18; break;
      case 3: bytes = 2 * 20; break;
      case 6: bytes = 2 * 22; break;
      case 7: bytes = 2 * 24; break;
      case 8: bytes = 2 * 34; break;
      case 10: bytes = 2 * 84; break;
      case 11: bytes = 2 * 110; break;
      case 12: bytes = 2 * 144; break;
      case 13: bytes = 2 * 176; break;
      case 14: bytes = 2 * 210; break;
      default: bytes = n * elem_bytes[k]; break;
    }
    GgufBuilder g;
    g.header(1, 3, k % 2 ? 2 : 3);
    g.kv_str("general.architecture", "llama");
    g.kv_u32("general.alignment", 32);
    g.str("tokenizer.ggml.tokens"), g.u32(9), g.u32(8), g.u64(3);
    g.str("a"), g.str("b"), g.str("c");
    g.tensor_info("blk.0.w", {n / 2, 2}, id, 0);
    g.pad();
    for (uint64_t i = 0; i < bytes; ++i) g.u8(uint8_t(i * 29 + 3));
    seeds.push_back(g.out);
  }
  GgufBuilder two;
  two.header(2, 0);
  two.tensor_info("a", {4}, 0, 0);
  two.tensor_info("b", {32}, 8, 32);
  two.pad();
  for (int i = 0; i < 32 + 34; ++i) two.u8(uint8_t(i));
  seeds.push_back(two.out);
  return seeds;
}
