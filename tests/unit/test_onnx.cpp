// ONNX initializers: fixtures written by the onnx package (tests/scripts/
// make_onnx_fixtures.py) against the values onnx.numpy_helper gives, a model with its
// weights in subgraphs and Constant nodes against NumPy's values
// (make_onnx_subgraph_fixtures.py), and tables of damaged models built with
// tests/unit/protobuf_builder.h.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "analysis/formats/onnx.h"
#include "analysis/numeric/tensor_decode.h"
#include "tests/unit/protobuf_builder.h"

namespace qs {
namespace {

namespace fs = std::filesystem;
using namespace qs::testing;

std::span<const std::byte> span_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}
Result<Model> parse(const std::string& s) { return parse_onnx_bytes(span_of(s), "m.onnx"); }

std::string f32s(std::initializer_list<float> v) {
  std::string s;
  for (float f : v) s += pb_f32(f);
  return s;
}

TEST(OnnxReader, FixturesMatchOnnxNumpyHelper) {
  const std::string dir = QS_TEST_DATA_DIR;
  const auto expected = nlohmann::json::parse(std::ifstream(dir + "/onnx_expected.json"));
  for (const char* file : {"onnx_raw.onnx", "onnx_typed.onnx", "onnx_external.onnx"}) {
    auto m = open_model(dir + "/" + file);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    EXPECT_EQ(m->format, "onnx");
    EXPECT_EQ(m->metadata["producer_name"], "quantscope-fixture");
    EXPECT_EQ(m->metadata["ir_version"], 8);
    EXPECT_EQ(m->metadata["opset_import"]["ai.onnx"], 13);
    EXPECT_EQ(m->metadata["metadata_props"]["purpose"], "test");
    const auto& want = expected[file];
    ASSERT_EQ(m->tensors.size(), want.size()) << file;
    for (size_t i = 0; i < want.size(); ++i) {
      const TensorView& t = m->tensors[i];
      EXPECT_EQ(t.name, want[i]["name"]) << file;
      EXPECT_EQ(dtype_name(t.dtype), want[i]["dtype"].get<std::string>()) << t.name;
      EXPECT_EQ(t.shape, want[i]["shape"].get<std::vector<int64_t>>()) << t.name;
      std::vector<float> x(size_t(t.numel()));
      decode_to_float(t, 0, x);
      const auto v = want[i]["values"].get<std::vector<double>>();
      ASSERT_EQ(x.size(), v.size()) << t.name;
      for (size_t k = 0; k < v.size(); ++k) EXPECT_EQ(double(x[k]), double(float(v[k]))) << t.name << "[" << k << "]";
    }
  }
  auto typed = open_model(dir + "/onnx_typed.onnx");
  ASSERT_TRUE(typed.has_value());
  EXPECT_EQ(typed->metadata["skipped"][0]["name"], "tu32");
  EXPECT_EQ(typed->metadata["skipped"][0]["reason"], "data type UINT32 is not supported");
  EXPECT_EQ(typed->metadata["skipped"][1]["name"], "ts");
  auto ext = open_model(dir + "/onnx_external.onnx");
  ASSERT_TRUE(ext.has_value());
  EXPECT_EQ(ext->files.size(), 2u);  // the model and its data file, mapped once
  // raw_data is viewed in place in the mapped file.
  auto raw = open_model(dir + "/onnx_raw.onnx");
  ASSERT_TRUE(raw.has_value());
  const auto fb = raw->files[0]->bytes();
  EXPECT_GE(raw->tensors[0].bytes.data(), fb.data());
  EXPECT_LE(raw->tensors[0].bytes.data() + raw->tensors[0].bytes.size(), fb.data() + fb.size());
}

// Weights only in If branches (as Silero VAD ships them), a Loop body nested in a
// branch, a Scan body and Constant nodes: every tensor by its graph path, value for value.
TEST(OnnxReader, SubgraphsAndConstantsMatchNumpy) {
  const std::string dir = QS_TEST_DATA_DIR;
  const auto expected = nlohmann::json::parse(std::ifstream(dir + "/onnx_subgraph_expected.json"));
  auto m = open_model(dir + "/onnx_subgraph.onnx");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->format, "onnx");
  EXPECT_EQ(m->metadata["graph_name"], "main");
  EXPECT_EQ(m->metadata["subgraphs"], 4);  // then, else, the Loop body, the Scan body
  EXPECT_EQ(m->metadata["sparse_initializers_skipped"], expected["sparse_initializers_skipped"]);
  ASSERT_EQ(m->metadata["skipped"].size(), 1u);
  EXPECT_EQ(m->metadata["skipped"][0]["name"], expected["skipped"][0]);
  EXPECT_EQ(m->metadata["skipped"][0]["reason"], "a Constant holding strings");
  const auto& want = expected["tensors"];
  ASSERT_EQ(m->tensors.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const TensorView& t = m->tensors[i];
    EXPECT_EQ(t.name, want[i]["name"]) << i;
    EXPECT_EQ(dtype_name(t.dtype), want[i]["dtype"].get<std::string>()) << t.name;
    EXPECT_EQ(t.shape, want[i]["shape"].get<std::vector<int64_t>>()) << t.name;
    const auto v = want[i]["values"].get<std::vector<double>>();
    ASSERT_EQ(size_t(t.numel()), v.size()) << t.name;
    if (t.dtype == DType::I64) {  // exact as integers, beyond float's 24 bits too
      for (size_t k = 0; k < v.size(); ++k) {
        int64_t x;
        std::memcpy(&x, t.bytes.data() + 8 * k, 8);
        EXPECT_EQ(double(x), v[k]) << t.name << "[" << k << "]";
      }
      continue;
    }
    std::vector<float> x(v.size());
    decode_to_float(t, 0, x);
    for (size_t k = 0; k < v.size(); ++k) EXPECT_EQ(double(x[k]), double(float(v[k]))) << t.name << "[" << k << "]";
  }
  // Raw data inside a subgraph is still a view into the mapped file.
  const TensorView* w = m->find("If_2/then_branch/w");
  ASSERT_NE(w, nullptr);
  const auto fb = m->files[0]->bytes();
  EXPECT_GE(w->bytes.data(), fb.data());
  EXPECT_LE(w->bytes.data() + w->bytes.size(), fb.data() + fb.size());
}

