// GGUF reader: hand-built files (tests/unit/gguf_builder.h) for every metadata value
// type and tensor type, a NumPy-written fixture (tests/scripts/make_gguf_fixture.py), and
// a table of malformed files, each of which must give an error naming the file.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "analysis/formats/gguf.h"
#include "analysis/formats/npy.h"
#include "analysis/numeric/gguf_blocks.h"
#include "analysis/numeric/tensor_decode.h"
#include "tests/unit/gguf_builder.h"

namespace qs {
namespace {

using testing::GgufBuilder;

std::span<const std::byte> as_bytes(const std::vector<uint8_t>& v) {
  return {reinterpret_cast<const std::byte*>(v.data()), v.size()};
}

Result<Model> parse(const std::vector<uint8_t>& v) {
  return parse_gguf_bytes(as_bytes(v), "m.gguf");
}

std::vector<uint8_t> f32_bytes(std::initializer_list<float> xs) {
  std::vector<uint8_t> b;
  for (float x : xs) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    for (int i = 0; i < 4; ++i) b.push_back(uint8_t(u >> (8 * i)));
  }
  return b;
}

// A file with one key of each value type and tensors of several types.
std::vector<uint8_t> rich_file(uint32_t version = 3) {
  GgufBuilder g;
  g.header(4, 17, version);
  g.kv_str("general.architecture", "llama");
  g.str("u8"), g.u32(0), g.u8(200);
  g.str("i8"), g.u32(1), g.u8(0xFE);
  g.str("u16"), g.u32(2), g.u8(0x34), g.u8(0x12);
  g.str("i16"), g.u32(3), g.u8(0xFF), g.u8(0xFF);
  g.kv_u32("u32", 4000000000u);
  g.str("i32"), g.u32(5), g.u32(uint32_t(-7));
  g.str("f32"), g.u32(6), g.f32(0.5f);
  g.str("bool"), g.u32(7), g.u8(1);
  g.str("u64"), g.u32(10), g.u64(uint64_t(1) << 40);
  g.str("i64"), g.u32(11), g.u64(uint64_t(-3));
  g.str("f64"), g.u32(12), g.u64(0x3FF8000000000000ull);  // 1.5
  g.str("arr.i32"), g.u32(9), g.u32(5), g.u64(3), g.u32(1), g.u32(2), g.u32(3);
  g.str("arr.tokens"), g.u32(9), g.u32(8), g.u64(100);
  for (int i = 0; i < 100; ++i) {
    std::string token = "t";
    token += std::to_string(i);
    g.str(token);
  }
  g.str("arr.nested"), g.u32(9), g.u32(9), g.u64(2);
  for (int i = 0; i < 2; ++i) g.u32(4), g.u64(1), g.u32(uint32_t(10 + i));
  g.kv_u32("general.alignment", 64);
  g.str("empty"), g.u32(9), g.u32(6), g.u64(0);
  // Tensors: F32 [2, 3] (ne {3, 2}), F16 [4], Q8_0 [2, 32], BF16 [2].
  g.tensor_info("w.f32", {3, 2}, 0, 0);
  g.tensor_info("w.f16", {4}, 1, 64);
  g.tensor_info("w.q8", {32, 2}, 8, 128);
  g.tensor_info("w.bf16", {2}, 30, 256);
  g.pad(64);
  g.bytes(f32_bytes({1, 2, 3, 4, 5, -6}));
  g.pad(64);
  g.bytes({0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0x00, 0x00});  // 1, -2, 0.5, 0
  g.pad(64);
  for (int blk = 0; blk < 2; ++blk) {
    g.u8(0x00), g.u8(blk == 0 ? 0x38 : 0x40);  // d = 0.5, then 2
    for (int i = 0; i < 32; ++i) g.u8(uint8_t(int8_t(i - 16)));
  }
  g.pad(64);
  g.bytes({0x80, 0x3F, 0x40, 0xC0});  // bf16 1.0, -3.0
  return g.out;
}

std::vector<float> decoded(const TensorView& t) {
  std::vector<float> out(size_t(t.numel()));
  decode_to_float(t, 0, out);
  return out;
}

TEST(GgufReader, EveryValueTypeAndTensorType) {
  for (uint32_t version : {2u, 3u}) {
    const auto file = rich_file(version);
    auto m = parse(file);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    EXPECT_EQ(m->format, "gguf");
    const auto& md = m->metadata;
    EXPECT_EQ(md["gguf.version"], version);
    EXPECT_EQ(md["general.architecture"], "llama");
    EXPECT_EQ(md["u8"], 200);
    EXPECT_EQ(md["i8"], -2);
    EXPECT_EQ(md["u16"], 0x1234);
    EXPECT_EQ(md["i16"], -1);
    EXPECT_EQ(md["u32"], 4000000000u);
    EXPECT_EQ(md["i32"], -7);
    EXPECT_EQ(md["f32"], 0.5);
    EXPECT_EQ(md["bool"], true);
    EXPECT_EQ(md["u64"], uint64_t(1) << 40);
    EXPECT_EQ(md["i64"], -3);
    EXPECT_EQ(md["f64"], 1.5);
    EXPECT_EQ(md["arr.i32"], nlohmann::json({1, 2, 3}));
    EXPECT_EQ(md["arr.tokens"]["count"], 100);
    EXPECT_EQ(md["arr.tokens"]["array_of"], "string");
    EXPECT_EQ(md["arr.tokens"]["first"].size(), 8u);
    EXPECT_EQ(md["arr.tokens"]["first"][7], "t7");
    EXPECT_EQ(md["arr.nested"], nlohmann::json::parse("[[10],[11]]"));
    EXPECT_EQ(md["empty"], nlohmann::json::array());
    EXPECT_EQ(md["gguf.alignment"], 64);

    ASSERT_EQ(m->tensors.size(), 4u);
    const TensorView& a = m->tensors[0];
    EXPECT_EQ(a.name, "w.f32");
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));  // ne reversed
    EXPECT_EQ(decoded(a), (std::vector<float>{1, 2, 3, 4, 5, -6}));
    EXPECT_TRUE(as_float_span(a).has_value());  // aligned F32: zero-copy
    EXPECT_EQ(decoded(m->tensors[1]), (std::vector<float>{1, -2, 0.5f, 0}));
    const TensorView& q = m->tensors[2];
    EXPECT_EQ(q.dtype, DType::Q8_0);
    EXPECT_EQ(q.shape, (std::vector<int64_t>{2, 32}));
    EXPECT_EQ(q.bytes.size(), 68u);
    const auto qv = decoded(q);
    EXPECT_EQ(qv[0], -8.0f);   // 0.5 · −16
    EXPECT_EQ(qv[31], 7.5f);   // 0.5 · 15
    EXPECT_EQ(qv[32], -32.0f); // 2 · −16
    EXPECT_EQ(decoded(m->tensors[3]), (std::vector<float>{1, -3}));
  }
}

