// The Model view's whole-model run and the bit-budget plan over it: posting, progress,
// cancel, and the plan's export.
#include "app/gui/shell/app.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "analysis/base/atomic_file.h"
#include "app/gui/panels/panels.h"
#include "app/gui/shell/platform.h"

namespace qs::app {

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

}  // namespace qs::app