TEST(OnnxReader, SubgraphNamesAreGraphPathsAndStayDistinct) {
  const std::string w1 = onnx_init(onnx_tensor("w", 1, {1}, f32s({1}))), w2 = onnx_init(onnx_tensor("w", 1, {1}, f32s({2})));
  // A named If (its name is the segment), an unnamed one (op type and node index), a
  // GRAPHS attribute (the graph's index after the attribute name), and a top-level
  // initializer already named like a path (the later tensor gets "#2").
  std::string graphs_attr = pb_bytes(5, pb_bytes(1, "branches") + pb_uint(20, 10) + pb_bytes(11, w1) + pb_bytes(11, w2));
  const std::string g = onnx_init(onnx_tensor("If_1/then_branch/w", 1, {1}, f32s({9}))) +
                        onnx_node("If", "y", onnx_graph_attr("then_branch", w1) + onnx_graph_attr("else_branch", w2), "gate") +
                        onnx_node("If", "z", onnx_graph_attr("then_branch", w1) + onnx_graph_attr("else_branch", w2)) +
                        onnx_node("Custom", "", graphs_attr);
  const std::string bytes = onnx_model(g);  // raw_data is viewed in place: keep the bytes
  auto m = parse(bytes);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  std::vector<std::string> names;
  std::vector<float> values;
  for (const TensorView& t : m->tensors) {
    names.push_back(t.name);
    float x;
    decode_to_float(t, 0, std::span<float>(&x, 1));
    values.push_back(x);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"If_1/then_branch/w", "gate/then_branch/w", "gate/else_branch/w",
                                             "If_1/then_branch/w#2", "If_1/else_branch/w", "Custom_2/branches/0/w",
                                             "Custom_2/branches/1/w"}));
  EXPECT_EQ(values, (std::vector<float>{9, 1, 2, 1, 2, 1, 2}));
  EXPECT_EQ(m->metadata["subgraphs"], 6);
}

