// Learn mode: nine interactive lessons on the concepts behind the other views. Every
// number on a page comes from analysis/lessons (tested there) or the format traits; each
// page ends with "Try it on a real tensor", which sets up the main views to show the same
// idea on the open model.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "analysis/explore/lessons.h"
#include "analysis/quant/levels.h"
#include "analysis/numeric/float_formats.h"
#include "analysis/presets/preset_tables.h"
#include "analysis/base/tensor.h"
#include "app/gui/panels/panels.h"
#include "app/gui/views/format_traits_cells.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/table_headers.h"
#include "app/gui/views/learn_page.h"
#include "widgets/number_line.h"
#include "widgets/xy_plot.h"

namespace qs::app {
namespace {

using numeric::FloatFormat;

const char* const kLessonTitles[] = {"1 · Number formats",      "2 · Symmetric absmax",  "3 · Asymmetric min/max",
                                     "4 · Outliers and clipping", "5 · Blockwise scales", "6 · Rounding",
                                     "7 · Beyond linear codes",  "8 · PTQ, QAT and how low",
                                     "9 · Outliers beyond clipping"};
static_assert(std::size(kLessonTitles) == kLessonCount);

// The pages' common parts (views/learn_page.h).
using learn::formula;
using learn::heading;
using learn::para;
using learn::try_it;

// Sizes as model sizes are quoted (10^9 bytes = 1 GB), unlike the 1024-based sizes of files.
std::string decimal_bytes(double b) {
  char buf[32];
  if (b >= 1e9) std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  else if (b >= 1e6) std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  else if (b >= 1e3) std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

// The editable vector of lessons 2–4: comma-separated numbers; a bad entry keeps the last
// good vector and says what is wrong.
std::vector<float> lesson_vector(AppState& st, std::string* error) {
  std::vector<float> out;
  std::stringstream ss(st.learn_vector_text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const float v = std::strtof(item.c_str(), &end);
    while (end && *end == ' ') ++end;
    if (end == item.c_str() || (end && *end != '\0') || !std::isfinite(v)) {
      *error = "'" + item + "' is not a number";
      return st.learn_vector_good;
    }
    out.push_back(v);
  }
  if (out.empty() || out.size() > 16) {
    *error = "enter 1 to 16 numbers separated by commas";
    return st.learn_vector_good;
  }
  st.learn_vector_good = out;
  return out;
}

void vector_editor(AppState& st, std::vector<float>& x) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("x =");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 22);
  ImGui::InputText("##vec", &st.learn_vector_text);
  ImGui::SameLine();
  if (ImGui::SmallButton("example")) st.learn_vector_text = "0.5, -1.2, 3.1, -0.7, 2.4, 0, -2.9, 1.6";
  std::string err;
  x = lesson_vector(st, &err);
  if (!err.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", err.c_str());
}

void lesson_formats(App& app) {
  AppState& st = app.state();
  heading("Number formats");
  para("A float stores a sign s, an exponent e and a mantissa m: value = (−1)^s · 2^(e − bias) · (1 + m), where m "
       "is the mantissa bits read as a fraction. More exponent bits buy range; more mantissa bits buy precision "
       "(decimal digits ≈ log10 2^(mantissa bits + 1)). Type a value to see where each format puts it.");
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  ImGui::InputDouble("value", &st.learn_format_value, 0.01, 1.0, "%.8g");
  const FloatFormat fmts[] = {FloatFormat::FP32,     FloatFormat::FP16,     FloatFormat::BF16,
                              FloatFormat::FP8_E4M3, FloatFormat::FP8_E5M2, FloatFormat::FP4_E2M1};
  if (ImGui::BeginTable("##fmts", 9, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit)) {
    for (const char* h : {"format", "s·e·m", "bias", "max", "min normal", "min subn.", "digits", "stored as",
                          "7B model"})
      ImGui::TableSetupColumn(h);
    table_headers(st, "lesson 1", {nullptr, "sign · exponent · mantissa bits", "exponent bias", "largest finite value",
                                   "smallest normal value", "smallest subnormal value", "decimal digits of precision",
                                   "the value above rounded into the format", "7e9 weights × bits / 8"});
    for (FloatFormat f : fmts) {
      const auto& t = numeric::traits(f);
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(std::string(t.name).c_str());
      ImGui::TableSetColumnIndex(1);
      ImGui::Text("1·%d·%d", t.exponent_bits, t.mantissa_bits);
      format_traits_cells(t, 2, "%.1f");
      ImGui::TableSetColumnIndex(7);
      const float c = numeric::cast(f, float(st.learn_format_value));
      ImGui::Text("%.8g", double(c));
      ImGui::TableSetColumnIndex(8);
      ImGui::TextUnformatted(decimal_bytes(model_memory_bytes(7e9, t.bits)).c_str());
    }
    ImGui::EndTable();
  }
  para("A 7-billion-parameter model needs 28 GB in FP32 and 3.5 GB in FP4: the memory column is 7e9 × bits / 8 bytes. "
       "\"stored as\" is the value above rounded into each format (FP4 without a scale: most weights become 0).");
  try_it(app, "the Formats view: any value, its bits, and every format's levels over a tensor", {"fp8_e4m3", "fp4"},
         View::Formats);
}

// The absmax and min/max lessons open the same way: title, idea, the editable vector and
// the bits slider. Returns the vector.
std::vector<float> lesson_start(AppState& st, const char* title, const char* idea, const char* bits_label) {
  heading(title);
  para(idea);
  std::vector<float> x;
  vector_editor(st, x);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  ImGui::SliderInt(bits_label, &st.learn_bits, 2, 8);
  return x;
}

void lesson_absmax(App& app) {
  AppState& st = app.state();
  const std::vector<float> x = lesson_start(st, "Symmetric absmax",
                                            "Scale the vector so its largest magnitude lands on the largest code, round, "
                                            "and scale back. Each x̂ is a multiple of s, so the rounding error is at most s/2.",
                                            "bits");
  ImGui::SameLine();
  ImGui::Checkbox("use −2^(b−1) too ([−128, 127] for 8 bits)", &st.learn_full_negative);
  const AbsmaxStep a = absmax_walkthrough(x, st.learn_bits, st.learn_full_negative);
  char buf[256];
  std::snprintf(buf, sizeof buf, "s = max|x| / %d = %.6g / %d = %.6g", st.learn_full_negative ? -a.qmin : a.qmax, a.absmax,
                st.learn_full_negative ? -a.qmin : a.qmax, a.scale);
  formula(buf);
  std::snprintf(buf, sizeof buf, "code = round(x / s), clamped to [%d, %d];   x̂ = code · s", a.qmin, a.qmax);
  formula(buf);
  if (ImGui::BeginTable("##abs", int(x.size()) + 1, ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchSame)) {
    ImGui::TableSetupColumn("##h", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 3);
    for (size_t i = 0; i < x.size(); ++i) ImGui::TableSetupColumn("##v");
    const char* rows[] = {"x", "x / s", "code", "x̂", "x − x̂"};
    for (int r = 0; r < 5; ++r) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextDisabled("%s", rows[r]);
      for (size_t i = 0; i < x.size(); ++i) {
        ImGui::TableSetColumnIndex(int(i) + 1);
        switch (r) {
          case 0: ImGui::Text("%.4g", double(x[i])); break;
          case 1: ImGui::Text("%.2f", a.scaled[i]); break;
          case 2:
            if (a.codes[i] == a.qmax && a.scaled[i] > a.qmax + 0.5) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%d", a.codes[i]);
            else ImGui::Text("%d", a.codes[i]);
            break;
          case 3: ImGui::Text("%.4g", double(a.xhat[i])); break;
          default: ImGui::Text("%+.2g", a.error[i]);
        }
      }
    }
    ImGui::EndTable();
  }
  ImGui::Text("MSE %.4g · %d clipped · levels %d", a.mse, a.clipped, a.qmax - a.qmin + 1);
  std::vector<float> levels;
  if (a.qmax - a.qmin <= 64)
    for (int q = a.qmin; q <= a.qmax; ++q) levels.push_back(float(q * a.scale));
  widgets::NumberLine("##absline", ImVec2(0, ImGui::GetFontSize() * 4.5f), -a.absmax * 1.1, a.absmax * 1.1, levels, x,
                      a.xhat);
  para(st.learn_full_negative
           ? "With [−128, 127] the scale is max|x|/128: one more level and a slightly finer grid, but +max|x| needs code "
             "128 and is clipped to 127 (red). Frameworks that use the full range (PyTorch's qint8 observer divides by "
             "127.5) accept that trade."
           : "With [−127, 127] the grid is symmetric and max|x| lands exactly on ±127; code −128 is never used.");
  char spec[48];
  std::snprintf(spec, sizeof spec, "absmax:bits=%d", st.learn_bits);
  try_it(app, "the Distribution view with this scheme against torch's qint8 preset", {spec, "torch_qint8"},
         View::Distribution);
}

void lesson_minmax(App& app) {
  AppState& st = app.state();
  const std::vector<float> x = lesson_start(st, "Asymmetric min/max",
                                            "Map [min, max] (widened to include 0) onto all 2^b codes: s = (hi − lo) / "
                                            "(2^b − 1), zero point z = round(−lo / s), code = round(x / s) + z, x̂ = "
                                            "(code − z) · s. No code is wasted on a range the data does not use.",
                                            "bits##mm");
  const MinmaxStep m = minmax_walkthrough(x, st.learn_bits);
  const int levels = (1 << st.learn_bits) - 1;
  char buf[256];
  std::snprintf(buf, sizeof buf, "s = (%.4g − %.4g) / %d = %.6g", m.hi, m.lo, levels, m.scale);
  formula(buf);
  std::snprintf(buf, sizeof buf, "z = round(%.4g / s) = %d  (signed codes: z = %d)", -m.lo, m.zero_point, m.zero_point_signed);
  formula(buf);
  if (ImGui::BeginTable("##mm", int(x.size()) + 1, ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchSame)) {
    ImGui::TableSetupColumn("##h", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 7);
    for (size_t i = 0; i < x.size(); ++i) ImGui::TableSetupColumn("##v");
    char head[48];
    std::snprintf(head, sizeof head, "code [0, %d]", levels);
    char head2[48];
    std::snprintf(head2, sizeof head2, "code [%d, %d]", -(1 << (st.learn_bits - 1)), (1 << (st.learn_bits - 1)) - 1);
    const char* rows[] = {"x", head, head2, "x̂", "x − x̂"};
    for (int r = 0; r < 5; ++r) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextDisabled("%s", rows[r]);
      for (size_t i = 0; i < x.size(); ++i) {
        ImGui::TableSetColumnIndex(int(i) + 1);
        switch (r) {
          case 0: ImGui::Text("%.4g", double(x[i])); break;
          case 1: ImGui::Text("%d", m.codes[i]); break;
          case 2: ImGui::Text("%d", m.codes_signed[i]); break;
          case 3: ImGui::Text("%.4g", double(m.xhat[i])); break;
          default: ImGui::Text("%+.2g", m.error[i]);
        }
      }
    }
    ImGui::EndTable();
  }
  ImGui::Text("MSE %.4g · x = 0 → code %d → x̂ = %g exactly", m.mse, m.zero_point, double(m.zero_xhat));
  std::vector<float> grid;
  if (levels <= 64)
    for (int q = 0; q <= levels; ++q) grid.push_back(float((q - m.zero_point) * m.scale));
  widgets::NumberLine("##mmline", ImVec2(0, ImGui::GetFontSize() * 4.5f), m.lo - 0.1 * (m.hi - m.lo),
                      m.hi + 0.1 * (m.hi - m.lo), grid, x, m.xhat);
  para("The two columns of codes are the same grid: unsigned codes with z, or signed codes (code − 2^(b−1)) with z − "
       "2^(b−1), as int8 kernels store them. Zero must be exactly representable: padding, ReLU outputs and pruned "
       "weights are exact zeros, and a zero that came back as ±s/2 would bias every sum it enters. An integer z "
       "guarantees it.");
  char spec[48];
  std::snprintf(spec, sizeof spec, "minmax:bits=%d", st.learn_bits);
  try_it(app, "min/max against absmax on a tensor whose values are all positive", {spec, "absmax:bits=8", "torch_quint8"},
         View::Compare, "model.layers.1.input_layernorm.weight");
}

