#pragma once
// Never leave a partial output file: write to a temporary name beside the target, fsync,
// then rename over it.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "analysis/error.h"

namespace qs {

Result<void> write_file_atomic(const std::string& path, std::span<const std::byte> bytes);
Result<void> write_text_atomic(const std::string& path, std::string_view text);
// Gather form: the file is the pieces in order (writers avoid concatenating big buffers).
Result<void> write_file_atomic_pieces(const std::string& path,
                                      std::span<const std::span<const std::byte>> pieces);

}  // namespace qs
