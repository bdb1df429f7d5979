#pragma once
// The QuantScope window: owns the state, the compute jobs and the settings, and draws
// one frame at a time. Panels are free functions in their own files (ImGui style).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "analysis/explore/group_stats.h"
#include "analysis/explore/heatmap.h"
#include "analysis/model/model_analysis.h"
#include "analysis/model/report.h"
#include "analysis/explore/sweep_points.h"
#include "analysis/explore/what_if.h"
#include "analysis/numeric/tensor_decode.h"
#include "app/gui/shell/app_state.h"
#include "app/gui/jobs/explore_job.h"
#include "app/gui/jobs/outliers_job.h"
#include "app/gui/jobs/latest_job.h"
#include "app/gui/shell/settings.h"

namespace qs::app {

class Platform;

// The Sweeps view: all four sweeps of one tensor and base scheme, on their own worker
// (seconds of work: it must not hold up the explore job).
struct SweepJobRequest {
  std::shared_ptr<const Model> model;
  int tensor = -1;
  Scheme base;
  std::shared_ptr<const std::vector<float>> act_max;  // smooth=α bases
};

struct SweepJobResult {
  int tensor = -1;
  Scheme base;
  SweepResult bits, clip, block, map;
  std::vector<size_t> front;  // Pareto front of `map`
  bool cancelled = false;
};

// The Stored view: read a block tensor's stored quantization off the render thread
// (a large Q6_K output layer has tens of millions of sub-blocks).
struct StoredJobRequest {
  std::shared_ptr<const Model> model;
  int tensor = -1;
};

struct StoredJobResult {
  std::shared_ptr<const Model> model;
  int tensor = -1;
  std::shared_ptr<const StoredQuant> stored;  // null when cancelled
  Histogram scale_hist;  // the per-sub-block scales, 64 bins over their finite range
  double scale_min = 0, scale_max = 0;
};

// The Model view: every selected tensor × the compare list's schemes, on its own worker
// (minutes for a large model; memory is one tensor's floats at a time).
struct ModelJobRequest {
  std::shared_ptr<const Model> model;
  ModelAnalysisRequest req;
};

// A finished (or cancelled) whole-model run, exactly what the Model view and the report
// export show: the schemes and selection it ran with, not the ones edited since.
struct ModelRun {
  std::shared_ptr<const Model> model;
  std::vector<Scheme> schemes;
  std::string regex;
  ModelAnalysis analysis;
  double seconds = 0;
};

struct ModelJobResult {
  std::shared_ptr<const ModelRun> run;  // null on error
  std::string error;
};

// Export report…: the worst tensors' histograms and the files, off the render thread.
struct ExportJobRequest {
  std::shared_ptr<const ModelRun> run;
  std::string dir;
  std::optional<ReportBudget> budget;
  std::vector<ReportAttachment> pngs;  // the open views, captured by the render thread
};

struct ExportJobResult {
  std::string dir;
  std::string error;               // empty: written
  std::vector<std::string> files;  // names written into dir
};

struct ScanResult {
  std::shared_ptr<const Model> model;
  std::vector<std::optional<TensorStats>> stats;
};

class App {
 public:
  App(Platform& platform, Settings settings);
  ~App();

  // Opens a model file; on error keeps the current model and shows a notice.
  bool open(const std::string& path);
  bool select_tensor_by_name(const std::string& name);
  void select_tensor(int index);
  // Replaces the compare list (each spec validated; errors become notices).
  bool set_schemes(const std::vector<std::string>& specs);
  bool add_scheme(const Scheme& s);
  // Applies an edited scheme to the selected entry (validated against the tensor's shape).
  bool apply_scheme(const Scheme& s, bool continuous_edit = false);
  void set_clip_range(double lo, double hi, bool continuous_edit);
  void set_view(double lo, double hi);
  void select_scheme(int index);
  // The activation maxima for smooth=α schemes: a 1-D float tensor of the model (decoded
  // once); -1 clears. Schemes refused for want of maxima are tried again.
  bool set_act_max_tensor(int index);
  void set_dark(bool dark);

  void frame();                 // one ImGui frame (between NewFrame and Render)
  bool idle() const;            // no job waiting or running
  AppState& state() { return st_; }
  const Settings& settings() const { return settings_; }
  Platform& platform() { return platform_; }

