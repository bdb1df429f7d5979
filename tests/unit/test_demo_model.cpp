// The demo model: names, shapes and dtypes the GUI relies on, determinism, and that each
// tensor shows what it is meant to show (outliers, NaN/Inf, constant, distributions).
// Distribution checks use ±5 standard errors, so they cannot fail by chance; the data is
// deterministic anyway, they guard against a broken generator.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/formats/demo_model.h"
#include "analysis/formats/model.h"
#include "analysis/numeric/tensor_decode.h"

namespace qs {
namespace {

namespace fs = std::filesystem;

TensorView view_of(const OwnedTensor& t) {
  TensorView v;
  v.name = t.name;
  v.dtype = t.dtype;
  v.shape = t.shape;
  v.bytes = t.data;
  return v;
}

const OwnedTensor& get(const std::vector<OwnedTensor>& ts, const std::string& name) {
  for (const OwnedTensor& t : ts) {
    if (t.name == name) return t;
  }
  ADD_FAILURE() << "no tensor " << name;
  return ts.front();
}

std::vector<float> values(const OwnedTensor& t) {
  std::vector<float> storage;
  const auto s = to_float(view_of(t), storage);
  return {s.begin(), s.end()};
}

// Sample mean and std of n draws from N(0, sigma): se(mean) = σ/√n, se(std) ≈ σ/√(2n).
void expect_gaussian(const OwnedTensor& t, double sigma) {
  SCOPED_TRACE(t.name);
  const TensorStats s = scan_stats(view_of(t));
  const double n = double(s.n_finite);
  EXPECT_NEAR(s.mean, 0.0, 5 * sigma / std::sqrt(n));
  EXPECT_NEAR(s.std, sigma, 5 * sigma / std::sqrt(2 * n) + sigma * 0.004);  // + bf16 rounding
  EXPECT_EQ(s.n_nonfinite, 0);
}

TEST(DemoModel, NamesShapesAndDTypes) {
  const auto ts = make_demo_tensors({.small = true});
  struct Want {
    const char* name;
    DType dtype;
    std::vector<int64_t> shape;
  };
  const std::vector<Want> want = {
      {"model.layers.0.mlp.down_proj.weight", DType::F32, {256, 256}},
      {"model.layers.0.self_attn.o_proj.weight", DType::F32, {512, 1024}},
      {"model.layers.0.self_attn.o_proj.bias", DType::F32, {512}},
      {"model.layers.0.mlp.up_proj.weight", DType::F32, {1024, 512}},
      {"model.layers.1.self_attn.q_proj.weight", DType::F32, {512, 512}},
      {"model.layers.1.input_layernorm.weight", DType::F32, {512}},
      {"model.layers.1.self_attn.k_proj.weight", DType::F32, {256, 256}},
      {"model.layers.1.mlp.gate_proj.weight", DType::BF16, {512, 1024}},
      {"model.layers.1.mlp.down_proj.weight", DType::F16, {1024, 512}},
      {"vision.conv1.weight", DType::F32, {3, 3, 16, 32}},
      {"model.layers.0.self_attn.o_proj.act_scales", DType::F32, {1024}},
  };
  ASSERT_EQ(ts.size(), want.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    EXPECT_EQ(ts[i].name, want[i].name);
    EXPECT_EQ(ts[i].dtype, want[i].dtype) << ts[i].name;
    EXPECT_EQ(ts[i].shape, want[i].shape) << ts[i].name;
    EXPECT_EQ(int64_t(ts[i].data.size()),
              view_of(ts[i]).numel() * int64_t(dtype_size(ts[i].dtype)));
  }
  // The activation maxima are positive, with four channels ~30x the rest (smoothing's case).
  std::vector<float> act(1024);
  std::memcpy(act.data(), ts.back().data.data(), act.size() * sizeof(float));
  for (float a : act) EXPECT_GE(a, 0.5f);
  for (int c : {50, 300, 640, 900}) EXPECT_GE(act[size_t(c)], 15.0f) << c;
}

TEST(DemoModel, DeterministicBytes) {
  char tmpl[] = "/tmp/qs_demo_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  const std::string a = (dir / "a.safetensors").string(), b = (dir / "b.safetensors").string();
  ASSERT_TRUE(write_demo_model(a, {.small = true}).has_value());
  ASSERT_TRUE(write_demo_model(b, {.small = true}).has_value());
  auto slurp = [](const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), {});
  };
  const std::string bytes_a = slurp(a);
  EXPECT_GT(bytes_a.size(), 4'000'000u);
  EXPECT_EQ(bytes_a, slurp(b));

