#include "app/gui/actions/actions.h"

#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include <imgui.h>

#include "analysis/base/atomic_file.h"
#include "analysis/quant/metrics.h"
#include "analysis/numeric/float_formats.h"
#include "analysis/quant/scheme.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/platform.h"

namespace qs::app {
namespace {

using nlohmann::json;

enum class Want { String, Number, Int, Bool, StringList };

// [SECTION] The schema: each action's required keys and their types.
const std::map<std::string, std::vector<std::pair<const char*, Want>>>& schema() {
  static const std::map<std::string, std::vector<std::pair<const char*, Want>>> s = {
      {"open", {{"path", Want::String}}},
      {"tensor", {{"name", Want::String}}},
      {"scheme", {{"spec", Want::String}}},
      {"schemes", {{"specs", Want::StringList}}},
      {"add_scheme", {{"spec", Want::String}}},
      {"select_scheme", {{"index", Want::Int}}},
      {"clip", {{"lo", Want::Number}, {"hi", Want::Number}}},
      {"drag_clip", {{"handle", Want::String}, {"to", Want::Number}}},
      {"hover", {{"value", Want::Number}}},
      {"view", {{"lo", Want::Number}, {"hi", Want::Number}}},
      {"log_y", {{"on", Want::Bool}}},
      {"bins", {{"n", Want::Int}}},
      {"theme", {{"name", Want::String}}},
      {"select_view", {{"name", Want::String}}},
      {"wait", {}},
      {"frames", {{"n", Want::Int}}},
      {"screenshot", {{"path", Want::String}}},
      {"dump_state", {{"path", Want::String}}},
      {"key", {{"name", Want::String}}},
      {"budget", {{"bits", Want::Number}}},
      {"stored_sub_block", {{"index", Want::Int}}},
      {"formats_log_axis", {{"on", Want::Bool}}},
      {"what_if", {{"kind", Want::String}, {"index", Want::Int}, {"value", Want::Number}}},
      {"reset_what_if", {}},
      {"plot_menu", {{"item", Want::String}, {"path", Want::String}}},
      {"model_regex", {{"regex", Want::String}}},
      {"analyze_model", {}},
      {"cancel_model", {}},
      {"model_sort", {{"column", Want::String}}},
      {"model_metric", {{"name", Want::String}}},
      {"model_grid", {{"on", Want::Bool}, {"scheme", Want::Int}}},
      {"click_model_row", {{"row", Want::Int}}},
      {"plan", {{"bits", Want::Number}}},
      {"export_plan", {{"path", Want::String}}},
      {"export_report", {{"path", Want::String}}},
      {"learn_page", {{"index", Want::Int}}},
      {"learn_try", {}},
      {"learn_vector", {{"text", Want::String}}},
      {"outliers_set", {}},
      {"outliers_row", {{"row", Want::String}}},
      {"outliers_pick", {{"row", Want::String}}},
      {"quit", {}},
  };
  return s;
}

bool has_type(const json& v, Want w) {
  switch (w) {
    case Want::String: return v.is_string();
    case Want::Number: return v.is_number();
    case Want::Int: return v.is_number_integer();
    case Want::Bool: return v.is_boolean();
    case Want::StringList:
      if (!v.is_array()) return false;
      for (const auto& e : v)
        if (!e.is_string()) return false;
      return true;
  }
  return false;
}

const char* type_name(Want w) {
  switch (w) {
    case Want::String: return "a string";
    case Want::Number: return "a number";
    case Want::Int: return "an integer";
    case Want::Bool: return "true or false";
    case Want::StringList: return "a list of strings";
  }
  return "";
}

// Key names of the "key" action → (GLFW key code, with Ctrl). The GLFW backend fills
// io.KeysDown by GLFW key code; the app reads them through ImGui::GetKeyIndex / chars.
std::pair<int, bool> key_code(const std::string& name) {
  static const std::map<std::string, std::pair<int, bool>> keys = {
      {"up", {265, false}},   {"down", {264, false}},  {"escape", {256, false}}, {"f1", {290, false}},
      {"ctrl+o", {'O', true}}, {"ctrl+l", {'L', true}}, {"ctrl+q", {'Q', true}}, {"ctrl+e", {'E', true}}};
  auto it = keys.find(name);
  return it == keys.end() ? std::pair<int, bool>{0, false} : it->second;
}

Error action_error(const std::string& origin, size_t i, const std::string& what) {
  return Error{origin + ": action " + std::to_string(i) + ": " + what};
}

// model_sort's column names → the Model view's column ids (model_view.cpp); -1 file order,
// -2 unknown. scheme:N is 1-based, as the table's headers number them.
int model_column(const std::string& name) {
  static const std::map<std::string, int> fixed = {{"file", -1},   {"tensor", 0},   {"shape", 1},
                                                  {"numel", 2},   {"outlier", 3},  {"kurtosis", 4}};
  if (auto it = fixed.find(name); it != fixed.end()) return it->second;
  if (name.rfind("scheme:", 0) == 0) {
    const std::string n = name.substr(7);
    if (!n.empty() && n.size() < 3 && std::all_of(n.begin(), n.end(), ::isdigit) && std::stoi(n) >= 1)
      return 4 + std::stoi(n);
  }
  if (name == "plan") return 1000;  // resolved against the run's scheme count when applied
  return -2;
}

int metric_index(const std::string& name) {
  static const std::map<std::string, int> m = {{"sqnr", 0}, {"mse", 1}, {"max_error", 2}, {"clipped", 3}, {"bits", 4}};
  auto it = m.find(name);
  return it == m.end() ? -1 : it->second;
}

// outliers_set's "plot": the plot shown where only one fits (0 x′'s histogram, 1–3 vs k, r, α).
int outliers_plot_index(const json& v) {
  static const char* const names[] = {"histogram", "k", "r", "alpha"};
  for (int i = 0; i < 4; ++i)
    if (v.is_string() && v.get<std::string>() == names[i]) return i;
  return -1;
}

// outliers_set's optional keys: "base" (a generic spec without a transform), "keep" and
// "rank" (integers ≥ 1), "alpha" (in [0, 1]), "act" (the activation maxima: "auto" or a
// tensor name; the app's choice, as the scheme panel's).
std::string check_outliers_set(const json& a) {
  if (a.contains("base")) {
    if (!a["base"].is_string()) return "\"base\" must be a spec string";
    auto s = parse_spec(a["base"].get<std::string>());
    if (!s) return s.error().message;
    if (auto ok = check_outlier_base(*s); !ok) return ok.error().message;
  }
  for (const char* k : {"keep", "rank"})
    if (a.contains(k) && !(a[k].is_number_integer() && a[k].get<int64_t>() >= 1))
      return std::string("\"") + k + "\" must be an integer >= 1";
  if (a.contains("alpha") && !(a["alpha"].is_number() && a["alpha"].get<double>() >= 0 && a["alpha"].get<double>() <= 1))
    return "\"alpha\" must be a number in [0, 1]";
  if (a.contains("act") && !a["act"].is_string()) return "\"act\" must be \"auto\" or a tensor name";
  if (a.contains("plot") && outliers_plot_index(a["plot"]) < 0)
    return "\"plot\" must be \"histogram\", \"k\", \"r\" or \"alpha\"";
  return "";
}

float value_to_px(const AppState& st, double v) {
  const double t = (v - st.view.lo) / (st.view.hi - st.view.lo);
  return float(st.plot_min.x + t * (st.plot_max.x - st.plot_min.x));
}

}  // namespace

// [SECTION] Loading.
Result<ActionScript> ActionScript::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error(path + ": cannot read the actions file");
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse(ss.str(), path);
}

