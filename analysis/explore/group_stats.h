#pragma once
// Per-group statistics for the Ranges view: each group's min, max, absmax, its scale and
// its own SQNR, and which groups are outliers (absmax far above the median absmax).
#include <cstdint>
#include <span>
#include <vector>

#include "analysis/quant/quantize.h"
#include "analysis/base/run_control.h"

namespace qs {

struct GroupStat {
  int64_t count = 0, n_finite = 0;
  float min = 0, max = 0, absmax = 0;  // over the finite values (0 when none)
  float scale = 0;                     // the group's params
  double sum_x2 = 0, sum_err2 = 0;     // float64, over the finite values
  double sqnr_db() const;              // 10·log10(Σx² / Σerr²); +inf when exact, NaN when empty
};

struct GroupStats {
  GroupLayout layout;
  std::vector<GroupStat> groups;
  bool cancelled = false;
};

// Quantizes x with `s` (the fast kernels, x̂ kept) and reduces per group. Deterministic
// and thread-count independent (each group's sums run in element order).
GroupStats group_stats(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s,
                       int threads = 0, RunControl* control = nullptr);

// Groups ranked by absmax / median(absmax), highest first: the top `k` as (index, ratio).
std::vector<std::pair<int64_t, double>> top_outlier_groups(const std::vector<GroupStat>& groups, size_t k);

}  // namespace qs