TEST(GgufReader, KQuantTensorDecodesLikeItsBlocks) {
  std::mt19937 rng(3);
  std::vector<uint8_t> blocks(2 * 144);
  for (auto& b : blocks) b = uint8_t(rng());
  for (int k = 0; k < 2; ++k) blocks[size_t(k) * 144 + 1] = 0x20, blocks[size_t(k) * 144 + 3] = 0x20;  // finite d, dmin
  GgufBuilder g;
  g.header(1, 0);
  g.tensor_info("blk.0.attn_q.weight", {256, 2}, 12, 0);
  g.pad();
  g.bytes(blocks);
  auto m = parse(g.out);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  const TensorView& t = m->tensors[0];
  EXPECT_EQ(t.dtype, DType::Q4_K);
  EXPECT_EQ(dtype_name(t.dtype), "Q4_K");
  std::vector<float> expect(512);
  numeric::gguf_dequantize_blocks(DType::Q4_K, reinterpret_cast<const std::byte*>(blocks.data()), 2,
                                  expect.data());
  EXPECT_EQ(decoded(t), expect);
  const TensorStats s = scan_stats(t);
  EXPECT_EQ(s.numel, 512);
}

TEST(GgufReader, UnsupportedTypesAreSkippedAndListed) {
  GgufBuilder g;
  g.header(2, 0);
  g.tensor_info("iq", {256}, 16, 0);  // IQ2_XXS: a real type we do not decode
  g.tensor_info("f", {1}, 0, 0);
  g.pad();
  g.bytes(f32_bytes({42}));
  auto m = parse(g.out);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_EQ(m->tensors.size(), 1u);
  EXPECT_EQ(m->tensors[0].name, "f");
  ASSERT_EQ(m->metadata["skipped"].size(), 1u);
  EXPECT_EQ(m->metadata["skipped"][0]["name"], "iq");
  EXPECT_EQ(m->metadata["skipped"][0]["type"], "IQ2_XXS");
  EXPECT_EQ(ggml_type_name(12), "Q4_K");
  EXPECT_EQ(ggml_type_name(4), "");
}

