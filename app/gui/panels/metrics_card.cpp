// The metrics card of the selected scheme: error metrics, codes used, bits per weight,
// the shown group's scale / zero point, and the formula that produced the scale with
// the actual numbers filled in.
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <string>

#include <imgui.h>

#include "app/gui/shell/app.h"
#include "app/gui/panels/panels.h"
#include "analysis/presets/preset.h"
#include "analysis/quant/quant_math.h"

namespace qs::app {
namespace {

void row(const char* name, const char* fmt, ...) IM_FMTARGS(2);
void row(const char* name, const char* fmt, ...) {
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::TextDisabled("%s", name);
  ImGui::TableSetColumnIndex(1);
  va_list args;
  va_start(args, fmt);
  ImGui::TextV(fmt, args);
  va_end(args);
}

std::string opt(const std::optional<double>& v, const char* fmt) {
  if (!v) return "–";
  if (std::isinf(*v)) return *v > 0 ? "∞" : "-∞";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, *v);
  return buf;
}

int64_t total_codes(const Scheme& s, const GroupParams& g) {
  if (s.kind == Kind::Preset) return int64_t(preset_levels(s.preset, g).size());  // the group's grid
  if (s.kind == Kind::Float) return int64_t(1) << numeric::traits(s.format).bits;
  if (s.kind == Kind::NF4) return 16;
  const CodeRange r = code_range(s);
  return int64_t(r.qmax) - r.qmin + 1;
}

// The rule that produced the shown group's scale, with its numbers.
std::string formula(const Scheme& s, const GroupSummary& g) {
  const GroupParams& p = g.params;
  char buf[256];
  const bool clipped = p.clipping;
  const double lo = clipped ? p.clip_lo : g.min, hi = clipped ? p.clip_hi : g.max;
  const char* src = clipped ? "clip range" : "data range";
  switch (s.kind) {
    case Kind::Absmax: {
      const int qmax = code_range(s).qmax;
      std::snprintf(buf, sizeof buf, "s = max|x| / qmax\n   = %.6g / %d = %.6g\n(max|x| over the %s)",
                    std::max(std::fabs(lo), std::fabs(hi)), qmax, double(p.scale), src);
      break;
    }
    case Kind::Minmax:
      if (s.zero_point == ZeroPointKind::Int) {
        std::snprintf(buf, sizeof buf,
                      "lo = min(%.6g, 0), hi = max(%.6g, 0)\ns = (hi − lo) / %d = %.6g\nz = rne(−lo / s) = %g",
                      lo, hi, (1 << s.bits) - 1, double(p.scale), double(p.zero_point));
      } else {
        std::snprintf(buf, sizeof buf, "s = (max − min) / %d\n   = (%.6g − %.6g) / %d = %.6g\nm = min = %.6g",
                      (1 << s.bits) - 1, hi, lo, (1 << s.bits) - 1, double(p.scale), double(p.zero_point));
      }
      break;
    case Kind::NF4:
      std::snprintf(buf, sizeof buf, "s = max|x| of the block = %.6g\nx̂ = NF4[code] · s", double(p.scale));
      break;
    case Kind::Preset: {
      const PresetInfo& info = preset_info(s.preset);
      std::snprintf(buf, sizeof buf, "%s\nthis group: a = %.6g, b = %.6g\nx̂ = a · grid[code] + b\n(%s)",
                    std::string(info.description).c_str(), double(p.scale), double(p.zero_point),
                    std::string(info.toolchain).c_str());
      break;
    }
    case Kind::Float:
      if (s.scale == ScaleMode::Absmax) {
        std::snprintf(buf, sizeof buf, "s = max|x| / %s max\n   = %.6g / %g = %.6g\nx̂ = cast(x / s) · s",
                      std::string(numeric::traits(s.format).name).c_str(),
                      std::max(std::fabs(lo), std::fabs(hi)), numeric::traits(s.format).max, double(p.scale));
      } else {
        std::snprintf(buf, sizeof buf, "no scale: x̂ = cast(x) to %s (round to nearest, ties to even)",
                      std::string(numeric::traits(s.format).name).c_str());
      }
      break;
  }
  return buf;
}

}  // namespace

