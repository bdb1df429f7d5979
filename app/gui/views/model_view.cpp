// The Model view: every selected tensor × the compare list's schemes (one background
// run, analysis/model_analysis), as a sortable table with the worst tensors per scheme
// flagged, the totals pooled per scheme, and the bit-budget planner over the run.
//
// Table columns (ids = sort keys): 0 tensor, 1 shape, 2 numel, 3 max|x|/σ, 4 kurtosis,
// 5 + k the k-th scheme's chosen metric, then "plan" (the planner's pick) when there is one.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <imgui.h>
#include <imgui_internal.h>  // TableSetColumnSortDirection: scripted sorting
#include <imgui_stdlib.h>

#include "analysis/base/tensor.h"
#include "app/gui/panels/panels.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/labels.h"
#include "app/gui/shell/table_headers.h"
#include "app/gui/views/model_layers.h"
#include "widgets/text_fit.h"

namespace qs::app {
namespace {

constexpr int kFixedColumns = 5;
const char* const kMetricNames[] = {"SQNR dB", "MSE", "max |error|", "clipped %", "bits/weight"};

std::optional<double> metric_of(const SchemeOnTensor& r, int metric) {
  if (!r.metrics) return std::nullopt;
  const Metrics& m = *r.metrics;
  switch (metric) {
    case 0: return m.sqnr_db;
    case 1: return m.mse;
    case 2: return m.max_abs_error;
    case 3: return m.clipped_fraction ? std::optional<double>(100.0 * *m.clipped_fraction) : std::nullopt;
    default: return m.bits_per_weight;
  }
}

std::string format_metric(double v, int metric) {
  char buf[48];
  switch (metric) {
    case 0: std::snprintf(buf, sizeof buf, std::isinf(v) ? "inf" : "%.2f", v); break;
    case 1: std::snprintf(buf, sizeof buf, "%.3e", v); break;
    case 2: std::snprintf(buf, sizeof buf, "%.4g", v); break;
    case 3: std::snprintf(buf, sizeof buf, "%.3f", v); break;
    default: std::snprintf(buf, sizeof buf, "%.3f", v); break;
  }
  return buf;
}

// The sort key of a row for a column (NaN sorts last either way).
double sort_value(const ModelRun& run, const TensorAnalysis& ta, int col, int metric,
                  const std::optional<BudgetPlan>& plan, size_t row) {
  const TensorView& t = run.model->tensors[ta.index];
  switch (col) {
    case 2: return double(t.numel());
    case 3: return ta.absmax_over_std;
    case 4: return ta.kurtosis;
    default: break;
  }
  const int k = col - kFixedColumns;
  if (k >= 0 && k < int(run.schemes.size())) return metric_of(ta.results[size_t(k)], metric).value_or(NAN);
  if (k == int(run.schemes.size()) && plan && row < plan->choice.size()) return plan->choice[row];
  return NAN;
}

// Recomputes the displayed order and the flags when the run, the sort or the metric changed.
void refresh_order(AppState& st) {
  const ModelRun& run = *st.model_run;
  char key[96];
  std::snprintf(key, sizeof key, "%p|%d|%d|%d|%s", static_cast<const void*>(&run), st.model_sort_col,
                int(st.model_sort_desc), st.model_metric, st.plan_key.c_str());
  if (st.model_order_key == key) return;
  st.model_order_key = key;
  const auto& rows = run.analysis.tensors;
  st.model_order.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) st.model_order[i] = int(i);
  const int col = st.model_sort_col;
  if (col == 0 || col == 1) {
    std::stable_sort(st.model_order.begin(), st.model_order.end(), [&](int a, int b) {
      const TensorView& ta = run.model->tensors[rows[size_t(a)].index];
      const TensorView& tb = run.model->tensors[rows[size_t(b)].index];
      const bool less = col == 0 ? ta.name < tb.name : ta.shape < tb.shape;
      const bool more = col == 0 ? tb.name < ta.name : tb.shape < ta.shape;
      return st.model_sort_desc ? more : less;
    });
  } else if (col >= 2) {
    std::vector<double> v(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) v[i] = sort_value(run, rows[i], col, st.model_metric, st.plan, i);
    std::stable_sort(st.model_order.begin(), st.model_order.end(), [&](int a, int b) {
      const double x = v[size_t(a)], y = v[size_t(b)];
      if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
      return st.model_sort_desc ? x > y : x < y;
    });
  }
  st.model_worst.clear();
  for (size_t k = 0; k < run.schemes.size(); ++k) st.model_worst.push_back(worst_tensors(run.analysis, k, kFlaggedPerScheme));
}

bool flagged(const AppState& st, size_t scheme, size_t row) {
  if (scheme >= st.model_worst.size()) return false;
  const auto& w = st.model_worst[scheme];
  return std::find(w.begin(), w.end(), row) != w.end();
}

void draw_toolbar(App& app) {
  AppState& st = app.state();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Tensors");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
  const bool enter = ImGui::InputTextWithHint("##model_regex", "regex (empty: all)", &st.model_regex,
                                              ImGuiInputTextFlags_EnterReturnsTrue);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("POSIX extended regex searched in each tensor's name, e.g. attn|mlp or ^model\\.layers\\.0\\.");
  ImGui::SameLine();
  const std::vector<Scheme> schemes = app.valid_schemes();
  auto sel = select_tensors(*st.model, st.model_regex);
  char label[96];
  if (sel) std::snprintf(label, sizeof label, "Analyze %zu tensors × %zu schemes", sel->size(), schemes.size());
  else std::snprintf(label, sizeof label, "Analyze");
  const bool busy = app.model_busy();
  ImGui::BeginDisabled(busy || !sel || sel->empty() || schemes.empty() || app.exporting());
  if ((ImGui::Button(label) || enter) && !busy) app.analyze_model_now();
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!st.model_run || app.exporting());
  if (ImGui::Button("Export report…")) st.show_export = true;
  ImGui::EndDisabled();
  if (!sel) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", sel.error().message.c_str());
  }
  if (busy) {
    const App::ModelProgress p = app.model_progress();
    const double frac = p.total_bytes > 0 ? double(p.done_bytes) / double(p.total_bytes) : 0.0;
    const double rate = p.seconds > 0 ? double(p.done_bytes) / p.seconds : 0.0;
    char text[160];
    if (rate > 0 && p.done_bytes > 0)
      std::snprintf(text, sizeof text, "%zu / %zu tensors · %.*f %s · ETA %.0f s", p.tensors_done, p.tensors_total,
                    rate >= 1e9 ? 2 : 0, rate >= 1e9 ? rate / 1e9 : rate / 1e6, rate >= 1e9 ? "GB/s" : "MB/s",
                    double(p.total_bytes - p.done_bytes) / rate);
    else
      std::snprintf(text, sizeof text, "%zu / %zu tensors", p.tensors_done, p.tensors_total);
    ImGui::ProgressBar(float(frac), ImVec2(-ImGui::GetFontSize() * 6, 0), text);
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) app.cancel_model();
  }
}

