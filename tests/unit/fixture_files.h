#pragma once
// Small helpers the reader and calibration tests share: whether NumPy (the independent
// fixture writer) is available, whole files read back as bytes or float64s, and a
// tensor's statistics against the fixture script's (tests/scripts/fixture_stats.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/numeric/tensor_decode.h"

namespace qs::test {

inline bool have_numpy() {
  return std::system(QS_PYTHON " -c 'import numpy' >/dev/null 2>&1") == 0;
}

inline std::vector<char> read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(f)), {});
}

// A raw little-endian float64 file (NumPy's tofile) as doubles.
inline std::vector<double> read_f64(const std::filesystem::path& p) {
  const std::vector<char> raw = read_file(p);
  std::vector<double> v(raw.size() / 8);
  if (!v.empty()) std::memcpy(v.data(), raw.data(), v.size() * 8);
  return v;
}

// Counts, extremes and absmax exactly; NumPy sums pairwise while QuantScope merges
// per-chunk two-pass moments, so mean and std agree to ~1e-15 (checked at 1e-12).
inline void expect_stats(const TensorStats& s, const nlohmann::json& e) {
  EXPECT_EQ(s.numel, e["numel"].get<int64_t>());
  EXPECT_EQ(s.n_finite, e["n_finite"].get<int64_t>());
  EXPECT_EQ(s.n_nonfinite, e["n_nonfinite"].get<int64_t>());
  EXPECT_EQ(s.min, e["min"].get<double>());
  EXPECT_EQ(s.max, e["max"].get<double>());
  EXPECT_EQ(s.absmax, e["absmax"].get<double>());
  const double mean = e["mean"].get<double>(), std = e["std"].get<double>();
  EXPECT_NEAR(s.mean, mean, 1e-12 * std::max(std::fabs(mean), std));
  EXPECT_NEAR(s.std, std, 1e-12 * std);
}

}  // namespace qs::test
