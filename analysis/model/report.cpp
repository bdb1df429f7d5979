// Report rendering. Numbers come from the analysis unchanged; each format only lays them
// out. The HTML is XHTML (well-formed XML) with inline SVG, so it opens offline, parses
// as XML, and prints.
#include "analysis/model/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <unistd.h>

#include "analysis/base/atomic_file.h"
#include "analysis/explore/explore.h"
#include "analysis/model/layer_grid.h"
#include "analysis/model/report_svg.h"
#include "analysis/model/report_text.h"
#include "analysis/numeric/tensor_decode.h"

namespace qs {
namespace {

namespace fs = std::filesystem;
using namespace report_text;

std::string shape_x(const std::vector<int64_t>& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += "x";
    out += std::to_string(s[i]);
  }
  return out.empty() ? "scalar" : out;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string o = "\"";
  for (char c : s) {
    if (c == '"') o += '"';
    o += c;
  }
  return o + "\"";
}

std::string md_cell(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '|') o += "\\|"; else if (c == '\n') o += ' '; else o += c;
  }
  return o;
}

const TensorView& tensor_of(const Report& r, const TensorAnalysis& ta) { return r.model->tensors[ta.index]; }

std::string stored_bpw(const ModelAnalysis& a) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", a.numel ? 8.0 * double(a.bytes_read) / double(a.numel) : 0.0);
  return buf;
}

// Stored-quantized tensors (GGUF blocks, TF.js codes) have no float original in the file: their reference is the grid the
// file stores, so each scheme's numbers are what re-quantizing adds on top of it.
std::string stored_note(const ModelAnalysis& a) {
  return std::to_string(a.stored_quantized) +
         " of these tensors are stored quantized (GGUF block types, TF.js uint8/uint16/float16): they are decoded to the "
         "values the file holds, and "
         "each scheme's error is measured against those, i.e. what re-quantizing adds on top of the stored grid.";
}


}  // namespace

std::vector<WorstTensorView> worst_tensor_views(const Model& m, const ModelAnalysis& a, const Scheme& s,
                                                size_t count) {
  std::vector<WorstTensorView> out;
  if (a.tensors.empty() || a.tensors[0].results.empty()) return out;
  std::vector<float> storage;
  for (size_t i : worst_tensors(a, 0, count)) {
    const TensorAnalysis& ta = a.tensors[i];
    const TensorView& t = m.tensors[ta.index];
    const std::span<const float> x = to_float(t, storage);
    ExploreRequest req;
    req.scheme = s;
    req.bins = 64;
    req.view_lo = ta.stats.n_finite ? ta.stats.min : -1;
    req.view_hi = ta.stats.n_finite && ta.stats.max > ta.stats.min ? ta.stats.max : req.view_lo + 1;
    const ExploreResult e = explore(x, t.shape, req);
    out.push_back({i, e.hist_x, e.levels, *ta.results[0].metrics->sqnr_db});
    m.release_pages(t);
  }
  return out;
}

std::vector<BudgetTensor> budget_tensors(const ModelAnalysis& a) {
  std::vector<BudgetTensor> out;
  for (const TensorAnalysis& ta : a.tensors) {
    BudgetTensor bt;
    for (const SchemeOnTensor& s : ta.results) {
      BudgetOption o;
      o.valid = s.metrics && s.metrics->bits_per_weight;
      if (o.valid) {
        bt.numel = s.metrics->numel;
        bt.sum_x2 = s.metrics->sums.sum_x2;
        o.bits = *s.metrics->bits_per_weight * double(s.metrics->numel);
        o.err2 = s.metrics->sums.sum_err2;
      }
      bt.options.push_back(o);
    }
    out.push_back(std::move(bt));
  }
  return out;
}

nlohmann::json budget_plan_json(const Report& r) {
  nlohmann::json j = nlohmann::json::object();
  if (!r.budget) return j;
  for (size_t i = 0; i < r.analysis->tensors.size(); ++i) {
    j[tensor_of(r, r.analysis->tensors[i]).name] = print_spec(r.schemes[size_t(r.budget->plan.choice[i])]);
  }
  return j;
}

namespace {

const char* objective_name(BudgetObjective o) {
  return o == BudgetObjective::PooledSqnr ? "pooled_sqnr" : "worst_tensor";
}

}  // namespace