Result<ActionScript> ActionScript::parse(const std::string& text, const std::string& origin) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return make_error(origin + ": not valid JSON");
  if (!j.is_array()) return make_error(origin + ": expected a JSON array of actions");
  ActionScript s;
  s.origin_ = origin;
  for (size_t i = 0; i < j.size(); ++i) {
    const json& a = j[i];
    if (!a.is_object() || !a.contains("action") || !a["action"].is_string())
      return tl::unexpected(action_error(origin, i, "expected an object with an \"action\" string"));
    const std::string name = a["action"];
    auto it = schema().find(name);
    if (it == schema().end()) {
      std::string known;
      for (const auto& [k, v] : schema()) known += (known.empty() ? "" : ", ") + k;
      return tl::unexpected(action_error(origin, i, "unknown action '" + name + "' (known: " + known + ")"));
    }
    for (const auto& [key, want] : it->second) {
      if (!a.contains(key) || !has_type(a[key], want))
        return tl::unexpected(
            action_error(origin, i, "'" + name + "' needs \"" + key + "\" as " + type_name(want)));
    }
    if (name == "drag_clip") {
      const std::string h = a["handle"];
      if (h != "lo" && h != "hi") return tl::unexpected(action_error(origin, i, "\"handle\" must be \"lo\" or \"hi\""));
      if (a.contains("steps") && (!a["steps"].is_number_integer() || a["steps"].get<int>() < 1))
        return tl::unexpected(action_error(origin, i, "\"steps\" must be an integer ≥ 1"));
    }
    if (name == "key" && !key_code(a["name"].get<std::string>()).first)
      return tl::unexpected(action_error(origin, i, "unknown key '" + a["name"].get<std::string>() +
                                                         "' (known: up, down, escape, f1, ctrl+o, ctrl+e, ctrl+l, ctrl+q)"));
    if (name == "what_if" && a["kind"] != "set_element" && a["kind"] != "scale_row")
      return tl::unexpected(action_error(origin, i, "\"kind\" must be \"set_element\" or \"scale_row\""));
    if (name == "plot_menu" && a["item"] != "save" && a["item"] != "csv")
      return tl::unexpected(action_error(origin, i, "\"item\" must be \"save\" or \"csv\""));
    if (name == "theme" && a["name"] != "dark" && a["name"] != "light")
      return tl::unexpected(action_error(origin, i, "\"name\" must be \"dark\" or \"light\""));
    if (name == "select_view" && !view_from_name(a["name"].get<std::string>()))
      return tl::unexpected(action_error(origin, i, "unknown view '" + a["name"].get<std::string>() +
                                                         "' (available: " + available_views() + ")"));
    if (name == "model_sort" && model_column(a["column"].get<std::string>()) == -2)
      return tl::unexpected(action_error(origin, i, "unknown column '" + a["column"].get<std::string>() +
                                                         "' (known: file, tensor, shape, numel, outlier, kurtosis, "
                                                         "scheme:N, plan)"));
    if (name == "model_metric" && metric_index(a["name"].get<std::string>()) < 0)
      return tl::unexpected(action_error(origin, i, "unknown metric (known: sqnr, mse, max_error, clipped, bits)"));
    if (name == "plan" && a.contains("objective") && a["objective"] != "pooled" && a["objective"] != "worst")
      return tl::unexpected(action_error(origin, i, "\"objective\" must be \"pooled\" or \"worst\""));
    if (name == "plan" && a.contains("candidates")) {
      const json& c = a["candidates"];
      bool ok = c.is_array();
      if (ok)
        for (const auto& e : c) ok = ok && e.is_number_integer() && e.get<int>() >= 1;
      if (!ok) return tl::unexpected(action_error(origin, i, "\"candidates\" must be a list of scheme numbers (from 1)"));
    }
    if (name == "outliers_set") {
      if (std::string e = check_outliers_set(a); !e.empty()) return tl::unexpected(action_error(origin, i, e));
    }
    if ((name == "outliers_row" || name == "outliers_pick") && !outlier_method_from_key(a["row"].get<std::string>()))
      return tl::unexpected(action_error(origin, i, "unknown row '" + a["row"].get<std::string>() +
                                                         "' (known: none, clip, keep, rot, rot_signs, smooth, lowrank, hqq)"));
    if (name == "scheme" || name == "add_scheme") {
      auto sp = parse_spec(a["spec"].get<std::string>());
      if (!sp) return tl::unexpected(action_error(origin, i, sp.error().message));
    }
    s.actions_.push_back(a);
  }
  return s;
}

