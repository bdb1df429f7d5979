#pragma once
// TensorFlow.js weights manifest (tfjs-converter's weights format): a JSON array of
// groups {"paths": [shard files], "weights": [{"name", "shape", "dtype",
// "quantization"?}]}, alone (`*weights_manifest.json`) or as the "weightsManifest" of a
// model.json (graph or layers model). A group's shards, concatenated in order, hold its
// weights back to back in manifest order. This parser validates the JSON only: names,
// shapes (at most 2^48 elements), dtypes, quantization and shard paths; the bytes are
// laid out by tfjs.h.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/base/error.h"

namespace qs {

enum class TfjsDType { F32, I32, BOOL, STRING, COMPLEX64 };
// How the converter stored a weight: as its dtype, or as uint8/uint16 affine codes
// (x = q·scale + min) or float16 halves (float32 weights only).
enum class TfjsQuant { None, U8, U16, F16 };

struct TfjsWeightSpec {
  std::string name;
  std::vector<int64_t> shape;
  int64_t numel = 1;
  TfjsDType dtype = TfjsDType::F32;
  TfjsQuant quant = TfjsQuant::None;
  double scale = 1.0, min = 0.0;  // uint8/uint16 only
  // Bytes per stored element (quantized size when quantized); 0 for string weights, whose
  // elements are each a u32 length and that many bytes.
  int64_t elem_bytes = 4;
};

struct TfjsGroup {
  std::vector<std::string> paths;  // relative to the manifest's directory, checked
  std::vector<TfjsWeightSpec> weights;
};

struct TfjsManifest {
  std::vector<TfjsGroup> groups;
  nlohmann::json metadata = nlohmann::json::object();  // format, generatedBy, convertedBy
};

// Cheap content test for open_model: a JSON array (a bare manifest) or a JSON object that
// names "weightsManifest" (model.json).
bool looks_like_tfjs(std::span<const std::byte> bytes);

// Parses and validates model.json or a bare manifest. Errors start with `path` and name
// the group, weight and key.
Result<TfjsManifest> parse_tfjs_manifest(std::span<const std::byte> bytes, const std::string& path);

// A shard path stays inside the manifest's directory: relative, '/'-separated, no empty,
// "." or ".." component, no backslash or NUL.
bool tfjs_path_is_safe(const std::string& p);

}  // namespace qs
