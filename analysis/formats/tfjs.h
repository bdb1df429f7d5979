#pragma once
// TensorFlow.js models: model.json (graph or layers model) or a bare
// `*weights_manifest.json`, plus the binary shards its groups name. Each group's shards
// are concatenated in order and its weights follow one another in manifest order.
// float32/int32/bool weights are views into the mapped shards (a weight that straddles
// two shards is copied once); uint8/uint16-quantized float32 weights become U8q/U16q
// tensors (x = q·scale + min, as TF.js decodes) and float16-quantized ones F16 tensors
// marked stored_cast, so both are analysed as stored quantization. String and complex64
// weights are skipped by name (metadata "skipped").
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "analysis/base/error.h"
#include "analysis/formats/model.h"
#include "analysis/formats/tfjs_manifest.h"

namespace qs {

// Bytes of one shard, by its manifest path; an error message names what is wrong.
using TfjsShardLoader = std::function<Result<std::span<const std::byte>>(const std::string& shard)>;

// Lays the manifest's weights over the shards `load` returns. Shards too short for the
// weights declared, and string weights whose lengths run past the data, are errors naming
// `path`, the group and the weight.
Result<Model> assemble_tfjs(const TfjsManifest& manifest, const TfjsShardLoader& load, const std::string& path);

// Opens model.json / a manifest and maps its shards (next to it; missing ones are errors
// naming the shard).
Result<Model> read_tfjs(const std::string& path);

// The TF.js manifest in a directory: model.json if it names "weightsManifest", else the
// one *weights_manifest.json.
std::optional<std::string> find_tfjs_in_directory(const std::string& dir);

}  // namespace qs
