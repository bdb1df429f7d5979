// The Ranges view: which channels or blocks are outliers. Per group of the selected
// scheme (per-tensor schemes: per row), the value range as a bar from min to max, the
// group's scale, and its own SQNR, in order or sorted by absmax; the top groups by
// absmax / median absmax are highlighted and listed, and clicking one focuses the
// Distribution view on that group's levels.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include <imgui.h>

#include "app/gui/panels/panels.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/plot_menu.h"
#include "app/gui/shell/table_headers.h"
#include "widgets/group_chart.h"

namespace qs::app {
namespace {

constexpr size_t kTopK = 10;

// Arrays the charts draw, rebuilt when the stats or the sort order change.
struct Series {
  std::shared_ptr<const GroupStats> stats;  // held, so a new result cannot reuse its address
  bool sorted = false;
  std::vector<float> mn, mx, scale, sqnr;
  std::vector<int64_t> order;
  std::vector<uint8_t> highlight;
  std::vector<std::pair<int64_t, double>> top;
};

const Series& series_for(const std::shared_ptr<const GroupStats>& stats, bool sorted) {
  static Series s;
  if (s.stats == stats && s.sorted == sorted) return s;
  const GroupStats& gs = *stats;
  s = Series{};
  s.stats = stats;
  s.sorted = sorted;
  const size_t G = gs.groups.size();
  s.mn.resize(G);
  s.mx.resize(G);
  s.scale.resize(G);
  s.sqnr.resize(G);
  for (size_t g = 0; g < G; ++g) {
    const GroupStat& st = gs.groups[g];
    s.mn[g] = st.n_finite ? st.min : NAN;
    s.mx[g] = st.n_finite ? st.max : NAN;
    s.scale[g] = st.scale;
    const double q = st.sqnr_db();
    s.sqnr[g] = std::isfinite(q) ? float(q) : NAN;
  }
  if (sorted) {
    s.order.resize(G);
    std::iota(s.order.begin(), s.order.end(), 0);
    std::stable_sort(s.order.begin(), s.order.end(),
                     [&](int64_t a, int64_t b) { return gs.groups[size_t(a)].absmax > gs.groups[size_t(b)].absmax; });
  }
  s.top = top_outlier_groups(gs.groups, kTopK);
  s.highlight.assign(G, 0);
  for (const auto& [g, ratio] : s.top)
    if (ratio >= 2.0) s.highlight[size_t(g)] = 1;  // only real outliers, not the top of a flat set
  return s;
}

void describe_group(const GroupStats& gs, int64_t g) {
  const GroupStat& st = gs.groups[size_t(g)];
  const GroupLayout& L = gs.layout;
  if (L.granularity == Granularity::Block)
    ImGui::Text("block %lld (row %lld, columns %lld…)", static_cast<long long>(g),
                static_cast<long long>(g / L.blocks_per_row),
                static_cast<long long>((g % L.blocks_per_row) * L.block));
  else
    ImGui::Text("channel %lld", static_cast<long long>(g));
  ImGui::Text("min %.5g  max %.5g  max|x| %.5g", double(st.min), double(st.max), double(st.absmax));
  ImGui::Text("scale %.5g  SQNR %.2f dB  (%lld values)", double(st.scale), st.sqnr_db(),
              static_cast<long long>(st.n_finite));
}

}  // namespace

void draw_ranges_view(App& app) {
  AppState& st = app.state();
  const TensorView* selected = selected_tensor(app);
  if (!selected) return;
  const TensorView& t = *selected;
  const Scheme& sel = st.schemes[size_t(st.selected)].scheme;
  const Scheme rs = ranges_scheme(sel);
  const bool derived = sel.granularity == Granularity::Tensor;
  ImGui::TextUnformatted(t.name.c_str());
  ImGui::SameLine();
  fitted_text_disabled("· groups of %s%s", print_spec(rs).c_str(),
                      derived ? " (the scheme is per tensor: showing its rows)" : "");
  if (!st.ranges || st.ranges->layout.numel != t.numel()) {
    ImGui::TextDisabled("computing per-group statistics…");
    return;
  }
  const GroupStats& gs = *st.ranges;
  ImGui::Checkbox("sorted by max|x|", &st.ranges_sorted);
  const Series& s = series_for(st.ranges, st.ranges_sorted);
  ImGui::SameLine();
  fitted_text_disabled("· %zu groups · red: max|x| ≥ 2× the median max|x|", gs.groups.size());

  const float fs = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float list_w = fs * 17;
  const float chart_w = avail.x - list_w - ImGui::GetStyle().ItemSpacing.x;
  const float h = avail.y;
  int64_t hovered = -1, clicked = -1;
  ImGui::BeginGroup();
  widgets::GroupChartOptions o;
  o.order = s.order;
  o.highlight = s.highlight;
  o.x_label = st.ranges_sorted ? "groups, by max|x|" : "group";
  o.y_label = "value range (min … max)";
  auto track = [&](const widgets::GroupChartEvents& e) {
    if (e.hovered_group >= 0) hovered = e.hovered_group;
    if (e.clicked_group >= 0) clicked = e.clicked_group;
  };
  const widgets::GroupChartEvents e1 = widgets::GroupChart("##range", ImVec2(chart_w, h * 0.44f), s.mn, s.mx, o);
  track(e1);
  st.plot_min = e1.plot_min;
  st.plot_max = e1.plot_max;
  o.y_label = "scale s";
  o.log_y = true;
  o.from_axis = true;
  track(widgets::GroupChart("##scale", ImVec2(chart_w, h * 0.27f), s.scale, s.scale, o));
  o.y_label = "SQNR dB of the group";
  o.log_y = false;
  o.color = IM_COL32(120, 190, 130, 255);
  track(widgets::GroupChart("##sqnr", ImVec2(chart_w, h * 0.27f - ImGui::GetStyle().ItemSpacing.y * 2), s.sqnr,
                            s.sqnr, o));
  ImGui::EndGroup();
  plot_menu(app, "##ranges_menu", e1.plot_min, ImVec2(e1.plot_max.x, e1.plot_max.y + h * 0.55f), "ranges", [&] {
    std::string out = "group,count,min,max,absmax,scale,sqnr_db\n";
    char buf[160];
    for (size_t g = 0; g < gs.groups.size(); ++g) {
      const GroupStat& x = gs.groups[g];
      std::snprintf(buf, sizeof buf, "%zu,%lld,%.9g,%.9g,%.9g,%.9g,%.6g\n", g, static_cast<long long>(x.count),
                    double(x.min), double(x.max), double(x.absmax), double(x.scale), x.sqnr_db());
      out += buf;
    }
    return out;
  });
  if (hovered >= 0) {
    ImGui::BeginTooltip();
    describe_group(gs, hovered);
    if (!derived) ImGui::TextDisabled("click: show this group in the Distribution view");
    ImGui::EndTooltip();
  }

  ImGui::SameLine();
  ImGui::BeginGroup();
  ImGui::TextUnformatted("Top groups by max|x| / median");
  if (ImGui::BeginTable("##top", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp,
                        ImVec2(list_w, 0))) {
    ImGui::TableSetupColumn("group");
    ImGui::TableSetupColumn("× med");
    ImGui::TableSetupColumn("max|x|");
    ImGui::TableSetupColumn("SQNR");
    table_headers(st, "top groups", {"group (channel or block) index", "max|x| over the median group's max|x|",
                                     "the group's largest |x|", "the group's SQNR in dB"});
    for (const auto& [g, ratio] : s.top) {
      const GroupStat& gst = gs.groups[size_t(g)];
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      char label[32];
      std::snprintf(label, sizeof label, "%lld", static_cast<long long>(g));
      ImGui::PushID(int(g));
      if (ImGui::Selectable(label, st.group == g && !derived, ImGuiSelectableFlags_SpanAllColumns)) clicked = g;
      ImGui::PopID();
      ImGui::TableSetColumnIndex(1);
      if (ratio >= 2.0) ImGui::TextColored(ImVec4(0.95f, 0.45f, 0.35f, 1), "%.1f", ratio);
      else ImGui::Text("%.1f", ratio);
      ImGui::TableSetColumnIndex(2);
      ImGui::Text("%.3g", double(gst.absmax));
      ImGui::TableSetColumnIndex(3);
      ImGui::Text("%.1f", gst.sqnr_db());
    }
    ImGui::EndTable();
  }
  if (derived)
    ImGui::TextWrapped("The selected scheme has one scale for the whole tensor; set groups to per channel "
                       "to give each row its own.");
  ImGui::EndGroup();

  // Focus the Distribution view on a clicked group (its levels and range).
  if (clicked >= 0 && !derived) {
    st.group = clicked;
    st.active_view = View::Distribution;
    st.view_tab_pending = true;
    app.post_explore(true);
  }
}

}  // namespace qs::app
