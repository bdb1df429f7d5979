// quantscope-cli quantize with transform keys: --act-max FILE:TENSOR, params.transform,
// the bits/weight additions, and exit 2 naming the key on bad input.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace {

// A safetensors file with float32 tensors (name, shape, values), written by hand: the
// header's layout is the format's documented one.
void write_safetensors(const std::string& path,
                       const std::vector<std::tuple<std::string, std::vector<int64_t>, std::vector<float>>>& ts) {
  nlohmann::json h = nlohmann::json::object();
  std::string data;
  for (const auto& [name, shape, values] : ts) {
    const size_t begin = data.size();
    data.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
    h[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {begin, data.size()}}};
  }
  const std::string header = h.dump();
  const uint64_t n = header.size();
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(&n), 8);
  f << header << data;
}

class CliTransforms : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    // w: x′ = x·a_j are integers of amax 32767 for α = 1 (see test_quantize_transformed).
    write_safetensors(path("m.safetensors"),
                      {{"w", {2, 3}, {3, 64, -0.25f, 16383.5f, -10, 8191.75f}},
                       {"act", {3}, {2.0f, 0.5f, 4.0f}},
                       {"act2d", {1, 3}, {1, 1, 1}},
                       {"nan", {2, 4}, {1, 2, NAN, 4, 5, 6, 7, 8}}});
  }
};

TEST_F(CliTransforms, SmoothWithActMax) {
  const CliRun r = run_cli("quantize " + path("m.safetensors") + " --tensor w --scheme absmax:bits=16,smooth=1 " +
                           "--scheme int8 --act-max " + path("m.safetensors") + ":act --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& res = j["results"][0];
  EXPECT_EQ(res["spec"], "absmax:bits=16,smooth=1");
  EXPECT_EQ(res["scheme"]["smooth"], 1.0);
  EXPECT_EQ(res["metrics"]["mse"], 0.0);
  EXPECT_EQ(res["metrics"]["sqnr_db"], "inf");
  EXPECT_EQ(res["params"]["transform"],
            (nlohmann::json{{"kind", "smooth"}, {"alpha", 1.0}, {"act_absmax_before", 4.0}, {"act_absmax_after", 1.0},
                            {"scale_min", 0.5}, {"scale_max", 4.0}}));
  EXPECT_EQ(res["params"]["scale"], 1.0);  // the quantizer on x′ (amax 32767)
  EXPECT_FALSE(j["results"][1]["params"].contains("transform"));
}

TEST_F(CliTransforms, TransformJsonAndBits) {
  const CliRun d = run_cli("demo --small --out " + path("demo.safetensors"));
  ASSERT_EQ(d.code, 0) << d.err;
  const CliRun i = run_cli("inspect --json " + path("demo.safetensors"));
  ASSERT_EQ(i.code, 0) << i.err;
  std::string name;
  int64_t rows = 0, cols = 0;
  const nlohmann::json listing = nlohmann::json::parse(i.out);
  for (const auto& t : listing["tensors"])
    if (t["shape"].size() == 2 && t["dtype"] == "F32") {
      name = t["name"];
      rows = t["shape"][0];
      cols = t["shape"][1];
      break;
    }
  ASSERT_FALSE(name.empty());
  const CliRun r = run_cli("quantize " + path("demo.safetensors") + " --tensor " + name +
                           " --scheme int4 --scheme int4:rot=hadamard,rot_seed=0 --scheme int4:lowrank=4 "
                           "--scheme int4:keep=2 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const double base = j["results"][0]["metrics"]["bits_per_weight"];
  const double numel = double(rows * cols);
  EXPECT_DOUBLE_EQ(j["results"][1]["metrics"]["bits_per_weight"].get<double>(), base);
  EXPECT_NEAR(j["results"][2]["metrics"]["bits_per_weight"].get<double>(), base + 16.0 * 4 * (rows + cols) / numel,
              1e-12);
  EXPECT_NEAR(j["results"][3]["metrics"]["bits_per_weight"].get<double>(), base + (16.0 * rows * 2 + 64) / numel,
              1e-12);
  EXPECT_EQ(j["results"][1]["params"]["transform"]["kind"], "hadamard");
  EXPECT_EQ(j["results"][1]["params"]["transform"]["seed"], 0);
  EXPECT_EQ(j["results"][2]["params"]["transform"]["rank"], 4);
  EXPECT_EQ(j["results"][3]["params"]["transform"]["columns"].size(), 2u);
}

TEST_F(CliTransforms, BadInputExitsTwoNamingTheKey) {
  const std::string m = path("m.safetensors");
  CliRun r = run_cli("quantize " + m + " --tensor w --scheme int8:smooth=0.5");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("smooth: needs per-column activation maxima, a 1-D tensor of length 3"), std::string::npos)
      << r.err;
  r = run_cli("quantize " + m + " --tensor w --scheme int8:smooth=0.5 --act-max " + m + ":act2d");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("not a 1-D"), std::string::npos) << r.err;
  r = run_cli("quantize " + m + " --tensor w --scheme int8:smooth=0.5 --act-max " + m + ":nope");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no tensor named 'nope'"), std::string::npos) << r.err;
  r = run_cli("quantize " + m + " --tensor w --scheme int8:smooth=0.5 --act-max /no/such/file:act");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("FILE:TENSOR"), std::string::npos) << r.err;
  // A PyTorch dict of 1-D tensors opens too (bf: 4 values for 3 columns).
  r = run_cli("quantize " + m + " --tensor w --scheme int8:smooth=0.5 --act-max " + std::string(QS_TEST_DATA_DIR) +
              "/torch_state_dict.pt:bf");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("smooth"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("not a 1-D"), std::string::npos) << r.err;
  r = run_cli("quantize " + m + " --tensor nan --scheme int8:rot=hadamard");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("rot: the tensor holds 1 NaN/Inf"), std::string::npos) << r.err;
  r = run_cli("quantize " + m + " --tensor w --scheme int8:lowrank=2");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("lowrank=2: needs 1 <= r < min(rows, cols) = 2"), std::string::npos) << r.err;
  r = run_cli("quantize " + m + " --tensor w --scheme q8_0:keep=1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("keep: q8_0 is a preset"), std::string::npos) << r.err;
  r = run_cli("report " + m + " --scheme int8:smooth=0.5 --out " + path("rep"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("smooth"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("rep")));
}

}  // namespace
