// safetensors reader against files written by an independent Python writer
// (tests/scripts/make_safetensors_fixtures.py), malformed files with their messages,
// our writer read back by us and by an independent Python reader
// (tests/scripts/check_safetensors.py), atomic writes and open_model's dispatch.
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

#include "analysis/base/atomic_file.h"
#include "analysis/formats/model.h"
#include "analysis/formats/safetensors.h"
#include "analysis/numeric/tensor_decode.h"
#include "tests/unit/fixture_files.h"

namespace qs {
namespace {

namespace fs = std::filesystem;
using test::have_numpy;
using test::read_f64;
using test::read_file;

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

using test::expect_stats;

void expect_values(const TensorView& t, const std::vector<double>& want) {
  ASSERT_EQ(t.numel(), int64_t(want.size()));
  std::vector<float> storage;
  const auto got = to_float(t, storage);
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << t.name << "[" << i << "]";
    } else {
      ASSERT_EQ(double(got[i]), want[i]) << t.name << "[" << i << "]";
    }
  }
}

class SafetensorsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/qs_st_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  size_t files_in_dir() const {
    return size_t(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
  fs::path dir_;
};

class SafetensorsFixtures : public SafetensorsFiles {
 protected:
  void SetUp() override {
    SafetensorsFiles::SetUp();
    if (!have_numpy()) GTEST_SKIP() << QS_PYTHON << " has no numpy (apt install python3-numpy)";
    const std::string cmd = std::string(QS_PYTHON) +
                            " " QS_TEST_SCRIPTS_DIR "/make_safetensors_fixtures.py " +
                            dir_.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream f(dir_ / "manifest.json");
    manifest_ = nlohmann::json::parse(f);
  }
  nlohmann::json manifest_;
};

TEST_F(SafetensorsFixtures, ValuesOrderMetadataAndStatsMatchNumPy) {
  ASSERT_EQ(manifest_["valid"].size(), 4u);
  for (const auto& f : manifest_["valid"]) {
    const std::string file = path(f["file"]);
    SCOPED_TRACE(file);
    auto m = read_safetensors(file);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    EXPECT_EQ(m->format, "safetensors");
    EXPECT_EQ(m->metadata, f["metadata"]);
    ASSERT_EQ(m->tensors.size(), f["tensors"].size());
    for (size_t i = 0; i < m->tensors.size(); ++i) {
      const auto& e = f["tensors"][i];
      const TensorView& t = m->tensors[i];
      EXPECT_EQ(t.name, e["name"].get<std::string>());  // the header's order, kept
      EXPECT_EQ(dtype_name(t.dtype), e["dtype"].get<std::string>());
      EXPECT_EQ(t.shape, e["shape"].get<std::vector<int64_t>>());
      expect_values(t, read_f64(dir_ / e["values"].get<std::string>()));
      SCOPED_TRACE(t.name);
      expect_stats(scan_stats(t), e["stats"]);
    }
  }
}

TEST_F(SafetensorsFixtures, AlignmentGapsAndDispatch) {
  auto m = open_model(path("unpadded.safetensors"));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->format, "safetensors");
  // Without header padding the floats sit at an unaligned address: no zero-copy view,
  // but decoding still works (checked value by value above).
  EXPECT_FALSE(as_float_span(m->tensors[0]).has_value());
  EXPECT_EQ(m->metadata, (nlohmann::json{{"k", "v"}}));

  auto g = read_safetensors(path("order_gaps.safetensors"));
  ASSERT_TRUE(g.has_value()) << g.error().message;
  EXPECT_EQ(g->tensors[1].name, "a.scalar");
  EXPECT_TRUE(g->tensors[1].shape.empty());
  EXPECT_EQ(g->tensors[2].numel(), 0);
  EXPECT_EQ(g->total_params(), 4 + 1 + 0 + 6);
  EXPECT_EQ(g->total_bytes(), 4 * 11);
  ASSERT_NE(g->find("b.unaligned"), nullptr);
  EXPECT_EQ(g->find("b.unaligned")->shape, (std::vector<int64_t>{6}));
  EXPECT_EQ(g->find("nope"), nullptr);

  auto a = read_safetensors(path("all_dtypes.safetensors"));
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(as_float_span(*a->find("f32")).has_value());  // padded header → aligned
}