// A fixture written by an independent writer (Python struct + NumPy): the decoded
// values must equal NumPy's own dequantization saved next to it.
TEST(GgufReader, NumPyWrittenFixture) {
  const std::string dir = QS_TEST_DATA_DIR;
  auto m = open_model(dir + "/tiny.gguf");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->format, "gguf");
  EXPECT_EQ(m->metadata["general.name"], "quantscope-fixture");
  ASSERT_EQ(m->tensors.size(), 4u);
  for (const TensorView& t : m->tensors) {
    auto ref = read_npy(dir + "/tiny.gguf." + t.name + ".npy");
    ASSERT_TRUE(ref.has_value()) << ref.error().message;
    const TensorView& r = ref->tensors[0];
    EXPECT_EQ(t.shape, r.shape) << t.name;
    const auto got = decoded(t), want = decoded(r);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << t.name << " element " << i;
  }
}

struct Damage {
  const char* what;
  std::vector<uint8_t> file;
  const char* message;  // a substring of the expected error
};

std::vector<Damage> damaged_files() {
  std::vector<Damage> d;
  auto base = [](uint64_t n_tensors, uint64_t n_kv) {
    GgufBuilder g;
    g.header(n_tensors, n_kv);
    return g;
  };
  {
    GgufBuilder g = base(0, 1);
    g.u64(uint64_t(1) << 62);  // key length 2^62
    g.bytes(std::vector<uint8_t>(16, 0));
    d.push_back({"string length 2^62", g.out, "length 4611686018427387904 runs past the end"});
  }
  {
    GgufBuilder g = base(0, uint64_t(1) << 63);
    d.push_back({"kv count 2^63", g.out, "metadata count 9223372036854775808 cannot fit"});
  }
  {
    GgufBuilder g = base(~uint64_t(0), 0);
    d.push_back({"tensor count 2^64-1", g.out, "tensor count 18446744073709551615 cannot fit"});
  }
  {
    GgufBuilder g = base(0, 1);
    g.str("k"), g.u32(13), g.u32(0);
    d.push_back({"unknown value type", g.out, "metadata 'k': unknown value type 13"});
  }
  {
    GgufBuilder g = base(0, 1);
    g.str("a"), g.u32(9), g.u32(4), g.u64(uint64_t(1) << 60);
    d.push_back({"array count 2^60", g.out, "1152921504606846976 uint32 elements cannot fit"});
  }
  {
    GgufBuilder g = base(0, 1);
    g.str("a"), g.u32(9);  // an array ...
    for (int i = 0; i < 6; ++i) g.u32(9), g.u64(1);  // ... of one array, six times over
    g.u32(0), g.u64(1), g.u8(0);
    g.bytes(std::vector<uint8_t>(64, 0));
    d.push_back({"arrays nested 6 deep", g.out, "nested more than 4 deep"});
  }
  {
    GgufBuilder g = base(0, 1);
    g.str("b"), g.u32(7), g.u8(2);
    d.push_back({"bool 2", g.out, "bool value 2 is not 0 or 1"});
  }
  {
    GgufBuilder g = base(0, 2);
    g.kv_u32("k", 1), g.kv_u32("k", 2);
    d.push_back({"duplicate key", g.out, "metadata 'k' appears twice"});
  }
  {
    GgufBuilder g = base(0, 1);
    g.kv_u32("general.alignment", 48);
    d.push_back({"alignment 48", g.out, "general.alignment 48 is not a power of two"});
  }
  {
    GgufBuilder g = base(0, 1);
    g.kv_str("general.alignment", "32");
    d.push_back({"alignment as a string", g.out, "general.alignment must be a uint32"});
  }
  {
    GgufBuilder g = base(1, 0);
    g.tensor_info("t", {1, 1, 1, 1, 1}, 0, 0);
    d.push_back({"5 dimensions", g.out, "tensor 't' has 5 dimensions"});
  }
  {
    GgufBuilder g = base(1, 0);
    g.tensor_info("t", {uint64_t(1) << 30, uint64_t(1) << 30}, 0, 0);
    d.push_back({"numel overflow", g.out, "tensor 't' has more than 2^48 elements"});
  }
  {
    // Empty (a zero dimension) yet 2^70 over the others: found by libFuzzer, when the
    // reversed shape's product overflowed int64 before reaching the zero.
    GgufBuilder g = base(1, 0);
    g.tensor_info("t", {uint64_t(1) << 46, 0, uint64_t(1) << 24}, 0, 0);
    d.push_back({"empty but huge", g.out, "tensor 't' has more than 2^48 elements"});
  }
  {
    GgufBuilder g = base(1, 0);
    g.tensor_info("t", {~uint64_t(0)}, 0, 0);
    d.push_back({"ne 2^64-1", g.out, "more than 2^48 elements"});
  }
  {
    GgufBuilder g = base(1, 0);
    g.tensor_info("t", {4}, 99, 0);
    d.push_back({"unknown type 99", g.out, "tensor 't' has unknown ggml type id 99"});
  }
  {
    GgufBuilder g = base(1, 0);
    g.tensor_info("t", {4}, 4, 0);
    d.push_back({"removed type 4", g.out, "unknown ggml type id 4"});
  }
  {
    GgufBuilder g = base(1, 0);
    g.tensor_info("t", {4}, 0, 16);
    d.push_back({"misaligned offset", g.out, "offset 16 is not a multiple of the alignment 32"});
  }
  {
    GgufBuilder g = base(1, 0);
    g.tensor_info("t", {4}, 0, 0);
    g.pad();
    g.bytes(f32_bytes({1, 2, 3}));
    d.push_back({"data past the end", g.out, "tensor 't' (16 bytes at data offset 0) runs past the end"});
  }
  {
    GgufBuilder g = base(1, 0);
    g.tensor_info("t", {4}, 0, ~uint64_t(0) - 31);
    g.pad();
    d.push_back({"offset near 2^64", g.out, "runs past the end"});
  }
  {
    GgufBuilder g = base(2, 0);
    g.tensor_info("a", {16}, 0, 0);
    g.tensor_info("b", {16}, 0, 32);
    g.pad();
    g.bytes(std::vector<uint8_t>(128, 0));
    d.push_back({"overlapping tensors", g.out, "tensors 'a' and 'b' overlap"});
  }
  {
    GgufBuilder g = base(2, 0);
    g.tensor_info("a", {1}, 0, 0);
    g.tensor_info("a", {1}, 0, 32);
    d.push_back({"duplicate tensor", g.out, "tensor 'a' appears twice"});
  }
  {
    GgufBuilder g = base(1, 0);
    g.tensor_info("q", {48, 2}, 8, 0);
    d.push_back({"row not whole blocks", g.out, "row length 48 is not a multiple of Q8_0's 32-element block"});
  }
  {
    GgufBuilder g;
    g.header(0, 0, 1);
    d.push_back({"version 1", g.out, "GGUF version 1 is not supported"});
  }
  {
    GgufBuilder g;
    g.out = {'G', 'G', 'U', 'F', 0, 0, 0, 3};
    d.push_back({"big-endian", g.out, "big-endian GGUF is not supported"});
  }
  d.push_back({"empty", {}, "the file is empty"});
  d.push_back({"magic only", {'G', 'G', 'U', 'F'}, "the file ends inside the version"});
  return d;
}

