// Stored quantization of a tensor: GGUF blocks read block by block through the same
// parameter reader that the block decoder is tested against; TF.js codes counted.
#include "analysis/model/stored_quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "analysis/numeric/float_formats.h"
#include "analysis/numeric/gguf_blocks.h"

namespace qs {

namespace {

// TF.js: one per-tensor grid (U8q/U16q) or the half-precision bit patterns (F16 cast).
StoredQuant read_code_tensor(const TensorView& t, RunControl* control) {
  StoredQuant s;
  s.type = t.dtype;
  s.numel = t.numel();
  s.block_elems = s.sub_block_elems = s.numel;
  const int bits = t.dtype == DType::U8Q ? 8 : 16;
  s.code_min = 0;
  s.code_max = (1 << bits) - 1;
  s.code_counts.assign(size_t(1) << bits, 0);
  if (dtype_is_affine(t.dtype)) {
    s.has_offset = true;
    s.affine_scale = t.q_scale;
    s.affine_min = t.q_min;
    s.scale = {static_cast<float>(t.q_scale)};
    s.offset = {static_cast<float>(t.q_min)};
    // The scale and min live in the JSON (float32 as the converter writes them): count
    // them as a float zero point with an f32 scale does (DESIGN: bits_per_weight).
    s.bits_per_weight = s.numel > 0 ? (double(bits) * double(s.numel) + 64.0) / double(s.numel) : double(bits);
  } else {
    s.scale = {1.0f};
    s.offset = {0.0f};
    s.bits_per_weight = 16;
  }
  constexpr int64_t kCheckEvery = 1 << 20;  // elements between cancel checks
  if (control) control->total = s.numel;
  const std::byte* p = t.bytes.data();
  for (int64_t i = 0; i < s.numel; ++i) {
    if (i % kCheckEvery == 0 && control) {
      if (control->cancelled()) {
        s.cancelled = true;
        return s;
      }
      control->done = i;
    }
    unsigned c = 0;
    if (bits == 8) {
      c = uint8_t(p[i]);
    } else {
      uint16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      c = t.swap_bytes ? __builtin_bswap16(v) : v;
    }
    ++s.code_counts[c];
  }
  if (control) control->done = s.numel;
  return s;
}

}  // namespace

int StoredQuant::codes_used() const {
  return int(std::count_if(code_counts.begin(), code_counts.end(), [](uint64_t c) { return c > 0; }));
}

Result<StoredQuant> read_stored_quant(const TensorView& t, RunControl* control) {
  if (!has_stored_quant(t)) {
    return make_error("tensor '" + t.name + "' is stored as " + std::string(dtype_name(t.dtype)) +
                      ", not a block-quantized GGUF type or a TF.js quantized weight: it has no stored quantization");
  }
  if (!dtype_is_block(t.dtype)) return read_code_tensor(t, control);
  StoredQuant s;
  s.type = t.dtype;
  s.numel = t.numel();
  s.block_elems = dtype_block_elems(t.dtype);
  s.bits_per_weight = numeric::gguf_bits_per_weight(t.dtype);
  const int64_t bb = dtype_block_bytes(t.dtype);
  const int64_t blocks = int64_t(t.bytes.size()) / bb;
  numeric::GgufBlockParams p;
  constexpr int64_t kCheckEvery = 4096;  // blocks between cancel checks
  if (control) control->total = blocks;
  for (int64_t k = 0; k < blocks; ++k) {
    if (k % kCheckEvery == 0 && control) {
      if (control->cancelled()) {
        s.cancelled = true;
        return s;
      }
      control->done = k;
    }
    numeric::gguf_block_params(t.dtype, t.bytes.data() + k * bb, p);
    if (k == 0) {
      s.sub_block_elems = p.sub_block_elems;
      s.code_min = p.code_min;
      s.code_max = p.code_max;
      s.code_counts.assign(size_t(p.code_max - p.code_min + 1), 0);
      const size_t subs = size_t(blocks) * p.scale.size();
      s.scale.reserve(subs);
      s.offset.reserve(subs);
    }
    s.scale.insert(s.scale.end(), p.scale.begin(), p.scale.end());
    s.offset.insert(s.offset.end(), p.offset.begin(), p.offset.end());
    for (int c : p.codes) ++s.code_counts[size_t(c - p.code_min)];
  }
  if (control) control->done = blocks;
  s.has_offset = t.dtype == DType::Q4_1 || t.dtype == DType::Q5_1 || t.dtype == DType::Q2_K ||
                 t.dtype == DType::Q4_K || t.dtype == DType::Q5_K;
  if (blocks == 0) {  // an empty tensor: still describe the type
    const numeric::GgufBlockParams z = numeric::gguf_block_params(t.dtype, std::vector<std::byte>(size_t(bb)).data());
    s.sub_block_elems = z.sub_block_elems;
    s.code_min = z.code_min;
    s.code_max = z.code_max;
    s.code_counts.assign(size_t(z.code_max - z.code_min + 1), 0);
  }
  return s;
}

std::vector<float> stored_levels(const StoredQuant& s, int64_t j) {
  std::vector<float> out;
  if (j < 0 || j >= s.sub_blocks()) return out;
  if (dtype_is_affine(s.type)) {  // as TF.js decodes: double product and sum, one rounding
    for (int c = s.code_min; c <= s.code_max; ++c) out.push_back(static_cast<float>(double(c) * s.affine_scale + s.affine_min));
    return out;
  }
  if (s.type == DType::F16) {  // the finite halves, in code order
    for (int c = s.code_min; c <= s.code_max; ++c) {
      const float v = numeric::fp16_decode(uint16_t(c));
      if (std::isfinite(v)) out.push_back(v);
    }
    return out;
  }
  const float sc = s.scale[size_t(j)], off = s.offset[size_t(j)];
  for (int c = s.code_min; c <= s.code_max; ++c) {
    out.push_back(off != 0.0f ? sc * float(c) + off : sc * float(c));
  }
  return out;
}

namespace {

nlohmann::json spread(std::vector<float> v) {
  nlohmann::json j = nlohmann::json::object();
  if (v.empty()) return j;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(mid), v.end());
  j["median"] = v[mid];
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  j["min"] = *lo;
  j["max"] = *hi;
  return j;
}

}  // namespace

nlohmann::json stored_quant_json(const StoredQuant& s) {
  nlohmann::json j = nlohmann::json::object();
  j["type"] = dtype_name(s.type);
  j["bits_per_weight"] = s.bits_per_weight;
  j["block_elems"] = s.block_elems;
  j["sub_block_elems"] = s.sub_block_elems;
  j["sub_blocks"] = s.sub_blocks();
  j["code_min"] = s.code_min;
  j["code_max"] = s.code_max;
  j["codes_used"] = s.codes_used();
  j["code_counts"] = s.code_counts;
  j["scale"] = spread(s.scale);
  if (s.has_offset) j["offset"] = spread(s.offset);
  if (dtype_is_affine(s.type)) {  // exactly as the file gives them
    j["affine"] = {{"scale", s.affine_scale}, {"min", s.affine_min}};
  }
  return j;
}

}  // namespace qs
