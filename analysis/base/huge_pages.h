#pragma once
// Large per-element buffers (x′, x̂, codes: 4 bytes × N) are written once right after they
// are allocated. On 4 KB pages that first touch costs a page fault per 4 KB — 16 K faults
// for 16.8 M floats, ~15 % of a transformed quantize. Asking for transparent huge pages
// (Linux, where the kernel grants them on request: "madvise" mode) takes 2 MB per fault.
// Call before the first write; a hint only (ignored where unsupported).
#include <cstddef>
#include <cstdint>

#include <sys/mman.h>

namespace qs {

inline void advise_huge_pages(const void* p, size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kHuge = uintptr_t(1) << 21;
  if (bytes < 2 * kHuge) return;
  const uintptr_t a = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t e = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (e > a) ::madvise(reinterpret_cast<void*>(a), e - a, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

// A vector of n elements whose pages are advised before they are filled.
template <class Vec>
void assign_advised(Vec& v, size_t n, typename Vec::value_type fill) {
  v.clear();
  v.reserve(n);
  advise_huge_pages(v.data(), n * sizeof(typename Vec::value_type));
  v.assign(n, fill);
}

}  // namespace qs
