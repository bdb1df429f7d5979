// The App's side of the Outliers view's job (jobs/outliers_job.h): posting the lab for
// the selected tensor and the view's settings, cancel, and a row picked into the compare
// list. Its results are taken in app_results.cpp like every job's.
#include <cstdio>

#include "app/gui/shell/app.h"

namespace qs::app {

namespace {

// The key of what the Outliers view shows: tensor, knobs, activation maxima, base.
std::string outliers_key(const AppState& st) {
  const OutlierLabSettings& o = st.outliers_settings;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%d|%lld|%lld|%.17g|%llu|%d|", st.tensor, static_cast<long long>(o.keep),
                static_cast<long long>(o.rank), o.alpha, static_cast<unsigned long long>(o.rot_seed), st.act_max_tensor);
  return buf + print_spec(o.base);
}

}  // namespace

void App::request_outliers() {
  if (!st_.model || st_.tensor < 0) return;
  const std::string key = outliers_key(st_);
  if (key == st_.outliers_posted || key == st_.outliers_cancelled) return;
  // A new tensor cancels the running lab; a slider step lets it finish (the SVD of this
  // tensor is then not thrown away; once it has published its rows, a newer request
  // cancels its curves anyway).
  const std::string tensor_prefix = std::to_string(st_.tensor) + "|";
  const bool new_tensor = st_.outliers_posted.rfind(tensor_prefix, 0) != 0;
  st_.outliers_posted = key;
  st_.outliers_cancelled.clear();
  const int act = st_.act_max_tensor >= 0 ? st_.act_max_tensor : kActAuto;
  outliers_job_->post(OutliersJobRequest{st_.model, st_.tensor, st_.outliers_settings, act}, new_tensor);
}

bool App::outliers_busy() const { return outliers_job_->busy(); }
double App::outliers_progress() const { return outliers_job_->progress(); }

void App::cancel_outliers() {
  outliers_job_->cancel();
  st_.outliers_cancelled = st_.outliers_posted;
  st_.outliers_posted.clear();
}

bool App::pick_outlier_row(OutlierMethod m) {
  const OutliersJobResult* r = st_.outliers.get();
  if (!r || r->rows.rows.size() != size_t(kOutlierMethods)) return false;
  const OutlierRow& row = r->rows.rows[size_t(m)];
  auto s = parse_spec(row.spec);
  if (row.spec.empty() || !s) {
    st_.status = "the " + row.label + " row has no spec to compare";
    return false;
  }
  // The compare list smooths with the app's activation maxima: the ones this row used.
  if (m == OutlierMethod::Smooth && r->act_tensor >= 0 && st_.act_max_tensor != r->act_tensor &&
      !set_act_max_tensor(r->act_tensor))
    return false;
  if (!add_scheme(*s)) return false;
  st_.status = "added " + row.spec + " to the compare list";
  return true;
}

}  // namespace qs::app
