// The JSON form of a Scheme (DESIGN.md "Scheme: JSON and compact spec"): the same keys
// and checks as the compact spec, so that a report's scheme reads back to the same value.
#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include "analysis/presets/preset.h"
#include "analysis/quant/scheme_text.h"
#include "analysis/quant/scheme.h"

namespace qs {
using namespace scheme_text;

nlohmann::json scheme_to_json(const Scheme& in) {
  const Scheme s = normalized(in);
  nlohmann::json j;
  if (s.kind == Kind::Preset) {
    const PresetInfo& p = preset_info(s.preset);
    j["kind"] = "preset";
    j["preset"] = std::string(p.name);
    j["toolchain"] = std::string(p.toolchain);
    return j;
  }
  j["kind"] = std::string(kind_name(s.kind));
  j["bits"] = s.bits;
  if (s.kind == Kind::Float) j["format"] = std::string(numeric::traits(s.format).name);
  j["granularity"] = std::string(granularity_name(s.granularity));
  if (s.granularity == Granularity::Channel) j["axis"] = s.axis;
  if (s.granularity == Granularity::Block) j["block"] = s.block;
  if (s.kind == Kind::Minmax) {
    j["zero_point"] = std::string(zp_name(s.zero_point));
    j["signed"] = s.is_signed;
  }
  nlohmann::json clip;
  clip["method"] = std::string(clip_method_name(s.clip.method));
  if (s.clip.method == ClipMethod::Range) {
    clip["lo"] = s.clip.lo;
    clip["hi"] = s.clip.hi;
  }
  if (s.clip.method == ClipMethod::Percentile) clip["p"] = s.clip.p;
  if (s.clip.method == ClipMethod::Sigma) clip["k"] = s.clip.k;
  j["clip"] = clip;
  j["rounding"] = std::string(rounding_name(s.rounding));
  if (s.rounding == Rounding::Stochastic) j["seed"] = s.seed;
  if (s.kind == Kind::Float) j["scale"] = std::string(scale_mode_name(s.scale));
  if (has_scale(s)) j["scale_dtype"] = std::string(scale_dtype_name(s.scale_dtype));
  if (s.kind == Kind::Float && is_fp8(s.format)) j["saturate"] = s.saturate;
  if (!s.name.empty()) j["name"] = s.name;
  transform_to_json(s.transform, j);
  return j;
}

Result<Scheme> scheme_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return make_error("scheme: expected a JSON object");
  static const std::set<std::string> known = {
      "kind", "bits", "format", "granularity", "axis", "block", "zero_point", "signed", "clip",
      "rounding", "seed", "scale", "scale_dtype", "saturate", "name", "preset", "toolchain",
      "rot", "rot_seed", "smooth", "lowrank", "keep"};
  for (const auto& [key, value] : j.items()) {
    (void)value;
    if (!known.count(key))
      return make_error("scheme: unknown key '" + key +
                        "'; allowed: kind, bits, format, granularity, axis, block, zero_point, "
                        "signed, clip, rounding, seed, scale, scale_dtype, saturate, name, preset, rot, "
                        "rot_seed, smooth, lowrank, keep");
  }
  auto get_string = [&](const char* key) -> Result<std::optional<std::string>> {
    if (!j.contains(key)) return std::optional<std::string>{};
    if (!j[key].is_string()) return make_error(std::string("scheme.") + key + ": expected a string");
    return std::optional<std::string>(j[key].get<std::string>());
  };
  auto kind_s = get_string("kind");
  if (!kind_s) return tl::unexpected(kind_s.error());
  if (!*kind_s) return make_error("scheme.kind: missing; allowed: absmax, minmax, float, nf4");
  Scheme s;
  const std::string& kind = **kind_s;
  if (kind == "absmax") s = default_scheme(Kind::Absmax);
  else if (kind == "minmax") s = default_scheme(Kind::Minmax);
  else if (kind == "nf4") s = default_scheme(Kind::NF4);
  else if (kind == "preset") {
    auto name = get_string("preset");
    if (!name) return tl::unexpected(name.error());
    const PresetInfo* p = *name ? preset_by_name(**name) : nullptr;
    if (!p) return make_error("scheme.preset: missing or unknown (quantscope-cli presets lists them)");
    for (const char* key : {"rot", "rot_seed", "smooth", "lowrank", "keep"})
      if (j.contains(key))
        return make_error(std::string("scheme.") + key + ": " + std::string(p->name) +
                          " is a preset: it takes no transform");
    return preset_scheme(p->id);
  } else if (kind == "float") {
    auto f = get_string("format");
    if (!f) return tl::unexpected(f.error());
    if (!*f) return make_error("scheme.format: missing for kind float");
    auto fmt = numeric::format_from_name(**f);
    if (!fmt || *fmt == FloatFormat::FP32)
      return make_error("scheme.format=" + **f +
                        ": allowed: fp16, bf16, fp8_e4m3, fp8_e5m2, fp4_e2m1");
    s = float_scheme(*fmt);
  } else {
    return make_error("scheme.kind=" + kind + ": allowed: absmax, minmax, float, nf4");
  }
  if (s.kind != Kind::Float && j.contains("format"))
    return make_error("scheme.format: applies only to kind float");

