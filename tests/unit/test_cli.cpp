// quantscope-cli as a user scripts it: run the binary, parse --json, check exit codes
// and messages on bad input. Fixtures come from NumPy (an independent writer).
#include <gtest/gtest.h>

#include <sstream>
#include <tuple>

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

// stb_image (libstb-dev) decodes the headless browser's screenshot of report.html.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

#include "cli_runner.h"

namespace {

TEST_F(CliTest, DemoInspectJson) {
  const CliRun d = run_cli("demo --small --out " + path("demo.safetensors"));
  ASSERT_EQ(d.code, 0) << d.err;
  const CliRun r = run_cli("inspect --json " + path("demo.safetensors"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);  // stdout holds one JSON document only
  EXPECT_EQ(j["format"], "safetensors");
  EXPECT_EQ(j["file"], path("demo.safetensors"));
  ASSERT_TRUE(j["tensors"].is_array());
  int64_t params = 0, bytes = 0;
  bool saw_bf16 = false;
  for (const auto& t : j["tensors"]) {
    int64_t numel = 1;
    for (const auto& d2 : t["shape"]) numel *= d2.get<int64_t>();
    EXPECT_EQ(t["numel"].get<int64_t>(), numel) << t["name"];
    params += numel;
    bytes += t["bytes"].get<int64_t>();
    if (t["dtype"] == "BF16") {
      saw_bf16 = true;
      EXPECT_EQ(t["bytes"].get<int64_t>(), numel * 2);
    }
  }
  EXPECT_TRUE(saw_bf16);
  EXPECT_EQ(j["total_params"].get<int64_t>(), params);
  EXPECT_EQ(j["total_bytes"].get<int64_t>(), bytes);
  EXPECT_TRUE(j["metadata"].is_object());
}

// x = [-1.2, 0.5, 3.4, -0.1] absmax int8: s = 3.4/127, MSE = 3.689e-5 (see test_quantize).
TEST_F(CliTest, QuantizeJsonOnNumpyFile) {
  if (!have_numpy()) GTEST_SKIP() << QS_PYTHON << " has no numpy";
  const std::string npy = path("x.npy");
  const std::string py = std::string(QS_PYTHON) +
                         " -c \"import numpy as np; np.save('" + npy +
                         "', np.array([-1.2, 0.5, 3.4, -0.1], dtype=np.float32))\"";
  ASSERT_EQ(std::system(py.c_str()), 0);
  const CliRun r = run_cli("quantize " + npy + " --tensor x --scheme int8 --scheme minmax:bits=4,gran=block,block=2 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tensor"]["name"], "x");
  EXPECT_EQ(j["tensor"]["dtype"], "F32");
  EXPECT_EQ(j["tensor"]["numel"], 4);
  const auto& st = j["tensor"]["stats"];
  EXPECT_NEAR(st["min"].get<double>(), -1.2, 1e-6);
  EXPECT_NEAR(st["max"].get<double>(), 3.4, 1e-6);
  EXPECT_NEAR(st["mean"].get<double>(), (-1.2 + 0.5 + 3.4 - 0.1) / 4, 1e-6);
  const double mean = 0.65;
  const double var = ((-1.2 - mean) * (-1.2 - mean) + (0.5 - mean) * (0.5 - mean) +
                      (3.4 - mean) * (3.4 - mean) + (-0.1 - mean) * (-0.1 - mean)) / 4;
  EXPECT_NEAR(st["std"].get<double>(), std::sqrt(var), 1e-6);  // population std
  EXPECT_EQ(st["n_nonfinite"], 0);
  ASSERT_EQ(j["results"].size(), 2u);
  const auto& a = j["results"][0];
  EXPECT_EQ(a["spec"], "absmax:bits=8");
  EXPECT_EQ(a["scheme"]["kind"], "absmax");
  EXPECT_NEAR(a["metrics"]["mse"].get<double>(), 3.689e-5, 0.001e-5);
  EXPECT_NEAR(a["metrics"]["sqnr_db"].get<double>(), 49.536, 0.01);
  EXPECT_EQ(a["metrics"]["codes_used"], 4);
  EXPECT_DOUBLE_EQ(a["metrics"]["bits_per_weight"].get<double>(), 16.0);
  EXPECT_NEAR(a["params"]["scale"].get<double>(), 3.4 / 127, 1e-8);
  EXPECT_TRUE(a["params"]["zero_point"].is_null());
  const auto& b = j["results"][1];
  EXPECT_EQ(b["spec"], "minmax:bits=4,gran=block,block=2");
  EXPECT_EQ(b["params"]["groups"]["count"], 2);
  // blocks {-1.2, 0.5} and {3.4, -0.1}: s = 1.7/15 and 3.5/15
  EXPECT_NEAR(b["params"]["groups"]["scale_min"].get<double>(), 1.7 / 15, 1e-6);
  EXPECT_NEAR(b["params"]["groups"]["scale_max"].get<double>(), 3.5 / 15, 1e-6);
  // bits/weight = (4·4 + 2·(32 + 4))/4 = 22
  EXPECT_DOUBLE_EQ(b["metrics"]["bits_per_weight"].get<double>(), 22.0);
}

TEST_F(CliTest, NonFiniteNumbersAreStringsInJson) {
  const CliRun d = run_cli("demo --small --out " + path("demo.safetensors"));
  ASSERT_EQ(d.code, 0) << d.err;
  // the constant tensor reproduces exactly with a float minimum: sqnr is "inf"
  const CliRun r = run_cli("quantize " + path("demo.safetensors") +
                        " --tensor model.layers.1.input_layernorm.weight --scheme minmax:zp=float --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["results"][0]["metrics"]["sqnr_db"], "inf");
  EXPECT_EQ(j["tensor"]["stats"]["std"].get<double>(), 0.0);
  const CliRun k = run_cli("quantize " + path("demo.safetensors") +
                        " --tensor model.layers.1.self_attn.k_proj.weight --scheme int8 --json");
  ASSERT_EQ(k.code, 0) << k.err;
  const auto jk = nlohmann::json::parse(k.out);
  EXPECT_EQ(jk["tensor"]["stats"]["n_nonfinite"], 6);
  EXPECT_EQ(jk["results"][0]["metrics"]["n_nonfinite"], 6);
}

TEST_F(CliTest, HumanTableIsAligned) {
  const CliRun d = run_cli("demo --small --out " + path("demo.safetensors"));
  ASSERT_EQ(d.code, 0) << d.err;
  const CliRun r = run_cli("quantize " + path("demo.safetensors") +
                        " --tensor model.layers.0.mlp.down_proj.weight --scheme int8 bf16 nf4");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("SQNR dB"), std::string::npos);
  EXPECT_NE(r.out.find("absmax:bits=8"), std::string::npos);
  EXPECT_NE(r.out.find("nf4"), std::string::npos);
  // Columns line up in terminal columns, UTF-8 included: in `presets` every row's rule
  // text (the last column, with ·, −, ⌊ …) starts where the header's "rule" does, and
  // the dashes under the header are as wide as the widest row.
  const CliRun p = run_cli("presets");
  ASSERT_EQ(p.code, 0) << p.err;
  std::vector<std::string> lines;
  std::stringstream ss(p.out);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  ASSERT_GE(lines.size(), 3u);
  auto columns = [](const std::string& s, size_t bytes) {
    size_t n = 0;
    for (size_t i = 0; i < bytes && i < s.size(); ++i) n += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    return n;
  };
  const size_t rule_col = columns(lines[0], lines[0].find("rule"));
  size_t widest = 0;
  for (size_t i = 2; i < lines.size(); ++i) widest = std::max(widest, columns(lines[i], lines[i].size()));
  EXPECT_EQ(lines[1].size(), widest) << "the dashes";
  const std::string& q4k = lines[2 + 8];  // q4_k's row
  ASSERT_EQ(q4k.rfind("q4_k", 0), 0u) << q4k;
  EXPECT_EQ(columns(q4k, q4k.find("super-blocks")), rule_col);
}

TEST_F(CliTest, BadInputExitsTwoWithAMessage) {
  const CliRun missing = run_cli("inspect " + path("nope.safetensors"));
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find(path("nope.safetensors")), std::string::npos) << missing.err;

