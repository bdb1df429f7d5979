// TensorFlow.js models: fixtures written by tests/scripts/make_tfjs_fixtures.py (NumPy,
// following tfjs-converter's weights format) checked value for value, their stored
// uint8/uint16/float16 quantization, the malformed set, and manifests built in memory.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "analysis/formats/model.h"
#include "analysis/formats/tfjs.h"
#include "analysis/numeric/tensor_decode.h"
#include "analysis/quant/quantize.h"
#include "analysis/quant/scheme.h"
#include "analysis/model/stored_quant.h"

namespace qs {
namespace {

const std::string kData = QS_TEST_DATA_DIR;

nlohmann::json expected() { return nlohmann::json::parse(std::ifstream(kData + "/tfjs_expected.json")); }

std::span<const std::byte> span_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A manifest and its shards in memory.
// The shards' bytes are copied into buffers the returned Model owns (appended after the
// reader's own), as a mapped file would be kept: its tensors view them after the
// caller's strings are gone.
Result<Model> parse(const std::string& json, const std::map<std::string, std::string>& shards) {
  auto m = parse_tfjs_manifest(span_of(json), "m.json");
  if (!m) return tl::unexpected(m.error());
  std::vector<std::shared_ptr<const std::vector<std::byte>>> owned;
  auto model = assemble_tfjs(*m, [&](const std::string& p) -> Result<std::span<const std::byte>> {
    const auto it = shards.find(p);
    if (it == shards.end()) return make_error("missing");
    const std::span<const std::byte> bytes = span_of(it->second);
    owned.push_back(std::make_shared<const std::vector<std::byte>>(bytes.begin(), bytes.end()));
    return std::span<const std::byte>(*owned.back());
  }, "m.json");
  if (model) model->buffers.insert(model->buffers.end(), owned.begin(), owned.end());
  return model;
}

std::string error_of(const std::string& json, const std::map<std::string, std::string>& shards = {}) {
  auto m = parse(json, shards);
  return m ? std::string("(accepted)") : m.error().message;
}

void expect_values(const Model& m, const nlohmann::json& want) {
  ASSERT_EQ(m.tensors.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const TensorView& t = m.tensors[i];
    EXPECT_EQ(t.name, want[i]["name"]);
    EXPECT_EQ(dtype_name(t.dtype), want[i]["dtype"].get<std::string>()) << t.name;
    EXPECT_EQ(t.shape, want[i]["shape"].get<std::vector<int64_t>>()) << t.name;
    const auto v = want[i]["values"].get<std::vector<double>>();
    ASSERT_EQ(size_t(t.numel()), v.size()) << t.name;
    if (t.dtype == DType::I32) {  // exact as integers (2^31 − 1 does not fit a float)
      for (size_t k = 0; k < v.size(); ++k) {
        int32_t x;
        std::memcpy(&x, t.bytes.data() + 4 * k, 4);
        EXPECT_EQ(double(x), v[k]) << t.name << "[" << k << "]";
      }
      continue;
    }
    std::vector<float> x(v.size());
    decode_to_float(t, 0, x);
    for (size_t k = 0; k < v.size(); ++k) EXPECT_EQ(x[k], float(v[k])) << t.name << "[" << k << "]";
  }
}

TEST(TfjsReader, GraphModelMatchesNumpy) {
  const auto want = expected();
  for (const std::string& p : {kData + "/tfjs_graph/model.json", kData + "/tfjs_graph"}) {
    auto m = open_model(p);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    EXPECT_EQ(m->format, "tfjs");
    EXPECT_EQ(m->metadata["format"], "graph-model");
    EXPECT_EQ(m->metadata["convertedBy"], "quantscope-fixture");
    EXPECT_EQ(m->metadata["shards"].size(), 6u);  // five shards of group 1, one of group 2
    EXPECT_EQ(m->metadata["skipped"], nlohmann::json::array({"vocab"}));
    expect_values(*m, want["tfjs_graph"]);
    // Bytes as stored: 35 uint8 codes, 15 uint16 codes, 24 halves.
    EXPECT_EQ(m->find("dense/kernel")->bytes.size(), 35u);
    EXPECT_EQ(m->find("dense/bias16")->bytes.size(), 30u);
    EXPECT_EQ(m->find("norm/gamma_f16")->bytes.size(), 48u);
    EXPECT_TRUE(m->find("norm/gamma_f16")->stored_cast);
    EXPECT_FALSE(m->find("conv/kernel")->stored_cast);
    EXPECT_EQ(m->total_bytes(), 96 + 35 + 30 + 48 + 256 + 16 + 3 + 16 + 4);
    // conv/kernel sits in the first shard: a view into the mapped file, no copy.
    const TensorView* conv = m->find("conv/kernel");
    const auto f0 = m->files[0]->bytes();
    EXPECT_GE(conv->bytes.data(), f0.data());
    EXPECT_LE(conv->bytes.data() + conv->bytes.size(), f0.data() + f0.size());
  }
}

TEST(TfjsReader, BareManifestMatchesNumpy) {
  const std::string p = kData + "/tfjs_manifest/tiny_model-weights_manifest.json";
  for (const std::string& path : {p, kData + "/tfjs_manifest"}) {
    auto m = open_model(path);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    EXPECT_EQ(m->format, "tfjs");
    expect_values(*m, expected()["tfjs_manifest"]);
  }
}

// The uint8 weight's stored grid: the file's codes and its scale and min as JSON gave
// them, levels computed as TF.js decodes (double product and sum, one float rounding).
TEST(TfjsStoredQuant, Uint8GridCodesAndLevels) {
  const auto q = expected()["tfjs_graph_quant"]["dense/kernel"];
  auto m = open_model(kData + "/tfjs_graph");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  const TensorView& t = *m->find("dense/kernel");
  ASSERT_TRUE(has_stored_quant(t));
  auto s = read_stored_quant(t);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->type, DType::U8Q);
  EXPECT_EQ(s->sub_blocks(), 1);
  EXPECT_EQ(s->sub_block_elems, 35);
  EXPECT_EQ(s->code_min, 0);
  EXPECT_EQ(s->code_max, 255);
  EXPECT_EQ(s->affine_scale, q["scale"].get<double>());
  EXPECT_EQ(s->affine_min, q["min"].get<double>());
  EXPECT_DOUBLE_EQ(s->bits_per_weight, (8.0 * 35 + 64) / 35);
  std::vector<uint64_t> counts(256, 0);
  for (int c : q["codes"].get<std::vector<int>>()) ++counts[size_t(c)];
  EXPECT_EQ(s->code_counts, counts);
  int used = 0;
  for (uint64_t c : counts) used += c > 0;
  EXPECT_EQ(s->codes_used(), used);
  EXPECT_EQ(s->code_counts[0] > 0 && s->code_counts[255] > 0, true);  // the range's ends
  const auto lv = stored_levels(*s, 0);
  ASSERT_EQ(lv.size(), 256u);
  for (int c = 0; c < 256; ++c) {
    EXPECT_EQ(lv[size_t(c)], float(double(c) * q["scale"].get<double>() + q["min"].get<double>())) << c;
  }
  std::vector<float> x(35);
  decode_to_float(t, 0, x);
  const auto codes = q["codes"].get<std::vector<int>>();
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i], lv[size_t(codes[i])]) << i;
  const auto j = stored_quant_json(*s);
  EXPECT_EQ(j["type"], "U8q");
  EXPECT_EQ(j["affine"]["scale"], q["scale"]);
  EXPECT_EQ(j["codes_used"], used);
}

