// Atomic file replacement: a reader (or a crash) sees either the old file or the complete
// new one, never a prefix. The temporary lives in the target's directory so rename(2)
// stays within one file system and is atomic.
#include "analysis/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

namespace qs {
namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

// Writes everything, retrying on EINTR and short writes. Returns 0 or an errno value.
int write_all(int fd, std::span<const std::byte> bytes) {
  const std::byte* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t w = ::write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    left -= size_t(w);
  }
  return 0;
}

// "<dir>/.<name>.tmp-<pid>-<counter>": hidden, unique per process and per call (threads
// may write side by side), and recognisable if a crash ever leaves one behind.
std::string temp_name_for(const std::string& dir, const std::string& name) {
  static std::atomic<uint64_t> counter{0};
  return dir + "." + name + ".tmp-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1));
}

}  // namespace

Result<void> write_file_atomic_pieces(const std::string& path,
                                      std::span<const std::span<const std::byte>> pieces) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    return make_error(path + ": not a file name");
  }
  const std::string tmp = temp_name_for(dir, name);

  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    return make_error(path + ": cannot create " + tmp + ": " + errno_text(errno));
  }
  auto fail = [&](const std::string& what, int err) {
    ::unlink(tmp.c_str());
    return make_error(path + ": " + what + ": " + errno_text(err));
  };
  for (std::span<const std::byte> piece : pieces) {
    if (const int err = write_all(fd, piece)) {
      ::close(fd);
      return fail("write to " + tmp + " failed", err);
    }
  }
  // fsync before rename: otherwise a crash can leave the new name pointing at empty data.
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return fail("fsync of " + tmp + " failed", err);
  }
  if (::close(fd) != 0) return fail("close of " + tmp + " failed", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail("rename from " + tmp + " failed", errno);
  }
  // Make the rename itself durable; failing here cannot un-write the file, so ignore.
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<void> write_file_atomic(const std::string& path, std::span<const std::byte> bytes) {
  const std::span<const std::byte> one[] = {bytes};
  return write_file_atomic_pieces(path, one);
}

Result<void> write_text_atomic(const std::string& path, std::string_view text) {
  return write_file_atomic(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace qs
