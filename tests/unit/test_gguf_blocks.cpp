// GGUF block types: each layout is checked on a hand-built block whose decoded values are
// worked out by hand from ggml's block definition (the comment above each test); then the
// fast decoder is compared with the parameter-based reference on random blocks of every
// type, whole and at every partial offset.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "analysis/numeric/float_formats.h"
#include "analysis/numeric/gguf_blocks.h"
#include "analysis/numeric/tensor_decode.h"

namespace qs::numeric {
namespace {

struct Block {
  std::vector<std::byte> b;
  explicit Block(DType t) : b(size_t(dtype_block_bytes(t)), std::byte{0}) {}
  void set(size_t i, unsigned v) { b[i] = std::byte(uint8_t(v)); }
  void f16(size_t i, uint16_t v) {
    set(i, v & 0xFF);
    set(i + 1, v >> 8);
  }
};

std::vector<float> decode(DType t, const Block& blk) {
  std::vector<float> out(size_t(dtype_block_elems(t)));
  gguf_dequantize_blocks(t, blk.b.data(), 1, out.data());
  std::vector<float> ref(out.size());
  gguf_dequantize_block_reference(t, blk.b.data(), ref.data());
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], ref[i]) << dtype_name(t) << " element " << i;
  return out;
}

constexpr uint16_t kHalf = 0x3800, kOne = 0x3C00, kTwo = 0x4000, kQuarter = 0x3400,
                   kMinusOne = 0xBC00, kTen = 0x4900;

TEST(GgufBlocks, SizesAndBitsPerWeightAreTheFormats) {
  // ggml-common.h: sizeof(block_*) and QK4_0 = ... = 32, QK_K = 256.
  const std::pair<DType, std::pair<int, int>> expect[] = {
      {DType::Q4_0, {32, 18}},  {DType::Q4_1, {32, 20}},  {DType::Q5_0, {32, 22}},
      {DType::Q5_1, {32, 24}},  {DType::Q8_0, {32, 34}},  {DType::Q2_K, {256, 84}},
      {DType::Q3_K, {256, 110}}, {DType::Q4_K, {256, 144}}, {DType::Q5_K, {256, 176}},
      {DType::Q6_K, {256, 210}}};
  for (const auto& [t, eb] : expect) {
    EXPECT_EQ(dtype_block_elems(t), eb.first) << dtype_name(t);
    EXPECT_EQ(dtype_block_bytes(t), eb.second) << dtype_name(t);
  }
  EXPECT_DOUBLE_EQ(gguf_bits_per_weight(DType::Q8_0), 8.5);
  EXPECT_DOUBLE_EQ(gguf_bits_per_weight(DType::Q4_0), 4.5);
  EXPECT_DOUBLE_EQ(gguf_bits_per_weight(DType::Q4_K), 4.5);
  EXPECT_DOUBLE_EQ(gguf_bits_per_weight(DType::Q5_K), 5.5);
  EXPECT_DOUBLE_EQ(gguf_bits_per_weight(DType::Q6_K), 6.5625);
  EXPECT_DOUBLE_EQ(gguf_bits_per_weight(DType::Q2_K), 2.625);
  EXPECT_DOUBLE_EQ(gguf_bits_per_weight(DType::Q3_K), 3.4375);
}

// Q8_0, d = 0.5: codes −128, −1, 0, 1, 127 → −64, −0.5, 0, 0.5, 63.5.
TEST(GgufBlocks, Q8_0HandBuilt) {
  Block k(DType::Q8_0);
  k.f16(0, kHalf);
  k.set(2, 0x80), k.set(3, 0xFF), k.set(4, 0), k.set(5, 1), k.set(6, 0x7F);
  const auto y = decode(DType::Q8_0, k);
  EXPECT_EQ(y[0], -64.0f);
  EXPECT_EQ(y[1], -0.5f);
  EXPECT_EQ(y[2], 0.0f);
  EXPECT_EQ(y[3], 0.5f);
  EXPECT_EQ(y[4], 63.5f);
  const GgufBlockParams p = gguf_block_params(DType::Q8_0, k.b.data());
  EXPECT_EQ(p.codes[0], -128);
  EXPECT_EQ(p.code_min, -128);
  EXPECT_EQ(p.code_max, 127);
  EXPECT_EQ(p.scale, std::vector<float>{0.5f});
}

