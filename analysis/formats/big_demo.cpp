// The big synthetic model: every tensor is streamed to its shard in 1 MiB chunks from a
// fast generator (values need only look like weights: ~N(0, 0.02), a few outliers).
#include "analysis/formats/big_demo.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/base/atomic_file.h"
#include "analysis/numeric/float_formats.h"
#include "analysis/base/tensor.h"

namespace qs {
namespace fs = std::filesystem;

namespace {

struct Planned {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  int64_t bytes;
};

std::vector<Planned> plan_tensors(const BigDemoOptions& o) {
  const int64_t h = o.hidden, f = o.ffn;
  const int64_t layer_bytes = 4 * h * h * 4 + 3 * f * h * 2 + h * 4;
  const double want = o.gib * double(int64_t(1) << 30);
  const int64_t layers = std::max<int64_t>(1, int64_t(want / double(layer_bytes) + 0.5));
  std::vector<Planned> out;
  for (int64_t l = 0; l < layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    for (const char* n : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
      out.push_back({p + "self_attn." + n + ".weight", DType::F32, {h, h}, h * h * 4});
    }
    out.push_back({p + "mlp.gate_proj.weight", DType::BF16, {f, h}, f * h * 2});
    out.push_back({p + "mlp.up_proj.weight", DType::BF16, {f, h}, f * h * 2});
    out.push_back({p + "mlp.down_proj.weight", DType::BF16, {h, f}, f * h * 2});
    out.push_back({p + "input_layernorm.weight", DType::F32, {h}, h * 4});
  }
  return out;
}

// xorshift64*; the sum of four 16-bit uniforms is close enough to a normal for a demo
// (Irwin–Hall: mean 2, variance 1/3), and costs a multiply per four values.
class FastNormal {
 public:
  // The seed goes through a splitmix64 step: neighbouring seeds give unrelated streams.
  explicit FastNormal(uint64_t seed) : s_(mix(seed) | 1) {}
  float next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    const uint64_t r = s_ * 0x2545F4914F6CDD1Dull;
    const double sum = double(r & 0xFFFF) + double((r >> 16) & 0xFFFF) + double((r >> 32) & 0xFFFF) +
                       double(r >> 48);
    return float((sum / 65536.0 - 2.0) * 1.7320508075688772);  // unit variance
  }

 private:
  static uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t s_;
};

std::vector<std::byte> shard_header(const std::vector<const Planned*>& ts) {
  nlohmann::ordered_json h = nlohmann::ordered_json::object();
  h["__metadata__"] = {{"format", "pt"}, {"source", "quantscope-cli demo --big"}};
  int64_t off = 0;
  for (const Planned* t : ts) {
    h[t->name] = {{"dtype", std::string(dtype_name(t->dtype))},
                  {"shape", t->shape},
                  {"data_offsets", {off, off + t->bytes}}};
    off += t->bytes;
  }
  std::string text = h.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<std::byte> out(8 + text.size());
  for (int i = 0; i < 8; ++i) out[size_t(i)] = std::byte((uint64_t(text.size()) >> (8 * i)) & 0xff);
  std::memcpy(out.data() + 8, text.data(), text.size());
  return out;
}

Result<void> write_tensor(AtomicFileWriter& w, const Planned& t, uint64_t seed) {
  constexpr int64_t kChunk = 1 << 18;  // elements
  FastNormal rng(seed);
  std::vector<float> v(static_cast<size_t>(kChunk));
  std::vector<std::byte> bytes(static_cast<size_t>(kChunk) * 4);
  const int64_t n = t.bytes / int64_t(dtype_size(t.dtype));
  for (int64_t first = 0; first < n; first += kChunk) {
    const int64_t k = std::min(kChunk, n - first);
    for (int64_t i = 0; i < k; ++i) v[size_t(i)] = 0.02f * rng.next();
    if ((first / kChunk) % 64 == 7) v[0] = 0.9f;  // a rare outlier every 16 M elements
    size_t nb = 0;
    if (t.dtype == DType::F32) {
      nb = size_t(k) * 4;
      std::memcpy(bytes.data(), v.data(), nb);
    } else {
      nb = size_t(k) * 2;
      for (int64_t i = 0; i < k; ++i) {
        const uint16_t b = numeric::bf16_encode(v[size_t(i)]);
        std::memcpy(bytes.data() + 2 * i, &b, 2);
      }
    }
    if (auto ok = w.write(std::span(bytes.data(), nb)); !ok) return ok;
  }
  return {};
}

}  // namespace

Result<void> write_big_demo(const std::string& dir, const BigDemoOptions& opt) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec))) {
    return make_error(dir + ": exists and is not an empty directory");
  }
  if (opt.hidden <= 0 || opt.ffn <= 0 || opt.gib <= 0 || opt.gib > 4096) {
    return make_error(dir + ": invalid size options");
  }
  const std::vector<Planned> tensors = plan_tensors(opt);

  // Group into shards of about shard_bytes.
  std::vector<std::vector<const Planned*>> shards(1);
  int64_t in_shard = 0, total = 0;
  for (const Planned& t : tensors) {
    if (in_shard > 0 && in_shard + t.bytes > opt.shard_bytes) {
      shards.emplace_back();
      in_shard = 0;
    }
    shards.back().push_back(&t);
    in_shard += t.bytes;
    total += t.bytes;
  }
  const fs::path target = fs::path(dir).lexically_normal();
  const fs::path staging = target.parent_path() /
                           ("." + target.filename().string() + ".partial-" + std::to_string(::getpid()));
  fs::remove_all(staging, ec);
  if (!fs::create_directories(staging, ec) || ec) {
    return make_error(dir + ": cannot create " + staging.string() + ": " + ec.message());
  }
  auto fail = [&](const Error& e) {
    std::error_code ignore;
    fs::remove_all(staging, ignore);
    return tl::unexpected(e);
  };

  char name[64];
  nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
  int64_t done = 0;
  uint64_t seed = 0x5157u;
  for (size_t s = 0; s < shards.size(); ++s) {
    std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", s + 1, shards.size());
    auto w = AtomicFileWriter::create((staging / name).string());
    if (!w) return fail(w.error());
    if (auto ok = w->write(shard_header(shards[s])); !ok) return fail(ok.error());
    for (const Planned* t : shards[s]) {
      if (auto ok = write_tensor(*w, *t, ++seed); !ok) return fail(ok.error());
      weight_map[t->name] = name;
      done += t->bytes;
      if (opt.progress && !opt.progress(done, total)) return fail(Error{dir + ": cancelled"});
    }
    if (auto ok = w->commit(); !ok) return fail(ok.error());
  }
  nlohmann::ordered_json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  if (auto ok = write_text_atomic((staging / "model.safetensors.index.json").string(), index.dump(2));
      !ok) {
    return fail(ok.error());
  }
  if (fs::exists(target, ec)) fs::remove(target, ec);  // the empty directory checked above
  fs::rename(staging, target, ec);
  if (ec) return fail(Error{dir + ": cannot move " + staging.string() + " into place: " + ec.message()});
  return {};
}

}  // namespace qs
