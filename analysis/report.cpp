// Report rendering. Numbers come from the analysis unchanged; each format only lays them
// out. The HTML is XHTML (well-formed XML) with inline SVG, so it opens offline, parses
// as XML, and prints.
#include "analysis/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <unistd.h>

#include "analysis/atomic_file.h"
#include "analysis/explore.h"

namespace qs {
namespace {

namespace fs = std::filesystem;

std::string num(double v, const char* f = "%.6g") {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string opt(const std::optional<double>& v, const char* f = "%.6g") { return v ? num(*v, f) : ""; }

std::string shape_x(const std::vector<int64_t>& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += "x";
    out += std::to_string(s[i]);
  }
  return out.empty() ? "scalar" : out;
}

std::string xml_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') o += "?"; else o += c;
    }
  }
  return o;
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

double sqnr_or(const SchemeOnTensor& s, double fallback) {
  return s.metrics && s.metrics->sqnr_db ? *s.metrics->sqnr_db : fallback;
}

std::string stored_bpw(const ModelAnalysis& a) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", a.numel ? 8.0 * double(a.bytes_read) / double(a.numel) : 0.0);
  return buf;
}

// GGUF block tensors have no float original in the file: their reference is the grid the
// file stores, so each scheme's numbers are what re-quantizing adds on top of it.
std::string stored_note(const ModelAnalysis& a) {
  return std::to_string(a.stored_quantized) +
         " of these tensors are stored block-quantized (GGUF): they are decoded to the values the file holds, and "
         "each scheme's error is measured against those, i.e. what re-quantizing adds on top of the stored grid.";
}

const char* kColors[] = {"#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#14b8a6", "#ec4899", "#84cc16"};

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

// Grouped horizontal bars: one row per tensor, one bar per scheme (SQNR in dB).
std::string sqnr_bars_svg(const Report& r) {
  const ModelAnalysis& a = *r.analysis;
  const size_t S = r.schemes.size(), T = a.tensors.size();
  double hi = 1;
  for (const TensorAnalysis& ta : a.tensors) {
    for (const SchemeOnTensor& s : ta.results) {
      const double v = sqnr_or(s, 0);
      if (std::isfinite(v)) hi = std::max(hi, v);
    }
  }
  const double label_w = 260, plot_w = 460, bar_h = 7, row_h = double(S) * bar_h + 6;
  const double h = double(T) * row_h + 40;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label_w + plot_w + 20 << "\" height=\"" << h
    << "\" role=\"img\"><title>SQNR per tensor and scheme</title>";
  for (size_t i = 0; i < T; ++i) {
    const double y0 = 10 + double(i) * row_h;
    const TensorView& t = tensor_of(r, a.tensors[i]);
    o << "<text x=\"" << label_w - 6 << "\" y=\"" << y0 + row_h / 2 + 3 << "\" text-anchor=\"end\" class=\"lbl\">"
      << xml_escape(t.name.size() > 44 ? "…" + t.name.substr(t.name.size() - 43) : t.name) << "</text>";
    for (size_t s = 0; s < S; ++s) {
      const double v = sqnr_or(a.tensors[i].results[s], 0);
      const double w = std::isfinite(v) ? std::max(0.0, v) / hi * plot_w : plot_w;
      o << "<rect x=\"" << label_w << "\" y=\"" << y0 + double(s) * bar_h << "\" width=\"" << num(w, "%.1f")
        << "\" height=\"" << bar_h - 1 << "\" fill=\"" << kColors[s % 8] << "\"><title>" << xml_escape(print_spec(r.schemes[s]))
        << ": " << num(v, "%.2f") << " dB</title></rect>";
    }
  }
  const double axis_y = 10 + double(T) * row_h + 4;
  o << "<line x1=\"" << label_w << "\" y1=\"" << axis_y << "\" x2=\"" << label_w + plot_w << "\" y2=\"" << axis_y
    << "\" stroke=\"#888\"/>";
  for (int k = 0; k <= 4; ++k) {
    const double x = label_w + plot_w * k / 4;
    o << "<text x=\"" << x << "\" y=\"" << axis_y + 14 << "\" text-anchor=\"middle\" class=\"lbl\">" << num(hi * k / 4, "%.0f")
      << (k == 4 ? " dB" : "") << "</text>";
  }
  o << "</svg>";
  return o.str();
}

