// DType tables, decoding (every dtype, byte swap, strided) and streaming statistics,
// checked against values derived by hand from the format definitions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "analysis/numeric/tensor_decode.h"

namespace qs {
namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

std::vector<std::byte> bytes_of(std::initializer_list<int> v) {
  std::vector<std::byte> b;
  for (int x : v) b.push_back(std::byte(x));
  return b;
}

template <class T>
std::vector<std::byte> raw(const std::vector<T>& v) {
  std::vector<std::byte> b(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

TensorView view(DType dt, std::vector<int64_t> shape, const std::vector<std::byte>& b) {
  TensorView t;
  t.dtype = dt;
  t.shape = std::move(shape);
  t.bytes = b;
  return t;
}

std::vector<float> decode_all(const TensorView& t) {
  std::vector<float> out(size_t(t.numel()));
  decode_to_float(t, 0, out);
  return out;
}

void expect_same_floats(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i;
    } else {
      EXPECT_EQ(got[i], want[i]) << "element " << i;
    }
  }
}

TEST(TensorDType, TablesAreConsistent) {
  const std::pair<DType, size_t> sizes[] = {
      {DType::F64, 8},     {DType::F32, 4},     {DType::F16, 2}, {DType::BF16, 2},
      {DType::F8_E4M3, 1}, {DType::F8_E5M2, 1}, {DType::I64, 8}, {DType::I32, 4},
      {DType::I16, 2},     {DType::I8, 1},      {DType::U8, 1},  {DType::BOOL, 1}};
  for (auto [dt, size] : sizes) {
    EXPECT_EQ(dtype_size(dt), size) << dtype_name(dt);
    EXPECT_EQ(dtype_from_name(dtype_name(dt)), dt);
  }
  EXPECT_EQ(dtype_name(DType::F8_E4M3), "F8_E4M3");
  EXPECT_EQ(dtype_name(DType::BOOL), "BOOL");
  EXPECT_TRUE(dtype_is_float(DType::F8_E5M2));
  EXPECT_TRUE(dtype_is_float(DType::F64));
  EXPECT_FALSE(dtype_is_float(DType::I8));
  EXPECT_FALSE(dtype_is_float(DType::BOOL));
  EXPECT_EQ(dtype_from_name("F8_E8M0"), std::nullopt);
  EXPECT_EQ(dtype_from_name("f32"), std::nullopt);  // names are case-sensitive, as stored
}

TEST(TensorViewNumel, Numel) {
  TensorView t;
  EXPECT_EQ(t.numel(), 1);  // a scalar
  t.shape = {3, 0, 7};
  EXPECT_EQ(t.numel(), 0);
  t.shape = {4096, 4096};
  EXPECT_EQ(t.numel(), 16777216);
}

TEST(TensorDecode, EveryDTypeLittleEndian) {
  expect_same_floats(decode_all(view(DType::F32, {3}, raw<float>({1.5f, -0.0f, kInf}))),
                     {1.5f, -0.0f, kInf});
  // F64 → nearest float32: 0.1 becomes 0.1f, 1e300 overflows to inf.
  expect_same_floats(decode_all(view(DType::F64, {3}, raw<double>({-2.25, 0.1, 1e300}))),
                     {-2.25f, 0.1f, kInf});
  // IEEE half: 1.0, -2.0, 65504, +inf, smallest subnormal 2^-24, NaN.
  expect_same_floats(
      decode_all(
          view(DType::F16, {6}, raw<uint16_t>({0x3C00, 0xC000, 0x7BFF, 0x7C00, 0x0001, 0x7E00}))),
      {1.0f, -2.0f, 65504.0f, kInf, std::ldexp(1.0f, -24), kNaN});
  // bf16 = top half of a float32: 0x3F80 = 1.0, 0x4049 = 3.140625, 0xFF80 = -inf.
  expect_same_floats(decode_all(view(DType::BF16, {3}, raw<uint16_t>({0x3F80, 0x4049, 0xFF80}))),
                     {1.0f, 3.140625f, -kInf});
  // E4M3FN: 0x38 = 1.0, 0x7E = 448 (max), 0x7F = NaN, 0x01 = 2^-9, 0xB8 = -1.
  expect_same_floats(
      decode_all(view(DType::F8_E4M3, {5}, bytes_of({0x38, 0x7E, 0x7F, 0x01, 0xB8}))),
      {1.0f, 448.0f, kNaN, std::ldexp(1.0f, -9), -1.0f});
  // E5M2: 0x3C = 1.0, 0x7B = 57344 (max), 0x7C = inf, 0x01 = 2^-16, 0xFF = NaN.
  expect_same_floats(
      decode_all(view(DType::F8_E5M2, {5}, bytes_of({0x3C, 0x7B, 0x7C, 0x01, 0xFF}))),
      {1.0f, 57344.0f, kInf, std::ldexp(1.0f, -16), kNaN});
  // Integers convert with round-to-nearest: 2^24 + 1 is not a float32.
  expect_same_floats(
      decode_all(view(DType::I64, {3}, raw<int64_t>({-5, (int64_t(1) << 24) + 1, INT64_MIN}))),
      {-5.0f, 16777216.0f, -9223372036854775808.0f});
  expect_same_floats(decode_all(view(DType::I32, {2}, raw<int32_t>({-70000, INT32_MAX}))),
                     {-70000.0f, 2147483648.0f});
  expect_same_floats(decode_all(view(DType::I16, {2}, raw<int16_t>({-32768, 1234}))),
                     {-32768.0f, 1234.0f});
  expect_same_floats(decode_all(view(DType::I8, {3}, bytes_of({0x80, 0xFF, 0x7F}))),
                     {-128.0f, -1.0f, 127.0f});
  expect_same_floats(decode_all(view(DType::U8, {3}, bytes_of({0x80, 0xFF, 0x00}))),
                     {128.0f, 255.0f, 0.0f});
  // Any non-zero byte is true.
  expect_same_floats(decode_all(view(DType::BOOL, {4}, bytes_of({0, 1, 2, 0xFF}))),
                     {0.0f, 1.0f, 1.0f, 1.0f});
}

TEST(TensorDecode, BigEndianSwapsBytes) {
  // Stored big-endian; each view keeps its bytes alive in `b`.
  auto swapped = [](DType dt, std::initializer_list<int> bytes) {
    const std::vector<std::byte> b = bytes_of(bytes);
    TensorView t = view(dt, {int64_t(b.size() / dtype_size(dt))}, b);
    t.swap_bytes = true;
    return decode_all(t);
  };
  expect_same_floats(swapped(DType::F32, {0x3F, 0x80, 0, 0, 0xC0, 0x20, 0, 0}), {1.0f, -2.5f});
  expect_same_floats(swapped(DType::F64, {0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18}),
                     {float(3.141592653589793)});
  expect_same_floats(swapped(DType::F16, {0x3C, 0x00}), {1.0f});
  expect_same_floats(swapped(DType::BF16, {0xC0, 0x49}), {-3.140625f});
  expect_same_floats(swapped(DType::I16, {0xFF, 0xFE}), {-2.0f});
  expect_same_floats(swapped(DType::I32, {0xFF, 0xFE, 0xEE, 0x90}), {-70000.0f});
  expect_same_floats(swapped(DType::I64, {0, 0, 0, 0, 0, 0, 0x01, 0x00}), {256.0f});
  expect_same_floats(swapped(DType::U8, {0xAB}), {171.0f});  // one byte: nothing to swap
}

TEST(TensorDecode, RangeInsideTensor) {
  std::vector<float> v(10);
  for (int i = 0; i < 10; ++i) v[size_t(i)] = float(i) * 0.5f;
  const auto b = raw(v);
  std::vector<float> out(3);
  decode_to_float(view(DType::F32, {2, 5}, b), 6, out);
  expect_same_floats(out, {3.0f, 3.5f, 4.0f});
}

TEST(TensorDecode, FortranStridesGiveLogicalCOrder) {
  // A 2x3 matrix [[0,1,2],[3,4,5]] stored column-major: 0 3 1 4 2 5.
  const auto b = raw<float>({0, 3, 1, 4, 2, 5});
  TensorView t = view(DType::F32, {2, 3}, b);
  t.strides = {1, 2};
  expect_same_floats(decode_all(t), {0, 1, 2, 3, 4, 5});
  std::vector<float> part(3);
  decode_to_float(t, 2, part);  // starting mid-row exercises the odometer's start
  expect_same_floats(part, {2, 3, 4});

  // 3-D (2,3,4), Fortran strides (1,2,6): logical (a,b,c) lives at a + 2b + 6c.
  std::vector<int16_t> storage(24);
  for (int i = 0; i < 24; ++i) storage[size_t(i)] = int16_t(i);
  const auto b3 = raw(storage);
  TensorView t3 = view(DType::I16, {2, 3, 4}, b3);
  t3.strides = {1, 2, 6};
  std::vector<float> want;
  for (int a = 0; a < 2; ++a)
    for (int bb = 0; bb < 3; ++bb)
      for (int c = 0; c < 4; ++c) want.push_back(float(a + 2 * bb + 6 * c));
  expect_same_floats(decode_all(t3), want);
  for (int64_t first = 0; first < 24; ++first) {
    std::vector<float> one(1);
    decode_to_float(t3, first, one);
    EXPECT_EQ(one[0], want[size_t(first)]) << first;
  }
}

TEST(TensorFloatSpan, OnlyAlignedLittleEndianContiguousF32) {
  std::vector<float> v = {1, 2, 3, 4, 5};
  const auto b = raw(v);
  const TensorView t = view(DType::F32, {4}, b);
  auto s = as_float_span(t);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(static_cast<const void*>(s->data()), static_cast<const void*>(b.data()));
  EXPECT_EQ(s->size(), 4u);

  TensorView misaligned = view(DType::F32, {4}, b);
  misaligned.bytes = std::span<const std::byte>(b).subspan(1, 16);
  EXPECT_FALSE(as_float_span(misaligned).has_value());
  TensorView swapped = t;
  swapped.swap_bytes = true;
  EXPECT_FALSE(as_float_span(swapped).has_value());
  TensorView strided = view(DType::F32, {2, 2}, b);
  strided.strides = {1, 2};
  EXPECT_FALSE(as_float_span(strided).has_value());
  EXPECT_FALSE(as_float_span(view(DType::F16, {2}, b)).has_value());

  std::vector<float> storage;
  EXPECT_EQ(to_float(t, storage).data(), s->data());  // zero copy
  EXPECT_TRUE(storage.empty());
  std::vector<std::byte> shifted(b.size() + 1);
  std::memcpy(shifted.data() + 1, b.data(), b.size());
  TensorView moved = view(DType::F32, {5}, shifted);
  moved.bytes = std::span<const std::byte>(shifted).subspan(1);
  const auto copy = to_float(moved, storage);
  EXPECT_EQ(copy.data(), storage.data());
  expect_same_floats(std::vector<float>(copy.begin(), copy.end()), v);
}

TEST(TensorStatistics, HandDerived) {
  const std::vector<float> x = {1, 2, 3, 4};
  const TensorStats s = compute_stats(x);
  EXPECT_EQ(s.numel, 4);
  EXPECT_EQ(s.n_finite, 4);
  EXPECT_EQ(s.n_nonfinite, 0);
  EXPECT_EQ(s.min, 1.0);
  EXPECT_EQ(s.max, 4.0);
  EXPECT_EQ(s.mean, 2.5);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(1.25));  // population std: Σ(x-μ)²/n = 5/4
  EXPECT_EQ(s.absmax, 4.0);

