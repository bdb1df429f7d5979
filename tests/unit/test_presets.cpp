// Real-toolchain presets (issue #8). Each preset is checked on a hand-built input whose
// codes and values are worked out below from the toolchain's published rule; the torch
// presets are also checked code for code against PyTorch itself (tests/data/
// torch_quant.json, written by tests/scripts/make_torch_quant_fixture.py with torch 1.13),
// and bitsandbytes' dynamic map against the same rule evaluated by torch.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "analysis/quant/levels.h"
#include "analysis/numeric/float_formats.h"
#include "analysis/presets/ggml_quants.h"
#include "analysis/presets/preset.h"
#include "analysis/presets/preset_tables.h"
#include "analysis/quant/quantize.h"
#include "analysis/quant/scheme.h"

namespace qs {
namespace {

QuantizeResult run(const std::string& spec, const std::vector<float>& x, std::vector<int64_t> shape) {
  auto s = parse_spec(spec);
  EXPECT_TRUE(s.has_value()) << spec;
  QuantizeOptions o;
  o.keep_codes = true;
  o.keep_dequant = true;
  return quantize(x, shape, *s, o);
}

std::vector<float> block32(std::initializer_list<float> head) {
  std::vector<float> x(32, 0.0f);
  std::copy(head.begin(), head.end(), x.begin());
  return x;
}

// [SECTION] llama.cpp

// Q8_0 with max|x| = 127: d = 127/127 = 1 exactly (fp16 too), so q = roundf(x):
// 2.5 → 3 and −2.5 → −3 and 0.5 → 1 (half away from zero, not to even), x̂ = q.
TEST(Presets, Q8_0RoundsHalfAwayFromZero) {
  const auto r = run("q8_0", block32({127, 2.5f, -2.5f, 0.5f, -0.5f, 1.4f}), {1, 32});
  EXPECT_EQ(r.codes[0], 127);
  EXPECT_EQ(r.codes[1], 3);
  EXPECT_EQ(r.codes[2], -3);
  EXPECT_EQ(r.codes[3], 1);
  EXPECT_EQ(r.codes[4], -1);
  EXPECT_EQ(r.codes[5], 1);
  EXPECT_EQ(r.dequant[1], 3.0f);
  EXPECT_EQ(r.groups[0].scale, 1.0f);
  EXPECT_EQ(*r.metrics.bits_per_weight, 8.5);  // 34 bytes per 32 weights
}

// Q8_0 with max|x| = 16: d = 16/127 = 0.125984…, stored as fp16 0.1259765625 (1032/1024 ·
// 2^−3); −16 → −127, 15 → round(15·127/16 = 119.06) = 119; x̂ = q·0.1259765625.
TEST(Presets, Q8_0ScaleIsStoredAsFp16) {
  const auto r = run("q8_0", block32({-16, 15, 1}), {1, 32});
  EXPECT_EQ(r.codes[0], -127);
  EXPECT_EQ(r.codes[1], 119);
  EXPECT_EQ(r.codes[2], 8);  // 7.94 → 8
  EXPECT_EQ(r.groups[0].scale, 0.1259765625f);
  EXPECT_EQ(r.dequant[1], 119 * 0.1259765625f);
}

// Q4_0: the signed maximum is −8 (first of largest |x|), d = −8/−8 = 1, and
// q = MIN(15, (int8)(x + 8.5)) − 8 as the stored signed code: −8 → 0.5 → 0 → −8;
// 8 → 16.5 → 16 → clamped to 15 → x̂ = 7 (clipped); 2.5 → 11 → 3 (halves round up);
// −2.5 → 6 → −2.
TEST(Presets, Q4_0TruncatesAfterAddingEightAndAHalf) {
  const auto r = run("q4_0", block32({-8, 8, 2.5f, -2.5f, 0.4f}), {1, 32});
  EXPECT_EQ(r.dequant[0], -8.0f);
  EXPECT_EQ(r.dequant[1], 7.0f);
  EXPECT_EQ(r.dequant[2], 3.0f);
  EXPECT_EQ(r.dequant[3], -2.0f);
  EXPECT_EQ(r.dequant[4], 0.0f);
  EXPECT_EQ(r.codes[1], 7);  // signed code −8..7
  EXPECT_EQ(r.metrics.sums.n_clipped, 1);
  EXPECT_EQ(*r.metrics.bits_per_weight, 4.5);
}

// Q4_1: min −1, max 14: d = 15/15 = 1, m = −1; q = MIN(15, (int8)(x + 1 + 0.5)):
// 14 → 15 → x̂ = 14; 0.5 → 2 → x̂ = 1 (1.5 rounds up); −1 → 0 → −1.
TEST(Presets, Q4_1IsAffineWithTheBlockMinimum) {
  auto x = block32({-1, 14, 0.5f, 3.2f});
  const auto r = run("q4_1", x, {1, 32});
  EXPECT_EQ(r.dequant[0], -1.0f);
  EXPECT_EQ(r.dequant[1], 14.0f);
  EXPECT_EQ(r.dequant[2], 1.0f);
  EXPECT_EQ(r.dequant[3], 3.0f);
  EXPECT_EQ(r.dequant[4], 0.0f);  // 0 → 1.5 → 1 → 1 − 1
  EXPECT_EQ(r.groups[0].zero_point, -1.0f);
  EXPECT_EQ(*r.metrics.bits_per_weight, 5.0);
}

// Q5_0: signed max −16, d = 1, q = MIN(31, (int8)(x + 16.5)): 16 → 32 → clamped 31 →
// x̂ = 15; 2.5 → 19 → 3. Q5_1: min −1, max 30, d = 1: 30 → 31.5 → 31 → 30.
TEST(Presets, Q5_0AndQ5_1) {
  auto r = run("q5_0", block32({-16, 16, 2.5f}), {1, 32});
  EXPECT_EQ(r.dequant[0], -16.0f);
  EXPECT_EQ(r.dequant[1], 15.0f);
  EXPECT_EQ(r.dequant[2], 3.0f);
  EXPECT_EQ(r.metrics.sums.n_clipped, 1);
  EXPECT_EQ(*r.metrics.bits_per_weight, 5.5);
  r = run("q5_1", block32({-1, 30, 0.5f, 7.7f}), {1, 32});
  EXPECT_EQ(r.dequant[1], 30.0f);
  EXPECT_EQ(r.dequant[2], 1.0f);
  EXPECT_EQ(r.dequant[3], 8.0f);  // 8.7 + 0.5 → 9 → 9 − 1
  EXPECT_EQ(*r.metrics.bits_per_weight, 6.0);
}

// Q4_K on values exactly on grids: sub-blocks alternate 0.5·k and 0.25·k (k = 0..15,
// twice each), so make_qkx2_quants finds scale 0.5 or 0.25 and min 0 with zero error.
// Then d = fp16(0.5/63) = 0.0079345703125 and the 6-bit scales are nearest_int(126·0.5)
// = 63 and nearest_int(126·0.25 = 31.5) = 32 (half to even): effective scales
// 63·d = 0.4998779296875 and 32·d = 0.25390625; codes nearest_int(x/scale) = k.
TEST(Presets, Q4_KSixBitScalesOverAnFp16Scale) {
  std::vector<float> x(256);
  for (int j = 0; j < 8; ++j)
    for (int i = 0; i < 32; ++i) x[size_t(32 * j + i)] = float(i % 16) * (j % 2 == 0 ? 0.5f : 0.25f);
  const auto r = run("q4_k", x, {1, 256});
  ASSERT_EQ(r.groups.size(), 8u);
  for (int j = 0; j < 8; ++j) {
    const float eff = j % 2 == 0 ? 0.4998779296875f : 0.25390625f;
    EXPECT_EQ(r.groups[size_t(j)].scale, eff) << j;
    EXPECT_EQ(r.groups[size_t(j)].zero_point, 0.0f) << j;
    for (int i = 0; i < 32; ++i) {
      EXPECT_EQ(r.codes[size_t(32 * j + i)], i % 16);
      EXPECT_EQ(r.dequant[size_t(32 * j + i)], eff * float(i % 16));
    }
  }
  EXPECT_EQ(*r.metrics.bits_per_weight, 4.5);  // 144 bytes per 256
}

// Q6_K on grids: sub-blocks of 16 values k·s, k = −32, −28, …, 28, s = 1/64 or 1/128.
// make_qx_quants finds s exactly (x = s·l for every element); max scale 1/64 gives
// d = fp16(−(1/64)/128) = −2^−13, and int8 scales −128 and −64: effective −128·d = 1/64,
// −64·d = 1/128. Codes k, x̂ = x exactly.
TEST(Presets, Q6_KExactGrid) {
  std::vector<float> x(256);
  for (int j = 0; j < 16; ++j)
    for (int i = 0; i < 16; ++i) x[size_t(16 * j + i)] = float(-32 + 4 * i) * (j % 2 == 0 ? 1.0f / 64 : 1.0f / 128);
  const auto r = run("q6_k", x, {1, 256});
  ASSERT_EQ(r.groups.size(), 16u);
  for (int j = 0; j < 16; ++j) EXPECT_EQ(r.groups[size_t(j)].scale, j % 2 == 0 ? 1.0f / 64 : 1.0f / 128) << j;
  for (size_t i = 0; i < 256; ++i) {
    EXPECT_EQ(r.dequant[i], x[i]);
    EXPECT_EQ(r.codes[i], -32 + 4 * int(i % 16));
  }
  EXPECT_EQ(*r.metrics.mse, 0.0);
  EXPECT_EQ(*r.metrics.bits_per_weight, 6.5625);  // 210 bytes per 256
}

TEST(Presets, LlamaCppNeedsWholeBlocksPerRow) {
  const std::vector<int64_t> shape = {2, 128};
  auto l = make_layout(shape, *parse_spec("q6_k"));
  ASSERT_FALSE(l.has_value());
  EXPECT_NE(l.error().message.find("whole blocks of 256"), std::string::npos) << l.error().message;
  EXPECT_TRUE(make_layout(shape, *parse_spec("q8_0")).has_value());
  const std::vector<int64_t> odd = {3, 40};
  EXPECT_FALSE(make_layout(odd, *parse_spec("q4_0")).has_value());
}

TEST(Presets, NearestIntIsHalfToEven) {
  EXPECT_EQ(ggml_nearest_int(0.5f), 0);
  EXPECT_EQ(ggml_nearest_int(1.5f), 2);
  EXPECT_EQ(ggml_nearest_int(-2.5f), -2);
  EXPECT_EQ(ggml_nearest_int(31.5f), 32);
  EXPECT_EQ(ggml_nearest_int(-7.49f), -7);
}

// [SECTION] PyTorch

// torch's own observers and quantize_per_tensor / quantize_per_channel (fixture):
// the same scales, zero points, integer codes and dequantized values, bit for bit.
TEST(Presets, TorchPresetsEqualPyTorch) {
  std::ifstream f(std::string(QS_TEST_DATA_DIR) + "/torch_quant.json");
  ASSERT_TRUE(f.good());
  const auto j = nlohmann::json::parse(f);
  const auto x = j["x"].get<std::vector<float>>();
  const auto shape = j["shape"].get<std::vector<int64_t>>();
  for (const auto& [name, c] : j["cases"].items()) {
    const auto r = run(name, x, shape);
    const auto scales = c["scale"].get<std::vector<float>>();
    const auto zps = c["zero_point"].get<std::vector<int>>();
    ASSERT_EQ(r.groups.size(), scales.size()) << name;
    for (size_t g = 0; g < scales.size(); ++g) {
      EXPECT_EQ(r.groups[g].scale, scales[g]) << name << " group " << g;
      EXPECT_EQ(int(r.groups[g].zero_point), zps[g]) << name << " group " << g;
    }
    const auto codes = c["codes"].get<std::vector<int>>();
    const auto xhat = c["xhat"].get<std::vector<float>>();
    int mismatches = 0;
    for (size_t i = 0; i < x.size(); ++i) mismatches += r.codes[i] != codes[i] || r.dequant[i] != xhat[i];
    EXPECT_EQ(mismatches, 0) << name;
  }
}

// Symmetric qint8 by hand: max|x| = 1 → s = 1/127.5 = 0.0078431377 (float32) and
// 1/s = 127.49999 in float32, so 1.0 → 127 and −1.0 → −127: −128 is in the range
// PyTorch allows but symmetric data never reaches it. 0.5 → 63.75 → 64.
TEST(Presets, TorchQint8Symmetric) {
  const auto r = run("torch_qint8", {-1.0f, 0.5f, 1.0f, 0.25f}, {4});
  EXPECT_EQ(r.groups[0].scale, 1.0f / 127.5f);
  EXPECT_EQ(r.codes, (std::vector<int32_t>{-127, 64, 127, 32}));
  EXPECT_EQ(r.dequant[1], 64 * (1.0f / 127.5f));
  EXPECT_NEAR(*r.metrics.bits_per_weight, 8.0 + 128.0 / 4, 1e-12);  // fp64 scale + int64 zp
}

// Affine quint8 by hand: x in [−1, 3]: s = 4/255, zp = −round(−1/s = −63.75) = 64;
// 3 → 64 + round(191.25) = 255; −1 → 64 − 64 = 0; 0 → 64 exactly (zero is exact).
TEST(Presets, TorchQuint8Affine) {
  const auto r = run("torch_quint8", {-1.0f, 3.0f, 0.0f, 1.0f}, {4});
  EXPECT_EQ(r.groups[0].scale, 4.0f / 255.0f);
  EXPECT_EQ(r.groups[0].zero_point, 64.0f);
  EXPECT_EQ(r.codes, (std::vector<int32_t>{0, 255, 64, 128}));
  EXPECT_EQ(r.dequant[2], 0.0f);
}

// Per-channel qint8 by hand: row 0 max|x| = 1 → s0 = 1/127.5; row 1 max|x| = 0.25 →
// s1 = 0.25/127.5. −0.5·127.5 = −63.75 → −64; 0.1/s1 = 51 → 51 (0.1·510 = 51.0).
TEST(Presets, TorchQint8PerChannel) {
  const auto r = run("torch_qint8_channel", {1.0f, -0.5f, 0.25f, 0.1f}, {2, 2});
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].scale, 1.0f / 127.5f);
  EXPECT_EQ(r.groups[1].scale, 0.25f / 127.5f);
  EXPECT_EQ(r.codes, (std::vector<int32_t>{127, -64, 127, 51}));
  EXPECT_NEAR(*r.metrics.bits_per_weight, 8.0 + 128.0 * 2 / 4, 1e-12);
}

