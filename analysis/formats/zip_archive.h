#pragma once
// A read-only ZIP reader over bytes already in memory (a mapped file): the central
// directory (ZIP64 too), each member's local header checked, stored members as zero-copy
// spans and deflated ones inflated with zlib under a size cap. Containers for .npz and
// PyTorch checkpoints; nothing here trusts a size before checking it against the input.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analysis/base/error.h"

namespace qs {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 = stored, 8 = deflate
  uint16_t flags = 0;   // general purpose bit flags (bit 0 = encrypted)
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint32_t crc32 = 0;
  uint64_t local_offset = 0;        // of the local file header
  std::span<const std::byte> data;  // the compressed bytes, inside the input
};

// "PK\x03\x04" (a member) or "PK\x05\x06" (an empty archive) at the start.
bool looks_like_zip(std::span<const std::byte> bytes);

// The members in central-directory order. Errors name `path`. Member names are unique
// (a duplicate is an error: readers map names to tensors).
Result<std::vector<ZipEntry>> read_zip_directory(std::span<const std::byte> bytes,
                                                 const std::string& path);

// A member's uncompressed bytes: a view into the input for stored members (storage is
// left untouched), or the inflated bytes held in `storage` (CRC-32 checked) for deflated
// ones. Refuses a member larger than `max_bytes` or one that inflates to anything but
// its declared size (never more than that many bytes are produced).
Result<std::span<const std::byte>> zip_member_bytes(const ZipEntry& entry,
                                                    std::vector<std::byte>& storage,
                                                    const std::string& path, uint64_t max_bytes);

}  // namespace qs
