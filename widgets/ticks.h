#pragma once
// Nice-number axis ticks (Heckbert's "nice numbers": steps of 1, 2 or 5 × 10^k) and
// compact tick labels. Pure functions: no ImGui, so tests exercise them directly.
#include <string>
#include <vector>

namespace qs::widgets {

struct Ticks {
  std::vector<double> values;  // ascending, inside [lo, hi]
  double step = 0;             // distance between ticks
};

// At most about `max_ticks` ticks covering [lo, hi] (lo < hi, both finite).
Ticks nice_ticks(double lo, double hi, int max_ticks);
// Ticks on a count axis over [lo, hi]: nice_ticks with a step of at least 1, so labels
// printed as integers never repeat (a max count of 2 gives 0, 1, 2, not 0, 0.5, 1, …).
Ticks integer_ticks(double lo, double hi, int max_ticks);
// Decades 10^k inside [lo, hi] (lo > 0) for a log axis; at most max_ticks of them.
Ticks log_ticks(double lo, double hi, int max_ticks);
// Ticks on an axis that holds log2 of a quantity (k = 1, 2, 4, …): whole exponents in
// [lo, hi], every 1st, 2nd, 4th… so at most about max_ticks; label them with pow2_label.
Ticks pow2_ticks(double lo, double hi, int max_ticks);
std::string pow2_label(double exponent);  // 3 → "8", -1 → "0.5"
// A label with just enough digits to tell neighbouring ticks `step` apart ("0.25",
// "1e-05", "-3", "1.5k" is NOT used: plain numbers read best on a value axis).
std::string tick_label(double v, double step);

}  // namespace qs::widgets