void draw_totals(App& app) {
  AppState& st = app.state();
  const ModelRun& run = *st.model_run;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("##totals", 6, flags)) return;
  const float fs = ImGui::GetFontSize();
  ImGui::TableSetupColumn("scheme (totals over the tensors)", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("pooled SQNR dB", 0, fs * 7.0f);
  ImGui::TableSetupColumn("MSE", 0, fs * 5.0f);
  ImGui::TableSetupColumn("bits/weight", 0, fs * 5.0f);
  ImGui::TableSetupColumn("size", 0, fs * 4.5f);
  ImGui::TableSetupColumn("tensors", 0, fs * 3.5f);
  table_headers(st, "model totals", {nullptr, "SQNR over all the tensors' values pooled", "mean squared error, pooled",
                                     "bits per weight over all the tensors", "bytes at those bits", "tensors analyzed"});
  auto num = [](const std::optional<double>& v, const char* fmt) {
    if (!v) {
      ImGui::TextDisabled("—");
      return;
    }
    ImGui::Text(fmt, *v);
  };
  for (size_t k = 0; k < run.schemes.size(); ++k) {
    const SchemeTotal& t = run.analysis.totals[k];
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::PushStyleColor(ImGuiCol_Text, scheme_color(int(k)));
    ImGui::Text("■ %zu", k + 1);
    ImGui::PopStyleColor();
    ImGui::SameLine();
    const std::string spec = print_spec(run.schemes[k]);
    ImGui::TextUnformatted(spec.c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", spec.c_str());
    ImGui::TableSetColumnIndex(1);
    num(t.metrics.sqnr_db, "%.2f");
    ImGui::TableSetColumnIndex(2);
    num(t.metrics.mse, "%.3e");
    ImGui::TableSetColumnIndex(3);
    num(t.metrics.bits_per_weight, "%.3f");
    ImGui::TableSetColumnIndex(4);
    ImGui::TextUnformatted(human_bytes(int64_t(std::llround(t.bytes()))).c_str());
    ImGui::TableSetColumnIndex(5);
    ImGui::Text("%lld", static_cast<long long>(t.tensors));
  }
  // The same tensors as the file stores them, for scale.
  const int64_t numel = run.analysis.numel;
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::TextDisabled("as stored in the file");
  if (run.analysis.stored_quantized > 0 && ImGui::IsItemHovered())
    ImGui::SetTooltip("%lld tensors are GGUF block types: decoded to the grid the file stores, which is the\n"
                      "reference every scheme is measured against (what re-quantizing adds on top)",
                      static_cast<long long>(run.analysis.stored_quantized));
  ImGui::TableSetColumnIndex(3);
  if (numel > 0) ImGui::TextDisabled("%.3f", 8.0 * double(run.analysis.bytes_read) / double(numel));
  ImGui::TableSetColumnIndex(4);
  ImGui::TextDisabled("%s", human_bytes(run.analysis.bytes_read).c_str());
  ImGui::TableSetColumnIndex(5);
  ImGui::TextDisabled("%zu", run.analysis.tensors.size());
  ImGui::EndTable();
}

void draw_tensor_table(App& app, float height) {
  AppState& st = app.state();
  const ModelRun& run = *st.model_run;
  const size_t S = run.schemes.size();
  const bool with_plan = st.plan.has_value() && st.plan->choice.size() == run.analysis.tensors.size();
  const int ncols = kFixedColumns + int(S) + (with_plan ? 1 : 0);
  const ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_SortTristate | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
  st.model_row_rects.clear();
  if (!ImGui::BeginTable("##model_tensors", ncols, flags, ImVec2(0, height))) return;
  const float fs = ImGui::GetFontSize();
  ImGui::TableSetupScrollFreeze(1, 1);
  ImGui::TableSetupColumn("tensor", ImGuiTableColumnFlags_WidthFixed, fs * 11, 0);
  ImGui::TableSetupColumn("shape", ImGuiTableColumnFlags_WidthFixed, fs * 5.0f, 1);
  ImGui::TableSetupColumn("numel", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending,
                          fs * 3.6f, 2);
  ImGui::TableSetupColumn("|x|/σ", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending,
                          fs * 3.0f, 3);
  ImGui::TableSetupColumn("kurt.", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending,
                          fs * 3.5f, 4);
  for (size_t k = 0; k < S; ++k) {
    // Numbered like the totals' legend: whole specs do not fit a column.
    const std::string title = "■ " + std::to_string(k + 1);
    ImGui::TableSetupColumn(title.c_str(), ImGuiTableColumnFlags_WidthFixed, fs * 3.8f, ImGuiID(kFixedColumns + k));
  }
  if (with_plan) ImGui::TableSetupColumn("plan", ImGuiTableColumnFlags_WidthFixed, fs * 9, ImGuiID(kFixedColumns + S));
  // Headers with each scheme's colour.
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int c = 0; c < ncols; ++c) {
    if (!ImGui::TableSetColumnIndex(c)) continue;
    const bool scheme_col = c >= kFixedColumns && c < kFixedColumns + int(S);
    if (scheme_col) ImGui::PushStyleColor(ImGuiCol_Text, scheme_color(c - kFixedColumns));
    header_cell(st, "model tensors", c);
    if (scheme_col) ImGui::PopStyleColor();
    if (scheme_col && ImGui::IsItemHovered())
      ImGui::SetTooltip("%s: %s per tensor (click to sort)", print_spec(run.schemes[size_t(c - kFixedColumns)]).c_str(),
                        kMetricNames[st.model_metric]);
  }
  if (st.model_sort_scripted) {
    st.model_sort_scripted = false;
    if (st.model_sort_col >= 0 && st.model_sort_col < ncols)
      ImGui::TableSetColumnSortDirection(st.model_sort_col,
                                         st.model_sort_desc ? ImGuiSortDirection_Descending : ImGuiSortDirection_Ascending,
                                         false);
  } else if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsDirty) {
    if (specs->SpecsCount > 0) {
      st.model_sort_col = int(specs->Specs[0].ColumnUserID);
      st.model_sort_desc = specs->Specs[0].SortDirection == ImGuiSortDirection_Descending;
    } else {
      st.model_sort_col = -1;  // the third click: back to file order
    }
    specs->SpecsDirty = false;
  }
  refresh_order(st);
  const auto& rows = run.analysis.tensors;
  const ImU32 flag_bg = IM_COL32(200, 60, 60, 70);
  const ImVec4 flag_text(1.0f, 0.45f, 0.40f, 1.0f);
  st.model_row_rects.assign(st.model_order.size(), {ImVec2(0, 0), ImVec2(0, 0)});
  ImGuiListClipper clipper;
  clipper.Begin(int(st.model_order.size()));
  while (clipper.Step()) {
    for (int d = clipper.DisplayStart; d < clipper.DisplayEnd; ++d) {
      const size_t row = size_t(st.model_order[size_t(d)]);
      const TensorAnalysis& ta = rows[row];
      const TensorView& t = run.model->tensors[ta.index];
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::PushID(d);
      bool any_flag = false;
      for (size_t k = 0; k < S; ++k) any_flag |= flagged(st, k, row);
      const bool selected = int(ta.index) == st.tensor;
      if (ImGui::Selectable(any_flag ? "▼" : " ", selected,
                            ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowDoubleClick |
                                ImGuiSelectableFlags_AllowItemOverlap)) {
        app.select_tensor(int(ta.index));
        if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
          st.active_view = View::Distribution;
          st.view_tab_pending = true;
          app.post_explore(false);
        }
      }
      st.model_row_rects[size_t(d)] = {ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%s\nclick: select in every view · double-click: open in Distribution%s", t.name.c_str(),
                          any_flag ? "\n▼ among the 3 lowest SQNRs of a scheme" : "");
      ImGui::SameLine();
      // Cut with "…" to the column (the tooltip above has the whole name).
      const std::string name = widgets::elide(t.name, ImGui::GetContentRegionAvail().x);
      if (any_flag) ImGui::TextColored(flag_text, "%s", name.c_str());
      else ImGui::TextUnformatted(name.c_str());
      ImGui::PopID();
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(compact_shape(t.shape).c_str());
      ImGui::TableSetColumnIndex(2);
      ImGui::TextUnformatted(human_count(t.numel()).c_str());
      ImGui::TableSetColumnIndex(3);
      ImGui::Text("%.1f", ta.absmax_over_std);
      ImGui::TableSetColumnIndex(4);
      if (std::fabs(ta.kurtosis) >= 1000) ImGui::Text("%.0f", ta.kurtosis);
      else ImGui::Text("%.1f", std::fabs(ta.kurtosis) < 0.05 ? 0.0 : ta.kurtosis);  // no "-0.0"
      for (size_t k = 0; k < S; ++k) {
        ImGui::TableSetColumnIndex(kFixedColumns + int(k));
        const SchemeOnTensor& r = ta.results[k];
        const auto v = metric_of(r, st.model_metric);
        if (!v) {
          ImGui::TextDisabled("n/a");
          if (ImGui::IsItemHovered() && !r.error.empty()) ImGui::SetTooltip("%s", r.error.c_str());
          continue;
        }
        if (flagged(st, k, row)) {
          ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, flag_bg);
          ImGui::TextColored(flag_text, "%s", format_metric(*v, st.model_metric).c_str());
        } else {
          ImGui::TextUnformatted(format_metric(*v, st.model_metric).c_str());
        }
      }
      if (with_plan) {
        ImGui::TableSetColumnIndex(kFixedColumns + int(S));
        const int c = st.plan->choice[row];
        ImGui::PushStyleColor(ImGuiCol_Text, scheme_color(c));
        ImGui::TextUnformatted(print_spec(run.schemes[size_t(c)]).c_str());
        ImGui::PopStyleColor();
      }
    }
  }
  ImGui::EndTable();
}