nlohmann::json report_json(const Report& r) {
  using nlohmann::json;
  json j;
  j["file"] = r.file;
  j["version"] = QS_VERSION;
  j["settings"] = {{"tensors", r.tensor_regex.empty() ? json(nullptr) : json(r.tensor_regex)},
                   {"seconds", r.seconds}};
  json schemes = json::array();
  for (const Scheme& s : r.schemes) schemes.push_back(print_spec(s));
  j["schemes"] = schemes;
  json tensors = json::array();
  for (const TensorAnalysis& ta : r.analysis->tensors) {
    const TensorView& t = tensor_of(r, ta);
    json results = json::array();
    for (size_t s = 0; s < r.schemes.size(); ++s) {
      const SchemeOnTensor& st = ta.results[s];
      json e = {{"spec", print_spec(r.schemes[s])}};
      if (st.metrics) e["metrics"] = metrics_to_json(*st.metrics); else e["error"] = st.error;
      results.push_back(e);
    }
    tensors.push_back({{"name", t.name},
                       {"dtype", std::string(dtype_name(t.dtype))},
                       {"shape", t.shape},
                       {"numel", t.numel()},
                       {"stats",
                        {{"min", number_to_json(ta.stats.min)},
                         {"max", number_to_json(ta.stats.max)},
                         {"mean", number_to_json(ta.stats.mean)},
                         {"std", number_to_json(ta.stats.std)},
                         {"n_nonfinite", ta.stats.n_nonfinite},
                         {"max_abs_over_std", number_to_json(ta.absmax_over_std)},
                         {"kurtosis", number_to_json(ta.kurtosis)}}},
                       {"results", results}});
  }
  j["tensors"] = tensors;
  json totals = json::array();
  for (size_t s = 0; s < r.schemes.size(); ++s) {
    const SchemeTotal& t = r.analysis->totals[s];
    totals.push_back({{"spec", print_spec(r.schemes[s])},
                      {"metrics", metrics_to_json(t.metrics)},
                      {"tensors", t.tensors},
                      {"bytes", number_to_json(t.bytes())}});
  }
  j["totals"] = totals;
  const std::optional<LayerGrid> grid = layer_grid(*r.model, *r.analysis);
  j["layer_grid"] = grid ? layer_grid_json(*grid, *r.model, *r.analysis, r.schemes.size()) : json(nullptr);
  // The same tensors as the file holds them (for scale beside each scheme's size).
  j["stored"] = {{"bytes", r.analysis->bytes_read},
                 {"numel", r.analysis->numel},
                 {"bits_per_weight", r.analysis->numel ? 8.0 * double(r.analysis->bytes_read) / double(r.analysis->numel) : 0.0},
                 {"block_quantized_tensors", r.analysis->stored_quantized}};
  if (r.budget) {
    const BudgetPlan& p = r.budget->plan;
    j["budget"] = {{"target_bits_per_weight", r.budget->target_bits_per_weight},
                   {"objective", objective_name(r.budget->objective)},
                   {"bits_per_weight", p.bits_per_weight},
                   {"bytes", p.total_bits / 8},
                   {"pooled_sqnr_db", number_to_json(p.pooled_sqnr_db)},
                   {"worst_sqnr_db", number_to_json(p.worst_sqnr_db)},
                   {"bound_sqnr_db", number_to_json(p.bound_sqnr_db)},
                   {"plan", budget_plan_json(r)}};
  }
  return j;
}

