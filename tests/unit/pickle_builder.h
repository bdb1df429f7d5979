#pragma once
// Hand-assembled pickle byte strings for the pickle/pytorch tests (opcodes as in
// CPython's Lib/pickletools.py). Strings are joined with cat() (append), which keeps
// GCC 12's -Wrestrict false positives on operator+ chains away.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qs::test {

template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  (s.append(std::string_view(parts)), ...);
  return s;
}

// Bytes of a string literal that may hold NULs.
template <size_t N>
std::string raw(const char (&s)[N]) {
  return std::string(s, N - 1);
}

inline std::string le32(uint32_t v) {
  std::string s;
  for (int i = 0; i < 4; ++i) s.push_back(char(uint8_t(v >> (8 * i))));
  return s;
}
inline std::string p_str(const std::string& s) {
  return cat("X", le32(uint32_t(s.size())), s);
}
inline std::string p_int(int64_t v) {
  if (v >= 0 && v < 256) {
    std::string s = "K";
    s.push_back(char(uint8_t(v)));
    return s;
  }
  return cat("J", le32(uint32_t(int32_t(v))));
}
inline std::string p_global(const std::string& module, const std::string& name) {
  return cat("c", module, "\n", name, "\n");
}
inline std::string p_ints(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (int64_t x : v) s.append(p_int(x));
  s.append("t");
  return s;
}
// _rebuild_tensor_v2(('storage', cls, key, 'cpu', numel), offset, size, stride, False,
// OrderedDict()) as torch.save writes it.
inline std::string p_tensor(const std::string& storage_cls, const std::string& key, int64_t numel,
                            int64_t offset, const std::vector<int64_t>& size,
                            const std::vector<int64_t>& stride) {
  return cat(p_global("torch._utils", "_rebuild_tensor_v2"), "((", p_str("storage"),
             p_global("torch", storage_cls), p_str(key), p_str("cpu"), p_int(numel), "tQ",
             p_int(offset), p_ints(size), p_ints(stride), "\x89",
             p_global("collections", "OrderedDict"), ")Rt", "R");
}
// {k: v, ...} then STOP, protocol 2.
inline std::string p_dict(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string s = "\x80\x02}(";
  for (const auto& [k, v] : items) s.append(p_str(k)).append(v);
  s.append("u.");
  return s;
}

}  // namespace qs::test