// [SECTION] bitsandbytes

// NF4 with absmax 2: x·(1/2) = 1 → code 15, −1 → 0, 0.5 → 12 (below the 12|13 threshold
// 0.50166), 0.05 → 8 (between 0.0398 and 0.1203); x̂ = NF4[code]·2.
TEST(Presets, BnbNf4) {
  std::vector<float> x(64, 0.0f);
  x[0] = 2, x[1] = -2, x[2] = 1, x[3] = 0.1f;
  const auto r = run("bnb_nf4", x, {64});
  EXPECT_EQ(r.codes[0], 15);
  EXPECT_EQ(r.codes[1], 0);
  EXPECT_EQ(r.codes[2], 12);
  EXPECT_EQ(r.codes[3], 8);
  EXPECT_EQ(r.codes[4], 7);
  EXPECT_EQ(r.dequant[2], 0.44070982933044434f * 2.0f);
  EXPECT_EQ(r.groups[0].scale, 2.0f);
  EXPECT_EQ(*r.metrics.bits_per_weight, 4.5);  // 4 bits + an fp32 absmax per 64
}

// bitsandbytes blocks run over the flattened tensor: 3 × 40 = 120 elements are blocks
// [0, 64) and [64, 120), whatever the rows.
TEST(Presets, BnbBlocksAreFlat) {
  std::vector<float> x(120, 0.01f);
  x[70] = 4.0f;  // row 1, but in block 1 (elements 64..119)
  const auto r = run("bnb_nf4", x, {3, 40});
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].scale, 0.01f);
  EXPECT_EQ(r.groups[1].scale, 4.0f);
  EXPECT_NEAR(*r.metrics.bits_per_weight, 4.0 + 64.0 / 120, 1e-12);
}

