// The Formats view: the float-format explorer. Type a value (or click bits to flip them)
// and see how FP32, FP16, BF16, FP8 E4M3/E5M2 and FP4 E2M1 store it: sign, exponent and
// mantissa boxes, the value by the formula, its neighbours and ulp; the table of each
// format's range and precision; and where FP8, FP4, NF4 and int4/int8 put their levels
// on the selected tensor (each scaled to the tensor's max|x|), above its histogram.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui.h>

#include "analysis/numeric/tensor_decode.h"
#include "analysis/quant/levels.h"
#include "analysis/numeric/breakdown.h"
#include "app/gui/panels/panels.h"
#include "app/gui/views/format_traits_cells.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/plot_menu.h"
#include "app/gui/shell/table_headers.h"
#include "widgets/ui_scale.h"

namespace qs::app {
namespace {

using numeric::FloatFormat;

const char* kFormatLabels[] = {"FP32", "FP16", "BF16", "FP8 E4M3", "FP8 E5M2", "FP4 E2M1"};

ImU32 field_color(int field, bool on) {
  static const ImU32 base[3] = {IM_COL32(215, 90, 90, 255), IM_COL32(80, 140, 225, 255),
                                IM_COL32(80, 180, 110, 255)};
  const ImVec4 c = ImGui::ColorConvertU32ToFloat4(base[field]);
  return ImGui::ColorConvertFloat4ToU32(ImVec4(c.x, c.y, c.z, on ? 1.0f : 0.35f));
}

// Bit boxes, most significant first; returns the code with a clicked bit flipped.
uint32_t bit_boxes(const numeric::FormatTraits& t, uint32_t code) {
  const float fs = ImGui::GetFontSize();
  const float w = t.bits > 16 ? fs * 1.05f : fs * 1.5f;
  uint32_t out = code;
  for (int bit = t.bits - 1; bit >= 0; --bit) {
    const int field = bit == t.bits - 1 ? 0 : bit >= t.mantissa_bits ? 1 : 2;
    const bool on = (code >> bit) & 1u;
    ImGui::PushID(bit);
    ImGui::PushStyleColor(ImGuiCol_Button, field_color(field, on));
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, field_color(field, true));
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(2, 3));
    if (ImGui::Button(on ? "1" : "0", ImVec2(w, 0))) out = code ^ (uint32_t(1) << bit);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("bit %d (%s): click to flip", bit, field == 0 ? "sign" : field == 1 ? "exponent" : "mantissa");
    ImGui::PopStyleVar();
    ImGui::PopStyleColor(2);
    ImGui::PopID();
    // A gap between the fields.
    const bool boundary = bit == t.bits - 1 || bit == t.mantissa_bits;
    if (bit > 0) ImGui::SameLine(0, boundary ? fs * 0.6f : 2.0f);
  }
  return out;
}

std::string fmt_value(double v) {
  char buf[64];
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "−Inf";
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void explorer(AppState& st) {
  const float fs = ImGui::GetFontSize();
  const FloatFormat f = numeric::kAllFloatFormats[size_t(st.fmt_index)];
  const numeric::FormatTraits& t = numeric::traits(f);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("value");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 9);
  if (ImGui::InputDouble("##value", &st.fmt_value, 0, 0, "%.9g")) st.fmt_from_value = true;
  for (int i = 0; i < 6; ++i) {
    ImGui::SameLine();
    ImGui::RadioButton(kFormatLabels[i], &st.fmt_index, i);
  }
  // The typed value rounds to a code (round to nearest even, saturating); clicking bits
  // sets the code directly.
  uint32_t code = st.fmt_from_value ? numeric::encode(f, float(st.fmt_value), true) : st.fmt_code;
  ImGui::Spacing();
  const uint32_t flipped = bit_boxes(t, code);
  if (flipped != code) {
    code = flipped;
    st.fmt_from_value = false;
    st.fmt_value = double(numeric::decode(f, code));
  }
  st.fmt_code = code;
  const numeric::FloatBreakdown b = numeric::breakdown(f, code);
  ImGui::TextDisabled("sign");
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(field_color(0, true)), "%u", b.sign);
  ImGui::SameLine(0, fs);
  ImGui::TextDisabled("exponent");
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(field_color(1, true)), "%u", b.exponent);
  ImGui::SameLine(0, fs);
  ImGui::TextDisabled("mantissa");
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(field_color(2, true)), "%u", b.mantissa);
  ImGui::SameLine(0, fs);
  ImGui::TextDisabled("code 0x%0*X", (t.bits + 3) / 4, b.code);

  const int M = t.mantissa_bits;
  switch (b.kind) {
    case numeric::ValueKind::Normal:
      ImGui::Text("normal: (−1)^%u · 2^(%u − %d) · (1 + %u/%u) = %s", b.sign, b.exponent, t.bias, b.mantissa,
                  1u << M, fmt_value(b.value).c_str());
      break;
    case numeric::ValueKind::Subnormal:
      ImGui::Text("subnormal: (−1)^%u · 2^(1 − %d) · (%u/%u) = %s", b.sign, t.bias, b.mantissa, 1u << M,
                  fmt_value(b.value).c_str());
      break;
    case numeric::ValueKind::Zero: ImGui::Text("zero (%s0)", b.sign ? "−" : "+"); break;
    case numeric::ValueKind::Inf: ImGui::Text("infinity"); break;
    case numeric::ValueKind::NaN: ImGui::Text("NaN (not a number)"); break;
  }
  if (st.fmt_from_value) {
    const double err = double(b.value) - st.fmt_value;
    ImGui::TextDisabled("stored %s for %s: error %.3g (%.3g%% relative)", fmt_value(b.value).c_str(),
                        fmt_value(st.fmt_value).c_str(), err,
                        st.fmt_value != 0 ? 100.0 * std::fabs(err / st.fmt_value) : 0.0);
  }
  ImGui::TextDisabled("neighbours: toward 0 %s · away from 0 %s · ulp here %s",
                      b.next_toward ? fmt_value(*b.next_toward).c_str() : "—",
                      b.next_away ? fmt_value(*b.next_away).c_str() : "— (largest finite)",
                      b.ulp ? fmt_value(*b.ulp).c_str() : "—");
}

