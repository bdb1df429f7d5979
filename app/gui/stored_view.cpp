// The Stored view: how a GGUF file quantized the selected tensor. For a block type
// (Q4_0 ... Q6_K) it shows the stored format, how often each integer code is used, the
// spread of the per-sub-block scales, and one sub-block's values on the grid its scale
// and offset define (they sit exactly on it: the file holds nothing else). "Compare with
// a re-quantization" adds the type's llama.cpp preset (or the nearest generic scheme).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui.h>

#include "analysis/stored_quant.h"
#include "app/gui/app.h"
#include "app/gui/panels.h"

namespace qs::app {
namespace {

// The scheme to re-quantize a stored type with: llama.cpp's own rule (a preset) where we
// have it, which reproduces the stored values exactly; otherwise the generic scheme with
// the same block size and bits.
const char* nearest_spec(DType t) {
  switch (t) {
    case DType::Q8_0: return "q8_0";
    case DType::Q4_0: return "q4_0";
    case DType::Q5_0: return "q5_0";
    case DType::Q4_1: return "q4_1";
    case DType::Q5_1: return "q5_1";
    case DType::Q4_K: return "q4_k";
    case DType::Q6_K: return "q6_k";
    case DType::Q2_K: return "minmax:bits=2,gran=block,block=16,zp=float";
    case DType::Q3_K: return "absmax:bits=3,gran=block,block=16";
    case DType::Q5_K: return "minmax:bits=5,gran=block,block=32,zp=float";
    default: return "";
  }
}

const char* formula(DType t) {
  switch (t) {
    case DType::Q4_1: case DType::Q5_1: return "x = d·q + m per block of 32 (d, m stored as fp16)";
    case DType::Q2_K: case DType::Q4_K: case DType::Q5_K:
      return "x = d·sc·q − dmin·m: fp16 d, dmin per 256, small integer sc, m per sub-block";
    case DType::Q3_K: case DType::Q6_K: return "x = d·sc·q: fp16 d per 256, a signed integer sc per sub-block of 16";
    default: return "x = d·q per block of 32 (d stored as fp16)";
  }
}

// A titled section (ImGui 1.86 has no SeparatorText).
void section(const char* title) {
  ImGui::Spacing();
  ImGui::TextUnformatted(title);
  ImGui::Separator();
}

// Bars for a few hundred counts, drawn into the available width.
void bar_chart(const char* id, const std::vector<double>& v, float height, const char* tooltip_fmt,
               double x0, double dx) {
  const float w = ImGui::GetContentRegionAvail().x;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, ImVec2(w, height));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 bg = ImGui::GetColorU32(ImGuiCol_FrameBg);
  const ImU32 bar = ImGui::GetColorU32(ImGuiCol_PlotHistogram);
  dl->AddRectFilled(p0, ImVec2(p0.x + w, p0.y + height), bg, 3.0f);
  if (v.empty()) return;
  const double vmax = std::max(1e-300, *std::max_element(v.begin(), v.end()));
  const float bw = w / float(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const float h = float(v[i] / vmax) * (height - 4);
    const float x = p0.x + bw * float(i);
    dl->AddRectFilled(ImVec2(x + (bw > 3 ? 1 : 0), p0.y + height - h), ImVec2(x + bw, p0.y + height), bar);
  }
  if (ImGui::IsItemHovered()) {
    const size_t i = std::min(v.size() - 1, size_t((ImGui::GetIO().MousePos.x - p0.x) / bw));
    ImGui::SetTooltip(tooltip_fmt, x0 + dx * double(i), v[i]);
  }
}

// One sub-block's grid (ticks) and its values (dots) on a shared axis.
void grid_strip(const std::vector<float>& levels, const std::vector<float>& values) {
  const float fs = ImGui::GetFontSize();
  const float w = ImGui::GetContentRegionAvail().x, h = fs * 3.2f;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##grid", ImVec2(w, h));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, ImVec2(p0.x + w, p0.y + h), ImGui::GetColorU32(ImGuiCol_FrameBg), 3.0f);
  if (levels.empty()) return;
  double lo = std::min<double>(levels.front(), levels.back()), hi = std::max<double>(levels.front(), levels.back());
  if (!(hi > lo)) hi = lo + 1;
  const float pad = fs;
  auto X = [&](double v) { return p0.x + pad + float((v - lo) / (hi - lo)) * (w - 2 * pad); };
  const float axis_y = p0.y + h * 0.62f;
  dl->AddLine(ImVec2(p0.x + pad, axis_y), ImVec2(p0.x + w - pad, axis_y), ImGui::GetColorU32(ImGuiCol_TextDisabled));
  const ImU32 tick = IM_COL32(120, 170, 240, 255), dot = IM_COL32(250, 190, 80, 255);
  for (float l : levels) {
    const float x = X(l);
    dl->AddLine(ImVec2(x, axis_y - fs * 0.45f), ImVec2(x, axis_y + fs * 0.45f), tick, 1.5f);
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) continue;
    // Stack repeated values a little upward so each one stays visible.
    const float y = axis_y - fs * 0.9f - float(i % 3) * fs * 0.35f;
    dl->AddCircleFilled(ImVec2(X(values[i]), y), fs * 0.18f, dot);
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", lo);
  dl->AddText(ImVec2(p0.x + pad, axis_y + fs * 0.5f), ImGui::GetColorU32(ImGuiCol_TextDisabled), buf);
  std::snprintf(buf, sizeof buf, "%.4g", hi);
  dl->AddText(ImVec2(p0.x + w - pad - ImGui::CalcTextSize(buf).x, axis_y + fs * 0.5f),
              ImGui::GetColorU32(ImGuiCol_TextDisabled), buf);
}

}  // namespace