  std::ofstream(path("garbage.bin")) << "hello, this is not a model";
  const CliRun garbage = run_cli("inspect " + path("garbage.bin"));
  EXPECT_EQ(garbage.code, 2);
  EXPECT_NE(garbage.err.find("unknown format"), std::string::npos) << garbage.err;

  ASSERT_EQ(run_cli("demo --small --out " + path("demo.safetensors")).code, 0);
  const CliRun bad_spec = run_cli("quantize " + path("demo.safetensors") +
                               " --tensor vision.conv1.weight --scheme absmax:bits=17");
  EXPECT_EQ(bad_spec.code, 2);
  EXPECT_NE(bad_spec.err.find("bits"), std::string::npos) << bad_spec.err;
  EXPECT_TRUE(bad_spec.out.empty());

  const CliRun bad_tensor = run_cli("quantize " + path("demo.safetensors") + " --tensor nope --scheme int8");
  EXPECT_EQ(bad_tensor.code, 2);
  EXPECT_NE(bad_tensor.err.find("nope"), std::string::npos) << bad_tensor.err;

  const CliRun bad_axis = run_cli("quantize " + path("demo.safetensors") +
                               " --tensor vision.conv1.weight --scheme absmax:gran=channel,axis=4");
  EXPECT_EQ(bad_axis.code, 2);
  EXPECT_NE(bad_axis.err.find("axis"), std::string::npos) << bad_axis.err;