// Q4_0, d = 2: qs[0] = 0x0F → element 0 = (15 − 8)·2 = 14, element 16 = (0 − 8)·2 = −16;
// qs[1] = 0x88 → elements 1 and 17 are 0.
TEST(GgufBlocks, Q4_0HandBuilt) {
  Block k(DType::Q4_0);
  k.f16(0, kTwo);
  k.set(2, 0x0F), k.set(3, 0x88);
  const auto y = decode(DType::Q4_0, k);
  EXPECT_EQ(y[0], 14.0f);
  EXPECT_EQ(y[16], -16.0f);
  EXPECT_EQ(y[1], 0.0f);
  EXPECT_EQ(y[17], 0.0f);
  EXPECT_EQ(y[2], -16.0f);  // code 0 everywhere else
}

// Q4_1, d = 0.25, m = −1: qs[0] = 0xF0 → element 0 = 0·0.25 − 1 = −1,
// element 16 = 15·0.25 − 1 = 2.75.
TEST(GgufBlocks, Q4_1HandBuilt) {
  Block k(DType::Q4_1);
  k.f16(0, kQuarter);
  k.f16(2, kMinusOne);
  k.set(4, 0xF0);
  const auto y = decode(DType::Q4_1, k);
  EXPECT_EQ(y[0], -1.0f);
  EXPECT_EQ(y[16], 2.75f);
  const GgufBlockParams p = gguf_block_params(DType::Q4_1, k.b.data());
  EXPECT_EQ(p.offset, std::vector<float>{-1.0f});
  EXPECT_EQ(p.codes[16], 15);
}

// Q5_0, d = 1, qh = bits 0, 16 and 31: element 0 = (1|16) − 16 = 1,
// element 16 = (2|16) − 16 = 2, element 1 = 0 − 16 = −16,
// element 31 = (qs[15] >> 4 | 16) − 16 = 7 with qs[15] = 0x70.
TEST(GgufBlocks, Q5_0HandBuilt) {
  Block k(DType::Q5_0);
  k.f16(0, kOne);
  k.set(2, 0x01), k.set(4, 0x01), k.set(5, 0x80);  // qh little-endian: bits 0, 16, 31
  k.set(6, 0x21), k.set(6 + 15, 0x70);
  const auto y = decode(DType::Q5_0, k);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[16], 2.0f);
  EXPECT_EQ(y[1], -16.0f);
  EXPECT_EQ(y[31], 7.0f);
  EXPECT_EQ(y[15], -16.0f);
}

// Q5_1, d = 0.5, m = 10: qh bit 1, qs[1] = 0x0F → element 1 = 31·0.5 + 10 = 25.5;
// element 17 = 0·0.5 + 10 = 10.
TEST(GgufBlocks, Q5_1HandBuilt) {
  Block k(DType::Q5_1);
  k.f16(0, kHalf);
  k.f16(2, kTen);
  k.set(4, 0x02);
  k.set(8 + 1, 0x0F);
  const auto y = decode(DType::Q5_1, k);
  EXPECT_EQ(y[1], 25.5f);
  EXPECT_EQ(y[17], 10.0f);
}

// Q2_K, d = 1, dmin = 0.5, every scales[j] = 0x21 (sc 1, m 2 → x = q − 1) except
// scales[6] = 0x3F (sc 15, m 3 → x = 15q − 1.5). qs[0] = 0xE4 = planes 0,1,2,3:
// element 0 (sub-block 0, shift 0) = −1; element 32 (sub-block 2, shift 2) = 0;
// element 64 (sub-block 4) = 1; element 96 (sub-block 6, code 3) = 43.5.
// qs[32] = 3 → element 128 (second half, sub-block 8) = 2.
TEST(GgufBlocks, Q2_KHandBuilt) {
  Block k(DType::Q2_K);
  for (size_t j = 0; j < 16; ++j) k.set(j, 0x21);
  k.set(6, 0x3F);
  k.set(16 + 0, 0xE4);
  k.set(16 + 32, 0x03);
  k.f16(80, kOne);
  k.f16(82, kHalf);
  const auto y = decode(DType::Q2_K, k);
  EXPECT_EQ(y[0], -1.0f);
  EXPECT_EQ(y[32], 0.0f);
  EXPECT_EQ(y[64], 1.0f);
  EXPECT_EQ(y[96], 43.5f);
  EXPECT_EQ(y[128], 2.0f);
  EXPECT_EQ(y[16], -1.0f);
  const GgufBlockParams p = gguf_block_params(DType::Q2_K, k.b.data());
  EXPECT_EQ(p.sub_block_elems, 16);
  EXPECT_EQ(p.scale[6], 15.0f);
  EXPECT_EQ(p.offset[6], -1.5f);
}