TEST(TfjsStoredQuant, Uint16AndFloat16) {
  auto m = open_model(kData + "/tfjs_graph");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  auto s16 = read_stored_quant(*m->find("dense/bias16"));
  ASSERT_TRUE(s16.has_value());
  EXPECT_EQ(s16->type, DType::U16Q);
  EXPECT_EQ(s16->code_max, 65535);
  EXPECT_EQ(s16->code_counts.size(), 65536u);
  EXPECT_GT(s16->code_counts[0], 0u);  // the minimum sits on code 0 ...
  EXPECT_GT(s16->code_counts[65535], 0u);  // ... the maximum on the last
  auto h = read_stored_quant(*m->find("norm/gamma_f16"));
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->type, DType::F16);
  EXPECT_DOUBLE_EQ(h->bits_per_weight, 16.0);
  uint64_t total = 0;
  for (uint64_t c : h->code_counts) total += c;
  EXPECT_EQ(total, 24u);
  EXPECT_EQ(stored_levels(*h, 0).size(), 63488u);  // 65536 halves minus 2·1024 Inf/NaN patterns
  EXPECT_FALSE(read_stored_quant(*m->find("conv/kernel")).has_value());  // plain float32
}

// On the stored grid (scale 2^-6, min −2, every code used), minmax:bits=8,zp=float takes
// the same range, scale and codes and gives the file's values back exactly.
TEST(TfjsStoredQuant, RequantizeOnTheStoredGridIsExact) {
  auto m = open_model(kData + "/tfjs_graph");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  const TensorView& t = *m->find("grid/kernel");
  std::vector<float> storage;
  const auto x = to_float(t, storage);
  auto spec = parse_spec("minmax:bits=8,zp=float");
  ASSERT_TRUE(spec.has_value());
  QuantizeOptions opt;
  opt.keep_codes = opt.keep_dequant = true;
  const QuantizeResult r = quantize(x, t.shape, *spec, opt);
  ASSERT_TRUE(r.metrics.mse.has_value());
  EXPECT_EQ(*r.metrics.mse, 0.0);
  EXPECT_EQ(r.metrics.codes_used, 256);
  ASSERT_EQ(r.groups.size(), 1u);
  ASSERT_EQ(r.dequant.size(), x.size());
  ASSERT_EQ(r.codes.size(), x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(r.dequant[i], x[i]);
    EXPECT_EQ(r.codes[i], int32_t(uint8_t(t.bytes[i]))) << i;  // the file's own codes
  }
}

