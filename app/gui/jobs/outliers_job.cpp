// The Outliers view's worker (outliers_job.h): the per-tensor cache, the activation
// maxima, the rows (a preview) and the curves.
#include "app/gui/jobs/outliers_job.h"

#include <algorithm>
#include <chrono>

#include "analysis/explore/activation_maxima.h"
#include "analysis/numeric/tensor_decode.h"

namespace qs::app {

// What the worker keeps for the current tensor. Only the worker thread touches it.
struct OutliersWorker::Cache {
  std::shared_ptr<const Model> model;
  int tensor = -1;
  std::shared_ptr<const SharedTensor> shared;         // keeps x alive when borrowed
  std::shared_ptr<const std::vector<float>> storage;  // or our own decode
  std::span<const float> x;
  std::shared_ptr<const OutlierTensorCache> tc;       // null until computed (not cancelled)
  std::vector<int> candidates;
  int act_tensor = kActNone - 1;  // the maxima `in` holds (none loaded yet)
  TransformInputs in;
  OutlierMemo memo;
  std::string curves_key;  // the base the curves below are for
  std::shared_ptr<const OutlierCurves> curves;
};

OutliersWorker::OutliersWorker(std::shared_ptr<const SharedTensorSlot> shared)
    : cache_(std::make_unique<Cache>()), shared_(std::move(shared)) {}
OutliersWorker::~OutliersWorker() = default;

size_t OutliersWorker::memo_size() const { return cache_->memo.size(); }

OutliersJobResult OutliersWorker::run(const OutliersJobRequest& r, RunControl& ctl, const PreviewFn& preview) {
  struct PhaseReset {  // Idle again however run() returns
    std::atomic<int>& p;
    ~PhaseReset() { p = int(OutliersPhase::Idle); }
  } reset{phase_};
  const auto t0 = std::chrono::steady_clock::now();
  OutliersJobResult out;
  out.model = r.model;
  out.tensor = r.tensor;
  out.settings = r.settings;
  out.act_request = r.act_tensor;
  if (!r.model || r.tensor < 0 || r.tensor >= int(r.model->tensors.size())) {
    out.cancelled = true;
    return out;
  }
  const TensorView& t = r.model->tensors[size_t(r.tensor)];
  Cache& c = *cache_;
  if (c.model != r.model || c.tensor != r.tensor) {
    c = Cache{};
    c.model = r.model;
    c.tensor = r.tensor;
    // The explore worker's floats when it holds this tensor unedited (the usual case: the
    // selected one), else a decode of our own.
    std::shared_ptr<const SharedTensor> cur = shared_ ? shared_->get() : nullptr;
    if (cur && cur->model == r.model && cur->tensor == r.tensor && !cur->edited) {
      c.shared = cur;
      c.x = cur->x;
    } else {
      auto storage = std::make_shared<std::vector<float>>();
      c.x = to_float(t, *storage);
      c.storage = std::move(storage);
    }
    c.candidates = activation_maxima_candidates(*r.model, t.shape);
  }
  if (!c.tc) {
    phase_ = int(OutliersPhase::Caches);
    OutlierTensorCache tc = outlier_tensor_cache(c.x, t.shape, 0, &ctl);
    if (tc.cancelled || ctl.cancelled()) {
      out.cancelled = true;
      return out;
    }
    c.tc = std::make_shared<const OutlierTensorCache>(std::move(tc));
    c.in = outlier_transform_inputs(*c.tc, {});
    c.act_tensor = kActNone;
  }
  out.m = c.tc->m;
  out.r_max = outlier_lab_max_rank(c.tc->m);
  out.n_nonfinite = c.tc->n_nonfinite;
  out.low_rank_note = c.tc->low_rank_note;
  out.act_candidates = c.candidates;

  // The activation maxima: the tensor asked for when it fits this weight, else the
  // default candidate (a tensor chosen for another weight does not fit this one), or none.
  int act = r.act_tensor;
  if (act != kActNone && std::find(c.candidates.begin(), c.candidates.end(), act) == c.candidates.end())
    act = default_activation_maxima(*r.model, c.candidates, t.name);
  if (act != c.act_tensor) {
    c.in.act_max = act >= 0 ? load_activation_maxima(r.model->tensors[size_t(act)]) : std::vector<float>{};
    c.act_tensor = act;
    // Smoothing's numbers depend on the maxima; nothing else does.
    std::erase_if(c.memo, [](const auto& kv) { return kv.second->spec.find("smooth=") != std::string::npos; });
    c.curves.reset();
    c.curves_key.clear();
  }
  out.act_tensor = act;

  phase_ = int(OutliersPhase::Rows);
  out.rows = outlier_rows(c.x, t.shape, r.settings, c.in, &ctl, 0, &c.memo);
  if (out.rows.cancelled || ctl.cancelled()) {
    out.cancelled = true;
    return out;
  }
  const std::string key = print_spec(r.settings.base);
  if (c.curves_key != key) {
    // The rows answer the sliders; the curves (tens of quantizations) follow.
    if (preview)
      preview(out, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    phase_ = int(OutliersPhase::Curves);
    OutlierCurves curves = outlier_curves(c.x, t.shape, r.settings.base, out.r_max, c.in, &ctl, 0, &c.memo);
    if (curves.cancelled || ctl.cancelled()) {
      out.cancelled = true;
      return out;
    }
    c.curves = std::make_shared<const OutlierCurves>(std::move(curves));
    c.curves_key = key;
  }
  out.curves = c.curves;
  return out;
}

}  // namespace qs::app