void lesson_outliers(App& app) {
  AppState& st = app.state();
  heading("Outliers and clipping");
  para("Drag the third value out: the scale follows max|x|, so every other value is rounded on a coarser grid. "
       "Clipping to [−c, c] gives the grid back at the price of the values beyond c.");
  std::vector<float> x;
  vector_editor(st, x);
  if (x.size() < 3) return;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
  ImGui::SliderFloat("outlier x[2]", &st.learn_outlier, -50.0f, 50.0f, "%.2f");
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
  ImGui::SliderFloat("clip c", &st.learn_clip, 0.5f, 50.0f, "%.2f");
  const OutlierStep o = outlier_walkthrough(x, 2, st.learn_outlier, st.learn_bits, st.learn_clip);
  const OutlierStep base = outlier_walkthrough(x, 2, x[2], st.learn_bits, 1e30);
  char buf[256];
  std::snprintf(buf, sizeof buf, "int%d: s = %.4g (%.1f× the scale without the outlier) · MSE of the others %.3g", st.learn_bits,
                o.scale, o.scale / std::max(base.scale, 1e-30), o.mse_others);
  formula(buf);
  std::snprintf(buf, sizeof buf, "clipped to ±%.2f: s = %.4g · MSE = clipping %.3g + rounding %.3g", double(st.learn_clip),
                o.clipped_scale, o.clip_mse, o.round_mse);
  formula(buf);
  std::vector<float> xo = x;
  xo[2] = st.learn_outlier;
  const float amax = std::max(std::fabs(st.learn_outlier), 3.5f);
  widgets::NumberLineStyle style;
  style.clip_lo = -st.learn_clip;
  style.clip_hi = st.learn_clip;
  const AbsmaxStep a = absmax_walkthrough(xo, st.learn_bits, false);
  widgets::NumberLine("##outline", ImVec2(0, ImGui::GetFontSize() * 4.5f), -amax * 1.1, amax * 1.1, {}, xo, a.xhat, style);
  para("Calibration picks c from the data. On 20 000 Gaussian values with one outlier at 40σ, at 4 bits:");
  if (st.learn_calibration.empty()) {
    std::vector<float> g(20000);
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < g.size(); i += 2) {  // Box–Muller from a fixed LCG: the same table every time
      auto uni = [&] { state = state * 6364136223846793005ull + 1442695040888963407ull; return (double((state >> 11) + 1)) / 9007199254740993.0; };
      const double r = std::sqrt(-2 * std::log(uni())), t = 6.283185307179586 * uni();
      g[i] = float(r * std::cos(t));
      g[i + 1] = float(r * std::sin(t));
    }
    g[10] = 40.0f;
    st.learn_calibration = compare_calibrations(g, 4);
  }
  if (ImGui::BeginTable("##cal", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("method");
    ImGui::TableSetupColumn("threshold c");
    ImGui::TableSetupColumn("SQNR dB");
    table_headers(st, "lesson 4");
    for (const CalibrationRow& r : st.learn_calibration) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(r.method.c_str());
      ImGui::TableSetColumnIndex(1);
      ImGui::Text("%.3f", r.threshold);
      ImGui::TableSetColumnIndex(2);
      ImGui::Text("%.2f", r.sqnr_db);
    }
    ImGui::EndTable();
  }
  try_it(app, "a tensor with a 259σ outlier: per-tensor int8, MSE-clipped, and per-channel",
         {"absmax:bits=8", "absmax:bits=8,clip=mse", "absmax:bits=8,gran=channel,axis=1"}, View::Distribution,
         "model.layers.1.self_attn.q_proj.weight");
}

