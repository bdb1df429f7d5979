// App::poll_results: every job slot's finished result taken into the state, once per
// frame on the render thread (so it must stay cheap: big results are freed elsewhere).
#include "app/gui/shell/app.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include <imgui.h>

#include "app/gui/panels/panels.h"
#include "app/gui/shell/platform.h"

namespace qs::app {

namespace {
// Frees a large object on a short-lived thread (its destructor would cost the render
// thread milliseconds). Joined by nobody: it touches only what it owns.
template <class T>
void release_off_thread(T&& big) {
  std::thread([b = std::move(big)]() mutable { b.reset(); }).detach();
}
}  // namespace

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
      // A transform that cannot run on this tensor (rot on NaN, smooth without maxima):
      // the entry says why, as for a shape that does not fit.
      if (!r.main.q.error.empty() && st_.selected < int(st_.schemes.size()) &&
          st_.schemes[size_t(st_.selected)].scheme == r.main.q.scheme)
        st_.schemes[size_t(st_.selected)].error = r.main.q.error;
      // Metrics: the selected scheme and the others in list order.
      size_t k = 0;
      for (size_t i = 0; i < st_.schemes.size(); ++i) {
        if (int(i) == st_.selected) {
          if (r.main.q.scheme == st_.schemes[i].scheme) st_.schemes[i].metrics = r.main.q.metrics;
        } else if (st_.schemes[i].error.empty() && k < r.compare.size()) {
          st_.schemes[i].error = r.compare_errors[k];
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
  if (auto d = outliers_job_->take()) {
    // The rows arrive first (a preview), then the same rows with the curves.
    if (!d->result.cancelled && d->result.model == st_.model)
      st_.outliers = std::make_shared<const OutliersJobResult>(std::move(d->result));
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

}  // namespace qs::app
