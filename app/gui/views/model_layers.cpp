// The Model view's layer × module grid: for models whose tensor names follow a layer
// pattern (model.layers.N., h.N., blk.N. …), one row per layer and one column per module,
// coloured by the chosen scheme's SQNR on one scale for all schemes, the 3 worst cells of
// that scheme marked. Clicking a cell selects its tensor everywhere, double-clicking opens
// it in Distribution, like a row of the table.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui.h>

#include "app/gui/panels/panels.h"
#include "app/gui/shell/app.h"
#include "app/gui/views/model_layers.h"
#include "widgets/layer_grid_plot.h"

namespace qs::app {

void refresh_model_layer_grid(AppState& st) {
  const ModelRun* run = st.model_run.get();
  if (st.model_grid_run == run) return;
  st.model_grid_run = run;
  st.model_layer_grid.reset();
  st.model_grid_worst.clear();
  if (!run) return;
  st.model_layer_grid = layer_grid(*run->model, run->analysis);
  if (!st.model_layer_grid) return;
  for (size_t s = 0; s < run->schemes.size(); ++s)
    st.model_grid_worst.push_back(worst_cells(*st.model_layer_grid, run->analysis, s, kFlaggedPerScheme));
  st.model_grid_range = sqnr_range(*st.model_layer_grid, run->analysis);
  st.model_grid_rows.clear();
  for (int64_t l : st.model_layer_grid->layers) st.model_grid_rows.push_back(std::to_string(l));
}

namespace {

ImU32 grid_colour(double v, double lo, double hi) {
  const Rgb c = sqnr_rgb(v, lo, hi);
  return IM_COL32(c.r, c.g, c.b, 255);
}

}  // namespace

bool draw_model_grid_toggle(App& app) {
  AppState& st = app.state();
  refresh_model_layer_grid(st);
  if (!st.model_layer_grid) {
    st.model_grid = false;
    return false;
  }
  const LayerGrid& g = *st.model_layer_grid;
  int mode = st.model_grid ? 1 : 0;
  ImGui::RadioButton("table", &mode, 0);
  ImGui::SameLine();
  ImGui::RadioButton("layers × modules", &mode, 1);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("%zu layers (%sN.) × %zu modules, coloured by SQNR; %zu tensors outside the layers stay in the table",
                      g.rows(), g.prefix.c_str(), g.cols(), g.rest.size());
  st.model_grid = mode == 1;
  if (st.model_grid) {
    const ModelRun& run = *st.model_run;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
    st.model_grid_scheme = std::clamp(st.model_grid_scheme, 0, int(run.schemes.size()) - 1);
    const std::string preview = std::to_string(st.model_grid_scheme + 1) + ": " + print_spec(run.schemes[size_t(st.model_grid_scheme)]);
    if (ImGui::BeginCombo("##grid_scheme", preview.c_str())) {
      for (size_t s = 0; s < run.schemes.size(); ++s) {
        const std::string label = std::to_string(s + 1) + ": " + print_spec(run.schemes[s]);
        if (ImGui::Selectable(label.c_str(), int(s) == st.model_grid_scheme)) st.model_grid_scheme = int(s);
      }
      ImGui::EndCombo();
    }
  }
  return st.model_grid;
}

void draw_model_layer_grid(App& app, float height) {
  AppState& st = app.state();
  const ModelRun& run = *st.model_run;
  const LayerGrid& g = *st.model_layer_grid;
  const size_t scheme = size_t(std::clamp(st.model_grid_scheme, 0, int(run.schemes.size()) - 1));
  // Per frame only this scheme's colours; the scale and labels are the run's (refresh).
  const auto [lo, hi] = st.model_grid_range;
  std::vector<double> values(g.cells.size(), NAN);
  std::vector<ImU32> colours(g.cells.size(), IM_COL32(120, 120, 120, 255));  // grey: no SQNR
  std::vector<char> present(g.cells.size(), 0), marked(g.cells.size(), 0);
  for (size_t c = 0; c < g.cells.size(); ++c) {
    if (g.cells[c] < 0) continue;
    present[c] = 1;
    const auto& m = run.analysis.tensors[size_t(g.cells[c])].results[scheme].metrics;
    if (m && m->sqnr_db && std::isfinite(*m->sqnr_db)) values[c] = *m->sqnr_db, colours[c] = grid_colour(values[c], lo, hi);
  }
  if (scheme < st.model_grid_worst.size())
    for (size_t c : st.model_grid_worst[scheme]) marked[c] = 1;
  widgets::LayerGridInput in;
  in.rows = int(g.rows());
  in.cols = int(g.cols());
  in.colours = colours;
  in.present = present;
  in.marked = marked;
  in.row_labels = st.model_grid_rows;
  in.col_labels = g.labels;
  for (size_t c = 0; c < g.cells.size(); ++c)
    if (g.cells[c] >= 0 && int(run.analysis.tensors[size_t(g.cells[c])].index) == st.tensor) in.selected = int(c);
  ImGui::TextDisabled("SQNR %.1f dB", lo);
  ImGui::SameLine();
  // The colour scale: a strip from lo to hi.
  {
    const float fs = ImGui::GetFontSize(), w = fs * 10, h = ImGui::GetTextLineHeight() * 0.7f;
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (int i = 0; i < 40; ++i)
      dl->AddRectFilled(ImVec2(p.x + w * float(i) / 40, p.y + h * 0.3f), ImVec2(p.x + w * float(i + 1) / 40, p.y + h * 1.3f),
                        grid_colour(lo + (hi - lo) * (i + 0.5) / 40, lo, hi));
    ImGui::Dummy(ImVec2(w, ImGui::GetTextLineHeight()));
  }
  ImGui::SameLine();
  fitted_text_disabled("%.1f dB · ▼ the 3 lowest under this scheme · click: select · double-click: Distribution", hi);
  const widgets::LayerGridEvent ev = widgets::LayerGridPlot("##layer_grid", ImVec2(0, height - ImGui::GetFrameHeightWithSpacing()), in);
  if (ev.hovered >= 0) {
    const TensorAnalysis& ta = run.analysis.tensors[size_t(g.cells[size_t(ev.hovered)])];
    const double v = values[size_t(ev.hovered)];
    char value[32] = "n/a";
    if (!std::isnan(v)) std::snprintf(value, sizeof value, "%.2f dB", v);
    ImGui::SetTooltip("%s\n%s: %s%s", run.model->tensors[ta.index].name.c_str(), print_spec(run.schemes[scheme]).c_str(),
                      value, marked[size_t(ev.hovered)] ? " (among the 3 worst)" : "");
  }
  if (ev.clicked >= 0) {
    app.select_tensor(int(run.analysis.tensors[size_t(g.cells[size_t(ev.clicked)])].index));
    if (ev.double_clicked) {
      st.active_view = View::Distribution;
      st.view_tab_pending = true;
      app.post_explore(false);
    }
  }
}

}  // namespace qs::app