void lesson_blocks(App& app) {
  AppState& st = app.state();
  heading("Blockwise quantization");
  para("One scale per block of B consecutive weights: an outlier only coarsens its own block. The price is the "
       "scales: N·k/8 bytes of codes plus 2 bytes per block for an fp16 scale (4 with a zero point).");
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  ImGui::InputDouble("weights N", &st.learn_block_n, 1e6, 1e9, "%.4g");
  st.learn_block_n = std::clamp(st.learn_block_n, 1.0, 1e13);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  ImGui::SliderInt("bits k", &st.learn_block_bits, 2, 8);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  ImGui::SliderInt("block B", &st.learn_block, 8, 4096, "%d", ImGuiSliderFlags_Logarithmic);
  ImGui::SameLine();
  ImGui::Checkbox("zero point", &st.learn_block_zp);
  const BlockStorage b = block_storage(int64_t(st.learn_block_n), st.learn_block_bits, st.learn_block, st.learn_block_zp);
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s codes + %s scales = %s · %.4g bits/weight", decimal_bytes(b.code_bytes).c_str(),
                decimal_bytes(b.scale_bytes).c_str(), decimal_bytes(b.total_bytes).c_str(), b.bits_per_weight);
  formula(buf);
  if (ImGui::BeginTable("##blk", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
    for (const char* h : {"block B", "scale bytes", "bits/weight", "overhead"}) ImGui::TableSetupColumn(h);
    table_headers(st, "lesson 5");
    for (int B : {16, 32, 64, 128, 256, 1024, 4096}) {
      const BlockStorage r = block_storage(int64_t(st.learn_block_n), st.learn_block_bits, B, st.learn_block_zp);
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::Text("%d", B);
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(decimal_bytes(r.scale_bytes).c_str());
      ImGui::TableSetColumnIndex(2);
      ImGui::Text("%.4g", r.bits_per_weight);
      ImGui::TableSetColumnIndex(3);
      ImGui::Text("%.1f %%", 100.0 * r.scale_bytes / r.total_bytes);
    }
    ImGui::EndTable();
  }
  if (st.learn_block_errors.empty() || st.learn_block_errors_bits != st.learn_block_bits) {
    const std::vector<float> sample = lesson_block_sample();
    const int64_t sizes[] = {16, 32, 64, 128, 256, 512};
    st.learn_block_errors = block_size_errors(sample, 512, st.learn_block_bits, sizes);
    st.learn_block_errors_bits = st.learn_block_bits;
  }
  ImGui::TextDisabled("The error side, int%d on a heavy-tailed 64 × 512 sample (fp32 scales):", st.learn_block_bits);
  if (ImGui::BeginTable("##blkerr", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
    for (const char* h : {"block B", "SQNR dB", "bits/weight"}) ImGui::TableSetupColumn(h);
    table_headers(st, "lesson 5 errors");
    for (const BlockErrorRow& r : st.learn_block_errors) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::Text("%lld%s", static_cast<long long>(r.block), r.block == 512 ? " (a row)" : "");
      ImGui::TableSetColumnIndex(1);
      ImGui::Text("%.2f", r.sqnr_db);
      ImGui::TableSetColumnIndex(2);
      ImGui::Text("%.4g", r.bits_per_weight);
    }
    ImGui::EndTable();
  }
  para("Smaller blocks: lower error, more bits. The Sweeps view measures the same trade on a real tensor (SQNR "
       "against block size, with bits/weight on a second axis).");
  char spec[64];
  std::snprintf(spec, sizeof spec, "absmax:bits=%d,gran=block,block=%d", st.learn_block_bits, st.learn_block);
  try_it(app, "the Sweeps view: SQNR against block size on a real tensor", {spec}, View::Sweeps,
         "model.layers.0.self_attn.o_proj.weight");
}

