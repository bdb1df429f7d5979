#include "app/gui/app.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>

#include <imgui.h>

#include "analysis/atomic_file.h"
#include "app/gui/panels.h"
#include "app/gui/platform.h"

namespace qs::app {

namespace {
// Frees a large object on a short-lived thread (its destructor would cost the render
// thread milliseconds). Joined by nobody: it touches only what it owns.
template <class T>
void release_off_thread(T&& big) {
  std::thread([b = std::move(big)]() mutable { b.reset(); }).detach();
}
}  // namespace

void preview_badge(int stride) {
  ImGui::TextColored(ImVec4(0.55f, 0.7f, 0.95f, 1), "preview · 1/%d of the groups", stride);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("a huge tensor: every %d-th group first (exact for those groups);\n"
                      "the exact result over all groups replaces it when ready", stride);
  ImGui::SameLine();
  ImGui::TextDisabled("— computing all groups…");
}

const TensorView* selected_tensor(App& app) {
  const AppState& st = app.state();
  if (!st.model || st.tensor < 0 || st.schemes.empty()) {
    ImGui::TextDisabled("Select a tensor in the browser.");
    return nullptr;
  }
  return &st.model->tensors[size_t(st.tensor)];
}

std::optional<View> view_from_name(const std::string& name) {
  if (name == "distribution") return View::Distribution;
  if (name == "error") return View::Error;
  if (name == "compare") return View::Compare;
  if (name == "formats") return View::Formats;
  if (name == "ranges") return View::Ranges;
  if (name == "heatmap") return View::Heatmap;
  if (name == "sweeps") return View::Sweeps;
  if (name == "stored") return View::Stored;
  if (name == "model") return View::Model;
  if (name == "learn") return View::Learn;
  return std::nullopt;
}

const char* view_name(View v) {
  switch (v) {
    case View::Distribution: return "distribution";
    case View::Error: return "error";
    case View::Compare: return "compare";
    case View::Formats: return "formats";
    case View::Ranges: return "ranges";
    case View::Heatmap: return "heatmap";
    case View::Sweeps: return "sweeps";
    case View::Stored: return "stored";
    case View::Model: return "model";
    case View::Learn: return "learn";
  }
  return "";
}

std::string available_views() { return "distribution, error, ranges, heatmap, sweeps, compare, formats, stored, model, learn"; }

ImU32 scheme_color(int i) {
  static const ImU32 colors[kMaxSchemes] = {
      // Not blue: x's bars are blue, and x̂ is drawn over them in its scheme's colour.
      IM_COL32(245, 150, 60, 255), IM_COL32(80, 190, 110, 255), IM_COL32(200, 100, 220, 255),
      IM_COL32(230, 80, 90, 255),  IM_COL32(60, 190, 200, 255), IM_COL32(160, 160, 170, 255)};
  return colors[((i % kMaxSchemes) + kMaxSchemes) % kMaxSchemes];
}

App::App(Platform& platform, Settings settings) : platform_(platform), settings_(std::move(settings)) {
  st_.dark = settings_.dark;
  st_.recent = settings_.recent;
  platform_.set_theme(st_.dark ? Theme::Dark : Theme::Light);
  // The job calls back into itself to publish previews: a raw pointer, since the job owns
  // the worker thread that runs the lambda and outlives every call.
  auto worker = std::make_shared<ExploreWorker>();
  sorted_status_ = worker->status();
  auto job_ptr = std::make_shared<LatestJob<ExploreJobRequest, ExploreJobResult>*>(nullptr);
  explore_job_ = std::make_unique<LatestJob<ExploreJobRequest, ExploreJobResult>>(
      [worker, job_ptr](const ExploreJobRequest& r, RunControl& c) {
        return worker->run(r, c, [&](ExploreJobResult p, double ms) { (*job_ptr)->publish_preview(std::move(p), ms); });
      });
  *job_ptr = explore_job_.get();
  scan_job_ = std::make_unique<LatestJob<std::shared_ptr<const Model>, ScanResult>>(
      [](const std::shared_ptr<const Model>& m, RunControl& c) {
        ScanResult out;
        out.model = m;
        out.stats.resize(m->tensors.size());
        c.total = int64_t(m->tensors.size());
        for (size_t i = 0; i < m->tensors.size() && !c.cancelled(); ++i) {
          if (dtype_is_float(m->tensors[i].dtype)) {
            out.stats[i] = scan_stats(m->tensors[i]);
            m->release_pages(m->tensors[i]);  // a model bigger than RAM streams through
          }
          c.done = int64_t(i + 1);
        }
        return out;
      });
  sweep_job_ = std::make_unique<LatestJob<SweepJobRequest, SweepJobResult>>(
      [shared = worker->shared_tensor()](const SweepJobRequest& r, RunControl& c) {
        SweepJobResult out;
        out.tensor = r.tensor;
        out.base = r.base;
        const TensorView& t = r.model->tensors[size_t(r.tensor)];
        // The explore worker's floats and sorted cache when it has this tensor (the usual
        // case: the selected one), else a decode of our own.
        std::shared_ptr<const SharedTensor> cur = shared->get();
        std::vector<float> storage;
        std::span<const float> x;
        const SortedValues* sorted = nullptr;
        if (cur && cur->model == r.model && cur->tensor == r.tensor && !cur->edited) {
          x = cur->x;
          sorted = cur->sorted.get();
        } else {
          x = to_float(t, storage);
        }
        out.bits = sweep_bits(x, t.shape, r.base, &c, 0, sorted);
        if (!out.bits.cancelled) out.clip = sweep_clip(x, t.shape, r.base, 48, &c, 0, sorted);
        if (!out.clip.cancelled) out.block = sweep_block(x, t.shape, r.base, &c, 0, sorted);
        if (!out.block.cancelled) out.map = format_map(x, t.shape, &c, 0, sorted);
        out.cancelled = out.bits.cancelled || out.clip.cancelled || out.block.cancelled || out.map.cancelled;
        std::vector<std::pair<double, double>> pts;
        for (const SweepPoint& p : out.map.points) pts.emplace_back(p.x, p.sqnr_db.value_or(NAN));
        out.front = pareto_front(pts);
        return out;
      });
  stored_job_ = std::make_unique<LatestJob<StoredJobRequest, StoredJobResult>>(
      [](const StoredJobRequest& r, RunControl& c) {
        StoredJobResult out;
        out.model = r.model;
        out.tensor = r.tensor;
        auto s = read_stored_quant(r.model->tensors[size_t(r.tensor)], &c);
        if (!s || s->cancelled) return out;
        // Binned here, once: a large Q6_K tensor has tens of millions of sub-blocks,
        // too many to walk every frame.
        double lo = INFINITY, hi = -INFINITY;
        for (float v : s->scale) {
          if (std::isfinite(v)) lo = std::min(lo, double(v)), hi = std::max(hi, double(v));
        }
        if (!(lo <= hi)) lo = 0, hi = 1;
        out.scale_min = lo, out.scale_max = hi;
        out.scale_hist = make_histogram(s->scale, {lo, hi > lo ? hi : lo + 1, 64});
        out.stored = std::make_shared<const StoredQuant>(std::move(*s));
        return out;
      });
  model_job_ = std::make_unique<LatestJob<ModelJobRequest, ModelJobResult>>(
      [](const ModelJobRequest& r, RunControl& c) {
        ModelJobResult out;
        const auto t0 = std::chrono::steady_clock::now();
        auto a = analyze_model(*r.model, r.req, &c);
        if (!a) {
          out.error = a.error().message;
          return out;
        }
        auto run = std::make_shared<ModelRun>();
        run->model = r.model;
        run->schemes = r.req.schemes;
        run->regex = r.req.tensor_regex;
        run->analysis = std::move(*a);
        run->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        out.run = std::move(run);
        return out;
      });
  export_job_ = std::make_unique<LatestJob<ExportJobRequest, ExportJobResult>>(
      [](const ExportJobRequest& r, RunControl&) {
        ExportJobResult out;
        out.dir = r.dir;
        const ModelRun& run = *r.run;
        Report rep;
        rep.file = run.model->path;
        rep.schemes = run.schemes;
        rep.tensor_regex = run.regex;
        rep.model = run.model.get();
        rep.analysis = &run.analysis;
        rep.seconds = run.seconds;
        rep.budget = r.budget;
        rep.worst = worst_tensor_views(*run.model, run.analysis, run.schemes.front());
        auto w = write_report(r.dir, rep, r.pngs);
        if (!w) {
          out.error = w.error().message;
          return out;
        }
        out.files = {"report.html", "report.md", "report.csv", "report.json"};
        if (r.budget) out.files.push_back("budget.json");
        for (const ReportAttachment& a : r.pngs) out.files.push_back(a.name);
        return out;
      });
  st_.schemes.push_back({*parse_spec("absmax:bits=8"), "", std::nullopt});
  st_.spec_text = print_spec(st_.schemes[0].scheme);
  platform_.on_drop([this](const std::string& p) { open(p); });
}

App::~App() {
  settings_.dark = st_.dark;
  settings_.recent = st_.recent;
  platform_.window_size(&settings_.width, &settings_.height);
  save_settings(settings_);
  // Jobs stop (and join) before the state they may reference through copies goes away.
  export_job_.reset();
  model_job_.reset();
  stored_job_.reset();
  sweep_job_.reset();
  explore_job_.reset();
  scan_job_.reset();
}

void App::remember_recent(const std::string& path) {
  std::string abs = path;
  std::error_code ec;
  const auto a = std::filesystem::absolute(path, ec);
  if (!ec) abs = a.lexically_normal().string();
  st_.recent.erase(std::remove(st_.recent.begin(), st_.recent.end(), abs), st_.recent.end());
  st_.recent.insert(st_.recent.begin(), abs);
  if (st_.recent.size() > 10) st_.recent.resize(10);
}

bool App::open(const std::string& path) {
  auto m = open_model(path);
  if (!m) {
    st_.notices.push_back(m.error().message);
    return false;
  }
  auto model = std::make_shared<const Model>(std::move(*m));
  explore_job_->cancel();
  st_.model = model;
  st_.view_memory.clear();
  st_.sweeps.reset();
  st_.sweeps_posted.clear();
  st_.stored.reset();
  st_.stored_tensor = st_.stored_posted = -1;
  st_.stored_sub_block = 0;
  st_.stats.assign(model->tensors.size(), std::nullopt);
  model_job_->cancel();
  st_.model_run.reset();
  st_.model_order.clear();
  st_.model_order_key.clear();
  st_.model_auto_ran = nullptr;
  st_.model_note.clear();
  st_.plan.reset();
  st_.plan_key.clear();
  st_.plan_error.clear();
  st_.result.reset();
  st_.result_tensor = -1;
  st_.tensor = -1;
  remember_recent(path);
  platform_.set_title("QuantScope — " + std::filesystem::path(path).filename().string());
  scan_job_->post(model, true);
  // Select the first floating-point tensor with more than one element.
  for (size_t i = 0; i < model->tensors.size(); ++i) {
    if (dtype_is_float(model->tensors[i].dtype) && model->tensors[i].numel() > 1) {
      select_tensor(int(i));
      break;
    }
  }
  st_.status = "opened " + std::filesystem::path(path).filename().string();
  return true;
}

bool App::select_tensor_by_name(const std::string& name) {
  if (!st_.model) return false;
  for (size_t i = 0; i < st_.model->tensors.size(); ++i) {
    if (st_.model->tensors[i].name == name) {
      select_tensor(int(i));
      return true;
    }
  }
  st_.notices.push_back("no tensor named '" + name + "' in " + st_.model->path);
  return false;
}

void App::select_tensor(int index) {
  if (!st_.model || index < 0 || index >= int(st_.model->tensors.size())) return;
  if (index == st_.tensor) return;
  st_.stored_sub_block = 0;
  // Each tensor keeps its zoom (value range and heatmap rectangle) for when we come back.
  if (st_.tensor >= 0) {
    ViewMemory& m = st_.view_memory[st_.tensor];
    m.value_valid = st_.view_valid;
    m.value = st_.view;
    m.heat_valid = st_.heat_rect_valid;
    m.heat = {st_.heat_r0, st_.heat_r1, st_.heat_c0, st_.heat_c1};
  }
  st_.tensor = index;
  st_.group = -1;
  st_.ranges.reset();
  st_.heatmap.reset();
  st_.log_abs_hist.reset();
  st_.whatif.reset();
  st_.heat_request.out_w = 0;  // the view posts its rectangle for the new tensor
  st_.heat_rect_valid = false;
  st_.view_valid = false;
  bool restored = false;
  if (auto it = st_.view_memory.find(index); it != st_.view_memory.end()) {
    restored = it->second.value_valid;
    st_.view_valid = it->second.value_valid;
    st_.view = it->second.value;
    st_.heat_rect_valid = it->second.heat_valid;
    st_.heat_r0 = it->second.heat[0];
    st_.heat_r1 = it->second.heat[1];
    st_.heat_c0 = it->second.heat[2];
    st_.heat_c1 = it->second.heat[3];
  }
  for (auto& e : st_.schemes) {
    e.metrics.reset();
    e.error.clear();
    // A scheme whose axis does not fit the new tensor's rank is flagged, not dropped.
    auto L = make_layout(st_.model->tensors[size_t(index)].shape, e.scheme);
    if (!L) e.error = L.error().message;
  }
  post_explore(true, !restored);
}

bool App::set_schemes(const std::vector<std::string>& specs) {
  std::vector<SchemeEntry> list;
  for (const auto& sp : specs) {
    auto s = parse_spec(sp);
    if (!s) {
      st_.notices.push_back("--scheme '" + sp + "': " + s.error().message);
      return false;
    }
    if (int(list.size()) < kMaxSchemes) list.push_back({*s, "", std::nullopt});
  }
  if (list.empty()) return false;
  st_.schemes = std::move(list);
  st_.selected = 0;
  st_.spec_text = print_spec(st_.schemes[0].scheme);
  post_explore(true);
  return true;
}

bool App::add_scheme(const Scheme& s) {
  if (int(st_.schemes.size()) >= kMaxSchemes) {
    st_.status = "the compare list holds at most 6 schemes";
    return false;
  }
  st_.schemes.push_back({s, "", std::nullopt});
  st_.selected = int(st_.schemes.size()) - 1;
  st_.spec_text = print_spec(s);
  post_explore(true);
  return true;
}

bool App::apply_scheme(const Scheme& edited, bool continuous_edit) {
  if (st_.schemes.empty()) return false;
  SchemeEntry& e = st_.schemes[size_t(st_.selected)];
  auto v = validate(edited);
  if (!v) {
    e.error = v.error().message;
    return false;
  }
  if (st_.model && st_.tensor >= 0) {
    auto L = make_layout(st_.model->tensors[size_t(st_.tensor)].shape, *v);
    if (!L) {
      e.error = L.error().message;
      return false;
    }
  }
  const bool kind_changed = e.scheme.kind != v->kind || e.scheme.granularity != v->granularity;
  e.error.clear();
  if (e.scheme == *v) return true;
  e.scheme = *v;
  e.metrics.reset();
  if (kind_changed) st_.group = -1;
  st_.spec_text = print_spec(*v);
  post_explore(!continuous_edit);
  return true;
}

void App::set_clip_range(double lo, double hi, bool continuous_edit) {
  if (st_.schemes.empty() || !(hi > lo)) return;
  Scheme s = st_.schemes[size_t(st_.selected)].scheme;
  s.clip.method = ClipMethod::Range;
  s.clip.lo = lo;
  s.clip.hi = hi;
  apply_scheme(s, continuous_edit);
}

void App::set_view(double lo, double hi) {
  if (!(hi > lo)) return;
  st_.view = {lo, hi};
  st_.view_valid = true;
  post_explore(false);
}

void App::select_scheme(int index) {
  if (index < 0 || index >= int(st_.schemes.size()) || index == st_.selected) return;
  st_.selected = index;
  st_.spec_text = print_spec(st_.schemes[size_t(index)].scheme);
  st_.group = -1;
  post_explore(true);
}

void App::set_dark(bool dark) {
  st_.dark = dark;
  platform_.set_theme(dark ? Theme::Dark : Theme::Light);
}

void App::post_explore(bool cancel_running, bool reset_view) {
  if (!st_.model || st_.tensor < 0 || st_.schemes.empty()) return;
  const SchemeEntry& sel = st_.schemes[size_t(st_.selected)];
  if (!sel.error.empty()) return;
  ExploreJobRequest r;
  r.model = st_.model;
  r.tensor = st_.tensor;
  r.req.scheme = sel.scheme;
  r.req.view_lo = st_.view.lo;
  r.req.view_hi = st_.view.hi;
  r.req.bins = st_.bins;
  r.req.group = st_.group;
  r.req.hist_error = st_.active_view == View::Error;
  r.ranges = st_.active_view == View::Ranges;
  if (st_.active_view == View::Heatmap && st_.heat_request.out_w > 0) r.heatmap = st_.heat_request;
  r.whatif = st_.whatif;
  r.log_abs_hist = st_.active_view == View::Formats && st_.fmt_log_axis;
  if (st_.active_view == View::Compare)
    for (const SchemeEntry& e : st_.schemes)
      if (e.error.empty()) r.error_schemes.push_back(e.scheme);
  r.reset_view = reset_view || !st_.view_valid;
  for (size_t i = 0; i < st_.schemes.size(); ++i) {
    if (int(i) != st_.selected && st_.schemes[i].error.empty()) r.compare.push_back(st_.schemes[i].scheme);
  }
  const uint64_t gen = explore_job_->post(std::move(r), cancel_running);
  pending_edits_.push_back({gen, std::chrono::steady_clock::now()});
}

bool App::sorting_values() const {
  return st_.model && st_.tensor >= 0 && sorted_status_->tensor.load() == st_.tensor && !sorted_status_->ready.load();
}

bool App::idle() const {
  // The selected tensor's sorted-values cache counts as pending work: a screenshot then
  // shows the settled status bar, and scripted edits run on the path users get.
  return !sorting_values() && explore_job_->settled() && scan_job_->settled() && sweep_job_->settled() && stored_job_->settled() &&
         model_job_->settled() && export_job_->settled() && !export_ && !capture_;
}

void App::request_stored() {
  if (!st_.model || st_.tensor < 0 || st_.stored_posted == st_.tensor) return;
  st_.stored_posted = st_.tensor;
  stored_job_->post(StoredJobRequest{st_.model, st_.tensor}, true);
}

void App::request_sweeps() {
  if (!st_.model || st_.tensor < 0 || st_.schemes.empty() || !st_.schemes[size_t(st_.selected)].error.empty()) return;
  const Scheme& base = st_.schemes[size_t(st_.selected)].scheme;
  const std::string key = std::to_string(st_.tensor) + "|" + print_spec(base);
  if (key == st_.sweeps_posted) return;
  st_.sweeps_posted = key;
  sweep_job_->post(SweepJobRequest{st_.model, st_.tensor, base}, true);
}

std::vector<Scheme> App::valid_schemes() const {
  std::vector<Scheme> out;
  for (const SchemeEntry& e : st_.schemes)
    if (e.error.empty()) out.push_back(e.scheme);
  return out;
}

bool App::analyze_model_now() {
  if (!st_.model) return false;
  std::vector<Scheme> schemes = valid_schemes();
  if (schemes.empty()) {
    st_.notices.push_back("model analysis: no valid scheme in the list");
    return false;
  }
  auto sel = select_tensors(*st_.model, st_.model_regex);
  if (!sel) {
    st_.notices.push_back("model analysis: " + sel.error().message);
    return false;
  }
  model_cum_bytes_.clear();
  int64_t cum = 0;
  for (size_t i : *sel) model_cum_bytes_.push_back(cum += int64_t(st_.model->tensors[i].bytes.size()));
  ModelJobRequest r;
  r.model = st_.model;
  r.req.schemes = std::move(schemes);
  r.req.tensor_regex = st_.model_regex;
  model_started_ = std::chrono::steady_clock::now();
  st_.model_note.clear();
  model_job_->post(std::move(r), true);
  return true;
}

bool App::model_busy() const { return model_job_->busy(); }
void App::cancel_model() {
  if (!model_job_->busy()) return;
  const ModelProgress p = model_progress();
  model_job_->cancel();
  st_.model_note = "Cancelled after " + std::to_string(p.tensors_done) + " of " + std::to_string(p.tensors_total) +
                   " tensors. Press Analyze to run again.";
  st_.status = "model analysis cancelled";
}

App::ModelProgress App::model_progress() const {
  ModelProgress p;
  const auto [done, total] = model_job_->counts();
  p.done_bytes = done;
  p.total_bytes = total;
  p.tensors_total = model_cum_bytes_.size();
  // Tensors whose last byte has been counted are done.
  p.tensors_done = size_t(std::upper_bound(model_cum_bytes_.begin(), model_cum_bytes_.end(), done) -
                          model_cum_bytes_.begin());
  p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - model_started_).count();
  return p;
}

