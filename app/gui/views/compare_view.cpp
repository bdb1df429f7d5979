// The Compare view: the schemes of the list side by side on the selected tensor. A
// sortable metrics table (click a row to select that scheme), the best SQNR within a
// bits/weight budget highlighted, and every scheme's x − x̂ histogram over one common
// range, overlaid in the schemes' colours.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include <imgui.h>

#include "app/gui/panels/panels.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/plot_menu.h"
#include "app/gui/shell/table_headers.h"
#include "widgets/ui_scale.h"

namespace qs::app {
namespace {

double value_or(const std::optional<double>& v, double fallback) { return v ? *v : fallback; }

// Index of the scheme with the highest SQNR among those within the budget, or -1.
}  // namespace

int best_within(const std::vector<SchemeEntry>& list, double budget) {
  int best = -1;
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& m = list[i].metrics;
    if (!m || !m->bits_per_weight || !m->sqnr_db || *m->bits_per_weight > budget + 1e-9) continue;
    if (best < 0 || *m->sqnr_db > *list[size_t(best)].metrics->sqnr_db) best = int(i);
  }
  return best;
}

void draw_compare_view(App& app) {
  AppState& st = app.state();
  if (!selected_tensor_titled(app)) return;
  const float fs = ImGui::GetFontSize();
  ImGui::SameLine();
  fitted_text_disabled("· %zu schemes (add up to 6 in the scheme panel)", st.schemes.size());

  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("best SQNR at ≤");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 7);
  ImGui::InputDouble("bits/weight", &st.compare_budget, 0.5, 1.0, "%.2f");
  st.compare_budget = std::clamp(st.compare_budget, 0.5, 64.0);
  ImGui::SameLine();
  ImGui::Checkbox("log count", &st.log_y);
  const int best = best_within(st.schemes, st.compare_budget);

  // [SECTION] The metrics table.
  std::vector<int> order(st.schemes.size());
  std::iota(order.begin(), order.end(), 0);
  const ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_SizingFixedFit;
  const float row_h = ImGui::GetTextLineHeightWithSpacing() + 2;
  if (ImGui::BeginTable("##compare", 8, flags, ImVec2(0, row_h * float(st.schemes.size() + 1) + 6))) {
    ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_DefaultSort, fs * 1.6f);
    ImGui::TableSetupColumn("scheme", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("bits/w", 0, fs * 3.6f);
    ImGui::TableSetupColumn("SQNR dB", ImGuiTableColumnFlags_PreferSortDescending, fs * 4.8f);
    ImGui::TableSetupColumn("MSE", 0, fs * 4.6f);
    ImGui::TableSetupColumn("max |err|", 0, fs * 5.0f);
    ImGui::TableSetupColumn("clipped", 0, fs * 4.2f);
    ImGui::TableSetupColumn("codes", 0, fs * 3.6f);
    table_headers(st, "compare", {"the compare list's number (its colour in the plot)", nullptr, "bits per weight",
                                  "signal-to-quantization-noise ratio", "mean squared error", "largest |x − x̂|",
                                  "share of the values clipped", "distinct codes used"});
    if (ImGuiTableSortSpecs* sorts = ImGui::TableGetSortSpecs(); sorts && sorts->SpecsCount > 0) {
      const ImGuiTableColumnSortSpecs& sp = sorts->Specs[0];
      auto key = [&](int i) -> double {
        const auto& m = st.schemes[size_t(i)].metrics;
        switch (sp.ColumnIndex) {
          case 2: return m ? value_or(m->bits_per_weight, 1e300) : 1e300;
          case 3: return m ? value_or(m->sqnr_db, -1e300) : -1e300;
          case 4: return m ? value_or(m->mse, 1e300) : 1e300;
          case 5: return m ? value_or(m->max_abs_error, 1e300) : 1e300;
          case 6: return m ? value_or(m->clipped_fraction, 1e300) : 1e300;
          case 7: return m ? double(m->codes_used) : -1;
          default: return double(i);
        }
      };
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        if (sp.ColumnIndex == 1) return print_spec(st.schemes[size_t(a)].scheme) < print_spec(st.schemes[size_t(b)].scheme);
        return key(a) < key(b);
      });
      if (sp.SortDirection == ImGuiSortDirection_Descending) std::reverse(order.begin(), order.end());
    }
    for (int i : order) {
      const SchemeEntry& e = st.schemes[size_t(i)];
      ImGui::TableNextRow();
      if (i == best) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, IM_COL32(70, 150, 90, 90));
      ImGui::TableSetColumnIndex(0);
      ImGui::PushID(i);
      const ImVec2 p = ImGui::GetCursorScreenPos();
      ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, p.y + widgets::px(3)), ImVec2(p.x + fs * 0.7f, p.y + fs - widgets::px(1)),
                                                scheme_color(i), 2.0f);
      char label[16];
      std::snprintf(label, sizeof label, "  %d", i + 1);
      if (ImGui::Selectable(label, i == st.selected, ImGuiSelectableFlags_SpanAllColumns)) app.select_scheme(i);
      ImGui::PopID();
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(print_spec(e.scheme).c_str());
      if (i == best) {
        ImGui::SameLine();
        ImGui::TextColored(ImVec4(0.45f, 0.85f, 0.5f, 1), "best ≤ %.2g b/w", st.compare_budget);
      }
      if (!e.error.empty()) {
        ImGui::TableSetColumnIndex(2);
        ImGui::TextDisabled("%s", e.error.c_str());
        continue;
      }
      const auto& m = e.metrics;
      if (!m) {
        ImGui::TableSetColumnIndex(2);
        ImGui::TextDisabled("…");
        continue;
      }
      ImGui::TableSetColumnIndex(2);
      ImGui::Text("%.4g", value_or(m->bits_per_weight, 0));
      ImGui::TableSetColumnIndex(3);
      ImGui::Text("%.2f", value_or(m->sqnr_db, 0));
      ImGui::TableSetColumnIndex(4);
      ImGui::Text("%.3e", value_or(m->mse, 0));
      ImGui::TableSetColumnIndex(5);
      ImGui::Text("%.3e", value_or(m->max_abs_error, 0));
      ImGui::TableSetColumnIndex(6);
      ImGui::Text("%.3f %%", 100.0 * value_or(m->clipped_fraction, 0));
      ImGui::TableSetColumnIndex(7);
      ImGui::Text("%lld", static_cast<long long>(m->codes_used));
    }
    ImGui::EndTable();
  }

  // [SECTION] Error histograms, overlaid.
  std::vector<widgets::HistogramLayer> layers;
  std::vector<std::string> labels;
  labels.reserve(st.schemes.size());
  size_t k = 0;
  for (size_t i = 0; i < st.schemes.size(); ++i) {
    if (!st.schemes[i].error.empty()) continue;
    if (k >= st.compare_error_hists.size()) break;
    const Histogram& h = st.compare_error_hists[k++];
    labels.push_back(std::to_string(i + 1) + "  " + print_spec(st.schemes[i].scheme));
    widgets::HistogramLayer l;
    l.counts = h.counts;
    l.lo = h.spec.lo;
    l.hi = h.spec.hi;
    l.color = scheme_color(int(i));
    l.outline = true;
    l.label = labels.back().c_str();
    layers.push_back(l);
  }
  if (layers.empty()) {
    ImGui::TextDisabled("computing the error histograms…");
    return;
  }
  static widgets::PlotRange view;
  static double view_for = 0;
  if (view_for != layers[0].hi) {
    view = {layers[0].lo, layers[0].hi};
    view_for = layers[0].hi;
  }
  widgets::HistogramPlotOptions o;
  o.log_y = st.log_y;
  o.data_lo = layers[0].lo;
  o.data_hi = layers[0].hi;
  o.x_label = "x − x̂ (±2.5 × the largest RMSE)";
  const widgets::PlotEvents ev =
      widgets::HistogramPlot("##cmp_err", ImGui::GetContentRegionAvail(), view, layers, nullptr, o);
  st.plot_min = ev.plot_min;
  st.plot_max = ev.plot_max;
  plot_menu(app, "##cmp_menu", ev.plot_min, ev.plot_max, "compare errors", [&] { return histograms_csv(layers); });
}

}  // namespace qs::app