void lesson_rounding(App& app) {
  AppState& st = app.state();
  heading("Rounding");
  para("Round to nearest always sends x to the same level, so a value between two levels is biased the same way "
       "every time. Stochastic rounding goes up with probability equal to the distance from the lower level: each "
       "rounding is noisier, but the average is x.");
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
  ImGui::SliderFloat("x (grid step 1)", &st.learn_round_x, 0.0f, 1.0f, "%.3f");
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
  ImGui::SliderInt("roundings", &st.learn_trials, 10, 20000, "%d", ImGuiSliderFlags_Logarithmic);
  const RoundingStep r = rounding_walkthrough(st.learn_round_x, 1.0, st.learn_trials, 7);
  char buf[200];
  std::snprintf(buf, sizeof buf, "nearest: %g (error %+.3f every time)      stochastic: mean of %d = %.4f (error %+.4f)",
                r.nearest, st.learn_round_x - r.nearest, st.learn_trials, r.stochastic_mean,
                st.learn_round_x - r.stochastic_mean);
  formula(buf);
  // Running mean of the stochastic roundings: it converges to x.
  std::vector<double> n, mean;
  double sum = 0;
  for (size_t i = 0; i < r.residuals.size(); ++i) {
    sum += st.learn_round_x - r.residuals[i];
    if (i < 50 || i % std::max<size_t>(1, r.residuals.size() / 400) == 0) {
      n.push_back(double(i + 1));
      mean.push_back(sum / double(i + 1));
    }
  }
  std::vector<double> xs = {1.0, double(r.residuals.size())}, target = {st.learn_round_x, st.learn_round_x},
                      nearest = {r.nearest, r.nearest};
  widgets::XYSeries series[] = {widgets::xy_series(n, mean, IM_COL32(90, 150, 240, 255), "stochastic: running mean"),
                                widgets::xy_series(xs, target, IM_COL32(160, 160, 170, 255), "x", 1.0f),
                                widgets::xy_series(xs, nearest, IM_COL32(245, 150, 60, 255), "nearest", 2.0f)};
  widgets::XYPlotOptions opt;
  opt.y_lo = -0.1, opt.y_hi = 1.1, opt.data_lo = 1, opt.data_hi = double(r.residuals.size());
  opt.x_label = "roundings";
  opt.y_label = "x̂";
  widgets::PlotRange view{1, double(r.residuals.size())};
  widgets::XYPlot("##round", ImVec2(0, ImGui::GetFontSize() * 12), view, series, opt);
  int up = 0;
  for (double e : r.residuals) up += e < 0;
  // The histogram of the residuals x − x̂ over [−1, 1]: two bars, at x − ⌊x⌋ and x − ⌈x⌉,
  // in proportion 1 − p : p, so their mean is 0.
  std::array<float, 40> bins{};
  for (double e : r.residuals) bins[size_t(std::clamp(int((e + 1.0) / 2.0 * 40), 0, 39))] += 1;
  ImGui::PlotHistogram("##resid", bins.data(), int(bins.size()), 0, "residuals x − x̂ over [−1, 1]", 0.0f,
                       float(r.residuals.size()), ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 5));
  ImGui::Text("residuals x − x̂: %+.3f (%d times) and %+.3f (%d times)", st.learn_round_x - std::floor(st.learn_round_x),
              int(r.residuals.size()) - up, st.learn_round_x - std::ceil(st.learn_round_x), up);
  para("Training with low-precision weights adds many small updates to each weight; with round-to-nearest an update "
       "smaller than half a step is lost every time, while stochastic rounding keeps it on average.");
  try_it(app, "stochastic against nearest rounding on a tensor", {"absmax:bits=4", "absmax:bits=4,rounding=stochastic"},
         View::Error);
}

