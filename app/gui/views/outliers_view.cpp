// The Outliers view (issue 16, "outlier lab"): the selected tensor under a base scheme
// against every way of taming outliers — none · clip · keep k · rotate · rotate with
// signs · smooth α · low-rank r · HQQ — in one table whose numbers are the CLI's for the
// same specs (analysis/explore/outlier_lab); the histogram of x′ (what the quantizer
// sees) for the selected row, against a Gaussian of the same σ and with the row's levels;
// and SQNR against k, r and α. The work runs on its own job (jobs/outliers_job): the
// per-tensor SVD once, each slider step one quantization.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "app/gui/panels/panels.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/plot_menu.h"
#include "app/gui/shell/table_headers.h"
#include "app/gui/views/outliers_layout.h"
#include "app/gui/views/outliers_plots.h"
#include "widgets/text_fit.h"

namespace qs::app {
namespace {

using outliers_layout::same_line_if_room;

const char* phase_text(OutliersPhase p) {
  switch (p) {
    case OutliersPhase::Caches: return "column maxima and SVD";
    case OutliersPhase::Rows: return "rows";
    case OutliersPhase::Curves: return "curves";
    case OutliersPhase::Idle: break;
  }
  return "queued";
}

// [SECTION] The knobs: base, k, r, α, the activation maxima.
void draw_knobs(App& app, const OutliersJobResult* r, float right) {
  AppState& st = app.state();
  OutlierLabSettings& o = st.outliers_settings;
  const float fs = ImGui::GetFontSize();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("base");
  ImGui::SameLine();
  const char* use_sel = "use selected";
  const char* reset = "default";
  const float buttons = ImGui::CalcTextSize(use_sel).x + ImGui::CalcTextSize(reset).x + fs * 3;
  ImGui::SetNextItemWidth(std::clamp(right - ImGui::GetCursorScreenPos().x - buttons, fs * 10, fs * 18));
  if (ImGui::InputText("##base", &st.outliers_base_text)) {
    auto s = parse_spec(st.outliers_base_text);
    Result<void> ok = s ? check_outlier_base(*s) : Result<void>(tl::unexpected(s.error()));
    st.outliers_base_error = ok ? "" : ok.error().message;
    if (ok) o.base = *s;
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("the scheme every row starts from; each row adds one key (clip=mse, keep=k, rot=hadamard, …)");
  same_line_if_room(ImGui::CalcTextSize(use_sel).x + fs, right);
  if (ImGui::SmallButton(use_sel) && !st.schemes.empty()) {
    const Scheme& sel = st.schemes[size_t(st.selected)].scheme;
    if (auto ok = check_outlier_base(sel); ok) {
      o.base = sel;
      st.outliers_base_text = print_spec(sel);
      st.outliers_base_error.clear();
    } else {
      st.outliers_base_error = ok.error().message;
    }
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("the scheme selected in the compare list as the base");
  same_line_if_room(ImGui::CalcTextSize(reset).x + fs, right);
  if (ImGui::SmallButton(reset)) {
    o.base = outlier_lab_default_base();
    st.outliers_base_text = print_spec(o.base);
    st.outliers_base_error.clear();
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("int4 absmax per output channel: absmax:bits=4,gran=channel,axis=0");
  if (!st.outliers_base_error.empty()) {
    ImGui::PushTextWrapPos(right);
    ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s (the rows keep %s)", st.outliers_base_error.c_str(),
                       print_spec(o.base).c_str());
    ImGui::PopTextWrapPos();
  }

  // The knobs' ranges are the tensor's (known once its lab has run once).
  const bool have = r && r->tensor == st.tensor;
  const int64_t k_hi = have ? std::max<int64_t>(1, r->m.cols - 1) : std::max<int64_t>(1, o.keep);
  const int64_t r_hi = have ? std::max<int64_t>(1, r->r_max) : std::max<int64_t>(1, o.rank);
  const int64_t one = 1;
  ImGui::SetNextItemWidth(fs * 8);
  // Shown as set even beyond this tensor's range (its row then says why); a drag clamps.
  int64_t k = o.keep;
  if (ImGui::SliderScalar("##keep", ImGuiDataType_S64, &k, &one, &k_hi, "keep k=%lld", ImGuiSliderFlags_Logarithmic))
    o.keep = std::clamp<int64_t>(k, 1, k_hi);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("keep=k: the k columns with the largest max|x| stay fp16");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 8);
  int64_t rank = o.rank;
  if (ImGui::SliderScalar("##rank", ImGuiDataType_S64, &rank, &one, &r_hi, "rank r=%lld"))
    o.rank = std::clamp<int64_t>(rank, 1, r_hi);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("lowrank=r: the best rank-r part L stays 16-bit, the rest x − L is quantized\n"
                      "(the SVD is computed once per tensor at rank %lld)", static_cast<long long>(r_hi));
  same_line_if_room(fs * 8, right);
  ImGui::SetNextItemWidth(fs * 8);
  float alpha = float(o.alpha);
  // Whole hundredths from a drag: the spec then reads smooth=0.35, not smooth=0.34999999.
  if (ImGui::SliderFloat("##alpha", &alpha, 0.0f, 1.0f, "smooth α=%.2f"))
    o.alpha = std::round(double(alpha) * 100.0) / 100.0;
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("smooth=α: column j of the weight × s_j = a_j^α / w_j^(1−α), the activations ÷ s_j");

  // The activation maxima for smoothing: the app's choice (the scheme panel's too) when
  // it fits this weight, else the default candidate.
  same_line_if_room(fs * 16, right);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("act. maxima");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::max(fs * 8, right - ImGui::GetCursorScreenPos().x));
  const Model* model = st.model.get();
  std::string shown = "…";
  if (have && r->act_tensor >= 0) shown = model->tensors[size_t(r->act_tensor)].name;
  else if (have && r->act_candidates.empty()) shown = "none fits";
  else if (have) shown = "pick one";
  if (ImGui::BeginCombo("##act", shown.c_str())) {
    if (have)
      for (int i : r->act_candidates)
        if (ImGui::Selectable(model->tensors[size_t(i)].name.c_str(), r->act_tensor == i)) app.set_act_max_tensor(i);
    if (have && r->act_candidates.empty())
      ImGui::TextDisabled("no 1-D tensor of length %lld in this model", static_cast<long long>(r->m.cols));
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("SmoothQuant's per-input-channel maxima of |activation| (a 1-D tensor of length cols),\n"
                      "shared with the scheme panel's smooth schemes");
}

std::string fmt(const char* f, std::optional<double> v) {
  if (!v) return "—";
  if (std::isinf(*v)) return *v > 0 ? "inf" : "-inf";
  char buf[48];
  std::snprintf(buf, sizeof buf, f, *v);
  return buf;
}

// The table's short name of a row (the full label is in its tooltip and the line below).
std::string short_label(OutlierMethod m, const OutlierLabSettings& s) {
  char buf[48];
  switch (m) {
    case OutlierMethod::None: return "none";
    case OutlierMethod::Clip: return "clip (MSE)";
    case OutlierMethod::Keep: std::snprintf(buf, sizeof buf, "keep %lld", static_cast<long long>(s.keep)); return buf;
    case OutlierMethod::Rotate: return "rotate";
    case OutlierMethod::RotateSigns: return "rotate ± signs";
    case OutlierMethod::Smooth: std::snprintf(buf, sizeof buf, "smooth %.2f", s.alpha); return buf;
    case OutlierMethod::LowRank: std::snprintf(buf, sizeof buf, "low-rank %lld", static_cast<long long>(s.rank)); return buf;
    case OutlierMethod::Hqq: return "HQQ 4-bit";
  }
  return "";
}

// What a row's note says: its transform's report, or its grouping.
std::string row_note(const OutlierRow& row) {
  if (!row.error.empty()) return row.error;
  const OutlierEval& e = *row.eval;
  char buf[160];
  if (!e.transform) return e.groups > 1 ? std::to_string(e.groups) + " groups" : "one group";
  const TransformReport& t = *e.transform;
  switch (t.kind) {
    case TransformKind::Hadamard:
      std::snprintf(buf, sizeof buf, "blocks of %lld%s", static_cast<long long>(t.block), t.seed ? ", random signs" : "");
      return buf;
    case TransformKind::Smooth:
      std::snprintf(buf, sizeof buf, "s in [%.3g, %.3g]", t.scale_min, t.scale_max);
      return buf;
    case TransformKind::LowRank:
      std::snprintf(buf, sizeof buf, "L holds %.1f %% of ‖x‖²", 100.0 * t.energy);
      return buf;
    case TransformKind::Keep: {
      std::string s = "columns ";
      for (size_t i = 0; i < std::min<size_t>(t.columns.size(), 6); ++i) s += (i ? ", " : "") + std::to_string(t.columns[i]);
      if (t.columns.size() > 6) s += ", …";
      return s + " in fp16";
    }
    case TransformKind::None: break;
  }
  return "";
}

// Why a row has no numbers: orange-red, darker on the light theme to stay readable.
ImVec4 error_color(const AppState& st) { return st.dark ? ImVec4(0.95f, 0.55f, 0.4f, 1) : ImVec4(0.75f, 0.25f, 0.15f, 1); }

// [SECTION] The table: one row per method; click one to show its x′ below.
void draw_table(App& app, const OutliersJobResult& r, float right) {
  AppState& st = app.state();
  const float fs = ImGui::GetFontSize(), pad = 2 * ImGui::GetStyle().CellPadding.x;
  auto w = [&](const char* a, const char* b) { return std::max(ImGui::CalcTextSize(a).x, ImGui::CalcTextSize(b).x) + 2; };
  float w_method = 0;
  for (int i = 0; i < kOutlierMethods; ++i)
    w_method = std::max(w_method, ImGui::CalcTextSize(short_label(OutlierMethod(i), r.settings).c_str()).x + 4);
  const char* heads[] = {"method", "SQNR dB", "MSE", "max err", "bits/w", "max/σ′", "kurt."};
  const char* tips[] = {"click a row to show its x′ below",
                        "10·log10(Σx² / Σ(x − x̂)²), x̂ mapped back to the original space",
                        "mean of (x − x̂)²",
                        "max |x − x̂|",
                        "bits per weight, with the scales and what the transform keeps in 16 bits",
                        "max|x′|/σ′: the largest |x′| in standard deviations of x′ (the quantizer's input;\n"
                        "population σ over the finite values). A Gaussian of this size stays below ~5",
                        "excess kurtosis of x′: E[(x′ − μ)^4] / σ′^4 − 3, 0 for a Gaussian, 3 for a Laplace"};
  const float widths[] = {w_method, w(heads[1], "-00.00"), w(heads[2], "8.88e-88"), w(heads[3], "8.88e-88"),
                          w(heads[4], "16.000"), w(heads[5], "888.8"), w(heads[6], "888.88")};
  float fixed = 0;
  for (float x : widths) fixed += x + pad;
  const float table_x0 = ImGui::GetCursorScreenPos().x;
  const bool note = right - table_x0 - fixed > fs * 6;  // a note column only where it has room
  // No vertical borders: a row without numbers writes its reason across the numeric cells.
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
  const float row_h = ImGui::GetTextLineHeightWithSpacing() + 2;
  if (!ImGui::BeginTable("##lab", note ? 8 : 7, flags, ImVec2(note ? 0 : fixed, row_h * float(kOutlierMethods + 1) + 4)))
    return;
  for (int c = 0; c < 7; ++c) ImGui::TableSetupColumn(heads[c], ImGuiTableColumnFlags_WidthFixed, widths[c]);
  if (note) ImGui::TableSetupColumn("note", ImGuiTableColumnFlags_WidthStretch);
  // The header row by hand, so each short header explains itself on hover.
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int c = 0; c < (note ? 8 : 7); ++c) {
    ImGui::TableSetColumnIndex(c);
    header_cell(st, "outlier lab", c, c < 7 ? tips[c] : nullptr);
  }
  const float table_x1 = note ? right : table_x0 + fixed;
  for (int i = 0; i < int(r.rows.rows.size()); ++i) {
    const OutlierRow& row = r.rows.rows[size_t(i)];
    ImGui::TableNextRow(0, row_h);
    ImGui::PushID(i);
    ImGui::TableSetColumnIndex(0);
    if (ImGui::Selectable(short_label(row.method, r.settings).c_str(), st.outliers_row == i,
                          ImGuiSelectableFlags_SpanAllColumns))
      st.outliers_row = i;
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s\n%s\n%s", row.label.c_str(), row.spec.empty() ? "(no spec)" : row.spec.c_str(),
                        row_note(row).c_str());
    if (row.eval) {
      const OutlierEval& e = *row.eval;
      const Metrics& m = e.metrics;
      const double kurt = e.xp.excess_kurtosis;
      const std::string cells[] = {fmt("%.2f", m.sqnr_db), fmt("%.2e", m.mse), fmt("%.2e", m.max_abs_error),
                                   fmt("%.3f", m.bits_per_weight), fmt("%.1f", e.xp.absmax_over_sigma),
                                   fmt(std::fabs(kurt) < 100 ? "%.2f" : std::fabs(kurt) < 1e4 ? "%.1f" : "%.3g", kurt)};
      for (int c = 0; c < 6; ++c) {
        ImGui::TableSetColumnIndex(c + 1);
        ImGui::TextUnformatted(cells[c].c_str());
      }
      if (note) {
        ImGui::TableSetColumnIndex(7);  // cut with "…" (the row's tooltip has it whole)
        ImGui::TextDisabled("%s", widgets::elide(row_note(row), ImGui::GetContentRegionAvail().x).c_str());
      }
    } else {
      // No numbers: the reason runs across the numeric cells, which are empty anyway.
      ImGui::TableSetColumnIndex(1);
      const ImVec2 p = ImGui::GetCursorScreenPos();
      ImDrawList* dl = ImGui::GetWindowDrawList();
      dl->PushClipRect(p, ImVec2(table_x1, p.y + row_h), false);
      dl->AddText(p, ImGui::GetColorU32(error_color(st)), row.error.c_str());
      dl->PopClipRect();
    }
    ImGui::PopID();
  }
  ImGui::EndTable();
}

// The selected row: its spec, what its transform did, and the compare list button.
void draw_selected_line(App& app, const OutliersJobResult& r, float right) {
  AppState& st = app.state();
  const OutlierRow& row = r.rows.rows[size_t(st.outliers_row)];
  ImGui::BeginDisabled(row.spec.empty() || !row.error.empty());
  if (ImGui::SmallButton("+ compare")) app.pick_outlier_row(row.method);
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("copy this row's spec into the compare list (the scheme panel)");
  ImGui::SameLine();
  ImGui::PushTextWrapPos(right);
  ImGui::TextUnformatted(row.spec.empty() ? row.label.c_str() : row.spec.c_str());
  const std::string note = "· " + row_note(row);
  same_line_if_room(ImGui::CalcTextSize(note.c_str()).x, right);
  if (row.error.empty()) ImGui::TextDisabled("%s", note.c_str());
  else ImGui::TextColored(error_color(st), "%s", note.c_str());
  ImGui::PopTextWrapPos();
}

// The activation side of smoothing: the int8 step of the activations before and after.
void draw_smooth_line(const AppState& st, const OutliersJobResult& r, float right) {
  const OutlierRow& row = r.rows.rows[size_t(OutlierMethod::Smooth)];
  ImGui::PushTextWrapPos(right);
  if (row.eval && row.eval->transform) {
    const TransformReport& t = *row.eval->transform;
    const double before = t.act_absmax_before / 127.0, after = t.act_absmax_after / 127.0;
    ImGui::TextDisabled("activations' int8 step, smooth α=%.2f: max a_j/127 = %.4g → max a_j/s_j/127 = %.4g (×%.3g)",
                        r.settings.alpha, before, after, before > 0 ? after / before : 0.0);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("a_j: %s\nsmoothing divides activation channel j by s_j and multiplies weight column j by it:\n"
                        "the product is unchanged, the activations' outliers move into the weights",
                        st.model->tensors[size_t(r.act_tensor)].name.c_str());
  } else {
    ImGui::TextDisabled("smoothing needs the activation maxima (a 1-D tensor of length %lld) to show the activations' "
                        "int8 step before and after",
                        static_cast<long long>(r.m.cols));
  }
  ImGui::PopTextWrapPos();
}

}  // namespace