TEST(OnnxReader, ConstantNodes) {
  auto attr = [](const std::string& name, const std::string& value_fields) {
    return pb_bytes(5, pb_bytes(1, name) + value_fields);
  };
  std::string unpacked_ints;
  for (int64_t v : {3, -1}) unpacked_ints += pb_uint(8, uint64_t(v));
  std::string unpacked_floats;
  for (float f : {0.25f, -8.0f}) unpacked_floats += pb_tag(7, 5) + pb_f32(f);
  const std::string typed = pb_uint(1, 2) + pb_uint(2, 1) + pb_bytes(8, "own_name") + pb_bytes(4, f32s({1.5f, 2.5f}));
  const std::string custom_domain = pb_bytes(1, pb_bytes(2, "x") + pb_bytes(4, "Constant") + pb_bytes(7, "com.example") +
                                                    attr("value_float", pb_tag(2, 5) + pb_f32(1)));
  const std::string g =
      onnx_node("Constant", "t", onnx_tensor_attr("value", typed)) +  // typed float_data; its own name unused
      onnx_node("Constant", "f", attr("value_float", pb_tag(2, 5) + pb_f32(-0.75f))) +
      onnx_node("Constant", "fs", attr("value_floats", unpacked_floats)) +
      onnx_node("Constant", "i", attr("value_int", pb_uint(3, uint64_t(int64_t(-5))))) +
      onnx_node("Constant", "is", attr("value_ints", unpacked_ints)) +
      onnx_node("Constant", "none", attr("value_ints", "")) +                   // an empty list
      onnx_node("Constant", "", attr("value_float", pb_tag(2, 5) + pb_f32(4))) +  // no output: its label
      onnx_node("Constant", "sp", attr("sparse_value", pb_bytes(22, ""))) + custom_domain +
      onnx_node("Loop", "", onnx_graph_attr("body", onnx_node("Constant", "k", attr("value_int", pb_uint(3, 2)))));
  const std::string bytes = onnx_model(g);  // raw_data is viewed in place: keep the bytes
  auto m = parse(bytes);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  struct Want {
    const char* name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<float> values;
  };
  const Want want[] = {
      {"t", DType::F32, {2}, {1.5f, 2.5f}},     {"f", DType::F32, {}, {-0.75f}},   {"fs", DType::F32, {2}, {0.25f, -8}},
      {"i", DType::I64, {}, {-5}},              {"is", DType::I64, {2}, {3, -1}},  {"none", DType::I64, {0}, {}},
      {"Constant_6", DType::F32, {}, {4}},      {"Loop_9/body/k", DType::I64, {}, {2}},
  };
  ASSERT_EQ(m->tensors.size(), std::size(want));
  for (size_t i = 0; i < std::size(want); ++i) {
    const TensorView& t = m->tensors[i];
    EXPECT_EQ(t.name, want[i].name);
    EXPECT_EQ(t.dtype, want[i].dtype) << t.name;
    EXPECT_EQ(t.shape, want[i].shape) << t.name;
    std::vector<float> x(size_t(t.numel()));
    decode_to_float(t, 0, x);
    EXPECT_EQ(x, want[i].values) << t.name;
  }
  ASSERT_EQ(m->metadata["skipped"].size(), 1u);
  EXPECT_EQ(m->metadata["skipped"][0]["name"], "sp");
  EXPECT_EQ(m->metadata["skipped"][0]["reason"], "sparse Constant values are not read");
}

