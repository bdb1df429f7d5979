// DType tables, TensorView sizes, and how shapes and sizes are printed.
#include "analysis/base/tensor.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>


namespace qs {

static_assert(std::endian::native == std::endian::little,
              "decoding assumes a little-endian host (swap_bytes marks big-endian storage)");

// ------------------------------------------------------------------------ dtype table
namespace {

struct DTypeInfo {
  DType type;
  std::string_view name;
  int64_t block_elems;  // 1 for element types
  int64_t block_bytes;  // bytes per element for element types
  bool is_float;
};

// Block sizes of the GGUF types are facts of the format (ggml's block_q4_0 ... block_q6_K,
// QK_K = 256); analysis/numeric/gguf_blocks.cpp lays the bytes out.
constexpr std::array<DTypeInfo, 24> kDTypes = {{
    {DType::F64, "F64", 1, 8, true},
    {DType::F32, "F32", 1, 4, true},
    {DType::F16, "F16", 1, 2, true},
    {DType::BF16, "BF16", 1, 2, true},
    {DType::F8_E4M3, "F8_E4M3", 1, 1, true},
    {DType::F8_E5M2, "F8_E5M2", 1, 1, true},
    {DType::I64, "I64", 1, 8, false},
    {DType::I32, "I32", 1, 4, false},
    {DType::I16, "I16", 1, 2, false},
    {DType::I8, "I8", 1, 1, false},
    {DType::U8, "U8", 1, 1, false},
    {DType::BOOL, "BOOL", 1, 1, false},
    {DType::Q4_0, "Q4_0", 32, 18, true},
    {DType::Q4_1, "Q4_1", 32, 20, true},
    {DType::Q5_0, "Q5_0", 32, 22, true},
    {DType::Q5_1, "Q5_1", 32, 24, true},
    {DType::Q8_0, "Q8_0", 32, 34, true},
    {DType::Q2_K, "Q2_K", 256, 84, true},
    {DType::Q3_K, "Q3_K", 256, 110, true},
    {DType::Q4_K, "Q4_K", 256, 144, true},
    {DType::Q5_K, "Q5_K", 256, 176, true},
    {DType::Q6_K, "Q6_K", 256, 210, true},
    {DType::U8Q, "U8q", 1, 1, true},
    {DType::U16Q, "U16q", 1, 2, true},
}};
static_assert(size_t(DType::U16Q) + 1 == kDTypes.size());

const DTypeInfo& info(DType t) {
  return kDTypes[static_cast<size_t>(t)];
}

}  // namespace

size_t dtype_size(DType t) {
  return info(t).block_elems == 1 ? size_t(info(t).block_bytes) : 0;
}
bool dtype_is_block(DType t) {
  return info(t).block_elems > 1;
}
bool dtype_is_affine(DType t) {
  return t == DType::U8Q || t == DType::U16Q;
}
bool has_stored_quant(const TensorView& t) {
  return dtype_is_block(t.dtype) || dtype_is_affine(t.dtype) || (t.dtype == DType::F16 && t.stored_cast);
}
int64_t dtype_block_elems(DType t) {
  return info(t).block_elems;
}
int64_t dtype_block_bytes(DType t) {
  return info(t).block_bytes;
}
std::optional<int64_t> dtype_bytes(DType t, int64_t numel) {
  const DTypeInfo& d = info(t);
  if (numel < 0 || numel % d.block_elems != 0) return std::nullopt;
  return numel / d.block_elems * d.block_bytes;  // readers cap numel at 2^48
}
std::string_view dtype_name(DType t) {
  return info(t).name;
}
bool dtype_is_float(DType t) {
  return info(t).is_float;
}

std::optional<DType> dtype_from_name(std::string_view s) {
  for (const DTypeInfo& d : kDTypes) {
    if (d.name == s) return d.type;
  }
  return std::nullopt;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;  // readers capped the product at 2^48
  return n;
}

std::string human_bytes(int64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  if (u == 0) return std::to_string(bytes) + " B";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

std::string shape_string(std::span<const int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace qs