void traits_table(AppState& st) {
  // Columns as wide as their contents (headers included), the rule column taking the rest;
  // short headers, each explained on hover.
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("##traits", 8, flags)) return;
  for (const char* h : {"format", "bits", "bias", "max", "min normal", "min subnormal", "digits"})
    ImGui::TableSetupColumn(h);
  ImGui::TableSetupColumn("Inf/NaN", ImGuiTableColumnFlags_WidthStretch);
  table_headers(st, "formats", {nullptr, "total bits (sign · exponent · mantissa)", "exponent bias",
                                "largest finite value", "smallest normal value", "smallest subnormal value",
                                "decimal digits of precision: log10 2^(mantissa bits + 1)",
                                "what overflow gives (hover a row's rule for details)"});
  for (size_t i = 0; i < numeric::kAllFloatFormats.size(); ++i) {
    const numeric::FormatTraits& t = numeric::traits(numeric::kAllFloatFormats[i]);
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextUnformatted(kFormatLabels[i]);
    ImGui::TableSetColumnIndex(1);
    ImGui::Text("%d (1·%d·%d)", t.bits, t.exponent_bits, t.mantissa_bits);
    format_traits_cells(t, 2, "%.2f");
    ImGui::TableSetColumnIndex(7);
    const char* rule = t.has_inf ? "Inf, NaN" : t.has_nan ? "NaN only" : "neither";
    const char* detail = t.has_inf ? "Inf and NaN (IEEE): overflow gives ±Inf"
                         : t.has_nan ? "NaN only: overflow saturates to ±max (or gives NaN with saturate=false)"
                                     : "neither Inf nor NaN: overflow saturates to ±max";
    ImGui::TextUnformatted(rule);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", detail);
  }
  ImGui::EndTable();
}

