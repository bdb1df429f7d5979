// The Heatmap view: a 2-D tensor (conv filters as out × rest) as an image of |x|, |error|,
// relative error or the per-group scale, pooled (max, mean or min) down to the screen on
// the worker and uploaded as one texture per result. The wheel zooms around the pointer
// down to single elements, dragging pans, double-click shows the whole tensor; hovering
// reads the element: index, x, its code and x̂ under the selected scheme, the error, and
// x's bits in the format chosen in the Formats view.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <imgui.h>
#include <imgui_internal.h>

#include "analysis/numeric/breakdown.h"
#include "analysis/numeric/tensor_decode.h"
#include "app/gui/panels/panels.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/plot_menu.h"
#include "app/gui/shell/texture.h"
#include "widgets/text_fit.h"

namespace qs::app {
namespace {

// Viridis, five stops: dark blue (low) to yellow (high); perceptually even.
ImU32 colormap(float t) {
  static const float stops[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::clamp(t, 0.0f, 1.0f) * 4.0f;
  const int i = std::min(3, int(t));
  const float f = t - float(i);
  auto mix = [&](int c) { return uint8_t(stops[i][c] + (stops[i + 1][c] - stops[i][c]) * f); };
  return IM_COL32(mix(0), mix(1), mix(2), 255);
}

const char* kQuantities[] = {"|x|", "|x − x̂|", "|x − x̂| / |x|", "scale of the group"};
const char* kPools[] = {"max", "mean", "min"};

}  // namespace

void draw_heatmap_view(App& app) {
  AppState& st = app.state();
  const TensorView* selected = selected_tensor(app);
  if (!selected) return;
  const TensorView& t = *selected;
  int64_t rows = 1, cols = 1;
  heatmap_dims(t.shape, &rows, &cols);
  const float fs = ImGui::GetFontSize();
  ImGui::TextUnformatted(t.name.c_str());
  ImGui::SameLine();
  fitted_text_disabled("· %lld × %lld%s", static_cast<long long>(rows), static_cast<long long>(cols),
                      t.shape.size() > 2 ? " (first dimension × the rest)" : "");

  // Toolbar.
  int quantity = int(st.heat_request.quantity), pool = int(st.heat_request.pool);
  bool changed = false;
  ImGui::SetNextItemWidth(fs * 10);
  changed |= ImGui::Combo("##quantity", &quantity, kQuantities, 4);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 5);
  changed |= ImGui::Combo("pooling", &pool, kPools, 3);
  ImGui::SameLine();
  static bool log_colour = true;
  static bool log_was = true;
  ImGui::Checkbox("log colour", &log_colour);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("colour by log10 of the value over 4 decades below the max");
  ImGui::SameLine();
  if (ImGui::Button("Whole tensor")) st.heat_rect_valid = false;
  if (!st.heat_rect_valid) {
    st.heat_r0 = 0;
    st.heat_r1 = double(rows);
    st.heat_c0 = 0;
    st.heat_c1 = double(cols);
    st.heat_rect_valid = true;
    changed = true;
  }

  // The image area: square cells where the aspect allows (a 4096×4096 tensor is square),
  // but never thinner than a usable strip.
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float legend_h = fs * 2.4f;
  const ImVec2 area(avail.x, std::max(fs * 4, avail.y - legend_h));
  const double vr = st.heat_r1 - st.heat_r0, vc = st.heat_c1 - st.heat_c0;
  float iw = area.x, ih = float(double(area.x) * vr / vc);
  if (ih > area.y) {
    ih = area.y;
    iw = float(double(area.y) * vc / vr);
  }
  iw = std::max(iw, std::min(area.x, fs * 6));
  ih = std::max(ih, std::min(area.y, fs * 3));
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 p1(p0.x + iw, p0.y + ih);
  ImGui::InvisibleButton("##heat", ImVec2(iw, ih));
  const bool hovered = ImGui::IsItemHovered(), active = ImGui::IsItemActive();
  st.plot_min = p0;
  st.plot_max = p1;