TEST_F(SafetensorsFixtures, MalformedFilesNameFileAndProblem) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"header_too_large.safetensors", {"header length 200000000", "100 MB"}},
      {"header_past_eof.safetensors", {"header length 1000", "past the end of the file"}},
      {"too_short.safetensors", {"too short", "3 bytes"}},
      {"truncated_data.safetensors", {"tensor 'w'", "[0, 16] out of bounds", "has 10 bytes"}},
      {"invalid_json.safetensors", {"invalid JSON header"}},
      {"not_object.safetensors", {"header is [1,2,3], not a JSON object"}},
      {"unknown_dtype.safetensors", {"tensor 'scales'", "unsupported dtype \"F8_E8M0\""}},
      {"dtype_i4.safetensors", {"tensor 'packed'", "unsupported dtype \"I4\""}},
      {"negative_shape.safetensors", {"tensor 'w'", "shape[0] is -1"}},
      {"float_shape.safetensors", {"tensor 'w'", "shape[0] is 2.5"}},
      {"shape_overflow.safetensors", {"tensor 'w'", "more than 2^48 elements"}},
      {"offsets_oob.safetensors", {"tensor 'w'", "[0, 1000] out of bounds", "16 bytes"}},
      {"end_before_begin.safetensors", {"tensor 'w'", "[12, 4] end before begin"}},
      {"size_mismatch.safetensors", {"tensor 'w'", "hold 12 bytes", "F32 [2, 2] needs 16"}},
      {"overlap.safetensors", {"'first' [0, 8]", "'second' [4, 12]", "overlap"}},
      {"metadata_list.safetensors", {"__metadata__ is [\"a\"], not an object"}},
      {"metadata_number.safetensors", {"__metadata__[\"epoch\"] is 3, not a string"}},
      {"missing_offsets.safetensors", {"tensor 'w'", "missing \"data_offsets\""}},
      {"offsets_three.safetensors", {"tensor 'w'", "data_offsets [0,8,16] is not [begin, end]"}},
      {"duplicate.safetensors", {"duplicate key 'w'"}},
  };
  EXPECT_EQ(cases.size(), manifest_["malformed"].size());
  for (const auto& [name, needles] : cases) {
    const std::string file = path(name);
    auto m = read_safetensors(file);
    ASSERT_FALSE(m.has_value()) << name;
    const std::string& msg = m.error().message;
    EXPECT_EQ(msg.rfind(file + ": ", 0), 0u) << msg;
    for (const std::string& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << msg;
  }
  // open_model still routes damaged safetensors files to the reader (see model.cpp), so
  // the user sees the specific problem rather than "unknown format".
  auto o = open_model(path("header_past_eof.safetensors"));
  ASSERT_FALSE(o.has_value());
  EXPECT_NE(o.error().message.find("past the end of the file"), std::string::npos);
}

// ------------------------------------------------------------------------ round trip
template <class T>
OwnedTensor owned(const std::string& name, DType dt, std::vector<int64_t> shape,
                  const std::vector<T>& v) {
  OwnedTensor t{name, dt, std::move(shape), std::vector<std::byte>(v.size() * sizeof(T))};
  if (!v.empty()) std::memcpy(t.data.data(), v.data(), t.data.size());
  return t;
}

std::vector<OwnedTensor> sample_tensors() {
  return {
      owned<float>("layer.weight", DType::F32, {2, 3}, {1.5f, -2.0f, 0.25f, 1e-30f, 3e30f, -0.0f}),
      owned<double>("z.f64", DType::F64, {2}, {0.125, -1024.0}),
      owned<uint16_t>("a.f16", DType::F16, {3}, {0x3C00, 0xC100, 0x7BFF}),  // 1, -2.5, 65504
      owned<uint16_t>("a.bf16", DType::BF16, {1, 2}, {0x3F80, 0xC049}),     // 1, -3.140625
      owned<int8_t>("q.i8", DType::I8, {4}, {-128, -1, 0, 127}),
      owned<uint8_t>("q.u8", DType::U8, {2}, {0, 255}),
      owned<uint8_t>("mask", DType::BOOL, {3}, {1, 0, 1}),
      owned<int16_t>("i16", DType::I16, {2}, {-300, 300}),
      owned<int32_t>("i32", DType::I32, {1}, {-123456}),
      owned<int64_t>("i64", DType::I64, {2}, {1 << 20, -7}),
      owned<float>("scalar", DType::F32, {}, {42.0f}),
      owned<float>("empty", DType::F32, {0, 3}, {}),
  };
}

