// The scheme panel: the compare list (up to 6 schemes), the editor of the selected
// scheme (every key of the compact spec has a control), copy/paste of the spec, and
// the metrics card.
#include <algorithm>
#include <cstdio>
#include <string>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "analysis/explore/activation_maxima.h"
#include "analysis/presets/preset.h"
#include "analysis/transforms/matrix_view.h"
#include "app/gui/panels/panels.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/table_headers.h"
#include "widgets/ui_scale.h"

namespace qs::app {
namespace {

constexpr double kAlphaMin = 0.0, kAlphaMax = 1.0;

using numeric::FloatFormat;

// The kind combo merges the scheme kinds and the float formats, as the spec does.
const char* kKindItems[] = {"absmax (symmetric int)", "minmax (asymmetric int)", "nf4",
                            "fp16", "bf16", "fp8_e4m3", "fp8_e5m2", "fp4_e2m1",
                            "preset (a real toolchain)"};
constexpr int kPresetItem = 8;

int kind_item(const Scheme& s) {
  switch (s.kind) {
    case Kind::Absmax: return 0;
    case Kind::Minmax: return 1;
    case Kind::NF4: return 2;
    case Kind::Float:
      switch (s.format) {
        case FloatFormat::FP16: return 3;
        case FloatFormat::BF16: return 4;
        case FloatFormat::FP8_E4M3: return 5;
        case FloatFormat::FP8_E5M2: return 6;
        case FloatFormat::FP4_E2M1: return 7;
        default: return 3;
      }
    case Kind::Preset: return kPresetItem;
  }
  return 0;
}

// Switching kind keeps what still applies (bits between int kinds, the grouping).
Scheme with_kind(const Scheme& old, int item) {
  if (item == kPresetItem) return old.kind == Kind::Preset ? old : default_scheme(Kind::Preset);
  Scheme s;
  switch (item) {
    case 0: s = default_scheme(Kind::Absmax); break;
    case 1: s = default_scheme(Kind::Minmax); break;
    case 2: s = default_scheme(Kind::NF4); break;
    case 3: s = float_scheme(FloatFormat::FP16); break;
    case 4: s = float_scheme(FloatFormat::BF16); break;
    case 5: s = float_scheme(FloatFormat::FP8_E4M3); break;
    case 6: s = float_scheme(FloatFormat::FP8_E5M2); break;
    default: s = float_scheme(FloatFormat::FP4_E2M1); break;
  }
  const bool old_int = old.kind == Kind::Absmax || old.kind == Kind::Minmax;
  const bool new_int = s.kind == Kind::Absmax || s.kind == Kind::Minmax;
  if (old_int && new_int) {
    s.bits = old.bits;
    s.rounding = old.rounding;
    s.seed = old.seed;
  }
  if (s.kind != Kind::NF4 || old.granularity != Granularity::Tensor) {
    s.granularity = old.granularity;
    s.axis = old.axis;
    if (old.granularity == Granularity::Block) s.block = old.block;
  }
  if (s.kind == Kind::Float && s.granularity != Granularity::Tensor) s.scale = ScaleMode::Absmax;
  s.clip = old.clip;
  s.scale_dtype = old.scale_dtype;
  return s;
}

template <class E>
bool enum_combo(const char* label, E* v, std::initializer_list<std::pair<E, const char*>> items) {
  const char* preview = "";
  for (auto& [e, n] : items)
    if (e == *v) preview = n;
  bool changed = false;
  if (ImGui::BeginCombo(label, preview)) {
    for (auto& [e, n] : items) {
      if (ImGui::Selectable(n, e == *v)) {
        *v = e;
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  return changed;
}

void label(const char* text) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(text);
  ImGui::SameLine(ImGui::GetFontSize() * 6.5f);
  ImGui::SetNextItemWidth(-1);
}

// The transform before quantizing (DESIGN.md "Beyond clipping"): none, a Hadamard
// rotation (optionally with random signs), smoothing with activation maxima, a low-rank
// split or kept columns, with each one's parameter. Presets take none.
bool transform_controls(App& app, Scheme& s, bool& continuous) {
  AppState& st = app.state();
  Transform& t = s.transform;
  bool changed = false;
  label("transform");
  const TransformKind before = t.kind;
  if (enum_combo("##transform", &t.kind,
                 {{TransformKind::None, "none"},
                  {TransformKind::Hadamard, "rotate (Hadamard)"},
                  {TransformKind::Smooth, "smooth (SmoothQuant)"},
                  {TransformKind::LowRank, "low-rank split"},
                  {TransformKind::Keep, "keep columns (fp16)"}})) {
    if (t.kind != before) t = Transform{t.kind};  // each kind's default parameter
    changed = true;
  }
  const TensorView* tv = st.model && st.tensor >= 0 ? &st.model->tensors[size_t(st.tensor)] : nullptr;
  const MatrixShape m = tv ? matrix_view(tv->shape) : MatrixShape{};
  switch (t.kind) {
    case TransformKind::Hadamard: {
      label("random signs");
      if (ImGui::Checkbox("##signs", &t.has_seed)) changed = true;
      if (t.has_seed) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(-1);
        if (ImGui::InputScalar("##rot_seed", ImGuiDataType_U64, &t.seed)) changed = true;
      }
      break;
    }
    case TransformKind::Smooth: {
      label("alpha");
      if (ImGui::SliderScalar("##alpha", ImGuiDataType_Double, &t.alpha, &kAlphaMin, &kAlphaMax, "%.2f")) changed = true;
      continuous |= ImGui::IsItemActive();
      label("act. maxima");
      const std::string cur = st.act_max_tensor >= 0 && st.model && st.act_max_tensor < int(st.model->tensors.size())
                                  ? st.model->tensors[size_t(st.act_max_tensor)].name
                                  : "(none: pick a 1-D tensor of " + std::to_string(m.cols) + ")";
      if (ImGui::BeginCombo("##act", cur.c_str(), ImGuiComboFlags_HeightLarge)) {
        if (st.model && tv)
          for (int i : activation_maxima_candidates(*st.model, tv->shape))
            if (ImGui::Selectable(st.model->tensors[size_t(i)].name.c_str(), i == st.act_max_tensor))
              app.set_act_max_tensor(i);
        ImGui::EndCombo();
      }
      break;
    }
    case TransformKind::LowRank:
    case TransformKind::Keep: {
      label(t.kind == TransformKind::LowRank ? "rank r" : "columns k");
      const int64_t hi = std::max<int64_t>(1, (t.kind == TransformKind::LowRank ? std::min(m.rows, m.cols) : m.cols) - 1);
      const int64_t lo = 1, top = std::min<int64_t>(hi, 256);
      if (ImGui::SliderScalar("##count", ImGuiDataType_S64, &t.count, &lo, &top)) changed = true;
      // A release commits (a low-rank split recomputes its SVD for a larger r).
      continuous |= ImGui::IsItemActive() && t.kind == TransformKind::Keep;
      break;
    }
    case TransformKind::None: break;
  }
  return changed;
}

void compare_list(App& app) {
  AppState& st = app.state();
  const float fs = ImGui::GetFontSize();
  if (ImGui::BeginTable("##schemes", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH)) {
    ImGui::TableSetupColumn("scheme", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("SQNR", ImGuiTableColumnFlags_WidthFixed, fs * 3.6f);
    ImGui::TableSetupColumn("bits/w", ImGuiTableColumnFlags_WidthFixed, fs * 3.0f);
    table_headers(st, "schemes", {nullptr, "SQNR in dB on the selected tensor", "bits per weight"});
    for (size_t i = 0; i < st.schemes.size(); ++i) {
      const SchemeEntry& e = st.schemes[i];
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::PushID(int(i));
      const ImVec2 p = ImGui::GetCursorScreenPos();
      ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, p.y + widgets::px(3)), ImVec2(p.x + fs * 0.6f, p.y + fs - widgets::px(1)),
                                                scheme_color(int(i)), 2.0f);
      ImGui::SetCursorScreenPos(ImVec2(p.x + fs * 0.9f, p.y));
      const std::string spec = print_spec(e.scheme);
      if (ImGui::Selectable(spec.c_str(), st.selected == int(i), ImGuiSelectableFlags_SpanAllColumns))
        app.select_scheme(int(i));
      if (ImGui::IsItemHovered() && !e.error.empty()) ImGui::SetTooltip("%s", e.error.c_str());
      ImGui::PopID();
      ImGui::TableSetColumnIndex(1);
      if (!e.error.empty()) ImGui::TextColored(ImVec4(0.95f, 0.4f, 0.35f, 1), "error");
      else if (e.metrics && e.metrics->sqnr_db) ImGui::Text("%.2f", *e.metrics->sqnr_db);
      else ImGui::TextDisabled("…");
      ImGui::TableSetColumnIndex(2);
      if (e.metrics && e.metrics->bits_per_weight) ImGui::Text("%.3g", *e.metrics->bits_per_weight);
    }
    ImGui::EndTable();
  }
  const bool full = int(st.schemes.size()) >= kMaxSchemes;
  ImGui::BeginDisabled(full);
  if (ImGui::Button("+ Add")) app.add_scheme(st.schemes[size_t(st.selected)].scheme);
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip(full ? "at most 6 schemes" : "duplicate the selected scheme to compare a variant");
  ImGui::SameLine();
  ImGui::BeginDisabled(st.schemes.size() <= 1);
  if (ImGui::Button("Remove")) {
    st.schemes.erase(st.schemes.begin() + st.selected);
    st.selected = std::min(st.selected, int(st.schemes.size()) - 1);
    st.spec_text = print_spec(st.schemes[size_t(st.selected)].scheme);
    app.post_explore(true);
  }
  ImGui::EndDisabled();
}

// The end of the panel: why the last edit was refused, then the metrics card.
void draw_error_and_metrics(App& app, const SchemeEntry& entry) {
  if (!entry.error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.95f, 0.40f, 0.35f, 1.0f));
    ImGui::TextWrapped("%s", entry.error.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::Separator();
  draw_metrics_card(app);
  ImGui::EndChild();  // the panel's child, begun in draw_scheme_panel
}

}  // namespace

void draw_scheme_panel(App& app) {
  AppState& st = app.state();
  ImGui::BeginChild("##scheme_panel", ImVec2(0, 0), false);
  ImGui::TextDisabled("SCHEMES");
  compare_list(app);
  ImGui::Separator();
  if (st.schemes.empty()) {
    ImGui::EndChild();
    return;
  }
  SchemeEntry& entry = st.schemes[size_t(st.selected)];
  Scheme s = entry.scheme;
  bool changed = false, continuous = false;

  // Spec text: Enter applies; errors name the key.
  label("spec");
  if (ImGui::InputText("##spec", &st.spec_text, ImGuiInputTextFlags_EnterReturnsTrue)) {
    auto parsed = parse_spec(st.spec_text);
    if (parsed) {
      s = *parsed;
      changed = true;
    } else {
      entry.error = parsed.error().message;
    }
  }
  if (ImGui::Button("Copy spec")) ImGui::SetClipboardText(print_spec(entry.scheme).c_str());
  ImGui::SameLine();
  if (ImGui::Button("Paste spec")) {
    const char* clip = ImGui::GetClipboardText();
    auto parsed = parse_spec(clip ? clip : "");
    if (parsed) {
      s = *parsed;
      changed = true;
    } else {
      entry.error = parsed.error().message;
    }
  }

  label("kind");
  int item = kind_item(s);
  if (ImGui::Combo("##kind", &item, kKindItems, IM_ARRAYSIZE(kKindItems))) {
    s = with_kind(s, item);
    changed = true;
  }
  if (s.kind == Kind::Preset) {
    // A preset is its toolchain's whole rule: pick one; nothing else to edit.
    label("preset");
    const PresetInfo& cur = preset_info(s.preset);
    if (ImGui::BeginCombo("##preset", std::string(cur.name).c_str(), ImGuiComboFlags_HeightLarge)) {
      std::string_view group;
      for (const PresetInfo& p : all_presets()) {
        const std::string_view tool = p.toolchain.substr(0, p.toolchain.find(' '));
        if (tool != group) {
          group = tool;
          ImGui::TextDisabled("%.*s", int(tool.size()), tool.data());
        }
        if (ImGui::Selectable(std::string(p.name).c_str(), p.id == s.preset)) {
          s = preset_scheme(p.id);
          changed = true;
        }
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", std::string(p.description).c_str());
      }
      ImGui::EndCombo();
    }
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("%s — %s", std::string(cur.toolchain).c_str(), std::string(cur.description).c_str());
    ImGui::PopTextWrapPos();
    if (changed) app.apply_scheme(s, false);
    draw_error_and_metrics(app, entry);
    return;
  }
  const bool int_kind = s.kind == Kind::Absmax || s.kind == Kind::Minmax;
  if (int_kind) {
    label("bits");
    if (ImGui::SliderInt("##bits", &s.bits, 2, 16)) changed = true;
    continuous |= ImGui::IsItemActive();
  }

  label("groups");
  int gran = int(s.granularity);
  if (ImGui::Combo("##gran", &gran, "per tensor\0per channel\0per block\0")) {
    s.granularity = Granularity(gran);
    if (s.kind == Kind::Float && s.granularity != Granularity::Tensor) s.scale = ScaleMode::Absmax;
    changed = true;
  }
  if (s.granularity == Granularity::Channel) {
    label("axis");
    if (ImGui::InputInt("##axis", &s.axis)) changed = true;
  }
  if (s.granularity == Granularity::Block) {
    label("block");
    int b = int(std::min<int64_t>(s.block, 1 << 20));
    if (ImGui::InputInt("##block", &b, 8, 64) && b > 0) {
      s.block = b;
      changed = true;
    }
  }
  if (s.kind == Kind::Minmax) {
    label("zero point");
    if (enum_combo("##zp", &s.zero_point,
                   {{ZeroPointKind::Int, "integer (gemmlowp)"}, {ZeroPointKind::Float, "float minimum"}}))
      changed = true;
    if (s.zero_point == ZeroPointKind::Int) {
      label("codes");
      int sg = s.is_signed ? 1 : 0;
      if (ImGui::Combo("##signed", &sg, "unsigned [0, 2^b-1]\0signed [-2^(b-1), 2^(b-1)-1]\0")) {
        s.is_signed = sg == 1;
        changed = true;
      }
    }
  }
  if (s.kind == Kind::Float) {
    label("scale");
    bool scaled = s.scale == ScaleMode::Absmax;
    if (ImGui::Checkbox("amax / format max##scale", &scaled)) {
      s.scale = scaled ? ScaleMode::Absmax : ScaleMode::None;
      if (!scaled) s.granularity = Granularity::Tensor;
      changed = true;
    }
    if (s.format == FloatFormat::FP8_E4M3 || s.format == FloatFormat::FP8_E5M2) {
      label("overflow");
      int sat = s.saturate ? 0 : 1;
      if (ImGui::Combo("##sat", &sat, "saturate to ±max\0NaN / ±Inf\0")) {
        s.saturate = sat == 0;
        changed = true;
      }
    }
  }

  label("clip");
  if (enum_combo("##clip", &s.clip.method,
                 {{ClipMethod::None, "none (full range)"}, {ClipMethod::Range, "range [lo, hi]"},
                  {ClipMethod::Percentile, "percentile"}, {ClipMethod::Sigma, "μ ± kσ"},
                  {ClipMethod::Mse, "MSE-optimal"}, {ClipMethod::Kl, "KL (entropy)"}})) {
    if (s.clip.method == ClipMethod::Range && !(s.clip.hi > s.clip.lo)) {
      s.clip.lo = st.result_stats.min;
      s.clip.hi = st.result_stats.max;
      if (!(s.clip.hi > s.clip.lo)) s.clip.lo = -1, s.clip.hi = 1;
    }
    changed = true;
  }
  if (s.clip.method == ClipMethod::Percentile) {
    label("p");
    const double lo = 90.0, hi = 100.0;
    if (ImGui::SliderScalar("##p", ImGuiDataType_Double, &s.clip.p, &lo, &hi, "%.3f")) changed = true;
    continuous |= ImGui::IsItemActive();
  } else if (s.clip.method == ClipMethod::Sigma) {
    label("k");
    const double lo = 0.5, hi = 10.0;
    if (ImGui::SliderScalar("##k", ImGuiDataType_Double, &s.clip.k, &lo, &hi, "%.2f")) changed = true;
    continuous |= ImGui::IsItemActive();
  } else if (s.clip.method == ClipMethod::Range) {
    const float speed = float((st.data_hi - st.data_lo) * 0.002);
    label("lo");
    if (ImGui::DragScalar("##lo", ImGuiDataType_Double, &s.clip.lo, speed, nullptr, nullptr, "%.5g")) changed = true;
    continuous |= ImGui::IsItemActive();
    label("hi");
    if (ImGui::DragScalar("##hi", ImGuiDataType_Double, &s.clip.hi, speed, nullptr, nullptr, "%.5g")) changed = true;
    continuous |= ImGui::IsItemActive();
  }
  if (int_kind) {
    label("rounding");
    if (enum_combo("##round", &s.rounding,
                   {{Rounding::NearestEven, "nearest, ties to even"},
                    {Rounding::HalfAway, "nearest, ties away"},
                    {Rounding::Stochastic, "stochastic"}}))
      changed = true;
  }
  if (has_scale(s)) {
    label("scale dtype");
    if (enum_combo("##sdt", &s.scale_dtype,
                   {{ScaleDType::F32, "f32"}, {ScaleDType::F16, "f16"}, {ScaleDType::BF16, "bf16"}}))
      changed = true;
  }
  if (s.kind != Kind::Preset && transform_controls(app, s, continuous)) changed = true;
  if (changed) app.apply_scheme(s, continuous);
  draw_error_and_metrics(app, entry);
}

}  // namespace qs::app