// Q3_K, d = 1. 6-bit scales: s_0 = 33 (lo 1 in scales[0], hi 2 in scales[8] bits 0-1)
// → +1; s_5 = 30 (lo 14 in scales[5] low nibble, hi 1 in scales[9] bits 2-3) → −2;
// s_13 = 37 (lo 5 in scales[5] high nibble, hi 2 in scales[9] bits 6-7) → +5; every
// other scale is 0 − 32 = −32. Codes: element 0 low bits 3 (qs[0]) with hmask[0] bit 0
// set → 3 → x = 3; element 1: 0 with hmask clear → −4 → x = −4; element 80 (sub-block
// 5, qs[16] shift 4) low bits 2, hmask[16] bit 2 clear → −2 → x = 4; element 211
// (sub-block 13, qs[32 + 16 + 3] shift 4) low bits 1, hmask[19] bit 6 set → 1 → x = 5.
TEST(GgufBlocks, Q3_KHandBuilt) {
  Block k(DType::Q3_K);
  k.set(96 + 0, 0x01), k.set(96 + 8, 0x02);
  k.set(96 + 5, 0x5E), k.set(96 + 9, 0x84);
  k.set(32 + 0, 0x03), k.set(0, 0x01);
  k.set(32 + 16, 0x20);
  k.set(32 + 32 + 16 + 3, 0x10), k.set(19, 0x40);
  k.f16(108, kOne);
  const auto y = decode(DType::Q3_K, k);
  EXPECT_EQ(y[0], 3.0f);
  EXPECT_EQ(y[1], -4.0f);
  EXPECT_EQ(y[80], 4.0f);
  EXPECT_EQ(y[211], 5.0f);
  EXPECT_EQ(y[2], -4.0f);
  EXPECT_EQ(y[17], 128.0f);  // sub-block 1: scale −32, code −4
  const GgufBlockParams p = gguf_block_params(DType::Q3_K, k.b.data());
  EXPECT_EQ(p.scale[0], 1.0f);
  EXPECT_EQ(p.scale[5], -2.0f);
  EXPECT_EQ(p.scale[13], 5.0f);
  EXPECT_EQ(p.scale[1], -32.0f);
}

// Q4_K, d = dmin = 1. Pair 0: scales[0] = 2, scales[4] = 1 → x = 2q − 1. Pair 5:
// scale = (scales[9] & 15) | (scales[1] >> 6) << 4 = 3 | 16 = 19,
// min = (scales[9] >> 4) | (scales[5] >> 6) << 4 = 2 | 32 = 34 → x = 19q − 34.
// Element 0: qs[0] low nibble 15 → 29. Element 167 (sub-block 5 = high nibbles of
// qs[64..95], l = 7): qs[71] = 0xA0 → 19·10 − 34 = 156.
TEST(GgufBlocks, Q4_KHandBuilt) {
  Block k(DType::Q4_K);
  k.f16(0, kOne);
  k.f16(2, kOne);
  k.set(4 + 0, 2), k.set(4 + 4, 1);
  k.set(4 + 9, 0x23), k.set(4 + 1, 0x40), k.set(4 + 5, 0x80);
  k.set(16 + 0, 0x0F);
  k.set(16 + 64 + 7, 0xA0);
  const auto y = decode(DType::Q4_K, k);
  EXPECT_EQ(y[0], 29.0f);
  EXPECT_EQ(y[167], 156.0f);
  EXPECT_EQ(y[135], 0.0f);  // sub-block 4: scale 0, min 0
  EXPECT_EQ(y[1], -1.0f);
  const GgufBlockParams p = gguf_block_params(DType::Q4_K, k.b.data());
  EXPECT_EQ(p.scale[5], 19.0f);
  EXPECT_EQ(p.offset[5], -34.0f);
  EXPECT_EQ(p.codes[167], 10);
}

// Q5_K: the Q4_K scales above, plus the 5th bit of element l of sub-block j at bit j of
// qh[l]. Element 167 (j 5, l 7): qs[48 + 64 + 7] = 0xA0, qh[7] = 0x20 → code 26 →
// 19·26 − 34 = 460. Element 0: low nibble 15, qh[0] bit 0 clear → 29.
TEST(GgufBlocks, Q5_KHandBuilt) {
  Block k(DType::Q5_K);
  k.f16(0, kOne);
  k.f16(2, kOne);
  k.set(4 + 0, 2), k.set(4 + 4, 1);
  k.set(4 + 9, 0x23), k.set(4 + 1, 0x40), k.set(4 + 5, 0x80);
  k.set(48 + 0, 0x0F);
  k.set(48 + 64 + 7, 0xA0), k.set(16 + 7, 0x20);
  const auto y = decode(DType::Q5_K, k);
  EXPECT_EQ(y[0], 29.0f);
  EXPECT_EQ(y[167], 460.0f);
  EXPECT_EQ(gguf_block_params(DType::Q5_K, k.b.data()).codes[167], 26);
}