std::string report_csv(const Report& r) {
  std::string o =
      "tensor,dtype,shape,numel,spec,sqnr_db,mse,rmse,mean_abs_error,max_abs_error,cosine,clipped_fraction,"
      "codes_used,bits_per_weight,n,n_nonfinite,max_abs_over_std,kurtosis,error\n";
  for (const TensorAnalysis& ta : r.analysis->tensors) {
    const TensorView& t = tensor_of(r, ta);
    for (size_t s = 0; s < r.schemes.size(); ++s) {
      const SchemeOnTensor& st = ta.results[s];
      std::vector<std::string> f = {csv_field(t.name), std::string(dtype_name(t.dtype)), shape_x(t.shape),
                                    std::to_string(t.numel()), csv_field(print_spec(r.schemes[s]))};
      if (st.metrics) {
        const Metrics& m = *st.metrics;
        for (const auto& v : {m.sqnr_db, m.mse, m.rmse, m.mean_abs_error, m.max_abs_error, m.cosine,
                              m.clipped_fraction}) {
          f.push_back(opt(v, "%.17g"));
        }
        f.push_back(std::to_string(m.codes_used));
        f.push_back(opt(m.bits_per_weight, "%.17g"));
        f.push_back(std::to_string(m.n));
        f.push_back(std::to_string(m.n_nonfinite));
      } else {
        for (int k = 0; k < 11; ++k) f.emplace_back();
      }
      f.push_back(num(ta.absmax_over_std, "%.17g"));
      f.push_back(num(ta.kurtosis, "%.17g"));
      f.push_back(csv_field(st.error));
      for (size_t k = 0; k < f.size(); ++k) {
        if (k) o += ',';
        o += f[k];
      }
      o += '\n';
    }
  }
  return o;
}

std::string report_markdown(const Report& r) {
  std::ostringstream o;
  const ModelAnalysis& a = *r.analysis;
  o << "# QuantScope report: " << md_cell(fs::path(r.file).filename().string()) << "\n\n";
  o << "File `" << md_cell(r.file) << "` (" << r.model->format << "), " << a.tensors.size()
    << " floating-point tensors analyzed" << (r.tensor_regex.empty() ? "" : " (matching `" + md_cell(r.tensor_regex) + "`)")
    << ", " << human_bytes(a.bytes_read) << " read in " << num(r.seconds, "%.2f") << " s. QuantScope "
    << QS_VERSION << ".\n\n";
  o << "## Schemes over the whole model\n\n";
  o << "| scheme | tensors | bits/weight | size | pooled SQNR dB | MSE | max error | clipped |\n";
  o << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (size_t s = 0; s < r.schemes.size(); ++s) {
    const SchemeTotal& t = a.totals[s];
    o << "| `" << md_cell(print_spec(r.schemes[s])) << "` | " << t.tensors << " | "
      << opt(t.metrics.bits_per_weight, "%.3f") << " | " << human_bytes(int64_t(t.bytes())) << " | "
      << opt(t.metrics.sqnr_db, "%.2f") << " | " << opt(t.metrics.mse, "%.3e") << " | "
      << opt(t.metrics.max_abs_error, "%.3e") << " | "
      << (t.metrics.clipped_fraction ? num(*t.metrics.clipped_fraction * 100, "%.4f") + "%" : "") << " |\n";
  }
  o << "| as stored in the file | " << a.tensors.size() << " | " << stored_bpw(a) << " | " << human_bytes(a.bytes_read)
    << " | | | | |\n";
  if (a.stored_quantized > 0)
    o << "\n" << stored_note(a) << "\n";
  if (r.budget) {
    const BudgetPlan& p = r.budget->plan;
    o << "\n## Bit budget: " << num(r.budget->target_bits_per_weight, "%.4g") << " bits/weight ("
      << (r.budget->objective == BudgetObjective::PooledSqnr ? "maximize pooled SQNR" : "maximize the worst tensor's SQNR")
      << ")\n\nThe chosen mix: " << num(p.bits_per_weight, "%.3f") << " bits/weight, " << human_bytes(int64_t(p.total_bits / 8))
      << ", pooled SQNR " << num(p.pooled_sqnr_db, "%.2f") << " dB, worst tensor " << num(p.worst_sqnr_db, "%.2f")
      << " dB" << (r.budget->objective == BudgetObjective::PooledSqnr
                       ? " (no mix within the budget exceeds " + num(p.bound_sqnr_db, "%.2f") + " dB pooled)"
                       : std::string())
      << ". Per tensor: `budget.json`.\n\n| scheme | tensors |\n|---|---:|\n";
    for (size_t s2 = 0; s2 < r.schemes.size(); ++s2) {
      const auto n = std::count(p.choice.begin(), p.choice.end(), int(s2));
      if (n) o << "| `" << md_cell(print_spec(r.schemes[s2])) << "` | " << n << " |\n";
    }
  }
  o << "\n## SQNR per tensor (dB)\n\nThe 3 lowest per scheme are in **bold**.\n\n";
  o << "| tensor | dtype | shape | max\\|x\\|/σ | kurtosis |";
  for (const Scheme& s : r.schemes) o << " `" << md_cell(print_spec(s)) << "` |";
  o << "\n|---|---|---|---:|---:|";
  for (size_t s = 0; s < r.schemes.size(); ++s) o << "---:|";
  o << "\n";
  std::vector<std::vector<size_t>> worst;
  for (size_t s = 0; s < r.schemes.size(); ++s) worst.push_back(worst_tensors(a, s, kFlaggedPerScheme));
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const TensorAnalysis& ta = a.tensors[i];
    const TensorView& t = tensor_of(r, ta);
    o << "| " << md_cell(t.name) << " | " << dtype_name(t.dtype) << " | " << shape_x(t.shape) << " | "
      << num(ta.absmax_over_std, "%.1f") << " | " << num(ta.kurtosis, "%.2f") << " |";
    for (size_t s = 0; s < r.schemes.size(); ++s) {
      const bool flag = std::find(worst[s].begin(), worst[s].end(), i) != worst[s].end();
      const std::string v = ta.results[s].metrics ? opt(ta.results[s].metrics->sqnr_db, "%.2f") : "n/a";
      o << " " << (flag ? "**" + v + "**" : v) << " |";
    }
    o << "\n";
  }
  return o.str();
}

