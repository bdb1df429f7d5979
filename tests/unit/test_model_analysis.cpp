// Whole-model analysis: per-tensor results equal single-tensor quantize() results, the
// totals equal a direct computation over the concatenated elements, the regex and dtype
// filters select what they say, and kurtosis is hand-derived.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "analysis/model/model_analysis.h"
#include "analysis/model/report.h"
#include "analysis/quant/quantize.h"

namespace qs {
namespace {

struct Owned {
  Model model;
  std::vector<std::vector<float>> data;
  std::vector<std::vector<int64_t>> ints;
};

Owned small_model() {
  Owned o;
  std::mt19937 rng(4);
  std::normal_distribution<float> g(0, 0.02f);
  const std::vector<std::pair<std::string, std::vector<int64_t>>> specs = {
      {"layers.0.attn.weight", {16, 32}}, {"layers.0.mlp.weight", {32, 16}}, {"layers.1.attn.weight", {8, 64}},
      {"norm.weight", {64}}};
  o.data.reserve(specs.size());
  for (const auto& [name, shape] : specs) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> x(static_cast<size_t>(n));
    for (float& v : x) v = g(rng);
    if (name == "layers.0.mlp.weight") x[5] = 0.9f;  // one outlier
    o.data.push_back(std::move(x));
    TensorView t;
    t.name = name;
    t.shape = shape;
    t.bytes = std::as_bytes(std::span<const float>(o.data.back()));
    o.model.tensors.push_back(t);
  }
  o.ints.push_back({1, 2, 3});
  TensorView ids;
  ids.name = "layers.0.ids";
  ids.dtype = DType::I64;
  ids.shape = {3};
  ids.bytes = std::as_bytes(std::span<const int64_t>(o.ints.back()));
  o.model.tensors.push_back(ids);
  return o;
}

TEST(ModelAnalysis, KurtosisHandDerived) {
  const std::vector<float> a = {1, -1, 1, -1};  // m2 = 1, m4 = 1: 1 − 3
  EXPECT_DOUBLE_EQ(excess_kurtosis(a), -2.0);
  const std::vector<float> b = {0, 0, 0, 10};  // mean 2.5; m2 = 18.75, m4 = 820.3125
  EXPECT_NEAR(excess_kurtosis(b), 820.3125 / (18.75 * 18.75) - 3, 1e-12);
  const std::vector<float> c = {2, 2, NAN, 2};
  EXPECT_EQ(excess_kurtosis(c), 0.0);
}

TEST(ModelAnalysis, PerTensorEqualsQuantizeAndTotalsPoolExactly) {
  Owned o = small_model();
  ModelAnalysisRequest r;
  r.schemes = {*parse_spec("absmax:bits=8"), *parse_spec("absmax:bits=4,gran=block,block=32"),
               *parse_spec("absmax:bits=8,gran=channel,axis=1")};
  auto a = analyze_model(o.model, r);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  ASSERT_EQ(a->tensors.size(), 4u);  // the I64 tensor is not analyzed
  ASSERT_EQ(a->totals.size(), 3u);
  for (size_t s = 0; s < r.schemes.size(); ++s) {
    double x2 = 0, err2 = 0, bits = 0;
    int64_t numel = 0, tensors = 0;
    for (const TensorAnalysis& ta : a->tensors) {
      const TensorView& t = o.model.tensors[ta.index];
      const auto& x = o.data[ta.index];
      auto layout = make_layout(t.shape, r.schemes[s]);
      if (!layout) {  // norm.weight is 1-D: no axis 1
        EXPECT_FALSE(ta.results[s].metrics);
        EXPECT_EQ(ta.results[s].error, layout.error().message);
        continue;
      }
      QuantizeOptions opt;
      opt.keep_dequant = true;
      const QuantizeResult q = quantize(x, t.shape, r.schemes[s], opt);
      ASSERT_TRUE(ta.results[s].metrics);
      EXPECT_EQ(ta.results[s].metrics->sqnr_db, q.metrics.sqnr_db) << t.name;
      EXPECT_EQ(ta.results[s].metrics->mse, q.metrics.mse) << t.name;
      EXPECT_EQ(ta.results[s].metrics->bits_per_weight, q.metrics.bits_per_weight) << t.name;
      for (size_t i = 0; i < x.size(); ++i) {
        x2 += double(x[i]) * x[i];
        const double e = double(x[i]) - double(q.dequant[i]);
        err2 += e * e;
      }
      bits += *q.metrics.bits_per_weight * double(x.size());
      numel += int64_t(x.size());
      ++tensors;
    }
    const SchemeTotal& tot = a->totals[s];
    EXPECT_EQ(tot.tensors, tensors);
    EXPECT_EQ(tot.metrics.numel, numel);
    // The fused kernels' sums are float32 partial sums of ≤ 16 terms per lane carried into
    // float64 (kernel_sums-inl.h): each within 17·2^-24 ≈ 1.02e-6 relative of the float64
    // sum here, so the SQNR within 10·log10(e)·2·1.02e-6 ≈ 8.9e-6 dB.
    EXPECT_NEAR(*tot.metrics.sqnr_db, 10 * std::log10(x2 / err2), 1e-5);
    EXPECT_NEAR(*tot.metrics.mse, err2 / double(numel), 1.1e-6 * err2 / double(numel));
    EXPECT_NEAR(*tot.metrics.bits_per_weight, bits / double(numel), 1e-12);
    EXPECT_NEAR(tot.bytes(), bits / 8, 1e-6);
  }
  EXPECT_EQ(a->numel, 16 * 32 + 32 * 16 + 8 * 64 + 64);
  EXPECT_EQ(a->bytes_read, 4 * a->numel);
  EXPECT_EQ(a->stored_quantized, 0);
  // The flagged tensors: lowest SQNR first; a scheme that does not apply never flags one.
  for (size_t s = 0; s < r.schemes.size(); ++s) {
    const std::vector<size_t> w = worst_tensors(*a, s, 2);
    ASSERT_EQ(w.size(), 2u);
    for (const TensorAnalysis& ta : a->tensors) {
      const auto& m = ta.results[s].metrics;
      if (!m || ta.index == a->tensors[w[0]].index || ta.index == a->tensors[w[1]].index) continue;
      EXPECT_GE(*m->sqnr_db, *a->tensors[w[1]].results[s].metrics->sqnr_db);
    }
    EXPECT_LE(*a->tensors[w[0]].results[s].metrics->sqnr_db, *a->tensors[w[1]].results[s].metrics->sqnr_db);
  }
  EXPECT_EQ(worst_tensors(*a, 2, 10).size(), 3u);  // norm.weight has no axis 1
  EXPECT_EQ(a->tensors[1].index, 1u);
  EXPECT_GT(a->tensors[1].kurtosis, 100.0);  // the outlier
  EXPECT_NEAR(a->tensors[0].kurtosis, 0.0, 0.5);
}

TEST(ModelAnalysis, RegexSelectsAndErrorsAreNamed) {
  Owned o = small_model();
  ModelAnalysisRequest r;
  r.schemes = {*parse_spec("int8")};
  r.tensor_regex = "attn";
  auto a = analyze_model(o.model, r);
  ASSERT_TRUE(a.has_value());
  ASSERT_EQ(a->tensors.size(), 2u);
  EXPECT_EQ(o.model.tensors[a->tensors[1].index].name, "layers.1.attn.weight");
  r.tensor_regex = "^layers\\.0\\.";
  a = analyze_model(o.model, r);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->tensors.size(), 2u);  // attn and mlp; ids is not a float tensor
  r.tensor_regex = "(";
  a = analyze_model(o.model, r);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().message.rfind("--tensors '(': ", 0), 0u) << a.error().message;
  r.schemes.clear();
  r.tensor_regex.clear();
  EXPECT_FALSE(analyze_model(o.model, r).has_value());
}

