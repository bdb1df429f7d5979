#pragma once
// NumPy .npz (np.savez / np.savez_compressed): a zip archive of .npy members. Each member
// "name.npy" becomes the tensor "name"; stored members are zero-copy views into the
// file, deflated ones are inflated into Model::buffers.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "analysis/base/error.h"
#include "analysis/formats/model.h"

namespace qs {

// Cap on the bytes inflated for one archive (each member is also capped by its declared
// size, so a zip bomb can cost at most this much memory).
inline constexpr uint64_t kNpzMaxInflatedBytes = uint64_t(64) << 30;

Result<Model> parse_npz(std::shared_ptr<const MappedFile> file, const std::string& path,
                        uint64_t max_inflated_bytes = kNpzMaxInflatedBytes);
Result<Model> parse_npz_bytes(std::span<const std::byte> bytes, const std::string& path,
                              uint64_t max_inflated_bytes = kNpzMaxInflatedBytes);

}  // namespace qs