// Bits/weight (x) vs pooled SQNR (y) of each scheme.
std::string tradeoff_svg(const Report& r) {
  const ModelAnalysis& a = *r.analysis;
  double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
  for (const SchemeTotal& t : a.totals) {
    if (!t.metrics.bits_per_weight || !t.metrics.sqnr_db || !std::isfinite(*t.metrics.sqnr_db)) continue;
    x0 = std::min(x0, *t.metrics.bits_per_weight), x1 = std::max(x1, *t.metrics.bits_per_weight);
    y0 = std::min(y0, *t.metrics.sqnr_db), y1 = std::max(y1, *t.metrics.sqnr_db);
  }
  if (x0 > x1) x0 = 0, x1 = 16, y0 = 0, y1 = 60;
  const double px = std::max(0.5, (x1 - x0) * 0.15), py = std::max(2.0, (y1 - y0) * 0.15);
  x0 -= px, x1 += px, y0 -= py, y1 += py;
  const double W = 520, H = 300, L = 50, B = 30;
  auto X = [&](double v) { return L + (v - x0) / (x1 - x0) * (W - L - 10); };
  auto Y = [&](double v) { return H - B - (v - y0) / (y1 - y0) * (H - B - 10); };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" role=\"img\"><title>bits per weight against pooled SQNR</title>";
  o << "<rect x=\"" << L << "\" y=\"10\" width=\"" << W - L - 10 << "\" height=\"" << H - B - 10
    << "\" fill=\"none\" stroke=\"#888\"/>";
  for (int k = 0; k <= 4; ++k) {
    const double xv = x0 + (x1 - x0) * k / 4, yv = y0 + (y1 - y0) * k / 4;
    o << "<text x=\"" << X(xv) << "\" y=\"" << H - B + 14 << "\" text-anchor=\"middle\" class=\"lbl\">" << num(xv, "%.1f")
      << "</text>";
    o << "<text x=\"" << L - 4 << "\" y=\"" << Y(yv) + 3 << "\" text-anchor=\"end\" class=\"lbl\">" << num(yv, "%.0f")
      << "</text>";
  }
  o << "<text x=\"" << (L + W) / 2 << "\" y=\"" << H - 2 << "\" text-anchor=\"middle\" class=\"lbl\">bits / weight</text>";
  o << "<text x=\"12\" y=\"" << (H - B) / 2 << "\" class=\"lbl\" transform=\"rotate(-90 12 " << (H - B) / 2
    << ")\" text-anchor=\"middle\">pooled SQNR (dB)</text>";
  for (size_t s = 0; s < a.totals.size(); ++s) {
    const Metrics& m = a.totals[s].metrics;
    if (!m.bits_per_weight || !m.sqnr_db || !std::isfinite(*m.sqnr_db)) continue;
    const double cx = X(*m.bits_per_weight), cy = Y(*m.sqnr_db);
    o << "<circle cx=\"" << num(cx, "%.1f") << "\" cy=\"" << num(cy, "%.1f") << "\" r=\"5\" fill=\"" << kColors[s % 8]
      << "\"/><text x=\"" << num(cx + 8, "%.1f") << "\" y=\"" << num(s % 2 ? cy + 14 : cy - 6, "%.1f")
      << "\" class=\"lbl\">"
      << xml_escape(print_spec(r.schemes[s])) << "</text>";
  }
  o << "</svg>";
  return o.str();
}

// x's histogram with the scheme's levels as ticks underneath.
std::string histogram_svg(const WorstTensorView& w) {
  const double W = 520, H = 150, L = 10, B = 34;
  const Histogram& h = w.hist;
  uint64_t top = 1;
  for (uint64_t c : h.counts) top = std::max(top, c);
  const double lo = h.spec.lo, hi = h.spec.hi > h.spec.lo ? h.spec.hi : h.spec.lo + 1;
  auto X = [&](double v) { return L + (v - lo) / (hi - lo) * (W - 2 * L); };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" role=\"img\">";
  const double bw = (W - 2 * L) / double(std::max<size_t>(1, h.counts.size()));
  for (size_t i = 0; i < h.counts.size(); ++i) {
    const double bh = double(h.counts[i]) / double(top) * (H - B - 8);
    o << "<rect x=\"" << num(L + bw * double(i), "%.1f") << "\" y=\"" << num(H - B - bh, "%.1f") << "\" width=\""
      << num(std::max(0.5, bw - 0.5), "%.1f") << "\" height=\"" << num(bh, "%.1f") << "\" fill=\"#3b82f6\"/>";
  }
  size_t shown = 0;
  for (float l : w.levels) {
    if (l < lo || l > hi || ++shown > 400) continue;
    const double x = X(l);
    o << "<line x1=\"" << num(x, "%.1f") << "\" y1=\"" << H - B + 2 << "\" x2=\"" << num(x, "%.1f") << "\" y2=\""
      << H - B + 10 << "\" stroke=\"#f59e0b\"/>";
  }
  o << "<text x=\"" << L << "\" y=\"" << H - 6 << "\" class=\"lbl\">" << num(lo, "%.4g") << "</text>";
  o << "<text x=\"" << W - L << "\" y=\"" << H - 6 << "\" text-anchor=\"end\" class=\"lbl\">" << num(hi, "%.4g") << "</text>";
  o << "</svg>";
  return o.str();
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
  o << "<h2>Bits per weight and pooled SQNR</h2>\n" << tradeoff_svg(r) << "\n";
  o << "<h2>SQNR per tensor</h2>\n" << sqnr_bars_svg(r) << "\n";
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
        << num(w.sqnr_db, "%.2f") << " dB</span></h3>\n" << histogram_svg(w) << "\n";
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