// bitsandbytes FP4 with absmax 12 (normalized = x·(1/12), 1/12 = 0.083333336 in float32):
// 6 → 0.5 → code 0b0101 (0.5) → 6; 9 → 0.75 → 0b0010 (8/12) → 8; 2.5 → 0.20833334,
// just above the pivot 0.20833333 between 2/12 and 3/12 → 0b0111 (3/12) → 3 (the
// reciprocal multiply decides a value that is exactly halfway); −0.03 → 0.0025 → 0b1000
// (−0) → 0; 12 → 1 → 0b0011 → 12.
TEST(Presets, BnbFp4) {
  std::vector<float> x(64, 0.0f);
  x[0] = 12, x[1] = 6, x[2] = 9, x[3] = 2.5f, x[4] = -0.03f, x[5] = -12;
  const auto r = run("bnb_fp4", x, {64});
  EXPECT_EQ(r.codes[0], 0b0011);
  EXPECT_EQ(r.codes[1], 0b0101);
  EXPECT_EQ(r.codes[2], 0b0010);
  EXPECT_EQ(r.codes[3], 0b0111);
  EXPECT_EQ(r.dequant[3], 0.25f * 12.0f);
  EXPECT_EQ(r.codes[4], 0b1000);
  EXPECT_EQ(r.codes[5], 0b1011);
  EXPECT_EQ(r.dequant[1], 6.0f);
  EXPECT_EQ(r.dequant[2], 0.66666667f * 12.0f);
  EXPECT_EQ(r.dequant[4], 0.0f);
  EXPECT_EQ(r.dequant[5], -12.0f);
}