// Nesting past the bound is an error naming the depth, however deep the file goes (2000
// levels here: the reader stops at 17, its stack never sees the rest).
TEST(OnnxReader, SubgraphDepthIsBounded) {
  auto nest = [](int levels) {
    std::string g = onnx_init(onnx_tensor("w", 1, {1}, f32s({1})));
    for (int i = 0; i < levels; ++i) g = onnx_node("Loop", "", onnx_graph_attr("body", g));
    return onnx_model(g);
  };
  const std::string bytes = nest(16);
  auto ok = parse(bytes);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  ASSERT_EQ(ok->tensors.size(), 1u);
  std::string path;
  for (int i = 0; i < 16; ++i) path += "Loop_0/body/";
  EXPECT_EQ(ok->tensors[0].name, path + "w");
  for (int levels : {17, 2000}) {
    auto m = parse(nest(levels));
    ASSERT_FALSE(m.has_value()) << levels;
    EXPECT_EQ(m.error().message.rfind("m.onnx: subgraph 'Loop_0/body/Loop_0/body/", 0), 0u) << m.error().message;
    EXPECT_NE(m.error().message.find("' is nested 17 levels deep; QuantScope reads 16 levels of subgraphs"),
              std::string::npos)
        << m.error().message;
  }
}

TEST(OnnxReader, HandBuiltModelAndPackedFields) {
  std::string packed_dims = pb_varint(2) + pb_varint(2);
  std::string t = pb_bytes(1, packed_dims) + pb_uint(2, 1) + pb_bytes(8, "w") + pb_bytes(4, f32s({1, 2, 3, 4}));
  auto m = parse(onnx_model(onnx_init(t)));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_EQ(m->tensors.size(), 1u);
  EXPECT_EQ(m->tensors[0].shape, (std::vector<int64_t>{2, 2}));
  std::vector<float> x(4);
  decode_to_float(m->tensors[0], 0, x);
  EXPECT_EQ(x, (std::vector<float>{1, 2, 3, 4}));
  // Unpacked float_data (one I32 field per value) decodes the same.
  std::string u = pb_uint(1, 3) + pb_uint(2, 1) + pb_bytes(8, "u");
  for (float f : {5.0f, -6.0f, 7.5f}) u += pb_tag(4, 5) + pb_f32(f);
  m = parse(onnx_model(onnx_init(u)));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  x.resize(3);
  decode_to_float(m->tensors[0], 0, x);
  EXPECT_EQ(x, (std::vector<float>{5, -6, 7.5f}));
  // A huge unknown field inside the graph is skipped, not parsed.
  std::string g = pb_bytes(99, std::string(100000, '\x05')) + onnx_init(onnx_tensor("z", 1, {1}, f32s({3})));
  m = parse(onnx_model(g));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->tensors[0].name, "z");
}