bool App::model_run_current() const {
  const auto& run = st_.model_run;
  return run && run->model == st_.model && run->regex == st_.model_regex && run->schemes == valid_schemes() &&
         !run->analysis.cancelled;
}

void App::update_plan() {
  const auto& run = st_.model_run;
  if (!run) return;
  std::string key = std::to_string(reinterpret_cast<uintptr_t>(run.get())) + "|" + std::to_string(st_.plan_bits) +
                    "|" + std::to_string(st_.plan_objective) + "|";
  key.append(st_.plan_candidates.begin(), st_.plan_candidates.end());
  if (key == st_.plan_key) return;
  st_.plan_key = key;
  st_.plan.reset();
  st_.plan_error.clear();
  std::vector<BudgetTensor> tensors = budget_tensors(run->analysis);
  for (BudgetTensor& t : tensors)
    for (size_t k = 0; k < t.options.size(); ++k)
      if (k >= st_.plan_candidates.size() || !st_.plan_candidates[k]) t.options[k].valid = false;
  if (tensors.empty()) {
    st_.plan_error = "no tensors analyzed";
    return;
  }
  auto p = plan_budget(tensors, st_.plan_bits,
                       st_.plan_objective == 0 ? BudgetObjective::PooledSqnr : BudgetObjective::WorstTensor);
  if (p) st_.plan = std::move(*p);
  else st_.plan_error = p.error().message;
}