void draw_outliers_view(App& app) {
  AppState& st = app.state();
  const TensorView* selected = selected_tensor(app);
  if (!selected) return;
  const TensorView& t = *selected;
  app.request_outliers();
  const OutliersJobResult* r = st.outliers.get();
  const bool current = r && r->tensor == st.tensor;
  // The column's right edge: every line below wraps or stops there.
  const float right = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x;

  ImGui::TextUnformatted(t.name.c_str());
  char info[160];
  if (current)
    std::snprintf(info, sizeof info, "%s · %lld × %lld matrix%s", shape_string(t.shape).c_str(),
                  static_cast<long long>(r->m.rows), static_cast<long long>(r->m.cols),
                  r->n_nonfinite ? " · has NaN/Inf" : "");
  else
    std::snprintf(info, sizeof info, "%s", shape_string(t.shape).c_str());
  if (same_line_if_room(ImGui::CalcTextSize(info).x, right)) ImGui::TextDisabled("%s", info);
  else ImGui::TextDisabled("%s", info);
  if (current && ImGui::IsItemHovered())
    ImGui::SetTooltip("the matrix view every transform acts on: rows = shape[0], cols = the rest");
  if (app.outliers_busy()) {
    same_line_if_room(ImGui::GetFontSize() * 13, right);
    const std::string label = phase_text(app.outliers_phase());
    ImGui::ProgressBar(float(app.outliers_progress()), ImVec2(ImGui::GetFontSize() * 9, 0), label.c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("Cancel")) app.cancel_outliers();
  } else if (!st.outliers_cancelled.empty()) {
    same_line_if_room(ImGui::GetFontSize() * 9, right);
    ImGui::TextDisabled("cancelled");
    ImGui::SameLine();
    if (ImGui::SmallButton("Resume")) st.outliers_cancelled.clear();
  }
  draw_knobs(app, r, right);
  if (!current) {
    ImGui::PushTextWrapPos(right);
    ImGui::TextDisabled("computing the column maxima and the SVD (once per tensor), then one quantization per row…");
    ImGui::PopTextWrapPos();
    return;
  }
  st.outliers_row = std::clamp(st.outliers_row, 0, kOutlierMethods - 1);
  draw_table(app, *r, right);
  draw_selected_line(app, *r, right);
  draw_smooth_line(st, *r, right);
  draw_outlier_plots(app, *r);
}

}  // namespace qs::app
