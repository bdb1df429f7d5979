#pragma once
// The quantization a file already applied to a tensor: its per-sub-block scales and
// offsets, how often each integer code is used, and the grid of values each sub-block
// can represent. GGUF block types; TF.js uint8/uint16 affine codes (one sub-block: the
// whole tensor, x = q·scale + min) and float16 casts (the codes are the 65536 half
// bit patterns, the grid the finite halves). The decoded floats lie exactly on that grid (zero error against it), so
// a re-quantization of them shows what another scheme would add on top.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/base/error.h"
#include "analysis/base/run_control.h"
#include "analysis/base/tensor.h"

namespace qs {

struct StoredQuant {
  DType type = DType::F32;
  int64_t numel = 0;
  int64_t block_elems = 0;       // 32, or 256 for the K-quants (the stored unit)
  int64_t sub_block_elems = 0;   // elements that share one scale/offset
  double bits_per_weight = 0;    // block bytes · 8 / block elements, as stored
  int code_min = 0, code_max = 0;
  std::vector<uint64_t> code_counts;  // count of code c at [c − code_min]
  // Per sub-block, in element order: x = scale · code + offset.
  std::vector<float> scale, offset;
  bool has_offset = false;       // Q4_1, Q5_1, Q2_K, Q4_K, Q5_K, U8q, U16q
  // U8q/U16q: the file's scale and min as JSON gave them (double); scale/offset above hold
  // them rounded to float32 for display. Levels are computed from these, as TF.js does.
  double affine_scale = 0, affine_min = 0;
  bool cancelled = false;

  int64_t sub_blocks() const { return int64_t(scale.size()); }
  int codes_used() const;        // distinct codes that occur
};

// Reads every block or code of a tensor with stored quantization (has_stored_quant); an
// error for any other. Streams over the bytes (no float copy); checks `control` between
// chunks.
Result<StoredQuant> read_stored_quant(const TensorView& t, RunControl* control = nullptr);

// The values sub-block j can represent (one per code, ascending code order; for a float16
// cast the finite halves in code order).
std::vector<float> stored_levels(const StoredQuant& s, int64_t j);

// Summary for `quantize --json` and reports: type, bits/weight, sizes, scale and offset
// min/median/max, code histogram.
nlohmann::json stored_quant_json(const StoredQuant& s);

}  // namespace qs
