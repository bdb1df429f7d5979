// Fuzz harness for the TF.js manifest parser and the layout of weights over shards: the
// input is a model.json / manifest, optionally followed by a NUL byte and shard bytes
// (every path the manifest names gets an equal consecutive slice of them, the last path
// the rest). Any input gives a Model or an error naming the file; every accepted tensor
// lies inside the input or a buffer the model owns, has exactly its stored size, and
// decodes fully; stored quantization reads without fault.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/formats/tfjs.h"
#include "analysis/model/stored_quant.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto* lo = reinterpret_cast<const std::byte*>(data);
  const void* nul = std::memchr(data, 0, size);
  const size_t json_size = nul ? size_t(static_cast<const uint8_t*>(nul) - data) : size;
  const std::span<const std::byte> json(lo, json_size);
  const std::span<const std::byte> tail = nul ? std::span<const std::byte>(lo + json_size + 1, size - json_size - 1)
                                              : std::span<const std::byte>();
  auto manifest = qs::parse_tfjs_manifest(json, "fuzz.json");
  if (!manifest) {
    if (manifest.error().message.rfind("fuzz.json: ", 0) != 0) __builtin_trap();
    return 0;
  }
  size_t n_paths = 0;
  for (const auto& g : manifest->groups) n_paths += g.paths.size();
  size_t k = 0;
  const size_t slice = n_paths ? tail.size() / n_paths : 0;
  const qs::TfjsShardLoader load = [&](const std::string&) -> qs::Result<std::span<const std::byte>> {
    const size_t begin = k * slice;
    const size_t n = (k + 1 == n_paths) ? tail.size() - begin : slice;
    ++k;
    if (k % 7 == 0) return qs::make_error("missing");  // some shards are absent
    return tail.subspan(begin, n);
  };
  auto m = qs::assemble_tfjs(*manifest, load, "fuzz.json");
  if (!m) {
    if (m.error().message.rfind("fuzz.json: ", 0) != 0) __builtin_trap();
    return 0;
  }
  for (const qs::TensorView& t : m->tensors) {
    qs::fuzz::check_tensor(t, *m, lo, size);
    if (qs::has_stored_quant(t)) {
      auto s = qs::read_stored_quant(t);
      if (!s) __builtin_trap();
      uint64_t total = 0;
      for (uint64_t c : s->code_counts) total += c;
      if (total != uint64_t(t.numel())) __builtin_trap();
      (void)qs::stored_levels(*s, 0);
    }
  }
  (void)m->metadata.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}

std::vector<std::vector<uint8_t>> FuzzSeeds() {
  const std::string f4("\0\0\x80?\0\0\0@\0\0@@\0\0\x80@", 16);
  const std::vector<std::string> inputs = {
      // graph model: float32 across two shards, uint8 / uint16 / float16 quantization
      std::string(R"({"format":"graph-model","weightsManifest":[{"paths":["a","b"],"weights":[)"
                  R"({"name":"w","shape":[2,2],"dtype":"float32"},)"
                  R"({"name":"q8","shape":[4],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}},)"
                  R"({"name":"q16","shape":[2],"dtype":"float32","quantization":{"dtype":"uint16","scale":0.001,"min":-2}},)"
                  R"({"name":"h","shape":[2],"dtype":"float32","quantization":{"dtype":"float16"}}]}]})") +
          '\0' + f4 + std::string("\x00\x40\x80\xff\x01\x00\xff\xff\x00\x3c\x00\xc0", 12),
      // bare manifest: int32, bool, string (skipped), quantized int32, a scalar, two groups
      std::string(R"([{"paths":["s"],"weights":[{"name":"v","shape":[2],"dtype":"string"},)"
                  R"({"name":"i","shape":[1],"dtype":"int32"},{"name":"b","shape":[2],"dtype":"bool"}]},)"
                  R"({"paths":["t"],"weights":[{"name":"r","shape":[2],"dtype":"int32","quantization":{"dtype":"uint8","scale":0.5,"min":-1.5}},)"
                  R"({"name":"c","shape":[],"dtype":"complex64"},{"name":"e","shape":[0,3],"dtype":"float32"},)"
                  R"({"name":"m","shape":[6],"dtype":"bool"}]}])") +
          '\0' + std::string("\x01\0\0\0x\x01\0\0\0y\x07\0\0\0\x01\0", 16) + std::string("\x00\x03", 2) + std::string(14, '\x11'),
      // errors: a path escaping, an unknown dtype, a huge shape
      R"([{"paths":["../x"],"weights":[]}])",
      R"([{"paths":["x"],"weights":[{"name":"w","shape":[1],"dtype":"float64"}]}])",
      R"([{"paths":["x"],"weights":[{"name":"w","shape":[1099511627776,1099511627776],"dtype":"float32"}]}])",
  };
  std::vector<std::vector<uint8_t>> seeds;
  for (const std::string& s : inputs) seeds.emplace_back(s.begin(), s.end());
  return seeds;
}
