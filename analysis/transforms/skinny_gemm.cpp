// The low-rank passes' product (skinny_gemm.h): C += A·B with A a float32 block of X (or a
// float64 tall factor) and B a skinny float64 factor, register-blocked float64 FMAs.
//
// Blocking: k runs in steps of kKc; for each step a group of 4 rows of A is packed as
// float64 (k-major: the 4 values of one k side by side, each broadcast from memory) and
// B's kKc × panel block (kKc · panel · 8 bytes: 24 KB with AVX-512) stays in L1 while every
// row group of the tile walks it. The micro-kernel holds a 4 × kNv block of C in registers
// (AVX-512: 4 × 6 zmm of 8 doubles = 24 accumulators; 16-register targets: 4 × 3).
#include "analysis/transforms/skinny_gemm.h"

#include <algorithm>
#include <vector>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "analysis/transforms/skinny_gemm.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace qs::transforms {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr int64_t kMr = 4;
constexpr int64_t kKc = 64;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
constexpr int kNv = 6;  // 32 vector registers
#else
constexpr int kNv = 3;  // 16
#endif

int64_t PanelWidth() {
  return int64_t(kNv) * int64_t(hn::Lanes(hn::ScalableTag<double>()));
}

// C[0..4)[0..panel) += Σ_k ap[k·4 + i] · b[k·ldb + 0..panel), k < kb.
template <class D>
HWY_INLINE void Micro(D d, const double* HWY_RESTRICT ap, int64_t kb, const double* HWY_RESTRICT b,
                      int64_t ldb, double* HWY_RESTRICT c, int64_t ldc) {
  const int64_t N = int64_t(hn::Lanes(d));
  using V = hn::Vec<D>;
  V acc[kMr][kNv];
  for (int64_t i = 0; i < kMr; ++i)
    for (int j = 0; j < kNv; ++j) acc[i][j] = hn::LoadU(d, c + i * ldc + j * N);
  for (int64_t k = 0; k < kb; ++k) {
    V bv[kNv];
    for (int j = 0; j < kNv; ++j) bv[j] = hn::LoadU(d, b + k * ldb + j * N);
    for (int64_t i = 0; i < kMr; ++i) {
      const V a = hn::Set(d, ap[k * kMr + i]);
      for (int j = 0; j < kNv; ++j) acc[i][j] = hn::MulAdd(a, bv[j], acc[i][j]);
    }
  }
  for (int64_t i = 0; i < kMr; ++i)
    for (int j = 0; j < kNv; ++j) hn::StoreU(acc[i][j], d, c + i * ldc + j * N);
}

template <class T>
void SkinnyGemmT(const T* x, int64_t ldx, bool a_by_rows, int64_t m, int64_t k_dim, const double* b,
                 int64_t ldb, int64_t width, double* c, int64_t ldc) {
  const hn::ScalableTag<double> d;
  const int64_t pw = PanelWidth();
  const int64_t groups = (m + kMr - 1) / kMr;
  std::vector<double> pack(size_t(groups * kMr * kKc));
  for (int64_t k0 = 0; k0 < k_dim; k0 += kKc) {
    const int64_t kb = std::min(kKc, k_dim - k0);
    // Pack A(i, k0 + k) as float64, group by group, k-major (rows past m are zero).
    for (int64_t g = 0; g < groups; ++g) {
      double* p = pack.data() + g * kMr * kKc;
      const int64_t live = std::min(kMr, m - g * kMr);
      if (live < kMr) std::fill_n(p, kb * kMr, 0.0);
      if (a_by_rows) {  // A's rows are rows of X: read each along k
        for (int64_t i = 0; i < live; ++i) {
          const T* src = x + (g * kMr + i) * ldx + k0;
          for (int64_t k = 0; k < kb; ++k) p[k * kMr + i] = double(src[k]);
        }
      } else {  // A's rows are columns of X: read the group's 4 neighbours in each row of X
        for (int64_t k = 0; k < kb; ++k) {
          const T* src = x + (k0 + k) * ldx + g * kMr;
          for (int64_t i = 0; i < live; ++i) p[k * kMr + i] = double(src[i]);
        }
      }
    }
    for (int64_t p0 = 0; p0 < width; p0 += pw)
      for (int64_t g = 0; g < groups; ++g)
        Micro(d, pack.data() + g * kMr * kKc, kb, b + k0 * ldb + p0, ldb, c + g * kMr * ldc + p0,
              ldc);
  }
}

void SkinnyGemm(const float* x, int64_t ldx, bool a_by_rows, int64_t m, int64_t k_dim,
                const double* b, int64_t ldb, int64_t width, double* c, int64_t ldc) {
  SkinnyGemmT(x, ldx, a_by_rows, m, k_dim, b, ldb, width, c, ldc);
}
void SkinnyGemmF64(const double* x, int64_t ldx, bool a_by_rows, int64_t m, int64_t k_dim,
                   const double* b, int64_t ldb, int64_t width, double* c, int64_t ldc) {
  SkinnyGemmT(x, ldx, a_by_rows, m, k_dim, b, ldb, width, c, ldc);
}

}  // namespace HWY_NAMESPACE
}  // namespace qs::transforms
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qs::transforms {
HWY_EXPORT(PanelWidth);
HWY_EXPORT(SkinnyGemm);
HWY_EXPORT(SkinnyGemmF64);

int64_t skinny_panel_width() {
  return HWY_DYNAMIC_DISPATCH(PanelWidth)();
}

void skinny_gemm(const float* x, int64_t ldx, bool a_by_rows, int64_t m, int64_t k_dim,
                 const double* b, int64_t ldb, int64_t width, double* c, int64_t ldc) {
  HWY_DYNAMIC_DISPATCH(SkinnyGemm)(x, ldx, a_by_rows, m, k_dim, b, ldb, width, c, ldc);
}
void skinny_gemm(const double* x, int64_t ldx, bool a_by_rows, int64_t m, int64_t k_dim,
                 const double* b, int64_t ldb, int64_t width, double* c, int64_t ldc) {
  HWY_DYNAMIC_DISPATCH(SkinnyGemmF64)(x, ldx, a_by_rows, m, k_dim, b, ldb, width, c, ldc);
}
}  // namespace qs::transforms
#endif  // HWY_ONCE