namespace {

// A model whose tensors follow a layer pattern gets a layer × module grid per scheme (one
// shared colour scale, the worst cells marked) and keeps the bars for the other tensors;
// any other model gets the bars for every tensor.
void write_layer_sections(std::ostringstream& o, const Report& r) {
  const ModelAnalysis& a = *r.analysis;
  const std::optional<LayerGrid> grid = layer_grid(*r.model, a);
  std::vector<size_t> bars;
  if (grid) {
    const auto [lo, hi] = sqnr_range(*grid, a);
    o << "<h2>SQNR by layer and module</h2>\n<p class=\"muted\">" << grid->rows() << " layers (<code>"
      << xml_escape(grid->prefix) << "N.</code>) × " << grid->cols()
      << " modules; cell colour = SQNR on one scale for every scheme; the 3 lowest of each scheme are outlined "
         "and marked ▼. Hover a cell for its tensor and value.</p>\n"
      << report_svg::sqnr_scale(lo, hi) << "\n";
    for (size_t s = 0; s < r.schemes.size(); ++s) {
      o << "<h3><span class=\"sw\" style=\"background:" << kColors[s % 8] << "\"></span><code>"
        << xml_escape(print_spec(r.schemes[s])) << "</code></h3>\n" << report_svg::layer_grid(r, *grid, s, lo, hi) << "\n";
    }
    bars = grid->rest;
  } else {
    for (size_t i = 0; i < a.tensors.size(); ++i) bars.push_back(i);
  }
  if (!bars.empty()) {
    o << "<h2>SQNR per tensor" << (grid ? " (outside the layers)" : "") << "</h2>\n" << report_svg::sqnr_bars(r, bars)
      << "\n";
  }
}

}  // namespace

