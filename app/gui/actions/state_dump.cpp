// dump_state (actions.h): the selection, every scheme's metrics and each view's numbers as
// the GUI shows them, for tests that compare them with `quantscope-cli` and NumPy.
#include <algorithm>
#include <cmath>

#include <imgui.h>

#include "analysis/quant/metrics.h"
#include "analysis/numeric/float_formats.h"
#include "analysis/quant/scheme.h"
#include "app/gui/actions/actions.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/platform.h"
#include "widgets/ui_scale.h"

namespace qs::app {

using nlohmann::json;

namespace {

json tensor_name_or_null(const AppState& st, int index) {
  return st.model && index >= 0 && index < int(st.model->tensors.size()) ? json(st.model->tensors[size_t(index)].name)
                                                                          : json(nullptr);
}

// The Outliers view: its settings, and every row's spec and numbers as the table shows them.
json dump_outliers(App& app) {
  const AppState& st = app.state();
  const OutlierLabSettings& o = st.outliers_settings;
  json act = st.act_max_tensor >= 0 ? tensor_name_or_null(st, st.act_max_tensor) : json("auto");
  json out = {{"busy", app.outliers_busy()},
              {"settings", {{"base", print_spec(o.base)}, {"keep", o.keep}, {"rank", o.rank}, {"alpha", o.alpha},
                            {"rot_seed", o.rot_seed}, {"act", act}}},
              {"selected_row", outlier_method_key(OutlierMethod(st.outliers_row))},
              {"result", nullptr}};
  const OutliersJobResult* r = st.outliers.get();
  if (!r) return out;
  json rows = json::array();
  for (const OutlierRow& row : r->rows.rows) {
    json e = {{"method", outlier_method_key(row.method)}, {"label", row.label}, {"spec", row.spec},
              {"error", row.error}, {"metrics", nullptr}};
    if (row.eval) {
      const OutlierEval& v = *row.eval;
      e["metrics"] = metrics_to_json(v.metrics);
      e["xp"] = {{"n", v.xp.n},
                 {"sigma", number_to_json(v.xp.sigma)},
                 {"absmax", number_to_json(v.xp.absmax)},
                 {"absmax_over_sigma", number_to_json(v.xp.absmax_over_sigma)},
                 {"excess_kurtosis", number_to_json(v.xp.excess_kurtosis)}};
      e["transform"] = v.transform ? transform_report_to_json(*v.transform) : json(nullptr);
      uint64_t binned = 0;
      for (uint64_t c : v.hist_xp.counts) binned += c;
      e["hist"] = {{"lo", v.hist_xp.spec.lo}, {"hi", v.hist_xp.spec.hi}, {"count", binned}};
      e["levels"] = v.levels.size();
      e["level_group"] = v.level_group;
    }
    rows.push_back(e);
  }
  json curves = nullptr;
  if (const OutlierCurves* c = r->curves.get()) {
    auto pts = [](const std::vector<OutlierCurvePoint>& v) {
      json a = json::array();
      for (const OutlierCurvePoint& p : v)
        a.push_back({{"x", p.x}, {"spec", p.spec}, {"error", p.error},
                     {"sqnr_db", number_to_json(p.sqnr_db.value_or(NAN))},
                     {"bits_per_weight", number_to_json(p.bits_per_weight.value_or(NAN))},
                     {"xp_absmax", p.xp_absmax}, {"act_step", p.act_step}});
      return a;
    };
    curves = {{"keep", pts(c->keep)}, {"rank", pts(c->rank)}, {"alpha", pts(c->alpha)},
              {"act_step_before", c->act_step_before}};
  }
  json cands = json::array();
  for (int i : r->act_candidates) cands.push_back(tensor_name_or_null(st, i));
  out["result"] = {{"tensor", tensor_name_or_null(st, r->tensor)},
                   {"current", r->tensor == st.tensor && r->settings == o},
                   {"base", print_spec(r->settings.base)},
                   {"rows", rows},
                   {"matrix", {r->m.rows, r->m.cols}},
                   {"r_max", r->r_max},
                   {"low_rank_note", r->low_rank_note},
                   {"act_tensor", tensor_name_or_null(st, r->act_tensor)},
                   {"act_candidates", cands},
                   {"curves", curves}};
  return out;
}

json rect_json(const LayoutRect& r, float sc) { return json::array({r.x0 * sc, r.y0 * sc, r.x1 * sc, r.y1 * sc}); }

// The window's layout as the last frame drew it (tabs, regions, cut headers), and the
// format map's point labels: the window-size tests check that nothing reads cut or
// overlapping.
json dump_layout(const AppState& st, float sc) {
  const LayoutReport& lr = st.layout;
  json tabs = json::array();
  for (const LayoutReport::Tab& t : lr.tabs)
    tabs.push_back({{"title", t.title}, {"rect", rect_json(t.rect, sc)}, {"whole", t.whole}});
  json labels = json::array();
  for (const widgets::XYLabelBox& l : st.map_labels)
    labels.push_back({{"text", l.text}, {"placed", l.placed},
                      {"rect", l.placed ? json::array({l.rect.x0 * sc, l.rect.y0 * sc, l.rect.x1 * sc, l.rect.y1 * sc})
                                        : json(nullptr)}});
  const ImGuiIO& io = ImGui::GetIO();
  return {{"scale", widgets::UiScale()},
          {"font_size", ImGui::GetFontSize()},
          {"window", {io.DisplaySize.x * sc, io.DisplaySize.y * sc}},
          {"tabs", tabs},
          {"tabs_scroll", lr.tabs_scroll},
          {"tab_bar", rect_json(lr.tab_bar, sc)},
          {"browser", rect_json(lr.browser, sc)},
          {"views", rect_json(lr.views, sc)},
          {"scheme", rect_json(lr.scheme, sc)},
          {"cut_headers", lr.cut_headers},
          {"cut_texts", lr.cut_texts},
          {"map_labels", labels}};
}

}  // namespace

nlohmann::json dump_state(App& app) {
  const AppState& st = app.state();
  json j;
  j["file"] = st.model ? json(st.model->path) : json(nullptr);
  j["tensor"] = st.model && st.tensor >= 0 ? json(st.model->tensors[size_t(st.tensor)].name) : json(nullptr);
  j["selected"] = st.selected;
  j["view"] = {{"name", view_name(st.active_view)}, {"lo", st.view.lo}, {"hi", st.view.hi}};
  j["clip"] = {{"shown", st.clip.show}, {"lo", st.clip.lo}, {"hi", st.clip.hi}};
  json list = json::array();
  for (const auto& e : st.schemes) {
    json s;
    s["spec"] = print_spec(e.scheme);
    s["scheme"] = scheme_to_json(e.scheme);
    s["metrics"] = e.metrics ? metrics_to_json(*e.metrics) : json(nullptr);
    if (!e.error.empty()) s["error"] = e.error;
    list.push_back(s);
  }
  j["schemes"] = list;
  if (st.result && st.result_tensor == st.tensor) {
    const GroupSummary& g = st.result->group;
    j["group"] = {{"index", g.index}, {"count", g.count}, {"min", number_to_json(g.min)},
                  {"max", number_to_json(g.max)}, {"scale", number_to_json(g.params.scale)},
                  {"zero_point", number_to_json(g.params.zero_point)}, {"levels", st.result->levels.size()}};
    uint64_t total = 0;
    for (auto c : st.result->hist_x.counts) total += c;
    j["histogram"] = {{"bins", st.result->hist_x.counts.size()}, {"lo", st.result->hist_x.spec.lo},
                      {"hi", st.result->hist_x.spec.hi}, {"count", total}};
    // The x̂ overlay: a stem per level (one group) or bins. Stems are checked against the
    // shown group's levels: each on a level, no level twice.
    const QuantizeResult& q = st.result->q;
    json dq = {{"mode", q.has_dequant_values ? "stems" : "bins"}};
    if (q.has_dequant_values) {
      uint64_t n = 0;
      size_t on_levels = 0;
      for (size_t i = 0; i < q.dequant_values.size(); ++i) {
        n += q.dequant_counts[i];
        on_levels += std::binary_search(st.result->levels.begin(), st.result->levels.end(), q.dequant_values[i]);
      }
      json values = json::array();
      for (float v : q.dequant_values) values.push_back(v);
      dq["stems"] = q.dequant_values.size();
      dq["count"] = n;
      dq["on_levels"] = on_levels;
      dq["values"] = values;
      dq["counts"] = q.dequant_counts;
    }
    j["dequant"] = dq;
  }
  j["notices"] = st.notices;
  if (st.result && !st.result->hist_error.counts.empty()) {
    uint64_t inside = 0;
    for (uint64_t c : st.result->hist_error.counts) inside += c;
    j["error"] = {{"step", st.result->step}, {"bins", st.result->hist_error.counts.size()},
                  {"lo", st.result->hist_error.spec.lo}, {"hi", st.result->hist_error.spec.hi},
                  {"count", inside}};
  }
  j["theme"] = st.dark ? "dark" : "light";
  if (st.sweeps) {
    auto pts = [](const SweepResult& r) {
      json a = json::array();
      for (const SweepPoint& p : r.points)
        a.push_back({{"x", p.x}, {"spec", p.spec}, {"sqnr_db", number_to_json(p.sqnr_db.value_or(NAN))}});
      return a;
    };
    json markers = json::array();
    for (const ClipMarker& m : st.sweeps->clip.markers) markers.push_back({{"name", m.name}, {"threshold", m.threshold}});
    j["sweeps"] = {{"bits", pts(st.sweeps->bits)}, {"clip", pts(st.sweeps->clip)}, {"block", pts(st.sweeps->block)},
                   {"map", pts(st.sweeps->map)}, {"front", st.sweeps->front}, {"markers", markers}};
  }
  j["what_if"] = st.whatif ? json(st.whatif->describe()) : json(nullptr);
  if (st.heatmap) {
    const Heatmap& h = *st.heatmap;
    j["heatmap"] = {{"w", h.w}, {"h", h.h}, {"lo", h.lo}, {"hi", h.hi}, {"rows", {h.r0, h.r1}}, {"cols", {h.c0, h.c1}}};
  }
  if (st.ranges) {
    json top = json::array();
    for (const auto& [g, ratio] : top_outlier_groups(st.ranges->groups, 10)) top.push_back({g, ratio});
    j["ranges"] = {{"groups", st.ranges->groups.size()}, {"top", top}};
  }
  j["formats"] = {{"format", std::string(numeric::traits(numeric::kAllFloatFormats[size_t(st.fmt_index)]).name)},
                  {"value", st.fmt_value}, {"code", st.fmt_code}, {"log_axis", st.fmt_log_axis}};
  if (st.log_abs_hist) {
    uint64_t n = 0;
    for (uint64_t c : st.log_abs_hist->counts) n += c;
    j["formats"]["log_hist"] = {{"lo", st.log_abs_hist->spec.lo}, {"hi", st.log_abs_hist->spec.hi}, {"count", n}};
  }
  {
    json hists = json::array();
    for (const Histogram& h : st.compare_error_hists) {
      uint64_t n = 0;
      for (uint64_t c : h.counts) n += c;
      hists.push_back({{"lo", h.spec.lo}, {"hi", h.spec.hi}, {"bins", h.counts.size()}, {"count", n}});
    }
    j["compare"] = {{"budget", st.compare_budget}, {"best", best_within(st.schemes, st.compare_budget)},
                    {"error_hists", hists}};
  }
  if (st.stored && st.stored_tensor == st.tensor) {
    const StoredQuant& q = *st.stored;
    j["stored"] = {{"type", std::string(dtype_name(q.type))},
                   {"sub_blocks", q.sub_blocks()},
                   {"codes_used", q.codes_used()},
                   {"sub_block", st.stored_sub_block},
                   {"code_min", q.code_min},
                   {"code_max", q.code_max},
                   {"affine_scale", q.affine_scale},
                   {"affine_min", q.affine_min},
                   {"scale", q.sub_blocks() > 0 ? q.scale[size_t(std::clamp<int64_t>(st.stored_sub_block, 0, q.sub_blocks() - 1))] : 0.0f}};
  }
  {
    json model = {{"busy", app.model_busy()}, {"regex", st.model_regex}, {"run", nullptr}, {"note", st.model_note}};
    if (const auto& run = st.model_run) {
      const ModelAnalysis& a = run->analysis;
      json specs = json::array(), totals = json::array(), order = json::array(), flagged = json::array();
      for (size_t k = 0; k < run->schemes.size(); ++k) {
        specs.push_back(print_spec(run->schemes[k]));
        const SchemeTotal& t = a.totals[k];
        totals.push_back({{"spec", print_spec(run->schemes[k])}, {"metrics", metrics_to_json(t.metrics)},
                          {"bytes", t.bytes()}, {"tensors", t.tensors}});
      }
      for (int row : st.model_order) order.push_back(run->model->tensors[a.tensors[size_t(row)].index].name);
      for (const auto& w : st.model_worst) {
        json names = json::array();
        for (size_t row : w) names.push_back(run->model->tensors[a.tensors[row].index].name);
        flagged.push_back(names);
      }
      model["run"] = {{"schemes", specs},       {"regex", run->regex},   {"cancelled", a.cancelled},
                      {"tensors", a.tensors.size()}, {"totals", totals}, {"order", order},
                      {"flagged", flagged},     {"current", app.model_run_current()},
                      {"sort", {{"column", st.model_sort_col}, {"descending", st.model_sort_desc}}},
                      {"metric", st.model_metric}};
      model["layer_grid"] = st.model_layer_grid && st.model_grid_run == run.get()
                                ? layer_grid_json(*st.model_layer_grid, *run->model, a, run->schemes.size())
                                : json(nullptr);
      model["grid"] = {{"on", st.model_grid}, {"scheme", st.model_grid_scheme}};
      if (st.plan && st.plan->choice.size() == a.tensors.size()) {
        json choice = json::object();
        for (size_t i = 0; i < a.tensors.size(); ++i)
          choice[run->model->tensors[a.tensors[i].index].name] = print_spec(run->schemes[size_t(st.plan->choice[i])]);
        model["plan"] = {{"bits", st.plan_bits},
                         {"objective", st.plan_objective == 0 ? "pooled" : "worst"},
                         {"bits_per_weight", st.plan->bits_per_weight},
                         {"pooled_sqnr_db", number_to_json(st.plan->pooled_sqnr_db)},
                         {"worst_sqnr_db", number_to_json(st.plan->worst_sqnr_db)},
                         {"choice", choice}};
      } else {
        model["plan"] = nullptr;
        model["plan_error"] = st.plan_error;
      }
    }
    j["model"] = model;
    j["export"] = {{"result", st.export_result}, {"dialog", st.show_export}, {"running", app.exporting()}};
  }
  {
    const AbsmaxStep ab = absmax_walkthrough(st.learn_vector_good, st.learn_bits, st.learn_full_negative);
    const MinmaxStep mm = minmax_walkthrough(st.learn_vector_good, st.learn_bits);
    j["learn"] = {{"page", st.learn_page},
                  {"vector", st.learn_vector_good},
                  {"bits", st.learn_bits},
                  {"absmax", {{"scale", ab.scale}, {"codes", ab.codes}, {"clipped", ab.clipped}}},
                  {"minmax", {{"scale", mm.scale}, {"zero_point", mm.zero_point}, {"codes", mm.codes}}}};
    json lesson9 = json::array();
    for (const OutlierLessonRow& r :
         outlier_lesson(st.learn_out_keep, std::round(double(st.learn_out_alpha) * 100) / 100, st.learn_out_rank))
      lesson9.push_back({{"name", r.name}, {"spec", r.spec}, {"error", r.error}, {"sqnr_db", number_to_json(r.sqnr_db)},
                         {"bits_per_weight", number_to_json(r.bits_per_weight)},
                         {"excess_kurtosis", number_to_json(r.excess_kurtosis)},
                         {"absmax_over_sigma", number_to_json(r.absmax_over_sigma)}});
    j["learn"]["outliers"] = lesson9;
  }
  j["outliers"] = dump_outliers(app);
  j["log_y"] = st.log_y;
  j["windows"] = {{"file_browser", st.show_file_browser}, {"help", st.show_help}};
  j["recent"] = st.recent;
  // The files loaded at start-up (an installed copy must find them: tests/install).
  j["assets"] = {{"icons", app.platform().icon_paths()},
                 {"font", app.platform().font_path().empty() ? json(nullptr) : json(app.platform().font_path())}};
  // Where things are on screen (framebuffer pixels), so tests can look at the right place.
  const float sc = ImGui::GetIO().DisplayFramebufferScale.x;
  j["plot_rect"] = {st.plot_min.x * sc, st.plot_min.y * sc, st.plot_max.x * sc, st.plot_max.y * sc};
  j["layout"] = dump_layout(st, sc);
  return j;
}

}  // namespace qs::app