  // Interaction on the element rectangle (doubles: smooth zoom; requests round it).
  ImGuiIO& io = ImGui::GetIO();
  auto at = [&](ImVec2 m, double* r, double* c) {
    *c = st.heat_c0 + double(m.x - p0.x) / iw * (st.heat_c1 - st.heat_c0);
    *r = st.heat_r0 + double(m.y - p0.y) / ih * (st.heat_r1 - st.heat_r0);
  };
  if (hovered && io.MouseWheel != 0.0f) {
    double mr = 0, mc = 0;
    at(io.MousePos, &mr, &mc);
    const double k = io.MouseWheel > 0 ? 0.7 : 1.0 / 0.7;
    const double nr = std::clamp((st.heat_r1 - st.heat_r0) * k, std::min(4.0, double(rows)), double(rows));
    const double nc = std::clamp((st.heat_c1 - st.heat_c0) * k, std::min(4.0, double(cols)), double(cols));
    const double fr = (mr - st.heat_r0) / (st.heat_r1 - st.heat_r0), fc = (mc - st.heat_c0) / (st.heat_c1 - st.heat_c0);
    st.heat_r0 = std::clamp(mr - fr * nr, 0.0, double(rows) - nr);
    st.heat_r1 = st.heat_r0 + nr;
    st.heat_c0 = std::clamp(mc - fc * nc, 0.0, double(cols) - nc);
    st.heat_c1 = st.heat_c0 + nc;
    changed = true;
  }
  if (active && (io.MouseDelta.x != 0 || io.MouseDelta.y != 0)) {
    const double dr = -double(io.MouseDelta.y) / ih * (st.heat_r1 - st.heat_r0);
    const double dc = -double(io.MouseDelta.x) / iw * (st.heat_c1 - st.heat_c0);
    const double nr = st.heat_r1 - st.heat_r0, nc = st.heat_c1 - st.heat_c0;
    st.heat_r0 = std::clamp(st.heat_r0 + dr, 0.0, double(rows) - nr);
    st.heat_r1 = st.heat_r0 + nr;
    st.heat_c0 = std::clamp(st.heat_c0 + dc, 0.0, double(cols) - nc);
    st.heat_c1 = st.heat_c0 + nc;
    changed = true;
  }
  if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) st.heat_rect_valid = false;

  HeatmapRequest req;
  req.rows = rows;
  req.cols = cols;
  req.r0 = int64_t(std::floor(st.heat_r0));
  req.r1 = std::min(rows, int64_t(std::ceil(st.heat_r1)));
  req.c0 = int64_t(std::floor(st.heat_c0));
  req.c1 = std::min(cols, int64_t(std::ceil(st.heat_c1)));
  req.out_w = std::max(1, int(iw));
  req.out_h = std::max(1, int(ih));
  req.quantity = HeatQuantity(quantity);
  req.pool = HeatPool(pool);
  const bool differs = req.r0 != st.heat_request.r0 || req.r1 != st.heat_request.r1 || req.c0 != st.heat_request.c0 ||
                       req.c1 != st.heat_request.c1 || req.out_w != st.heat_request.out_w ||
                       req.out_h != st.heat_request.out_h || req.quantity != st.heat_request.quantity ||
                       req.pool != st.heat_request.pool;
  if (changed || differs) {
    st.heat_request = req;
    if (differs) app.post_explore(false);
  }

