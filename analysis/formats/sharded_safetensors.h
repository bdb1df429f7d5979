#pragma once
// Sharded safetensors, as Hugging Face writes big checkpoints: an index
// `model.safetensors.index.json` = {"metadata": {...}, "weight_map": {tensor: shard file}}
// next to the shards `model-00001-of-00004.safetensors`, ... Opened as one model.
#include <optional>
#include <span>
#include <string>

#include "analysis/base/error.h"
#include "analysis/formats/model.h"

namespace qs {

// A JSON document whose first non-blank byte is '{' (the index has no magic).
bool looks_like_json_object(std::span<const std::byte> bytes);

// Opens the index and every shard it names (headers only: tensor bytes stay mapped).
// Missing or unreadable shards, tensors the map puts in a shard that lacks them, and
// shard names that leave the index's directory are errors naming the shard.
Result<Model> read_sharded_safetensors(const std::string& index_path);

// The index beside `shard_path` whose weight_map names this file, if any: opening one
// shard of a sharded model opens the whole model.
std::optional<std::string> find_index_for_shard(const std::string& shard_path);

// The one *.safetensors.index.json in a directory, if exactly one exists.
std::optional<std::string> find_index_in_directory(const std::string& dir);

}  // namespace qs