// Q6_K, d = 0.5. Element 0 (sub-block 0, scales[0] = 2 → 1): ql[0] = 0x0F, qh[0] bits
// 0-1 = 3 → (15 | 48) − 32 = 31 → 31. Element 200 (half 1, quarter 2, l 8; sub-block
// 12, scales[12] = −4 → −2): ql[64 + 8] high nibble 5, qh[32 + 8] bits 4-5 = 1 →
// (5 | 16) − 32 = −11 → 22. Element 127 (sub-block 7, scales[7] = 1 → 0.5): all zero
// bits → −32 → −16.
TEST(GgufBlocks, Q6_KHandBuilt) {
  Block k(DType::Q6_K);
  k.f16(208, kHalf);
  k.set(192 + 0, 2), k.set(192 + 12, 0xFC), k.set(192 + 7, 1);
  k.set(0, 0x0F), k.set(128 + 0, 0x03);
  k.set(64 + 8, 0x50), k.set(128 + 32 + 8, 0x10);
  const auto y = decode(DType::Q6_K, k);
  EXPECT_EQ(y[0], 31.0f);
  EXPECT_EQ(y[200], 22.0f);
  EXPECT_EQ(y[127], -16.0f);
  const GgufBlockParams p = gguf_block_params(DType::Q6_K, k.b.data());
  EXPECT_EQ(p.codes[200], -11);
  EXPECT_EQ(p.scale[12], -2.0f);
  EXPECT_EQ(p.code_min, -32);
  EXPECT_EQ(p.code_max, 31);
}

const DType kBlockTypes[] = {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0,
                             DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K};

// Random bytes, with the fp16 scale fields replaced by finite values so the comparison
// is not of NaNs (NaN scales are legal in a file and decode to NaN on both paths).
std::vector<std::byte> random_blocks(DType t, int64_t n, std::mt19937& rng) {
  std::vector<std::byte> b(size_t(n * dtype_block_bytes(t)));
  for (auto& x : b) x = std::byte(uint8_t(rng()));
  return b;
}

TEST(GgufBlocks, FastDecodeEqualsReferenceOnRandomBlocks) {
  std::mt19937 rng(7);
  for (DType t : kBlockTypes) {
    const int64_t n = 16, be = dtype_block_elems(t), bb = dtype_block_bytes(t);
    const auto bytes = random_blocks(t, n, rng);
    std::vector<float> fast(size_t(n * be)), ref(size_t(n * be));
    gguf_dequantize_blocks(t, bytes.data(), n, fast.data());
    for (int64_t k = 0; k < n; ++k) {
      gguf_dequantize_block_reference(t, bytes.data() + k * bb, ref.data() + k * be);
    }
    for (size_t i = 0; i < fast.size(); ++i) {
      if (std::isnan(ref[i])) {
        EXPECT_TRUE(std::isnan(fast[i])) << dtype_name(t) << " " << i;
      } else {
        EXPECT_EQ(std::memcmp(&fast[i], &ref[i], 4), 0) << dtype_name(t) << " " << i << ": "
                                                        << fast[i] << " vs " << ref[i];
      }
    }
    // Codes stay inside the type's range.
    const GgufBlockParams p = gguf_block_params(t, bytes.data());
    ASSERT_EQ(int64_t(p.codes.size()), be);
    ASSERT_EQ(int64_t(p.scale.size()) * p.sub_block_elems, be);
    for (int c : p.codes) {
      EXPECT_GE(c, p.code_min);
      EXPECT_LE(c, p.code_max);
    }
  }
}

// decode_to_float at every start offset and length pattern equals the whole decode.
TEST(GgufBlocks, RangeDecodeAtAnyOffsetMatchesWholeBlocks) {
  std::mt19937 rng(11);
  for (DType t : kBlockTypes) {
    const int64_t n = 3, be = dtype_block_elems(t);
    const auto bytes = random_blocks(t, n, rng);
    std::vector<float> whole(size_t(n * be));
    gguf_dequantize_blocks(t, bytes.data(), n, whole.data());
    TensorView v;
    v.dtype = t;
    v.shape = {n * be};
    v.bytes = bytes;
    for (int64_t first = 0; first < n * be; first += 7) {
      for (int64_t len : {int64_t(1), int64_t(5), be - 1, be, be + 3, n * be - first}) {
        const int64_t m = std::min(len, n * be - first);
        std::vector<float> part(static_cast<size_t>(m));
        decode_to_float(v, first, part);
        for (int64_t i = 0; i < m; ++i) {
          const float a = part[size_t(i)], b = whole[size_t(first + i)];
          ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, 4) == 0)
              << dtype_name(t) << " first " << first << " len " << len;
        }
      }
    }
  }
}

}  // namespace
}  // namespace qs::numeric
