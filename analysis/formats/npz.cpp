// .npz reader (numpy/lib/npyio.py: savez writes each array as "<key>.npy" with
// numpy.lib.format.write_array into a ZipFile, ZIP_STORED or ZIP_DEFLATED). Every member
// must be a .npy array: np.load would hand back other members as raw bytes, which are
// not tensors, so they are an error rather than silently dropped.
#include "analysis/formats/npz.h"

#include "analysis/formats/npy.h"
#include "analysis/formats/zip_archive.h"

namespace qs {

Result<Model> parse_npz_bytes(std::span<const std::byte> bytes, const std::string& path,
                              uint64_t max_inflated_bytes) {
  auto entries = read_zip_directory(bytes, path);
  if (!entries) return tl::unexpected(entries.error());
  Model m;
  m.path = path;
  m.format = "npz";
  uint64_t budget = max_inflated_bytes;
  int n_deflated = 0;
  for (const ZipEntry& z : *entries) {
    std::string where = path;
    where.append(": member '").append(z.name).append("'");
    if (z.name.size() < 4 || z.name.compare(z.name.size() - 4, 4, ".npy") != 0) {
      return make_error(where + ": not a .npy array (an .npz holds only .npy members)");
    }
    std::vector<std::byte> storage;
    auto data = zip_member_bytes(z, storage, path, budget);
    if (!data) return tl::unexpected(data.error());
    std::span<const std::byte> view = *data;
    if (z.method != 0) {
      budget -= z.uncompressed_size;
      ++n_deflated;
      auto buf = std::make_shared<const std::vector<std::byte>>(std::move(storage));
      view = std::span<const std::byte>(buf->data(), buf->size());
      m.buffers.push_back(std::move(buf));
    }
    auto arr = parse_npy_bytes(view, where);
    if (!arr) return tl::unexpected(arr.error());
    TensorView t = std::move(arr->tensors.at(0));
    t.name = z.name.substr(0, z.name.size() - 4);
    m.tensors.push_back(std::move(t));
  }
  m.metadata = {{"members", std::to_string(entries->size())},
                {"deflated_members", std::to_string(n_deflated)}};
  return m;
}

Result<Model> parse_npz(std::shared_ptr<const MappedFile> file, const std::string& path,
                        uint64_t max_inflated_bytes) {
  auto m = parse_npz_bytes(file->bytes(), path, max_inflated_bytes);
  if (m) m->files.push_back(std::move(file));
  return m;
}

}  // namespace qs