  EXPECT_EQ(run_cli("").code, 2);
  EXPECT_EQ(run_cli("frobnicate").code, 2);
  EXPECT_EQ(run_cli("quantize " + path("demo.safetensors")).code, 2);  // --tensor missing
}

TEST_F(CliTest, DemoWriteFailureLeavesNoFile) {
  const std::string target = path("no/such/dir/demo.safetensors");
  const CliRun r = run_cli("demo --small --out " + target);
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(fs::exists(target));
  // nothing half-written beside the target either
  for (const auto& e : fs::directory_iterator(dir_)) ADD_FAILURE() << "left behind: " << e.path();
}

}  // namespace

namespace {

// An ONNX model whose weights live only in If branches, a Loop and a Scan body and
// Constant nodes: inspect lists them by graph path; quantize finds one by that path, its
// stats and int8 error worked out here from the fixture script's NumPy values.
TEST_F(CliTest, OnnxSubgraphWeightsInspectAndQuantize) {
  const std::string dir = QS_TEST_DATA_DIR, onnx = dir + "/onnx_subgraph.onnx";
  const auto want = nlohmann::json::parse(std::ifstream(dir + "/onnx_subgraph_expected.json"))["tensors"];
  const CliRun i = run_cli("inspect --json " + onnx);
  ASSERT_EQ(i.code, 0) << i.err;
  const auto ij = nlohmann::json::parse(i.out);
  EXPECT_EQ(ij["format"], "onnx");
  ASSERT_EQ(ij["tensors"].size(), want.size());
  int64_t params = 0;
  for (size_t k = 0; k < want.size(); ++k) {
    EXPECT_EQ(ij["tensors"][k]["name"], want[k]["name"]);
    EXPECT_EQ(ij["tensors"][k]["shape"], want[k]["shape"]);
    params += ij["tensors"][k]["numel"].get<int64_t>();
  }
  EXPECT_EQ(params, 51);
  EXPECT_EQ(ij["total_params"], 51);
  EXPECT_EQ(ij["metadata"]["subgraphs"], 4);
  const CliRun q = run_cli("quantize " + onnx + " --tensor If_2/else_branch/w --scheme int8 --json");
  ASSERT_EQ(q.code, 0) << q.err;
  const auto qj = nlohmann::json::parse(q.out);
  std::vector<float> x;
  for (const auto& t : want) {
    if (t["name"] == "If_2/else_branch/w") x = t["values"].get<std::vector<float>>();
  }
  ASSERT_EQ(x.size(), 12u);
  float amax = 0, lo = x[0], hi = x[0];
  for (float v : x) {
    amax = std::max(amax, std::fabs(v));
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const float s = amax / 127.0f, inv = 1.0f / s;
  double err = 0;
  for (float v : x) {
    const float q8 = std::clamp(std::nearbyint(v * inv), -127.0f, 127.0f);
    err += std::pow(double(v) - double(q8 * s), 2);
  }
  EXPECT_EQ(qj["tensor"]["stats"]["min"], double(lo));
  EXPECT_EQ(qj["tensor"]["stats"]["max"], double(hi));
  EXPECT_DOUBLE_EQ(qj["results"][0]["metrics"]["mse"].get<double>(), err / 12);
}

// A TF.js graph model with converter-quantized weights: inspect lists the stored types and
// their bytes as stored; quantize on the uint8 weight reports the stored grid under
// "stored" (the manifest's scale and min, the codes used from the fixture's codes) and the
// int8 error worked out here from the values TF.js decodes.
TEST_F(CliTest, TfjsQuantizedWeightsInspectAndQuantize) {
  const std::string dir = QS_TEST_DATA_DIR, model = dir + "/tfjs_graph/model.json";
  const auto expected = nlohmann::json::parse(std::ifstream(dir + "/tfjs_expected.json"));
  const CliRun i = run_cli("inspect --json " + model);
  ASSERT_EQ(i.code, 0) << i.err;
  const auto ij = nlohmann::json::parse(i.out);
  EXPECT_EQ(ij["format"], "tfjs");
  const auto& want = expected["tfjs_graph"];
  ASSERT_EQ(ij["tensors"].size(), want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    EXPECT_EQ(ij["tensors"][k]["name"], want[k]["name"]);
    EXPECT_EQ(ij["tensors"][k]["dtype"], want[k]["dtype"]);
  }
  EXPECT_EQ(ij["tensors"][1]["dtype"], "U8q");
  EXPECT_EQ(ij["tensors"][1]["bytes"], 35);  // one byte per code, as stored
  EXPECT_EQ(ij["tensors"][2]["bytes"], 30);  // uint16
  const CliRun q = run_cli("quantize " + model + " --tensor dense/kernel --scheme int8 --json");
  ASSERT_EQ(q.code, 0) << q.err;
  const auto qj = nlohmann::json::parse(q.out);
  const auto& quant = expected["tfjs_graph_quant"]["dense/kernel"];
  const auto codes = quant["codes"].get<std::vector<int>>();
  const double scale = quant["scale"], mn = quant["min"];
  const auto& stored = qj["tensor"]["stored"];
  EXPECT_EQ(stored["type"], "U8q");
  EXPECT_EQ(stored["codes_used"], int(std::set<int>(codes.begin(), codes.end()).size()));
  std::vector<float> x;
  float amax = 0;
  for (int c : codes) {
    x.push_back(static_cast<float>(double(c) * scale + mn));
    amax = std::max(amax, std::fabs(x.back()));
  }
  const float s = amax / 127.0f, inv = 1.0f / s;
  double err = 0;
  for (float v : x) {
    const float q8 = std::clamp(std::nearbyint(v * inv), -127.0f, 127.0f);
    err += std::pow(double(v) - double(q8 * s), 2);
  }
  // DESIGN allows float32 partial sums over short tiles: the sum agrees to float32 precision.
  const double want_mse = err / double(x.size());
  EXPECT_NEAR(qj["results"][0]["metrics"]["mse"].get<double>(), want_mse, 1e-6 * want_mse);
  EXPECT_EQ(qj["results"][0]["metrics"]["max_abs_error"].get<double>(), [&] {
    float m = 0;
    for (float v : x) m = std::max(m, std::fabs(v - std::clamp(std::nearbyint(v * inv), -127.0f, 127.0f) * s));
    return double(m);
  }());
}

// A GGUF file: inspect shows the stored types; quantize on a Q8_0 tensor reports the
// stored quantization, and re-quantizing with the Q8_0-like spec (blocks of 32, fp16
// scale) reproduces it exactly (its values are already on that grid).
TEST_F(CliTest, GgufInspectAndStoredQuantization) {
  const std::string gguf = std::string(QS_TEST_DATA_DIR) + "/tiny.gguf";
  const CliRun i = run_cli("inspect --json " + gguf);
  ASSERT_EQ(i.code, 0) << i.err;
  const auto ij = nlohmann::json::parse(i.out);
  EXPECT_EQ(ij["format"], "gguf");
  EXPECT_EQ(ij["tensors"][2]["dtype"], "Q8_0");
  EXPECT_EQ(ij["tensors"][2]["bytes"], 136);
  EXPECT_EQ(ij["metadata"]["general.name"], "quantscope-fixture");
  const CliRun q = run_cli("quantize " + gguf +
                           " --tensor blk.0.attn_q.weight --scheme absmax:bits=8,gran=block,block=32,scale_dtype=f16"
                           " --scheme int8 --json");
  ASSERT_EQ(q.code, 0) << q.err;
  const auto qj = nlohmann::json::parse(q.out);
  const auto& st = qj["tensor"]["stored"];
  EXPECT_EQ(st["type"], "Q8_0");
  EXPECT_EQ(st["bits_per_weight"], 8.5);
  EXPECT_EQ(st["sub_blocks"], 4);
  EXPECT_EQ(st["code_min"], -128);
  EXPECT_EQ(qj["results"][0]["metrics"]["mse"], 0.0);
  EXPECT_GT(qj["results"][1]["metrics"]["mse"].get<double>(), 0.0);
  const CliRun f = run_cli("quantize " + gguf + " --tensor token_embd.weight --scheme int8 --json");
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_FALSE(nlohmann::json::parse(f.out)["tensor"].contains("stored"));
  // llama.cpp's own rules give the stored values back exactly: Q8_0 by q8_0, Q4_0 by q4_0
  // (and not by each other).
  for (const auto& [tensor, own, other] : {std::tuple{"blk.0.attn_q.weight", "q8_0", "q4_0"},
                                          std::tuple{"blk.0.ffn_up.weight", "q4_0", "q8_0"}}) {
    const CliRun p = run_cli("quantize " + gguf + " --tensor " + tensor + " --scheme " + own + " " + other + " --json");
    ASSERT_EQ(p.code, 0) << p.err;
    const auto pj = nlohmann::json::parse(p.out);
    EXPECT_EQ(pj["results"][0]["metrics"]["mse"], 0.0) << tensor;
    EXPECT_GT(pj["results"][1]["metrics"]["mse"].get<double>(), 0.0) << tensor;
  }
}

// presets: the 20 spec names of issue #8 and the seeds' 4, each with its toolchain, rule and bits/weight,
// and each usable as --scheme (q4_k on a 256-wide tensor: 4.5 bits/weight).
TEST_F(CliTest, PresetsListAndQuantize) {
  const CliRun r = run_cli("presets --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& p : j) {
    names.push_back(p["name"]);
    EXPECT_FALSE(p["toolchain"].get<std::string>().empty());
    EXPECT_FALSE(p["description"].get<std::string>().empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"torch_quint8", "torch_qint8", "torch_qint8_channel", "q8_0", "q4_0",
                                             "q4_1", "q5_0", "q5_1", "q4_k", "q6_k", "bnb_nf4", "bnb_fp4",
                                             "bnb_dynamic8", "mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3",
                                             "mxfp4", "fp8_e4m3_tensor", "fp8_e4m3_channel", "quanto_qint8",
                                             "quanto_qint4", "gemmlowp_uint8", "hqq_4bit"}));
  ASSERT_EQ(run_cli("demo --small --out " + path("demo.safetensors")).code, 0);
  const CliRun q = run_cli("quantize " + path("demo.safetensors") +
                           " --tensor model.layers.0.mlp.down_proj.weight --scheme q4_k mxfp4 --json");
  ASSERT_EQ(q.code, 0) << q.err;
  const auto qj = nlohmann::json::parse(q.out);
  EXPECT_EQ(qj["results"][0]["spec"], "q4_k");
  EXPECT_EQ(qj["results"][0]["scheme"]["kind"], "preset");
  EXPECT_EQ(qj["results"][0]["metrics"]["bits_per_weight"], 4.5);
  EXPECT_EQ(qj["results"][1]["metrics"]["bits_per_weight"], 4.25);
  const CliRun bad = run_cli("quantize " + path("demo.safetensors") +
                             " --tensor vision.conv1.weight --scheme q4_k");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("whole blocks of 256"), std::string::npos) << bad.err;
}

