#include "analysis/explore/group_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {

double GroupStat::sqnr_db() const {
  if (n_finite == 0) return std::numeric_limits<double>::quiet_NaN();
  if (sum_err2 == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(sum_x2 / sum_err2);
}

GroupStats group_stats(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s, int threads,
                       RunControl* control) {
  GroupStats out;
  QuantizeOptions o;
  o.keep_dequant = true;
  o.threads = threads;
  o.control = control;
  const QuantizeResult q = quantize(x, shape, s, o);
  if (q.cancelled) {
    out.cancelled = true;
    return out;
  }
  out.layout = q.layout;
  out.groups.assign(size_t(q.layout.groups), GroupStat{});
  for (size_t g = 0; g < out.groups.size(); ++g) out.groups[g].scale = q.groups[g].scale;
  // Walk runs of elements that share a group (no per-element group_of).
  for (int64_t i = 0; i < q.layout.numel;) {
    const int64_t len = q.layout.run_length(i);
    GroupStat& g = out.groups[size_t(q.layout.group_of(i))];
    g.count += len;
    for (int64_t k = i; k < i + len; ++k) {
      const float v = x[size_t(k)];
      if (!std::isfinite(v)) continue;
      if (g.n_finite == 0) g.min = g.max = v;
      g.min = std::min(g.min, v);
      g.max = std::max(g.max, v);
      ++g.n_finite;
      const double xd = v, e = xd - double(q.dequant[size_t(k)]);
      g.sum_x2 += xd * xd;
      g.sum_err2 += e * e;
    }
    i += len;
  }
  for (GroupStat& g : out.groups) g.absmax = std::max(std::fabs(g.min), std::fabs(g.max));
  return out;
}

std::vector<std::pair<int64_t, double>> top_outlier_groups(const std::vector<GroupStat>& groups, size_t k) {
  std::vector<float> a;
  a.reserve(groups.size());
  for (const GroupStat& g : groups)
    if (g.n_finite > 0) a.push_back(g.absmax);
  if (a.empty()) return {};
  // Median (the lower middle for an even count: no interpolation needed for a ratio).
  std::nth_element(a.begin(), a.begin() + long(a.size() - 1) / 2, a.end());
  const double median = a[(a.size() - 1) / 2];
  std::vector<std::pair<int64_t, double>> r;
  for (size_t i = 0; i < groups.size(); ++i)
    if (groups[i].n_finite > 0)
      r.emplace_back(int64_t(i), median > 0 ? groups[i].absmax / median : std::numeric_limits<double>::infinity());
  const size_t n = std::min(k, r.size());
  std::partial_sort(r.begin(), r.begin() + long(n), r.end(), [](const auto& p, const auto& q) {
    return p.second > q.second || (p.second == q.second && p.first < q.first);
  });
  r.resize(n);
  return r;
}

}  // namespace qs