Result<void> App::export_plan(const std::string& path) const {
  if (!st_.model_run || !st_.plan) return make_error("no budget plan to export");
  Report r;
  r.file = st_.model_run->model->path;
  r.schemes = st_.model_run->schemes;
  r.model = st_.model_run->model.get();
  r.analysis = &st_.model_run->analysis;
  r.budget = ReportBudget{st_.plan_bits,
                          st_.plan_objective == 0 ? BudgetObjective::PooledSqnr : BudgetObjective::WorstTensor,
                          *st_.plan};
  return write_text_atomic(path, budget_plan_json(r).dump(1) + "\n");
}

void App::after_render() {
  if (auto& pp = st_.pending_plot_png; pp && --pp->frames <= 0) {
    auto r = platform_.save_png_region(pp->path, pp->min.x, pp->min.y, pp->max.x, pp->max.y);
    st_.status = r ? "saved " + pp->path : r.error().message;
    if (!r) st_.notices.push_back(r.error().message);
    pp.reset();
  }
  if (capture_) {
    auto png = platform_.png_region(st_.views_min.x, st_.views_min.y, st_.views_max.x, st_.views_max.y);
    if (export_) {
      if (png) export_->pngs.push_back({capture_->name, std::move(*png)});
      else st_.notices.push_back("export: " + capture_->name + ": " + png.error().message);
      ++export_->next;
      export_->capture_posted = false;
      export_->settled = 0;
    }
    capture_.reset();
  }
}