TEST_F(SafetensorsFiles, WriteThenReadBack) {
  const auto tensors = sample_tensors();
  const nlohmann::json meta = {{"format", "pt"}, {"note", "round trip"}};
  const std::string file = path("out.safetensors");
  auto w = write_safetensors(file, tensors, meta);
  ASSERT_TRUE(w.has_value()) << w.error().message;
  EXPECT_EQ(files_in_dir(), 1u);  // no temporary left behind

  const std::vector<char> raw = read_file(file);
  uint64_t n = 0;
  std::memcpy(&n, raw.data(), 8);
  EXPECT_EQ(n % 8, 0u) << "header padded to a multiple of 8";
  EXPECT_EQ(raw[8], '{');

  auto m = read_safetensors(file);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->metadata, meta);
  ASSERT_EQ(m->tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorView& t = m->tensors[i];
    EXPECT_EQ(t.name, tensors[i].name);  // the caller's order
    EXPECT_EQ(t.dtype, tensors[i].dtype);
    EXPECT_EQ(t.shape, tensors[i].shape);
    ASSERT_EQ(t.bytes.size(), tensors[i].data.size());
    EXPECT_TRUE(std::equal(t.bytes.begin(), t.bytes.end(), tensors[i].data.begin())) << t.name;
  }
  EXPECT_TRUE(as_float_span(m->tensors[0]).has_value());
}

TEST_F(SafetensorsFiles, IndependentReaderAcceptsOurFile) {
  if (!have_numpy()) GTEST_SKIP() << QS_PYTHON << " has no numpy";
  const auto tensors = sample_tensors();
  const std::string file = path("ours.safetensors");
  ASSERT_TRUE(write_safetensors(file, tensors, {{"k", "v"}}).has_value());
  const std::string cmd = std::string(QS_PYTHON) +
                          " " QS_TEST_SCRIPTS_DIR "/check_safetensors.py " + file + " " +
                          path("check");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream jf(path("check.json"));
  const nlohmann::json j = nlohmann::json::parse(jf);
  EXPECT_EQ(j["metadata"], (nlohmann::json{{"k", "v"}}));
  const std::vector<double> values = read_f64(path("check.bin"));
  auto m = read_safetensors(file);
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(j["tensors"].size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& e = j["tensors"][i];
    EXPECT_EQ(e["name"], tensors[i].name);
    EXPECT_EQ(e["dtype"], std::string(dtype_name(tensors[i].dtype)));
    EXPECT_EQ(e["shape"].get<std::vector<int64_t>>(), tensors[i].shape);
    const size_t off = e["offset"].get<size_t>();
    const TensorView& t = m->tensors[i];
    expect_values(t, std::vector<double>(values.begin() + long(off),
                                         values.begin() + long(off + size_t(t.numel()))));
  }
}

TEST_F(SafetensorsFiles, WriterRejectsBadInputWithoutWriting) {
  auto tensors = sample_tensors();
  tensors[1].data.pop_back();
  auto r = write_safetensors(path("a.safetensors"), tensors);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find(path("a.safetensors") + ": tensor 'z.f64': has 15 bytes"),
            std::string::npos)
      << r.error().message;

  tensors = sample_tensors();
  tensors.push_back(tensors[0]);
  r = write_safetensors(path("a.safetensors"), tensors);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("'layer.weight': duplicate"), std::string::npos);

  r = write_safetensors(path("a.safetensors"), sample_tensors(), {{"epoch", 3}});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("metadata[\"epoch\"] is not a string"), std::string::npos);

  r = write_safetensors(path("a.safetensors"), {owned<float>("bad\xff", DType::F32, {1}, {1})});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("UTF-8"), std::string::npos) << r.error().message;
  EXPECT_EQ(files_in_dir(), 0u);

  r = write_safetensors(path("no/such/dir/x.safetensors"), sample_tensors());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find(path("no/such/dir/x.safetensors")), std::string::npos);
  EXPECT_NE(r.error().message.find("No such file or directory"), std::string::npos);
}

TEST_F(SafetensorsFiles, AtomicWriteReplacesAndCleansUp) {
  const std::string file = path("report.txt");
  ASSERT_TRUE(write_text_atomic(file, "first version, longer").has_value());
  ASSERT_TRUE(write_text_atomic(file, "second").has_value());
  const std::vector<char> got = read_file(file);
  EXPECT_EQ(std::string(got.begin(), got.end()), "second");
  const std::span<const std::byte> pieces[] = {std::as_bytes(std::span<const char>("ab", 2)),
                                               {},
                                               std::as_bytes(std::span<const char>("c", 1))};
  ASSERT_TRUE(write_file_atomic_pieces(file, pieces).has_value());
  const std::vector<char> abc = read_file(file);
  EXPECT_EQ(std::string(abc.begin(), abc.end()), "abc");
  EXPECT_EQ(files_in_dir(), 1u);

  // The target is a directory: rename fails, the temporary is removed again.
  fs::create_directory(path("sub"));
  write_file(path("sub/keep"), "x");
  auto r = write_text_atomic(path("sub"), "data");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.rfind(path("sub") + ": ", 0), 0u) << r.error().message;
  EXPECT_EQ(files_in_dir(), 2u) << "temporary file left behind";
  EXPECT_FALSE(write_text_atomic(path("dir/"), "x").has_value());
}

