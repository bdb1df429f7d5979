#pragma once
// safetensors: u64 little-endian header length, JSON header, then the data buffer.
#include <string>
#include <vector>

#include "analysis/base/error.h"
#include "analysis/formats/model.h"

namespace qs {

Result<Model> read_safetensors(const std::string& path);
// Parses an in-memory file image (the fuzzers use this; `path` only names it in errors).
Result<Model> parse_safetensors(std::shared_ptr<const MappedFile> file, const std::string& path);
Result<Model> parse_safetensors_bytes(std::span<const std::byte> bytes, const std::string& path);

// A tensor owned in memory, for writers (demo model, tests).
struct OwnedTensor {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<std::byte> data;  // little-endian, C order
};

// Writes atomically (temporary name in the same directory, then rename).
Result<void> write_safetensors(const std::string& path, const std::vector<OwnedTensor>& tensors,
                               const nlohmann::json& metadata = nlohmann::json::object());

}  // namespace qs
