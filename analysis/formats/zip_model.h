#pragma once
// A zip archive's model: a PyTorch checkpoint (has "<prefix>/data.pkl") or a NumPy .npz
// (every member is "*.npy"); anything else is an error naming the first odd member.
#include <memory>
#include <span>
#include <string>

#include "analysis/base/error.h"
#include "analysis/formats/model.h"

namespace qs {

Result<Model> parse_zip_model(std::shared_ptr<const MappedFile> file, const std::string& path);
Result<Model> parse_zip_model_bytes(std::span<const std::byte> bytes, const std::string& path);

}  // namespace qs
