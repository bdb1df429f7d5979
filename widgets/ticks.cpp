#include "widgets/ticks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace qs::widgets {

Ticks nice_ticks(double lo, double hi, int max_ticks) {
  Ticks t;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi) || max_ticks < 2) return t;
  const double raw = (hi - lo) / double(max_ticks - 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  const double nice = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0;
  t.step = nice * mag;
  const double first = std::ceil(lo / t.step - 1e-9) * t.step;
  for (int i = 0;; ++i) {
    double v = first + i * t.step;
    if (v > hi + t.step * 1e-9) break;
    if (std::fabs(v) < t.step * 1e-9) v = 0.0;  // no "-1.4e-17" for zero
    t.values.push_back(v);
    if (i > 4 * max_ticks) break;  // guards against a degenerate step
  }
  return t;
}

Ticks integer_ticks(double lo, double hi, int max_ticks) {
  Ticks t = nice_ticks(lo, hi, max_ticks);
  if (t.step >= 1.0 || t.values.empty()) return t;
  t.values.clear();
  t.step = 1.0;
  for (double v = std::ceil(lo - 1e-9); v <= hi + 1e-9; v += 1.0) t.values.push_back(v == 0.0 ? 0.0 : v);
  return t;
}

Ticks log_ticks(double lo, double hi, int max_ticks) {
  Ticks t;
  if (!(lo > 0) || !(hi > lo)) return t;
  const int a = int(std::ceil(std::log10(lo) - 1e-9)), b = int(std::floor(std::log10(hi) + 1e-9));
  const int every = std::max(1, (b - a + 1 + max_ticks - 1) / std::max(1, max_ticks));
  for (int k = a; k <= b; ++k) {
    if ((k - a) % every == 0) t.values.push_back(std::pow(10.0, k));
  }
  t.step = every;
  return t;
}

Ticks pow2_ticks(double lo, double hi, int max_ticks) {
  Ticks t;
  if (!(hi >= lo) || !std::isfinite(lo) || !std::isfinite(hi) || max_ticks < 1) return t;
  const int a = int(std::ceil(lo - 1e-9)), b = int(std::floor(hi + 1e-9));
  int every = 1;
  while ((b - a) / every + 1 > max_ticks) every *= 2;
  for (int k = a; k <= b; k += every) t.values.push_back(k);
  t.step = every;
  return t;
}

std::string pow2_label(double exponent) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", std::exp2(exponent));
  return buf;
}

std::string tick_label(double v, double step) {
  char buf[32];
  if (v == 0.0) return "0";
  const double av = std::fabs(v);
  if (av >= 1e6 || av < 1e-4) {
    // Scientific with the digits the step needs relative to v's magnitude.
    const int digits = std::clamp(int(std::ceil(std::log10(av / step) - 1e-9)), 0, 6);
    std::snprintf(buf, sizeof buf, "%.*e", digits, v);
    // Trim "1.0e-05" to "1e-05".
    std::string s = buf;
    const size_t e = s.find('e');
    size_t cut = e;
    while (cut > 0 && s[cut - 1] == '0') --cut;
    if (cut > 0 && s[cut - 1] == '.') --cut;
    return s.substr(0, cut) + s.substr(e);
  }
  const int decimals = std::clamp(int(std::ceil(-std::log10(step) - 1e-9)), 0, 10);
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace qs::widgets