// The dynamic map equals bitsandbytes' rule evaluated by torch (fixture), has 0 at 127
// and 1 at 255, and the binary search returns every map value's own index.
TEST(Presets, BnbDynamicMap) {
  std::ifstream f(std::string(QS_TEST_DATA_DIR) + "/torch_quant.json");
  const auto j = nlohmann::json::parse(f);
  const auto expect = j["bnb_dynamic_map"].get<std::vector<float>>();
  const auto& map = bnb_dynamic_map();
  ASSERT_EQ(expect.size(), 256u);
  for (size_t k = 0; k < 256; ++k) EXPECT_EQ(map[k], expect[k]) << k;
  // The rule in float64: 10^(i−6) · (b_k + b_k+1)/2 with b = linspace(0.1, 1, 2^i + 1);
  // every shipped value is within 2 float32 ulps of it (torch's float32 rounding).
  std::vector<double> rule = {0.0, 1.0};
  for (int i = 0; i < 7; ++i) {
    const int n = (1 << i) + 1;
    for (int k = 0; k + 1 < n; ++k) {
      const double b0 = 0.1 + 0.9 * k / (n - 1), b1 = 0.1 + 0.9 * (k + 1) / (n - 1);
      const double v = std::pow(10.0, i - 6) * (b0 + b1) / 2;
      rule.push_back(v);
      rule.push_back(-v);
    }
  }
  std::sort(rule.begin(), rule.end());
  ASSERT_EQ(rule.size(), 256u);
  for (size_t k = 0; k < 256; ++k) {
    const double ulp = std::fabs(double(std::nextafter(map[k], 2.0f)) - double(map[k]));
    EXPECT_LE(std::fabs(double(map[k]) - rule[k]), 2 * ulp) << k;
  }
  EXPECT_EQ(map[127], 0.0f);
  EXPECT_EQ(map[255], 1.0f);
  EXPECT_NEAR(map[128], 5.5e-7, 1e-13);  // 10^−6 · the one midpoint of linspace(0.1, 1, 2)
  for (int k = 0; k < 256; ++k) EXPECT_EQ(bnb_dynamic_encode(map[size_t(k)]), k) << k;
  // Between two codes: the nearer one (midpoint test).
  const float mid = 0.5f * (map[200] + map[201]);
  EXPECT_EQ(bnb_dynamic_encode(mid * 0.999f + map[200] * 0.001f), 200);
  EXPECT_EQ(bnb_dynamic_encode(mid * 0.999f + map[201] * 0.001f), 201);
  std::vector<float> x(100, 0.0f);
  x[0] = 2.0f, x[1] = 1.0f;
  const auto r = run("bnb_dynamic8", x, {100});
  EXPECT_EQ(r.codes[0], 255);
  // 1.0·(1/2) = 0.5: the exponent-0 values are the midpoints 0.1 + 0.0140625·(k + ½) of
  // linspace(0.1, 1, 65); 0.5 is nearest k = 28 (0.50078125; k = 27 gives 0.48671875).
  // Below them sit 127 negatives, 0 and 63 smaller positives: index 191 + 28 = 219.
  EXPECT_EQ(r.codes[1], 219);
  EXPECT_NEAR(map[219], 0.50078125, 1e-7);
  EXPECT_EQ(r.dequant[1], map[219] * 2.0f);
  EXPECT_NEAR(*r.metrics.bits_per_weight, 8.0 + 32.0 / 100, 1e-12);
}