  auto need_int = [&](const char* key, auto& out) -> std::optional<Error> {
    if (!j.contains(key)) return std::nullopt;
    if (!j[key].is_number_integer())
      return Error{std::string("scheme.") + key + ": expected an integer"};
    out = j[key].get<std::remove_reference_t<decltype(out)>>();
    return std::nullopt;
  };
  auto need_bool = [&](const char* key, bool& out) -> std::optional<Error> {
    if (!j.contains(key)) return std::nullopt;
    if (!j[key].is_boolean()) return Error{std::string("scheme.") + key + ": expected true/false"};
    out = j[key].get<bool>();
    return std::nullopt;
  };
  if (auto e = need_int("bits", s.bits)) return tl::unexpected(*e);
  if (auto e = need_int("axis", s.axis)) return tl::unexpected(*e);
  if (auto e = need_int("block", s.block)) return tl::unexpected(*e);
  if (auto e = need_int("seed", s.seed)) return tl::unexpected(*e);
  if (auto e = need_bool("signed", s.is_signed)) return tl::unexpected(*e);
  if (auto e = need_bool("saturate", s.saturate)) return tl::unexpected(*e);

  struct EnumKey {
    const char* key;
    std::function<bool(const std::string&)> set;
    const char* allowed;
  };
  const EnumKey enums[] = {
      {"granularity",
       [&](const std::string& v) { auto g = granularity_from(v); if (g) s.granularity = *g; return g.has_value(); },
       "tensor, channel, block"},
      {"zero_point",
       [&](const std::string& v) {
         if (v == "int") s.zero_point = ZeroPointKind::Int;
         else if (v == "float") s.zero_point = ZeroPointKind::Float;
         else return false;
         return true;
       },
       "int, float"},
      {"rounding",
       [&](const std::string& v) { auto r = rounding_from(v); if (r) s.rounding = *r; return r.has_value(); },
       "nearest_even, stochastic, half_away"},
      {"scale",
       [&](const std::string& v) { auto m = scale_mode_from(v); if (m) s.scale = *m; return m.has_value(); },
       "none, absmax"},
      {"scale_dtype",
       [&](const std::string& v) { auto d = scale_dtype_from(v); if (d) s.scale_dtype = *d; return d.has_value(); },
       "f32, f16, bf16"},
  };
  for (const auto& e : enums) {
    auto v = get_string(e.key);
    if (!v) return tl::unexpected(v.error());
    if (*v && !e.set(**v))
      return make_error(std::string("scheme.") + e.key + "=" + **v + ": allowed: " + e.allowed);
  }
  if (j.contains("name")) {
    if (!j["name"].is_string()) return make_error("scheme.name: expected a string");
    s.name = j["name"].get<std::string>();
  }
  if (j.contains("clip")) {
    const auto& c = j["clip"];
    if (!c.is_object()) return make_error("scheme.clip: expected an object with 'method'");
    if (!c.contains("method") || !c["method"].is_string())
      return make_error("scheme.clip.method: missing; allowed: none, range, percentile, sigma, "
                        "mse, kl");
    auto m = clip_from(c["method"].get<std::string>());
    if (!m)
      return make_error("scheme.clip.method=" + c["method"].get<std::string>() +
                        ": allowed: none, range, percentile, sigma, mse, kl");
    s.clip.method = *m;
    for (const char* key : {"lo", "hi", "p", "k"}) {
      if (!c.contains(key)) continue;
      if (!c[key].is_number()) return make_error(std::string("scheme.clip.") + key + ": expected a number");
      const double v = c[key].get<double>();
      if (key[0] == 'l') s.clip.lo = v;
      else if (key[0] == 'h') s.clip.hi = v;
      else if (key[0] == 'p') s.clip.p = v;
      else s.clip.k = v;
    }
    if (s.clip.method == ClipMethod::Range && (!c.contains("lo") || !c.contains("hi")))
      return make_error("scheme.clip: method range needs both lo and hi");
  }
  if (std::string why = transform_from_json(j, s.transform); !why.empty()) return make_error(why);
  return validate(std::move(s));
}

}  // namespace qs
