// Atomic file replacement: a reader (or a crash) sees either the old file or the complete
// new one, never a prefix. The temporary lives in the target's directory so rename(2)
// stays within one file system and is atomic.
#include "analysis/base/atomic_file.h"

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

Result<AtomicFileWriter> AtomicFileWriter::create(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    return make_error(path + ": not a file name");
  }
  AtomicFileWriter w;
  w.path_ = path;
  w.dir_ = dir;
  w.tmp_ = temp_name_for(dir, name);
  w.fd_ = ::open(w.tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (w.fd_ < 0) {
    return make_error(path + ": cannot create " + w.tmp_ + ": " + errno_text(errno));
  }
  return w;
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& o) noexcept
    : path_(std::move(o.path_)), tmp_(std::move(o.tmp_)), dir_(std::move(o.dir_)), fd_(o.fd_) {
  o.fd_ = -1;
  o.tmp_.clear();
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_.empty()) ::unlink(tmp_.c_str());  // not committed: leave nothing behind
}

Result<void> AtomicFileWriter::write(std::span<const std::byte> bytes) {
  if (fd_ < 0) return make_error(path_ + ": write after commit or failure");
  if (const int err = write_all(fd_, bytes)) {
    return make_error(path_ + ": write to " + tmp_ + " failed: " + errno_text(err));
  }
  return {};
}

Result<void> AtomicFileWriter::commit() {
  if (fd_ < 0) return make_error(path_ + ": commit after commit or failure");
  auto fail = [&](const std::string& what, int err) {
    return make_error(path_ + ": " + what + ": " + errno_text(err));
  };
  // fsync before rename: otherwise a crash can leave the new name pointing at empty data.
  const int fd = fd_;
  fd_ = -1;
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return fail("fsync of " + tmp_ + " failed", err);
  }
  if (::close(fd) != 0) return fail("close of " + tmp_ + " failed", errno);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) return fail("rename from " + tmp_ + " failed", errno);
  tmp_.clear();
  // Make the rename itself durable; failing here cannot un-write the file, so ignore.
  const int dfd = ::open(dir_.empty() ? "." : dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<void> write_file_atomic_pieces(const std::string& path,
                                      std::span<const std::span<const std::byte>> pieces) {
  auto w = AtomicFileWriter::create(path);
  if (!w) return tl::unexpected(w.error());
  for (std::span<const std::byte> piece : pieces) {
    if (auto ok = w->write(piece); !ok) return ok;
  }
  return w->commit();
}

Result<void> write_file_atomic(const std::string& path, std::span<const std::byte> bytes) {
  const std::span<const std::byte> one[] = {bytes};
  return write_file_atomic_pieces(path, one);
}

Result<void> write_text_atomic(const std::string& path, std::string_view text) {
  return write_file_atomic(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace qs
