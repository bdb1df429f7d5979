// KL (entropy) calibration, TensorRT style: the |x| histogram (per worker, merged) and
// the candidate search (see calibrate.cpp's header comment for the rule).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "analysis/quant/calibrate.h"
#include "analysis/quant/calibrate_internal.h"
#include "analysis/quant/calibrate_kernels.h"

namespace qs {
namespace calib_detail {
namespace {

inline constexpr double kKlEpsilon = 1e-10;

// Per-histogram prefix sums so one candidate costs O(levels), not O(i):
// H = Σ h, A = Σ h·ln h, C = #non-empty bins.
struct KlPrefix {
  std::vector<double> h, H, A, C;
  double total = 0.0;
  explicit KlPrefix(std::span<const double> hist)
      : h(hist.begin(), hist.end()),
        H(hist.size() + 1, 0.0),
        A(hist.size() + 1, 0.0),
        C(hist.size() + 1, 0.0) {
    for (std::size_t j = 0; j < hist.size(); ++j) {
      const double v = hist[j];
      H[j + 1] = H[j] + v;
      A[j + 1] = A[j] + (v > 0.0 ? v * std::log(v) : 0.0);
      C[j + 1] = C[j] + (v > 0.0 ? 1.0 : 0.0);
    }
    total = H[hist.size()];
  }
};

// KL(P‖Q) for keeping the first i bins, Q with `levels` buckets (see the header comment).
//   KL = Σ_j P_j (ln P_j - ln Q_j), P_j = h_j/N (j < i-1), Q_j = (m_b/c_b)/S for h_j > 0
// so a bucket's bins j < i-1 contribute (1/N)[Σ h ln h - Σ h·(ln N + ln m_b - ln c_b - ln S)].
double kl_candidate(const KlPrefix& pf, std::size_t i, std::size_t levels) {
  const double n = pf.total;
  if (n <= 0.0) return 0.0;
  const double log_n = std::log(n);
  const double s_mass = pf.H[i];  // Σ hist[0:i]: Q's normalization
  const double log_s = s_mass > 0.0 ? std::log(s_mass) : 0.0;
  double kl = 0.0;
  for (std::size_t b = 0; b < levels; ++b) {
    const std::size_t start = (b * i + levels - 1) / levels;  // first j with ⌊jL/i⌋ = b
    const std::size_t end = ((b + 1) * i + levels - 1) / levels;
    const double m = pf.H[end] - pf.H[start];
    if (m <= 0.0) continue;  // empty bucket: all its P terms are 0 (bin i-1 handled below)
    const double c = pf.C[end] - pf.C[start];
    const std::size_t e = std::min(end, i - 1);  // bin i-1 carries the outliers: separate
    if (e <= start) continue;
    const double sum_hlogh = pf.A[e] - pf.A[start];
    const double sum_h = pf.H[e] - pf.H[start];
    kl += (sum_hlogh - sum_h * (log_n + std::log(m) - std::log(c) - log_s)) / n;
  }
  // Bin i-1: P gets the outliers; Q is its bucket's share, or ε if the bin is empty.
  const double p_last = (pf.h[i - 1] + (pf.total - pf.H[i])) / n;
  if (p_last > 0.0) {
    double log_q = std::log(kKlEpsilon);
    if (pf.h[i - 1] > 0.0) {
      const std::size_t b = (i - 1) * levels / i;
      const std::size_t start = (b * i + levels - 1) / levels;
      const double m = pf.H[i] - pf.H[start];
      const double c = pf.C[i] - pf.C[start];
      log_q = std::log(m) - std::log(c) - log_s;
    }
    kl += p_last * (std::log(p_last) - log_q);
  }
  return kl;
}

std::size_t kl_levels(int bits) {
  const int b = std::clamp(bits, 1, 12);  // 2^11 = 2048 levels: no merge left to judge
  return std::min(std::size_t(1) << (b - 1), kKlBins);
}

}  // namespace

int kl_bits_for(const Scheme& s) {
  switch (s.kind) {
    case Kind::Absmax:
    case Kind::Minmax:
      return s.bits;
    case Kind::NF4:
      return 4;  // 8 levels per sign
    case Kind::Float:
    case Kind::Preset:
      return 8;
  }
  return 8;
}

float kl_threshold_with_amax(std::span<const float> x, int bits, float amax, int threads) {
  if (amax == 0.0f) return 0.0f;
  std::vector<double> hist(kKlBins, 0.0);
  {
    // One count array per worker (integer counts: the same totals in any order).
    const std::size_t n = x.size();
    threads = threads_for(n, threads);
    std::vector<std::vector<uint64_t>> counts(static_cast<size_t>(threads));
    std::vector<std::vector<uint32_t>> bufs(static_cast<size_t>(threads));
    const double scale = double(kKlBins) / double(amax);
    // |x| = amax lands in bin 2048 and is moved into the last (closed) bin.
    parallel_for(items_of(n), threads, [&](int64_t item, int w) {
      auto& c = counts[size_t(w)];
      auto& buf = bufs[size_t(w)];
      if (c.empty()) c.assign(kKlBins, 0), buf.resize(kBlock);
      const std::size_t end = std::min(n, std::size_t(item + 1) * kItem);
      for (std::size_t off = std::size_t(item) * kItem; off < end; off += kBlock) {
        const std::size_t len = std::min(kBlock, end - off);
        calib_kernels::abs_bins(x.data() + off, len, scale, uint32_t(kKlBins), buf.data());
        for (std::size_t j = 0; j < len; ++j) ++c[buf[j]];
      }
    });
    for (const auto& c : counts)
      if (!c.empty())
        for (std::size_t j = 0; j < kKlBins; ++j) hist[j] += double(c[j]);
  }
  const KlPrefix pf(hist);
  const std::size_t levels = kl_levels(bits);
  std::size_t best_i = kKlBins;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = levels; i <= kKlBins; ++i) {
    const double d = kl_candidate(pf, i, levels);
    if (d <= best) {  // ties → the larger i
      best = d;
      best_i = i;
    }
  }
  const double t = (double(best_i) + 0.5) * (double(amax) / double(kKlBins));
  return std::min(float(t), amax);
}

}  // namespace calib_detail

double kl_divergence(std::span<const double> hist, std::size_t i, std::size_t levels) {
  i = std::min(i, hist.size());
  if (i == 0 || levels == 0) return 0.0;
  levels = std::min(levels, i);
  const calib_detail::KlPrefix pf(hist);
  return calib_detail::kl_candidate(pf, i, levels);
}

}  // namespace qs