TEST(GgufReader, MalformedFilesNameFileAndProblem) {
  for (const Damage& d : damaged_files()) {
    auto m = parse(d.file);
    ASSERT_FALSE(m.has_value()) << d.what;
    EXPECT_EQ(m.error().message.rfind("m.gguf: ", 0), 0u) << d.what << ": " << m.error().message;
    EXPECT_NE(m.error().message.find(d.message), std::string::npos)
        << d.what << ": " << m.error().message;
  }
}

// Cutting a valid file at every byte (every section boundary included) gives an error,
// never a crash, and all of it runs in well under a second.
TEST(GgufReader, TruncatedAtEveryByte) {
  const auto file = rich_file();
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t n = 0; n < file.size(); ++n) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + std::ptrdiff_t(n));
    auto m = parse(cut);
    // The last tensor's bytes end the file; a cut inside the data section must fail too.
    ASSERT_FALSE(m.has_value()) << "cut at " << n;
    ASSERT_EQ(m.error().message.rfind("m.gguf: ", 0), 0u) << m.error().message;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(s, 1.0);
}

TEST(GgufReader, OpenModelPicksGgufByContent) {
  const auto dir = std::filesystem::temp_directory_path() / "qs_gguf_test";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "weights.bin").string();
  const auto file = rich_file();
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(file.data()),
                                              std::streamsize(file.size()));
  auto m = open_model(path);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->format, "gguf");
  EXPECT_EQ(m->tensors.size(), 4u);
  EXPECT_EQ(m->files.size(), 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace qs