void lesson_nonlinear(App& app) {
  heading("Beyond linear codes");
  para("Weights are roughly normal: most are near zero. A uniform grid spends as many levels on the rare tails as on "
       "the crowded middle. NF4 places its 16 values at quantiles of a normal, so each level catches a similar share "
       "of the weights; the dynamic 8-bit code (bitsandbytes' optimizer states) spaces its values by powers of ten.");
  const auto& nf4 = numeric::nf4_codebook();
  std::vector<float> uniform;
  for (int i = 0; i < 16; ++i) uniform.push_back(-1.0f + 2.0f * float(i) / 15.0f);
  const double sigma = 0.4;
  std::vector<double> px, pdf;
  for (int i = 0; i <= 200; ++i) {
    const double v = -1.0 + 2.0 * i / 200.0;
    px.push_back(v);
    pdf.push_back(std::exp(-0.5 * v * v / (sigma * sigma)) / (sigma * std::sqrt(2 * std::numbers::pi)));
  }
  const auto& dyn_map = bnb_dynamic_map();
  std::vector<double> nx(nf4.begin(), nf4.end()), ny(nf4.size(), 0.15), ux(uniform.begin(), uniform.end()),
      uy(uniform.size(), 0.05), dx(dyn_map.begin(), dyn_map.end()), dy(dyn_map.size(), 0.25);
  widgets::XYSeries s[] = {widgets::xy_series(px, pdf, IM_COL32(90, 150, 240, 255), "N(0, 0.4) density"),
                           widgets::xy_series(nx, ny, IM_COL32(245, 150, 60, 255), "NF4 values", 1.5f, false, true),
                           widgets::xy_series(ux, uy, IM_COL32(160, 160, 170, 255), "uniform 4-bit", 1.5f, false, true),
                           widgets::xy_series(dx, dy, IM_COL32(80, 190, 110, 255), "dynamic 8-bit", 1.0f, false, true)};
  widgets::XYPlotOptions opt;
  opt.y_lo = 0, opt.y_hi = 1.1, opt.data_lo = -1.05, opt.data_hi = 1.05;
  opt.x_label = "x / absmax";
  opt.y_label = "density";
  widgets::PlotRange view{-1.05, 1.05};
  widgets::XYPlot("##nl", ImVec2(0, ImGui::GetFontSize() * 12), view, s, opt);
  std::vector<float> nf(nf4.begin(), nf4.end());
  const auto& dyn = bnb_dynamic_map();
  const std::vector<float> dv(dyn.begin(), dyn.end());
  ImGui::TextWrapped("Entropy of the level each weight lands on (σ = 0.4 of absmax): NF4 %.2f bits, uniform 4-bit "
                     "%.2f bits (4 is the most 16 levels can carry); dynamic 8-bit %.2f of 8: its values crowd near "
                     "zero, finer than any weight needs, which suits optimizer states spanning decades.",
              mass_entropy_bits(cell_mass(nf, sigma)), mass_entropy_bits(cell_mass(uniform, sigma)),
              mass_entropy_bits(cell_mass(dv, sigma)));
  try_it(app, "NF4, int4 and the dynamic 8-bit code on a Gaussian tensor", {"nf4", "absmax:bits=4,gran=block,block=64", "bnb_dynamic8"},
         View::Distribution, "model.layers.0.mlp.down_proj.weight");
}

