#pragma once
// Everything the app shows and edits, owned by the render thread. Panels read and
// write it; the compute jobs get copies of what they need (never references into it).
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <imgui.h>

#include "analysis/explore/explore.h"
#include "analysis/explore/group_stats.h"
#include "analysis/model/bit_budget.h"
#include "analysis/explore/heatmap.h"
#include "analysis/explore/lessons.h"
#include "analysis/model/layer_grid.h"
#include "analysis/explore/what_if.h"
#include "analysis/formats/model.h"
#include "analysis/quant/scheme.h"
#include "analysis/model/stored_quant.h"
#include "analysis/numeric/tensor_decode.h"
#include "app/gui/jobs/outliers_job.h"
#include "app/gui/shell/layout.h"
#include "widgets/histogram_plot.h"
#include "widgets/xy_plot.h"

namespace qs::app {

inline constexpr int kMaxSchemes = 6;
inline constexpr int kLessonCount = 9;  // Learn's pages (learn_view.cpp)

struct SchemeEntry {
  Scheme scheme;
  std::string error;               // why the last edit was refused (shown under the editor)
  std::optional<Metrics> metrics;  // on the selected tensor, when computed
};

enum class SortBy { File, Name, Size, Outlier };
// The plot area's tabs. Names are the `--view` values of DESIGN.md; views other issues
// add join this list.
enum class View { Distribution, Error, Ranges, Heatmap, Sweeps, Compare, Formats, Stored, Model, Outliers, Learn };
std::optional<View> view_from_name(const std::string& name);
const char* view_name(View v);
std::string available_views();  // "distribution, ..." for error messages

// A plot to save as PNG once the frame is drawn (window pixels; the axes included).
struct PendingPng {
  std::string path;
  ImVec2 min, max;
  int frames = 2;  // wait for the context menu to close before reading the pixels
};

// A tensor's zoom state, restored when it is selected again.
struct ViewMemory {
  bool value_valid = false;
  widgets::PlotRange value;  // the value axis (Distribution, Error, Formats)
  bool heat_valid = false;
  std::array<double, 4> heat{};  // the Heatmap's rectangle r0, r1, c0, c1
};

struct AppState {
  // Model
  std::shared_ptr<const Model> model;
  std::vector<std::optional<TensorStats>> stats;  // per tensor, filled by the scan job
  int tensor = -1;                                // selected tensor index
  std::string filter;
  SortBy sort = SortBy::File;

  // Schemes (the compare list) and the selected one
  std::vector<SchemeEntry> schemes;
  int selected = 0;
  std::string spec_text;        // the spec field of the editor
  int64_t group = -1;           // group to show levels for (-1: largest scale)
  // smooth=α schemes: the activation maxima, a 1-D tensor of the model (-1: none chosen).
  int act_max_tensor = -1;
  std::shared_ptr<const std::vector<float>> act_max;

  View active_view = View::Distribution;
  std::map<int, ViewMemory> view_memory;  // by tensor index, for the open model
  bool view_tab_pending = true;  // select active_view's tab next frame (set programmatically)

  // Distribution view
  widgets::PlotRange view;
  bool view_valid = false;      // false: reset to the data range when it arrives
  bool log_y = false;
  bool show_dequant = true;
  int bins = 256;
  widgets::ClipHandles clip;    // what the plot shows/drags
  bool clip_dragging = false;   // a handle is held: show it where the mouse is, not the lagging result
  ImVec2 plot_min, plot_max;    // the plot's data area last frame (for scripted drags)

  // Results
  std::optional<ExploreResult> result;
  int result_preview = 0;       // >0: `result` is a preview on every k-th group (exact result follows)
  uint64_t result_serial = 0;  // bumped whenever `result` is replaced (caches key on it,
                               // not on addresses, which a new result may reuse)
  int result_tensor = -1;
  TensorStats result_stats;
  double data_lo = -1, data_hi = 1;
  double last_job_ms = 0;
  // Compare view: x − x̂ of each valid scheme, in list order, over one common range.
  std::vector<Histogram> compare_error_hists;
  double compare_budget = 4.5;  // "best at ≤ B bits/weight"