// [SECTION] Running.
bool ActionScript::run_instant(App& app, const json& a) {
  AppState& st = app.state();
  const std::string name = a["action"];
  if (name == "open") {
    // "expect_error": true scripts the failure path: the open must fail (and show a notice).
    if (app.open(a["path"]) == a.value("expect_error", false)) exit_code_ = 1;
  } else if (name == "tensor") {
    if (!app.select_tensor_by_name(a["name"])) exit_code_ = 1;
  } else if (name == "scheme") {
    if (!app.apply_scheme(*parse_spec(a["spec"].get<std::string>()))) {
      st.notices.push_back(st.schemes.empty() ? "no scheme" : st.schemes[size_t(st.selected)].error);
      exit_code_ = 1;
    }
  } else if (name == "schemes") {
    if (!app.set_schemes(a["specs"].get<std::vector<std::string>>())) exit_code_ = 1;
  } else if (name == "add_scheme") {
    if (!app.add_scheme(*parse_spec(a["spec"].get<std::string>()))) exit_code_ = 1;
  } else if (name == "select_scheme") {
    const int i = a["index"];
    if (i < 0 || i >= int(st.schemes.size())) {
      st.notices.push_back("select_scheme: no scheme " + std::to_string(i));
      exit_code_ = 1;
    } else {
      app.select_scheme(i);
    }
  } else if (name == "clip") {
    app.set_clip_range(a["lo"], a["hi"], false);
  } else if (name == "view") {
    app.set_view(a["lo"], a["hi"]);
  } else if (name == "log_y") {
    st.log_y = a["on"];
  } else if (name == "bins") {
    st.bins = std::clamp(a["n"].get<int>(), 16, 1024);
    app.post_explore(false);
  } else if (name == "theme") {
    app.set_dark(a["name"] == "dark");
  } else if (name == "select_view") {
    st.active_view = *view_from_name(a["name"].get<std::string>());
    st.view_tab_pending = true;
    app.post_explore(false);
  } else if (name == "hover") {
    hover_value_ = a["value"].get<double>();
    hovering_ = true;
  } else if (name == "wait") {
    waiting_ = true;
    settled_frames_ = 0;
    return false;
  } else if (name == "frames") {
    frames_left_ = std::max(0, a["n"].get<int>());
    return false;
  } else if (name == "screenshot") {
    pending_screenshot_ = a["path"];
    return false;
  } else if (name == "dump_state") {
    const std::string text = dump_state(app).dump(2) + "\n";
    auto r = write_file_atomic(a["path"].get<std::string>(), std::as_bytes(std::span<const char>(text)));
    if (!r) {
      std::fprintf(stderr, "quantscope: %s\n", r.error().message.c_str());
      exit_code_ = 1;
    }
  } else if (name == "drag_clip") {
    if (!st.clip.show || !(st.plot_max.x > st.plot_min.x)) {
      std::fprintf(stderr, "quantscope: %s: drag_clip: no clip handles on screen (add a \"wait\" first)\n",
                   origin_.c_str());
      exit_code_ = 1;
      return true;
    }
    const double from = a["handle"] == "lo" ? st.clip.lo : st.clip.hi;
    if (!(from >= st.view.lo && from <= st.view.hi)) {
      std::fprintf(stderr,
                   "quantscope: %s: drag_clip: the %s handle (%g) is outside the visible range [%g, %g]; "
                   "add a \"view\" action that shows it\n",
                   origin_.c_str(), a["handle"].get<std::string>().c_str(), from, st.view.lo, st.view.hi);
      exit_code_ = 1;
      return true;
    }
    drag_active_ = true;
    drag_step_ = 0;
    drag_steps_ = a.value("steps", 10);
    drag_from_ = a["handle"] == "lo" ? st.clip.lo : st.clip.hi;
    drag_to_ = a["to"];
    return false;
  } else if (name == "what_if") {
    st.whatif = WhatIf{a["kind"] == "set_element" ? WhatIf::Kind::SetElement : WhatIf::Kind::ScaleRow,
                       a["index"].get<int64_t>(), a["value"].get<float>()};
    app.post_explore(true);
  } else if (name == "reset_what_if") {
    st.whatif.reset();
    app.post_explore(true);
  } else if (name == "plot_menu") {
    st.scripted_menu = AppState::ScriptedMenu{a["item"].get<std::string>(), a["path"].get<std::string>()};
    frames_left_ = 4;  // drawn next frame; a PNG is read two frames after that
    return false;
  } else if (name == "formats_log_axis") {
    st.fmt_log_axis = a["on"];
    app.post_explore(false);
  } else if (name == "budget") {
    st.compare_budget = a["bits"].get<double>();
  } else if (name == "stored_sub_block") {
    st.stored_sub_block = a["index"].get<int64_t>();
  } else if (name == "key") {
    pressed_key_ = key_code(a["name"].get<std::string>());
    key_frames_ = 2;  // down for one frame, up the next
    return false;
  } else if (name == "model_regex") {
    st.model_regex = a["regex"].get<std::string>();
  } else if (name == "analyze_model") {
    if (!app.analyze_model_now()) exit_code_ = 1;
  } else if (name == "cancel_model") {
    app.cancel_model();
  } else if (name == "model_sort") {
    int col = model_column(a["column"].get<std::string>());
    if (col == 1000) col = st.model_run ? 5 + int(st.model_run->schemes.size()) : -1;
    st.model_sort_col = col;
    st.model_sort_desc = a.value("descending", false);
    st.model_sort_scripted = true;
  } else if (name == "model_metric") {
    st.model_metric = metric_index(a["name"].get<std::string>());
  } else if (name == "model_grid") {  // the layer × module grid instead of the table (when the run has one)
    st.model_grid = a["on"].get<bool>();
    st.model_grid_scheme = a["scheme"].get<int>();
  } else if (name == "click_model_row") {
    const int row = a["row"];
    if (row < 0 || row >= int(st.model_row_rects.size()) ||
        !(st.model_row_rects[size_t(row)].second.y > st.model_row_rects[size_t(row)].first.y)) {
      std::fprintf(stderr, "quantscope: %s: click_model_row: row %d is not on screen (%zu rows; add a \"wait\")\n",
                   origin_.c_str(), row, st.model_row_rects.size());
      exit_code_ = 1;
      return true;
    }
    const auto& [mn, mx] = st.model_row_rects[size_t(row)];
    click_x_ = mn.x + 0.5f * (mx.x - mn.x);
    click_y_ = 0.5f * (mn.y + mx.y);
    click_frames_ = 3;
    return false;
  } else if (name == "plan") {
    st.plan_bits = a["bits"].get<double>();
    st.plan_objective = a.value("objective", "pooled") == "pooled" ? 0 : 1;
    if (a.contains("candidates") && st.model_run) {
      st.plan_candidates.assign(st.model_run->schemes.size(), 0);
      for (int k : a["candidates"].get<std::vector<int>>())
        if (k >= 1 && k <= int(st.plan_candidates.size())) st.plan_candidates[size_t(k - 1)] = 1;
    }
    app.update_plan();
  } else if (name == "export_plan") {
    app.update_plan();
    auto r = app.export_plan(a["path"].get<std::string>());
    if (!r) {
      std::fprintf(stderr, "quantscope: %s\n", r.error().message.c_str());
      exit_code_ = 1;
    }
  } else if (name == "export_report") {
    app.start_export(a["path"].get<std::string>());
    if (!app.exporting()) exit_code_ = 1;
    waiting_ = true;
    settled_frames_ = 0;
    return false;
  } else if (name == "learn_page") {
    st.active_view = View::Learn;
    st.view_tab_pending = true;
    st.learn_page = std::clamp(a["index"].get<int>(), 0, kLessonCount - 1);
  } else if (name == "learn_try") {
    st.learn_try_pending = true;
  } else if (name == "learn_vector") {
    st.learn_vector_text = a["text"].get<std::string>();
  } else if (name == "outliers_set") {
    OutlierLabSettings& o = st.outliers_settings;
    if (a.contains("base")) {
      o.base = *parse_spec(a["base"].get<std::string>());
      st.outliers_base_text = print_spec(o.base);
      st.outliers_base_error.clear();
    }
    if (a.contains("keep")) o.keep = a["keep"].get<int64_t>();
    if (a.contains("rank")) o.rank = a["rank"].get<int64_t>();
    if (a.contains("alpha")) o.alpha = a["alpha"].get<double>();
    if (a.contains("plot")) st.outliers_plot = outliers_plot_index(a["plot"]);
    if (a.contains("act")) {
      const std::string act = a["act"];
      const TensorView* t = st.model ? st.model->find(act) : nullptr;
      if (act == "auto") app.set_act_max_tensor(-1);
      else if (t) app.set_act_max_tensor(int(t - st.model->tensors.data()));
      else {
        std::fprintf(stderr, "quantscope: %s: outliers_set: no tensor named '%s'\n", origin_.c_str(), act.c_str());
        exit_code_ = 1;
      }
    }
  } else if (name == "outliers_row") {
    st.outliers_row = int(*outlier_method_from_key(a["row"].get<std::string>()));
  } else if (name == "outliers_pick") {
    if (!app.pick_outlier_row(*outlier_method_from_key(a["row"].get<std::string>()))) {
      std::fprintf(stderr, "quantscope: %s: outliers_pick: %s\n", origin_.c_str(), st.status.c_str());
      exit_code_ = 1;
    }
  } else if (name == "quit") {
    next_ = actions_.size();
    app.request_quit();
  }
  return true;
}