void lesson_ptq(App& app) {
  heading("PTQ, QAT and how low one can go");
  para("Post-training quantization (PTQ) takes a trained model and picks scales from its weights (and a little "
       "calibration data for activations): everything in this app is PTQ. It is fast and needs no training, and at 8 "
       "bits it is nearly free. Quantization-aware training (QAT) simulates the quantizer in the forward pass and "
       "trains through it (straight-through gradients), so the weights move to where the grid is; it recovers much "
       "of the loss at 4 bits and below, at the cost of a training run.");
  para("How low: each bit is worth about 6 dB of SQNR on a well-scaled tensor (see the bits sweep in the Sweeps view). "
       "Around 4 bits per weight, with per-block scales (Q4_K, NF4, MXFP4) and care for outliers, large language "
       "models keep most of their quality after PTQ; below that, results depend on the model, and methods that use "
       "calibration data (GPTQ, AWQ) or QAT are needed. The Model view's bit-budget planner shows where the bits "
       "help most: sensitive tensors (high kurtosis, large max|x|/σ) get more.");
  para("Where to look: Sweeps for SQNR against bits, Compare to set 8-, 6- and 4-bit formats side by side, Model to "
       "rank a whole model's tensors and plan a mixed-precision budget.");
  try_it(app, "the Model view: every tensor at 8, 6 and 4 bits", {"q8_0", "q6_k", "q4_k"}, View::Model);
}

}  // namespace