TEST(ModelAnalysis, CancelledBeforeStart) {
  Owned o = small_model();
  ModelAnalysisRequest r;
  r.schemes = {*parse_spec("int8")};
  RunControl c;
  c.cancel = true;
  auto a = analyze_model(o.model, r, &c);
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->cancelled);
  EXPECT_TRUE(a->tensors.empty());
}

TEST(ModelAnalysis, SelectTensorsIsWhatAnalyzeTakes) {
  Owned o = small_model();
  auto all = select_tensors(o.model, "");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(*all, (std::vector<size_t>{0, 1, 2, 3}));  // not the I64 ids
  auto attn = select_tensors(o.model, "attn\\.weight$");
  ASSERT_TRUE(attn.has_value());
  EXPECT_EQ(*attn, (std::vector<size_t>{0, 2}));
  EXPECT_FALSE(select_tensors(o.model, "[").has_value());
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The GUI's export adds PNGs of its views: they land beside the four report files,
// byte for byte; a bad name fails before anything is written.
TEST(ModelAnalysis, ReportAttachmentsWrittenTogether) {
  Owned o = small_model();
  ModelAnalysisRequest req;
  req.schemes = {*parse_spec("int8")};
  auto a = analyze_model(o.model, req);
  ASSERT_TRUE(a.has_value());
  Report r;
  r.file = "small";
  r.schemes = req.schemes;
  r.model = &o.model;
  r.analysis = &*a;
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("qs-attach-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string png("\x89PNG\r\n\x1a\n\0binary", 15);
  ASSERT_TRUE(write_report(dir.string(), r, {{"view-model.png", png}}).has_value());
  EXPECT_EQ(slurp(dir / "view-model.png"), png);
  for (const char* f : {"report.json", "report.csv", "report.md", "report.html"}) EXPECT_TRUE(fs::exists(dir / f)) << f;
  fs::remove_all(dir);
  auto bad = write_report(dir.string(), r, {{"../escape.png", png}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("bad attachment name"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace qs