TEST(OnnxReader, MalformedModels) {
  struct Bad {
    const char* what;
    std::string bytes;
    const char* problem;
  };
  // A 300 KB node name over 20000 empty subgraphs: 6 GB of paths if they were built.
  std::string bodies;
  for (int i = 0; i < 20000; ++i) bodies += pb_bytes(5, pb_bytes(1, "body") + pb_bytes(6, ""));
  const std::string path_bomb = pb_bytes(1, pb_bytes(3, std::string(300000, 'n')) + pb_bytes(4, "Loop") + bodies);
  const std::string neg_dim = pb_uint(1, ~uint64_t(0)) + pb_uint(2, 1) + pb_bytes(8, "n") + pb_bytes(9, "");
  const Bad bad[] = {
      {"no graph", pb_uint(1, 8), "the model has no graph"},
      {"graph past the end", pb_uint(1, 8) + pb_tag(7, 2) + pb_varint(1000) + "x", "runs past the end"},
      {"dims overflow", onnx_model(onnx_init(onnx_tensor("w", 1, {1ll << 40, 1ll << 40}, ""))),
       "initializer 'w': dims are negative, malformed or hold more than 2^48 elements"},
      {"negative dim", onnx_model(onnx_init(neg_dim)), "initializer 'n': dims are negative"},
      {"raw size", onnx_model(onnx_init(onnx_tensor("w", 1, {2, 2}, f32s({1, 2, 3})))),
       "initializer 'w': raw_data holds 12 bytes; FLOAT [2, 2] needs 16"},
      {"unknown type", onnx_model(onnx_init(onnx_tensor("w", 99, {1}, "abcd"))), "initializer 'w': unknown data type 99"},
      {"duplicate", onnx_model(onnx_init(onnx_tensor("w", 1, {1}, f32s({1}))) + onnx_init(onnx_tensor("w", 1, {1}, f32s({2})))),
       "initializer 'w': two initializers have this name"},
      {"typed count", onnx_model(onnx_init(pb_uint(1, 1000000) + pb_uint(2, 1) + pb_bytes(8, "t") + pb_bytes(4, f32s({1})))),
       "initializer 't': the typed values do not match its shape [1000000]"},
      {"external in memory",
       onnx_model(onnx_init(pb_uint(1, 1) + pb_uint(2, 1) + pb_bytes(8, "e") + pb_uint(14, 1) +
                            pb_bytes(13, pb_bytes(1, "location") + pb_bytes(2, "w.bin")))),
       "initializer 'e': its data is in an external file"},
      {"group", onnx_model(pb_tag(5, 3)), "deprecated group wire type"},
      {"subgraph cut short", onnx_model(onnx_node("If", "y", onnx_graph_attr("then_branch", pb_tag(1, 2) + pb_varint(100) + "x"))),
       "subgraph 'If_0/then_branch': "},
      {"subgraph initializer", onnx_model(onnx_node("If", "y", onnx_graph_attr("else_branch", onnx_init(onnx_tensor("w", 99, {1}, "a"))))),
       "initializer 'If_0/else_branch/w': unknown data type 99"},
      {"subgraph duplicate",
       onnx_model(onnx_node("Loop", "", onnx_graph_attr("body", onnx_init(onnx_tensor("w", 1, {1}, f32s({1}))) +
                                                                    onnx_init(onnx_tensor("w", 1, {1}, f32s({2})))))),
       "initializer 'Loop_0/body/w': two initializers have this name"},
      {"node cut short", onnx_model(pb_bytes(1, pb_bytes(4, "If") + pb_tag(5, 2) + pb_varint(50))), "graph: node 'If_0': "},
      {"constant raw size", onnx_model(onnx_node("Constant", "c", onnx_tensor_attr("value", onnx_tensor("", 1, {2, 2}, f32s({1, 2, 3}))))),
       "Constant 'c': raw_data holds 12 bytes; FLOAT [2, 2] needs 16"},
      {"constant floats cut", onnx_model(onnx_node("Constant", "c", pb_bytes(5, pb_bytes(1, "value_floats") + pb_bytes(7, "abcdef")))),
       "Constant 'c': packed floats are cut short"},
      {"constant no tensor", onnx_model(onnx_node("Constant", "c", pb_bytes(5, pb_bytes(1, "value")))),
       "Constant 'c': its value attribute holds no tensor"},
      {"paths out of proportion", onnx_model(path_bomb), "take more than 16 times the file's size"},
      {"empty", "", "the file is empty"},
  };
  for (const Bad& b : bad) {
    auto m = parse(b.bytes);
    ASSERT_FALSE(m.has_value()) << b.what;
    EXPECT_EQ(m.error().message.rfind("m.onnx: ", 0), 0u) << b.what << ": " << m.error().message;
    EXPECT_NE(m.error().message.find(b.problem), std::string::npos) << b.what << ": " << m.error().message;
  }
}