  // Ranges view: per-group statistics of the selected scheme's grouping.
  std::shared_ptr<const GroupStats> ranges;
  bool ranges_sorted = false;

  // Heatmap view: the request the view last posted (out_w = 0: none yet) and the result.
  HeatmapRequest heat_request{1, 1, 0, 1, 0, 1, 0, 0, HeatQuantity::AbsX, HeatPool::Max};
  std::shared_ptr<const Heatmap> heatmap;
  double heat_r0 = 0, heat_r1 = 0, heat_c0 = 0, heat_c1 = 0;  // the visible rectangle
  bool heat_rect_valid = false;

  // What-if: quantize a scratch copy of the tensor with one edit (never the file).
  std::optional<WhatIf> whatif;
  WhatIf whatif_edit{WhatIf::Kind::SetElement, 0, 1.0f};  // the editor's fields

  // Sweeps view: the last finished sweeps (tensor + scheme they belong to inside).
  std::shared_ptr<const struct SweepJobResult> sweeps;
  std::string sweeps_posted;  // "tensor|spec" of the last request (avoid re-posting)
  std::vector<widgets::XYLabelBox> map_labels;  // the format map's point labels as drawn last

  // Formats view: the explored value / code and format (index into kAllFloatFormats).
  double fmt_value = 0.1;
  uint32_t fmt_code = 0;
  bool fmt_from_value = true;  // the code comes from rounding fmt_value (else: bits clicked)
  int fmt_index = 3;           // FP8 E4M3
  bool fmt_log_axis = false;   // levels and histogram on a log2|x| axis
  std::shared_ptr<const Histogram> log_abs_hist;

  // Stored view: the stored (GGUF) quantization of `stored_tensor`, and the sub-block shown.
  std::shared_ptr<const StoredQuant> stored;
  Histogram stored_scale_hist;  // its scales binned (by the job, not per frame)
  std::pair<double, double> stored_scale_range;  // their finite min and max
  int stored_tensor = -1;
  int stored_posted = -1;  // tensor of the last request (avoid re-posting every frame)
  int64_t stored_sub_block = 0;

  // Model view: the last whole-model run and how its table is shown.
  std::shared_ptr<const struct ModelRun> model_run;
  std::string model_regex;               // tensors to analyze (POSIX extended, searched)
  const Model* model_auto_ran = nullptr;  // the model the view last started a run for itself
  std::string model_note;                // why there is no run (cancelled), shown in its place
  int model_metric = 0;                  // the per-scheme columns: SQNR, MSE, max error, clipped, bits
  int model_sort_col = -1;               // -1: file order (see model_view.cpp for the columns)
  bool model_sort_desc = false;
  bool model_sort_scripted = false;      // set by a script: push into the table's header next frame
  std::vector<int> model_order;          // rows of model_run's tensors as displayed
  std::string model_order_key;           // what model_order was sorted for
  std::vector<std::vector<size_t>> model_worst;  // per scheme: the flagged rows (worst_tensors)
  std::vector<std::pair<ImVec2, ImVec2>> model_row_rects;  // visible rows, display order (scripted clicks)
  // The layer × module grid of model_run (views/model_layers.cpp): shown instead of the
  // table when model_grid is on; computed once per run.
  bool model_grid = false;
  int model_grid_scheme = 0;
  const struct ModelRun* model_grid_run = nullptr;  // the run `model_layer_grid` is for
  std::optional<LayerGrid> model_layer_grid;
  std::vector<std::vector<size_t>> model_grid_worst;  // per scheme: worst_cells
  std::pair<double, double> model_grid_range{0, 1};  // sqnr_range: the colour scale
  std::vector<std::string> model_grid_rows;          // the layer indices as row labels
  // Bit budget planner over model_run.
  double plan_bits = 4.5;
  int plan_objective = 0;                // 0 pooled SQNR, 1 worst tensor
  std::vector<char> plan_candidates;     // per scheme of model_run (1 = may be chosen)
  std::optional<BudgetPlan> plan;
  std::string plan_error;
  std::string plan_key;                  // inputs the plan was made for
  std::string plan_path;                 // "Export plan" target

