#pragma once
// The Scheme value type, its JSON form and the compact spec string (DESIGN.md).
//   absmax:bits=4,gran=block,block=32   minmax:bits=8,zp=float   fp8_e4m3:saturate=false
// Printing is canonical (defaults omitted, fixed key order) and parse(print(s)) == s.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "analysis/base/error.h"
#include "analysis/numeric/float_formats.h"
#include "analysis/presets/preset_id.h"

namespace qs {

// Preset: a real toolchain's rule (analysis/presets), named by `preset`; its grouping,
// code grid and arithmetic are the toolchain's, so the other fields do not apply.
enum class Kind { Absmax, Minmax, Float, NF4, Preset };
enum class Granularity { Tensor, Channel, Block };
enum class ZeroPointKind { Int, Float };
enum class ClipMethod { None, Range, Percentile, Sigma, Mse, Kl };
enum class Rounding { NearestEven, Stochastic, HalfAway };
enum class ScaleMode { None, Absmax };  // float kind: scale each group by amax/format_max
enum class ScaleDType { F32, F16, BF16 };

struct Clip {
  ClipMethod method = ClipMethod::None;
  double lo = 0.0, hi = 0.0;  // range
  double p = 99.9;            // percentile, in (0, 100]
  double k = 3.0;             // sigma, > 0
  bool operator==(const Clip&) const = default;
};

// What is done to the tensor before quantizing it (DESIGN.md "Beyond clipping";
// analysis/transforms/ does the arithmetic, analysis/quant/quantize_transformed.cpp the
// composition). At most one per scheme; never on a preset.
enum class TransformKind { None, Hadamard, Smooth, LowRank, Keep };
struct Transform {
  TransformKind kind = TransformKind::None;
  bool has_seed = false;  // hadamard: rot_seed given (random signs d_j)
  uint64_t seed = 0;      // hadamard: rot_seed
  double alpha = 0.5;     // smooth: migration strength, 0..1
  int64_t count = 1;      // lowrank: rank r; keep: columns k (≥ 1; the upper bound is the shape's)
  bool operator==(const Transform&) const = default;
};

struct Scheme {
  Kind kind = Kind::Absmax;
  int bits = 8;                                   // absmax/minmax: 2..16; nf4: 4; float: format's
  numeric::FloatFormat format = numeric::FloatFormat::FP16;  // float kind only
  Granularity granularity = Granularity::Tensor;  // nf4 is always Block
  int axis = 0;                                   // channel: may be negative (from the end)
  int64_t block = 32;                             // block granularity; nf4 default 64
  ZeroPointKind zero_point = ZeroPointKind::Int;  // minmax only
  bool is_signed = false;                         // minmax int zp: codes shifted by 2^(b-1)
  Clip clip;
  Rounding rounding = Rounding::NearestEven;
  uint64_t seed = 0;                              // stochastic rounding
  ScaleMode scale = ScaleMode::None;              // float kind only
  ScaleDType scale_dtype = ScaleDType::F32;
  bool saturate = true;                           // fp8 only
  std::string name;                               // optional user label
  Preset preset = Preset::None;                   // preset kind only
  Transform transform;                            // rot / smooth / lowrank / keep


  bool operator==(const Scheme&) const = default;
};

// Defaults for a kind (nf4: block 64, granularity block, bits 4; float: bits of format).
Scheme default_scheme(Kind kind);
Scheme float_scheme(numeric::FloatFormat format);
Scheme preset_scheme(Preset p);

Result<Scheme> parse_spec(std::string_view spec);  // error names the key and allowed values
std::string print_spec(const Scheme& s);            // canonical
nlohmann::json scheme_to_json(const Scheme& s);
Result<Scheme> scheme_from_json(const nlohmann::json& j);
// Checks cross-field rules (bits range, keys valid for the kind, block > 0, ...).
Result<Scheme> validate(Scheme s);

// Bits used to store one scale (32 for f32, 16 for f16/bf16) and one zero point.
int scale_bits(const Scheme& s);
int zero_point_bits(const Scheme& s);  // b for an int zp, scale_bits for a float min, 0 else
// Does the scheme store a scale per group at all? (float casts without scale: no)
bool has_scale(const Scheme& s);

std::string_view kind_name(Kind k);
std::string_view granularity_name(Granularity g);
std::string_view clip_method_name(ClipMethod m);
std::string_view rounding_name(Rounding r);
std::string_view scale_dtype_name(ScaleDType d);
std::string_view transform_kind_name(TransformKind k);  // none, hadamard, smooth, lowrank, keep
inline bool has_transform(const Scheme& s) { return s.transform.kind != TransformKind::None; }

}  // namespace qs
