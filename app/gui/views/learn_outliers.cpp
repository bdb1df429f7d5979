// Learn, lesson 9: outliers beyond clipping. The Outliers view's four ideas — keep the
// outlier columns in fp16, rotate, smooth into the activations, split off a low-rank part
// — on an 8 × 16 matrix small enough to see every weight: x, x′ (what the quantizer gets)
// and the error x − x̂ as grids of cells, and each idea's SQNR, bits/weight and x′'s
// spread from analysis/lessons (quantize() itself, tested there).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui.h>

#include "analysis/explore/lessons.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/table_headers.h"
#include "app/gui/views/learn_page.h"
#include "widgets/matrix_grid.h"

namespace qs::app::learn {
namespace {

const char* const kIdeas[] = {"as is", "keep", "rotate", "smooth", "low-rank"};

// The rows for the sliders' values, recomputed only when they change.
const std::vector<OutlierLessonRow>& lesson_rows(AppState& st) {
  static std::vector<OutlierLessonRow> rows;
  static std::string key;
  char k[96];
  std::snprintf(k, sizeof k, "%d|%.2f|%d", st.learn_out_keep, double(st.learn_out_alpha), st.learn_out_rank);
  if (key != k) {
    rows = outlier_lesson(st.learn_out_keep, std::round(double(st.learn_out_alpha) * 100) / 100, st.learn_out_rank);
    key = k;
  }
  return rows;
}

// The numbers first and the spec last: in a narrow window the spec is what gets cut
// (its full text is the row's tooltip), never a number.
void table(AppState& st, const std::vector<OutlierLessonRow>& rows, int shown) {
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("##oltab", 6, flags)) return;
  for (const char* h : {"idea", "SQNR dB", "bits/w", "max|x′|/σ′", "kurt."}) ImGui::TableSetupColumn(h);
  ImGui::TableSetupColumn("spec", ImGuiTableColumnFlags_WidthStretch);
  table_headers(st, "lesson 9", {nullptr, "SQNR in dB", "bits per weight", "max|x′| over σ′ of the quantizer's input",
                                 "excess kurtosis of x′ (0 for a Gaussian)"});
  for (size_t i = 0; i < rows.size(); ++i) {
    const OutlierLessonRow& r = rows[i];
    ImGui::TableNextRow();
    if (int(i) == shown) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, ImGui::GetColorU32(ImGuiCol_Header, 0.6f));
    ImGui::TableSetColumnIndex(0);
    ImGui::TextUnformatted(r.name.c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", r.spec.c_str());
    ImGui::TableSetColumnIndex(5);
    ImGui::TextDisabled("%s", r.spec.c_str());
    if (!r.error.empty()) {
      ImGui::TableSetColumnIndex(1);
      ImGui::TextColored(ImVec4(0.95f, 0.55f, 0.4f, 1), "%s", r.error.c_str());
      continue;
    }
    ImGui::TableSetColumnIndex(1);
    ImGui::Text("%.2f", r.sqnr_db);
    ImGui::TableSetColumnIndex(2);
    ImGui::Text("%.3f", r.bits_per_weight);
    ImGui::TableSetColumnIndex(3);
    ImGui::Text("%.2f", r.absmax_over_sigma);
    ImGui::TableSetColumnIndex(4);
    ImGui::Text("%.2f", r.excess_kurtosis);
  }
  ImGui::EndTable();
}

}  // namespace

