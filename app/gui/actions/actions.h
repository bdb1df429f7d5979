#pragma once
// Scripted UI actions (`quantscope --actions FILE.json`), applied between frames so tests
// and people can replay an interaction end to end: open, select, set schemes, drag a clip
// handle with injected mouse input, wait for the jobs, take screenshots, dump the state.
//
// The file is a JSON array of objects, each with an "action" key:
//   {"action": "open", "path": "model.safetensors"}          ("expect_error": true: must fail)
//   {"action": "tensor", "name": "gaussian"}
//   {"action": "scheme", "spec": "absmax:bits=4"}          selected scheme ← spec
//   {"action": "schemes", "specs": ["absmax", "fp8_e4m3"]} the whole compare list
//   {"action": "add_scheme", "spec": "nf4"}
//   {"action": "select_scheme", "index": 1}
//   {"action": "clip", "lo": -0.05, "hi": 0.05}            as if typed in the panel
//   {"action": "drag_clip", "handle": "hi", "to": 0.04, "steps": 12}  with the mouse
//   {"action": "view", "lo": -0.1, "hi": 0.1}
//   {"action": "log_y", "on": true}   {"action": "bins", "n": 128}
//   {"action": "theme", "name": "light"}   {"action": "select_view", "name": "distribution"}
//   {"action": "wait"}            until every job has finished and its result is drawn
//   {"action": "frames", "n": 10}
//   {"action": "screenshot", "path": "out.png"}
//   {"action": "dump_state", "path": "state.json"}   selection + metrics of every scheme
//   {"action": "key", "name": "down"}   up, down, escape, f1, ctrl+o, ctrl+l, ctrl+q
//   {"action": "budget", "bits": 4.5}    the Compare view's bits/weight budget
//   {"action": "plot_menu", "item": "save"|"csv", "path": "p"}  the first plot's menu item
//   {"action": "what_if", "kind": "set_element"|"scale_row", "index": 7, "value": 5.0}
//   {"action": "reset_what_if"}
//   {"action": "formats_log_axis", "on": true}
//   {"action": "model_regex", "regex": "attn"}   the Model view's tensor selection
//   {"action": "analyze_model"}   {"action": "cancel_model"}
//   {"action": "model_sort", "column": "tensor"|"shape"|"numel"|"outlier"|"kurtosis"|"scheme:N"|"plan"|"file",
//    "descending": false}          as if the header was clicked (scheme:N counts from 1)
//   {"action": "model_metric", "name": "sqnr"|"mse"|"max_error"|"clipped"|"bits"}
//   {"action": "click_model_row", "row": 0}   a mouse click on a displayed row of the table
//   {"action": "plan", "bits": 4.5, "objective": "pooled"|"worst", "candidates": [1, 3]}
//   {"action": "export_plan", "path": "budget.json"}
//   {"action": "export_report", "path": "dir"}   Export report… into dir, then waits for it
//   {"action": "learn_page", "index": 8}   {"action": "learn_try"}   {"action": "learn_vector", "text": "1, 2"}
//   {"action": "outliers_set", "base": "absmax:bits=4,gran=channel,axis=0", "keep": 8, "rank": 8,
//    "alpha": 0.5, "act": "auto"|"TENSOR", "plot": "histogram"|"k"|"r"|"alpha"}
//                                               the Outliers view's knobs (each key optional;
//                                               plot: the one shown where only one fits)
//   {"action": "outliers_row", "row": "rot"}    the row whose x′ is shown (none, clip, keep, rot,
//                                               rot_signs, smooth, lowrank, hqq)
//   {"action": "outliers_pick", "row": "rot"}   that row's spec into the compare list (after a wait)
//   {"action": "quit"}
// Every action is validated when the file is loaded, so a typo fails before any window
// opens, with the action's index and key in the message.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/base/error.h"

namespace qs::app {

class App;
class Platform;

class ActionScript {
 public:
  static Result<ActionScript> load(const std::string& path);
  static Result<ActionScript> parse(const std::string& text, const std::string& origin);

  // Between the backends' NewFrame and ImGui::NewFrame: runs instant actions and injects
  // the mouse for a drag in progress.
  void before_frame(App& app);
  // After rendering, before the buffers swap: screenshots read the finished frame.
  void after_render(App& app, Platform& platform);
  bool finished() const { return next_ >= actions_.size() && !drag_active_; }
  int exit_code() const { return exit_code_; }

 private:
  bool run_instant(App& app, const nlohmann::json& a);  // false: this action spans frames
  bool drag_step(App& app);                             // true when the drag is over

  std::vector<nlohmann::json> actions_;
  std::string origin_;
  size_t next_ = 0;
  int frames_left_ = 0;
  int settled_frames_ = 0;
  bool waiting_ = false;
  bool drag_active_ = false;
  int drag_step_ = 0, drag_steps_ = 0;
  double drag_from_ = 0, drag_to_ = 0;
  bool hovering_ = false;
  std::pair<int, bool> pressed_key_{0, false};
  int key_frames_ = 0;
  int click_frames_ = 0;  // a scripted click: hover, press, release
  float click_x_ = 0, click_y_ = 0;
  double hover_value_ = 0;
  std::string pending_screenshot_;
  int exit_code_ = 0;
};

// The selection and every scheme's metrics, as the GUI shows them (for tests that compare
// with `quantscope-cli quantize --json`).
nlohmann::json dump_state(App& app);

}  // namespace qs::app