// --------------------------------------------------------------- in-memory corner cases
std::string st_bytes(const std::string& header, size_t data = 0) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((uint64_t(header.size()) >> (8 * i)) & 0xff);
  return out + header + std::string(data, '\0');
}

Result<Model> parse(const std::string& bytes) {
  return parse_safetensors_bytes(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())),
                                 "mem.safetensors");
}

TEST(SafetensorsParse, CornerCases) {
  auto empty = parse(st_bytes("{}"));
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->tensors.empty());
  EXPECT_EQ(empty->metadata, nlohmann::json::object());

  // Two empty tensors at the same offset own no bytes, so they do not overlap.
  auto zeros = parse(st_bytes(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                              R"("b":{"dtype":"I8","shape":[5,0],"data_offsets":[0,0]}})"));
  ASSERT_TRUE(zeros.has_value()) << zeros.error().message;
  EXPECT_EQ(scan_stats(zeros->tensors[0]).numel, 0);

  // A zero dimension after a huge one: rejected before the product could overflow.
  auto huge = parse(st_bytes(R"({"a":{"dtype":"F32","shape":[281474976710656,2,0],)"
                             R"("data_offsets":[0,0]}})"));
  ASSERT_FALSE(huge.has_value());
  EXPECT_NE(huge.error().message.find("2^48"), std::string::npos);

  auto offsets_neg =
      parse(st_bytes(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}})", 1));
  ASSERT_FALSE(offsets_neg.has_value());
  EXPECT_NE(offsets_neg.error().message.find("non-negative"), std::string::npos);

  auto not_entry = parse(st_bytes(R"({"a":[1]})"));
  ASSERT_FALSE(not_entry.has_value());
  EXPECT_NE(not_entry.error().message.find("tensor 'a': entry is [1], not an object"),
            std::string::npos);

  auto no_dtype = parse(st_bytes(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", 4));
  ASSERT_FALSE(no_dtype.has_value());
  EXPECT_NE(no_dtype.error().message.find("missing \"dtype\""), std::string::npos);

  auto bad_utf8 = parse(st_bytes("{\"a\xff\":{}}"));
  ASSERT_FALSE(bad_utf8.has_value());
  EXPECT_NE(bad_utf8.error().message.find("invalid JSON header"), std::string::npos);
}

TEST_F(SafetensorsFiles, OpenModelDispatchAndFileErrors) {
  write_file(path("garbage.bin"), std::string("\xde\xad\xbe\xefPK\x03\x04rest", 12));
  auto g = open_model(path("garbage.bin"));
  ASSERT_FALSE(g.has_value());
  EXPECT_NE(g.error().message.find(path("garbage.bin") + ": unknown format"), std::string::npos);
  EXPECT_NE(g.error().message.find("de ad be ef 50 4b 03 04 \"....PK..\""), std::string::npos)
      << g.error().message;

  write_file(path("tiny"), "ab");
  auto t = open_model(path("tiny"));
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message.find("61 62 \"ab\""), std::string::npos) << t.error().message;

  write_file(path("empty.safetensors"), "");
  auto e = open_model(path("empty.safetensors"));
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().message.find("the file is empty"), std::string::npos);

  auto missing = open_model(path("missing.safetensors"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message,
            path("missing.safetensors") + ": cannot open: No such file or directory");

  auto dir = open_model(dir_.string());
  ASSERT_FALSE(dir.has_value());
  EXPECT_EQ(dir.error().message.rfind(dir_.string() + ": is a directory", 0), 0u)
      << dir.error().message;

  ASSERT_TRUE(write_safetensors(path("w.pt"), sample_tensors()).has_value());
  auto ok = open_model(path("w.pt"));  // content decides, not the extension
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->format, "safetensors");
  EXPECT_EQ(ok->files.size(), 1u);
  EXPECT_EQ(ok->total_params(), 6 + 2 + 3 + 2 + 4 + 2 + 3 + 2 + 1 + 2 + 1 + 0);
}

}  // namespace
}  // namespace qs