// One frame of a drag: hover the handle, press, move in `steps` frames, release.
bool ActionScript::drag_step(App& app) {
  AppState& st = app.state();
  ImGuiIO& io = ImGui::GetIO();
  const float y = 0.5f * (st.plot_min.y + st.plot_max.y);
  const int s = drag_step_++;
  double v = drag_from_;
  if (s >= 2) v = drag_from_ + (drag_to_ - drag_from_) * std::min(1.0, double(s - 1) / drag_steps_);
  io.MousePos = ImVec2(value_to_px(st, v), y);
  io.MouseDown[0] = s >= 1 && s < drag_steps_ + 2;
  return s >= drag_steps_ + 2;
}

void ActionScript::before_frame(App& app) {
  ImGuiIO& io = ImGui::GetIO();
  // Scripted runs ignore the real pointer: a cursor resting over the plot would put a
  // tooltip into every screenshot.
  io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  io.MouseDown[0] = false;
  io.MouseWheel = 0;
  if (hovering_) {
    const AppState& st = app.state();
    io.MousePos = ImVec2(value_to_px(st, hover_value_), 0.5f * (st.plot_min.y + st.plot_max.y));
  }
  if (drag_active_) {
    if (drag_step(app)) drag_active_ = false;
    return;
  }
  if (click_frames_ > 0) {
    // Hover one frame, press the next, release on the third (ImGui acts on release).
    io.MousePos = ImVec2(click_x_, click_y_);
    io.MouseDown[0] = click_frames_ == 2;
    --click_frames_;
    return;
  }
  if (key_frames_ > 0) {
    const bool down = key_frames_ == 2;
    io.KeysDown[pressed_key_.first] = down;
    io.KeyCtrl = down && pressed_key_.second;
    --key_frames_;
    return;
  }
  if (!pending_screenshot_.empty()) return;
  if (frames_left_ > 0) {
    --frames_left_;
    return;
  }
  if (waiting_) {
    // Settled for two frames: the result has been taken and drawn at least once.
    settled_frames_ = app.idle() ? settled_frames_ + 1 : 0;
    if (settled_frames_ < 2) return;
    waiting_ = false;
  }
  while (next_ < actions_.size()) {
    const json& a = actions_[next_++];
    if (a["action"] != "hover" && a["action"] != "screenshot" && a["action"] != "wait" && a["action"] != "frames")
      hovering_ = false;
    if (!run_instant(app, a)) break;
  }
}

void ActionScript::after_render(App& app, Platform& platform) {
  (void)app;
  if (pending_screenshot_.empty()) return;
  auto r = platform.save_png(pending_screenshot_);
  if (!r) {
    std::fprintf(stderr, "quantscope: %s\n", r.error().message.c_str());
    exit_code_ = 1;
  } else {
    std::printf("wrote %s\n", pending_screenshot_.c_str());
  }
  pending_screenshot_.clear();
}

}  // namespace qs::app
