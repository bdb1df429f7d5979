#pragma once
// Comparison reports (issue #7): one whole-model analysis rendered as report.json (the
// machine-readable whole, DESIGN.md's layout), report.csv (one row per tensor × scheme,
// every metric), report.md (GitHub tables) and report.html (one self-contained XHTML
// file: inline CSS and SVG, no scripts, printable), written together atomically.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/model/bit_budget.h"
#include "analysis/base/error.h"
#include "analysis/formats/model.h"
#include "analysis/quant/metrics.h"
#include "analysis/model/model_analysis.h"

namespace qs {

// What the HTML report shows for one of the worst tensors: x's histogram and the levels
// of the selected scheme's widest group.
struct WorstTensorView {
  size_t tensor = 0;  // index into ModelAnalysis::tensors
  Histogram hist;
  std::vector<float> levels;
  double sqnr_db = 0;
};

// A bit-budget plan over the analysis (report --budget): the chosen scheme per tensor.
struct ReportBudget {
  double target_bits_per_weight = 0;
  BudgetObjective objective = BudgetObjective::PooledSqnr;
  BudgetPlan plan;  // choice[i] indexes the schemes for ModelAnalysis::tensors[i]
};

// The planner's input from an analysis: per tensor, each scheme's bits and Σerr².
std::vector<BudgetTensor> budget_tensors(const ModelAnalysis& a);

struct Report {
  std::string file;
  std::vector<Scheme> schemes;
  std::string tensor_regex;
  const Model* model = nullptr;
  const ModelAnalysis* analysis = nullptr;
  std::vector<WorstTensorView> worst;  // for the first scheme, lowest SQNR first
  std::optional<ReportBudget> budget;
  double seconds = 0;
};

// The five tensors with the lowest SQNR under the first scheme, with their histograms
// (64 bins over the data range) and levels.
std::vector<WorstTensorView> worst_tensor_views(const Model& m, const ModelAnalysis& a,
                                                const Scheme& s, size_t count = 5);

nlohmann::json report_json(const Report& r);
std::string report_csv(const Report& r);
std::string report_markdown(const Report& r);
std::string report_html(const Report& r);

// {"tensor name": "spec", ...} of a budget plan (budget.json).
nlohmann::json budget_plan_json(const Report& r);

// A file written beside the report (the GUI's PNGs of its views): name and bytes.
struct ReportAttachment {
  std::string name;  // a plain file name, no directories
  std::string bytes;
};

// Writes the four files (budget.json with a budget, and the attachments) into `dir`
// (created if missing): all are written into a temporary sibling directory first, so a
// failure leaves no partial report; then each file is renamed into place.
Result<void> write_report(const std::string& dir, const Report& r,
                          const std::vector<ReportAttachment>& attachments = {});

}  // namespace qs