// [SECTION] OCP MX and FP8

// MXFP4, block max 7: shared exponent ⌊log2 7⌋ − 2 = 0, scale 1. E2M1 values 0, 0.5, 1,
// 1.5, 2, 3, 4, 6: 7 saturates to 6 (clipped); 5 is halfway 4|6 → 4 (even mantissa);
// 2.5 → 2; 0.25 → 0; −1.75 → −2.
TEST(Presets, MxFp4) {
  const auto r = run("mxfp4", block32({7, 5, 2.5f, 0.25f, -1.75f}), {32});
  EXPECT_EQ(r.groups[0].scale, 1.0f);
  EXPECT_EQ(r.dequant[0], 6.0f);
  EXPECT_EQ(r.dequant[1], 4.0f);
  EXPECT_EQ(r.dequant[2], 2.0f);
  EXPECT_EQ(r.dequant[3], 0.0f);
  EXPECT_EQ(r.dequant[4], -2.0f);
  EXPECT_EQ(r.metrics.sums.n_clipped, 1);
  EXPECT_EQ(*r.metrics.bits_per_weight, 4.25);
}

// MXFP8 E4M3, block max 1.9: scale 2^(0 − 8); 1.9·256 = 486.4 > 448 → 448 → 1.75
// (clipped); 1.0 → 256 exactly; 0.3·256 = 76.8 → 80 (spacing 8 in [64, 128)) → 0.3125.
TEST(Presets, MxFp8E4M3) {
  const auto r = run("mxfp8_e4m3", block32({1.9f, 1.0f, 0.3f}), {32});
  EXPECT_EQ(r.groups[0].scale, 1.0f / 256);
  EXPECT_EQ(r.dequant[0], 1.75f);
  EXPECT_EQ(r.dequant[1], 1.0f);
  EXPECT_EQ(r.dequant[2], 0.3125f);
  EXPECT_EQ(r.metrics.sums.n_clipped, 1);
  EXPECT_EQ(*r.metrics.bits_per_weight, 8.25);
}