void draw_planner(App& app) {
  AppState& st = app.state();
  const ModelRun& run = *st.model_run;
  if (st.plan_candidates.size() != run.schemes.size()) st.plan_candidates.assign(run.schemes.size(), 1);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Bit budget");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
  if (ImGui::InputDouble("bits/weight##plan_bits", &st.plan_bits, 0.25, 1.0, "%.3g"))
    st.plan_bits = std::clamp(st.plan_bits, 0.01, 64.0);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 13);
  const char* objectives[] = {"maximize pooled SQNR", "maximize the worst tensor"};
  ImGui::Combo("##plan_objective", &st.plan_objective, objectives, 2);
  ImGui::SameLine();
  ImGui::TextDisabled("from:");
  for (size_t k = 0; k < run.schemes.size(); ++k) {
    ImGui::SameLine();
    bool on = st.plan_candidates[k] != 0;
    ImGui::PushID(int(k));
    ImGui::PushStyleColor(ImGuiCol_CheckMark, scheme_color(int(k)));
    if (ImGui::Checkbox(std::to_string(k + 1).c_str(), &on)) st.plan_candidates[k] = on ? 1 : 0;
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", print_spec(run.schemes[k]).c_str());
    ImGui::PopID();
  }
  app.update_plan();
  if (!st.plan) {
    ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", st.plan_error.c_str());
    return;
  }
  const BudgetPlan& p = *st.plan;
  int64_t numel = 0;
  for (const TensorAnalysis& ta : run.analysis.tensors) numel += run.model->tensors[ta.index].numel();
  char bound[64] = "";
  if (st.plan_objective == 0 && std::isfinite(p.bound_sqnr_db) && p.bound_sqnr_db > p.pooled_sqnr_db + 5e-3)
    std::snprintf(bound, sizeof bound, " (optimum ≤ %.2f dB)", p.bound_sqnr_db);
  ImGui::Text("%.3f bits/weight · %s · pooled SQNR %.2f dB%s · worst tensor %.2f dB", p.bits_per_weight,
              human_bytes(int64_t(std::llround(p.total_bits / 8))).c_str(), p.pooled_sqnr_db, bound, p.worst_sqnr_db);
  // The mix: tensors and share of the weights per scheme.
  std::vector<int64_t> count(run.schemes.size()), weights(run.schemes.size());
  for (size_t i = 0; i < p.choice.size(); ++i) {
    ++count[size_t(p.choice[i])];
    weights[size_t(p.choice[i])] += run.model->tensors[run.analysis.tensors[i].index].numel();
  }
  bool first = true;
  for (size_t k = 0; k < run.schemes.size(); ++k) {
    if (!count[k]) continue;
    if (!first) ImGui::SameLine();
    first = false;
    ImGui::PushStyleColor(ImGuiCol_Text, scheme_color(int(k)));
    ImGui::Text("%s ×%lld (%.0f%%)", print_spec(run.schemes[k]).c_str(), static_cast<long long>(count[k]),
                numel ? 100.0 * double(weights[k]) / double(numel) : 0.0);
    ImGui::PopStyleColor();
  }
  if (st.plan_path.empty()) st.plan_path = "budget.json";
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 18);
  ImGui::InputText("##plan_path", &st.plan_path);
  ImGui::SameLine();
  if (ImGui::Button("Export plan (JSON)")) {
    auto r = app.export_plan(st.plan_path);
    if (r) st.status = "wrote the plan to " + st.plan_path;
    else st.notices.push_back(r.error().message);
  }
  ImGui::SameLine();
  ImGui::TextDisabled("tensor → spec");
}

}  // namespace

