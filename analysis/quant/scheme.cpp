// The compact spec and JSON forms of a Scheme. Parsing is strict (unknown or duplicate
// keys, keys that do not apply to the kind, and out-of-range values are errors naming the
// key and what is allowed) so that a typo never silently quantizes with a default.
#include "analysis/quant/scheme.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/presets/preset.h"
#include "analysis/quant/scheme_text.h"

namespace qs {
using namespace scheme_text;
namespace {

using numeric::FloatFormat;

constexpr int kMinBits = 2, kMaxBits = 16;
constexpr int64_t kNf4DefaultBlock = 64, kDefaultBlock = 32;

// Canonical key order for printing; also the list shown when a key is unknown.
constexpr std::array<std::string_view, 22> kKeys = {
    "bits", "gran", "axis",  "block",       "zp",       "signed",   "clip", "lo",   "hi",  "p",      "k",
    "scale", "scale_dtype", "saturate", "rounding", "seed", "name", "rot",  "rot_seed", "smooth", "lowrank", "keep"};

std::string allowed_keys() {
  std::string out;
  for (auto k : kKeys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out + " (aliases: granularity, zero_point)";
}

std::string_view canonical_key(std::string_view k) {
  if (k == "granularity") return "gran";
  if (k == "zero_point") return "zp";
  return k;
}

// The kind token: a kind, a float format, an alias or a preset name.
std::optional<Scheme> scheme_for_kind_token(std::string_view t) {
  if (const PresetInfo* p = preset_by_name(t)) return preset_scheme(p->id);
  if (t == "absmax") return default_scheme(Kind::Absmax);
  if (t == "minmax") return default_scheme(Kind::Minmax);
  if (t == "nf4") return default_scheme(Kind::NF4);
  if (t == "fp4") return float_scheme(FloatFormat::FP4_E2M1);
  if (auto f = numeric::format_from_name(t); f && *f != FloatFormat::FP32) return float_scheme(*f);
  struct Alias { std::string_view name; Kind kind; int bits; };
  constexpr Alias aliases[] = {{"int8", Kind::Absmax, 8}, {"uint8", Kind::Minmax, 8},
                               {"int4", Kind::Absmax, 4}, {"uint4", Kind::Minmax, 4}};
  for (const auto& a : aliases) {
    if (t == a.name) {
      Scheme s = default_scheme(a.kind);
      s.bits = a.bits;
      return s;
    }
  }
  return std::nullopt;
}

constexpr std::string_view kKinds =
    "absmax, minmax, nf4, fp16, bf16, fp8_e4m3, fp8_e5m2, fp4_e2m1 (fp4), the aliases "
    "int8, uint8, int4, uint4, or a preset (quantscope-cli presets lists them)";

// Which keys apply given the (already parsed) scheme; returns an error message or "".
std::string key_applies(std::string_view key, const Scheme& s) {
  const bool has_scale_field =
      s.kind != Kind::Float || s.scale == ScaleMode::Absmax;
  if (key == "bits" && s.kind == Kind::Float)
    return "bits: a float format has fixed bits; choose another format instead";
  if (key == "axis" && s.granularity != Granularity::Channel)
    return "axis: applies only to gran=channel";
  if (key == "block" && s.granularity != Granularity::Block)
    return "block: applies only to gran=block";
  if ((key == "zp" || key == "signed") && s.kind != Kind::Minmax)
    return std::string(key) + ": applies only to minmax";
  if (key == "signed" && s.zero_point != ZeroPointKind::Int)
    return "signed: applies only to minmax with zp=int";
  if ((key == "lo" || key == "hi") && s.clip.method != ClipMethod::Range)
    return std::string(key) + ": applies only to clip=range";
  if (key == "p" && s.clip.method != ClipMethod::Percentile)
    return "p: applies only to clip=percentile";
  if (key == "k" && s.clip.method != ClipMethod::Sigma) return "k: applies only to clip=sigma";
  if (key == "scale" && s.kind != Kind::Float)
    return "scale: applies only to float formats (fp16, bf16, fp8_*, fp4_e2m1)";
  if (key == "scale_dtype" && !has_scale_field)
    return "scale_dtype: this scheme stores no scale (a float cast needs scale=absmax)";
  if (key == "saturate" && !(s.kind == Kind::Float && is_fp8(s.format)))
    return "saturate: applies only to fp8_e4m3 and fp8_e5m2";
  if (key == "seed" && s.rounding != Rounding::Stochastic)
    return "seed: applies only to rounding=stochastic";
  return "";
}

bool valid_name(std::string_view n) {
  for (char c : n)
    if (c == ',' || c == '=' || c == ':' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}

}  // namespace

// Resets fields that do not apply to the scheme to their defaults, so that equal
// quantizers compare equal and print identically.
Scheme scheme_text::normalized(Scheme s) {
  if (s.kind == Kind::Preset) return preset_scheme(s.preset);  // the preset is the whole scheme
  const Scheme d = s.kind == Kind::Float ? float_scheme(s.format) : default_scheme(s.kind);
  if (s.granularity != Granularity::Channel) s.axis = d.axis;
  if (s.granularity != Granularity::Block)
    s.block = s.kind == Kind::NF4 ? kNf4DefaultBlock : kDefaultBlock;
  if (s.kind != Kind::Minmax) {
    s.zero_point = ZeroPointKind::Int;
    s.is_signed = false;
  } else if (s.zero_point != ZeroPointKind::Int) {
    s.is_signed = false;
  }
  if (s.clip.method != ClipMethod::Range) s.clip.lo = s.clip.hi = 0.0;
  if (s.clip.method != ClipMethod::Percentile) s.clip.p = Clip{}.p;
  if (s.clip.method != ClipMethod::Sigma) s.clip.k = Clip{}.k;
  if (s.kind != Kind::Float) {
    s.scale = ScaleMode::None;
    s.format = d.format;
  }
  if (!has_scale(s)) s.scale_dtype = ScaleDType::F32;
  if (!(s.kind == Kind::Float && is_fp8(s.format))) s.saturate = true;
  if (s.rounding != Rounding::Stochastic) s.seed = 0;
  s.transform = normalized_transform(s.transform);
  return s;
}


Scheme default_scheme(Kind kind) {
  Scheme s;
  s.kind = kind;
  switch (kind) {
    case Kind::Absmax:
    case Kind::Minmax: s.bits = 8; break;
    case Kind::NF4:
      s.bits = 4;
      s.granularity = Granularity::Block;
      s.block = kNf4DefaultBlock;
      break;
    case Kind::Float: s = float_scheme(FloatFormat::FP16); break;
    case Kind::Preset: s = preset_scheme(Preset::Q8_0); break;
  }
  return s;
}

Scheme float_scheme(FloatFormat format) {
  Scheme s;
  s.kind = Kind::Float;
  s.format = format;
  s.bits = numeric::traits(format).bits;
  return s;
}

int scale_bits(const Scheme& s) { return s.scale_dtype == ScaleDType::F32 ? 32 : 16; }

int zero_point_bits(const Scheme& s) {
  if (s.kind != Kind::Minmax) return 0;
  return s.zero_point == ZeroPointKind::Int ? s.bits : scale_bits(s);
}

Scheme preset_scheme(Preset p) {
  Scheme s;
  s.kind = Kind::Preset;
  s.preset = p;
  s.bits = 0;
  return s;
}

bool has_scale(const Scheme& s) { return s.kind != Kind::Float || s.scale == ScaleMode::Absmax; }

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::Absmax: return "absmax";
    case Kind::Minmax: return "minmax";
    case Kind::Float: return "float";
    case Kind::NF4: return "nf4";
    case Kind::Preset: return "preset";
  }
  return "?";
}

std::string_view transform_kind_name(TransformKind k) {
  switch (k) {
    case TransformKind::None: return "none";
    case TransformKind::Hadamard: return "hadamard";
    case TransformKind::Smooth: return "smooth";
    case TransformKind::LowRank: return "lowrank";
    case TransformKind::Keep: return "keep";
  }
  return "?";
}

std::string_view granularity_name(Granularity g) {
  switch (g) {
    case Granularity::Tensor: return "tensor";
    case Granularity::Channel: return "channel";
    case Granularity::Block: return "block";
  }
  return "?";
}

std::string_view clip_method_name(ClipMethod m) {
  switch (m) {
    case ClipMethod::None: return "none";
    case ClipMethod::Range: return "range";
    case ClipMethod::Percentile: return "percentile";
    case ClipMethod::Sigma: return "sigma";
    case ClipMethod::Mse: return "mse";
    case ClipMethod::Kl: return "kl";
  }
  return "?";
}

std::string_view rounding_name(Rounding r) {
  switch (r) {
    case Rounding::NearestEven: return "nearest_even";
    case Rounding::Stochastic: return "stochastic";
    case Rounding::HalfAway: return "half_away";
  }
  return "?";
}

std::string_view scale_dtype_name(ScaleDType d) {
  switch (d) {
    case ScaleDType::F32: return "f32";
    case ScaleDType::F16: return "f16";
    case ScaleDType::BF16: return "bf16";
  }
  return "?";
}

Result<Scheme> validate(Scheme s) {
  if (s.kind == Kind::Preset) {
    if (s.preset == Preset::None) return make_error("kind=preset: no preset named");
    if (has_transform(s))
      return make_error(std::string(transform_kind_name(s.transform.kind)) + ": " +
                        std::string(preset_info(s.preset).name) + " is a preset: it follows its toolchain's rule and "
                        "takes no transform");
    return normalized(std::move(s));
  }
  switch (s.kind) {
    case Kind::Absmax:
    case Kind::Minmax:
      if (s.bits < kMinBits || s.bits > kMaxBits)
        return make_error("bits=" + std::to_string(s.bits) +
                          ": bits must be an integer in 2..16");
      break;
    case Kind::NF4:
      if (s.bits != 4) return make_error("bits=" + std::to_string(s.bits) + ": nf4 has 4 bits");
      break;
    case Kind::Float: {
      if (s.format == FloatFormat::FP32)
        return make_error("format=fp32: allowed formats are fp16, bf16, fp8_e4m3, fp8_e5m2, "
                          "fp4_e2m1");
      const int fb = numeric::traits(s.format).bits;
      if (s.bits != fb)
        return make_error("bits=" + std::to_string(s.bits) + ": " +
                          std::string(numeric::traits(s.format).name) + " has " +
                          std::to_string(fb) + " bits");
      if (s.granularity != Granularity::Tensor && s.scale != ScaleMode::Absmax)
        return make_error("gran=" + std::string(granularity_name(s.granularity)) +
                          ": a float cast is per-element; per-" +
                          std::string(granularity_name(s.granularity)) +
                          " groups need scale=absmax");
      break;
    }
    case Kind::Preset: break;
  }
  if ((s.kind == Kind::Float || s.kind == Kind::NF4) && s.rounding != Rounding::NearestEven)
    return make_error("rounding=" + std::string(rounding_name(s.rounding)) + ": " +
                      std::string(s.kind == Kind::NF4 ? "nf4" : "a float cast") +
                      " rounds to the nearest code; allowed: nearest_even");
  if (s.granularity == Granularity::Block && s.block <= 0)
    return make_error("block=" + std::to_string(s.block) + ": block must be an integer > 0");
  switch (s.clip.method) {
    case ClipMethod::Range:
      if (!std::isfinite(s.clip.lo) || !std::isfinite(s.clip.hi) || !(s.clip.lo < s.clip.hi))
        return make_error("lo=" + format_double(s.clip.lo) + ",hi=" + format_double(s.clip.hi) +
                          ": clip=range needs finite lo < hi");
      break;
    case ClipMethod::Percentile:
      if (!(s.clip.p > 0.0 && s.clip.p <= 100.0))
        return make_error("p=" + format_double(s.clip.p) + ": p must be in (0, 100]");
      break;
    case ClipMethod::Sigma:
      if (!(s.clip.k > 0.0) || !std::isfinite(s.clip.k))
        return make_error("k=" + format_double(s.clip.k) + ": k must be a finite number > 0");
      break;
    default: break;
  }
  if (std::string why = check_transform(s.transform); !why.empty()) return make_error(why);
  if (!valid_name(s.name))
    return make_error("name=" + s.name + ": a name may not contain ',', '=', ':' or control "
                      "characters");
  return normalized(std::move(s));
}

Result<Scheme> parse_spec(std::string_view spec) {
  const size_t colon = spec.find(':');
  const std::string_view kind_tok = spec.substr(0, colon);
  auto base = scheme_for_kind_token(kind_tok);
  if (!base)
    return make_error("unknown scheme kind '" + std::string(kind_tok) + "': allowed are " +
                      std::string(kKinds));
  Scheme s = *base;
  if (s.kind == Kind::Preset) {
    if (colon != std::string_view::npos) {
      const std::string_view rest = spec.substr(colon + 1);
      const std::string_view key = rest.substr(0, std::min(rest.find('='), rest.find(',')));
      return make_error((key.empty() ? "'" + std::string(spec) + "'" : std::string(key)) + ": " +
                        std::string(kind_tok) + " is a preset: it follows its toolchain's rule and takes no options");
    }
    return s;
  }
  const bool alias = kind_tok == "int8" || kind_tok == "uint8" || kind_tok == "int4" ||
                     kind_tok == "uint4";

  // Collect key=value pairs first: the meaning of some keys depends on others (clip=...).
  std::map<std::string, std::string> kv;
  if (colon != std::string_view::npos) {
    std::string_view rest = spec.substr(colon + 1);
    if (rest.empty()) return make_error("'" + std::string(spec) + "': expected key=value after ':'");
    while (true) {
      const size_t comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      const size_t eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0)
        return make_error("'" + std::string(item) + "': expected key=value; keys: " +
                          allowed_keys());
      const std::string key(canonical_key(item.substr(0, eq)));
      const std::string value(item.substr(eq + 1));
      bool known = false;
      for (auto k : kKeys) known = known || k == key;
      if (!known)
        return make_error("unknown key '" + std::string(item.substr(0, eq)) +
                          "': allowed keys are " + allowed_keys());
      if (!kv.emplace(key, value).second) return make_error(key + ": given twice");
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  if (alias && kv.count("bits"))
    return make_error("bits: '" + std::string(kind_tok) + "' fixes the bits; use " +
                      (kind_tok[0] == 'u' ? "minmax" : "absmax") + ":bits=N instead");

  auto bad = [](const std::string& key, const std::string& value, std::string_view allowed) {
    return make_error(key + "=" + value + ": " + std::string(allowed));
  };
  for (const auto& [key, value] : kv) {
    if (key == "bits") {
      auto v = parse_int<int>(value);
      if (s.kind == Kind::NF4) {
        if (!v || *v != 4) return bad(key, value, "nf4 has 4 bits");
      } else if (s.kind != Kind::Float) {
        if (!v || *v < kMinBits || *v > kMaxBits)
          return bad(key, value, "bits must be an integer in 2..16");
        s.bits = *v;
      }
    } else if (key == "gran") {
      auto g = granularity_from(value);
      if (!g) return bad(key, value, "allowed: tensor, channel, block");
      s.granularity = *g;
    } else if (key == "axis") {
      auto v = parse_int<int>(value);
      if (!v) return bad(key, value, "axis must be an integer (negative counts from the end)");
      s.axis = *v;
    } else if (key == "block") {
      auto v = parse_int<int64_t>(value);
      if (!v || *v <= 0) return bad(key, value, "block must be an integer > 0");
      s.block = *v;
    } else if (key == "zp") {
      if (value == "int") s.zero_point = ZeroPointKind::Int;
      else if (value == "float") s.zero_point = ZeroPointKind::Float;
      else return bad(key, value, "allowed: int, float");
    } else if (key == "signed") {
      auto v = parse_bool(value);
      if (!v) return bad(key, value, "allowed: true, false");
      s.is_signed = *v;
    } else if (key == "clip") {
      auto c = clip_from(value);
      if (!c) return bad(key, value, "allowed: none, range, percentile, sigma, mse, kl");
      s.clip.method = *c;
    } else if (key == "lo" || key == "hi") {
      auto v = parse_double(value);
      if (!v || !std::isfinite(*v)) return bad(key, value, "must be a finite number");
      (key == "lo" ? s.clip.lo : s.clip.hi) = *v;
    } else if (key == "p") {
      auto v = parse_double(value);
      if (!v || !(*v > 0.0 && *v <= 100.0)) return bad(key, value, "p must be in (0, 100]");
      s.clip.p = *v;
    } else if (key == "k") {
      auto v = parse_double(value);
      if (!v || !(*v > 0.0) || !std::isfinite(*v))
        return bad(key, value, "k must be a finite number > 0");
      s.clip.k = *v;
    } else if (key == "scale") {
      auto m = scale_mode_from(value);
      if (!m) return bad(key, value, "allowed: none, absmax");
      s.scale = *m;
    } else if (key == "scale_dtype") {
      auto d = scale_dtype_from(value);
      if (!d) return bad(key, value, "allowed: f32, f16, bf16");
      s.scale_dtype = *d;
    } else if (key == "saturate") {
      auto v = parse_bool(value);
      if (!v) return bad(key, value, "allowed: true, false");
      s.saturate = *v;
    } else if (key == "rounding") {
      auto r = rounding_from(value);
      if (!r) return bad(key, value, "allowed: nearest_even, stochastic, half_away");
      s.rounding = *r;
    } else if (key == "seed") {
      auto v = parse_int<uint64_t>(value);
      if (!v) return bad(key, value, "seed must be a non-negative integer");
      s.seed = *v;
    } else if (key == "name") {
      s.name = value;
    } else if (is_transform_key(key)) {
      if (std::string why = parse_transform_key(key, value, s.transform); !why.empty()) return make_error(why);
    }
  }
  for (const auto& kvp : kv) {
    const std::string why = key_applies(kvp.first, s);
    if (!why.empty()) return make_error(why);
  }
  if (s.clip.method == ClipMethod::Range && (!kv.count("lo") || !kv.count("hi")))
    return make_error("clip=range: needs both lo and hi, e.g. clip=range,lo=-5,hi=5");
  return validate(std::move(s));
}

std::string print_spec(const Scheme& in) {
  if (in.kind == Kind::Preset) return std::string(preset_info(in.preset).name);
  const Scheme s = normalized(in);
  std::string out;
  std::vector<std::pair<std::string_view, std::string>> kv;
  if (s.kind == Kind::Float) {
    out = std::string(numeric::traits(s.format).name);
  } else {
    out = std::string(kind_name(s.kind));
  }
  const Scheme d = s.kind == Kind::Float ? float_scheme(s.format) : default_scheme(s.kind);
  if (is_int_kind(s.kind)) kv.emplace_back("bits", std::to_string(s.bits));
  if (s.granularity != d.granularity) kv.emplace_back("gran", std::string(granularity_name(s.granularity)));
  if (s.granularity == Granularity::Channel) kv.emplace_back("axis", std::to_string(s.axis));
  if (s.granularity == Granularity::Block && (s.kind != Kind::NF4 || s.block != kNf4DefaultBlock))
    kv.emplace_back("block", std::to_string(s.block));
  if (s.kind == Kind::Minmax && s.zero_point != ZeroPointKind::Int) kv.emplace_back("zp", "float");
  if (s.is_signed) kv.emplace_back("signed", "true");
  if (s.clip.method != ClipMethod::None) {
    kv.emplace_back("clip", std::string(clip_method_name(s.clip.method)));
    if (s.clip.method == ClipMethod::Range) {
      kv.emplace_back("lo", format_double(s.clip.lo));
      kv.emplace_back("hi", format_double(s.clip.hi));
    }
    if (s.clip.method == ClipMethod::Percentile) kv.emplace_back("p", format_double(s.clip.p));
    if (s.clip.method == ClipMethod::Sigma) kv.emplace_back("k", format_double(s.clip.k));
  }
  if (s.scale != ScaleMode::None) kv.emplace_back("scale", std::string(scale_mode_name(s.scale)));
  if (s.scale_dtype != ScaleDType::F32)
    kv.emplace_back("scale_dtype", std::string(scale_dtype_name(s.scale_dtype)));
  if (!s.saturate) kv.emplace_back("saturate", "false");
  if (s.rounding != Rounding::NearestEven) kv.emplace_back("rounding", std::string(rounding_name(s.rounding)));
  if (s.rounding == Rounding::Stochastic && s.seed != 0) kv.emplace_back("seed", std::to_string(s.seed));
  if (!s.name.empty()) kv.emplace_back("name", s.name);
  append_transform_spec(s.transform, kv);
  for (size_t i = 0; i < kv.size(); ++i) {
    out += i == 0 ? ":" : ",";
    out += kv[i].first;
    out += "=";
    out += kv[i].second;
  }
  return out;
}

}  // namespace qs
