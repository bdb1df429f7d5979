#pragma once
// The per-tensor cache behind N-independent edits (issue 15 §1): a tensor's finite values
// sorted ascending, with prefix sums of x and x² sampled every kStride elements.
//
// A per-tensor scheme maps x to x̂ monotonically, so each representable level's members
// are one contiguous run of the sorted values; quantize_sorted() finds the runs by binary
// search and takes every error sum from the prefix sums, in O(levels · log N) per edit.
//
// The prefix sums are double-double (≈ 106-bit) because Σ(x − x̂)² over a run is
// Σx² − 2x̂Σx + n·x̂²: the difference of nearly equal numbers. At 16 bits the error is
// ~10⁻⁹ of the signal, and plain float64 prefix sums over 10⁸ elements would leave a
// few percent of it; double-double leaves ~10⁻²⁰. This costs 0.5 bytes per element
// (four doubles per 64 elements) instead of the 0.25 a float64 pair would.
//
// Searches: first_false() (quantize_sorted.cpp) finds a monotone predicate's boundary by
// a binary search over `samples` (every 64th value, cache-resident) and then inside one
// 64-element block: a few cache misses per search instead of ~log2 N.
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "analysis/base/run_control.h"

namespace qs {

// A double-double number hi + lo (|lo| ≤ ulp(hi)/2): sums and products of float32/float64
// inputs carried at about twice float64's precision, rounded once at the end.
struct DD {
  double hi = 0, lo = 0;
  double value() const { return hi + lo; }
};
DD dd_add(DD a, double b);
DD dd_add(DD a, DD b);
DD dd_neg(DD a);
DD dd_mul(DD a, double b);

// A std::allocator that default-initializes: resize() leaves floats unwritten instead of
// zero-filling hundreds of megabytes that the sort overwrites anyway.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using FloatBuffer = std::vector<float, DefaultInitAllocator<float>>;

struct SortedValues {
  static constexpr int64_t kStride = 64;
  FloatBuffer v;  // the finite values, ascending in the total order (−0 before +0)
  // Prefix sums anchored at `zero`, the first value ≥ +0 (the smallest magnitudes):
  // px[k] = Σ v[zero, k·kStride) above the anchor, −Σ v[k·kStride, zero) below it, and
  // px2 the same for v²; size = v.size()/kStride + 1. Differences are range sums as with
  // plain prefix sums, but a sum never holds values larger in magnitude than the range's
  // own ends: from index 0 the sums would hold every value before the range (10³⁰s
  // before a run of 1s leave the run float64 precision in the low double).
  std::vector<DD> px, px2;
  int64_t zero = 0;
  // samples[k] = v[k·kStride]: a 1/64-size copy that stays in cache, so a binary search
  // over the values touches memory only in its last 64-element block.
  std::vector<float> samples;
  int64_t numel = 0;        // elements of the tensor, non-finite included
  int64_t n_nonfinite = 0;  // NaN and ±Inf (not in v)
  bool cancelled = false;

  int64_t n() const { return int64_t(v.size()); }
  // Σ v[0, i) and Σ v²[0, i), minus the same sums up to `zero` (so prefix(j) − prefix(i)
  // = Σ v[i, j)): the sample on the anchor's side of i plus at most kStride − 1 direct
  // terms (the other side's sample when its values are within 2× of v[i] in magnitude).
  DD prefix_x(int64_t i) const;
  DD prefix_x2(int64_t i) const;
  size_t bytes() const {
    return (v.capacity() + samples.capacity()) * sizeof(float) + (px.capacity() + px2.capacity()) * sizeof(DD);
  }
};

// Sorts x's finite values (a parallel LSD radix sort on the float's total-order key) and
// builds the prefix sums. `threads` 0 = hardware concurrency; the result does not depend
// on it. Cancellable through `control` (progress in elements, three passes).
SortedValues build_sorted_values(std::span<const float> x, int threads = 0, RunControl* control = nullptr);

// The plain reference (std::sort with the same order, sums element by element in DD):
// the tests compare the fast build against it.
SortedValues build_sorted_values_ref(std::span<const float> x);

}  // namespace qs
