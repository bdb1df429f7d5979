// The Distribution view: the tensor's histogram over the visible range, x̂'s histogram
// as an overlay, the selected scheme's representable levels for the shown group, and
// the clip range with draggable handles (dragging switches the clip to `range`).
#include <algorithm>
#include <cmath>

#include <imgui.h>

#include "app/gui/shell/app.h"
#include "app/gui/panels/panels.h"
#include "app/gui/shell/plot_menu.h"
#include "analysis/numeric/tensor_decode.h"

namespace qs::app {

void draw_distribution_view(App& app) {
  AppState& st = app.state();
  // Header: what is shown.
  const TensorView* selected = selected_tensor_titled(app);
  if (!selected) return;
  const TensorView& t = *selected;
  const float fs = ImGui::GetFontSize();
  ImGui::SameLine();
  if (st.result_tensor == st.tensor) {
    const TensorStats& s = st.result_stats;
    if (st.result_preview > 0) {  // on the header line: the layout does not jump when it goes
      preview_badge(st.result_preview);
      ImGui::SameLine();
    }
    fitted_text_disabled("%s %s · min %.4g  max %.4g  σ %.3g%s", std::string(dtype_name(t.dtype)).c_str(),
                         shape_string(t.shape).c_str(), s.min, s.max, s.std,
                         s.n_nonfinite ? "  · has non-finite values" : "");
  } else {
    fitted_text_disabled("%s %s", std::string(dtype_name(t.dtype)).c_str(), shape_string(t.shape).c_str());
  }

  // Toolbar.
  if (ImGui::Checkbox("log count", &st.log_y)) {}
  ImGui::SameLine();
  ImGui::Checkbox("x̂ overlay", &st.show_dequant);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 8);
  int bins = st.bins;
  if (ImGui::SliderInt("bins", &bins, 16, 1024, "%d bins", ImGuiSliderFlags_Logarithmic) && bins != st.bins) {
    st.bins = bins;
    app.post_explore(false);
  }
  ImGui::SameLine();
  if (ImGui::Button("Reset view")) {
    st.view = {st.data_lo, st.data_hi};
    app.post_explore(false);
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("show the whole data range (or double-click the plot)");
  ImGui::SameLine();
  if (ImGui::Button("What if…")) ImGui::OpenPopup("##whatif");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("inject an outlier or scale a row in a scratch copy and watch the scale, levels and SQNR");
  if (ImGui::BeginPopup("##whatif")) {
    WhatIf& w = st.whatif_edit;
    int kind = int(w.kind);
    ImGui::RadioButton("set one element", &kind, 0);
    ImGui::SameLine();
    ImGui::RadioButton("scale one row", &kind, 1);
    w.kind = WhatIf::Kind(kind);
    ImGui::SetNextItemWidth(fs * 8);
    ImGui::InputScalar(w.kind == WhatIf::Kind::SetElement ? "element (flat index)" : "row", ImGuiDataType_S64,
                       &w.index);
    ImGui::SetNextItemWidth(fs * 8);
    ImGui::InputFloat(w.kind == WhatIf::Kind::SetElement ? "new value" : "factor", &w.value, 0, 0, "%.6g");
    if (ImGui::Button("Apply")) {
      st.whatif = w;
      app.post_explore(true);
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Reset to the file's data")) {
      st.whatif.reset();
      app.post_explore(true);
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
  }
  if (st.whatif) {
    ImGui::TextColored(ImVec4(0.98f, 0.75f, 0.3f, 1), "what-if: %s — a scratch copy; the file is unchanged",
                       st.whatif->describe().c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("Reset")) {
      st.whatif.reset();
      app.post_explore(true);
    }
  }

  const SchemeEntry* sel = st.schemes.empty() ? nullptr : &st.schemes[size_t(st.selected)];
  const bool current = st.result && st.result_tensor == st.tensor;
  std::vector<widgets::HistogramLayer> layers;
  if (current) {
    widgets::HistogramLayer lx;
    lx.counts = st.result->hist_x.counts;
    lx.lo = st.result->hist_x.spec.lo;
    lx.hi = st.result->hist_x.spec.hi;
    lx.color = ImGui::GetColorU32(ImGuiCol_PlotHistogram);
    lx.label = "x (weights)";
    layers.push_back(lx);
    if (st.show_dequant) {
      widgets::HistogramLayer ld;
      const QuantizeResult& q = st.result->q;
      if (q.has_dequant_values) {
        // One group: x̂ takes only the levels' values; a stem per level with its count
        // (binned on x's bins, 255 levels in 256 bins alias into double spikes).
        ld.stems = q.dequant_values;
        ld.counts = q.dequant_counts;
      } else {  // many groups: x̂ takes many values, a histogram reads right
        ld.counts = st.result->hist_dequant.counts;
        ld.lo = st.result->hist_dequant.spec.lo;
        ld.hi = st.result->hist_dequant.spec.hi;
      }
      ld.color = scheme_color(st.selected);
      if (st.result_preview > 0) ld.color = (ld.color & ~IM_COL32_A_MASK) | IM_COL32(0, 0, 0, 110);  // dimmer: a preview
      ld.fits_axis = false;
      ld.outline = true;
      ld.label = "x̂ (dequantized)";
      layers.push_back(ld);
    }
  }

  // Clip handles: the shown group's clip range, or its data range to drag from.
  widgets::ClipHandles clip;
  if (current && sel) {
    const GroupSummary& g = st.result->group;
    clip.show = true;
    clip.symmetric = sel->scheme.kind == Kind::Absmax || sel->scheme.kind == Kind::NF4 ||
                     (sel->scheme.kind == Kind::Float && sel->scheme.scale == ScaleMode::Absmax);
    if (g.params.clipping) {
      clip.lo = g.params.clip_lo;
      clip.hi = g.params.clip_hi;
    } else if (clip.symmetric) {
      const double a = std::max(std::fabs(g.min), std::fabs(g.max));
      clip.lo = -a;
      clip.hi = a;
    } else {
      clip.lo = g.min;
      clip.hi = g.max;
    }
    if (sel->scheme.kind == Kind::Float && sel->scheme.scale == ScaleMode::None) {
      clip.symmetric = false;  // a plain cast clips only if asked to
      if (!g.params.clipping) clip.show = false;
    }
    if (st.clip_dragging) {
      // While dragging, keep the handles where the mouse put them (the result lags).
      clip.lo = st.clip.lo;
      clip.hi = st.clip.hi;
    }
  }

  widgets::HistogramPlotOptions opt;
  opt.log_y = st.log_y;
  opt.data_lo = st.data_lo;
  opt.data_hi = st.data_hi;
  opt.x_label = "value";
  if (current) opt.levels = st.result->levels;
  char levels_label[64];
  if (current) {
    const int64_t G = int64_t(st.result->q.groups.size());
    if (G > 1)
      std::snprintf(levels_label, sizeof levels_label, "levels (group %lld)",
                    static_cast<long long>(st.result->group.index));
    else
      std::snprintf(levels_label, sizeof levels_label, "levels");
    opt.levels_label = levels_label;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const widgets::PlotEvents ev =
      widgets::HistogramPlot("##dist", ImVec2(avail.x, avail.y), st.view, layers, &clip, opt);
  st.clip = clip;
  st.plot_min = ev.plot_min;
  st.plot_max = ev.plot_max;
  plot_menu(app, "##dist_menu", ev.plot_min, ev.plot_max, "distribution", [&] { return histograms_csv(layers); });
  if (ev.clip_changed) {
    st.clip_dragging = true;
    app.set_clip_range(clip.lo, clip.hi, /*continuous_edit=*/true);
  }
  if (ev.clip_released) {
    st.clip_dragging = false;
    app.set_clip_range(clip.lo, clip.hi, /*continuous_edit=*/false);
  }
  if (ev.view_changed) app.post_explore(false);
}

}  // namespace qs::app
