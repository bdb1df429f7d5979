#pragma once
// PyTorch checkpoints as torch.save writes them since 1.6: a zip archive with
// "<prefix>/data.pkl" (the pickled object, read by the restricted unpickler in pickle.h)
// and one "<prefix>/data/<key>" member per storage. Tensors are views into the storage
// members (zero-copy when stored, as torch.save does). Names come from the dicts that
// hold the tensors, nested dicts joined with "." ({"state_dict": {"w": t}} gives
// "state_dict.w"); non-tensor values are listed in metadata["skipped"].
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "analysis/base/error.h"
#include "analysis/formats/model.h"

namespace qs {

inline constexpr uint64_t kPyTorchMaxInflatedBytes = uint64_t(64) << 30;

Result<Model> parse_pytorch(std::shared_ptr<const MappedFile> file, const std::string& path);
Result<Model> parse_pytorch_bytes(std::span<const std::byte> bytes, const std::string& path);

// The pre-1.6 format: a bare pickle stream (protocol 2) starting with torch's magic
// number. We only recognize it to say how to convert it.
bool looks_like_legacy_pytorch(std::span<const std::byte> bytes);

}  // namespace qs
