// Read-only memory map of a whole file. Readers then hand out TensorViews into the
// mapping, so a multi-GB model costs no copy and pages in only what is looked at.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "analysis/formats/model.h"

namespace qs {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return make_error(path + ": cannot stat: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(path + (S_ISDIR(st.st_mode) ? ": is a directory" : ": not a regular file"));
  }
  // The constructor is private (only open() makes valid maps), so no make_shared.
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  f->size_ = size_t(st.st_size);
  if (f->size_ > 0) {  // mmap of length 0 is EINVAL; an empty file is simply empty
    void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      f->size_ = 0;
      return make_error(path + ": cannot map " + std::to_string(st.st_size) +
                        " bytes: " + std::strerror(err));
    }
    f->data_ = static_cast<const std::byte*>(p);
  }
  ::close(fd);  // the mapping keeps the file alive
  return std::shared_ptr<const MappedFile>(std::move(f));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
}

void MappedFile::release(std::span<const std::byte> range) const {
  if (data_ == nullptr || range.empty()) return;
  const auto lo = reinterpret_cast<uintptr_t>(range.data());
  const auto hi = lo + range.size();
  const auto base = reinterpret_cast<uintptr_t>(data_);
  if (lo < base || hi > base + size_) return;  // not ours
  const uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE));
  const uintptr_t first = (lo + page - 1) / page * page;  // whole pages only: neighbours
  const uintptr_t last = hi / page * page;                // may still be in use
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace qs
