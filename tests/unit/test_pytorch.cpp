// PyTorch checkpoints written by torch.save (tests/scripts/make_torch_fixtures.py; the
// expected values come from torch itself) and hand-built archives for the error paths.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/formats/pytorch.h"
#include "analysis/formats/zip_model.h"
#include "analysis/numeric/tensor_decode.h"
#include "tests/unit/pickle_builder.h"
#include "tests/unit/zip_builder.h"

namespace qs {
namespace {

using namespace qs::test;

std::string data_path(const std::string& name) {
  return std::string(QS_TEST_DATA_DIR) + "/" + name;
}

std::span<const std::byte> as_bytes(const std::vector<uint8_t>& v) {
  return {reinterpret_cast<const std::byte*>(v.data()), v.size()};
}

std::vector<uint8_t> read_all(const std::string& name) {
  std::ifstream f(data_path(name), std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), {});
}

nlohmann::json expected_for(const std::string& file) {
  std::ifstream f(data_path("torch_expected.json"));
  return nlohmann::json::parse(f).at(file);
}

Model load(const std::string& file) {
  auto mapped = MappedFile::open(data_path(file));
  EXPECT_TRUE(mapped) << mapped.error().message;
  auto m = parse_pytorch(*mapped, file);
  EXPECT_TRUE(m) << m.error().message;
  return m ? std::move(*m) : Model();
}

void expect_matches_torch(const Model& m, const std::string& file) {
  const nlohmann::json e = expected_for(file);
  const auto& tensors = e.at("tensors");
  ASSERT_EQ(m.tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorView& t = m.tensors[i];
    SCOPED_TRACE(t.name);
    EXPECT_EQ(t.name, tensors[i].at("name").get<std::string>());
    EXPECT_EQ(std::string(dtype_name(t.dtype)), tensors[i].at("dtype").get<std::string>());
    EXPECT_EQ(t.shape, tensors[i].at("shape").get<std::vector<int64_t>>());
    EXPECT_EQ(t.contiguous(), tensors[i].at("contiguous").get<bool>());
    const auto values = tensors[i].at("values").get<std::vector<double>>();
    ASSERT_EQ(size_t(t.numel()), values.size());
    std::vector<float> out(values.size());
    decode_to_float(t, 0, out);
    for (size_t k = 0; k < values.size(); ++k) EXPECT_EQ(out[k], float(values[k])) << k;
  }
  const auto skipped = e.at("skipped").get<std::vector<std::string>>();
  if (skipped.empty()) {
    EXPECT_FALSE(m.metadata.contains("skipped"));
  } else {
    EXPECT_EQ(m.metadata.at("skipped").get<std::vector<std::string>>(), skipped);
  }
}

TEST(PyTorch, StateDictMatchesTorchZeroCopy) {
  const Model m = load("torch_state_dict.pt");
  EXPECT_EQ(m.format, "pytorch");
  EXPECT_EQ(m.metadata.at("archive_folder"), "torch_state_dict");
  EXPECT_EQ(m.metadata.at("byteorder"), "little");
  EXPECT_TRUE(m.buffers.empty());
  ASSERT_EQ(m.files.size(), 1u);
  const auto file = m.files[0]->bytes();
  for (const TensorView& t : m.tensors) {
    EXPECT_GE(t.bytes.data(), file.data());
    EXPECT_LE(t.bytes.data() + t.bytes.size(), file.data() + file.size());
    EXPECT_EQ(t.bytes.size(), size_t(t.numel()) * dtype_size(t.dtype));
  }
  expect_matches_torch(m, "torch_state_dict.pt");
  EXPECT_TRUE(m.find("scalar")->shape.empty());
}

TEST(PyTorch, ViewsStridesOffsetsAndSharedStorage) {
  const Model m = load("torch_views.pt");
  expect_matches_torch(m, "torch_views.pt");
  const TensorView* tr = m.find("transposed");
  ASSERT_NE(tr, nullptr);
  EXPECT_EQ(tr->strides, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(m.find("column")->strides, (std::vector<int64_t>{4}));
  EXPECT_EQ(m.find("expanded")->strides, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(m.find("slice")->bytes.data(), tr->bytes.data() + 16);  // offset 4 floats
  EXPECT_EQ(m.find("a")->bytes.data(), m.find("b")->bytes.data());  // one storage
  EXPECT_TRUE(m.find("param")->contiguous());
  const TensorStats s = scan_stats(*tr);
  EXPECT_EQ(s.max, 11.0);
  EXPECT_EQ(s.mean, 5.5);
}

TEST(PyTorch, NestedDictFlattenedAndNonTensorsSkipped) {
  const Model m = load("torch_nested.pt");
  expect_matches_torch(m, "torch_nested.pt");
  ASSERT_EQ(m.tensors.size(), 2u);
  EXPECT_EQ(m.tensors[0].name, "state_dict.w");
}

TEST(PyTorch, MaliciousPickleIsRefused) {
  auto mapped = MappedFile::open(data_path("torch_malicious.pt"));
  ASSERT_TRUE(mapped);
  auto m = parse_pytorch(*mapped, "torch_malicious.pt");
  ASSERT_FALSE(m);
  // os.system pickles as posix.system on Linux.
  EXPECT_EQ(m.error().message,
            "torch_malicious.pt: this pickle references posix.system; QuantScope does not "
            "execute pickled code");
}

TEST(PyTorch, LegacyFormatIsRefusedWithAHint) {
  const auto bytes = read_all("torch_legacy.pt");
  EXPECT_TRUE(looks_like_legacy_pytorch(as_bytes(bytes)));
  auto m = parse_pytorch_bytes(as_bytes(bytes), "old.pt");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message,
            "old.pt: legacy (pre-1.6, non-zip) PyTorch format is not supported; re-save it "
            "with torch.save(..., _use_new_zipfile_serialization=True)");
}

TEST(PyTorch, ZipModelPicksTheReader) {
  for (const char* f : {"torch_state_dict.pt", "npz_stored.npz", "npz_deflated.npz"}) {
    auto mapped = MappedFile::open(data_path(f));
    ASSERT_TRUE(mapped);
    auto m = parse_zip_model(*mapped, f);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->format, std::string(f).find(".pt") != std::string::npos ? "pytorch" : "npz");
    EXPECT_FALSE(m->tensors.empty());
  }
  const auto zip = build_zip({{"a.npy", {}, false}, {"readme.md", bytes_of("hi"), false}});
  auto m = parse_zip_model_bytes(as_bytes(zip), "x.zip");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message,
            "x.zip: a zip archive that is neither a PyTorch checkpoint (no data.pkl) nor a "
            "NumPy .npz (member 'readme.md' is not .npy)");
}