// A report over a GGUF file: block tensors are measured against the grid the file stores
// (Q8_0 re-quantized by its own rule: MSE 0), the "as stored" totals are the file's bytes
// over its elements, and the Markdown says which tensors were decoded from blocks.
TEST_F(CliTest, ReportOnStoredQuantizedTensors) {
  const std::string gguf = std::string(QS_TEST_DATA_DIR) + "/tiny.gguf";
  const std::string out = path("gguf-report");
  const CliRun r = run_cli("report " + gguf + " --scheme absmax:bits=8,gran=block,block=32,scale_dtype=f16 --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream jf(fs::path(out) / "report.json");
  const auto j = nlohmann::json::parse(jf);
  const auto ij = nlohmann::json::parse(run_cli("inspect --json " + gguf).out);
  int64_t bytes = 0, numel = 0;
  for (const auto& t : ij["tensors"]) bytes += t["bytes"].get<int64_t>(), numel += t["numel"].get<int64_t>();
  EXPECT_EQ(j["stored"]["bytes"], bytes);  // 60 + 16 + 136 + 18 = 230
  EXPECT_EQ(j["stored"]["numel"], numel);
  EXPECT_EQ(j["stored"]["block_quantized_tensors"], 2);
  EXPECT_DOUBLE_EQ(j["stored"]["bits_per_weight"].get<double>(), 8.0 * double(bytes) / double(numel));
  EXPECT_EQ(j["tensors"][2]["dtype"], "Q8_0");
  EXPECT_EQ(j["tensors"][2]["results"][0]["metrics"]["mse"], 0.0);
  std::ifstream mf(fs::path(out) / "report.md");
  const std::string md((std::istreambuf_iterator<char>(mf)), std::istreambuf_iterator<char>());
  EXPECT_NE(md.find("| as stored in the file | 4 | 10.055 | 230 B |"), std::string::npos) << md;
  EXPECT_NE(md.find("2 of these tensors are stored quantized (GGUF block types, TF.js uint8/uint16/float16)"), std::string::npos);
}

}  // namespace

