// The transform keys of a scheme (DESIGN.md "Beyond clipping"): rot, rot_seed, smooth,
// lowrank, keep — parsed, checked, printed and put in JSON the same way in both forms.
// At most one transform per spec; a second one is an error naming both keys.
#include <cmath>

#include <nlohmann/json.hpp>

#include "analysis/quant/scheme_text.h"

namespace qs::scheme_text {
namespace {

// The key a transform kind is written with.
std::string_view transform_key(TransformKind k) {
  switch (k) {
    case TransformKind::Hadamard: return "rot";
    case TransformKind::Smooth: return "smooth";
    case TransformKind::LowRank: return "lowrank";
    case TransformKind::Keep: return "keep";
    case TransformKind::None: break;
  }
  return "";
}

// Sets the kind, refusing a second transform (the error names both keys).
std::string set_kind(Transform& t, TransformKind k) {
  if (t.kind != TransformKind::None && t.kind != k) {
    // Named in alphabetical order, so the spec and the JSON form say the same.
    std::string a(transform_key(t.kind)), b(transform_key(k));
    if (b < a) std::swap(a, b);
    return a + ", " + b + ": at most one transform per scheme (rot, smooth, lowrank or keep)";
  }
  t.kind = k;
  return "";
}

}  // namespace

bool is_transform_key(std::string_view key) {
  return key == "rot" || key == "rot_seed" || key == "smooth" || key == "lowrank" || key == "keep";
}

std::string parse_transform_key(std::string_view key, const std::string& value, Transform& t) {
  const std::string k(key);
  if (key == "rot") {
    if (value != "hadamard") return k + "=" + value + ": allowed: hadamard";
    return set_kind(t, TransformKind::Hadamard);
  }
  if (key == "rot_seed") {
    auto v = parse_int<uint64_t>(value);
    if (!v) return k + "=" + value + ": rot_seed must be an integer in 0..2^64-1";
    t.has_seed = true;
    t.seed = *v;
    return "";
  }
  if (key == "smooth") {
    auto v = parse_double(value);
    if (!v || !(*v >= 0.0 && *v <= 1.0)) return k + "=" + value + ": smooth (alpha) must be in [0, 1]";
    t.alpha = *v;
    return set_kind(t, TransformKind::Smooth);
  }
  if (key == "lowrank" || key == "keep") {
    auto v = parse_int<int64_t>(value);
    if (!v || *v < 1) return k + "=" + value + ": " + k + " must be an integer >= 1";
    t.count = *v;
    return set_kind(t, key == "keep" ? TransformKind::Keep : TransformKind::LowRank);
  }
  return k + ": not a transform key";
}

std::string check_transform(const Transform& t) {
  if (t.has_seed && t.kind != TransformKind::Hadamard) return "rot_seed: applies only with rot=hadamard";
  switch (t.kind) {
    case TransformKind::Smooth:
      if (!(t.alpha >= 0.0 && t.alpha <= 1.0))
        return "smooth=" + format_double(t.alpha) + ": smooth (alpha) must be in [0, 1]";
      break;
    case TransformKind::LowRank:
    case TransformKind::Keep:
      if (t.count < 1)
        return std::string(transform_key(t.kind)) + "=" + std::to_string(t.count) + ": must be an integer >= 1";
      break;
    default: break;
  }
  return "";
}

Transform normalized_transform(Transform t) {
  const Transform d;
  if (t.kind != TransformKind::Hadamard) t.has_seed = false;
  if (!t.has_seed) t.seed = 0;
  if (t.kind != TransformKind::Smooth) t.alpha = d.alpha;
  if (t.kind != TransformKind::LowRank && t.kind != TransformKind::Keep) t.count = d.count;
  return t;
}

void append_transform_spec(const Transform& t, std::vector<std::pair<std::string_view, std::string>>& kv) {
  switch (t.kind) {
    case TransformKind::Hadamard:
      kv.emplace_back("rot", "hadamard");
      if (t.has_seed) kv.emplace_back("rot_seed", std::to_string(t.seed));
      break;
    case TransformKind::Smooth: kv.emplace_back("smooth", format_double(t.alpha)); break;
    case TransformKind::LowRank: kv.emplace_back("lowrank", std::to_string(t.count)); break;
    case TransformKind::Keep: kv.emplace_back("keep", std::to_string(t.count)); break;
    case TransformKind::None: break;
  }
}

void transform_to_json(const Transform& t, nlohmann::json& j) {
  switch (t.kind) {
    case TransformKind::Hadamard:
      j["rot"] = "hadamard";
      if (t.has_seed) j["rot_seed"] = t.seed;
      break;
    case TransformKind::Smooth: j["smooth"] = t.alpha; break;
    case TransformKind::LowRank: j["lowrank"] = t.count; break;
    case TransformKind::Keep: j["keep"] = t.count; break;
    case TransformKind::None: break;
  }
}

std::string transform_from_json(const nlohmann::json& j, Transform& t) {
  for (std::string_view key : {"rot", "rot_seed", "smooth", "lowrank", "keep"}) {
    const std::string k(key);
    if (!j.contains(k)) continue;
    const auto& v = j[k];
    std::string text;
    if (key == "rot") {
      if (!v.is_string()) return "scheme.rot: expected \"hadamard\"";
      text = v.get<std::string>();
    } else if (key == "smooth") {
      if (!v.is_number()) return "scheme.smooth: expected a number in [0, 1]";
      text = format_double(v.get<double>());
    } else {
      if (!v.is_number_integer()) return "scheme." + k + ": expected an integer";
      text = v.is_number_unsigned() ? std::to_string(v.get<uint64_t>()) : std::to_string(v.get<int64_t>());
    }
    if (std::string e = parse_transform_key(key, text, t); !e.empty()) return "scheme." + e;
  }
  return "";
}

}  // namespace qs::scheme_text