void lesson_outliers_beyond_clipping(App& app) {
  AppState& st = app.state();
  heading("Outliers beyond clipping");
  para("In large language models a few input features carry values tens of times larger than the rest, in every row "
       "of a weight (and of the activations feeding it). A per-row scale then spends its levels on them and rounds "
       "everything else coarsely. Clipping (lesson 4) throws the outliers' precision away. Four ideas keep it: "
       "store them apart, spread them out, move them to the other side of the product, or take them out as a "
       "low-rank part. Below, an 8 × 16 weight of unit Gaussians with two outlier columns (3 and 11, |x| ≥ 12), "
       "quantized to int4 with one scale per row, as is and after each idea.");
  const float fs = ImGui::GetFontSize();
  ImGui::SetNextItemWidth(fs * 7);
  ImGui::SliderInt("keep k", &st.learn_out_keep, 1, int(kLessonOutlierCols) - 1);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 7);
  ImGui::SliderFloat("smooth α", &st.learn_out_alpha, 0.0f, 1.0f, "%.2f");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 7);
  ImGui::SliderInt("rank r", &st.learn_out_rank, 1, int(kLessonOutlierRows) - 1);
  const std::vector<OutlierLessonRow>& rows = lesson_rows(st);
  const std::vector<float> x = lesson_outlier_matrix();

  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("show");
  for (int i = 0; i < 5; ++i) {
    ImGui::SameLine();
    ImGui::RadioButton(kIdeas[i], &st.learn_out_method, i);
  }
  st.learn_out_method = std::clamp(st.learn_out_method, 0, int(rows.size()) - 1);
  const OutlierLessonRow& r = rows[size_t(st.learn_out_method)];
  // One colour scale for x and x′ (max|x|), one for the errors (the largest error as is):
  // what an idea tames fades.
  double xmax = 0, emax = 0;
  for (float v : x) xmax = std::max(xmax, double(std::fabs(v)));
  std::vector<float> err(x.size(), 0.0f);
  if (!rows[0].xhat.empty())
    for (size_t i = 0; i < x.size(); ++i) emax = std::max(emax, std::fabs(double(x[i]) - rows[0].xhat[i]));
  if (!r.xhat.empty())
    for (size_t i = 0; i < x.size(); ++i) err[i] = float(double(x[i]) - double(r.xhat[i]));
  const float sp = ImGui::GetStyle().ItemSpacing.x;
  const float w = (ImGui::GetContentRegionAvail().x - 2 * sp) / 3;
  const ImVec2 cell(w, std::min(w * 0.5f, fs * 8));
  const int R = int(kLessonOutlierRows), C = int(kLessonOutlierCols);
  ImGui::BeginGroup();
  widgets::MatrixGrid("##x", cell, x, R, C, xmax, "x: the weights");
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  widgets::MatrixGrid("##xp", cell, r.xp.empty() ? std::span<const float>(x) : std::span<const float>(r.xp), R, C, xmax,
                      "x′: what the quantizer gets");
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  widgets::MatrixGrid("##err", cell, err, R, C, emax, "x − x̂ (as-is scale)");
  ImGui::EndGroup();
  ImGui::TextDisabled("orange > 0, blue < 0; stronger = larger |value|. Hover a cell for its value.");
  table(st, rows, st.learn_out_method);

  para("Keep (LLM.int8()): the k columns with the largest max|x| stay in fp16 and are zeroed for the quantizer, whose "
       "row scales then fit the ordinary weights. The price is 16 bits for every kept weight: bits/weight grows with k.");
  para("Rotate (QuaRot, QuIP#): multiply each row by an orthogonal Hadamard matrix H/√b. An outlier's energy is spread "
       "evenly over its block, so x′ is close to Gaussian (kurtosis near 0, max|x′|/σ′ small) and the grid fits it. "
       "The inverse rotation after dequantizing is exact, and the rotation folds into the neighbouring layers: no "
       "extra bits. Random signs (rot_seed) break up patterns a plain Hadamard matrix would keep.");
  char buf[200];
  const OutlierLessonRow& sm = rows[3];
  std::snprintf(buf, sizeof buf, "activations' int8 step: max a_j/127 = %.4g before, max a_j/s_j/127 = %.4g after",
                sm.act_step_before, sm.act_step_after);
  para("Smooth (SmoothQuant): y = W·a = (W·diag(s))·(diag(1/s)·a). Scaling weight column j by s_j = a_j^α / w_j^(1−α) "
       "and the activation channel by 1/s_j changes nothing in the product but moves difficulty between the two: "
       "α = 0 flattens the weights' columns, α = 1 the activations'. Here the activations have outlier channels 5 "
       "and 9 (30×): watch their int8 step shrink as α grows, and what that does to the weights' SQNR.");
  formula(buf);
  para("Low-rank (SVDQuant, LoRC): keep L, the best rank-r approximation (truncated SVD), in 16 bits and quantize "
       "x − L. Outlier columns are nearly a low-rank structure, so a small r takes them out; each rank costs "
       "16·(rows + cols) bits.");
  if (try_it(app, "the Outliers view on o_proj (6 outlier input columns) with its act_scales",
             {"absmax:bits=4,gran=channel,axis=0"}, View::Outliers, "model.layers.0.self_attn.o_proj.weight")) {
    st.outliers_settings = OutlierLabSettings{};
    st.outliers_base_text = print_spec(st.outliers_settings.base);
    st.outliers_base_error.clear();
    st.outliers_row = int(OutlierMethod::Rotate);
  }
}

}  // namespace qs::app::learn