std::vector<uint8_t> floats(std::initializer_list<float> v) {
  std::vector<uint8_t> out(v.size() * 4);
  std::memcpy(out.data(), std::data(v), out.size());
  return out;
}

Result<Model> hand_built(const std::string& pkl, std::vector<ZipMember> extra = {},
                         bool deflate_storage = false) {
  std::vector<ZipMember> members = {{"arch/data.pkl", bytes_of(pkl), false},
                                    {"arch/data/0", floats({1, 2, 3, 4, 5, 6}), deflate_storage}};
  for (auto& e : extra) members.push_back(std::move(e));
  static std::vector<uint8_t> zip;  // views point into it
  zip = build_zip(members);
  return parse_pytorch_bytes(as_bytes(zip), "h.pt");
}

TEST(PyTorch, HandBuiltDeflatedStorageAndBigEndian) {
  auto m =
      hand_built(p_dict({{"w", p_tensor("FloatStorage", "0", 6, 1, {2, 2}, {2, 1})}}), {}, true);
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->buffers.size(), 1u);
  std::vector<float> out(4);
  decode_to_float(m->tensors[0], 0, out);
  EXPECT_EQ(out, (std::vector<float>{2, 3, 4, 5}));
  m = hand_built(p_dict({{"w", p_tensor("IntStorage", "0", 6, 0, {6}, {1})}}),
                 {{"arch/byteorder", bytes_of("big"), false}});
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->tensors[0].swap_bytes);
  EXPECT_EQ(m->metadata.at("byteorder"), "big");
}

TEST(PyTorch, HandBuiltErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {p_tensor("FloatStorage", "0", 6, 0, {7}, {1}),
       "h.pt: tensor 'w': elements run past the end of its storage (6 elements)"},
      {p_tensor("FloatStorage", "0", 6, 3, {2, 2}, {2, 1}),
       "h.pt: tensor 'w': elements run past the end of its storage (6 elements)"},
      {p_tensor("FloatStorage", "0", 6, 0, {3, 1000000000}, {1000000000, 1000000000}),
       "h.pt: tensor 'w': elements run past the end of its storage (6 elements)"},
      {p_tensor("FloatStorage", "0", 6, 5, {2}, {-1}),
       "h.pt: tensor 'w': negative stride -1 is not supported"},
      {p_tensor("FloatStorage", "0", 6, 0, {2, 3}, {3}),
       "h.pt: tensor 'w': size has 2 dimensions but stride has 1"},
      {p_tensor("FloatStorage", "1", 6, 0, {6}, {1}),
       "h.pt: tensor 'w': storage member 'arch/data/1' is missing"},
      {p_tensor("DoubleStorage", "0", 6, 0, {6}, {1}),
       "h.pt: tensor 'w': storage member 'arch/data/0' has 24 bytes, 6 F64 elements need 48"},
      {p_tensor("ComplexFloatStorage", "0", 3, 0, {3}, {1}),
       "h.pt: this pickle references torch.ComplexFloatStorage; QuantScope does not execute "
       "pickled code"},
  };
  for (const auto& [tensor, message] : cases) {
    auto m = hand_built(p_dict({{"w", tensor}}));
    ASSERT_FALSE(m) << message;
    EXPECT_EQ(m.error().message, message);
  }
  // A dict that contains itself: bounded walk, error.
  auto m = hand_built(
      cat(std::string("\x80\x02}q\x00h\x00", 7), p_str("self"), std::string("h\x00s.", 4)));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("nested more than 32 levels deep"), std::string::npos)
      << m.error().message;
  // Shared values doubling per level (2^30 paths through 31 lists): bounded visits, error.
  std::string dag = raw("\x80\x02]q\x00");
  for (int i = 1; i <= 30; ++i) {
    dag.append("](h").push_back(char(i - 1));
    dag.append("h").push_back(char(i - 1));
    dag.append("eq").push_back(char(i));
  }
  dag.append(".");
  m = hand_built(dag);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message,
            "h.pt: the pickle refers to the same values over and over (more visits than it has "
            "values); not a state dict");
  // No data.pkl.
  const auto zip = build_zip({{"x/other.bin", bytes_of("1"), false}});
  m = parse_pytorch_bytes(as_bytes(zip), "n.pt");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message, "n.pt: not a PyTorch checkpoint (no <folder>/data.pkl member)");
}

TEST(PyTorch, TruncatedFixtureNeverCrashes) {
  const auto all = read_all("torch_views.pt");
  ASSERT_GT(all.size(), 1000u);
  for (size_t n = 0; n < all.size(); ++n) {
    std::vector<uint8_t> cut(all.begin(), all.begin() + long(n));
    auto m = parse_pytorch_bytes(as_bytes(cut), "t.pt");
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().message.rfind("t.pt: ", 0), 0u);
  }
}

}  // namespace
}  // namespace qs