void draw_stored_view(App& app) {
  AppState& st = app.state();
  const TensorView* selected = selected_tensor(app);
  if (!selected) return;
  const TensorView& t = *selected;
  ImGui::TextUnformatted(t.name.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("%s %s", std::string(dtype_name(t.dtype)).c_str(), shape_string(t.shape).c_str());
  if (!dtype_is_block(t.dtype)) {
    ImGui::Spacing();
    ImGui::TextWrapped(
        "This tensor is stored as %s: there is no stored quantization to show. Tensors of a GGUF "
        "file in a block-quantized type (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K ... Q6_K) show here how "
        "the file quantized them: the scales per block, the codes used and the grid of values.",
        std::string(dtype_name(t.dtype)).c_str());
    return;
  }
  app.request_stored();
  const StoredQuant* sq = st.stored && st.stored_tensor == st.tensor ? st.stored.get() : nullptr;
  if (!sq) {
    ImGui::TextDisabled("reading the stored blocks…");
    return;
  }
  const float fs = ImGui::GetFontSize();
  ImGui::TextWrapped("Stored as %s: %.4g bits/weight · %s sub-block%s of %lld · codes %d..%d (%d used)",
                     std::string(dtype_name(sq->type)).c_str(), sq->bits_per_weight,
                     std::to_string(sq->sub_blocks()).c_str(), sq->sub_blocks() == 1 ? "" : "s",
                     (long long)sq->sub_block_elems, sq->code_min,
                     sq->code_max, sq->codes_used());
  ImGui::TextDisabled("%s", formula(sq->type));
  const char* spec = nearest_spec(sq->type);
  if (ImGui::Button("Compare with a re-quantization")) {
    if (auto s = parse_spec(spec)) {
      if (app.add_scheme(*s)) {
        st.active_view = View::Compare;
        st.view_tab_pending = true;
      }
    }
  }
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("add %s to the compare list and open Compare;\n"
                      "the file's values are the reference: llama.cpp's own rule (a preset) gives them back\n"
                      "with zero error, and every other scheme shows what it would add on top",
                      spec);
  }

  section("Codes used");
  std::vector<double> counts(sq->code_counts.begin(), sq->code_counts.end());
  bar_chart("##codes", counts, fs * 5, "code %.0f: %.0f", sq->code_min, 1);

  section("Scale per sub-block");
  {
    const Histogram& h = st.stored_scale_hist;
    const std::vector<double> counts_h(h.counts.begin(), h.counts.end());
    ImGui::TextDisabled("%.4g .. %.4g", st.stored_scale_range.first, st.stored_scale_range.second);
    bar_chart("##scales", counts_h, fs * 4, "scale ≈ %.4g: %.0f sub-blocks", h.spec.lo + h.bin_width() / 2,
              h.bin_width());
  }

  section("One sub-block on its grid");
  int64_t j = std::clamp<int64_t>(st.stored_sub_block, 0, std::max<int64_t>(0, sq->sub_blocks() - 1));
  ImGui::SetNextItemWidth(fs * 10);
  if (ImGui::InputScalar("sub-block", ImGuiDataType_S64, &j)) {
    st.stored_sub_block = std::clamp<int64_t>(j, 0, std::max<int64_t>(0, sq->sub_blocks() - 1));
  }
  ImGui::SameLine();
  if (ImGui::Button("largest scale")) {
    st.stored_sub_block = int64_t(std::max_element(sq->scale.begin(), sq->scale.end(),
                                                   [](float a, float b) { return std::fabs(a) < std::fabs(b); }) -
                                  sq->scale.begin());
  }
  j = st.stored_sub_block = std::clamp<int64_t>(st.stored_sub_block, 0, std::max<int64_t>(0, sq->sub_blocks() - 1));
  if (sq->sub_blocks() > 0) {
    std::vector<float> values(size_t(sq->sub_block_elems));
    decode_to_float(t, j * sq->sub_block_elems, values);
    ImGui::TextDisabled("scale %.6g   offset %.6g   elements %lld .. %lld", sq->scale[size_t(j)],
                        sq->offset[size_t(j)], (long long)(j * sq->sub_block_elems),
                        (long long)((j + 1) * sq->sub_block_elems - 1));
    grid_strip(stored_levels(*sq, j), values);
    ImGui::TextDisabled("ticks: the %d values this sub-block can hold · dots: its %lld weights",
                        sq->code_max - sq->code_min + 1, (long long)sq->sub_block_elems);
  }
}

}  // namespace qs::app