namespace {

// report: the JSON's numbers are quantize --json's; one CSV row per tensor × scheme; the
// HTML parses as XML (XHTML with inline SVG); a failed run writes nothing.
TEST_F(CliTest, ReportMatchesQuantizeAndIsWellFormed) {
  ASSERT_EQ(run_cli("demo --small --out " + path("demo.safetensors")).code, 0);
  const std::string out = path("rep");
  const CliRun r = run_cli("report " + path("demo.safetensors") + " --scheme int8 nf4 absmax:bits=4,gran=channel,axis=1 --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* f : {"report.html", "report.md", "report.csv", "report.json"}) {
    EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
  }
  std::ifstream jf(fs::path(out) / "report.json");
  const auto j = nlohmann::json::parse(jf);
  ASSERT_EQ(j["schemes"].size(), 3u);
  const size_t n_tensors = j["tensors"].size();
  ASSERT_GT(n_tensors, 3u);
  const auto& t = j["tensors"][0];
  const CliRun q = run_cli("quantize " + path("demo.safetensors") + " --tensor " + t["name"].get<std::string>() +
                           " --scheme int8 nf4 --json");
  ASSERT_EQ(q.code, 0) << q.err;
  const auto qj = nlohmann::json::parse(q.out);
  for (int s = 0; s < 2; ++s) {
    EXPECT_EQ(t["results"][s]["metrics"], qj["results"][s]["metrics"]) << s;
  }
  std::ifstream cf(fs::path(out) / "report.csv");
  size_t lines = 0;
  for (std::string line; std::getline(cf, line);) ++lines;
  EXPECT_EQ(lines, 1 + n_tensors * 3);
  if (have_numpy()) {  // the Python that has numpy is the one tests use; xml is stdlib
    const std::string py = std::string(QS_PYTHON) + " -c \"import xml.etree.ElementTree as E; r = E.parse('" +
                           (fs::path(out) / "report.html").string() +
                           "').getroot(); assert r.tag.endswith('html'); "
                           "assert len(r.findall('.//{http://www.w3.org/2000/svg}svg')) >= 3\"";
    EXPECT_EQ(std::system(py.c_str()), 0);
  }
  // Failures leave no report: a bad spec, and an output path under a regular file.
  const CliRun bad = run_cli("report " + path("demo.safetensors") + " --scheme absmax:bits=99 --out " + path("bad"));
  EXPECT_EQ(bad.code, 2);
  EXPECT_FALSE(fs::exists(path("bad")));
  const CliRun under_file = run_cli("report " + path("demo.safetensors") + " --scheme int8 --out " +
                                    path("demo.safetensors") + "/sub");
  EXPECT_EQ(under_file.code, 2);
  EXPECT_NE(under_file.err.find("cannot"), std::string::npos) << under_file.err;
  const CliRun none = run_cli("report " + path("demo.safetensors") + " --tensors nomatch --scheme int8 --out " + path("none"));
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("no floating-point tensor matches --tensors 'nomatch'"), std::string::npos) << none.err;
  EXPECT_FALSE(fs::exists(path("none")));
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().rfind(".qs-report-", 0), std::string::npos) << "left behind: " << e.path();
  }
}

}  // namespace

