// TensorFlow.js manifest parser: every field a reader will trust is checked here, before
// any shard is opened or any byte counted.
#include "analysis/formats/tfjs_manifest.h"

#include <cmath>
#include <string_view>
#include <unordered_set>

namespace qs {
namespace {

using ordered_json = nlohmann::ordered_json;

// model.json holds the topology too (a few MB for big graphs); far beyond is not a model.
constexpr size_t kMaxJsonBytes = 64u << 20;
constexpr uint64_t kMaxNumel = uint64_t(1) << 48;  // as every reader: products stay in int64
constexpr size_t kMaxRank = 64;

std::string brief(const ordered_json& v) {
  std::string s = v.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

Result<void> parse_shape(const ordered_json& w, const std::string& where, TfjsWeightSpec& spec) {
  const auto sh = w.find("shape");
  if (sh == w.end()) return make_error(where + "missing \"shape\"");
  if (!sh->is_array()) return make_error(where + "shape " + brief(*sh) + " is not an array");
  if (sh->size() > kMaxRank) return make_error(where + "shape has more than 64 dimensions");
  uint64_t numel = 1, bound = 1;
  for (size_t i = 0; i < sh->size(); ++i) {
    const ordered_json& d = (*sh)[i];
    if (!d.is_number_unsigned()) {
      return make_error(where + "shape[" + std::to_string(i) + "] is " + brief(d) + ", not a non-negative integer");
    }
    const uint64_t n = d.get<uint64_t>();
    const uint64_t m = n ? n : 1;  // zero-sized dims still bound the others (see safetensors)
    if (n > kMaxNumel || bound > kMaxNumel / m) {
      return make_error(where + "shape " + brief(*sh) + " has more than 2^48 elements");
    }
    bound *= m;
    numel *= n;
    spec.shape.push_back(int64_t(n));
  }
  spec.numel = int64_t(numel);
  return {};
}

Result<void> parse_dtype(const ordered_json& w, const std::string& where, TfjsWeightSpec& spec) {
  const auto dt = w.find("dtype");
  if (dt == w.end()) return make_error(where + "missing \"dtype\"");
  if (!dt->is_string()) return make_error(where + "dtype " + brief(*dt) + " is not a string");
  const std::string& s = dt->get_ref<const std::string&>();
  if (s == "float32") spec.dtype = TfjsDType::F32, spec.elem_bytes = 4;
  else if (s == "int32") spec.dtype = TfjsDType::I32, spec.elem_bytes = 4;
  else if (s == "bool") spec.dtype = TfjsDType::BOOL, spec.elem_bytes = 1;
  else if (s == "string") spec.dtype = TfjsDType::STRING, spec.elem_bytes = 0;
  else if (s == "complex64") spec.dtype = TfjsDType::COMPLEX64, spec.elem_bytes = 8;
  else {
    return make_error(where + "unknown dtype " + brief(*dt) + " (TF.js weights are float32, int32, bool, string or complex64)");
  }
  return {};
}

Result<double> finite_number(const ordered_json& q, const char* key, const std::string& where) {
  const auto v = q.find(key);
  if (v == q.end()) return make_error(where + "quantization has no \"" + key + "\"");
  if (!v->is_number()) return make_error(where + "quantization." + key + " " + brief(*v) + " is not a number");
  const double d = v->get<double>();
  if (!std::isfinite(d)) return make_error(where + "quantization." + key + " is not finite");
  return d;
}

Result<void> parse_quantization(const ordered_json& w, const std::string& where, TfjsWeightSpec& spec) {
  const auto q = w.find("quantization");
  if (q == w.end() || q->is_null()) return {};
  if (!q->is_object()) return make_error(where + "quantization " + brief(*q) + " is not an object");
  const auto dt = q->find("dtype");
  if (dt == q->end() || !dt->is_string()) return make_error(where + "quantization has no \"dtype\" string");
  const std::string& s = dt->get_ref<const std::string&>();
  if (s == "uint8" || s == "uint16") {
    // tfjs-core's decodeWeights: float32 → q·scale + min, int32 → Math.round of it.
    if (spec.dtype != TfjsDType::F32 && spec.dtype != TfjsDType::I32) {
      return make_error(where + "quantization.dtype \"" + s + "\" applies to float32 or int32 weights only");
    }
    auto scale = finite_number(*q, "scale", where);
    if (!scale) return tl::unexpected(scale.error());
    auto min = finite_number(*q, "min", where);
    if (!min) return tl::unexpected(min.error());
    spec.quant = s == "uint8" ? TfjsQuant::U8 : TfjsQuant::U16;
    spec.scale = *scale;
    spec.min = *min;
    spec.elem_bytes = s == "uint8" ? 1 : 2;
  } else if (s == "float16") {
    if (spec.dtype != TfjsDType::F32) {
      return make_error(where + "quantization.dtype \"float16\" applies to float32 weights only");
    }
    spec.quant = TfjsQuant::F16;
    spec.elem_bytes = 2;
  } else {
    return make_error(where + "unknown quantization.dtype " + brief(*dt) + " (uint8, uint16 or float16)");
  }
  return {};
}

Result<TfjsGroup> parse_group(const ordered_json& g, const std::string& where,
                              std::unordered_set<std::string>& names) {
  if (!g.is_object()) return make_error(where + "is " + brief(g) + ", not an object");
  TfjsGroup group;
  const auto paths = g.find("paths");
  if (paths == g.end() || !paths->is_array()) return make_error(where + "\"paths\" is missing or not an array");
  for (size_t i = 0; i < paths->size(); ++i) {
    const ordered_json& p = (*paths)[i];
    if (!p.is_string()) return make_error(where + "paths[" + std::to_string(i) + "] is " + brief(p) + ", not a string");
    if (!tfjs_path_is_safe(p.get_ref<const std::string&>())) {
      return make_error(where + "paths[" + std::to_string(i) + "] " + brief(p) +
                        " leaves the model's directory (absolute, '..' or empty component)");
    }
    group.paths.push_back(p.get<std::string>());
  }
  const auto weights = g.find("weights");
  if (weights == g.end() || !weights->is_array()) return make_error(where + "\"weights\" is missing or not an array");
  for (size_t i = 0; i < weights->size(); ++i) {
    const ordered_json& w = (*weights)[i];
    std::string at = where + "weights[" + std::to_string(i) + "]";
    if (!w.is_object()) return make_error(at + " is " + brief(w) + ", not an object");
    const auto nm = w.find("name");
    if (nm == w.end() || !nm->is_string()) return make_error(at + " has no \"name\" string");
    TfjsWeightSpec spec;
    spec.name = nm->get<std::string>();
    at = where + "weight '" + spec.name + "': ";
    if (!names.insert(spec.name).second) return make_error(at + "the name appears twice in the manifest");
    if (auto r = parse_shape(w, at, spec); !r) return tl::unexpected(r.error());
    if (auto r = parse_dtype(w, at, spec); !r) return tl::unexpected(r.error());
    if (auto r = parse_quantization(w, at, spec); !r) return tl::unexpected(r.error());
    group.weights.push_back(std::move(spec));
  }
  if (group.paths.empty() && !group.weights.empty()) {
    return make_error(where + "has weights but no \"paths\" (no shard holds them)");
  }
  return group;
}

}  // namespace

bool tfjs_path_is_safe(const std::string& p) {
  if (p.empty() || p.front() == '/' || p.find('\\') != std::string::npos || p.find('\0') != std::string::npos) {
    return false;
  }
  size_t start = 0;
  while (start <= p.size()) {
    const size_t end = std::min(p.find('/', start), p.size());
    const std::string_view part(p.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

bool looks_like_tfjs(std::span<const std::byte> b) {
  size_t i = 0;
  while (i < b.size() && (char(b[i]) == ' ' || char(b[i]) == '\n' || char(b[i]) == '\r' || char(b[i]) == '\t')) ++i;
  if (i == b.size()) return false;
  if (char(b[i]) == '[') return true;
  if (char(b[i]) != '{') return false;
  const std::string_view text(reinterpret_cast<const char*>(b.data()), std::min(b.size(), kMaxJsonBytes));
  return text.find("\"weightsManifest\"") != std::string_view::npos;
}

Result<TfjsManifest> parse_tfjs_manifest(std::span<const std::byte> bytes, const std::string& path) {
  auto fail = [&](const std::string& what) { return make_error(path + ": " + what); };
  if (bytes.size() > kMaxJsonBytes) return fail("too large for a TF.js model.json or weights manifest (over 64 MB)");
  ordered_json j;
  try {
    j = ordered_json::parse(reinterpret_cast<const char*>(bytes.data()),
                            reinterpret_cast<const char*>(bytes.data()) + bytes.size());
  } catch (const std::exception& e) {
    return fail(std::string("not valid JSON: ") + e.what());
  }
  TfjsManifest m;
  const ordered_json* groups = &j;
  if (j.is_object()) {
    const auto wm = j.find("weightsManifest");
    if (wm == j.end()) return fail("JSON object without \"weightsManifest\": not a TF.js model.json");
    groups = &*wm;
    for (const char* key : {"format", "generatedBy", "convertedBy"}) {
      if (const auto v = j.find(key); v != j.end() && v->is_string()) m.metadata[key] = v->get<std::string>();
    }
  }
  if (!groups->is_array()) return fail("\"weightsManifest\" must be an array of weight groups");
  std::unordered_set<std::string> names;
  for (size_t g = 0; g < groups->size(); ++g) {
    auto group = parse_group((*groups)[g], "weightsManifest[" + std::to_string(g) + "] ", names);
    if (!group) return fail(group.error().message);
    m.groups.push_back(std::move(*group));
  }
  return m;
}

}  // namespace qs
