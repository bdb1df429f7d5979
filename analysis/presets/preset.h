#pragma once
// Presets that reproduce real toolchains (issue #8): "quantize it the way PyTorch /
// llama.cpp / bitsandbytes / OCP MX do". Each preset is a spec name (q4_k, bnb_nf4, ...)
// usable wherever a scheme is, and follows its toolchain's published rule exactly:
// the arithmetic (float32 vs float64, x·(1/s) vs x/s, the rounding function, the code
// range) is the toolchain's, written next to each implementation with its source.
//
// Every preset quantizes groups of elements and dequantizes each element as
//   x̂ = a·grid[code] + b        (or (code − zp)·s for torch, the order torch uses)
// where a, b are per group (GroupParams::scale, ::zero_point) and grid is the preset's
// code table (integers for the int formats, a float format's values, NF4, FP4, the
// dynamic 8-bit map). That is what the levels the views draw come from.
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "analysis/base/error.h"
#include "analysis/presets/preset_id.h"
#include "analysis/quant/quant_math.h"
#include "analysis/base/run_control.h"
#include "analysis/base/tensor.h"

namespace qs {

// How a preset groups a row-major tensor.
enum class PresetGroups {
  Tensor,      // one group
  Channel0,    // one group per index of axis 0 (output channel)
  RowBlocks,   // blocks of `block` along the last axis; rows must be whole blocks (llama.cpp)
  RowBlocksPadded,  // blocks along the last axis, a row's last block may be short (MX)
  FlatBlocks,  // blocks of `block` over the flattened tensor, the last may be short (bitsandbytes,
               // HQQ; quanto's row groups, whose size preset_block picks per shape)
};

struct PresetInfo {
  Preset id;
  std::string_view name;         // the spec name
  std::string_view toolchain;    // whose rule, and the version it was taken from
  std::string_view description;  // one line
  PresetGroups groups;
  int64_t block;                 // elements per group for the block kinds (sub-block for K-quants)
};

const std::vector<PresetInfo>& all_presets();
const PresetInfo& preset_info(Preset p);
const PresetInfo* preset_by_name(std::string_view name);

// An error naming the preset when the shape does not fit its grouping (llama.cpp needs
// rows that are whole blocks of 32, or 256 for the K-quants; channel presets need ≥ 1 axis;
// quanto quantizes weights of ≥ 2 axes; HQQ needs numel to be whole groups of 64).
Result<void> preset_fits(Preset p, std::span<const int64_t> shape);

// Elements per group of a block preset on this shape: PresetInfo::block, except
// quanto_qint4, whose group size quanto picks from the row length numel/shape[0] (128,
// 96, 64 or 32 when one divides a row longer than 128, else the whole row).
int64_t preset_block(Preset p, std::span<const int64_t> shape);

// Bits per weight as the toolchain stores the tensor: codes plus every per-group field
// (llama.cpp: block bytes · 8 / 32 or 256; bitsandbytes: 4 or 8 bits + an fp32 absmax
// per block; MX: element bits + one E8M0 byte per 32; torch: an fp64 scale and an int64
// zero point per tensor or channel, as a quantized tensor holds them; quanto: fp32 scale
// (and fp32 shift for qint4) per group; gemmlowp: fp32 scale + uint8 zero point; HQQ:
// fp32 scale and zero per group of 64).
double preset_bits_per_weight(Preset p, int64_t numel, int64_t groups);

// The quantization of one tensor: x̂, codes and a clipped flag per element, and the
// per-group (a, b). Non-finite elements pass through (x̂ = x, code 0) and are left out
// of every group's range, as the other quantizers do.
struct PresetQuantization {
  std::vector<float> xhat;
  std::vector<int32_t> codes;
  std::vector<uint8_t> clipped;     // the rule clamped or saturated this element
  std::vector<GroupParams> groups;  // scale = a, zero_point = b (torch: the integer zp)
};
// How a preset runs: the rule is computed on `threads` threads (0 = hardware
// concurrency) over fixed items (whole rows / groups, ~64 K elements each), and the
// elements are handed on in element order, so the results never depend on the thread
// count. `control`: total/done count elements; when cancelled, the rest is skipped
// (check control->cancelled() afterwards: the output is then incomplete).
struct PresetRun {
  int threads = 0;
  RunControl* control = nullptr;
};

// Precondition: preset_fits(p, shape).
PresetQuantization quantize_preset(Preset p, std::span<const float> x, std::span<const int64_t> shape,
                                   const PresetRun& run = {});

// The same without per-element arrays: sink(i, x̂, code, clipped) once per element, in
// element order, on the caller's thread (the metrics pass streams through it); returns
// the per-group params. The overload without PresetRun uses every core.
using PresetSink = std::function<void(int64_t i, float xhat, int32_t code, bool clipped)>;
std::vector<GroupParams> visit_preset(Preset p, std::span<const float> x, std::span<const int64_t> shape,
                                      const PresetSink& sink, const PresetRun& run);
std::vector<GroupParams> visit_preset(Preset p, std::span<const float> x, std::span<const int64_t> shape,
                                      const PresetSink& sink);

// Item by item: sink(item, first, len, x̂, codes, clipped, worker) once per fixed item
// (a run of whole groups or rows, ~64 K elements; item k covers elements before item
// k+1's) on whichever of run.threads threads ran it (worker in [0, threads)), in no
// particular order; non-finite inputs arrive passed through (x̂ = x, code 0, not clipped).
// What a sink sums per item and merges in item order does not depend on the thread count.
// Items are numbered [0, preset_item_count(p, shape)).
using PresetItemSink = std::function<void(int64_t item, int64_t first, int64_t len, const float* xhat,
                                          const int32_t* codes, const uint8_t* clipped, int worker)>;
std::vector<GroupParams> visit_preset_items(Preset p, std::span<const float> x, std::span<const int64_t> shape,
                                            const PresetItemSink& sink, const PresetRun& run);
int64_t preset_item_count(Preset p, std::span<const int64_t> shape);

// The values one group can take (sorted, unique), for the views' level ticks.
std::vector<float> preset_levels(Preset p, const GroupParams& g);

}  // namespace qs
