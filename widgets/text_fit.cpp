#include "widgets/text_fit.h"

#include <algorithm>
#include <cmath>

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

void draw_fitted_label(ImDrawList* dl, const char* text, float cx, float y, float x_min, float x_max, ImU32 col) {
  const std::string shown = elide(text, x_max - x_min);
  const float w = ImGui::CalcTextSize(shown.c_str()).x;
  const float x = std::clamp(cx - w * 0.5f, x_min, std::max(x_min, x_max - w));
  dl->AddText(ImVec2(x, y), col, shown.c_str());
}

Ticks spaced_ticks(double lo, double hi, int max_ticks, float width, float gap,
                   const std::function<std::string(double, double)>& label, Ticks (*make)(double, double, int)) {
  // The densest ticks within the budget whose labels keep apart: nice steps jump (1, 2, 5,
  // 10), so asking for max_ticks alone can give a single tick (0) on a narrow axis.
  const int budget = std::max(2, max_ticks);
  Ticks fallback;
  for (int n = 2 * budget; n >= 2; --n) {
    Ticks t = make(lo, hi, n);
    if (int(t.values.size()) > budget + 1) continue;
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
    if (ok) return t;
    fallback = std::move(t);
  }
  // Not even two labels fit: the one nearest the middle.
  if (fallback.values.size() > 1) {
    const double mid = 0.5 * (lo + hi);
    const auto it = std::min_element(fallback.values.begin(), fallback.values.end(),
                                     [&](double a, double b) { return std::fabs(a - mid) < std::fabs(b - mid); });
    fallback.values = {*it};
  }
  return fallback;
}

}  // namespace qs::widgets
