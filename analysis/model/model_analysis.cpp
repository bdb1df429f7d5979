// Whole-model analysis: a loop over tensors around the single-tensor quantizer. The
// loop itself does little (decode, one quantize per scheme, merge sums), so its
// throughput is the kernels' (bench: issue #7).
#include "analysis/model/model_analysis.h"

#include <regex.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>

#include "analysis/base/parallel.h"
#include "analysis/numeric/tensor_decode.h"
#include "analysis/quant/quantize.h"

namespace qs {

// Two passes, each a float64 sum per fixed item of kDecodeChunk elements, the items'
// sums added in item order: the same value at any thread count.
double excess_kurtosis(std::span<const float> x, int threads) {
  const int64_t items = chunk_count(int64_t(x.size()), kDecodeChunk);
  auto item_span = [&](int64_t c) {
    const size_t first = size_t(c * kDecodeChunk);
    return x.subspan(first, std::min(x.size() - first, size_t(kDecodeChunk)));
  };
  struct Sums {
    double a = 0, b = 0;
  };
  auto add = [](Sums& acc, const Sums& p) { acc.a += p.a, acc.b += p.b; };
  const Sums first = parallel_reduce(
      items, threads, Sums{},
      [&](int64_t c) {
        Sums s;  // a = n, b = Σx
        for (float v : item_span(c))
          if (std::isfinite(v)) s.a += 1, s.b += v;
        return s;
      },
      add);
  const double n = first.a;
  if (n == 0) return 0;
  const double mean = first.b / n;
  const Sums second = parallel_reduce(
      items, threads, Sums{},
      [&](int64_t c) {
        Sums s;  // a = Σd², b = Σd⁴
        for (float v : item_span(c)) {
          if (!std::isfinite(v)) continue;
          const double d = double(v) - mean, d2 = d * d;
          s.a += d2;
          s.b += d2 * d2;
        }
        return s;
      },
      add);
  const double m2 = second.a / n, m4 = second.b / n;
  return m2 > 0 ? m4 / (m2 * m2) - 3.0 : 0.0;
}

SchemeTotal pool_metrics(const std::vector<const Metrics*>& parts) {
  SchemeTotal t;
  ErrorSums sums;
  int64_t numel = 0, nonfinite = 0, codes = 0;
  for (const Metrics* m : parts) {
    sums.merge(m->sums);
    numel += m->numel;
    nonfinite += m->n_nonfinite;
    codes = std::max(codes, m->codes_used);
    if (m->bits_per_weight) t.total_bits += *m->bits_per_weight * double(m->numel);
    ++t.tensors;
  }
  std::optional<double> bpw;
  if (numel > 0) bpw = t.total_bits / double(numel);
  t.metrics = finalize_metrics(sums, numel, nonfinite, codes, bpw);
  return t;
}

std::vector<size_t> worst_tensors(const ModelAnalysis& a, size_t s, size_t k) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    if (s < a.tensors[i].results.size() && a.tensors[i].results[s].metrics && a.tensors[i].results[s].metrics->sqnr_db)
      idx.push_back(i);
  }
  std::stable_sort(idx.begin(), idx.end(), [&](size_t x, size_t y) {
    return *a.tensors[x].results[s].metrics->sqnr_db < *a.tensors[y].results[s].metrics->sqnr_db;
  });
  if (idx.size() > k) idx.resize(k);
  return idx;
}

namespace {

// POSIX extended regex (regex.h), RAII: std::regex trips GCC 12's -Wmaybe-uninitialized
// under the sanitizer build, and this is all we need.
class NameFilter {
 public:
  static Result<std::unique_ptr<NameFilter>> make(const std::string& pattern) {
    auto f = std::unique_ptr<NameFilter>(new NameFilter());
    if (pattern.empty()) return f;
    const int rc = regcomp(&f->re_, pattern.c_str(), REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
      char buf[256];
      regerror(rc, &f->re_, buf, sizeof buf);
      return make_error("--tensors '" + pattern + "': " + buf);
    }
    f->active_ = true;
    return f;
  }
  ~NameFilter() {
    if (active_) regfree(&re_);
  }
  bool match(const std::string& name) const { return !active_ || regexec(&re_, name.c_str(), 0, nullptr, 0) == 0; }

