// .npy reader against files NumPy itself wrote (tests/scripts/make_npy_fixtures.py):
// decoded values, shapes, dtypes and statistics must match NumPy's; every malformed file
// must give an error naming the file and the problem. Hand-made headers cover the
// literal parser's corners without Python.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/formats/model.h"
#include "analysis/formats/npy.h"
#include "analysis/numeric/tensor_decode.h"
#include "tests/unit/fixture_files.h"

namespace qs {
namespace {

namespace fs = std::filesystem;
using test::have_numpy;
using test::read_f64;

void expect_stats(const TensorStats& s, const nlohmann::json& e, const std::string& what) {
  SCOPED_TRACE(what);
  test::expect_stats(s, e);
}

class NpyFixtures : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_numpy()) GTEST_SKIP() << QS_PYTHON << " has no numpy (apt install python3-numpy)";
    char tmpl[] = "/tmp/qs_npy_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string cmd =
        std::string(QS_PYTHON) + " " QS_TEST_SCRIPTS_DIR "/make_npy_fixtures.py " + dir_.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream f(dir_ / "manifest.json");
    manifest_ = nlohmann::json::parse(f);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
  nlohmann::json manifest_;
};

TEST_F(NpyFixtures, ValuesShapesAndStatsMatchNumPy) {
  ASSERT_GE(manifest_["valid"].size(), 20u);
  for (const auto& e : manifest_["valid"]) {
    const std::string file = path(e["file"]);
    SCOPED_TRACE(file);
    auto m = read_npy(file);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    EXPECT_EQ(m->format, "npy");
    ASSERT_EQ(m->tensors.size(), 1u);
    const TensorView& t = m->tensors[0];
    EXPECT_EQ(t.name, e["tensor"].get<std::string>());  // named after the file stem
    EXPECT_EQ(dtype_name(t.dtype), e["dtype"].get<std::string>());
    EXPECT_EQ(t.shape, e["shape"].get<std::vector<int64_t>>());
    const std::vector<double> want = read_f64(dir_ / e["values"].get<std::string>());
    ASSERT_EQ(t.numel(), int64_t(want.size()));
    std::vector<float> storage;
    const auto got = to_float(t, storage);
    for (size_t i = 0; i < want.size(); ++i) {
      if (std::isnan(want[i])) {
        EXPECT_TRUE(std::isnan(got[i])) << i;
      } else {
        ASSERT_EQ(double(got[i]), want[i]) << "element " << i;
      }
    }
    expect_stats(scan_stats(t), e["stats"], file);
  }
}

TEST_F(NpyFixtures, LayoutDetails) {
  auto f = read_npy(path("fortran_3d.npy"));
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_EQ(f->tensors[0].strides, (std::vector<int64_t>{1, 2, 6}));
  std::vector<float> all(24);
  decode_to_float(f->tensors[0], 0, all);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(all[size_t(i)], float(i));  // arange in C order
  EXPECT_EQ(f->metadata["fortran_order"], "True");

  auto be = read_npy(path("be_f4.npy"));
  ASSERT_TRUE(be.has_value());
  EXPECT_TRUE(be->tensors[0].swap_bytes);
  EXPECT_FALSE(as_float_span(be->tensors[0]).has_value());
  auto le = read_npy(path("f4_2d.npy"));
  ASSERT_TRUE(le.has_value());
  EXPECT_TRUE(as_float_span(le->tensors[0]).has_value());  // NumPy aligns data to 64

  auto scalar = read_npy(path("scalar.npy"));
  ASSERT_TRUE(scalar.has_value());
  EXPECT_TRUE(scalar->tensors[0].shape.empty());
  EXPECT_EQ(scalar->tensors[0].numel(), 1);

  auto empty = read_npy(path("empty.npy"));
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->tensors[0].numel(), 0);
  EXPECT_EQ(empty->total_bytes(), 0);

  // Several arrays saved into one file: like np.load, we read the first.
  auto app = read_npy(path("appended.npy"));
  ASSERT_TRUE(app.has_value());
  std::vector<float> six(6);
  decode_to_float(app->tensors[0], 0, six);
  EXPECT_EQ(six, (std::vector<float>{0, 1, 2, 3, 4, 5}));

  auto v3 = read_npy(path("v3.npy"));
  ASSERT_TRUE(v3.has_value());
  EXPECT_EQ(v3->metadata["npy_version"], "3.0");

  // open_model picks the npy reader by the magic bytes, not the extension.
  fs::copy_file(path("u1.npy"), path("u1.bin"));
  auto m = open_model(path("u1.bin"));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->format, "npy");
  EXPECT_EQ(m->tensors[0].name, "u1");
  EXPECT_EQ(m->total_params(), 256);
}

