// The Stored view: how the file quantized the selected tensor. For a GGUF block type
// (Q4_0 ... Q6_K) it shows the stored format, how often each integer code is used, the
// spread of the per-sub-block scales, and one sub-block's values on the grid its scale
// and offset define (they sit exactly on it: the file holds nothing else). A TF.js
// uint8/uint16 weight is one sub-block (the whole tensor, x = q·scale + min); a TF.js
// float16 weight has the 65536 half bit patterns as codes. "Compare with a
// re-quantization" adds the type's own rule (a llama.cpp preset, the matching min/max
// scheme, the fp16 cast) or the nearest generic scheme.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui.h>

#include "analysis/model/stored_quant.h"
#include "analysis/numeric/tensor_decode.h"
#include "app/gui/panels/panels.h"
#include "app/gui/shell/app.h"
#include "widgets/ui_scale.h"

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
    // TF.js: its grid spans the converter's min..max; when the extreme codes occur, the
    // data's own min/max rebuild that grid and the values come back exactly.
    case DType::U8Q: return "minmax:bits=8,zp=float";
    case DType::U16Q: return "minmax:bits=16,zp=float";
    case DType::F16: return "fp16";
    default: return "";
  }
}

const char* formula(DType t) {
  switch (t) {
    case DType::Q4_1: case DType::Q5_1: return "x = d·q + m per block of 32 (d, m stored as fp16)";
    case DType::Q2_K: case DType::Q4_K: case DType::Q5_K:
      return "x = d·sc·q − dmin·m: fp16 d, dmin per 256, small integer sc, m per sub-block";
    case DType::Q3_K: case DType::Q6_K: return "x = d·sc·q: fp16 d per 256, a signed integer sc per sub-block of 16";
    case DType::U8Q: case DType::U16Q:
      return "x = q·scale + min: one scale and min per tensor (model.json), computed in double and rounded to float32 as TF.js decodes";
    case DType::F16: return "x = the float16 number the stored 16 bits encode (TF.js float16 quantization)";
    default: return "x = d·q per block of 32 (d stored as fp16)";
  }
}

// Secondary text that wraps at the panel's edge (long lines are cut at 1280 px otherwise).
template <typename... Args>
void disabled_wrapped(const char* fmt, Args... args) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped(fmt, args...);
  ImGui::PopStyleColor();
}

// A titled section (ImGui 1.86 has no SeparatorText).
void section(const char* title) {
  ImGui::Spacing();
  ImGui::TextUnformatted(title);
  ImGui::Separator();
}

// Bars for the counts, drawn into the available width. More counts than pixels (the
// 65536 codes of a 16-bit type) are summed over runs of adjacent entries, one bar per run.
void bar_chart(const char* id, const std::vector<double>& v, float height, const char* what, double x0,
               double dx) {
  const float w = ImGui::GetContentRegionAvail().x;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, ImVec2(w, height));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 bg = ImGui::GetColorU32(ImGuiCol_FrameBg);
  const ImU32 bar = ImGui::GetColorU32(ImGuiCol_PlotHistogram);
  dl->AddRectFilled(p0, ImVec2(p0.x + w, p0.y + height), bg, widgets::px(3));
  if (v.empty() || w < 1) return;
  const size_t run = std::max<size_t>(1, (v.size() + size_t(w) - 1) / size_t(w));
  std::vector<double> bars((v.size() + run - 1) / run, 0.0);
  for (size_t i = 0; i < v.size(); ++i) bars[i / run] += v[i];
  const double vmax = std::max(1e-300, *std::max_element(bars.begin(), bars.end()));
  const float bw = w / float(bars.size());
  for (size_t i = 0; i < bars.size(); ++i) {
    const float h = float(bars[i] / vmax) * (height - 4);
    const float x = p0.x + bw * float(i);
    dl->AddRectFilled(ImVec2(x + (bw > 3 ? 1 : 0), p0.y + height - h), ImVec2(x + std::max(bw, 1.0f), p0.y + height), bar);
  }
  if (ImGui::IsItemHovered()) {
    const size_t i = std::min(bars.size() - 1, size_t(std::max(0.0f, ImGui::GetIO().MousePos.x - p0.x) / bw));
    const double a = x0 + dx * double(i * run), b = x0 + dx * double(std::min(v.size(), (i + 1) * run) - 1);
    if (run == 1) {
      ImGui::SetTooltip("%s %.4g: %.0f", what, a, bars[i]);
    } else {
      ImGui::SetTooltip("%s %.4g .. %.4g: %.0f", what, a, b, bars[i]);
    }
  }
}