// The levels of each format, scaled to the tensor's max|x| the way `scale=absmax`
// does, as tick strips above the tensor's histogram (same value axis).
void levels_on_tensor(App& app) {
  AppState& st = app.state();
  if (!st.result || st.result_tensor != st.tensor) {
    ImGui::TextDisabled("computing the histogram…");
    return;
  }
  struct Row {
    const char* label;
    const char* spec;
  };
  static const Row rows[] = {{"int8", "absmax:bits=8"},
                             {"FP8 E4M3", "fp8_e4m3:scale=absmax"},
                             {"FP8 E5M2", "fp8_e5m2:scale=absmax"},
                             {"int4", "absmax:bits=4"},
                             {"NF4", "nf4"},
                             {"FP4 E2M1", "fp4_e2m1:scale=absmax"}};
  const float fs = ImGui::GetFontSize();
  if (ImGui::Checkbox("log |x| axis", &st.fmt_log_axis) && st.fmt_log_axis) app.post_explore(false);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("magnitudes on a log2 axis: where each format spends its levels across the decades");
  const bool log_axis = st.fmt_log_axis;
  if (log_axis && !st.log_abs_hist) {
    app.post_explore(false);
    ImGui::TextDisabled("computing the log-magnitude histogram…");
    return;
  }
  const float strip_h = fs * 1.35f;
  const float strips_h = strip_h * float(std::size(rows)) + 4;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const ImVec2 top = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(avail.x, strips_h));

  const Histogram& hist = log_axis ? *st.log_abs_hist : st.result->hist_x;
  widgets::HistogramLayer lx;
  lx.counts = hist.counts;
  lx.lo = hist.spec.lo;
  lx.hi = hist.spec.hi;
  lx.color = ImGui::GetColorU32(ImGuiCol_PlotHistogram);
  lx.label = log_axis ? "|x| (weights)" : "x (weights)";
  widgets::HistogramPlotOptions o;
  o.log_y = st.log_y;
  o.data_lo = log_axis ? hist.spec.lo : st.data_lo;
  o.data_hi = log_axis ? hist.spec.hi : st.data_hi;
  o.x_label = log_axis ? "log2 |x| (each format scaled to this tensor's max|x|; zero not shown)"
                       : "value (each format scaled to this tensor's max|x|)";
  static widgets::PlotRange log_view;
  static std::shared_ptr<const Histogram> log_view_for;  // held, like the heatmap's texture source
  if (log_axis && log_view_for != st.log_abs_hist) {
    log_view = {hist.spec.lo - 1.0, hist.spec.hi + 0.5};
    log_view_for = st.log_abs_hist;
  }
  widgets::PlotRange& view = log_axis ? log_view : st.view;
  // The strips' names sit left of the plot's value axis: the plot leaves them room.
  for (const Row& r : rows) o.min_left = std::max(o.min_left, ImGui::CalcTextSize(r.label).x + widgets::px(12));
  const widgets::PlotEvents ev = widgets::HistogramPlot("##fmt_hist", ImGui::GetContentRegionAvail(), view,
                                                        std::span(&lx, 1), nullptr, o);
  st.plot_min = ev.plot_min;
  st.plot_max = ev.plot_max;
  if (ev.view_changed && !log_axis) app.post_explore(false);
  // Hovering the histogram explores the value under the pointer (a magnitude on the log axis).
  if (ev.hovered) {
    st.fmt_value = log_axis ? std::exp2(ev.hover_value) : ev.hover_value;
    st.fmt_from_value = true;
  }
  plot_menu(app, "##fmt_menu", ImVec2(ev.plot_min.x, top.y), ev.plot_max, "format levels",
            [&] { return histograms_csv(std::span(&lx, 1)); });

  // Strips aligned with the plot's value axis.
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float x0 = ev.plot_min.x, x1 = ev.plot_max.x;
  const double lo = view.lo, hi = view.hi;
  const TensorStats& s = st.result_stats;
  for (size_t r = 0; r < std::size(rows); ++r) {
    const float y0 = top.y + float(r) * strip_h, y1 = y0 + strip_h - 3;
    dl->AddRectFilled(ImVec2(x0, y0), ImVec2(x1, y1), ImGui::GetColorU32(ImGuiCol_FrameBg));
    const ImVec2 ts = ImGui::CalcTextSize(rows[r].label);
    dl->AddText(ImVec2(x0 - ts.x - widgets::px(6), y0 + (strip_h - 3 - ts.y) * 0.5f), ImGui::GetColorU32(ImGuiCol_Text),
                rows[r].label);
    const Scheme sc = *parse_spec(rows[r].spec);
    std::vector<float> L = representable_levels(sc, choose_params(sc, float(s.min), float(s.max), false));
    if (log_axis) {
      // Positive magnitudes on the log2 axis (the levels are symmetric or nearly so).
      std::vector<float> mags;
      for (float v : L)
        if (v > 0) mags.push_back(float(std::log2(double(v))));
      L = std::move(mags);
    }
    const auto a = std::lower_bound(L.begin(), L.end(), float(lo));
    const auto b = std::upper_bound(L.begin(), L.end(), float(hi));
    const ImU32 col = scheme_color(int(r));
    int shown = 0;
    for (auto it = a; it < b; ++it) {
      const float x = float(x0 + (double(*it) - lo) / (hi - lo) * (x1 - x0));
      dl->AddLine(ImVec2(x, y0 + widgets::px(2)), ImVec2(x, y1 - widgets::px(2)), col, widgets::px(1));
      ++shown;
    }
    char n[48];
    std::snprintf(n, sizeof n, "%d in view", shown);
    const ImVec2 ns = ImGui::CalcTextSize(n);
    const ImVec2 np(x1 - ns.x - 6, y0 + (strip_h - 3 - ns.y) * 0.5f);
    dl->AddRectFilled(ImVec2(np.x - widgets::px(4), y0 + 1), ImVec2(x1 - 1, y1 - 1), ImGui::GetColorU32(ImGuiCol_FrameBg));
    dl->AddText(np, ImGui::GetColorU32(ImGuiCol_TextDisabled), n);
  }
}

}  // namespace

void draw_formats_view(App& app) {
  AppState& st = app.state();
  explorer(st);
  ImGui::Spacing();
  traits_table(st);
  ImGui::Spacing();
  if (st.model && st.tensor >= 0) {
    ImGui::TextUnformatted("Levels on");
    ImGui::SameLine();
    ImGui::TextUnformatted(st.model->tensors[size_t(st.tensor)].name.c_str());
    levels_on_tensor(app);
  }
}

}  // namespace qs::app