  // Edit → result latency bookkeeping (for --bench-interaction).
  struct Latency {
    uint64_t generation;
    std::chrono::steady_clock::time_point posted;
  };
  // Edit → result ready on the worker, and edit → result drawn (adds the wait for the
  // next frame, which the software rasterizer under Xvfb stretches).
  std::vector<double>& latencies_ms() { return latencies_ms_; }
  std::vector<double>& shown_latencies_ms() { return shown_latencies_ms_; }
  // Edit → preview ready (per-group schemes on huge tensors, see explore_job.h).
  std::vector<double>& preview_latencies_ms() { return preview_latencies_ms_; }
  // The selected tensor's sorted-values cache: built (edits of per-tensor schemes are
  // then N-independent), and what it cost.
  const SortedCacheStatus& sorted_status() const { return *sorted_status_; }
  bool sorting_values() const;  // the selected tensor's sorted cache is being built
  void request_quit() { quit_ = true; }
  bool quit_requested() const { return quit_; }
  void post_explore(bool cancel_running, bool reset_view = false);
  // The Sweeps view: runs the sweeps for the selected tensor and scheme unless the shown
  // (or running) ones are for them already.
  void request_sweeps();
  bool sweeps_busy() const;
  double sweeps_progress() const;
  void cancel_sweeps();
  void request_stored();  // for the selected tensor, once
  // The Outliers view: posts the lab for the selected tensor and the state's settings
  // unless the shown (or running, or cancelled) result is for them already.
  void request_outliers();
  bool outliers_busy() const;
  double outliers_progress() const;
  OutliersPhase outliers_phase() const { return outliers_worker_->phase(); }
  void cancel_outliers();
  // Copies a row's spec into the compare list (false: no spec, or the list is full).
  bool pick_outlier_row(OutlierMethod m);

  // The Model view. analyze_model_now() runs the compare list's valid schemes over the
  // tensors matching st.model_regex (false, with a notice, for a bad regex or no scheme).
  bool analyze_model_now();
  bool model_busy() const;
  void cancel_model();
  struct ModelProgress {
    int64_t done_bytes = 0, total_bytes = 0;
    size_t tensors_done = 0, tensors_total = 0;
    double seconds = 0;
  };
  ModelProgress model_progress() const;
  // The shown run is for the open model, the current selection and the current schemes.
  bool model_run_current() const;
  std::vector<Scheme> valid_schemes() const;
  // The bit-budget plan over the shown run, recomputed when its inputs changed.
  void update_plan();
  Result<void> export_plan(const std::string& path) const;

  // Export report… (Ctrl+E): analyzes if the shown run is not current, captures a PNG of
  // every view opened this session, then writes the report set into `dir` (report_export.cpp).
  void start_export(const std::string& dir);
  bool exporting() const { return export_.has_value(); }
  std::string export_status() const;
  // After the frame is rendered, before it is shown: PNG captures read the back buffer.
  void after_render();

 private:
  void poll_results();
  void draw_menu_bar();
  void draw_status_bar(float height);
  void handle_shortcuts();
  void remember_recent(const std::string& path);
  void step_export();  // report_export.cpp: one step of the export per frame

  // Export report…: analyze (if needed) → capture each opened view → write (on a job).
  struct ExportFlow {
    enum class Phase { Analyze, Capture, Write } phase = Phase::Analyze;
    std::string dir;
    std::vector<View> views;
    size_t next = 0;
    int settled = 0;
    bool capture_posted = false;
    View restore = View::Distribution;
    std::vector<ReportAttachment> pngs;
  };
  struct PendingCapture {
    std::string name;  // the tab area (st_.views_min/max) is read after this frame
  };
  std::optional<ExportFlow> export_;
  std::optional<PendingCapture> capture_;
  std::chrono::steady_clock::time_point model_started_;
  std::vector<int64_t> model_cum_bytes_;  // cumulative stored bytes of the posted selection

  Platform& platform_;
  Settings settings_;
  AppState st_;
  std::unique_ptr<LatestJob<ExploreJobRequest, ExploreJobResult>> explore_job_;
  std::shared_ptr<const SortedCacheStatus> sorted_status_;  // the explore worker's sorted cache
  std::unique_ptr<LatestJob<std::shared_ptr<const Model>, ScanResult>> scan_job_;
  std::unique_ptr<LatestJob<SweepJobRequest, SweepJobResult>> sweep_job_;
  std::shared_ptr<OutliersWorker> outliers_worker_;
  std::unique_ptr<LatestJob<OutliersJobRequest, OutliersJobResult>> outliers_job_;
  std::unique_ptr<LatestJob<StoredJobRequest, StoredJobResult>> stored_job_;
  std::unique_ptr<LatestJob<ModelJobRequest, ModelJobResult>> model_job_;
  std::unique_ptr<LatestJob<ExportJobRequest, ExportJobResult>> export_job_;
  std::vector<Latency> pending_edits_;
  std::vector<double> latencies_ms_, shown_latencies_ms_, preview_latencies_ms_;
  uint64_t last_preview_gen_ = 0;
  bool quit_ = false;
};

}  // namespace qs::app