// MXFP8 E5M2, block max 1: scale 2^(0 − 15); 1 → 2^15 exactly; 0.3 → 9830.4, in
// [8192, 16384) the E5M2 spacing is 2048 → 10240 → 0.3125.
TEST(Presets, MxFp8E5M2) {
  const auto r = run("mxfp8_e5m2", block32({1.0f, 0.3f}), {32});
  EXPECT_EQ(r.groups[0].scale, 1.0f / 32768);
  EXPECT_EQ(r.dequant[0], 1.0f);
  EXPECT_EQ(r.dequant[1], 0.3125f);
  EXPECT_EQ(*r.metrics.bits_per_weight, 8.25);
}

// MXFP6: block max 3. E2M3 (emax 2): scale 2^(1 − 2) = 0.5, 3 → 6 exactly, 0.3 → 0.6 →
// subnormal spacing 1/8 → 0.625 → 0.3125. E3M2 (emax 4): scale 2^(1 − 4), 3 → 24 exact,
// 0.3 → 2.4 → spacing 0.5 in [2, 4) → 2.5 → 0.3125.
TEST(Presets, MxFp6) {
  auto r = run("mxfp6_e2m3", block32({3, 0.3f}), {32});
  EXPECT_EQ(r.groups[0].scale, 0.5f);
  EXPECT_EQ(r.dequant[0], 3.0f);
  EXPECT_EQ(r.dequant[1], 0.3125f);
  EXPECT_EQ(*r.metrics.bits_per_weight, 6.25);
  r = run("mxfp6_e3m2", block32({3, 0.3f}), {32});
  EXPECT_EQ(r.groups[0].scale, 0.125f);
  EXPECT_EQ(r.dequant[0], 3.0f);
  EXPECT_EQ(r.dequant[1], 0.3125f);
  EXPECT_EQ(mx_traits(MxElement::E3M2).max, 28.0f);
  EXPECT_EQ(mx_cast(MxElement::E3M2, 30.0f), 28.0f);
  EXPECT_EQ(mx_cast(MxElement::E2M3, 7.8f), 7.5f);
}

