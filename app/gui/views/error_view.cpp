// The Error view: where the quantization error is. The histogram of x − x̂ with the ideal
// uniform band ±s/2 marked, the transfer staircase x̂ vs x over the visible range (levels
// and clip saturation visible), and the error x̂ − x vs x (the sawtooth). The staircase
// and sawtooth come from the shown group's levels and clip range (analysis/transfer), so
// they are exact at any zoom; the histogram comes from the data.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <imgui.h>

#include "analysis/explore/transfer.h"
#include "app/gui/shell/app.h"
#include "app/gui/panels/panels.h"
#include "app/gui/shell/plot_menu.h"
#include "widgets/xy_plot.h"

namespace qs::app {
namespace {

// The staircase and sawtooth polylines for the current levels and view, rebuilt only
// when either changes (fp16 has thousands of steps in a wide view).
struct Curves {
  uint64_t serial = ~uint64_t(0);  // AppState::result_serial the curves were built for
  double lo = 0, hi = 0;  // the view they cover
  std::vector<TransferStep> steps;
  std::vector<double> sx, sy, ex, ey;  // staircase (x, x̂) and sawtooth (x, x̂ − x)
  double err_lo = 0, err_hi = 0;
};

const Curves& curves_for(const ExploreResult& r, uint64_t serial, const widgets::PlotRange& view) {
  static Curves c;
  const GroupParams& p = r.group.params;
  const double clo = p.clipping ? p.clip_lo : -INFINITY, chi = p.clipping ? p.clip_hi : INFINITY;
  if (c.serial == serial && c.lo == view.lo && c.hi == view.hi) return c;
  c = Curves{serial, view.lo, view.hi, {}, {}, {}, {}, {}, 0, 0};
  c.steps = transfer_steps(r.levels, clo, chi, view.lo, view.hi);
  for (const TransferStep& s : c.steps) {
    c.sx.insert(c.sx.end(), {s.x0, s.x1});
    c.sy.insert(c.sy.end(), {double(s.level), double(s.level)});
    c.ex.insert(c.ex.end(), {s.x0, s.x1});
    const double e0 = double(s.level) - s.x0, e1 = double(s.level) - s.x1;
    c.ey.insert(c.ey.end(), {e0, e1});
    c.err_lo = std::min({c.err_lo, e0, e1});
    c.err_hi = std::max({c.err_hi, e0, e1});
  }
  return c;
}

float level_at(const Curves& c, double x) {
  auto it = std::upper_bound(c.steps.begin(), c.steps.end(), x,
                             [](double v, const TransferStep& s) { return v < s.x1; });
  if (it == c.steps.end()) return c.steps.empty() ? 0.0f : c.steps.back().level;
  return it->level;
}

}  // namespace

void draw_error_view(App& app) {
  AppState& st = app.state();
  const TensorView* selected = selected_tensor(app);
  if (!selected) return;
  const TensorView& t = *selected;
  const bool current = st.result && st.result_tensor == st.tensor && !st.result->hist_error.counts.empty();
  ImGui::TextUnformatted(t.name.c_str());
  if (!current) {
    ImGui::TextDisabled("computing the error…");
    return;
  }
  const ExploreResult& r = *st.result;
  const SchemeEntry& sel = st.schemes[size_t(st.selected)];
  uint64_t inside = 0;
  for (uint64_t c : r.hist_error.counts) inside += c;
  // A preview's counts are scaled up by its stride (explore_job.cpp); so is n here.
  const int64_t outside = r.q.metrics.n * std::max(1, st.result_preview) - int64_t(inside);
  ImGui::SameLine();
  // Integer grids have one step, s; float formats and NF4 have steps that grow with |x|:
  // Δ is the coarsest among the levels the shown group's values use.
  const bool uniform = sel.scheme.kind == Kind::Absmax || sel.scheme.kind == Kind::Minmax;
  fitted_text_disabled("· %s · %s = %.4g%s", print_spec(sel.scheme).c_str(), uniform ? "step s" : "largest step Δ",
                       r.step, r.q.groups.size() > 1 ? " (shown group)" : "");
  if (outside > 0)  // on its own line: a long spec would push it out of the column
    ImGui::TextColored(ImVec4(0.95f, 0.45f, 0.35f, 1), "%lld values beyond ±0.75 %s (clipped)",
                       static_cast<long long>(outside), uniform ? "s" : "Δ");

  if (st.result_preview > 0) preview_badge(st.result_preview);

  const float fs = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float top_h = std::max(fs * 10, avail.y * 0.48f);

  // 1. The error histogram over ±0.75 s, the band ±s/2 where rounding alone puts errors.
  static widgets::PlotRange err_view;
  static double err_view_step = 0;
  if (err_view_step != r.step) {
    err_view = {r.hist_error.spec.lo, r.hist_error.spec.hi};
    err_view_step = r.step;
  }
  widgets::HistogramLayer le;
  le.counts = r.hist_error.counts;
  le.lo = r.hist_error.spec.lo;
  le.hi = r.hist_error.spec.hi;
  le.color = ImGui::GetColorU32(ImGuiCol_PlotHistogram);
  le.label = "x − x̂";
  widgets::HistogramPlotOptions ho;
  ho.log_y = st.log_y;
  ho.data_lo = r.hist_error.spec.lo;
  ho.data_hi = r.hist_error.spec.hi;
  ho.x_label = "rounding error x − x̂";
  ho.band_lo = -0.5 * r.step;
  ho.band_hi = 0.5 * r.step;
  ho.band_label = uniform ? "±s/2: rounding alone" : "±Δ/2";
  const widgets::PlotEvents hev =
      widgets::HistogramPlot("##errhist", ImVec2(avail.x, top_h), err_view, std::span(&le, 1), nullptr, ho);
  st.plot_min = hev.plot_min;
  st.plot_max = hev.plot_max;
  plot_menu(app, "##err_menu", hev.plot_min, hev.plot_max, "error histogram",
            [&] { return histograms_csv(std::span(&le, 1)); });

  // 2. Staircase and sawtooth over the Distribution view's value range (shared zoom).
  const Curves& c = curves_for(r, st.result_serial, st.view);
  const float w = (avail.x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  const float h = ImGui::GetContentRegionAvail().y;
  auto tooltip = [&](double x) {
    const float l = level_at(c, x);
    ImGui::Text("x = %.6g", x);
    ImGui::Text("x̂ = %.6g", double(l));
    ImGui::Text("x̂ − x = %.4g", double(l) - x);
  };
  const double id_x[2] = {st.view.lo, st.view.hi};
  widgets::XYSeries stair[2] = {
      widgets::xy_series(std::span<const double>(id_x, 2), std::span<const double>(id_x, 2),
                         ImGui::GetColorU32(ImGuiCol_TextDisabled, 0.6f), "x̂ = x", 1.0f),
      widgets::xy_series(c.sx, c.sy, scheme_color(st.selected), "x̂(x)", 2.0f)};
  widgets::XYPlotOptions so;
  so.y_lo = st.view.lo;
  so.y_hi = st.view.hi;
  so.data_lo = st.data_lo;
  so.data_hi = st.data_hi;
  so.x_label = "x";
  so.y_label = "x̂";
  so.tooltip = tooltip;
  const widgets::XYPlotEvents e1 = widgets::XYPlot("##stair", ImVec2(w, h), st.view, stair, so);
  ImGui::SameLine();
  widgets::XYSeries saw[1] = {widgets::xy_series(c.ex, c.ey, scheme_color(st.selected), "x̂ − x")};
  widgets::XYPlotOptions eo = so;
  const double m = std::max({std::fabs(c.err_lo), std::fabs(c.err_hi), 0.5 * r.step, 1e-30}) * 1.15;
  eo.y_lo = -m;
  eo.y_hi = m;
  eo.y_label = "x̂ − x";
  eo.band_lo = -0.5 * r.step;
  eo.band_hi = 0.5 * r.step;
  const widgets::XYPlotEvents e2 = widgets::XYPlot("##saw", ImVec2(w, h), st.view, saw, eo);
  auto steps_csv = [&] {
    std::string out = "x0,x1,xhat,error_at_x0,error_at_x1\n";
    char buf[128];
    for (const TransferStep& s : c.steps) {
      std::snprintf(buf, sizeof buf, "%.9g,%.9g,%.9g,%.9g,%.9g\n", s.x0, s.x1, double(s.level),
                    double(s.level) - s.x0, double(s.level) - s.x1);
      out += buf;
    }
    return out;
  };
  plot_menu(app, "##stair_menu", e1.plot_min, e1.plot_max, "transfer", steps_csv);
  plot_menu(app, "##saw_menu", e2.plot_min, e2.plot_max, "error vs x", steps_csv);
  if (e1.view_changed || e2.view_changed) app.post_explore(false);
}

}  // namespace qs::app