  // The texture: uploaded when a new result arrives, drawn with the UVs that map the
  // result's rectangle onto the current one (so zooming looks right before it lands).
  static Texture tex;
  static std::shared_ptr<const Heatmap> uploaded;  // held: a new result cannot reuse its address
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, p1, ImGui::GetColorU32(ImGuiCol_FrameBg));
  const Heatmap* h = st.heatmap.get();
  if (h && h->w > 0 && h->h > 0) {
    if (uploaded != st.heatmap || log_was != log_colour) {
      std::vector<uint32_t> px(size_t(h->w) * size_t(h->h));
      const float span = h->hi > h->lo ? h->hi - h->lo : 1.0f;
      // Log: four decades below the max (outliers would otherwise leave the rest black).
      const double lhi = std::log10(std::max(double(h->hi), 1e-300)), llo = lhi - 4.0;
      for (size_t k = 0; k < px.size(); ++k) {
        const float v = h->cells[k];
        float tcol = (v - h->lo) / span;
        if (log_colour) tcol = v > 0 ? float((std::log10(double(v)) - llo) / (lhi - llo)) : 0.0f;
        px[k] = std::isnan(v) ? IM_COL32(128, 128, 128, 255) : colormap(tcol);
      }
      log_was = log_colour;
      tex.upload(h->w, h->h, reinterpret_cast<const uint8_t*>(px.data()));
      uploaded = st.heatmap;
    }
    const double hr = double(h->r1 - h->r0), hc = double(h->c1 - h->c0);
    const ImVec2 uv0(float((st.heat_c0 - double(h->c0)) / hc), float((st.heat_r0 - double(h->r0)) / hr));
    const ImVec2 uv1(float((st.heat_c1 - double(h->c0)) / hc), float((st.heat_r1 - double(h->r0)) / hr));
    dl->AddImage(tex.id(), p0, p1, uv0, uv1);
  } else {
    dl->AddText(ImVec2(p0.x + fs, p0.y + fs), ImGui::GetColorU32(ImGuiCol_TextDisabled), "computing…");
  }
  dl->AddRect(p0, p1, ImGui::GetColorU32(ImGuiCol_Border));

  // Colour bar and the visible rectangle.
  const float by = p1.y + fs * 0.5f, bw = std::min(iw, fs * 16);
  for (int i = 0; i < 64; ++i)
    dl->AddRectFilled(ImVec2(p0.x + bw * float(i) / 64, by), ImVec2(p0.x + bw * float(i + 1) / 64, by + fs * 0.7f),
                      colormap(float(i) / 63));
  if (h) {
    char legend[160];
    const double shown_lo = log_colour ? std::max(double(h->lo), double(h->hi) * 1e-4) : double(h->lo);
    std::snprintf(legend, sizeof legend, "%.3g … %.3g%s  (%s, %s per cell) · rows %lld–%lld, columns %lld–%lld",
                  shown_lo, double(h->hi), log_colour ? " log" : "", kQuantities[quantity], kPools[pool], static_cast<long long>(h->r0),
                  static_cast<long long>(h->r1 - 1), static_cast<long long>(h->c0), static_cast<long long>(h->c1 - 1));
    // Cut to the column (whole on hover): a narrow window keeps the caption on its line.
    const ImVec2 cap(p0.x + bw + fs * 0.6f, by - 2);
    const float room = st.views_max.x - cap.x;
    const std::string shown = widgets::elide(legend, room);
    dl->AddText(cap, ImGui::GetColorU32(ImGuiCol_Text), shown.c_str());
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (shown != legend && m.x >= cap.x && m.x <= cap.x + room && m.y >= cap.y && m.y <= cap.y + fs)
      ImGui::SetTooltip("%s", legend);
  }

  plot_menu(app, "##heat_menu", p0, p1, "heatmap", [&] {
    std::string out;
    if (!h) return out;
    char buf[32];
    for (int i = 0; i < h->h; ++i) {
      for (int j = 0; j < h->w; ++j) {
        std::snprintf(buf, sizeof buf, j ? ",%.6g" : "%.6g", double(h->cells[size_t(i * h->w + j)]));
        out += buf;
      }
      out += "\n";
    }
    return out;
  });

  // Hover: the element under the pointer, read from the file and quantized on the spot.
  if (hovered && ImRect(p0, p1).Contains(io.MousePos) && !active && st.result && st.result_tensor == st.tensor) {
    double mr = 0, mc = 0;
    at(io.MousePos, &mr, &mc);
    const int64_t r = std::clamp<int64_t>(int64_t(mr), 0, rows - 1), c = std::clamp<int64_t>(int64_t(mc), 0, cols - 1);
    const int64_t e = r * cols + c;
    float v = 0;
    decode_to_float(t, e, std::span<float>(&v, 1));
    const Scheme& sc = st.schemes[size_t(st.selected)].scheme;
    const QuantizeResult& q = st.result->q;
    ImGui::BeginTooltip();
    ImGui::Text("element [%lld, %lld] (flat %lld)", static_cast<long long>(r), static_cast<long long>(c),
                static_cast<long long>(e));
    ImGui::Text("x = %.7g", double(v));
    if (std::isfinite(v) && q.scheme == sc && !q.groups.empty()) {
      const GroupParams& gp = q.groups[size_t(q.layout.group_of(e))];
      const ElementResult er = quantize_element(sc, gp, v, 0.0f);
      ImGui::Text("code %d → x̂ = %.7g, error x − x̂ = %.3g", er.code, double(er.xhat), double(v) - double(er.xhat));
      ImGui::TextDisabled("group %lld, scale %.5g", static_cast<long long>(q.layout.group_of(e)), double(gp.scale));
    }
    const auto f = numeric::kAllFloatFormats[size_t(st.fmt_index)];
    const numeric::FormatTraits& ft = numeric::traits(f);
    const numeric::FloatBreakdown b = numeric::breakdown(f, numeric::encode(f, v, true));
    std::string bits;
    for (int bit = ft.bits - 1; bit >= 0; --bit) {
      bits += ((b.code >> bit) & 1u) ? '1' : '0';
      if (bit == ft.bits - 1 || bit == ft.mantissa_bits) bits += ' ';
    }
    ImGui::Text("%.*s bits: %s (= %.7g)", int(ft.name.size()), ft.name.data(), bits.c_str(), double(b.value));
    ImGui::EndTooltip();
  }
}

}  // namespace qs::app