  // Non-finite values are counted and excluded from every statistic.
  const TensorStats t = compute_stats(std::vector<float>{-5, kNaN, 2, kInf, -kInf, 3});
  EXPECT_EQ(t.n_finite, 3);
  EXPECT_EQ(t.n_nonfinite, 3);
  EXPECT_EQ(t.min, -5.0);
  EXPECT_EQ(t.max, 3.0);
  EXPECT_EQ(t.mean, 0.0);
  EXPECT_DOUBLE_EQ(t.std, std::sqrt(38.0 / 3.0));
  EXPECT_EQ(t.absmax, 5.0);
}

TEST(TensorStatistics, EmptyAndAllNonFiniteAreZeros) {
  for (const std::vector<float>& x : {std::vector<float>{}, std::vector<float>{kNaN, kInf}}) {
    const TensorStats s = compute_stats(x);
    EXPECT_EQ(s.numel, int64_t(x.size()));
    EXPECT_EQ(s.n_finite, 0);
    EXPECT_EQ(s.n_nonfinite, int64_t(x.size()));
    EXPECT_EQ(s.min, 0.0);
    EXPECT_EQ(s.max, 0.0);
    EXPECT_EQ(s.mean, 0.0);
    EXPECT_EQ(s.std, 0.0);
    EXPECT_EQ(s.absmax, 0.0);
  }
}