  // Outliers view (issue 16): the lab's settings (the base as typed, k, r, α), the row
  // whose x′ is shown and the last result. Its smoothing row uses act_max_tensor above
  // when that fits the tensor, else the default candidate (activation_maxima.h).
  std::string outliers_base_text = "absmax:bits=4,gran=channel,axis=0";
  std::string outliers_base_error;  // the typed base was refused (the last good one stays)
  OutlierLabSettings outliers_settings;
  int outliers_row = int(OutlierMethod::Rotate);
  bool outliers_log_y = false;
  bool outliers_show_x = true;      // x before the transform, as an outline
  int outliers_plot = 0;            // the plot shown when only one fits: 0 x′, 1 vs k, 2 vs r, 3 vs α
  std::shared_ptr<const OutliersJobResult> outliers;
  std::string outliers_posted;      // the request last posted (avoid re-posting every frame)
  std::string outliers_cancelled;   // the request the user cancelled (not re-posted until edited)

  // Learn mode: the page and each lesson's inputs.
  int learn_page = 0;  // 0 .. kLessonCount − 1
  std::string learn_vector_text = "0.5, -1.2, 3.1, -0.7, 2.4, 0, -2.9, 1.6";
  std::vector<float> learn_vector_good = lesson_example_vector();  // the last vector that parsed
  int learn_bits = 8;
  bool learn_full_negative = false;
  float learn_outlier = 12.0f, learn_clip = 3.5f;
  double learn_block_n = 7e9;
  int learn_block_bits = 4, learn_block = 32;
  bool learn_block_zp = false;
  float learn_round_x = 0.3f;
  int learn_trials = 1000;
  double learn_format_value = 0.1;
  std::vector<CalibrationRow> learn_calibration;  // computed once (20 000 values)
  std::vector<BlockErrorRow> learn_block_errors;  // for learn_block_errors_bits
  int learn_block_errors_bits = 0;
  bool learn_try_pending = false;  // a script pressed "Try it on a real tensor"
  int learn_out_method = 2;        // lesson 9: the transform whose x′ is drawn (rotate)
  int learn_out_keep = 2, learn_out_rank = 2;
  float learn_out_alpha = 0.5f;

  // Export report…
  bool show_export = false;
  std::string export_dir;
  bool export_budget = true;             // include the plan (budget.json) when there is one
  std::set<View> views_opened;           // tabs shown this session: their PNGs go in the export
  std::string export_result;             // the last export's outcome (shown, dumped)
  ImVec2 views_min, views_max;           // the tab area last frame (captures)
  LayoutReport layout;                   // what the last frame laid out (dump_state)

  // Chrome
  std::vector<std::string> notices;  // dismissable errors
  std::vector<std::string> recent;   // most recent first
  bool dark = true;
  bool show_file_browser = false;
  bool show_help = false;
  float frame_ms = 0;
  std::string status;                // last action, shown in the status bar
  std::optional<PendingPng> pending_plot_png;
  // Scripts (`plot_menu` action): run a plot menu item on the first plot drawn next frame,
  // writing CSV to `path` instead of the clipboard.
  struct ScriptedMenu {
    std::string item, path;
  };
  std::optional<ScriptedMenu> scripted_menu;
};

// Colors of the compare list (up to kMaxSchemes), chosen to stay apart in both themes.
ImU32 scheme_color(int i);

// The Compare view's pick: the highest SQNR among schemes within `budget` bits/weight
// (-1: none has metrics within it). compare_view.cpp.
int best_within(const std::vector<SchemeEntry>& list, double budget);

}  // namespace qs::app
