// The Hadamard rotation (hadamard.h): per row, per block of b, v ↦ (v ⊙ d)·H_b/√b by an
// in-place fast Walsh–Hadamard transform in float64, rounded once to float32.
//
// Every output element is the result of the same float64 operations in the same order in
// the fast kernel and in the `_ref` twin: the butterflies (a + c, a − c, the lower element
// first) are exact re-orderings of independent operations, never a different grouping, so
// the two give the same bits (the tests check it). Sylvester order falls out of the
// classic loop: stage h pairs j and j + h inside each run of 2h.
#include "analysis/transforms/hadamard.h"

#include <bit>
#include <cmath>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "analysis/transforms/hadamard.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace qs::transforms {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Stage h of the butterfly over buf[0, len), scalar: the reference order of operations.
inline void ScalarStage(double* buf, int64_t len, int64_t h) {
  for (int64_t i = 0; i < len; i += 2 * h)
    for (int64_t j = i; j < i + h; ++j) {
      const double a = buf[j], c = buf[j + h];
      buf[j] = a + c;
      buf[j + h] = a - c;
    }
}

// Stages h in [h0, h1) (powers of two, h1 ≤ len) over buf[0, len), len a multiple of N and
// h0 ≥ N. Two stages at once where possible (radix 4: one load and one store per element
// for two stages, which halves the traffic; the operations are those of the two radix-2
// stages, in their order).
template <class D>
HWY_INLINE void VectorStages(D d, double* HWY_RESTRICT buf, int64_t len, int64_t h0, int64_t h1) {
  const int64_t N = int64_t(hn::Lanes(d));
  int64_t h = h0;
  for (; 2 * h < h1; h *= 4) {
    for (int64_t i = 0; i < len; i += 4 * h)
      for (int64_t j = i; j < i + h; j += N) {
        const auto v0 = hn::Load(d, buf + j), v1 = hn::Load(d, buf + j + h);
        const auto v2 = hn::Load(d, buf + j + 2 * h), v3 = hn::Load(d, buf + j + 3 * h);
        const auto s01 = hn::Add(v0, v1), d01 = hn::Sub(v0, v1);  // stage h
        const auto s23 = hn::Add(v2, v3), d23 = hn::Sub(v2, v3);
        hn::Store(hn::Add(s01, s23), d, buf + j);  // stage 2h
        hn::Store(hn::Add(d01, d23), d, buf + j + h);
        hn::Store(hn::Sub(s01, s23), d, buf + j + 2 * h);
        hn::Store(hn::Sub(d01, d23), d, buf + j + 3 * h);
      }
  }
  for (; h < h1; h *= 2)
    for (int64_t i = 0; i < len; i += 2 * h)
      for (int64_t j = i; j < i + h; j += N) {
        const auto a = hn::Load(d, buf + j), c = hn::Load(d, buf + j + h);
        hn::Store(hn::Add(a, c), d, buf + j);
        hn::Store(hn::Sub(a, c), d, buf + j + h);
      }
}

// Buffers of this many doubles (16 KB) stay in L1: a long block runs every stage that
// fits inside such a sub-block before the stages that span them.
constexpr int64_t kCacheBlock = 2048;

