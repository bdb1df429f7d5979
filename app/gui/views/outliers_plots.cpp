// The Outliers view's plots: x′ of the selected row (what the quantizer sees) against a
// Gaussian with its mean and σ — a rotated heavy-tailed tensor turns Gaussian, and its
// levels fit — and the curves: SQNR vs k and vs r with the bits/weight they cost on a
// second axis, SQNR vs α with the activations' int8 step on the second axis.
#include "app/gui/views/outliers_plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui.h>

#include "app/gui/shell/app.h"
#include "app/gui/shell/plot_menu.h"
#include "app/gui/views/outliers_layout.h"
#include "widgets/histogram_plot.h"
#include "widgets/xy_plot.h"

namespace qs::app {
namespace {

using outliers_layout::legend_item;

// y range of the finite values with 8 % headroom (one flat value gets ±1).
void y_range(std::span<const double> y, double* lo, double* hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (double v : y)
    if (std::isfinite(v)) *lo = std::min(*lo, v), *hi = std::max(*hi, v);
  if (!(*hi >= *lo)) *lo = 0, *hi = 1;
  const double pad = std::max(1e-12, (*hi - *lo) * 0.08);
  *lo -= pad;
  *hi += pad;
}

std::string curve_csv(const std::vector<OutlierCurvePoint>& pts, const char* x_name, const char* y2_name) {
  std::string out = std::string(x_name) + ",spec,sqnr_db,mse,bits_per_weight," + y2_name + "\n";
  char buf[160];
  for (const OutlierCurvePoint& p : pts) {
    std::snprintf(buf, sizeof buf, "%.9g,\"%s\",%.9g,%.9g,%.9g,%.9g\n", p.x, p.spec.c_str(), p.sqnr_db.value_or(NAN),
                  p.mse.value_or(NAN), p.bits_per_weight.value_or(NAN), p.act_step);
    out += buf;
  }
  return out;
}

// [SECTION] x′ of the selected row.
void draw_histogram(App& app, const OutliersJobResult& r, ImVec2 size) {
  AppState& st = app.state();
  const OutlierRow& row = r.rows.rows[size_t(st.outliers_row)];
  const float right = ImGui::GetCursorScreenPos().x + size.x, top = ImGui::GetCursorScreenPos().y;
  ImGui::BeginGroup();
  if (!row.eval) {
    ImGui::PushTextWrapPos(right);
    ImGui::TextDisabled("%s has no x′ to show: %s", row.label.c_str(), row.error.c_str());
    ImGui::PopTextWrapPos();
    ImGui::Dummy(ImVec2(size.x, std::max(1.0f, top + size.y - ImGui::GetCursorScreenPos().y)));
    ImGui::EndGroup();
    return;
  }
  const OutlierEval& e = *row.eval;
  ImGui::Checkbox("log count##out", &st.outliers_log_y);
  ImGui::SameLine();
  ImGui::Checkbox("x before##out", &st.outliers_show_x);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("the tensor before the transform, on the same bins");
  // The legend as a line of coloured text: inside the plot it would hide the peak.
  const ImU32 c_xp = ImGui::GetColorU32(ImGuiCol_PlotHistogram), c_x = IM_COL32(245, 150, 60, 255),
              c_gauss = st.dark ? IM_COL32(235, 235, 240, 220) : IM_COL32(40, 40, 50, 230),
              c_lev = ImGui::GetColorU32(ImGuiCol_PlotLinesHovered);
  char lev[64];
  std::snprintf(lev, sizeof lev, "| levels of group %lld", static_cast<long long>(e.level_group));
  legend_item("■ x′, the quantizer's input", c_xp, right, false);
  if (!e.hist_gauss.counts.empty()) legend_item("— Gaussian, same μ, σ", c_gauss, right, false);
  if (st.outliers_show_x && e.transform) legend_item("— x before", c_x, right, false);
  if (!e.levels.empty()) legend_item(e.groups > 1 ? lev : "| levels", c_lev, right, false);
  if (ImGui::IsItemHovered() && e.groups > 1)
    ImGui::SetTooltip("the %lld levels of the group with the largest scale (of %lld): where the grid is coarsest",
                      static_cast<long long>(e.levels.size()), static_cast<long long>(e.groups));

  std::vector<widgets::HistogramLayer> layers;
  widgets::HistogramLayer lx;
  lx.counts = e.hist_xp.counts;
  lx.lo = e.hist_xp.spec.lo;
  lx.hi = e.hist_xp.spec.hi;
  lx.color = c_xp;
  lx.label = "x′";
  layers.push_back(lx);
  if (!e.hist_gauss.counts.empty()) {
    widgets::HistogramLayer lg = lx;
    lg.counts = e.hist_gauss.counts;
    lg.color = c_gauss;
    lg.outline = true;
    lg.label = "gaussian";
    layers.push_back(lg);
  }
  if (st.outliers_show_x && e.transform) {
    widgets::HistogramLayer lb = lx;
    lb.counts = e.hist_x.counts;
    lb.color = c_x;
    lb.outline = true;
    lb.fits_axis = false;  // x's spike would flatten x′ to a sliver
    lb.label = "x";
    layers.push_back(lb);
  }
  // The view follows the row: each row's x′ has its own range.
  static widgets::PlotRange view;
  static std::string view_for;
  const std::string key = std::to_string(r.tensor) + "|" + e.spec;
  if (view_for != key) view = {lx.lo, lx.hi}, view_for = key;
  widgets::HistogramPlotOptions o;
  o.log_y = st.outliers_log_y;
  o.data_lo = lx.lo;
  o.data_hi = lx.hi;
  o.x_label = "x′";
  o.levels = e.levels;
  o.legend = false;
  const ImVec2 plot(size.x, std::max(ImGui::GetFontSize() * 6, top + size.y - ImGui::GetCursorScreenPos().y));
  const widgets::PlotEvents ev = widgets::HistogramPlot("##xp", plot, view, layers, nullptr, o);
  st.plot_min = ev.plot_min;
  st.plot_max = ev.plot_max;
  plot_menu(app, "##xp_menu", ev.plot_min, ev.plot_max, "outliers x'", [&] { return histograms_csv(layers); });
  ImGui::EndGroup();
}

// [SECTION] The curves.
struct CurveSpec {
  const char* id;
  const std::vector<OutlierCurvePoint>* pts;
  bool log2_x;         // k and r double from point to point
  const char* title;
  const char* x_label;
  const char* y2_label;
  double current;      // the slider's value: its row is marked on the curve
  OutlierMethod row;
  const char* empty;   // why there is no curve
};

void draw_curve(App& app, const OutliersJobResult& r, const CurveSpec& c, ImVec2 size) {
  const float right = ImGui::GetCursorScreenPos().x + size.x, top = ImGui::GetCursorScreenPos().y;
  std::vector<double> x, y, y2, cx, cy;
  for (const OutlierCurvePoint& p : *c.pts) {
    if (!p.error.empty()) continue;
    x.push_back(c.log2_x ? std::log2(p.x) : p.x);
    y.push_back(p.sqnr_db.value_or(NAN));
    y2.push_back(c.row == OutlierMethod::Smooth ? p.act_step : p.bits_per_weight.value_or(NAN));
  }
  ImGui::BeginGroup();
  const bool smooth = c.row == OutlierMethod::Smooth;
  // SQNR orange, the right axis cyan (apart in both themes), the table's row red.
  const ImU32 c0 = IM_COL32(245, 150, 60, 255), c1 = IM_COL32(60, 190, 200, 255), c2 = IM_COL32(230, 80, 90, 255);
  if (x.empty()) {
    ImGui::TextUnformatted(c.title);
    ImGui::PushTextWrapPos(right);
    ImGui::TextDisabled("%s", c.empty);
    ImGui::PopTextWrapPos();
    ImGui::Dummy(ImVec2(size.x, std::max(1.0f, top + size.y - ImGui::GetCursorScreenPos().y)));
    ImGui::EndGroup();
    return;
  }
  // The title in the SQNR curve's colour is its legend entry too (one short line).
  legend_item(c.title, c0, right, true);
  legend_item(smooth ? "— act. int8 step (right)" : "— bits/w (right)", c1, right, false);
  legend_item(smooth ? "● table's α" : c.row == OutlierMethod::Keep ? "● table's k" : "● table's r", c2, right, false);
  // The row at the slider's value, on the curve's axes.
  const OutlierRow& row = r.rows.rows[size_t(c.row)];
  if (row.eval && row.eval->metrics.sqnr_db) {
    cx.push_back(c.log2_x ? std::log2(std::max(1.0, c.current)) : c.current);
    cy.push_back(*row.eval->metrics.sqnr_db);
  }
  widgets::XYPlotOptions o;
  o.x_label = c.x_label;
  o.y_label = "SQNR dB";
  o.y2_label = c.y2_label;
  o.x_log2 = c.log2_x;
  o.legend = false;
  const double span = std::max(x.back() - x.front(), 0.5);
  o.data_lo = x.front() - span * 0.05;
  o.data_hi = x.back() + span * 0.05;
  std::vector<double> all_y = y;
  all_y.insert(all_y.end(), cy.begin(), cy.end());
  y_range(all_y, &o.y_lo, &o.y_hi);
  y_range(y2, &o.y2_lo, &o.y2_hi);
  // Room at the top for the axis labels drawn inside the plot's corners.
  o.y_hi += 0.12 * (o.y_hi - o.y_lo);
  o.y2_hi += 0.12 * (o.y2_hi - o.y2_lo);
  widgets::PlotRange view{o.data_lo, o.data_hi};  // not zoomable: a dozen points
  widgets::XYSeries s[3] = {widgets::xy_series(x, y, c0, "SQNR dB", 1.5f, true, true),
                            widgets::xy_series(x, y2, c1, "right axis", 1.5f, true, true),
                            widgets::xy_series(cx, cy, c2, "table", 1.5f, false, true)};
  s[1].right_axis = true;
  const ImVec2 plot(size.x, std::max(ImGui::GetFontSize() * 5, top + size.y - ImGui::GetCursorScreenPos().y));
  const auto ev = widgets::XYPlot(c.id, plot, view, s, o);
  const char* x_name = c.row == OutlierMethod::Keep ? "k" : c.row == OutlierMethod::LowRank ? "r" : "alpha";
  plot_menu(app, (std::string(c.id) + "_menu").c_str(), ev.plot_min, ev.plot_max, c.title,
            [&] { return curve_csv(*c.pts, x_name, smooth ? "act_step" : "unused"); });
  ImGui::EndGroup();
}

}  // namespace

void draw_outlier_plots(App& app, const OutliersJobResult& r) {
  AppState& st = app.state();
  const float fs = ImGui::GetFontSize(), sp = ImGui::GetStyle().ItemSpacing.x, sy = ImGui::GetStyle().ItemSpacing.y;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (avail.y < fs * 8) return;
  const OutlierCurves* cv = r.curves.get();
  const OutlierLabSettings& o = r.settings;
  const CurveSpec curves[3] = {
      {"##k", cv ? &cv->keep : nullptr, true, "— SQNR vs k", "k kept columns (keep=k)", "bits/w", double(o.keep),
       OutlierMethod::Keep, "keep needs at least two columns."},
      {"##r", cv ? &cv->rank : nullptr, true, "— SQNR vs r", "rank r (lowrank=r)", "bits/w", double(o.rank),
       OutlierMethod::LowRank, r.low_rank_note.empty() ? "no low-rank split for this tensor." : r.low_rank_note.c_str()},
      {"##alpha", cv ? &cv->alpha : nullptr, false, "— SQNR vs α", "α (smooth=α)", "step", o.alpha, OutlierMethod::Smooth,
       "smoothing needs activation maxima: a 1-D tensor of length cols (act. maxima, above)."}};
  auto curve_or_wait = [&](int i, ImVec2 size) {
    if (cv) return draw_curve(app, r, curves[i], size);
    ImGui::BeginGroup();
    ImGui::TextDisabled("computing the curves (one quantization per point)…");
    ImGui::Dummy(ImVec2(size.x, size.y - ImGui::GetFrameHeightWithSpacing()));
    ImGui::EndGroup();
  };
  const char* names[] = {"x′ histogram", "vs k", "vs r", "vs α"};
  // A narrow column (1280 × 800) shows one plot at a time, picked here; a wide one the
  // histogram beside the curves.
  if (avail.x < fs * 52) {
    for (int i = 0; i < 4; ++i) {
      if (i) ImGui::SameLine();
      ImGui::RadioButton(names[i], &st.outliers_plot, i);
    }
    const ImVec2 rest(avail.x, ImGui::GetContentRegionAvail().y);
    if (st.outliers_plot <= 0) draw_histogram(app, r, rest);
    else curve_or_wait(std::min(st.outliers_plot, 3) - 1, rest);
    return;
  }
  const ImVec2 hist((avail.x - sp) * 0.55f, avail.y);
  draw_histogram(app, r, hist);
  ImGui::SameLine();
  const float w = avail.x - hist.x - sp;
  ImGui::BeginGroup();
  if (avail.y >= 3 * fs * 10 + 2 * sy) {
    const float h = (avail.y - 2 * sy) / 3;
    for (int i = 0; i < 3; ++i) curve_or_wait(i, ImVec2(w, h));
  } else {
    // Too short for three: one at a time.
    for (int i = 1; i < 4; ++i) {
      if (i > 1) ImGui::SameLine();
      ImGui::RadioButton(names[i], &st.outliers_plot, i);
    }
    curve_or_wait(std::clamp(st.outliers_plot, 1, 3) - 1, ImVec2(w, avail.y - ImGui::GetFrameHeightWithSpacing()));
  }
  ImGui::EndGroup();
}

}  // namespace qs::app