// One sub-block's grid (ticks) and its values (dots) on a shared axis.
void grid_strip(const std::vector<float>& levels, const std::vector<float>& values) {
  const float fs = ImGui::GetFontSize();
  const float w = ImGui::GetContentRegionAvail().x, h = fs * 3.2f;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##grid", ImVec2(w, h));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, ImVec2(p0.x + w, p0.y + h), ImGui::GetColorU32(ImGuiCol_FrameBg), widgets::px(3));
  if (levels.empty()) return;
  double lo = levels.front(), hi = levels.back();  // ascending
  if (!(hi > lo)) hi = lo + 1;
  const float pad = fs;
  auto X = [&](double v) { return p0.x + pad + float((v - lo) / (hi - lo)) * (w - 2 * pad); };
  const float axis_y = p0.y + h * 0.62f;
  dl->AddLine(ImVec2(p0.x + pad, axis_y), ImVec2(p0.x + w - pad, axis_y), ImGui::GetColorU32(ImGuiCol_TextDisabled));
  const ImU32 tick = IM_COL32(120, 170, 240, 255), dot = IM_COL32(250, 190, 80, 255);
  if (float(levels.size()) * 3.0f > w) {  // denser than a tick per 3 px: one band
    dl->AddRectFilled(ImVec2(X(lo), axis_y - fs * 0.45f), ImVec2(X(hi), axis_y + fs * 0.45f), (tick & 0x00FFFFFF) | 0x90000000u);
  } else {
    for (float l : levels) {
      const float x = X(l);
      dl->AddLine(ImVec2(x, axis_y - fs * 0.45f), ImVec2(x, axis_y + fs * 0.45f), tick, widgets::px(1.5f));
    }
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

// The values shown on the grid strip: at most this many (a TF.js tensor is one sub-block
// of up to hundreds of millions of weights; decoding them every frame would stall).
constexpr int64_t kStripValues = 4096;

// The levels of sub-block j in ascending order, limited to the span of `values` plus one
// level either side when there are more than a strip can show (float16: 63488 halves).
std::vector<float> strip_levels(const StoredQuant& sq, int64_t j, const std::vector<float>& values) {
  std::vector<float> levels = stored_levels(sq, j);
  std::sort(levels.begin(), levels.end());
  if (levels.size() <= 1024 || values.empty()) return levels;
  float vlo = INFINITY, vhi = -INFINITY;
  for (float v : values) {
    if (std::isfinite(v)) vlo = std::min(vlo, v), vhi = std::max(vhi, v);
  }
  if (!(vlo <= vhi)) return levels;
  auto a = std::lower_bound(levels.begin(), levels.end(), vlo);
  auto b = std::upper_bound(levels.begin(), levels.end(), vhi);
  if (a != levels.begin()) --a;
  if (b != levels.end()) ++b;
  return std::vector<float>(a, b);
}

// What the view draws from a stored tensor: the code counts as doubles, and one
// sub-block's first weights and the levels around them. Decoding those and building the
// levels (65536 sorted halves for float16) is done when the tensor or sub-block changes,
// not every frame. Render thread only.
struct StripCache {
  const StoredQuant* stored = nullptr;  // with the tensor's bytes: a freed StoredQuant's
  const std::byte* bytes = nullptr;     // address reused by another tensor's is not a hit
  int64_t sub_block = -1;
  std::vector<double> counts;
  std::vector<float> values, levels;
};

const StripCache& strip_cache(const TensorView& t, const StoredQuant& sq, int64_t j) {
  static StripCache c;
  if (c.stored != &sq || c.bytes != t.bytes.data()) {
    c.stored = &sq;
    c.bytes = t.bytes.data();
    c.sub_block = -1;
    c.counts.assign(sq.code_counts.begin(), sq.code_counts.end());
  }
  if (c.sub_block != j && sq.sub_blocks() > 0) {
    c.sub_block = j;
    c.values.resize(size_t(std::min(sq.sub_block_elems, kStripValues)));
    decode_to_float(t, j * sq.sub_block_elems, c.values);
    c.levels = strip_levels(sq, j, c.values);
  }
  return c;
}

}  // namespace

void draw_stored_view(App& app) {
  AppState& st = app.state();
  const TensorView* selected = selected_tensor_titled(app);
  if (!selected) return;
  const TensorView& t = *selected;
  ImGui::SameLine();
  fitted_text_disabled("%s %s", std::string(dtype_name(t.dtype)).c_str(), shape_string(t.shape).c_str());
  if (!has_stored_quant(t)) {
    ImGui::Spacing();
    ImGui::TextWrapped(
        "This tensor is stored as %s: there is no stored quantization to show. Tensors a file "
        "stores quantized show here how the file quantized them: GGUF block types (Q4_0, Q4_1, "
        "Q5_0, Q5_1, Q8_0, Q2_K ... Q6_K) with their scales per block, and TF.js weights stored "
        "as uint8/uint16 codes (U8q, U16q) or float16 (F16), with the codes used and the grid of values.",
        std::string(dtype_name(t.dtype)).c_str());
    return;
  }
  app.request_stored();
  const StoredQuant* sq = st.stored && st.stored_tensor == st.tensor ? st.stored.get() : nullptr;
  if (!sq) {
    ImGui::TextDisabled("reading the stored codes…");
    return;
  }
  const float fs = ImGui::GetFontSize();
  const bool one_grid = sq->sub_blocks() == 1;
  const int n_codes = sq->code_max - sq->code_min + 1;
  ImGui::TextWrapped("Stored as %s: %.4g bits/weight · %s sub-block%s of %lld · codes %d..%d (%d of %d used)",
                     std::string(dtype_name(sq->type)).c_str(), sq->bits_per_weight,
                     std::to_string(sq->sub_blocks()).c_str(), sq->sub_blocks() == 1 ? "" : "s",
                     (long long)sq->sub_block_elems, sq->code_min, sq->code_max, sq->codes_used(), n_codes);
  disabled_wrapped("%s", formula(sq->type));
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
    if (dtype_is_block(sq->type)) {
      ImGui::SetTooltip("add %s to the compare list and open Compare;\n"
                        "the file's values are the reference: llama.cpp's own rule (a preset) gives them back\n"
                        "with zero error, and every other scheme shows what it would add on top",
                        spec);
    } else {
      ImGui::SetTooltip("add %s to the compare list and open Compare;\n"
                        "the file's values are the reference: %s gives them back with zero error%s,\n"
                        "and every other scheme shows what it would add on top",
                        spec, sq->type == DType::F16 ? "the fp16 cast" : "a min/max grid with a float zero point",
                        sq->type == DType::F16 ? "" : "\nwhen the lowest and highest codes occur (their values rebuild the grid)");
    }
  }

  section("Codes used");
  const StripCache& cache = strip_cache(t, *sq, std::clamp<int64_t>(st.stored_sub_block, 0, std::max<int64_t>(0, sq->sub_blocks() - 1)));
  const std::vector<double>& counts = cache.counts;
  bar_chart("##codes", counts, fs * 5, "code", sq->code_min, 1);
  if (sq->type == DType::F16) {
    disabled_wrapped("codes are the half-precision bit patterns: 0..32767 positive, 32768..65535 negative");
  }

  if (one_grid) {
    section("Scale and offset");
    if (sq->has_offset) {
      ImGui::Text("scale %.9g   min %.9g   (as the manifest gives them)", sq->affine_scale, sq->affine_min);
      disabled_wrapped("step between levels %.6g · grid %.6g .. %.6g", sq->affine_scale, sq->affine_min,
                          double(sq->code_max) * sq->affine_scale + sq->affine_min);
    } else {
      ImGui::TextDisabled("a cast: no scale, the stored bits are the number");
    }
  } else {
    section("Scale per sub-block");
    const Histogram& h = st.stored_scale_hist;
    const std::vector<double> counts_h(h.counts.begin(), h.counts.end());
    ImGui::TextDisabled("%.4g .. %.4g", st.stored_scale_range.first, st.stored_scale_range.second);
    bar_chart("##scales", counts_h, fs * 4, "sub-blocks with scale ≈", h.spec.lo + h.bin_width() / 2, h.bin_width());
  }

  section(one_grid ? "The tensor on its grid" : "One sub-block on its grid");
  int64_t j = std::clamp<int64_t>(st.stored_sub_block, 0, std::max<int64_t>(0, sq->sub_blocks() - 1));
  if (!one_grid) {
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
  }
  j = st.stored_sub_block = std::clamp<int64_t>(st.stored_sub_block, 0, std::max<int64_t>(0, sq->sub_blocks() - 1));
  if (sq->sub_blocks() > 0) {
    const StripCache& strip = strip_cache(t, *sq, j);
    const std::vector<float>& values = strip.values;
    const int64_t shown = int64_t(values.size());
    if (!one_grid) {
      disabled_wrapped("scale %.6g   offset %.6g   elements %lld .. %lld", sq->scale[size_t(j)],
                          sq->offset[size_t(j)], (long long)(j * sq->sub_block_elems),
                          (long long)((j + 1) * sq->sub_block_elems - 1));
    }
    const std::vector<float>& levels = strip.levels;
    grid_strip(levels, values);
    const bool all_levels = int64_t(levels.size()) >= n_codes || sq->type != DType::F16;
    disabled_wrapped("ticks: the %zu values %s can hold · dots: %s%lld weights", levels.size(),
                        all_levels ? (one_grid ? "the tensor" : "this sub-block") : "around these weights that float16",
                        shown < sq->sub_block_elems ? "the first " : "its ", (long long)shown);
  }
}

}  // namespace qs::app
