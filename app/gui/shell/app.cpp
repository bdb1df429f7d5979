#include "app/gui/shell/app.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <imgui.h>

#include "analysis/explore/activation_maxima.h"
#include "analysis/numeric/tensor_decode.h"
#include "app/gui/panels/panels.h"
#include "app/gui/shell/platform.h"

namespace qs::app {

const TensorView* selected_tensor(App& app) {
  const AppState& st = app.state();
  if (!st.model || st.tensor < 0 || st.schemes.empty()) {
    ImGui::TextDisabled("Select a tensor in the browser.");
    return nullptr;
  }
  return &st.model->tensors[size_t(st.tensor)];
}

const TensorView* selected_tensor_titled(App& app) {
  const TensorView* t = selected_tensor(app);
  if (t) ImGui::TextUnformatted(t->name.c_str());
  return t;
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
  if (name == "outliers") return View::Outliers;
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
    case View::Outliers: return "outliers";
    case View::Learn: return "learn";
  }
  return "";
}

std::string available_views() {
  return "distribution, error, ranges, heatmap, sweeps, compare, formats, stored, model, outliers, learn";
}

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
        // A transform's inputs once for all points (one SVD per sweep, not one per point).
        TransformInputs tin;
        if (r.act_max) tin.act_max = *r.act_max;
        prepare_transform_inputs(x, t.shape, r.base, tin, 0, &c);
        out.bits = sweep_bits(x, t.shape, r.base, &c, 0, sorted, &tin);
        if (!out.bits.cancelled) out.clip = sweep_clip(x, t.shape, r.base, 48, &c, 0, sorted, &tin);
        if (!out.clip.cancelled) out.block = sweep_block(x, t.shape, r.base, &c, 0, sorted, &tin);
        if (!out.block.cancelled) out.map = format_map(x, t.shape, &c, 0, sorted);
        out.cancelled = out.bits.cancelled || out.clip.cancelled || out.block.cancelled || out.map.cancelled;
        std::vector<std::pair<double, double>> pts;
        for (const SweepPoint& p : out.map.points) pts.emplace_back(p.x, p.sqnr_db.value_or(NAN));
        out.front = pareto_front(pts);
        return out;
      });
  // The Outliers view's worker publishes its rows as a preview before the curves.
  outliers_worker_ = std::make_shared<OutliersWorker>(worker->shared_tensor());
  auto outliers_ptr = std::make_shared<LatestJob<OutliersJobRequest, OutliersJobResult>*>(nullptr);
  outliers_job_ = std::make_unique<LatestJob<OutliersJobRequest, OutliersJobResult>>(
      [w = outliers_worker_, outliers_ptr](const OutliersJobRequest& r, RunControl& c) {
        return w->run(r, c, [&](OutliersJobResult p, double ms) { (*outliers_ptr)->publish_preview(std::move(p), ms); });
      });
  *outliers_ptr = outliers_job_.get();
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
  outliers_job_.reset();
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
  outliers_job_->cancel();
  st_.outliers.reset();
  st_.outliers_posted.clear();
  st_.outliers_cancelled.clear();
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

bool App::set_act_max_tensor(int index) {
  if (!st_.model || index >= int(st_.model->tensors.size())) return false;
  if (index < 0) {
    st_.act_max_tensor = -1;
    st_.act_max.reset();
  } else {
    const TensorView& t = st_.model->tensors[size_t(index)];
    if (t.shape.size() != 1 || !dtype_is_float(t.dtype)) {
      st_.notices.push_back(t.name + ": activation maxima must be a 1-D floating-point tensor");
      return false;
    }
    std::vector<float> storage;
    const std::span<const float> v = to_float(t, storage);
    st_.act_max = std::make_shared<const std::vector<float>>(v.begin(), v.end());
    st_.act_max_tensor = index;
  }
  for (SchemeEntry& e : st_.schemes)
    if (e.scheme.transform.kind == TransformKind::Smooth) {
      e.error.clear();
      e.metrics.reset();
    }
  post_explore(true);
  return true;
}

void App::set_dark(bool dark) {
  st_.dark = dark;
  platform_.set_theme(dark ? Theme::Dark : Theme::Light);
}

void App::post_explore(bool cancel_running, bool reset_view) {
  if (!st_.model || st_.tensor < 0 || st_.schemes.empty()) return;
  const SchemeEntry& sel = st_.schemes[size_t(st_.selected)];
  if (!sel.error.empty()) return;
  const bool smoothing = std::any_of(st_.schemes.begin(), st_.schemes.end(), [](const SchemeEntry& e) {
    return e.scheme.transform.kind == TransformKind::Smooth;
  });
  if (smoothing && !st_.act_max) {
    // Smoothing needs activation maxima: the model's tensor whose name says so (the
    // layer's own first), as the Outliers view picks it. The user can pick another.
    const TensorView& w = st_.model->tensors[size_t(st_.tensor)];
    const std::vector<int> cands = activation_maxima_candidates(*st_.model, w.shape);
    const int pick = default_activation_maxima(*st_.model, cands, w.name);
    if (pick >= 0 && set_act_max_tensor(pick)) return;  // it posted
  }
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
  r.act_max = st_.act_max;
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
  return !sorting_values() && explore_job_->settled() && scan_job_->settled() && sweep_job_->settled() &&
         outliers_job_->settled() && stored_job_->settled() &&
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
  const std::string key = std::to_string(st_.tensor) + "|" + print_spec(base) + "|" + std::to_string(st_.act_max_tensor);
  if (key == st_.sweeps_posted) return;
  st_.sweeps_posted = key;
  sweep_job_->post(SweepJobRequest{st_.model, st_.tensor, base, st_.act_max}, true);
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

}  // namespace qs::app