namespace {

// report --budget: budget.json maps every tensor to one of the schemes; the chosen mix
// stays within the budget; a budget below the cheapest mix is an error and writes nothing.
TEST_F(CliTest, ReportBudgetPlan) {
  ASSERT_EQ(run_cli("demo --small --out " + path("demo.safetensors")).code, 0);
  const CliRun r = run_cli("report " + path("demo.safetensors") + " --scheme int8 nf4 bf16 --budget 6 --out " + path("b"));
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream bf(fs::path(path("b")) / "budget.json");
  const auto plan = nlohmann::json::parse(bf);
  std::ifstream jf(fs::path(path("b")) / "report.json");
  const auto j = nlohmann::json::parse(jf);
  ASSERT_EQ(plan.size(), j["tensors"].size());
  double bits = 0, numel = 0;
  for (const auto& t : j["tensors"]) {
    const std::string spec = plan.at(t["name"].get<std::string>());
    EXPECT_TRUE(spec == "absmax:bits=8" || spec == "nf4" || spec == "bf16") << spec;
    for (const auto& res : t["results"]) {
      if (res["spec"] == spec) bits += res["metrics"]["bits_per_weight"].get<double>() * t["numel"].get<double>();
    }
    numel += t["numel"].get<double>();
  }
  EXPECT_LE(bits / numel, 6.0);
  EXPECT_NEAR(j["budget"]["bits_per_weight"].get<double>(), bits / numel, 1e-9);
  EXPECT_EQ(j["budget"]["objective"], "pooled_sqnr");
  EXPECT_GE(j["budget"]["bound_sqnr_db"].get<double>(), j["budget"]["pooled_sqnr_db"].get<double>());
  const CliRun small = run_cli("report " + path("demo.safetensors") + " --scheme int8 nf4 --budget 3 --out " + path("s"));
  EXPECT_EQ(small.code, 2);
  EXPECT_NE(small.err.find("the cheapest candidates need 4.5"), std::string::npos) << small.err;
  EXPECT_FALSE(fs::exists(path("s")));
}

}  // namespace