TEST(TensorStatistics, ConstantIsExactAcrossChunks) {
  // 0.1f is not exactly representable in a sum; the mean must still be exactly 0.1f and
  // the std exactly 0, also when the constant spans several chunks.
  const std::vector<float> x(size_t(kDecodeChunk) * 3 + 5, 0.1f);
  const TensorStats s = compute_stats(x);
  EXPECT_EQ(s.mean, double(0.1f));
  EXPECT_EQ(s.std, 0.0);
  EXPECT_EQ(s.absmax, double(0.1f));
}

TEST(TensorStatistics, ChunkMergeMatchesLongDoubleTwoPass) {
  // A large offset with small spread is where naive Σx² - nμ² loses every digit.
  const size_t n = size_t(kDecodeChunk) * 4 + 12345;
  std::vector<float> x(n);
  uint32_t state = 12345;
  for (float& v : x) {
    state = state * 1664525u + 1013904223u;
    v = 10000.0f + float(state >> 8) * 0x1p-24f;  // 10000 + [0, 1)
  }
  long double sum = 0;
  for (float v : x) sum += v;
  const long double mean = sum / n;
  long double ss = 0;
  for (float v : x) ss += (v - mean) * (v - mean);
  const double std_ref = double(std::sqrt(ss / n));
  const TensorStats s = compute_stats(x);
  EXPECT_NEAR(s.mean, double(mean), 1e-12 * double(mean));
  EXPECT_NEAR(s.std, std_ref, 1e-12 * std_ref);
}