std::string report_html(const Report& r) {
  const ModelAnalysis& a = *r.analysis;
  std::ostringstream o;
  const std::string title = "QuantScope report: " + fs::path(r.file).filename().string();
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
    << "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/><title>"
    << xml_escape(title) << "</title><style>"
    << "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:2em auto;max-width:70em;color:#1f2937;"
       "padding:0 1em}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #ddd}"
       "table{border-collapse:collapse;font-size:.85em;margin:.5em 0}th,td{padding:.25em .6em;border-bottom:1px solid #e5e7eb;"
       "text-align:right}th:first-child,td:first-child{text-align:left}code{font-size:.95em}.worst{color:#b91c1c;"
       "font-weight:bold}.lbl{font-size:10px;fill:#374151}.key span{display:inline-block;margin-right:1.2em}"
       ".sw{display:inline-block;width:.8em;height:.8em;margin-right:.3em}.muted{color:#6b7280}"
       "@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}svg,table{page-break-inside:avoid}}"
    << "</style></head><body>\n";
  o << "<h1>" << xml_escape(title) << "</h1>\n<p class=\"muted\">File <code>" << xml_escape(r.file) << "</code> ("
    << xml_escape(r.model->format) << "), " << a.tensors.size() << " floating-point tensors"
    << (r.tensor_regex.empty() ? "" : " matching <code>" + xml_escape(r.tensor_regex) + "</code>") << ", "
    << human_bytes(a.bytes_read) << " read in " << num(r.seconds, "%.2f") << " s · QuantScope " << QS_VERSION
    << "</p>\n";
  o << "<h2>Schemes over the whole model</h2>\n<table><tr><th>scheme</th><th>tensors</th><th>bits/weight</th><th>size</th>"
       "<th>pooled SQNR (dB)</th><th>MSE</th><th>max error</th><th>clipped</th></tr>\n";
  for (size_t s = 0; s < r.schemes.size(); ++s) {
    const SchemeTotal& t = a.totals[s];
    o << "<tr><td><span class=\"sw\" style=\"background:" << kColors[s % 8] << "\"></span><code>"
      << xml_escape(print_spec(r.schemes[s])) << "</code></td><td>" << t.tensors << "</td><td>"
      << opt(t.metrics.bits_per_weight, "%.3f") << "</td><td>" << human_bytes(int64_t(t.bytes())) << "</td><td>"
      << opt(t.metrics.sqnr_db, "%.2f") << "</td><td>" << opt(t.metrics.mse, "%.3e") << "</td><td>"
      << opt(t.metrics.max_abs_error, "%.3e") << "</td><td>"
      << (t.metrics.clipped_fraction ? num(*t.metrics.clipped_fraction * 100, "%.4f") + "%" : "") << "</td></tr>\n";
  }
  o << "<tr class=\"muted\"><td>as stored in the file</td><td>" << a.tensors.size() << "</td><td>" << stored_bpw(a)
    << "</td><td>" << human_bytes(a.bytes_read) << "</td><td></td><td></td><td></td><td></td></tr>\n";
  o << "</table>\n";
  if (a.stored_quantized > 0) o << "<p class=\"muted\">" << xml_escape(stored_note(a)) << "</p>\n";
  if (r.budget) {
    const BudgetPlan& p = r.budget->plan;
    o << "<h2>Bit budget: " << num(r.budget->target_bits_per_weight, "%.4g") << " bits/weight</h2>\n<p>"
      << (r.budget->objective == BudgetObjective::PooledSqnr ? "Maximizing the pooled SQNR" : "Maximizing the worst tensor's SQNR")
      << ", one scheme per tensor: " << num(p.bits_per_weight, "%.3f") << " bits/weight, " << human_bytes(int64_t(p.total_bits / 8))
      << ", pooled SQNR " << num(p.pooled_sqnr_db, "%.2f") << " dB, worst tensor " << num(p.worst_sqnr_db, "%.2f") << " dB"
      << (r.budget->objective == BudgetObjective::PooledSqnr
              ? " (upper bound for any mix within the budget: " + num(p.bound_sqnr_db, "%.2f") + " dB)"
              : std::string())
      << ". The plan per tensor is in budget.json.</p>\n<table><tr><th>scheme</th><th>tensors</th></tr>\n";
    for (size_t s2 = 0; s2 < r.schemes.size(); ++s2) {
      const auto n = std::count(p.choice.begin(), p.choice.end(), int(s2));
      if (n) o << "<tr><td><code>" << xml_escape(print_spec(r.schemes[s2])) << "</code></td><td>" << n << "</td></tr>\n";
    }
    o << "</table>\n";
  }
  o << "<h2>Bits per weight and pooled SQNR</h2>\n" << report_svg::tradeoff(r) << "\n";
  write_layer_sections(o, r);
  o << "<h2>Per tensor</h2>\n<p class=\"muted\">The 3 lowest SQNRs of each scheme are in red.</p>\n"
       "<table><tr><th>tensor</th><th>dtype</th><th>shape</th><th>max|x|/σ</th><th>kurtosis</th>";
  for (const Scheme& s : r.schemes) o << "<th><code>" << xml_escape(print_spec(s)) << "</code></th>";
  o << "</tr>\n";
  std::vector<std::vector<size_t>> worst;
  for (size_t s = 0; s < r.schemes.size(); ++s) worst.push_back(worst_tensors(a, s, kFlaggedPerScheme));
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const TensorAnalysis& ta = a.tensors[i];
    const TensorView& t = tensor_of(r, ta);
    o << "<tr><td>" << xml_escape(t.name) << "</td><td>" << dtype_name(t.dtype) << "</td><td>" << shape_x(t.shape)
      << "</td><td>" << num(ta.absmax_over_std, "%.1f") << "</td><td>" << num(ta.kurtosis, "%.2f") << "</td>";
    for (size_t s = 0; s < r.schemes.size(); ++s) {
      const bool flag = std::find(worst[s].begin(), worst[s].end(), i) != worst[s].end();
      o << "<td" << (flag ? " class=\"worst\"" : "") << ">"
        << (ta.results[s].metrics ? opt(ta.results[s].metrics->sqnr_db, "%.2f") : "n/a") << "</td>";
    }
    o << "</tr>\n";
  }
  o << "</table>\n";
  if (!r.worst.empty()) {
    o << "<h2>The " << r.worst.size() << " lowest-SQNR tensors under <code>" << xml_escape(print_spec(r.schemes[0]))
      << "</code></h2>\n<p class=\"muted\">Histogram of x (64 bins over its range) with the scheme's levels for its "
         "widest group as ticks below.</p>\n";
    for (const WorstTensorView& w : r.worst) {
      o << "<h3>" << xml_escape(tensor_of(r, a.tensors[w.tensor]).name) << " <span class=\"muted\">"
        << num(w.sqnr_db, "%.2f") << " dB</span></h3>\n" << report_svg::histogram(w) << "\n";
    }
  }
  o << "<p class=\"muted\">Metrics follow QuantScope's conventions: SQNR = 10·log10(Σx²/Σ(x−x̂)²) over finite "
       "elements; pooled values merge every selected tensor's sums.</p>\n</body></html>\n";
  return o.str();
}

