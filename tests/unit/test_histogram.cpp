// The histogram rules every quantizer bins with (analysis/quant/metrics.h): NumPy's edges and
// the spec sanitizing shared by quantize(), quantize_ref() and quantize_sorted().
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "analysis/quant/metrics.h"

namespace qs {
namespace {

// NumPy's histogram convention: [a,b) bins, last bin closed, exact linspace edges.
TEST(Histogram, NumpyConvention) {
  const HistogramSpec s{0.0, 1.0, 10};
  EXPECT_EQ(histogram_bin(s, 0.0), 0);
  EXPECT_EQ(histogram_bin(s, 0.1), 1);   // edge 0.1 belongs to the bin it opens
  // np.linspace(0,1,11)[3] = 0.30000000000000004 > 0.3, so NumPy puts 0.3 in bin 2 (checked
  // with np.histogram); 0.7 < 0.7000000000000001 likewise lands in bin 6.
  EXPECT_EQ(histogram_bin(s, 0.3), 2);
  EXPECT_EQ(histogram_bin(s, 0.7), 6);
  EXPECT_EQ(histogram_bin(s, 1.0), 9);   // last bin is closed
  EXPECT_EQ(histogram_bin(s, 1.0000001), -1);
  EXPECT_EQ(histogram_bin(s, -1e-9), -1);
  EXPECT_EQ(histogram_bin(s, std::nan("")), -1);
  const Histogram h = make_histogram(std::vector<float>{0.f, 0.5f, 0.99f, 1.f, 2.f}, s);
  EXPECT_EQ(h.counts, (std::vector<uint64_t>{1, 0, 0, 0, 0, 1, 0, 0, 0, 2}));
}

// At least one bin; an empty range (lo == hi) widened by ±0.5, as
// np.histogram does for a constant input.
TEST(Histogram, SanitizeWidensEmptyRanges) {
  const HistogramSpec a = sanitize(HistogramSpec{2.0, 2.0, 0});
  EXPECT_EQ(a.bins, 1);
  EXPECT_EQ(a.lo, 1.5);
  EXPECT_EQ(a.hi, 2.5);
  const HistogramSpec b = sanitize(HistogramSpec{-1.0, 3.0, 7});
  EXPECT_EQ(b.lo, -1.0);
  EXPECT_EQ(b.hi, 3.0);
  EXPECT_EQ(b.bins, 7);
}

}  // namespace
}  // namespace qs
