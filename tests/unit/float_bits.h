#pragma once
// float32 as bits and back, and its specials, for the float-format tests.
#include <bit>
#include <cstdint>
#include <limits>

namespace qs::test {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

inline float f32_from_bits(uint32_t b) { return std::bit_cast<float>(b); }
inline uint32_t bits_of(float x) { return std::bit_cast<uint32_t>(x); }

}  // namespace qs::test
