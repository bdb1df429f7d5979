// Stored (GGUF) quantization of a tensor, read block by block through the same
// parameter reader that the block decoder is tested against.
#include "analysis/stored_quant.h"

#include <algorithm>

#include "analysis/numeric/gguf_blocks.h"

namespace qs {

int StoredQuant::codes_used() const {
  return int(std::count_if(code_counts.begin(), code_counts.end(), [](uint64_t c) { return c > 0; }));
}

Result<StoredQuant> read_stored_quant(const TensorView& t, RunControl* control) {
  if (!dtype_is_block(t.dtype)) {
    return make_error("tensor '" + t.name + "' is stored as " + std::string(dtype_name(t.dtype)) +
                      ", not a block-quantized GGUF type: it has no stored quantization");
  }
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
  return j;
}

}  // namespace qs
