// The range pass and the params per group (see quantize_passes.h).
#include "analysis/quant/quantize_passes.h"

#include <cmath>
#include <condition_variable>
#include <limits>
#include <mutex>

#include "analysis/quant/calibrate.h"
#include "analysis/quant/quantize_kernels.h"

namespace qs::detail {

namespace {

// Workers sleep on `wake` until a new generation names them (index < wanted), run the
// job, and count themselves finished. Never destroyed: the workers block forever at exit
// instead of racing static destructors.
class Pool {
 public:
  // Runs job on `threads` threads if the pool is free; false if it is busy.
  bool run(int threads, const std::function<void(int)>& job) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lk(m_);
      while (int(workers_.size()) < threads - 1) {
        const int index = int(workers_.size()) + 1;
        workers_.emplace_back([this, index] { loop(index); });
        workers_.back().detach();
      }
      job_ = &job;
      wanted_ = threads;
      finished_ = 0;
      ++gen_;
    }
    wake_.notify_all();
    job(0);
    std::unique_lock<std::mutex> lk(m_);
    done_.wait(lk, [&] { return finished_ == wanted_ - 1; });
    job_ = nullptr;
    return true;
  }

 private:
  void loop(int index) {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int)>* job;
      {
        std::unique_lock<std::mutex> lk(m_);
        wake_.wait(lk, [&] { return gen_ != seen && index < wanted_; });
        seen = gen_;
        job = job_;
      }
      (*job)(index);
      {
        std::lock_guard<std::mutex> lk(m_);
        ++finished_;
      }
      done_.notify_one();
    }
  }

  std::mutex busy_, m_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* job_ = nullptr;
  uint64_t gen_ = 0;
  int wanted_ = 0, finished_ = 0;
};

}  // namespace

void run_on_threads(int threads, const std::function<void(int)>& job) {
  static Pool* pool = new Pool();  // see Pool: never destroyed
  if (pool->run(threads, job)) return;
  std::vector<std::thread> extra;
  for (int t = 1; t < threads; ++t) extra.emplace_back(job, t);
  job(0);
  for (auto& th : extra) th.join();
}

GroupRanges range_pass(std::span<const float> x, const GroupLayout& L, int threads) {
  const int64_t G = L.groups;
  const float inf = std::numeric_limits<float>::infinity();
  GroupRanges out;
  out.mn.assign(size_t(G), inf);
  out.mx.assign(size_t(G), -inf);
  out.nonfinite.assign(size_t(G), 0);
  if (L.numel == 0) return out;

  if (use_periodic(L)) {
    const int64_t P = L.dim * L.inner, rows = L.numel / P;
    std::vector<std::vector<float>> pmn(static_cast<size_t>(threads)), pmx(static_cast<size_t>(threads));
    std::vector<int64_t> nf(size_t(threads), 0);
    const int64_t rows_per_item = std::max<int64_t>(1, kChunk / P);
    const int64_t items = (rows + rows_per_item - 1) / rows_per_item;
    parallel_for(items, threads, [&](int64_t item, int t) {
      if (pmn[size_t(t)].empty()) {
        pmn[size_t(t)].assign(size_t(P), inf);
        pmx[size_t(t)].assign(size_t(P), -inf);
      }
      const int64_t r0 = item * rows_per_item, r1 = std::min(rows, r0 + rows_per_item);
      for (int64_t r = r0; r < r1; ++r) {
        nf[size_t(t)] += kernels::range_finite_positions(x.data() + r * P, P, pmn[size_t(t)].data(),
                                                         pmx[size_t(t)].data());
      }
    });
    for (int t = 0; t < threads; ++t) {
      out.total_nonfinite += nf[size_t(t)];
      if (pmn[size_t(t)].empty()) continue;
      for (int64_t k = 0; k < P; ++k) {
        const int64_t g = k / L.inner;
        out.mn[size_t(g)] = std::min(out.mn[size_t(g)], pmn[size_t(t)][size_t(k)]);
        out.mx[size_t(g)] = std::max(out.mx[size_t(g)], pmx[size_t(t)][size_t(k)]);
      }
    }
    if (out.total_nonfinite > 0) {  // rare: count per group exactly
      for (int64_t i = 0; i < L.numel; ++i) {
        if (!std::isfinite(x[size_t(i)])) ++out.nonfinite[size_t(L.group_of(i))];
      }
    }
    return out;
  }

  // Run mode: every run of elements shares one group.
  const int64_t items = (L.numel + kChunk - 1) / kChunk;
  struct Local {
    std::vector<float> mn, mx;
    std::vector<int64_t> nf;
  };
  std::vector<Local> local(static_cast<size_t>(threads));
  parallel_for(items, threads, [&](int64_t item, int t) {
    Local& lo = local[size_t(t)];
    if (lo.mn.empty()) {
      lo.mn.assign(size_t(G), inf);
      lo.mx.assign(size_t(G), -inf);
      lo.nf.assign(size_t(G), 0);
    }
    const int64_t end = std::min(L.numel, (item + 1) * kChunk);
    for (int64_t i = item * kChunk; i < end;) {
      const int64_t len = std::min(L.run_length(i), end - i);
      const int64_t g = L.group_of(i);
      lo.nf[size_t(g)] += kernels::range_finite(x.data() + i, len, &lo.mn[size_t(g)], &lo.mx[size_t(g)]);
      i += len;
    }
  });
  for (const Local& lo : local) {
    if (lo.mn.empty()) continue;
    for (int64_t g = 0; g < G; ++g) {
      out.mn[size_t(g)] = std::min(out.mn[size_t(g)], lo.mn[size_t(g)]);
      out.mx[size_t(g)] = std::max(out.mx[size_t(g)], lo.mx[size_t(g)]);
      out.nonfinite[size_t(g)] += lo.nf[size_t(g)];
      out.total_nonfinite += lo.nf[size_t(g)];
    }
  }
  return out;
}