 private:
  NameFilter() = default;
  regex_t re_{};
  bool active_ = false;
};

}  // namespace

Result<std::vector<size_t>> select_tensors(const Model& m, const std::string& tensor_regex) {
  auto filter = NameFilter::make(tensor_regex);
  if (!filter) return tl::unexpected(filter.error());
  std::vector<size_t> selected;
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    const TensorView& t = m.tensors[i];
    if (dtype_is_float(t.dtype) && (*filter)->match(t.name)) selected.push_back(i);
  }
  return selected;
}

Result<ModelAnalysis> analyze_model(const Model& m, const ModelAnalysisRequest& r, RunControl* control) {
  if (r.schemes.empty()) return make_error("no schemes to analyze the model with");
  auto sel = select_tensors(m, r.tensor_regex);
  if (!sel) return tl::unexpected(sel.error());
  const std::vector<size_t>& selected = *sel;
  ModelAnalysis out;
  int64_t total_bytes = 0;
  for (size_t i : selected) total_bytes += int64_t(m.tensors[i].bytes.size());
  if (control) {
    control->total = total_bytes;
    control->items_total = int64_t(selected.size());
  }
  std::vector<float> storage;
  for (size_t i : selected) {
    if (control && control->cancelled()) {
      out.cancelled = true;
      break;
    }
    const TensorView& t = m.tensors[i];
    TensorAnalysis ta;
    ta.index = i;
    const std::span<const float> x = to_float(t, storage, r.threads);
    ta.stats = compute_stats(x, r.threads);
    ta.kurtosis = excess_kurtosis(x, r.threads);
    ta.absmax_over_std = ta.stats.std > 0 ? ta.stats.absmax / ta.stats.std : 0;
    // The tensor's schemes: side by side, one thread each, when there are at least as
    // many as threads (no scheme keeps per-element arrays, so memory stays at the one
    // float copy); else one after another with every thread inside quantize(). A
    // quantization's metrics do not depend on its thread count, so neither way changes
    // a number. quantize() would take over the RunControl's progress counters, so cancel
    // is checked between quantizations (each is at most ~1 s, even for a 500 M tensor).
    const int threads = resolve_threads(r.threads);
    const int64_t n_schemes = int64_t(r.schemes.size());
    const bool side_by_side = n_schemes >= threads;
    ta.results.resize(r.schemes.size());
    std::atomic<bool> stopped{false};
    parallel_for(n_schemes, side_by_side ? threads : 1, [&](int64_t k, int) {
      const Scheme& s = r.schemes[size_t(k)];
      SchemeOnTensor& st = ta.results[size_t(k)];
      auto layout = make_layout(t.shape, s);
      if (!layout) {
        st.error = layout.error().message;
        return;
      }
      if (stopped.load() || (control && control->cancelled())) {
        stopped = true;
        return;
      }
      QuantizeOptions opt;
      opt.threads = side_by_side ? 1 : threads;
      QuantizeResult q = quantize(x, t.shape, s, opt);
      if (!q.error.empty()) {
        st.error = q.error;  // a transform that cannot run here (rot on NaN): listed like a shape that does not fit
        return;
      }
      st.metrics = q.metrics;
    });
    if (stopped.load()) {
      out.cancelled = true;
      break;
    }
    out.bytes_read += int64_t(t.bytes.size());
    out.numel += t.numel();
    if (has_stored_quant(t)) ++out.stored_quantized;
    if (control) {
      control->done = out.bytes_read;
      control->items_done = int64_t(out.tensors.size()) + 1;
    }
    m.release_pages(t);
    out.tensors.push_back(std::move(ta));
  }
  for (size_t k = 0; k < r.schemes.size(); ++k) {
    std::vector<const Metrics*> parts;
    for (const TensorAnalysis& ta : out.tensors) {
      if (ta.results[k].metrics) parts.push_back(&*ta.results[k].metrics);
    }
    out.totals.push_back(pool_metrics(parts));
  }
  return out;
}

}  // namespace qs
