// TensorFlow.js shards → TensorViews. The manifest was validated by tfjs_manifest.cpp;
// here every byte count is checked against the shards' real sizes before a view exists.
#include "analysis/formats/tfjs.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace qs {
namespace fs = std::filesystem;
namespace {

// A group's shards as one logical byte stream, without concatenating them.
class ShardStream {
 public:
  explicit ShardStream(std::vector<std::span<const std::byte>> shards) : shards_(std::move(shards)) {
    for (const auto& s : shards_) {
      starts_.push_back(total_);
      total_ += uint64_t(s.size());
    }
  }
  uint64_t size() const { return total_; }
  // [begin, begin + n) in place when one shard holds it, else copied into `owned`.
  std::span<const std::byte> view(uint64_t begin, uint64_t n, std::vector<std::byte>& owned) const {
    if (n == 0) return {};
    const size_t k = size_t(std::upper_bound(starts_.begin(), starts_.end(), begin) - starts_.begin()) - 1;
    const uint64_t off = begin - starts_[k];
    if (off + n <= shards_[k].size()) return shards_[k].subspan(size_t(off), size_t(n));
    owned.resize(size_t(n));
    copy(begin, owned.data(), n);
    return owned;
  }
  void copy(uint64_t begin, std::byte* out, uint64_t n) const {
    size_t k = size_t(std::upper_bound(starts_.begin(), starts_.end(), begin) - starts_.begin()) - 1;
    uint64_t off = begin - starts_[k];
    while (n > 0) {
      const uint64_t take = std::min<uint64_t>(n, shards_[k].size() - off);
      if (take) std::memcpy(out, shards_[k].data() + off, size_t(take));
      out += take;
      n -= take;
      off = 0;
      ++k;
    }
  }

