#include "widgets/text_fit.h"

#include <algorithm>

#include <imgui.h>

namespace qs::widgets {

std::string elide(const std::string& s, float width) {
  if (ImGui::CalcTextSize(s.c_str()).x <= width) return s;
  // Binary search on the number of whole characters kept (byte offsets of each start).
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  size_t lo = 0, hi = starts.size();  // keep `lo` characters: fits; `hi`: does not
  while (hi - lo > 1) {
    const size_t mid = (lo + hi) / 2;
    if (ImGui::CalcTextSize((s.substr(0, starts[mid]) + "…").c_str()).x <= width) lo = mid;
    else hi = mid;
  }
  std::string t = s.substr(0, lo < starts.size() ? starts[lo] : s.size());
  while (!t.empty() && t.back() == ' ') t.pop_back();  // "SQNR …" reads worse than "SQNR…"
  if (ImGui::CalcTextSize((t + "…").c_str()).x > width) return "";
  return t + "…";
}

Ticks spaced_ticks(double lo, double hi, int max_ticks, float width, float gap,
                   const std::function<std::string(double, double)>& label, Ticks (*make)(double, double, int)) {
  Ticks t;
  for (int n = std::max(2, max_ticks);; n = std::max(2, n * 2 / 3)) {
    t = make(lo, hi, n);
    bool ok = true;
    float prev_right = -1e30f;
    for (double v : t.values) {
      const float x = float((v - lo) / (hi - lo)) * width;
      const float w = ImGui::CalcTextSize(label(v, t.step).c_str()).x;
      if (x - w * 0.5f < prev_right + gap) {
        ok = false;
        break;
      }
      prev_right = x + w * 0.5f;
    }
    if (ok || n == 2) return t;
  }
}

}  // namespace qs::widgets
