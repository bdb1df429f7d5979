// Stored quantization of GGUF block tensors: scales, offsets, code counts and grids.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "analysis/numeric/gguf_blocks.h"
#include "analysis/model/stored_quant.h"
#include "analysis/numeric/tensor_decode.h"

namespace qs {
namespace {

TensorView view(DType t, std::vector<int64_t> shape, const std::vector<std::byte>& bytes) {
  TensorView v;
  v.name.assign(1, 'w');  // not = "w": GCC 12 -Wrestrict false positive once inlined
  v.dtype = t;
  v.shape = std::move(shape);
  v.bytes = bytes;
  return v;
}

// Two Q8_0 blocks: d = 0.5 with codes i − 16, d = 2 with codes 3 (all 32).
TEST(StoredQuant, Q8_0HandBuilt) {
  std::vector<std::byte> b;
  auto put = [&](unsigned v) { b.push_back(std::byte(uint8_t(v))); };
  put(0x00), put(0x38);
  for (int i = 0; i < 32; ++i) put(uint8_t(int8_t(i - 16)));
  put(0x00), put(0x40);
  for (int i = 0; i < 32; ++i) put(3);
  auto s = read_stored_quant(view(DType::Q8_0, {2, 32}, b));
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->sub_block_elems, 32);
  EXPECT_EQ(s->sub_blocks(), 2);
  EXPECT_EQ(s->scale, (std::vector<float>{0.5f, 2.0f}));
  EXPECT_FALSE(s->has_offset);
  EXPECT_DOUBLE_EQ(s->bits_per_weight, 8.5);
  ASSERT_EQ(s->code_counts.size(), 256u);
  EXPECT_EQ(s->code_counts[size_t(3 + 128)], 33u);  // 32 in block 1 + code 3 (i = 19) in block 0
  EXPECT_EQ(s->code_counts[size_t(-16 + 128)], 1u);
  EXPECT_EQ(s->codes_used(), 32);  // −16..15
  const auto lv = stored_levels(*s, 1);
  ASSERT_EQ(lv.size(), 256u);
  EXPECT_EQ(lv.front(), -256.0f);
  EXPECT_EQ(lv.back(), 254.0f);
  EXPECT_TRUE(stored_levels(*s, 2).empty());
  const auto j = stored_quant_json(*s);
  EXPECT_EQ(j["type"], "Q8_0");
  EXPECT_EQ(j["sub_blocks"], 2);
  EXPECT_EQ(j["scale"]["min"], 0.5);
  EXPECT_EQ(j["scale"]["max"], 2.0);
  EXPECT_FALSE(j.contains("offset"));
}

// Every decoded value lies exactly on its sub-block's grid, for every block type.
TEST(StoredQuant, DecodedValuesLieOnTheStoredGrid) {
  std::mt19937 rng(5);
  for (DType t : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q2_K,
                  DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
    const int64_t be = dtype_block_elems(t), bb = dtype_block_bytes(t), n = 4;
    std::vector<std::byte> b(size_t(n * bb));
    for (auto& x : b) x = std::byte(uint8_t(rng() & 0x3F));  // small fp16 scales: finite
    const TensorView v = view(t, {n, be}, b);
    auto s = read_stored_quant(v);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->sub_blocks() * s->sub_block_elems, n * be) << dtype_name(t);
    uint64_t total = 0;
    for (uint64_t c : s->code_counts) total += c;
    EXPECT_EQ(total, uint64_t(n * be));
    std::vector<float> x(size_t(n * be));
    decode_to_float(v, 0, x);
    for (int64_t i = 0; i < n * be; ++i) {
      const auto lv = stored_levels(*s, i / s->sub_block_elems);
      ASSERT_NE(std::find(lv.begin(), lv.end(), x[size_t(i)]), lv.end())
          << dtype_name(t) << " element " << i << " = " << x[size_t(i)];
    }
    EXPECT_EQ(s->has_offset, t == DType::Q4_1 || t == DType::Q5_1 || t == DType::Q2_K ||
                                 t == DType::Q4_K || t == DType::Q5_K);
  }
}

TEST(StoredQuant, OtherTypesHaveNone) {
  std::vector<std::byte> b(8);
  auto s = read_stored_quant(view(DType::F32, {2}, b));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message,
            "tensor 'w' is stored as F32, not a block-quantized GGUF type or a TF.js quantized weight: it has no stored quantization");
}

TEST(StoredQuant, CancelStopsEarly) {
  std::vector<std::byte> b(size_t(34 * 10000));
  RunControl c;
  c.cancel = true;
  auto s = read_stored_quant(view(DType::Q8_0, {10000, 32}, b), &c);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->cancelled);
}

}  // namespace
}  // namespace qs