void draw_learn_view(App& app) {
  AppState& st = app.state();
  // The lesson picker on one line, so the page gets the whole width of the plot area.
  const int n = int(std::size(kLessonTitles));
  ImGui::BeginDisabled(st.learn_page <= 0);
  if (ImGui::ArrowButton("##prev", ImGuiDir_Left)) --st.learn_page;
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
  ImGui::Combo("##lesson_pick", &st.learn_page, kLessonTitles, n);
  ImGui::SameLine();
  ImGui::BeginDisabled(st.learn_page >= n - 1);
  if (ImGui::ArrowButton("##next", ImGuiDir_Right)) ++st.learn_page;
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::TextDisabled("lesson %d of %d", st.learn_page + 1, n);
  st.learn_page = std::clamp(st.learn_page, 0, n - 1);
  ImGui::BeginChild("##lesson", ImVec2(0, 0), false);
  switch (st.learn_page) {
    case 0: lesson_formats(app); break;
    case 1: lesson_absmax(app); break;
    case 2: lesson_minmax(app); break;
    case 3: lesson_outliers(app); break;
    case 4: lesson_blocks(app); break;
    case 5: lesson_rounding(app); break;
    case 6: lesson_nonlinear(app); break;
    case 7: lesson_ptq(app); break;
    default: learn::lesson_outliers_beyond_clipping(app); break;
  }
  ImGui::EndChild();
}

}  // namespace qs::app