TEST(TfjsReader, MalformedFixturesAreRefusedByName) {
  const std::string bad = kData + "/tfjs_bad/";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"missing_shard", "shard group1-shard2of2.bin: missing"},
      {"short_shard", "weight 'w': needs bytes [0, 16) of the group's shards, which hold 12 bytes"},
      {"path_escape", "paths[0] \"../group1-shard1of1.bin\" leaves the model's directory"},
      {"shape_overflow", "weight 'w': shape [1099511627776,1099511627776] has more than 2^48 elements"},
      {"unknown_dtype", "weight 'w': unknown dtype \"float64\""},
  };
  for (const auto& [dir, msg] : cases) {
    auto m = open_model(bad + dir + "/model.json");
    ASSERT_FALSE(m.has_value()) << dir;
    EXPECT_EQ(m.error().message.rfind(bad + dir + "/model.json: ", 0), 0u) << m.error().message;
    EXPECT_NE(m.error().message.find(msg), std::string::npos) << dir << ": " << m.error().message;
  }
}

TEST(TfjsReader, InMemoryManifests) {
  const std::string f4("\0\0\x80?\0\0\0@\0\0@@\0\0\x80@", 16);  // 1, 2, 3, 4
  // A weight across two shards is copied once; the next follows it byte for byte.
  auto m = parse(R"([{"paths":["a","b"],"weights":[{"name":"x","shape":[3],"dtype":"float32"},
                     {"name":"y","shape":[1],"dtype":"float32"}]}])",
                 {{"a", f4.substr(0, 6)}, {"b", f4.substr(6)}});
  ASSERT_TRUE(m.has_value()) << m.error().message;
  std::vector<float> x(3);
  decode_to_float(m->tensors[0], 0, x);
  EXPECT_EQ(x, (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(m->buffers.size(), 1u + 2u);  // the straddling weight copied once, then the test's two shards
  decode_to_float(m->tensors[1], 0, std::span<float>(x.data(), 1));
  EXPECT_EQ(x[0], 4.0f);
  // A model.json with a layers topology; a string weight's bytes are skipped.
  const std::string str = std::string("\x02\0\0\0hi", 6);
  m = parse(R"({"format":"layers-model","modelTopology":{},"weightsManifest":[{"paths":["s"],
              "weights":[{"name":"v","shape":[1],"dtype":"string"},{"name":"w","shape":[],"dtype":"float32"}]}]})",
            {{"s", str + f4.substr(12)}});
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_EQ(m->tensors.size(), 1u);
  decode_to_float(m->tensors[0], 0, std::span<float>(x.data(), 1));
  EXPECT_EQ(x[0], 4.0f);

  const std::map<std::string, std::string> one{{"s", f4}};
  const auto w = [](const std::string& fields) {
    return R"([{"paths":["s"],"weights":[{"name":"w","shape":[4],)" + fields + "}]}]";
  };
  EXPECT_NE(error_of(R"([{"paths":["/etc/passwd"],"weights":[]}])").find("leaves the model's directory"), std::string::npos);
  EXPECT_NE(error_of(R"([{"paths":["a/../../b"],"weights":[]}])").find("leaves the model's directory"), std::string::npos);
  EXPECT_NE(error_of(R"([{"paths":["a\\b"],"weights":[]}])").find("leaves the model's directory"), std::string::npos);
  EXPECT_EQ(error_of(w(R"("dtype":"float32","quantization":{"dtype":"uint8","scale":0.5})"), one),
            "m.json: weightsManifest[0] weight 'w': quantization has no \"min\"");
  EXPECT_NE(error_of(w(R"("dtype":"int32","quantization":{"dtype":"float16"})"), one).find("float32 weights only"),
            std::string::npos);
  EXPECT_NE(error_of(w(R"("dtype":"float32","quantization":{"dtype":"int4"})"), one).find("unknown quantization.dtype"),
            std::string::npos);
  EXPECT_NE(error_of(w(R"("dtype":"float32"},{"name":"w","shape":[0],"dtype":"float32")"), one).find("appears twice"),
            std::string::npos);
  EXPECT_NE(error_of(R"([{"paths":["s"],"weights":[{"name":"v","shape":[1],"dtype":"string"}]}])",
                     {{"s", std::string("\xff\xff\0\0", 4)}})
                .find("string element 0 runs past"),
            std::string::npos);
  EXPECT_NE(error_of(R"([{"paths":[],"weights":[{"name":"w","shape":[1],"dtype":"float32"}]}])").find("no \"paths\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"modelTopology":{}})").find("without \"weightsManifest\""), std::string::npos);
  EXPECT_NE(error_of(w(R"("dtype":"float32","shape":[-1])"), one).find("not a non-negative integer"), std::string::npos);
  EXPECT_NE(error_of("[{").find("not valid JSON"), std::string::npos);
  // A zero-sized dimension does not let the others multiply past 2^48.
  EXPECT_NE(error_of(R"([{"paths":["s"],"weights":[{"name":"w","shape":[0,16777216,16777216,2],"dtype":"float32"}]}])", one)
                .find("more than 2^48"),
            std::string::npos);
}

// TF.js rounds int32 dequantization with Math.round (ties toward +∞), in doubles.
TEST(TfjsReader, QuantizedInt32UsesMathRound) {
  auto m = parse(R"([{"paths":["s"],"weights":[{"name":"i","shape":[4],"dtype":"int32",
                   "quantization":{"dtype":"uint16","scale":0.5,"min":-2.5}}]}])",
                 {{"s", std::string("\0\0\x01\0\x02\0\x0b\0", 8)}});
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_EQ(m->tensors[0].dtype, DType::I32);
  int32_t v[4];
  std::memcpy(v, m->tensors[0].bytes.data(), 16);
  EXPECT_EQ(v[0], -2);  // −2.5 → −2
  EXPECT_EQ(v[1], -2);  // −2.0
  EXPECT_EQ(v[2], -1);  // −1.5 → −1
  EXPECT_EQ(v[3], 3);   // 3.0
}

}  // namespace
}  // namespace qs
