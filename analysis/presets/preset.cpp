// The preset table and one quantizer per toolchain family. Each family's rule is written
// next to its code with where it comes from; tests/unit/test_presets.cpp works each one
// out by hand on a small input.
#include "analysis/presets/preset.h"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <limits>

#include "analysis/base/parallel.h"
#include "analysis/numeric/float_formats.h"
#include "analysis/numeric/gguf_blocks.h"
#include "analysis/presets/gemmlowp.h"
#include "analysis/presets/ggml_quants.h"
#include "analysis/presets/hqq.h"
#include "analysis/presets/preset_kinds.h"
#include "analysis/presets/preset_tables.h"
#include "analysis/presets/quanto.h"

namespace qs {

namespace {

int64_t numel_of(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Element index ranges of each group, in group order (the per-preset grouping).
struct Grouping {
  int64_t groups = 1;
  // Calls f(group, first, count, stride) for each run of elements of a group.
  int64_t rows = 1, cols = 1, block = 1, blocks_per_row = 1;  // block kinds
  int64_t dim = 1, inner = 1;                                 // channel
};

Grouping grouping(Preset p, std::span<const int64_t> shape) {
  const PresetInfo& info = preset_info(p);
  Grouping g;
  const int64_t n = numel_of(shape);
  switch (info.groups) {
    case PresetGroups::Tensor: g.groups = 1; break;
    case PresetGroups::Channel0:
      g.dim = shape.empty() ? 1 : shape[0];
      g.inner = g.dim > 0 ? n / g.dim : 0;
      g.groups = g.dim;
      break;
    case PresetGroups::FlatBlocks:
      g.rows = 1, g.cols = n, g.block = preset_block(p, shape);
      g.blocks_per_row = (n + g.block - 1) / g.block;
      g.groups = g.blocks_per_row;
      break;
    case PresetGroups::RowBlocks:
    case PresetGroups::RowBlocksPadded:
      g.cols = shape.empty() ? 1 : shape.back();
      g.rows = g.cols > 0 ? n / g.cols : 0;
      g.block = info.block;
      g.blocks_per_row = (g.cols + info.block - 1) / info.block;
      g.groups = g.rows * g.blocks_per_row;
      break;
  }
  return g;
}

}  // namespace

Result<void> preset_fits(Preset p, std::span<const int64_t> shape) {
  const PresetInfo& info = preset_info(p);
  if (is_ggml(p)) {
    const int64_t need = ggml_block_elems(ggml_type(p));
    const int64_t cols = shape.empty() ? 1 : shape.back();
    if (cols % need != 0)
      return make_error(std::string(info.name) + ": llama.cpp quantizes rows in whole blocks of " +
                        std::to_string(need) + " and this tensor's rows have " + std::to_string(cols) +
                        " elements (llama.cpp keeps such tensors in another type)");
  }
  if (info.groups == PresetGroups::Channel0 && shape.empty())
    return make_error(std::string(info.name) + ": a per-channel preset needs a tensor with at least one axis");
  const int64_t n = numel_of(shape);
  if ((p == Preset::QuantoQint8 || p == Preset::QuantoQint4) && shape.size() < 2)
    return make_error(std::string(info.name) + ": quanto quantizes Linear and Conv2d weights, tensors of at least 2 "
                      "axes (quantize_symmetric refuses a 1-D tensor per axis); this one has " +
                      std::to_string(shape.size()));
  if (p == Preset::QuantoQint4 && shape[0] == 1 && n > 1 && quanto_group_size(n) == 0)
    // MaxOptimizer drops axis 0 of size 1 and then reduces over axis 0 only: a scale per
    // element (every x̂ = x, scale 0). Not a quantization worth reproducing.
    return make_error(std::string(info.name) + ": a weight with one output row and no quanto group size (its " +
                      std::to_string(n) + " inputs are ≤ 128 or not a multiple of 128, 96, 64 or 32) gets one "
                      "scale per element from quanto's MaxOptimizer");
  if (p == Preset::Hqq4bit && n % kHqqGroup != 0)
    return make_error(std::string(info.name) + ": HQQ needs numel to be a multiple of group_size 64 (it asserts "
                      "so); this tensor has " + std::to_string(n) + " elements");
  return {};
}

int64_t preset_block(Preset p, std::span<const int64_t> shape) {
  if (p != Preset::QuantoQint4) return preset_info(p).block;
  // QModuleMixin: out_features = shape[0], in_features = numel // out_features.
  const int64_t out = shape.empty() ? 1 : shape[0], n = numel_of(shape);
  const int64_t in = out > 0 ? n / out : 0;
  const int64_t g = quanto_group_size(in);
  return std::max<int64_t>(1, g > 0 ? g : in);  // no group size: per output row (axis 0)
}

double preset_bits_per_weight(Preset p, int64_t numel, int64_t groups) {
  if (numel <= 0) return 0;
  if (is_ggml(p)) return numeric::gguf_bits_per_weight(ggml_type(p));
  const double n = double(numel), g = double(groups);
  switch (p) {
    case Preset::TorchQuint8:
    case Preset::TorchQint8:
    case Preset::TorchQint8Channel: return 8.0 + 128.0 * g / n;  // fp64 scale + int64 zp per group
    case Preset::BnbNf4:
    case Preset::BnbFp4: return 4.0 + 32.0 * g / n;
    case Preset::BnbDynamic8: return 8.0 + 32.0 * g / n;
    case Preset::MxFp8E4M3:
    case Preset::MxFp8E5M2: return 8.0 + 8.0 * g / n;
    case Preset::MxFp6E3M2:
    case Preset::MxFp6E2M3: return 6.0 + 8.0 * g / n;
    case Preset::MxFp4: return 4.0 + 8.0 * g / n;
    case Preset::Fp8E4M3Tensor:
    case Preset::Fp8E4M3Channel: return 8.0 + 32.0 * g / n;
    case Preset::QuantoQint8: return 8.0 + 32.0 * g / n;       // fp32 scale per channel
    case Preset::QuantoQint4: return 4.0 + 64.0 * g / n;       // fp32 scale + fp32 shift per group
    case Preset::GemmlowpUint8: return 8.0 + 40.0 * g / n;     // float scale + uint8 zero point
    case Preset::Hqq4bit: return 4.0 + 64.0 * g / n;           // fp32 scale + fp32 zero per 64
    default: return 0;
  }
}

namespace {

// torch.ao: MinMaxObserver._calculate_qparams and ATen's quantize_val / dequantize_val.
// Symmetric qint8: s = max(−min⁻, max⁺) / ((127 − (−128))/2) = amax/127.5, zp = 0.
// Affine quint8: s = (max⁺ − min⁻)/255, zp = clamp(0 − round(min⁻/s), 0, 255).
// Both floored at float32 eps; q = clamp(zp + nearbyint(x·(1/s)), qmin, qmax);
// x̂ = (q − zp)·s, in float32.
GroupParams torch_params(bool affine, float lo, float hi) {
  const float eps = std::numeric_limits<float>::epsilon();
  const float min_neg = std::min(lo, 0.0f), max_pos = std::max(hi, 0.0f);
  GroupParams gp;
  if (affine) {
    gp.scale = std::max((max_pos - min_neg) / 255.0f, eps);
    const float zp = 0.0f - std::nearbyint(min_neg / gp.scale);
    gp.zero_point = std::clamp(zp, 0.0f, 255.0f);
  } else {
    gp.scale = std::max(std::max(-min_neg, max_pos) / 127.5f, eps);
    gp.zero_point = 0;
  }
  return gp;
}

// std::nearbyint in the default rounding mode (ties to even), without the libm call:
// below 2^22 in magnitude, adding and removing 1.5·2^23 rounds to an integer; above,
// every float is an integer already.
float rne(float v) {
  if (std::fabs(v) < 4194304.0f) return (v + 12582912.0f) - 12582912.0f;
  return v;
}

// inv_scale = 1.0f / scale, as ATen computes it for each element (the same value each time).
void torch_element(bool affine, const GroupParams& gp, float inv_scale, float v, float& xhat, int32_t& code,
                   uint8_t& clipped) {
  const int64_t qmin = affine ? 0 : -128, qmax = affine ? 255 : 127;
  // zero_point + Round(value · inv_scale), an int64 plus a float (ATen quantize_val);
  // held in range before the integer conversion so an outlier cannot overflow it.
  const float t = float(int64_t(gp.zero_point)) + rne(v * inv_scale);
  const int64_t q = t < -1e9f ? qmin - 1 : t > 1e9f ? qmax + 1 : int64_t(t);
  const int64_t qc = std::clamp(q, qmin, qmax);
  clipped = q != qc;
  code = int32_t(qc);
  xhat = gp.scale * float(qc - int64_t(gp.zero_point));
}

// FP8 as engines scale it: s = amax/448 (float32), x̂ = e4m3(clamp(x/s, ±448))·s.
void fp8_element(const GroupParams& gp, float v, float& xhat, int32_t& code, uint8_t& clipped) {
  if (gp.scale == 0.0f) {
    xhat = 0, code = 0, clipped = 0;
    return;
  }
  const float u = v / gp.scale;
  clipped = std::fabs(u) > 448.0f;
  const uint8_t c = numeric::fp8_e4m3_encode(std::clamp(u, -448.0f, 448.0f), true);
  code = c;
  xhat = numeric::fp8_e4m3_decode(c) * gp.scale;
}

}  // namespace

namespace {

// The params of one non-llama.cpp group from its finite range (lo = hi = amax = 0 when
// it has no finite value).
GroupParams group_params(Preset p, float lo, float hi, float amax) {
  GroupParams gp;
  switch (p) {
    case Preset::TorchQuint8:
    case Preset::TorchQint8:
    case Preset::TorchQint8Channel: return torch_params(p == Preset::TorchQuint8, lo, hi);
    case Preset::Fp8E4M3Tensor:
    case Preset::Fp8E4M3Channel: gp.scale = amax / 448.0f; return gp;
    // kQuantizeBlockwise: absmax per block (fp32), values multiplied by 1/absmax;
    // dequantization is code[q]·absmax.
    case Preset::BnbNf4:
    case Preset::BnbFp4:
    case Preset::BnbDynamic8: gp.scale = amax; return gp;
    case Preset::QuantoQint8: return quanto_qint8_params(amax);
    case Preset::QuantoQint4: return quanto_qint4_params(lo, hi);
    case Preset::GemmlowpUint8: return gemmlowp_choose_params(lo, hi);
    case Preset::Hqq4bit: return hqq_init_params(lo, hi);  // (run_preset optimizes every group first)
    default: {  // OCP MX
      // shared_exp = ⌊log2 amax⌋ − emax_elem, clamped to E8M0's [−127, 127]; an
      // all-zero block takes the smallest scale.
      const MxElementTraits& t = mx_traits(*mx_element(p));
      int shared = -127;
      if (amax > 0) {
        int e2 = 0;
        std::frexp(amax, &e2);
        shared = std::clamp((e2 - 1) - t.emax, -127, 127);
      }
      gp.scale = float(std::ldexp(1.0, shared));
      return gp;
    }
  }
}

// len elements of one group (xf: non-finite already 0) → x̂, code, clipped.
void group_elements(Preset p, const GroupParams& gp, const float* xf, int64_t len, float* xhat, int32_t* code,
                    uint8_t* clipped) {
  switch (p) {
    case Preset::TorchQuint8:
    case Preset::TorchQint8:
    case Preset::TorchQint8Channel: {
      const bool affine = p == Preset::TorchQuint8;
      const float inv_scale = 1.0f / gp.scale;
      for (int64_t i = 0; i < len; ++i) torch_element(affine, gp, inv_scale, xf[i], xhat[i], code[i], clipped[i]);
      return;
    }
    case Preset::Fp8E4M3Tensor:
    case Preset::Fp8E4M3Channel:
      for (int64_t i = 0; i < len; ++i) fp8_element(gp, xf[i], xhat[i], code[i], clipped[i]);
      return;
    case Preset::BnbNf4:
    case Preset::BnbFp4:
    case Preset::BnbDynamic8: {
      const float amax = gp.scale;
      const float inv = amax > 0 ? 1.0f / amax : 0.0f;
      for (int64_t i = 0; i < len; ++i) {
        const float u = xf[i] * inv;
        uint8_t c;
        float level;
        if (p == Preset::BnbNf4) c = numeric::nf4_encode(u), level = numeric::nf4_decode(c);
        else if (p == Preset::BnbFp4) c = bnb_fp4_encode(u), level = bnb_fp4_table()[c];
        else c = bnb_dynamic_encode(u), level = bnb_dynamic_map()[c];
        xhat[i] = level * amax, code[i] = c, clipped[i] = 0;
      }
      return;
    }
    case Preset::QuantoQint8: quanto_qint8_quantize(gp, xf, len, xhat, code, clipped); return;
    case Preset::QuantoQint4: quanto_qint4_quantize(gp, xf, len, xhat, code, clipped); return;
    case Preset::GemmlowpUint8: gemmlowp_quantize(gp, xf, len, xhat, code, clipped); return;
    case Preset::Hqq4bit: hqq_quantize(gp, xf, len, xhat, code, clipped); return;
    default: {  // OCP MX: the scale is exactly 2^shared
      const MxElement e = *mx_element(p);
      const MxElementTraits& t = mx_traits(e);
      // ldexp(v, ∓shared) in double is exact (|shared| ≤ 127, no float reaches double's
      // limits), so is the multiply by the power of two itself: same bits, no libm call.
      const int shared = std::ilogb(gp.scale);
      const double down = std::ldexp(1.0, -shared), up = std::ldexp(1.0, shared);
      // The code is the element as the format stores it: sign bit, then the magnitude's
      // index among the format's non-negative values (= its exponent and mantissa bits).
      // One code per representable value, −0 apart from +0, and all below 256, so the
      // metrics pass counts them with its bitmap.
      const int32_t sign_bit = int32_t(1) << (t.exponent_bits + t.mantissa_bits);
      for (int64_t i = 0; i < len; ++i) {
        const float u = float(double(xf[i]) * down);
        const float q = mx_cast(t, u);
        xhat[i] = float(double(q) * up);
        code[i] = mx_magnitude_index(t, std::fabs(q)) | (std::signbit(q) ? sign_bit : 0);
        clipped[i] = std::fabs(u) > t.max;
      }
    }
  }
}

struct Range {
  float lo = FLT_MAX, hi = -FLT_MAX, amax = 0;
  bool any = false;
  void add(const float* x, int64_t len) {
    for (int64_t i = 0; i < len; ++i) {
      const float v = x[i];
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v), hi = std::max(hi, v), amax = std::max(amax, std::fabs(v));
      any = true;
    }
  }
  void merge(const Range& o) {
    if (!o.any) return;
    lo = std::min(lo, o.lo), hi = std::max(hi, o.hi), amax = std::max(amax, o.amax);
    any = true;
  }
};

constexpr int64_t kItemElems = 1 << 16;  // elements per work item (fixed: not per thread)

// The items: `per_item` units (rows for llama.cpp, groups, or elements of a per-tensor
// group) of `unit_len` elements each.
struct ItemPlan {
  int64_t units = 0, unit_len = 1, per_item = 1, items = 0;
};
ItemPlan item_plan(Preset p, std::span<const int64_t> shape, int64_t n) {
  const PresetInfo& info = preset_info(p);
  const Grouping g = grouping(p, shape);
  ItemPlan pl;
  if (is_ggml(p)) pl.units = g.rows, pl.unit_len = g.cols;
  else if (info.groups == PresetGroups::Tensor) pl.units = n;
  else if (info.groups == PresetGroups::Channel0) pl.units = g.groups, pl.unit_len = std::max<int64_t>(g.inner, 1);
  else pl.units = g.groups, pl.unit_len = g.block;
  pl.per_item = std::max<int64_t>(1, kItemElems / pl.unit_len);
  pl.items = chunk_count(pl.units, pl.per_item);
  return pl;
}

// The rule on run.threads threads over fixed items (rows of llama.cpp blocks, runs of
// whole groups, or element chunks of a per-tensor group); each item's x̂, codes and
// clipped flags go to on_item(item, first, len, xhat, code, clipped, worker) with the
// non-finite inputs passed through (x̂ = x, code 0, not clipped). ordered: on the
// caller's thread in item order (worker 0); else on the thread that ran the item, as soon
// as it ran. Returns the per-group params.
template <class OnItem>
std::vector<GroupParams> run_preset(Preset p, std::span<const float> x, std::span<const int64_t> shape,
                                    const PresetRun& run, bool ordered, OnItem&& on_item) {
  const PresetInfo& info = preset_info(p);
  const Grouping g = grouping(p, shape);
  const int64_t n = int64_t(x.size());
  const int threads = resolve_threads(run.threads);
  RunControl* ctl = run.control;
  std::vector<GroupParams> groups(size_t(g.groups));
  if (n == 0) return groups;
  if (ctl) ctl->total = n, ctl->done = 0;

  // The values the rules see: x itself, or a copy with non-finite values as 0 (rare).
  const int64_t chunks = chunk_count(n, kItemElems);
  const bool all_finite = parallel_reduce(
      chunks, threads, true,
      [&](int64_t c) {
        const int64_t first = c * kItemElems, last = std::min(n, first + kItemElems);
        for (int64_t i = first; i < last; ++i)
          if (!std::isfinite(x[size_t(i)])) return false;
        return true;
      },
      [](bool& acc, bool v) { acc = acc && v; });
  std::vector<float> copy;
  if (!all_finite) {
    copy.assign(x.begin(), x.end());
    for (float& f : copy)
      if (!std::isfinite(f)) f = 0.0f;
  }
  const float* xf = all_finite ? x.data() : copy.data();

  // Items: [first, last) element ranges in increasing order, each a run of whole groups
  // (whole rows for llama.cpp), or chunks of the one group of a per-tensor preset.
  const bool ggml = is_ggml(p);
  const bool blocks = info.groups != PresetGroups::Tensor && info.groups != PresetGroups::Channel0;
  const ItemPlan plan = item_plan(p, shape, n);
  const int64_t units = plan.units, per_item = plan.per_item, unit_len = plan.unit_len, items = plan.items;
  if (info.groups == PresetGroups::Tensor) {
    Range r = parallel_reduce(
        chunks, threads, Range{},
        [&](int64_t c) {
          Range part;
          const int64_t first = c * kItemElems;
          part.add(x.data() + first, std::min(n, first + kItemElems) - first);
          return part;
        },
        [](Range& acc, const Range& part) { acc.merge(part); });
    if (!r.any) r.lo = r.hi = 0;
    groups[0] = group_params(p, r.lo, r.hi, r.amax);
  }
  // HQQ's early stop looks at the whole tensor's error: every group's (inv, z) is
  // optimized before any element is handed on.
  const bool optimized = p == Preset::Hqq4bit;
  if (optimized) {
    hqq_optimize(x, g.block, threads, ctl, groups);
    if (ctl && ctl->cancelled()) return groups;
  }
  auto group_first = [&](int64_t k) {  // first element of group k (block kinds)
    return (k / g.blocks_per_row) * g.cols + (k % g.blocks_per_row) * g.block;
  };
  auto group_len = [&](int64_t k) { return std::min(g.block, g.cols - (k % g.blocks_per_row) * g.block); };
  auto item_range = [&](int64_t item) -> std::pair<int64_t, int64_t> {
    const int64_t u0 = item * per_item, u1 = std::min(units, u0 + per_item);
    if (ggml || !blocks) return {u0 * unit_len, u1 == units ? n : u1 * unit_len};
    return {group_first(u0), group_first(u1 - 1) + group_len(u1 - 1)};
  };

  struct Slot {
    std::vector<float> xhat;
    std::vector<int32_t> code;
    std::vector<uint8_t> clipped;
    std::vector<std::byte> bytes;  // llama.cpp blocks of the item's rows
  };
  const int window = ordered ? 2 * threads + 2 : threads;
  std::vector<Slot> slots(static_cast<size_t>(window));
  const size_t cap = size_t(std::min(n, per_item * unit_len + g.block));

  auto produce = [&](int64_t item, int slot_index) {
    if (ctl && ctl->cancelled()) return;
    Slot& sl = slots[size_t(slot_index)];
    const auto [first, last] = item_range(item);
    const int64_t len = last - first;
    sl.xhat.resize(cap), sl.code.resize(cap), sl.clipped.resize(cap);
    if (ggml) {
      const DType t = ggml_type(p);
      const int64_t be = ggml_block_elems(t), nb = len / be;
      const size_t bb = ggml_block_bytes(t);
      sl.bytes.resize(size_t(nb) * bb);
      std::fill(sl.clipped.begin(), sl.clipped.begin() + len, uint8_t(0));
      // Rows are whole blocks, so the item's rows are one run of blocks.
      ggml_quantize_row(t, xf + first, len, sl.bytes.data(), sl.clipped.data());
      numeric::gguf_dequantize_blocks(t, sl.bytes.data(), nb, sl.xhat.data());
      numeric::GgufBlockParams bp;
      for (int64_t b = 0; b < nb; ++b) {
        numeric::gguf_block_params(t, sl.bytes.data() + size_t(b) * bb, bp);
        std::copy(bp.codes.begin(), bp.codes.begin() + be, sl.code.begin() + b * be);
        for (size_t sb = 0; sb < bp.scale.size(); ++sb) {
          GroupParams& gp = groups[size_t((first + b * be) / g.block + int64_t(sb))];
          gp.scale = bp.scale[sb];
          gp.zero_point = bp.offset[sb];
        }
      }
      return;
    }
    if (info.groups == PresetGroups::Tensor) {
      group_elements(p, groups[0], xf + first, len, sl.xhat.data(), sl.code.data(), sl.clipped.data());
      return;
    }
    const int64_t u0 = item * per_item, u1 = std::min(units, u0 + per_item);
    for (int64_t k = u0; k < u1; ++k) {
      const int64_t gf = blocks ? group_first(k) : k * g.inner, gl = blocks ? group_len(k) : g.inner;
      if (!optimized) {
        Range r;
        r.add(x.data() + gf, gl);
        if (!r.any) r.lo = r.hi = 0;
        groups[size_t(k)] = group_params(p, r.lo, r.hi, r.amax);
      }
      const size_t o = size_t(gf - first);
      group_elements(p, groups[size_t(k)], xf + gf, gl, sl.xhat.data() + o, sl.code.data() + o,
                     sl.clipped.data() + o);
    }
  };
  auto consume = [&](int64_t item, int slot_index, int worker) {
    if (ctl && ctl->cancelled()) return;
    Slot& sl = slots[size_t(slot_index)];
    const auto [first, last] = item_range(item);
    if (!all_finite) {
      for (int64_t i = first; i < last; ++i) {
        const size_t o = size_t(i - first);
        if (!std::isfinite(x[size_t(i)])) sl.xhat[o] = x[size_t(i)], sl.code[o] = 0, sl.clipped[o] = 0;
      }
    }
    on_item(item, first, last - first, sl.xhat.data(), sl.code.data(), sl.clipped.data(), worker);
    if (ctl) ctl->done += last - first;
  };
  if (ordered) {
    parallel_ordered(items, threads, window, produce, [&](int64_t item, int slot) { consume(item, slot, 0); });
  } else {
    parallel_for(items, threads, [&](int64_t item, int worker) {
      produce(item, worker);
      consume(item, worker, worker);
    });
  }
  return groups;
}

// Every element once through sink(i, x̂, code, clipped), in element order on the
// caller's thread: the stream, and anything the sink sums, is the same at any thread count.
template <class Sink>
std::vector<GroupParams> stream_preset(Preset p, std::span<const float> x, std::span<const int64_t> shape,
                                       const PresetRun& run, Sink&& sink) {
  return run_preset(p, x, shape, run, true,
                    [&](int64_t, int64_t first, int64_t len, const float* xh, const int32_t* c, const uint8_t* cl,
                        int) {
                      for (int64_t k = 0; k < len; ++k) sink(first + k, xh[k], c[k], cl[k] != 0);
                    });
}

}  // namespace

PresetQuantization quantize_preset(Preset p, std::span<const float> x, std::span<const int64_t> shape,
                                   const PresetRun& run) {
  PresetQuantization out;
  out.xhat.assign(x.size(), 0.0f);
  out.codes.assign(x.size(), 0);
  out.clipped.assign(x.size(), 0);
  out.groups = stream_preset(p, x, shape, run, [&](int64_t i, float xhat, int32_t code, bool clipped) {
    out.xhat[size_t(i)] = xhat;
    out.codes[size_t(i)] = code;
    out.clipped[size_t(i)] = clipped;
  });
  return out;
}

std::vector<GroupParams> visit_preset(Preset p, std::span<const float> x, std::span<const int64_t> shape,
                                      const PresetSink& sink, const PresetRun& run) {
  return stream_preset(p, x, shape, run, sink);
}

std::vector<GroupParams> visit_preset(Preset p, std::span<const float> x, std::span<const int64_t> shape,
                                      const PresetSink& sink) {
  return stream_preset(p, x, shape, PresetRun{}, sink);
}

std::vector<GroupParams> visit_preset_items(Preset p, std::span<const float> x, std::span<const int64_t> shape,
                                            const PresetItemSink& sink, const PresetRun& run) {
  return run_preset(p, x, shape, run, false, sink);
}

int64_t preset_item_count(Preset p, std::span<const int64_t> shape) {
  const int64_t n = numel_of(shape);
  return n > 0 ? item_plan(p, shape, n).items : 0;
}

}  // namespace qs
