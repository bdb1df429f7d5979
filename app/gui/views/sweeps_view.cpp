// The Sweeps view: what one parameter buys. SQNR vs bits (2..16) for the selected scheme's
// family; MSE vs a symmetric clip threshold with where the calibration methods put it;
// SQNR vs block size with the bits/weight each size costs; and the format map, bits/weight
// vs SQNR for the usual formats with its Pareto front. Computed on their own worker
// (seconds for a 16 M tensor), with progress and cancel.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui.h>

#include "app/gui/shell/app.h"
#include "app/gui/panels/panels.h"
#include "app/gui/shell/plot_menu.h"
#include "widgets/xy_plot.h"

namespace qs::app {
namespace {

// y range of the finite values with 8% headroom.
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

std::string sweep_csv(const SweepResult& r, const char* x_name) {
  std::string out = std::string(x_name) + ",spec,sqnr_db,mse,bits_per_weight\n";
  char buf[96];
  for (const SweepPoint& p : r.points) {
    std::snprintf(buf, sizeof buf, "%.9g,", p.x);
    out += buf;
    out += "\"" + p.spec + "\"";
    std::snprintf(buf, sizeof buf, ",%.9g,%.9g,%.9g\n", p.sqnr_db.value_or(NAN), p.mse.value_or(NAN),
                  p.bits_per_weight.value_or(NAN));
    out += buf;
  }
  return out;
}

}  // namespace

void draw_sweeps_view(App& app) {
  AppState& st = app.state();
  const TensorView* selected = selected_tensor(app);
  if (!selected) return;
  if (st.schemes[size_t(st.selected)].scheme.kind == Kind::Preset) {
    // A preset is one fixed rule: there are no bits, clip or block to sweep.
    ImGui::TextWrapped("The sweeps vary one parameter of a generic scheme (bits, clip, block size). "
                       "A preset is its toolchain's fixed rule, so there is nothing to sweep: select or "
                       "add a generic scheme, or compare presets side by side in the Compare view.");
    return;
  }
  app.request_sweeps();
  const TensorView& t = *selected;
  const Scheme& base = st.schemes[size_t(st.selected)].scheme;
  ImGui::TextUnformatted(t.name.c_str());
  ImGui::SameLine();
  fitted_text_disabled("· sweeps around %s", print_spec(base).c_str());
  if (app.sweeps_busy()) {
    ImGui::SameLine();
    ImGui::ProgressBar(float(app.sweeps_progress()), ImVec2(ImGui::GetFontSize() * 8, 0), "sweeping");
    ImGui::SameLine();
    if (ImGui::SmallButton("Cancel")) app.cancel_sweeps();
  }
  const SweepJobResult* r = st.sweeps.get();
  if (!r || r->tensor != st.tensor) {
    ImGui::TextDisabled("computing the sweeps (one quantization of the whole tensor per point)…");
    return;
  }
  if (!(r->base == base)) {
    ImGui::SameLine();
    ImGui::TextDisabled("(showing the sweeps for %s until the new ones finish)", print_spec(r->base).c_str());
  }

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float sp = ImGui::GetStyle().ItemSpacing.x;
  const ImVec2 cell((avail.x - sp) * 0.5f, (avail.y - ImGui::GetStyle().ItemSpacing.y) * 0.5f);
  const ImU32 c0 = scheme_color(st.selected), c1 = ImGui::GetColorU32(ImGuiCol_PlotLinesHovered);

  // 1. SQNR vs bits.
  {
    std::vector<double> x, y;
    for (const SweepPoint& p : r->bits.points) x.push_back(p.x), y.push_back(p.sqnr_db.value_or(NAN));
    widgets::XYPlotOptions o;
    o.x_label = "bits";
    o.y_label = "SQNR dB vs bits";
    o.data_lo = 1.5;
    o.data_hi = 16.5;
    y_range(y, &o.y_lo, &o.y_hi);
    static widgets::PlotRange v{1.5, 16.5};
    widgets::XYSeries s = widgets::xy_series(x, y, c0, "SQNR (≈ 6.02 dB per bit)", 1.5f, true, true);
    if (x.empty()) {
      ImGui::BeginChild("##nobits", cell);
      ImGui::TextDisabled("%s has no bits to vary.", print_spec(r->base).c_str());
      ImGui::EndChild();
    } else {
      o.tooltip = [&](double xv) {
        const size_t i = size_t(std::clamp(std::lround(xv) - 2, 0L, long(r->bits.points.size()) - 1));
        const SweepPoint& p = r->bits.points[i];
        ImGui::Text("%s: SQNR %.2f dB, MSE %.3g", p.spec.c_str(), p.sqnr_db.value_or(NAN), p.mse.value_or(NAN));
      };
      const auto ev = widgets::XYPlot("##bits", cell, v, std::span(&s, 1), o);
      plot_menu(app, "##bits_menu", ev.plot_min, ev.plot_max, "sqnr vs bits", [&] { return sweep_csv(r->bits, "bits"); });
    }
  }
  ImGui::SameLine();
  // 2. MSE vs clip threshold, with the calibration markers.
  {
    std::vector<double> x, y, mx, my;
    std::vector<std::string> labels;
    for (const SweepPoint& p : r->clip.points) x.push_back(p.x), y.push_back(p.mse.value_or(NAN));
    for (const ClipMarker& m : r->clip.markers) {
      mx.push_back(m.threshold);
      my.push_back(m.mse.value_or(NAN));
      labels.push_back(m.name);
    }
    widgets::XYPlotOptions o;
    o.x_label = "clip threshold T (clip to ±T)";
    o.y_label = "MSE vs clip threshold";
    o.data_lo = x.empty() ? 0 : x.front();
    o.data_hi = x.empty() ? 1 : x.back();
    y_range(y, &o.y_lo, &o.y_hi);
    static widgets::PlotRange v;
    static double v_for = -1;
    if (v_for != o.data_hi) v = {0, o.data_hi * 1.02}, v_for = o.data_hi;
    widgets::XYSeries s[2] = {widgets::xy_series(x, y, c0, "MSE at T", 1.5f, true, false),
                              widgets::xy_series(mx, my, c1, "calibration methods", 1.5f, false, true)};
    s[1].point_labels = labels;
    const auto ev = widgets::XYPlot("##clip", cell, v, s, o);
    plot_menu(app, "##clip_menu", ev.plot_min, ev.plot_max, "mse vs clip", [&] { return sweep_csv(r->clip, "threshold"); });
  }
  // 3. SQNR vs block size (log2) and, on the second axis, the bits/weight each costs.
  {
    std::vector<double> x, y, bpw;
    std::vector<std::string> labels;
    for (const SweepPoint& p : r->block.points) {
      x.push_back(std::log2(p.x));
      y.push_back(p.sqnr_db.value_or(NAN));
      bpw.push_back(p.bits_per_weight.value_or(NAN));
      labels.push_back(std::to_string(int64_t(p.x)));
    }
    widgets::XYPlotOptions o;
    o.x_label = "log2(block size): 4 = 16 … 12 = 4096";
    o.y_label = "SQNR dB vs block size";
    o.y2_label = "bits/weight";
    o.data_lo = 3.5;
    o.data_hi = 13;
    y_range(y, &o.y_lo, &o.y_hi);
    y_range(bpw, &o.y2_lo, &o.y2_hi);
    static widgets::PlotRange v{3.5, 13};
    widgets::XYSeries s[2] = {widgets::xy_series(x, y, c0, "SQNR", 1.5f, true, true),
                              widgets::xy_series(x, bpw, c1, "bits/weight (right axis)", 1.5f, true, true)};
    s[0].point_labels = labels;
    s[1].right_axis = true;
    const auto ev = widgets::XYPlot("##block", cell, v, s, o);
    plot_menu(app, "##block_menu", ev.plot_min, ev.plot_max, "sqnr vs block", [&] { return sweep_csv(r->block, "block"); });
  }
  ImGui::SameLine();
  // 4. The format map with its Pareto front.
  {
    std::vector<double> x, y, fx, fy;
    std::vector<std::string> labels;
    for (const SweepPoint& p : r->map.points) {
      x.push_back(p.x);
      y.push_back(p.sqnr_db.value_or(NAN));
      labels.push_back(p.label);
    }
    for (size_t i : r->front) fx.push_back(x[i]), fy.push_back(y[i]);
    widgets::XYPlotOptions o;
    o.x_label = "bits / weight";
    o.y_label = "format map: SQNR dB vs bits/weight";
    o.data_lo = 0;
    o.data_hi = 18;
    y_range(y, &o.y_lo, &o.y_hi);
    static widgets::PlotRange v{2, 18};
    widgets::XYSeries s[2] = {widgets::xy_series(fx, fy, IM_COL32(120, 200, 130, 200), "Pareto front", 1.5f, true, false),
                              widgets::xy_series(x, y, c0, "", 1.5f, false, true)};
    s[1].point_labels = labels;
    s[1].label_order = r->front;  // the front's labels claim room first
    const auto ev = widgets::XYPlot("##map", cell, v, s, o);
    st.map_labels = ev.labels;
    st.plot_min = ev.plot_min;
    st.plot_max = ev.plot_max;
    plot_menu(app, "##map_menu", ev.plot_min, ev.plot_max, "format map", [&] { return sweep_csv(r->map, "bits_per_weight"); });
  }
}

}  // namespace qs::app