TEST_F(NpyFixtures, MalformedFilesNameFileAndProblem) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"bad_magic.npy", {"bad magic"}},
      {"bad_version.npy", {"version 4.0"}},
      {"truncated_header.npy", {"truncated header", "runs past the end"}},
      {"truncated_length.npy", {"truncated header"}},
      {"truncated_data.npy", {"truncated data", "needs 48 bytes", "has 44"}},
      {"missing_shape.npy", {"missing the 'shape' key"}},
      {"missing_descr.npy", {"missing the 'descr' key"}},
      {"unsupported_u2.npy", {"unsupported dtype descr '<u2'"}},
      {"unsupported_c8.npy", {"unsupported dtype descr '<c8'"}},
      {"structured.npy", {"structured dtypes"}},
      {"object.npy", {"object arrays", "'|O'"}},
      {"shape_overflow.npy", {"more than 2^48 elements"}},
      {"shape_huge_int.npy", {"more than 2^48 elements"}},
      {"shape_negative.npy", {"shape[0] is -1"}},
      {"shape_not_tuple.npy", {"shape is 7, not a tuple"}},
      {"not_a_literal.npy", {"not a valid dict literal", "'F'"}},
      {"header_past_eof.npy", {"header length 1073741824", "runs past the end"}},
  };
  EXPECT_EQ(cases.size(), manifest_["malformed"].size());
  for (const auto& [name, needles] : cases) {
    const std::string file = path(name);
    auto m = read_npy(file);
    ASSERT_FALSE(m.has_value()) << name;
    const std::string& msg = m.error().message;
    EXPECT_EQ(msg.rfind(file + ": ", 0), 0u) << msg;
    for (const std::string& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << msg;
    // open_model gives the same diagnosis for anything with the npy magic.
    auto o = open_model(file);
    ASSERT_FALSE(o.has_value());
    if (name != "bad_magic.npy") {
      EXPECT_EQ(o.error().message, msg);
    }
  }
}

// ------------------------------------------------------------------ hand-made headers
std::vector<std::byte> npy(const std::string& header, size_t data_bytes = 0, int major = 1) {
  std::string h = header + "\n";
  std::string out = "\x93NUMPY";
  out += char(major);
  out += '\0';
  const size_t len = h.size();
  out += char(len & 0xff);
  out += char((len >> 8) & 0xff);
  if (major > 1) out += std::string("\0\0", 2);
  out += h;
  out += std::string(data_bytes, '\0');
  std::vector<std::byte> b(out.size());
  std::memcpy(b.data(), out.data(), out.size());
  return b;
}

std::string parse_error(const std::string& header, size_t data = 0, int major = 1) {
  const auto b = npy(header, data, major);
  auto m = parse_npy_bytes(b, "x.npy");
  return m ? "" : m.error().message;
}

TEST(NpyHeader, AcceptsPythonLiteralVariants) {
  const std::vector<std::pair<std::string, DType>> ok = {
      {"{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}", DType::F32},
      {"{'shape': (2L, 3L), 'fortran_order': False, 'descr': '=f8', }", DType::F64},
      {"{'descr':'i2','fortran_order':False,'shape':(2,3,),'extra':[1,(2,)]}", DType::I16},
      {"  {'descr': '|b1', 'fortran_order': True, 'shape': (6, 1)}  ", DType::BOOL},
  };
  for (const auto& [header, dtype] : ok) {
    const auto b = npy(header, 48);
    auto m = parse_npy_bytes(b, "dir/name.npy");
    ASSERT_TRUE(m.has_value()) << header << ": " << m.error().message;
    const TensorView& t = m->tensors[0];
    EXPECT_EQ(t.name, "name");
    EXPECT_EQ(t.dtype, dtype) << header;
    EXPECT_EQ(t.numel(), 6);
    EXPECT_TRUE(t.contiguous()) << "(6, 1) in Fortran order is the same as C order";
  }
  const auto b = npy("{'descr': '>i1', 'fortran_order': True, 'shape': (2, 3), }", 6, 2);
  auto m = parse_npy_bytes(b, "x.npy");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_FALSE(m->tensors[0].swap_bytes);  // one byte: byte order is meaningless
  EXPECT_EQ(m->tensors[0].strides, (std::vector<int64_t>{1, 2}));
}

TEST(NpyHeader, RejectsWithSpecificMessages) {
  const std::string good_tail = "'fortran_order': False, 'shape': (3,), }";
  EXPECT_NE(parse_error("{'descr': '<f4', " + good_tail + " x").find("unexpected text"),
            std::string::npos);
  EXPECT_NE(parse_error("{'descr': '<f4").find("unterminated string"), std::string::npos);
  EXPECT_NE(parse_error("[1, 2]").find("header is a list, not a dict"), std::string::npos);
  EXPECT_NE(parse_error("{1: 2}").find("header key 1 is not a string"), std::string::npos);
  EXPECT_NE(
      parse_error("{'descr': '<f4', 'fortran_order': 1, 'shape': (3,)}").find("fortran_order is 1"),
      std::string::npos);
  EXPECT_NE(parse_error("{'descr': 4, " + good_tail).find("descr is 4"), std::string::npos);
  EXPECT_NE(parse_error("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 'a')}")
                .find("shape[1] is 'a'"),
            std::string::npos);
  EXPECT_NE(parse_error("{'descr': '<f4', 'fortran_order': False, 'shape': " +
                        std::string(100, '(') + std::string(100, ')') + "}")
                .find("nested too deeply"),
            std::string::npos);
  EXPECT_NE(parse_error("{'descr': '<f4', " + good_tail, 0).find("truncated data"),
            std::string::npos);
  auto v11 = npy("{}");
  v11[7] = std::byte{1};
  EXPECT_NE(parse_npy_bytes(v11, "x.npy").error().message.find("version 1.1"), std::string::npos);
  EXPECT_NE(parse_npy_bytes({}, "x.npy").error().message.find("x.npy: not a NumPy .npy file"),
            std::string::npos);
}

}  // namespace
}  // namespace qs
