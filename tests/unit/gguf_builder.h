#pragma once
// Builds GGUF images byte by byte for tests and fuzz seeds: the layout of docs/gguf.md
// written out directly, so a test can also damage any field it likes.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace qs::testing {

struct GgufBuilder {
  std::vector<uint8_t> out;

  void u8(uint8_t v) { out.push_back(v); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(uint8_t(v >> (8 * i)));
  }
  void f32(float f) {
    uint32_t v;
    std::memcpy(&v, &f, 4);
    u32(v);
  }
  void str(const std::string& s) {
    u64(s.size());
    out.insert(out.end(), s.begin(), s.end());
  }
  void header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    out.insert(out.end(), {'G', 'G', 'U', 'F'});
    u32(version);
    u64(n_tensors);
    u64(n_kv);
  }
  void kv_u32(const std::string& k, uint32_t v) {
    str(k);
    u32(4);
    u32(v);
  }
  void kv_str(const std::string& k, const std::string& v) {
    str(k);
    u32(8);
    str(v);
  }
  // ne in GGUF order (fastest-varying first).
  void tensor_info(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset) {
    str(name);
    u32(uint32_t(ne.size()));
    for (uint64_t n : ne) u64(n);
    u32(type);
    u64(offset);
  }
  void pad(size_t alignment = 32) {
    while (out.size() % alignment) out.push_back(0);
  }
  void bytes(const std::vector<uint8_t>& b) { out.insert(out.end(), b.begin(), b.end()); }
};

}  // namespace qs::testing