std::vector<GroupParams> choose_all_params(std::span<const float> x, const GroupLayout& L,
                                           const Scheme& s, const GroupRanges& r, int threads) {
  const int64_t G = L.groups;
  std::vector<GroupParams> params(static_cast<size_t>(G));
  if (!clip_needs_data(s.clip.method)) {
    for (int64_t g = 0; g < G; ++g) {
      const bool empty = r.nonfinite[size_t(g)] == group_size(L, g);
      if (empty) {
        params[size_t(g)] = choose_params(s, 0.0f, 0.0f, false);
      } else if (s.clip.method == ClipMethod::None) {
        params[size_t(g)] = choose_params(s, r.mn[size_t(g)], r.mx[size_t(g)], false);
      } else {  // Range
        params[size_t(g)] = choose_params(s, float(s.clip.lo), float(s.clip.hi), true);
      }
    }
    return params;
  }
  // Calibration needs each group's finite values.
  if (G == 1 && r.total_nonfinite == 0) {
    params[0] = params_for_group(s, x);
    return params;
  }
  std::vector<int64_t> offset(size_t(G) + 1, 0);
  for (int64_t g = 0; g < G; ++g) {
    offset[size_t(g) + 1] = offset[size_t(g)] + group_size(L, g) - r.nonfinite[size_t(g)];
  }
  std::vector<float> values(static_cast<size_t>(offset[size_t(G)]));
  std::vector<int64_t> fill(offset.begin(), offset.end() - 1);
  for (int64_t i = 0; i < L.numel;) {
    const int64_t len = use_periodic(L) ? 1 : L.run_length(i);
    const int64_t g = L.group_of(i);
    for (int64_t k = i; k < i + len; ++k) {
      if (std::isfinite(x[size_t(k)])) values[size_t(fill[size_t(g)]++)] = x[size_t(k)];
    }
    i += len;
  }
  parallel_for(G, threads, [&](int64_t g, int) {
    params[size_t(g)] = params_for_group(
        s, std::span<const float>(values).subspan(size_t(offset[size_t(g)]),
                                                  size_t(offset[size_t(g) + 1] - offset[size_t(g)])));
  });
  return params;
}

}  // namespace qs::detail
