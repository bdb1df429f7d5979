#include "app/gui/shell/labels.h"

#include <cstdio>

namespace qs::app {

std::string human_count(int64_t n) {
  char buf[32];
  if (n >= 1'000'000'000) std::snprintf(buf, sizeof buf, "%.1fG", double(n) / 1e9);
  else if (n >= 1'000'000) std::snprintf(buf, sizeof buf, "%.1fM", double(n) / 1e6);
  else if (n >= 10'000) std::snprintf(buf, sizeof buf, "%.0fk", double(n) / 1e3);
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  return buf;
}

std::string compact_shape(std::span<const int64_t> shape) {
  if (shape.empty()) return "scalar";
  std::string out;
  for (size_t i = 0; i < shape.size(); ++i) out.append(i ? "×" : "").append(std::to_string(shape[i]));
  return out;
}

}  // namespace qs::app