void draw_model_view(App& app) {
  AppState& st = app.state();
  if (!st.model) {
    ImGui::TextDisabled("Open a model (Ctrl+O).");
    return;
  }
  // A model that fits in memory comfortably is analyzed as soon as the view opens; a
  // larger one waits for the button (it streams, but takes a while).
  if (!st.model_run && !app.model_busy() && st.model_auto_ran != st.model.get() && !app.exporting()) {
    st.model_auto_ran = st.model.get();
    int64_t bytes = 0;
    if (auto sel = select_tensors(*st.model, st.model_regex))
      for (size_t i : *sel) bytes += int64_t(st.model->tensors[i].bytes.size());
    if (bytes <= (int64_t(1) << 30)) app.analyze_model_now();
  }
  draw_toolbar(app);
  if (!st.model_run) {
    if (!app.model_busy())
      ImGui::TextDisabled("%s", st.model_note.empty() ? "Press Analyze to run the scheme list over every selected tensor."
                                                      : st.model_note.c_str());
    return;
  }
  const ModelRun& run = *st.model_run;
  ImGui::TextDisabled("%zu tensors × %zu schemes in %.2f s%s%s", run.analysis.tensors.size(), run.schemes.size(),
                      run.seconds, run.analysis.cancelled ? " · cancelled: partial" : "",
                      app.model_run_current() ? "" : " · the scheme list or selection changed: Analyze again");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  ImGui::SetCursorPosX(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x - ImGui::GetFontSize() * 12.5f);
  ImGui::TextDisabled("columns:");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  ImGui::Combo("##model_metric", &st.model_metric, kMetricNames, IM_ARRAYSIZE(kMetricNames));
  draw_totals(app);
  const float planner_h = ImGui::GetFrameHeightWithSpacing() * 3 + ImGui::GetTextLineHeightWithSpacing() + 8;
  const float table_h = std::max(ImGui::GetFontSize() * 6, ImGui::GetContentRegionAvail().y - planner_h);
  app.update_plan();
  if (draw_model_grid_toggle(app)) draw_model_layer_grid(app, table_h - ImGui::GetFrameHeightWithSpacing());
  else draw_tensor_table(app, table_h - (st.model_layer_grid ? ImGui::GetFrameHeightWithSpacing() : 0.0f));
  ImGui::Separator();
  draw_planner(app);
}

}  // namespace qs::app