bool App::sweeps_busy() const { return sweep_job_->busy(); }
double App::sweeps_progress() const { return sweep_job_->progress(); }
void App::cancel_sweeps() {
  sweep_job_->cancel();
  st_.sweeps_posted.clear();
}

void App::poll_results() {
  if (auto d = explore_job_->take()) {
    const auto now = std::chrono::steady_clock::now();
    if (d->preview) {
      // A preview answers the edits up to its generation for the eye; they stay pending
      // until the exact result.
      for (const Latency& e : pending_edits_)
        if (e.generation <= d->generation && e.generation > last_preview_gen_)
          preview_latencies_ms_.push_back(std::chrono::duration<double, std::milli>(d->finished - e.posted).count());
      last_preview_gen_ = d->generation;
    } else {
      // Every edit up to this generation is now answered.
      auto it = pending_edits_.begin();
      for (; it != pending_edits_.end() && it->generation <= d->generation; ++it) {
        latencies_ms_.push_back(std::chrono::duration<double, std::milli>(d->finished - it->posted).count());
        shown_latencies_ms_.push_back(std::chrono::duration<double, std::milli>(now - it->posted).count());
      }
      pending_edits_.erase(pending_edits_.begin(), it);
    }
    ExploreJobResult& r = d->result;
    if (!r.cancelled && r.tensor == st_.tensor) {
      st_.result_preview = r.preview_stride;
      st_.last_job_ms = d->ms;
      st_.data_lo = r.data_lo;
      st_.data_hi = r.data_hi;
      st_.result_stats = r.stats;
      if (r.view_reset) {
        st_.view = {r.data_lo, r.data_hi};
        st_.view_valid = true;
      }
      // Metrics: the selected scheme and the others in list order.
      size_t k = 0;
      for (size_t i = 0; i < st_.schemes.size(); ++i) {
        if (int(i) == st_.selected) {
          if (r.main.q.scheme == st_.schemes[i].scheme) st_.schemes[i].metrics = r.main.q.metrics;
        } else if (st_.schemes[i].error.empty() && k < r.compare.size()) {
          st_.schemes[i].metrics = r.compare[k++];
        }
      }
      // The result being replaced can hold a params entry per group (100 MB for blocks of
      // 32 over 134 M elements): free it on a worker, not in the middle of a frame.
      if (st_.result && st_.result->q.groups.size() > 65536) release_off_thread(std::move(st_.result));
      st_.result = std::move(r.main);
      ++st_.result_serial;
      st_.result_tensor = r.tensor;
      st_.compare_error_hists = std::move(r.error_hists);
      if (r.ranges) st_.ranges = std::move(r.ranges);
      if (r.heatmap) st_.heatmap = std::move(r.heatmap);
      if (r.log_abs_hist) st_.log_abs_hist = std::move(r.log_abs_hist);
      if (!r.whatif_error.empty()) {
        st_.notices.push_back(r.whatif_error);
        st_.whatif.reset();
      }
    }
  }
  if (auto d = stored_job_->take()) {
    if (d->result.model == st_.model && d->result.stored) {
      st_.stored = d->result.stored;
      st_.stored_scale_hist = std::move(d->result.scale_hist);
      st_.stored_scale_range = {d->result.scale_min, d->result.scale_max};
      st_.stored_tensor = d->result.tensor;
    }
  }
  if (auto d = sweep_job_->take()) {
    if (!d->result.cancelled) st_.sweeps = std::make_shared<const SweepJobResult>(std::move(d->result));
  }
  if (auto d = model_job_->take()) {
    ModelJobResult& r = d->result;
    if (!r.error.empty()) st_.notices.push_back("model analysis: " + r.error);
    else if (r.run && r.run->model == st_.model) {
      st_.model_run = std::move(r.run);
      st_.model_order_key.clear();  // re-sort for the new rows
      st_.plan_candidates.assign(st_.model_run->schemes.size(), 1);
      st_.plan_key.clear();
      // A budget this run can meet: halfway between its cheapest and dearest totals, on a
      // quarter bit (a script or the user sets their own).
      double lo = INFINITY, hi = 0;
      for (const SchemeTotal& t : st_.model_run->analysis.totals)
        if (t.metrics.bits_per_weight) lo = std::min(lo, *t.metrics.bits_per_weight), hi = std::max(hi, *t.metrics.bits_per_weight);
      if (std::isfinite(lo) && hi >= lo) st_.plan_bits = std::ceil((lo + hi) / 2 * 4) / 4;
    }
  }
  if (auto d = export_job_->take()) {
    ExportJobResult& r = d->result;
    if (!r.error.empty()) {
      st_.export_result = "export failed: " + r.error;
      st_.notices.push_back(st_.export_result);
    } else {
      st_.export_result = "exported " + std::to_string(r.files.size()) + " files to " + r.dir;
    }
    st_.status = st_.export_result;
  }
  if (auto d = scan_job_->take()) {
    if (d->result.model == st_.model) st_.stats = std::move(d->result.stats);
  }
}

