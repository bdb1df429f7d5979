#pragma once
// A model = the tensors of one file (or one sharded set), as views into mapped bytes.
// Readers validate every header field before a TensorView exists, so the core can
// trust shapes and sizes.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/base/error.h"
#include "analysis/base/tensor.h"

namespace qs {

// A read-only memory map of a whole file (RAII). Never writes to the user's file.
class MappedFile {
 public:
  static Result<std::shared_ptr<const MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::span<const std::byte> bytes() const { return {data_, size_}; }
  // Lets the kernel drop the resident pages of `range` (the whole pages inside it) after a
  // streaming pass, so scanning a model bigger than RAM does not grow the process's RSS
  // by every byte read. Safe: the mapping is read-only and private, so pages are only
  // re-read from the file (page cache) if touched again. No-op for ranges outside it.
  void release(std::span<const std::byte> range) const;
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::string path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

struct Model {
  std::string path;
  std::string format;          // "safetensors", "npy", "gguf", "pytorch", "onnx", "npz", "tfjs"
  nlohmann::json metadata = nlohmann::json::object();  // e.g. safetensors __metadata__
  std::vector<TensorView> tensors;                     // in file order
  std::vector<std::shared_ptr<const MappedFile>> files;  // keep the bytes alive
  // Bytes the reader had to produce (inflated zip members, ONNX typed fields): views into
  // them stay valid as long as the Model lives.
  std::vector<std::shared_ptr<const std::vector<std::byte>>> buffers;

  const TensorView* find(std::string_view name) const;
  // MappedFile::release for the file holding t's bytes (no-op for produced buffers).
  void release_pages(const TensorView& t) const;
  int64_t total_params() const;
  int64_t total_bytes() const;
};

// Picks the reader by content (magic bytes), not by extension.
Result<Model> open_model(const std::string& path);

}  // namespace qs