void draw_metrics_card(App& app) {
  AppState& st = app.state();
  ImGui::TextDisabled("METRICS");
  if (st.result_preview > 0 && st.result_tensor == st.tensor) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(0.55f, 0.7f, 0.95f, 1), "· preview, 1/%d of the groups", st.result_preview);
  }
  if (st.schemes.empty()) return;
  const SchemeEntry& e = st.schemes[size_t(st.selected)];
  const bool current = st.result && st.result->q.scheme == e.scheme && st.result_tensor == st.tensor;
  if (!current || !e.metrics) {
    ImGui::TextDisabled(e.error.empty() ? "computing…" : "fix the scheme to see metrics");
    return;
  }
  const Metrics& m = *e.metrics;
  const ExploreResult& r = *st.result;
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_PlotLinesHovered]);
  ImGui::Text("SQNR %s dB", opt(m.sqnr_db, "%.2f").c_str());
  ImGui::PopStyleColor();
  if (ImGui::BeginTable("##metrics", 2, ImGuiTableFlags_SizingStretchProp)) {
    row("MSE", "%s", opt(m.mse, "%.4g").c_str());
    row("RMSE", "%s", opt(m.rmse, "%.4g").c_str());
    row("max |error|", "%s", opt(m.max_abs_error, "%.4g").c_str());
    row("clipped", "%s", m.clipped_fraction ? (opt(std::optional<double>(*m.clipped_fraction * 100.0), "%.4f") + " %").c_str() : "–");
    row("codes used", "%lld of %lld", static_cast<long long>(m.codes_used),
        static_cast<long long>(total_codes(e.scheme, r.group.params)));
    row("bits / weight", "%s", opt(m.bits_per_weight, "%.4g").c_str());
    row("cosine", "%s", opt(m.cosine, "%.6f").c_str());
    if (m.n_nonfinite > 0) row("non-finite", "%lld (passed through)", static_cast<long long>(m.n_nonfinite));
    ImGui::EndTable();
  }

  // Group selection (per-channel / per-block schemes).
  const int64_t G = int64_t(r.q.groups.size());
  ImGui::Spacing();
  if (G > 1) {
    ImGui::TextDisabled("GROUP %lld of %lld (%lld elements)", static_cast<long long>(r.group.index),
                        static_cast<long long>(G), static_cast<long long>(r.group.count));
    int g = int(r.group.index);
    ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 6.5f);
    if (ImGui::SliderInt("##group", &g, 0, int(std::min<int64_t>(G - 1, 1 << 30)))) {
      st.group = g;
      app.post_explore(false);
    }
    ImGui::SameLine();
    if (ImGui::Button("Largest")) {
      st.group = -1;
      app.post_explore(true);
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("show the group with the largest scale");
  } else {
    ImGui::TextDisabled("ONE GROUP (%lld elements)", static_cast<long long>(r.group.count));
  }
  if (ImGui::BeginTable("##params", 2, ImGuiTableFlags_SizingStretchProp)) {
    row("range", "[%.6g, %.6g]", r.group.min, r.group.max);
    if (has_scale(e.scheme)) row("scale s", "%.6g", double(r.group.params.scale));
    if (e.scheme.kind == Kind::Minmax)
      row(e.scheme.zero_point == ZeroPointKind::Int ? "zero point z" : "minimum m", "%.6g",
          double(r.group.params.zero_point));
    if (r.group.params.clipping)
      row("clip", "[%.6g, %.6g]", double(r.group.params.clip_lo), double(r.group.params.clip_hi));
    row("levels", "%zu", r.levels.size());
    ImGui::EndTable();
  }
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextDisabled("%s", formula(e.scheme, r.group).c_str());
  if (has_transform(e.scheme))
    ImGui::TextDisabled("(range, scale and levels are those of x′ = %s(x), the tensor the quantizer sees; "
                        "the metrics compare x with x̂ mapped back)",
                        std::string(transform_kind_name(e.scheme.transform.kind)).c_str());
  ImGui::PopTextWrapPos();
}

}  // namespace qs::app