void App::handle_shortcuts() {
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  if (io.KeyCtrl && ImGui::IsKeyPressed('O', false))
    st_.show_file_browser = true;
  if (io.KeyCtrl && ImGui::IsKeyPressed('E', false) && st_.model && !export_) st_.show_export = true;
  if (io.KeyCtrl && ImGui::IsKeyPressed('Q', false)) quit_ = true;
  if (io.KeyCtrl && ImGui::IsKeyPressed('L', false)) st_.log_y = !st_.log_y;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false)) {
    if (st_.show_file_browser) st_.show_file_browser = false;
    else if (st_.show_export) st_.show_export = false;
    else if (st_.show_help) st_.show_help = false;
    else if (!st_.notices.empty()) st_.notices.erase(st_.notices.begin());
    else if (explore_job_->busy()) explore_job_->cancel();
    else if (model_job_->busy()) cancel_model();
  }
  if (ImGui::IsKeyPressed(0x122 /* GLFW_KEY_F1 */, false)) st_.show_help = !st_.show_help;
}

void App::draw_menu_bar() {
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open…", "Ctrl+O")) st_.show_file_browser = true;
    if (ImGui::BeginMenu("Open recent", !st_.recent.empty())) {
      for (const auto& r : std::vector<std::string>(st_.recent))
        if (ImGui::MenuItem(r.c_str())) open(r);
      ImGui::EndMenu();
    }
    if (ImGui::MenuItem("Export report…", "Ctrl+E", false, st_.model && !export_)) st_.show_export = true;
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) quit_ = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    if (ImGui::MenuItem("Dark theme", nullptr, st_.dark)) set_dark(true);
    if (ImGui::MenuItem("Light theme", nullptr, !st_.dark)) set_dark(false);
    ImGui::Separator();
    ImGui::MenuItem("Log count axis", "Ctrl+L", &st_.log_y);
    if (ImGui::MenuItem("Show x̂ histogram", nullptr, &st_.show_dequant)) {}
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    if (ImGui::MenuItem("Keyboard and mouse", "F1")) st_.show_help = true;
    ImGui::EndMenu();
  }
  ImGui::EndMenuBar();
}