TEST(OnnxReader, ExternalDataStaysInTheModelsDirectory) {
  char tmpl[] = "/tmp/qs_onnx_XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  std::ofstream(dir / "w.bin", std::ios::binary) << f32s({1, 2, 3, 4});
  auto write_model = [&](const std::string& location, const std::string& offset) {
    std::string kv = pb_bytes(13, pb_bytes(1, "location") + pb_bytes(2, location));
    if (!offset.empty()) kv += pb_bytes(13, pb_bytes(1, "offset") + pb_bytes(2, offset));
    const std::string t = pb_uint(1, 2) + pb_uint(2, 1) + pb_bytes(8, "e") + pb_uint(14, 1) + kv;
    const std::string m = onnx_model(onnx_init(t));
    std::ofstream(dir / "m.onnx", std::ios::binary | std::ios::trunc) << m;
    return open_model((dir / "m.onnx").string());
  };
  auto ok = write_model("w.bin", "8");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  std::vector<float> x(2);
  decode_to_float(ok->tensors[0], 0, x);
  EXPECT_EQ(x, (std::vector<float>{3, 4}));
  const std::pair<std::string, std::string> refused[] = {
      {"../w.bin", "must be a relative path inside the model's directory"},
      {"/etc/passwd", "must be a relative path inside the model's directory"},
      {"sub/../../w.bin", "must be a relative path inside the model's directory"},
      {"missing.bin", "missing.bin: cannot open"},
  };
  for (const auto& [loc, problem] : refused) {
    auto m = write_model(loc, "");
    ASSERT_FALSE(m.has_value()) << loc;
    EXPECT_NE(m.error().message.find(problem), std::string::npos) << m.error().message;
    EXPECT_EQ(m.error().message.rfind((dir / "m.onnx").string() + ": initializer 'e': ", 0), 0u) << m.error().message;
  }
  auto past = write_model("w.bin", "12");
  ASSERT_FALSE(past.has_value());
  EXPECT_NE(past.error().message.find("runs past the end of w.bin (16 bytes)"), std::string::npos) << past.error().message;
  auto bad_offset = write_model("w.bin", "-4");
  ASSERT_FALSE(bad_offset.has_value());
  EXPECT_NE(bad_offset.error().message.find("not a non-negative integer"), std::string::npos);
  fs::remove_all(dir);
}

// Cutting the fixture at every byte: either an error naming the file or (cut exactly at
// a field boundary, which protobuf cannot tell from a shorter message) a valid model.
TEST(OnnxReader, TruncatedAtEveryByte) {
  std::ifstream f(std::string(QS_TEST_DATA_DIR) + "/onnx_raw.onnx", std::ios::binary);
  const std::string full((std::istreambuf_iterator<char>(f)), {});
  const auto t0 = std::chrono::steady_clock::now();
  int errors = 0;
  for (size_t n = 0; n < full.size(); ++n) {
    auto m = parse(full.substr(0, n));
    if (!m) {
      ++errors;
      EXPECT_EQ(m.error().message.rfind("m.onnx: ", 0), 0u) << m.error().message;
    }
  }
  EXPECT_GT(errors, int(full.size()) / 2);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0);
}

TEST(OnnxReader, ContentDetection) {
  std::ifstream f(std::string(QS_TEST_DATA_DIR) + "/onnx_raw.onnx", std::ios::binary);
  const std::string full((std::istreambuf_iterator<char>(f)), {});
  EXPECT_TRUE(looks_like_onnx(span_of(full)));
  EXPECT_FALSE(looks_like_onnx(span_of("hello world")));
  EXPECT_FALSE(looks_like_onnx(span_of(std::string("\x08\x01", 2))));  // ir_version alone
  EXPECT_FALSE(looks_like_onnx(span_of(pb_uint(1, 5000) + pb_bytes(7, ""))));
}

}  // namespace
}  // namespace qs
