#include "analysis/explore/heatmap.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {

void heatmap_dims(std::span<const int64_t> shape, int64_t* rows, int64_t* cols) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  *rows = shape.empty() ? 1 : std::max<int64_t>(1, shape[0]);
  *cols = shape.empty() || shape[0] == 0 ? std::max<int64_t>(1, n) : std::max<int64_t>(1, n / shape[0]);
}

Heatmap pool_heatmap(std::span<const float> x, std::span<const float> xhat, const QuantizeResult* q,
                     const HeatmapRequest& r, RunControl* control) {
  Heatmap out;
  out.r0 = std::clamp<int64_t>(r.r0, 0, r.rows);
  out.r1 = std::clamp<int64_t>(r.r1, out.r0, r.rows);
  out.c0 = std::clamp<int64_t>(r.c0, 0, r.cols);
  out.c1 = std::clamp<int64_t>(r.c1, out.c0, r.cols);
  const int64_t nr = out.r1 - out.r0, nc = out.c1 - out.c0;
  if (nr <= 0 || nc <= 0) return out;
  out.h = int(std::min<int64_t>(std::max(1, r.out_h), nr));
  out.w = int(std::min<int64_t>(std::max(1, r.out_w), nc));
  const size_t cells = size_t(out.w) * size_t(out.h);
  std::vector<double> acc(cells, r.pool == HeatPool::Min ? INFINITY : r.pool == HeatPool::Max ? -INFINITY : 0.0);
  std::vector<int64_t> count(cells, 0);
  // Column → cell index, once per request (the inner loop is then a table lookup).
  std::vector<int> col_cell(static_cast<size_t>(nc));
  for (int j = 0; j < out.w; ++j) {
    const int64_t a = nc * j / out.w, b = nc * (j + 1) / out.w;
    for (int64_t c = a; c < b; ++c) col_cell[size_t(c)] = j;
  }
  const bool need_xhat = r.quantity == HeatQuantity::AbsError || r.quantity == HeatQuantity::RelError;
  const bool need_q = r.quantity == HeatQuantity::Scale;
  if ((need_xhat && xhat.size() != x.size()) || (need_q && !q)) return out;
  for (int i = 0; i < out.h; ++i) {
    if (control && control->cancelled()) {
      out.cancelled = true;
      return out;
    }
    const int64_t ra = out.r0 + nr * i / out.h, rb = out.r0 + nr * (i + 1) / out.h;
    double* row_acc = acc.data() + size_t(i) * size_t(out.w);
    int64_t* row_count = count.data() + size_t(i) * size_t(out.w);
    for (int64_t rr = ra; rr < rb; ++rr) {
      const int64_t base = rr * r.cols;
      for (int64_t c = out.c0; c < out.c1; ++c) {
        const int64_t e = base + c;
        const float v = x[size_t(e)];
        if (!std::isfinite(v)) continue;
        double val = 0;
        switch (r.quantity) {
          case HeatQuantity::AbsX: val = std::fabs(double(v)); break;
          case HeatQuantity::AbsError: val = std::fabs(double(v) - double(xhat[size_t(e)])); break;
          case HeatQuantity::RelError:
            val = v == 0.0f ? 0.0 : std::fabs(double(v) - double(xhat[size_t(e)])) / std::fabs(double(v));
            break;
          case HeatQuantity::Scale: val = q->groups[size_t(q->layout.group_of(e))].scale; break;
        }
        const int j = col_cell[size_t(c - out.c0)];
        switch (r.pool) {
          case HeatPool::Max: row_acc[j] = std::max(row_acc[j], val); break;
          case HeatPool::Min: row_acc[j] = std::min(row_acc[j], val); break;
          case HeatPool::Mean: row_acc[j] += val; break;
        }
        ++row_count[j];
      }
    }
    if (control) control->done.fetch_add(rb - ra, std::memory_order_relaxed);
  }
  out.cells.resize(cells);
  out.lo = std::numeric_limits<float>::infinity();
  out.hi = -std::numeric_limits<float>::infinity();
  for (size_t k = 0; k < cells; ++k) {
    if (count[k] == 0) {
      out.cells[k] = std::numeric_limits<float>::quiet_NaN();
      continue;
    }
    const double v = r.pool == HeatPool::Mean ? acc[k] / double(count[k]) : acc[k];
    out.cells[k] = float(v);
    out.lo = std::min(out.lo, out.cells[k]);
    out.hi = std::max(out.hi, out.cells[k]);
  }
  if (!(out.hi >= out.lo)) out.lo = out.hi = 0;
  return out;
}

}  // namespace qs
