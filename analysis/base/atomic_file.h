#pragma once
// Never leave a partial output file: write to a temporary name beside the target, fsync,
// then rename over it.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "analysis/base/error.h"

namespace qs {

Result<void> write_file_atomic(const std::string& path, std::span<const std::byte> bytes);
Result<void> write_text_atomic(const std::string& path, std::string_view text);
// Gather form: the file is the pieces in order (writers avoid concatenating big buffers).
Result<void> write_file_atomic_pieces(const std::string& path,
                                      std::span<const std::span<const std::byte>> pieces);

// Streaming form, for files too big to hold in memory: write() pieces as they are made,
// then commit() (fsync + rename). Destroying an uncommitted writer removes the temporary.
class AtomicFileWriter {
 public:
  static Result<AtomicFileWriter> create(const std::string& path);
  AtomicFileWriter(AtomicFileWriter&& o) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();
  Result<void> write(std::span<const std::byte> bytes);
  Result<void> commit();

 private:
  AtomicFileWriter() = default;
  std::string path_, tmp_, dir_;
  int fd_ = -1;
};

}  // namespace qs
