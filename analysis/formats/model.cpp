// Model queries and open_model: choose the reader by the file's content, not its name.
#include "analysis/formats/model.h"

#include <cctype>
#include <cstdio>
#include <cstring>

#include "analysis/formats/gguf.h"
#include "analysis/formats/npy.h"
#include "analysis/formats/onnx.h"
#include "analysis/formats/pytorch.h"
#include "analysis/formats/zip_archive.h"
#include "analysis/formats/zip_model.h"
#include "analysis/formats/safetensors.h"
#include "analysis/formats/sharded_safetensors.h"
#include "analysis/formats/tfjs.h"
#include "analysis/formats/tfjs_manifest.h"

#include <filesystem>

namespace qs {

const TensorView* Model::find(std::string_view name) const {
  for (const TensorView& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void Model::release_pages(const TensorView& t) const {
  for (const auto& f : files) f->release(t.bytes);
}

int64_t Model::total_params() const {
  int64_t n = 0;
  for (const TensorView& t : tensors) n += t.numel();
  return n;
}

int64_t Model::total_bytes() const {
  int64_t n = 0;
  for (const TensorView& t : tensors) n += int64_t(t.bytes.size());
  return n;
}

namespace {

// "93 4e 55 4d 50 59 01 00 (.NUMPY..)": enough for a user to recognise what the file is.
std::string describe_first_bytes(std::span<const std::byte> b) {
  const size_t n = std::min<size_t>(b.size(), 8);
  std::string hex, ascii;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(b[i]);
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02x", c);
    if (i) hex += ' ';
    hex += buf;
    ascii += (c >= 0x20 && c < 0x7f) ? char(c) : '.';
  }
  return hex + " \"" + ascii + "\"";
}

// safetensors has no magic. Its first 8 bytes are the header length (u64 LE) and the JSON
// header starts with '{'. We accept any length below 2^32 here (not only plausible ones)
// so that a damaged safetensors file gets the reader's precise message ("header length
// runs past the end of the file") instead of "unknown format"; text files fail the test
// because their bytes 4..7 are not zero.
bool looks_like_safetensors(std::span<const std::byte> b) {
  if (b.size() < 9 || b[8] != std::byte{'{'}) return false;
  for (int i = 4; i < 8; ++i) {
    if (b[i] != std::byte{0}) return false;
  }
  return true;
}

bool looks_like_npy(std::span<const std::byte> b) {
  return b.size() >= 6 && std::memcmp(b.data(), "\x93NUMPY", 6) == 0;
}

// "model-00001-of-00004.safetensors": a shard, so look for the index beside it.
bool looks_like_shard_name(const std::string& path) {
  // NAME-<digits>-of-<digits>.safetensors, matched by hand (std::regex drags in GCC 12
  // false -Wmaybe-uninitialized warnings under the sanitizer build).
  const std::string name = std::filesystem::path(path).filename().string();
  std::string_view f = name;
  constexpr std::string_view ext = ".safetensors";
  if (f.size() <= ext.size() || f.substr(f.size() - ext.size()) != ext) return false;
  f.remove_suffix(ext.size());
  auto strip_digits = [&f]() {
    size_t n = 0;
    while (n < f.size() && std::isdigit(static_cast<unsigned char>(f[f.size() - 1 - n]))) ++n;
    f.remove_suffix(n);
    return n > 0;
  };
  constexpr std::string_view of = "-of-";
  if (!strip_digits() || f.size() < of.size() || f.substr(f.size() - of.size()) != of) return false;
  f.remove_suffix(of.size());
  return strip_digits() && !f.empty() && f.back() == '-';
}

}  // namespace

Result<Model> open_model(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    if (auto index = find_index_in_directory(path)) return read_sharded_safetensors(*index);
    if (auto manifest = find_tfjs_in_directory(path)) return read_tfjs(*manifest);
    return make_error(path + ": is a directory (open a model file in it, or a directory with one "
                             "*.safetensors.index.json, a TF.js model.json or one *weights_manifest.json)");
  }
  auto file = MappedFile::open(path);
  if (!file) return tl::unexpected(file.error());
  const std::span<const std::byte> b = (*file)->bytes();
  if (looks_like_gguf(b)) return parse_gguf(*file, path);
  if (looks_like_zip(b)) return parse_zip_model(*file, path);  // PyTorch checkpoint or .npz
  if (looks_like_legacy_pytorch(b)) return parse_pytorch(*file, path);  // says how to re-save it
  if (looks_like_npy(b)) {
    auto m = parse_npy_bytes(b, path);
    if (m) m->files.push_back(*file);
    return m;
  }
  if (looks_like_safetensors(b)) {
    if (looks_like_shard_name(path)) {
      if (auto index = find_index_for_shard(path)) return read_sharded_safetensors(*index);
    }
    return parse_safetensors(*file, path);
  }
  if (looks_like_tfjs(b)) return read_tfjs(path);  // model.json or a bare weights manifest
  if (looks_like_json_object(b)) return read_sharded_safetensors(path);
  if (looks_like_onnx(b)) return parse_onnx(*file, path);
  if (b.empty()) return make_error(path + ": unknown format: the file is empty");
  return make_error(path + ": unknown format (first bytes " + describe_first_bytes(b) +
                    "); expected safetensors (or its .index.json), GGUF, PyTorch, ONNX, TF.js model.json, .npy or .npz");
}

}  // namespace qs
