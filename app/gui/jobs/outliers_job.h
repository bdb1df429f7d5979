#pragma once
// The Outliers view's worker (one LatestJob slot, no GUI dependency): for the selected
// tensor, the lab's per-tensor caches — column maxima, keep order, the SVD at r_max —
// once (the SVD is seconds on a 4096² matrix: progress and cancel), then the eight rows,
// handed out as a preview as soon as they are ready, then the curves over k, r and α.
// Every quantization is memoized per tensor (and per choice of activation maxima), so a
// slider step costs one quantization and a cancelled curve keeps the points it finished.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analysis/explore/outlier_lab.h"
#include "analysis/formats/model.h"
#include "analysis/base/run_control.h"
#include "app/gui/jobs/explore_job.h"

namespace qs::app {

// OutliersJobRequest::act_tensor: the default candidate (activation_maxima.h), or none.
inline constexpr int kActAuto = -2;
inline constexpr int kActNone = -1;

struct OutliersJobRequest {
  std::shared_ptr<const Model> model;
  int tensor = -1;
  OutlierLabSettings settings;
  // kActAuto, kActNone or the index of a 1-D tensor (one that does not fit: kActAuto).
  int act_tensor = kActAuto;
};

enum class OutliersPhase { Idle, Caches, Rows, Curves };

struct OutliersJobResult {
  std::shared_ptr<const Model> model;
  int tensor = -1;
  OutlierLabSettings settings;
  int act_request = kActAuto;     // what was asked
  int act_tensor = kActNone;      // the activation maxima used
  std::vector<int> act_candidates;  // the tensors that fit this weight
  MatrixShape m;
  int64_t r_max = 0;
  int64_t n_nonfinite = 0;
  std::string low_rank_note;      // why there are no cached factors
  OutlierRows rows;
  std::shared_ptr<const OutlierCurves> curves;  // null in the preview (rows only)
  bool cancelled = false;
};

class OutliersWorker {
 public:
  using PreviewFn = std::function<void(OutliersJobResult, double ms)>;
  // `shared`: the explore worker's decoded tensor, reused when it is this one.
  explicit OutliersWorker(std::shared_ptr<const SharedTensorSlot> shared = nullptr);
  ~OutliersWorker();
  OutliersWorker(const OutliersWorker&) = delete;
  OutliersWorker& operator=(const OutliersWorker&) = delete;

  OutliersJobResult run(const OutliersJobRequest& r, RunControl& ctl, const PreviewFn& preview);
  // What the running request is doing (the progress bar's label).
  OutliersPhase phase() const { return OutliersPhase(phase_.load()); }
  // Evaluations memoized for the current tensor (tests: a slider step adds one).
  size_t memo_size() const;

 private:
  struct Cache;
  std::unique_ptr<Cache> cache_;
  std::shared_ptr<const SharedTensorSlot> shared_;
  std::atomic<int> phase_{0};
};

}  // namespace qs::app