void App::draw_status_bar(float height) {
  ImGui::BeginChild("##status", ImVec2(0, height), false, ImGuiWindowFlags_NoScrollbar);
  ImGui::AlignTextToFramePadding();
  if (st_.model) {
    ImGui::TextUnformatted(st_.model->path.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s · %zu tensors", st_.model->format.c_str(), st_.model->tensors.size());
  } else {
    ImGui::TextDisabled("no model — Ctrl+O to open one, or drop a file on the window");
  }
  const bool busy = explore_job_->busy() || scan_job_->busy();
  ImGui::SameLine(ImGui::GetWindowWidth() * 0.5f);
  if (export_) {
    ImGui::TextDisabled("%s", export_status().c_str());
    ImGui::SameLine();
  } else if (model_job_->busy() && st_.active_view != View::Model) {
    ImGui::ProgressBar(float(model_job_->progress()), ImVec2(ImGui::GetFontSize() * 10, 0), "analyzing model");
    ImGui::SameLine();
  }
  if (busy) {
    const bool scanning = scan_job_->busy();
    const double p = scanning ? scan_job_->progress() : explore_job_->progress();
    ImGui::ProgressBar(float(p), ImVec2(ImGui::GetFontSize() * 10, 0),
                       scanning ? "scanning tensors" : "quantizing");
    ImGui::SameLine();
    if (ImGui::SmallButton("Cancel")) {
      explore_job_->cancel();
      scan_job_->cancel();
    }
    ImGui::SameLine();
  }
  if (sorting_values()) {
    ImGui::TextDisabled("sorting values for live edits…");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("per-tensor schemes answer in microseconds once the tensor's values are sorted;\n"
                        "until then every edit quantizes the whole tensor");
    ImGui::SameLine();
  }
  if (st_.result) ImGui::TextDisabled("last result %.1f ms", st_.last_job_ms);
  ImGui::SameLine();
  ImGui::TextDisabled("· frame %.1f ms", double(st_.frame_ms));
  if (!st_.status.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("· %s", st_.status.c_str());
  }
  ImGui::EndChild();
}

void App::frame() {
  poll_results();
  step_export();
  handle_shortcuts();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0.0f);
  ImGui::Begin("QuantScope", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_MenuBar |
                   ImGuiWindowFlags_NoSavedSettings);
  ImGui::PopStyleVar();
  draw_menu_bar();

  // Notices: errors the user should see, each dismissable.
  for (size_t i = 0; i < st_.notices.size();) {
    ImGui::PushID(int(i));
    ImGui::PushStyleColor(ImGuiCol_ChildBg, IM_COL32(150, 40, 40, 255));
    const float h = ImGui::GetTextLineHeightWithSpacing() * 1.0f + ImGui::GetStyle().WindowPadding.y * 2;
    ImGui::BeginChild("##notice", ImVec2(0, h), false, ImGuiWindowFlags_NoScrollbar);
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 255, 255, 255));
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(st_.notices[i].c_str());
    ImGui::SameLine(ImGui::GetWindowWidth() - ImGui::GetFontSize() * 5);
    const bool dismiss = ImGui::SmallButton("Dismiss");
    ImGui::PopStyleColor();
    ImGui::EndChild();
    ImGui::PopStyleColor();
    ImGui::PopID();
    if (dismiss) st_.notices.erase(st_.notices.begin() + long(i));
    else ++i;
  }

  const float status_h = ImGui::GetFrameHeightWithSpacing() + 4;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  // The three regions live in a child of fixed height: panels inside ask for "the rest of
  // the window", which must end above the status bar.
  ImGui::BeginChild("##regions", ImVec2(avail.x, avail.y - status_h), false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  if (ImGui::BeginTable("##layout", 3, ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV)) {
    const float fs = ImGui::GetFontSize();
    ImGui::TableSetupColumn("browser", ImGuiTableColumnFlags_WidthFixed, fs * 26);
    ImGui::TableSetupColumn("plots", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("scheme", ImGuiTableColumnFlags_WidthFixed, fs * 24);
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    draw_model_browser(*this);
    ImGui::TableSetColumnIndex(1);
    st_.views_min = ImGui::GetCursorScreenPos();
    st_.views_max = ImVec2(st_.views_min.x + ImGui::GetContentRegionAvail().x,
                           st_.views_min.y + ImGui::GetContentRegionAvail().y);
    // Narrower padding than the frames' so the ten titles fit the plot column whole; pushed
    // around the bar's own calls only (the views inside keep the normal padding).
    const ImVec2 tab_padding(4, ImGui::GetStyle().FramePadding.y);
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, tab_padding);
    const bool tab_bar = ImGui::BeginTabBar("##views");
    ImGui::PopStyleVar();
    if (tab_bar) {
      struct Tab {
        View view;
        const char* title;
        void (*draw)(App&);
      };
      static const Tab tabs[] = {{View::Distribution, "Distribution", &draw_distribution_view},
                                 {View::Error, "Error", &draw_error_view},
                                 {View::Ranges, "Ranges", &draw_ranges_view},
                                 {View::Heatmap, "Heatmap", &draw_heatmap_view},
                                 {View::Sweeps, "Sweeps", &draw_sweeps_view},
                                 {View::Compare, "Compare", &draw_compare_view},
                                 {View::Formats, "Formats", &draw_formats_view},
                                 {View::Stored, "Stored", &draw_stored_view},
                                 {View::Model, "Model", &draw_model_view},
                                 {View::Learn, "Learn", &draw_learn_view}};
      // A view switch requested while a tab draws (Learn's "Try it") applies next frame.
      const bool pending_at_start = st_.view_tab_pending;
      for (const Tab& tab : tabs) {
        const bool force = st_.view_tab_pending && st_.active_view == tab.view;
        ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, tab_padding);
        const bool open = ImGui::BeginTabItem(tab.title, nullptr, force ? ImGuiTabItemFlags_SetSelected : 0);
        ImGui::PopStyleVar();
        if (open) {
          if (st_.active_view != tab.view && !st_.view_tab_pending) {
            st_.active_view = tab.view;
            post_explore(false);  // the Error view needs x − x̂ binned
          }
          st_.views_opened.insert(tab.view);
          tab.draw(*this);
          ImGui::EndTabItem();
        }
      }
      if (pending_at_start) st_.view_tab_pending = false;
      ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, tab_padding);
      ImGui::EndTabBar();
      ImGui::PopStyleVar();
    }
    ImGui::TableSetColumnIndex(2);
    draw_scheme_panel(*this);
    ImGui::EndTable();
  }
  ImGui::EndChild();
  ImGui::Separator();
  draw_status_bar(status_h - ImGui::GetStyle().ItemSpacing.y);
  ImGui::End();

  if (st_.show_file_browser) draw_file_browser(*this);
  if (st_.show_export) draw_export_dialog(*this);
  if (st_.show_help) {
    ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.4f),
                            ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 34, 0), ImGuiCond_Appearing);
    if (ImGui::Begin("Keyboard and mouse", &st_.show_help, ImGuiWindowFlags_NoCollapse)) {
      const char* rows[][2] = {
          {"Ctrl+O", "open a model file (or drop one on the window)"},
          {"Ctrl+E", "export a report of the model (HTML, Markdown, CSV, JSON, PNGs)"},
          {"Up / Down", "previous / next tensor in the browser"},
          {"Ctrl+L", "linear / log count axis"},
          {"Esc", "close a window, dismiss a notice, cancel the job"},
          {"F1", "this help"},
          {"Ctrl+Q", "quit"},
          {"wheel", "zoom the value axis around the cursor"},
          {"drag", "pan the plot"},
          {"drag a handle", "set the clip range (red handles)"},
          {"double-click", "reset the view to the data range"},
      };
      if (ImGui::BeginTable("##keys", 2, ImGuiTableFlags_RowBg)) {
        ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 7);
        ImGui::TableSetupColumn("what", ImGuiTableColumnFlags_WidthStretch);
        for (auto& r : rows) {
          ImGui::TableNextRow();
          ImGui::TableSetColumnIndex(0);
          ImGui::TextUnformatted(r[0]);
          ImGui::TableSetColumnIndex(1);
          ImGui::TextUnformatted(r[1]);
        }
        ImGui::EndTable();
      }
    }
    ImGui::End();
  }
}

}  // namespace qs::app