// FP8 per tensor: max|x| = 448 → s = 1; 100 is halfway 96|104 → 96 (even); 0.01 →
// 5 subnormal steps of 2^−9 → 0.009765625. Per channel: row 1 has max 224 → s = 0.5,
// 50/0.5 = 100 → 96 → 48.
TEST(Presets, Fp8TensorAndChannel) {
  auto r = run("fp8_e4m3_tensor", {448, 100, 0.01f, -448}, {4});
  EXPECT_EQ(r.groups[0].scale, 1.0f);
  EXPECT_EQ(r.dequant, (std::vector<float>{448, 96, 0.009765625f, -448}));
  r = run("fp8_e4m3_channel", {448, 100, 224, 50}, {2, 2});
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[1].scale, 0.5f);
  EXPECT_EQ(r.dequant[3], 48.0f);
  EXPECT_EQ(*r.metrics.bits_per_weight, 8.0 + 32.0 * 2 / 4);
}

// [SECTION] Every preset

// Names round-trip through the spec parser and JSON; options are refused; every preset
// quantizes a random tensor with each x̂ on its group's levels and bits/weight as listed.
TEST(Presets, EveryPresetIsASpecAndLandsOnItsLevels) {
  const std::map<std::string, double> bits = {
      {"torch_quint8", 8.0 + 128.0 / 4096}, {"torch_qint8", 8.0 + 128.0 / 4096},
      {"torch_qint8_channel", 8.0 + 128.0 * 16 / 4096}, {"q8_0", 8.5}, {"q4_0", 4.5}, {"q4_1", 5.0},
      {"q5_0", 5.5}, {"q5_1", 6.0}, {"q4_k", 4.5}, {"q6_k", 6.5625}, {"bnb_nf4", 4.5}, {"bnb_fp4", 4.5},
      {"bnb_dynamic8", 8.0 + 32.0 / 4096}, {"mxfp8_e4m3", 8.25}, {"mxfp8_e5m2", 8.25}, {"mxfp6_e3m2", 6.25},
      {"mxfp6_e2m3", 6.25}, {"mxfp4", 4.25}, {"fp8_e4m3_tensor", 8.0 + 32.0 / 4096},
      {"fp8_e4m3_channel", 8.0 + 32.0 * 16 / 4096}, {"quanto_qint8", 8.0 + 32.0 * 16 / 4096},
      {"quanto_qint4", 4.0 + 64.0 * 32 / 4096}, {"gemmlowp_uint8", 8.0 + 40.0 / 4096}, {"hqq_4bit", 5.0}};
  ASSERT_EQ(all_presets().size(), bits.size());
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0, 0.05f);
  std::vector<float> x(16 * 256);
  for (float& v : x) v = g(rng);
  x[77] = 1.5f;
  const std::vector<int64_t> shape = {16, 256};
  for (const PresetInfo& p : all_presets()) {
    const std::string name(p.name);
    auto s = parse_spec(name);
    ASSERT_TRUE(s.has_value()) << name;
    EXPECT_EQ(print_spec(*s), name);
    EXPECT_EQ(*scheme_from_json(scheme_to_json(*s)), *s) << name;
    EXPECT_FALSE(parse_spec(name + ":bits=4").has_value()) << name;
    const auto r = run(name, x, shape);
    EXPECT_NEAR(*r.metrics.bits_per_weight, bits.at(name), 1e-12) << name;
    EXPECT_GT(*r.metrics.sqnr_db, 10.0) << name;
    int off_grid = 0;
    for (int64_t i = 0; i < int64_t(x.size()); i += 7) {
      const auto L = representable_levels(*s, r.groups[size_t(r.layout.group_of(i))]);
      off_grid += !std::binary_search(L.begin(), L.end(), r.dequant[size_t(i)] == 0 ? 0.0f : r.dequant[size_t(i)]);
    }
    EXPECT_EQ(off_grid, 0) << name;
    // quantize_ref agrees (the preset rule is the reference for both).
    QuantizeOptions o;
    o.keep_dequant = true;
    EXPECT_EQ(quantize_ref(x, shape, *s, o).dequant, r.dequant) << name;
  }
}

// Non-finite inputs pass through and take no part in a group's scale.
TEST(Presets, NonFiniteValuesPassThrough) {
  auto x = block32({1.0f, NAN, INFINITY, 0.5f});
  const auto r = run("q8_0", x, {32});
  EXPECT_TRUE(std::isnan(r.dequant[1]));
  EXPECT_TRUE(std::isinf(r.dequant[2]));
  EXPECT_EQ(r.metrics.n_nonfinite, 2);
  EXPECT_EQ(r.codes[0], 127);  // max|x| over the finite values is 1
}

}  // namespace
}  // namespace qs
