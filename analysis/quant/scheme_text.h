#pragma once
// Internal to the Scheme's text and JSON forms (scheme.cpp, quant/scheme_json.cpp,
// quant/scheme_transform.cpp): the value parsers and names both forms share.
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "analysis/quant/scheme.h"

namespace qs::scheme_text {

using numeric::FloatFormat;

inline bool is_fp8(FloatFormat f) { return f == FloatFormat::FP8_E4M3 || f == FloatFormat::FP8_E5M2; }
inline bool is_int_kind(Kind k) { return k == Kind::Absmax || k == Kind::Minmax; }

inline std::string format_double(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, r.ptr);
}

inline std::optional<double> parse_double(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0.0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

template <class Int>
std::optional<Int> parse_int(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  Int v{};
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

inline std::optional<bool> parse_bool(std::string_view s) {
  if (s == "true" || s == "1" || s == "yes") return true;
  if (s == "false" || s == "0" || s == "no") return false;
  return std::nullopt;
}

inline std::optional<Granularity> granularity_from(std::string_view s) {
  if (s == "tensor") return Granularity::Tensor;
  if (s == "channel") return Granularity::Channel;
  if (s == "block") return Granularity::Block;
  return std::nullopt;
}

inline std::optional<ClipMethod> clip_from(std::string_view s) {
  if (s == "none") return ClipMethod::None;
  if (s == "range") return ClipMethod::Range;
  if (s == "percentile") return ClipMethod::Percentile;
  if (s == "sigma") return ClipMethod::Sigma;
  if (s == "mse") return ClipMethod::Mse;
  if (s == "kl") return ClipMethod::Kl;
  return std::nullopt;
}

inline std::optional<Rounding> rounding_from(std::string_view s) {
  if (s == "nearest_even") return Rounding::NearestEven;
  if (s == "stochastic") return Rounding::Stochastic;
  if (s == "half_away") return Rounding::HalfAway;
  return std::nullopt;
}

inline std::optional<ScaleDType> scale_dtype_from(std::string_view s) {
  if (s == "f32") return ScaleDType::F32;
  if (s == "f16") return ScaleDType::F16;
  if (s == "bf16") return ScaleDType::BF16;
  return std::nullopt;
}

inline std::optional<ScaleMode> scale_mode_from(std::string_view s) {
  if (s == "none") return ScaleMode::None;
  if (s == "absmax") return ScaleMode::Absmax;
  return std::nullopt;
}

inline std::string_view zp_name(ZeroPointKind z) { return z == ZeroPointKind::Int ? "int" : "float"; }
inline std::string_view scale_mode_name(ScaleMode m) { return m == ScaleMode::None ? "none" : "absmax"; }

// The transform keys (quant/scheme_transform.cpp). The parsers return "" or an error
// naming the key(s).
bool is_transform_key(std::string_view key);
std::string parse_transform_key(std::string_view key, const std::string& value, Transform& t);
std::string check_transform(const Transform& t);
Transform normalized_transform(Transform t);
void append_transform_spec(const Transform& t, std::vector<std::pair<std::string_view, std::string>>& kv);
void transform_to_json(const Transform& t, nlohmann::json& j);
std::string transform_from_json(const nlohmann::json& j, Transform& t);

// Fields that do not apply to the scheme reset to their defaults (scheme.cpp), so that
// equal quantizers compare equal and print identically.
Scheme normalized(Scheme s);

}  // namespace qs::scheme_text