Result<void> write_report(const std::string& dir, const Report& r, const std::vector<ReportAttachment>& attachments) {
  for (const ReportAttachment& a : attachments) {
    if (a.name.empty() || a.name.find('/') != std::string::npos || a.name == "." || a.name == "..")
      return make_error(dir + ": bad attachment name '" + a.name + "'");
  }
  std::error_code ec;
  const fs::path target(dir);
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (fs::exists(target, ec) && !fs::is_directory(target, ec)) return make_error(dir + ": exists and is not a directory");
  fs::create_directories(parent, ec);
  if (ec) return make_error(parent.string() + ": cannot create: " + ec.message());
  // The temporary sibling: same filesystem, so the renames below are atomic.
  fs::path tmp;
  for (int k = 0; k < 100; ++k) {
    tmp = parent / (".qs-report-" + std::to_string(::getpid()) + "-" + std::to_string(k));
    if (fs::create_directory(tmp, ec)) break;
    tmp.clear();
  }
  if (tmp.empty()) return make_error(parent.string() + ": cannot create a temporary directory");
  auto cleanup = [&] { fs::remove_all(tmp, ec); };
  const std::pair<const char*, std::string> files[] = {{"report.json", report_json(r).dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"},
                                                        {"report.csv", report_csv(r)},
                                                        {"report.md", report_markdown(r)},
                                                        {"report.html", report_html(r)}};
  std::vector<std::pair<std::string, std::string>> all(std::begin(files), std::end(files));
  if (r.budget) all.emplace_back("budget.json", budget_plan_json(r).dump(1) + "\n");
  for (const ReportAttachment& a : attachments) all.emplace_back(a.name, a.bytes);
  for (const auto& [name, text] : all) {
    if (auto w = write_text_atomic((tmp / name).string(), text); !w) {
      cleanup();
      return w;
    }
  }
  if (!fs::exists(target, ec)) {
    fs::rename(tmp, target, ec);
    if (!ec) return {};
    ec.clear();
    fs::create_directories(target, ec);
    if (ec) {
      cleanup();
      return make_error(dir + ": cannot create: " + ec.message());
    }
  }
  for (const auto& [name, text] : all) {
    fs::rename(tmp / name, target / name, ec);
    if (ec) {
      cleanup();
      return make_error((target / name).string() + ": cannot write: " + ec.message());
    }
  }
  cleanup();
  return {};
}

}  // namespace qs