// Rows [0, n_rows) of `in` (row stride cols) → out, block by block. d_in multiplies the
// input (forward), d_out the output (inverse); either may be null. buf holds b doubles,
// aligned. in and out may be the same memory (a block is read whole before it is written).
void HadamardRows(const float* in, float* out, int64_t n_rows, int64_t cols, int64_t b,
                  const float* d_in, const float* d_out, double* HWY_RESTRICT buf) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const int64_t N = int64_t(hn::Lanes(dd));
  const double sqrt_b = std::sqrt(double(b));
  // √b is a power of two when b is a power of 4: then ·(1/√b) is exact and equals /√b
  // (a division costs several multiplies).
  const bool exact_inv = std::countr_zero(uint64_t(b)) % 2 == 0;
  const auto inv_v = hn::Set(dd, 1.0 / sqrt_b), sqrt_v = hn::Set(dd, sqrt_b);

  // In-register stages h = 1, 2, 4 below N (8 doubles at most on x86): lane k pairs with
  // lane k ^ h; the lower lane keeps a + c, the upper one a − c (as the scalar loop
  // computes them). Permutations and masks are built once, outside the loops.
  using TI = hn::TFromD<hn::RebindToSigned<decltype(dd)>>;
  const hn::RebindToSigned<decltype(dd)> di;
  HWY_ALIGN TI idx[3][HWY_MAX_BYTES / sizeof(double)];
  const int n_reg = N >= 8 ? 3 : N >= 4 ? 2 : N >= 2 ? 1 : 0;
  for (int s = 0; s < 3; ++s)
    for (int64_t k = 0; k < N; ++k) idx[s][k] = TI(s < n_reg ? k ^ (int64_t(1) << s) : k);
  const auto iota = hn::Iota(di, 0);
  const auto upper = [&](TI h) {
    return hn::RebindMask(dd, hn::Ne(hn::And(iota, hn::Set(di, h)), hn::Zero(di)));
  };
  const auto ix0 = hn::SetTableIndices(dd, idx[0]), ix1 = hn::SetTableIndices(dd, idx[1]);
  const auto ix2 = hn::SetTableIndices(dd, idx[2]);
  const auto up0 = upper(1), up1 = upper(2), up2 = upper(4);
  const auto stage = [](auto v, auto ix, auto up) {
    const auto p = hn::TableLookupLanes(v, ix);
    return hn::IfThenElse(up, hn::Sub(p, v), hn::Add(v, p));
  };

  for (int64_t r = 0; r < n_rows; ++r) {
    const float* row_in = in + r * cols;
    float* row_out = out + r * cols;
    for (int64_t j0 = 0; j0 < cols; j0 += b) {
      if (b < N || N > 8) {  // blocks below a vector (or lanes past the 3 register stages): scalar
        for (int64_t k = 0; k < b; ++k)
          buf[k] = double(row_in[j0 + k]) * (d_in ? double(d_in[j0 + k]) : 1.0);
        for (int64_t h = 1; h < b; h *= 2) ScalarStage(buf, b, h);
        for (int64_t k = 0; k < b; ++k) {
          const double y = exact_inv ? buf[k] * (1.0 / sqrt_b) : buf[k] / sqrt_b;
          row_out[j0 + k] = float(y) * (d_out ? d_out[j0 + k] : 1.0f);
        }
        continue;
      }
      // Load (v ⊙ d, exact), the in-register stages, then every stage inside the
      // L1-sized sub-block; the sub-blocks are then joined by the remaining stages.
      const int64_t sub = std::min(b, kCacheBlock);
      for (int64_t s0 = 0; s0 < b; s0 += sub) {
        for (int64_t k = s0; k < s0 + sub; k += N) {
          auto vf = hn::LoadU(df, row_in + j0 + k);
          if (d_in) vf = hn::Mul(vf, hn::LoadU(df, d_in + j0 + k));
          auto v = hn::PromoteTo(dd, vf);
          if (n_reg > 0) v = stage(v, ix0, up0);
          if (n_reg > 1) v = stage(v, ix1, up1);
          if (n_reg > 2) v = stage(v, ix2, up2);
          hn::Store(v, dd, buf + k);
        }
        VectorStages(dd, buf + s0, sub, N, sub);
      }
      VectorStages(dd, buf, b, sub, b);
      for (int64_t k = 0; k < b; k += N) {
        const auto v = hn::Load(dd, buf + k);
        auto yf = hn::DemoteTo(df, exact_inv ? hn::Mul(v, inv_v) : hn::Div(v, sqrt_v));
        if (d_out) yf = hn::Mul(yf, hn::LoadU(df, d_out + j0 + k));
        hn::StoreU(yf, df, row_out + j0 + k);
      }
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace qs::transforms
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <hwy/aligned_allocator.h>

#include <algorithm>

#include "analysis/base/parallel.h"

namespace qs {
namespace transforms {
HWY_EXPORT(HadamardRows);
}  // namespace transforms

int64_t hadamard_block(int64_t cols) {
  return cols <= 0 ? 1 : (cols & -cols);
}

std::vector<uint64_t> splitmix64_outputs(uint64_t seed, int64_t n) {
  std::vector<uint64_t> out(size_t(std::max<int64_t>(n, 0)));
  uint64_t state = seed;
  for (uint64_t& o : out) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    o = z ^ (z >> 31);
  }
  return out;
}

std::vector<float> hadamard_signs(int64_t cols, std::optional<uint64_t> seed) {
  std::vector<float> d(size_t(std::max<int64_t>(cols, 0)), 1.0f);
  if (!seed) return d;
  const std::vector<uint64_t> z = splitmix64_outputs(*seed, cols);
  for (size_t j = 0; j < d.size(); ++j)
    if (z[j] >> 63) d[j] = -1.0f;
  return d;
}

namespace {

// Row tiles of about 64K elements (at least one row): fixed by the shape alone.
int64_t rows_per_item(int64_t cols) {
  return std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(cols, 1));
}

void hadamard_run(std::span<const float> in, MatrixShape m, std::optional<uint64_t> seed,
                  std::span<float> out, bool forward, int threads, RunControl* control) {
  if (control) control->total.store(m.rows);
  if (m.numel() == 0) return;
  const int64_t b = hadamard_block(m.cols);
  const std::vector<float> d = seed ? hadamard_signs(m.cols, seed) : std::vector<float>();
  const float* d_in = forward && seed ? d.data() : nullptr;
  const float* d_out = !forward && seed ? d.data() : nullptr;
  const int64_t tile = rows_per_item(m.cols);
  const int64_t items = chunk_count(m.rows, tile);
  // One scratch row block per worker, allocated by the worker on first use.
  std::vector<hwy::AlignedFreeUniquePtr<double[]>> scratch(size_t(resolve_threads(threads)));
  const auto kernel = HWY_DYNAMIC_DISPATCH(transforms::HadamardRows);
  parallel_for(items, threads, [&](int64_t item, int worker) {
    if (control && control->cancelled()) return;
    auto& buf = scratch[size_t(worker)];
    if (!buf) buf = hwy::AllocateAligned<double>(size_t(b));
    const int64_t r0 = item * tile, nr = std::min(tile, m.rows - r0);
    kernel(in.data() + r0 * m.cols, out.data() + r0 * m.cols, nr, m.cols, b, d_in, d_out,
           buf.get());
    if (control) control->done.fetch_add(nr, std::memory_order_relaxed);
  });
}

// The reference: the textbook loops, one block at a time.
void hadamard_ref(std::span<const float> in, MatrixShape m, std::optional<uint64_t> seed,
                  std::span<float> out, bool forward) {
  if (m.numel() == 0) return;
  const int64_t b = hadamard_block(m.cols);
  const std::vector<float> d = hadamard_signs(m.cols, seed);
  const double sqrt_b = std::sqrt(double(b));
  std::vector<double> buf(static_cast<size_t>(b));
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t j0 = 0; j0 < m.cols; j0 += b) {
      const int64_t base = r * m.cols + j0;
      for (int64_t k = 0; k < b; ++k)
        buf[size_t(k)] = double(in[size_t(base + k)]) * (forward ? double(d[size_t(j0 + k)]) : 1.0);
      for (int64_t h = 1; h < b; h *= 2)
        for (int64_t i = 0; i < b; i += 2 * h)
          for (int64_t j = i; j < i + h; ++j) {
            const double a = buf[size_t(j)], c = buf[size_t(j + h)];
            buf[size_t(j)] = a + c;
            buf[size_t(j + h)] = a - c;
          }
      for (int64_t k = 0; k < b; ++k)
        out[size_t(base + k)] =
            float(buf[size_t(k)] / sqrt_b) * (forward ? 1.0f : d[size_t(j0 + k)]);
    }
}

}  // namespace

void hadamard_forward(std::span<const float> x, MatrixShape m, std::optional<uint64_t> seed,
                      std::span<float> out, int threads, RunControl* control) {
  hadamard_run(x, m, seed, out, true, threads, control);
}

void hadamard_inverse(std::span<const float> xq, MatrixShape m, std::optional<uint64_t> seed,
                      std::span<float> out, int threads, RunControl* control) {
  hadamard_run(xq, m, seed, out, false, threads, control);
}

void hadamard_forward_ref(std::span<const float> x, MatrixShape m, std::optional<uint64_t> seed,
                          std::span<float> out) {
  hadamard_ref(x, m, seed, out, true);
}

void hadamard_inverse_ref(std::span<const float> xq, MatrixShape m, std::optional<uint64_t> seed,
                          std::span<float> out) {
  hadamard_ref(xq, m, seed, out, false);
}

}  // namespace qs
#endif  // HWY_ONCE