 private:
  std::vector<std::span<const std::byte>> shards_;
  std::vector<uint64_t> starts_;
  uint64_t total_ = 0;
};

// Math.round then ToInt32, as an Int32Array stores TF.js's int32 dequantization.
int32_t js_round_to_int32(double x) {
  if (!std::isfinite(x)) return 0;
  double r = std::floor(x);
  if (x - r >= 0.5) r += 1.0;
  double m = std::fmod(r, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}

// Bytes of a string weight: numel × (u32 little-endian length + that many bytes).
Result<uint64_t> string_bytes(const ShardStream& s, uint64_t at, int64_t numel, const std::string& where) {
  uint64_t pos = at;
  if (uint64_t(numel) > (s.size() - at) / 4) return make_error(where + "string lengths run past the shards' end");
  for (int64_t i = 0; i < numel; ++i) {
    if (s.size() - pos < 4) return make_error(where + "string lengths run past the shards' end");
    std::byte len_bytes[4];
    s.copy(pos, len_bytes, 4);
    const uint64_t len = uint64_t(uint8_t(len_bytes[0])) | uint64_t(uint8_t(len_bytes[1])) << 8 |
                         uint64_t(uint8_t(len_bytes[2])) << 16 | uint64_t(uint8_t(len_bytes[3])) << 24;
    pos += 4;
    if (len > s.size() - pos) return make_error(where + "string element " + std::to_string(i) + " runs past the shards' end");
    pos += len;
  }
  return pos - at;
}

std::string group_name(size_t g) { return "weightsManifest[" + std::to_string(g) + "] "; }

}  // namespace

Result<Model> assemble_tfjs(const TfjsManifest& manifest, const TfjsShardLoader& load, const std::string& path) {
  Model model;
  model.path = path;
  model.format = "tfjs";
  model.metadata = manifest.metadata;
  nlohmann::json shards = nlohmann::json::array(), skipped = nlohmann::json::array();
  for (size_t g = 0; g < manifest.groups.size(); ++g) {
    const TfjsGroup& group = manifest.groups[g];
    std::vector<std::span<const std::byte>> parts;
    for (const std::string& p : group.paths) {
      auto bytes = load(p);
      if (!bytes) return make_error(path + ": " + group_name(g) + "shard " + p + ": " + bytes.error().message);
      parts.push_back(*bytes);
      shards.push_back(p);
    }
    const ShardStream stream(std::move(parts));
    uint64_t at = 0;
    for (const TfjsWeightSpec& w : group.weights) {
      const std::string where = path + ": " + group_name(g) + "weight '" + w.name + "': ";
      uint64_t n = 0;
      if (w.dtype == TfjsDType::STRING) {
        auto sb = string_bytes(stream, at, w.numel, where);
        if (!sb) return tl::unexpected(sb.error());
        n = *sb;
      } else {
        n = uint64_t(w.numel) * uint64_t(w.elem_bytes);  // numel ≤ 2^48, elem_bytes ≤ 8
        if (n > stream.size() - at) {
          return make_error(where + "needs bytes [" + std::to_string(at) + ", " + std::to_string(at + n) +
                            ") of the group's shards, which hold " + std::to_string(stream.size()) +
                            " bytes (a shard is short or missing from \"paths\")");
        }
      }
      const uint64_t begin = at;
      at += n;
      if (w.dtype == TfjsDType::STRING || w.dtype == TfjsDType::COMPLEX64) {
        skipped.push_back(w.name);
        continue;
      }
      TensorView t;
      t.name = w.name;
      t.shape = w.shape;
      auto owned = std::make_shared<std::vector<std::byte>>();
      if (w.dtype == TfjsDType::I32 && (w.quant == TfjsQuant::U8 || w.quant == TfjsQuant::U16)) {
        // int32 codes: TF.js rounds q·scale + min; integer weights are not analysed, so
        // the decoded values are kept as plain I32 (bounded by the shard bytes read).
        std::vector<std::byte> raw(static_cast<size_t>(n));
        stream.copy(begin, raw.data(), n);
        owned->resize(size_t(w.numel) * 4);
        for (int64_t i = 0; i < w.numel; ++i) {
          uint32_t q = 0;
          if (w.quant == TfjsQuant::U8) q = uint8_t(raw[size_t(i)]);
          else std::memcpy(&q, raw.data() + 2 * i, 2);  // little-endian host (tensor.cpp asserts it)
          const int32_t v = js_round_to_int32(double(q) * w.scale + w.min);
          std::memcpy(owned->data() + 4 * i, &v, 4);
        }
        t.dtype = DType::I32;
        t.bytes = *owned;
        model.buffers.push_back(owned);
        model.tensors.push_back(std::move(t));
        continue;
      }
      switch (w.quant) {
        case TfjsQuant::U8: t.dtype = DType::U8Q; break;
        case TfjsQuant::U16: t.dtype = DType::U16Q; break;
        case TfjsQuant::F16: t.dtype = DType::F16; t.stored_cast = true; break;
        case TfjsQuant::None:
          t.dtype = w.dtype == TfjsDType::F32 ? DType::F32 : w.dtype == TfjsDType::I32 ? DType::I32 : DType::BOOL;
          break;
      }
      t.q_scale = w.scale;
      t.q_min = w.min;
      t.bytes = stream.view(begin, n, *owned);
      if (!owned->empty()) model.buffers.push_back(owned);
      model.tensors.push_back(std::move(t));
    }
  }
  model.metadata["shards"] = std::move(shards);
  if (!skipped.empty()) model.metadata["skipped"] = std::move(skipped);
  return model;
}

Result<Model> read_tfjs(const std::string& path) {
  auto file = MappedFile::open(path);
  if (!file) return tl::unexpected(file.error());
  auto manifest = parse_tfjs_manifest((*file)->bytes(), path);
  if (!manifest) return tl::unexpected(manifest.error());
  const fs::path dir = fs::path(path).parent_path();
  std::vector<std::shared_ptr<const MappedFile>> mapped;
  const TfjsShardLoader load = [&](const std::string& shard) -> Result<std::span<const std::byte>> {
    const std::string shard_path = (dir / shard).string();
    std::error_code ec;
    if (!fs::is_regular_file(shard_path, ec)) return make_error("missing (expected at " + shard_path + ")");
    auto f = MappedFile::open(shard_path);
    if (!f) return tl::unexpected(f.error());
    mapped.push_back(*f);
    return (*f)->bytes();
  };
  auto model = assemble_tfjs(*manifest, load, path);
  if (!model) return model;
  model->files = std::move(mapped);
  return model;
}

std::optional<std::string> find_tfjs_in_directory(const std::string& dir) {
  std::error_code ec;
  const fs::path model_json = fs::path(dir) / "model.json";
  if (fs::is_regular_file(model_json, ec)) {
    auto f = MappedFile::open(model_json.string());
    if (f && looks_like_tfjs((*f)->bytes())) return model_json.string();
  }
  fs::directory_iterator it(dir, ec);
  if (ec) return std::nullopt;
  std::vector<std::string> found;
  constexpr std::string_view tail = "weights_manifest.json";
  for (const fs::directory_entry& e : it) {
    const std::string f = e.path().filename().string();
    if (f.size() >= tail.size() && f.compare(f.size() - tail.size(), tail.size(), tail) == 0) found.push_back(e.path().string());
  }
  if (found.size() != 1) return std::nullopt;
  return found.front();
}

}  // namespace qs