namespace {

// Where chromium is installed: render report.html headless and check the picture is not
// blank (text, tables and the SVG charts put many colours on the page).
TEST_F(CliTest, ReportRendersInAHeadlessBrowser) {
  if (std::system("command -v chromium >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "chromium is not installed: report.html is not rendered (apt install chromium to run this)";
  }
  ASSERT_EQ(run_cli("demo --small --out " + path("demo.safetensors")).code, 0);
  ASSERT_EQ(run_cli("report " + path("demo.safetensors") + " --scheme int8 nf4 --out " + path("r")).code, 0);
  const std::string png = path("report.png");
  const std::string cmd = "HOME=" + dir_.string() + " timeout 120 chromium --headless --no-sandbox --disable-gpu " +
                          "--hide-scrollbars --window-size=1100,1600 --screenshot=" + png + " file://" +
                          path("r") + "/report.html >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  int w = 0, h = 0, c = 0;
  unsigned char* px = stbi_load(png.c_str(), &w, &h, &c, 3);
  ASSERT_NE(px, nullptr) << png;
  EXPECT_EQ(w, 1100);
  size_t non_white = 0, blue = 0;
  for (int i = 0; i < w * h; ++i) {
    const unsigned char r = px[3 * i], g = px[3 * i + 1], b = px[3 * i + 2];
    non_white += (r < 240 || g < 240 || b < 240);
    blue += (b > r + 60 && b > g + 20);  // the bars of the charts
  }
  stbi_image_free(px);
  EXPECT_GT(double(non_white) / (w * h), 0.03) << "the rendered report is (nearly) blank";
  EXPECT_GT(blue, 2000u) << "no chart bars in the rendered report";
}

}  // namespace
