// Chooses the reader for a zip archive by its members, not by the file extension.
#include "analysis/formats/zip_model.h"

#include "analysis/formats/npz.h"
#include "analysis/formats/pytorch.h"
#include "analysis/formats/zip_archive.h"

namespace qs {
namespace {

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

enum class ZipKind { PyTorch, Npz };

Result<ZipKind> classify(std::span<const std::byte> bytes, const std::string& path) {
  auto entries = read_zip_directory(bytes, path);
  if (!entries) return tl::unexpected(entries.error());
  for (const ZipEntry& e : *entries) {
    if (ends_with(e.name, "/data.pkl")) return ZipKind::PyTorch;
  }
  for (const ZipEntry& e : *entries) {
    if (!ends_with(e.name, ".npy")) {
      std::string m = path;
      m.append(
           ": a zip archive that is neither a PyTorch checkpoint (no data.pkl) nor a NumPy "
           ".npz (member '")
          .append(e.name.size() > 200 ? e.name.substr(0, 200) + "..." : e.name)
          .append("' is not .npy)");
      return make_error(m);
    }
  }
  return ZipKind::Npz;
}

}  // namespace

Result<Model> parse_zip_model_bytes(std::span<const std::byte> bytes, const std::string& path) {
  auto kind = classify(bytes, path);
  if (!kind) return tl::unexpected(kind.error());
  return *kind == ZipKind::PyTorch ? parse_pytorch_bytes(bytes, path)
                                   : parse_npz_bytes(bytes, path);
}

Result<Model> parse_zip_model(std::shared_ptr<const MappedFile> file, const std::string& path) {
  auto kind = classify(file->bytes(), path);
  if (!kind) return tl::unexpected(kind.error());
  return *kind == ZipKind::PyTorch ? parse_pytorch(std::move(file), path)
                                   : parse_npz(std::move(file), path);
}

}  // namespace qs
