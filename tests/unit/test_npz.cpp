// .npz reader against archives NumPy wrote (tests/scripts/make_npz_fixtures.py: np.savez
// and np.savez_compressed of the same arrays) and hand-built malformed archives.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/formats/npz.h"
#include "analysis/numeric/tensor_decode.h"
#include "tests/unit/zip_builder.h"

namespace qs {
namespace {

std::string data_path(const std::string& name) {
  return std::string(QS_TEST_DATA_DIR) + "/" + name;
}

std::span<const std::byte> as_bytes(const std::vector<uint8_t>& v) {
  return {reinterpret_cast<const std::byte*>(v.data()), v.size()};
}

void expect_matches_numpy(const Model& m) {
  std::ifstream f(data_path("npz_expected.json"));
  const nlohmann::json expected = nlohmann::json::parse(f);
  const auto& arrays = expected.at("arrays");
  ASSERT_EQ(m.tensors.size(), arrays.size());
  for (size_t i = 0; i < arrays.size(); ++i) {
    const TensorView& t = m.tensors[i];
    SCOPED_TRACE(t.name);
    EXPECT_EQ(t.name, arrays[i].at("name").get<std::string>());
    EXPECT_EQ(std::string(dtype_name(t.dtype)), arrays[i].at("dtype").get<std::string>());
    EXPECT_EQ(t.shape, arrays[i].at("shape").get<std::vector<int64_t>>());
    const auto values = arrays[i].at("values").get<std::vector<double>>();
    ASSERT_EQ(size_t(t.numel()), values.size());
    std::vector<float> out(values.size());
    decode_to_float(t, 0, out);
    for (size_t k = 0; k < values.size(); ++k) EXPECT_EQ(out[k], float(values[k])) << k;
  }
}

TEST(Npz, StoredMatchesNumpyZeroCopy) {
  auto file = MappedFile::open(data_path("npz_stored.npz"));
  ASSERT_TRUE(file) << file.error().message;
  const auto bytes = (*file)->bytes();
  auto m = parse_npz(*file, "npz_stored.npz");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->format, "npz");
  EXPECT_TRUE(m->buffers.empty());
  ASSERT_EQ(m->files.size(), 1u);
  for (const TensorView& t : m->tensors) {
    EXPECT_GE(t.bytes.data(), bytes.data());
    EXPECT_LE(t.bytes.data() + t.bytes.size(), bytes.data() + bytes.size());
  }
  expect_matches_numpy(*m);
  const TensorView* fortran = m->find("fortran");
  ASSERT_NE(fortran, nullptr);
  EXPECT_FALSE(fortran->contiguous());
  EXPECT_TRUE(m->find("big_endian")->swap_bytes);
}

TEST(Npz, DeflatedMatchesNumpy) {
  auto file = MappedFile::open(data_path("npz_deflated.npz"));
  ASSERT_TRUE(file) << file.error().message;
  auto m = parse_npz(*file, "npz_deflated.npz");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->buffers.size(), m->tensors.size());
  EXPECT_EQ(m->metadata.at("deflated_members"), std::to_string(m->tensors.size()));
  expect_matches_numpy(*m);
}

TEST(Npz, InflateBudget) {
  auto file = MappedFile::open(data_path("npz_deflated.npz"));
  ASSERT_TRUE(file);
  auto m = parse_npz(*file, "x.npz", 300);  // weight.npy (176) fits, half.npy (136) not
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message,
            "x.npz: member 'half.npy': 136 bytes uncompressed is more than the limit of 124");
}

TEST(Npz, NonNpyMemberIsAnError) {
  const auto zip = test::build_zip({{"notes.txt", test::bytes_of("hi"), false}});
  auto m = parse_npz_bytes(as_bytes(zip), "a.npz");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message,
            "a.npz: member 'notes.txt': not a .npy array (an .npz holds only .npy members)");
}

TEST(Npz, BadMemberNamesMember) {
  const auto zip = test::build_zip({{"w.npy", test::bytes_of("\x93NUMPY\x01"), true}});
  auto m = parse_npz_bytes(as_bytes(zip), "b.npz");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message, "b.npz: member 'w.npy': truncated .npy preamble (no version bytes)");
}

TEST(Npz, EmptyArchive) {
  const auto zip = test::build_zip({});
  auto m = parse_npz_bytes(as_bytes(zip), "e.npz");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->tensors.empty());
}

TEST(Npz, TruncatedFixtureNeverCrashes) {
  std::ifstream f(data_path("npz_deflated.npz"), std::ios::binary);
  const std::vector<uint8_t> all((std::istreambuf_iterator<char>(f)), {});
  ASSERT_GT(all.size(), 100u);
  for (size_t n = 0; n < all.size(); ++n) {
    std::vector<uint8_t> cut(all.begin(), all.begin() + long(n));
    auto m = parse_npz_bytes(as_bytes(cut), "t.npz");
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().message.rfind("t.npz: ", 0), 0u);
  }
}

}  // namespace
}  // namespace qs