TEST(TensorStatistics, ScanMatchesComputeBitForBit) {
  // The streaming scan (decode chunk, accumulate) and the span version share one
  // chunking, so they agree exactly whatever the storage.
  const size_t n = size_t(kDecodeChunk) * 2 + kDecodeChunk / 2;
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(float(i) * 0.001f) * 3.0f + 0.25f;
  v[7] = kNaN;
  v[n - 1] = -kInf;
  std::vector<std::byte> b(n * 4 + 1);
  std::memcpy(b.data() + 1, v.data(), n * 4);
  TensorView unaligned = view(DType::F32, {int64_t(n)}, b);
  unaligned.bytes = std::span<const std::byte>(b).subspan(1);
  const TensorStats a = scan_stats(unaligned);
  const TensorStats c = compute_stats(v);
  EXPECT_EQ(a.mean, c.mean);
  EXPECT_EQ(a.std, c.std);
  EXPECT_EQ(a.min, c.min);
  EXPECT_EQ(a.max, c.max);
  EXPECT_EQ(a.n_nonfinite, 2);
  EXPECT_EQ(c.n_nonfinite, 2);
  EXPECT_EQ(a.numel, int64_t(n));

  // A transposed (strided) view gives the statistics of the same multiset of values.
  const std::vector<std::byte> tb = raw(v);
  TensorView transposed = view(DType::F32, {int64_t(n / 2), 2}, tb);
  transposed.strides = {1, int64_t(n / 2)};
  std::vector<float> storage;
  const auto logical = to_float(transposed, storage);
  const TensorStats d = scan_stats(transposed);
  const TensorStats e = compute_stats(logical);
  EXPECT_EQ(d.mean, e.mean);
  EXPECT_EQ(d.std, e.std);
  EXPECT_NEAR(d.mean, c.mean, 1e-12);
  EXPECT_NEAR(d.std, c.std, 1e-12);
}

TEST(TensorShape, String) {
  EXPECT_EQ(shape_string(std::vector<int64_t>{}), "[]");
  EXPECT_EQ(shape_string(std::vector<int64_t>{5}), "[5]");
  EXPECT_EQ(shape_string(std::vector<int64_t>{4096, 4096}), "[4096, 4096]");
  EXPECT_EQ(shape_string(std::vector<int64_t>{3, 3, 16, 32}), "[3, 3, 16, 32]");
}

}  // namespace
}  // namespace qs