  auto m = open_model(a);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->format, "safetensors");
  EXPECT_EQ(m->tensors.size(), 11u);
  EXPECT_EQ(m->metadata["format"], "pt");
  EXPECT_EQ(m->metadata["quantscope_demo"], "2");
  EXPECT_TRUE(m->metadata["description"].is_string());
  EXPECT_EQ(m->total_params(),
            65536 + 524288 + 512 + 524288 + 262144 + 512 + 65536 + 524288 + 524288 + 4608 + 1024);

  // An independent reader (NumPy) sees the same values, BF16/F16 decoding included.
  if (std::system(QS_PYTHON " -c 'import numpy' >/dev/null 2>&1") == 0) {
    const std::string cmd = std::string(QS_PYTHON) +
                            " " QS_TEST_SCRIPTS_DIR "/check_safetensors.py " + a + " " +
                            (dir / "check").string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream bin(dir / "check.bin", std::ios::binary);
    const std::string raw((std::istreambuf_iterator<char>(bin)), {});
    size_t k = 0;
    for (const TensorView& t : m->tensors) {
      std::vector<float> storage;
      for (float x : to_float(t, storage)) {
        double py;
        std::memcpy(&py, raw.data() + 8 * k++, 8);
        if (!(std::isnan(py) && std::isnan(x))) {
          ASSERT_EQ(double(x), py) << t.name;
        }
      }
    }
    EXPECT_EQ(8 * k, raw.size());
  }
  fs::remove_all(dir);
}

TEST(DemoModel, EachTensorShowsItsFeature) {
  const auto ts = make_demo_tensors({.small = true});
  expect_gaussian(get(ts, "model.layers.0.mlp.down_proj.weight"), 0.02);
  expect_gaussian(get(ts, "model.layers.0.self_attn.o_proj.bias"), 0.01);
  expect_gaussian(get(ts, "model.layers.1.mlp.gate_proj.weight"), 0.02);
  expect_gaussian(get(ts, "model.layers.1.mlp.down_proj.weight"), 0.02);
  expect_gaussian(get(ts, "vision.conv1.weight"), 0.1);

  // Constant.
  for (float x : values(get(ts, "model.layers.1.input_layernorm.weight"))) ASSERT_EQ(x, 1.0f);

  // Laplace(0, b): E|x| = b, std = b·√2; se(E|x|) = b/√n.
  {
    const auto v = values(get(ts, "model.layers.0.mlp.up_proj.weight"));
    double mean_abs = 0;
    for (float x : v) mean_abs += std::fabs(x);
    mean_abs /= double(v.size());
    EXPECT_NEAR(mean_abs, 0.014, 5 * 0.014 / std::sqrt(double(v.size())));
    const TensorStats s = compute_stats(v);
    EXPECT_NEAR(s.std, 0.014 * std::sqrt(2.0), 0.014 * std::sqrt(2.0) * 0.01);
  }

  // One huge outlier: 6.0 at [17, 301] is the absmax (a Gaussian 0.02 never reaches 0.2).
  {
    const OwnedTensor& q = get(ts, "model.layers.1.self_attn.q_proj.weight");
    const auto v = values(q);
    EXPECT_EQ(v[17 * 512 + 301], 6.0f);
    int big = 0;
    for (float x : v) big += std::fabs(x) > 0.2f;
    EXPECT_EQ(big, 1);
    EXPECT_EQ(scan_stats(view_of(q)).absmax, 6.0);
  }

  // NaN/Inf: 3 NaN, 2 +Inf, 1 -Inf.
  {
    const OwnedTensor& k = get(ts, "model.layers.1.self_attn.k_proj.weight");
    int nan = 0, pinf = 0, ninf = 0;
    for (float x : values(k)) {
      nan += std::isnan(x);
      pinf += x == INFINITY;
      ninf += x == -INFINITY;
    }
    EXPECT_EQ(nan, 3);
    EXPECT_EQ(pinf, 2);
    EXPECT_EQ(ninf, 1);
    const TensorStats s = scan_stats(view_of(k));
    EXPECT_EQ(s.n_nonfinite, 6);
    EXPECT_EQ(s.n_finite, 65536 - 6);
    EXPECT_LT(s.absmax, 0.2);
  }

  // Outlier columns: exactly 6 columns with std ≈ 25 × 0.02, the rest ≈ 0.02.
  {
    const auto v = values(get(ts, "model.layers.0.self_attn.o_proj.weight"));
    int outliers = 0;
    for (int c = 0; c < 1024; ++c) {
      double ss = 0;
      for (int r = 0; r < 512; ++r) ss += double(v[size_t(r * 1024 + c)]) * v[size_t(r * 1024 + c)];
      const double rms = std::sqrt(ss / 512);
      if (rms > 0.1) {
        ++outliers;
        EXPECT_NEAR(rms, 0.5, 0.5 * 5 / std::sqrt(2 * 512.0)) << "column " << c;
      } else {
        EXPECT_NEAR(rms, 0.02, 0.02 * 5 / std::sqrt(2 * 512.0)) << "column " << c;
      }
    }
    EXPECT_EQ(outliers, 6);
  }
}

TEST(DemoModel, FullSizeDiffersOnlyInTheBigTensor) {
  const auto small = make_demo_tensors({.small = true});
  const auto full = make_demo_tensors();
  ASSERT_EQ(small.size(), full.size());
  EXPECT_EQ(full[0].shape, (std::vector<int64_t>{4096, 4096}));
  expect_gaussian(full[0], 0.02);
  // Each tensor has its own generator, so the others are byte-identical.
  for (size_t i = 1; i < full.size(); ++i) EXPECT_EQ(small[i].data, full[i].data) << full[i].name;
}

}  // namespace
}  // namespace qs
