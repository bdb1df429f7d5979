// Sharded safetensors: the index opens the whole model (also via any one shard or the
// directory), every failure names the shard or tensor, and the big synthetic model writer
// shards by size, indexes correctly and leaves nothing behind when it fails.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/base/atomic_file.h"
#include "analysis/formats/big_demo.h"
#include "analysis/formats/model.h"
#include "analysis/formats/safetensors.h"
#include "analysis/formats/sharded_safetensors.h"
#include "analysis/numeric/tensor_decode.h"

namespace qs {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("qs_sharded_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

OwnedTensor f32(const std::string& name, std::vector<float> v) {
  OwnedTensor t;
  t.name = name;
  t.shape = {int64_t(v.size())};
  t.data.resize(v.size() * 4);
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return t;
}

// Two shards: a.weight, a.bias in shard 1; b.weight in shard 2.
fs::path make_two_shards(const std::string& name, nlohmann::json weight_map = nullptr) {
  const fs::path d = fresh_dir(name);
  EXPECT_TRUE(write_safetensors((d / "model-00001-of-00002.safetensors").string(),
                                {f32("a.weight", {1, 2, 3}), f32("a.bias", {0.5f})}, {{"format", "pt"}}));
  EXPECT_TRUE(write_safetensors((d / "model-00002-of-00002.safetensors").string(),
                                {f32("b.weight", {-1, -2})}));
  if (weight_map.is_null()) {
    weight_map = {{"a.bias", "model-00001-of-00002.safetensors"},
                  {"a.weight", "model-00001-of-00002.safetensors"},
                  {"b.weight", "model-00002-of-00002.safetensors"}};
  }
  const nlohmann::json index = {{"metadata", {{"total_size", 24}}}, {"weight_map", weight_map}};
  std::ofstream(d / "model.safetensors.index.json") << index.dump(2);
  return d;
}

std::vector<float> values(const TensorView& t) {
  std::vector<float> out(size_t(t.numel()));
  decode_to_float(t, 0, out);
  return out;
}

void expect_whole_model(const Result<Model>& m) {
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->format, "safetensors");
  ASSERT_EQ(m->tensors.size(), 3u);
  // Shard order, then each shard's own order.
  EXPECT_EQ(m->tensors[0].name, "a.weight");
  EXPECT_EQ(m->tensors[1].name, "a.bias");
  EXPECT_EQ(m->tensors[2].name, "b.weight");
  EXPECT_EQ(values(m->tensors[0]), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(values(*m->find("b.weight")), (std::vector<float>{-1, -2}));
  EXPECT_EQ(m->total_params(), 6);
  EXPECT_EQ(m->total_bytes(), 24);
  EXPECT_EQ(m->metadata["index"]["total_size"], 24);
  EXPECT_EQ(m->metadata["__metadata__"]["format"], "pt");
  EXPECT_EQ(m->metadata["shards"].size(), 2u);
  EXPECT_EQ(m->files.size(), 2u);
}

TEST(ShardedSafetensors, IndexShardOrDirectoryOpenTheWholeModel) {
  const fs::path d = make_two_shards("whole");
  expect_whole_model(open_model((d / "model.safetensors.index.json").string()));
  expect_whole_model(open_model((d / "model-00002-of-00002.safetensors").string()));
  expect_whole_model(open_model(d.string()));
  fs::remove_all(d);
}

TEST(ShardedSafetensors, AShardWithoutAnIndexOpensAlone) {
  const fs::path d = make_two_shards("alone");
  fs::remove(d / "model.safetensors.index.json");
  auto m = open_model((d / "model-00001-of-00002.safetensors").string());
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->tensors.size(), 2u);
  fs::remove_all(d);
}

void expect_error(const Result<Model>& m, const std::vector<std::string>& parts) {
  ASSERT_FALSE(m);
  for (const std::string& p : parts) EXPECT_NE(m.error().message.find(p), std::string::npos) << m.error().message;
}

TEST(ShardedSafetensors, ErrorsNameTheShardOrTensor) {
  const fs::path d = make_two_shards("missing");
  fs::remove(d / "model-00002-of-00002.safetensors");
  expect_error(open_model((d / "model.safetensors.index.json").string()),
               {"model.safetensors.index.json", "shard model-00002-of-00002.safetensors is missing"});
  fs::remove_all(d);

  const fs::path e = make_two_shards("wrong_shard", {{"a.weight", "model-00002-of-00002.safetensors"},
                                                     {"a.bias", "model-00001-of-00002.safetensors"},
                                                     {"b.weight", "model-00002-of-00002.safetensors"}});
  expect_error(open_model((e / "model.safetensors.index.json").string()),
               {"'a.weight'", "in model-00002-of-00002.safetensors but it is in model-00001-of-00002.safetensors"});
  fs::remove_all(e);

  const fs::path f = make_two_shards("absent", {{"c.weight", "model-00001-of-00002.safetensors"}});
  expect_error(open_model((f / "model.safetensors.index.json").string()), {"'c.weight'", "does not contain it"});
  fs::remove_all(f);

  for (const char* evil : {"../secret.safetensors", "/etc/passwd", "..", "sub/x.safetensors"}) {
    const fs::path g = make_two_shards("evil", {{"a.weight", evil}});
    expect_error(open_model((g / "model.safetensors.index.json").string()),
                 {"weight_map[\"a.weight\"]", "not a file in the index's directory"});
    fs::remove_all(g);
  }

  const fs::path h = fresh_dir("notindex");
  std::ofstream(h / "config.json") << R"({"hidden_size": 4096})";
  expect_error(open_model((h / "config.json").string()), {"config.json", "not a safetensors index"});
  std::ofstream(h / "broken.json") << R"({"weight_map": )";
  expect_error(open_model((h / "broken.json").string()), {"broken.json", "not valid JSON"});
  expect_error(open_model(h.string()), {"is a directory"});
  fs::remove_all(h);
}

TEST(ShardedSafetensors, DuplicateTensorAcrossShardsIsAnError) {
  const fs::path d = make_two_shards("dup");
  ASSERT_TRUE(write_safetensors((d / "model-00002-of-00002.safetensors").string(), {f32("a.weight", {9})}));
  expect_error(open_model((d / "model.safetensors.index.json").string()),
               {"'a.weight'", "in both model-00001-of-00002.safetensors and model-00002-of-00002.safetensors"});
  fs::remove_all(d);
}

TEST(BigDemo, ShardsBySizeAndIndexesEveryTensor) {
  const fs::path root = fresh_dir("big");
  BigDemoOptions o;
  o.hidden = 64;
  o.ffn = 96;
  // One layer: 4·64·64·4 + 3·96·64·2 + 64·4 = 65536 + 36864 + 256 = 102656 bytes.
  o.gib = 3.0 * 102656 / double(1 << 30);  // three layers
  o.shard_bytes = 150000;                  // forces several shards
  int64_t last_done = 0, last_total = 0;
  o.progress = [&](int64_t done, int64_t total) {
    EXPECT_GE(done, last_done);
    last_done = done;
    last_total = total;
    return true;
  };
  const fs::path out = root / "model";
  ASSERT_TRUE(write_big_demo(out.string(), o));
  EXPECT_EQ(last_done, 3 * 102656);
  EXPECT_EQ(last_total, 3 * 102656);
  auto m = open_model(out.string());
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->tensors.size(), 24u);
  EXPECT_EQ(m->total_bytes(), 3 * 102656);
  EXPECT_GE(m->metadata["shards"].size(), 3u);
  const TensorView* q = m->find("model.layers.2.self_attn.q_proj.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->dtype, DType::F32);
  EXPECT_EQ(q->shape, (std::vector<int64_t>{64, 64}));
  const TensorView* up = m->find("model.layers.1.mlp.up_proj.weight");
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->dtype, DType::BF16);
  EXPECT_EQ(up->shape, (std::vector<int64_t>{96, 64}));
  const TensorStats s = scan_stats(*q);
  EXPECT_NEAR(s.mean, 0.0, 0.003);
  EXPECT_NEAR(s.std, 0.02, 0.002);
  // Each shard stays within the size asked for unless one tensor alone exceeds it.
  for (const auto& f : m->files) EXPECT_LE(f->bytes().size(), 150000u + 4096u);

  // Not over an existing, non-empty directory.
  auto again = write_big_demo(out.string(), o);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("not an empty directory"), std::string::npos);
  fs::remove_all(root);
}

TEST(BigDemo, CancelledRunLeavesNothing) {
  const fs::path root = fresh_dir("cancel");
  BigDemoOptions o;
  o.hidden = 64;
  o.ffn = 96;
  o.gib = 2.0 * 102656 / double(1 << 30);
  o.shard_bytes = 150000;
  int calls = 0;
  o.progress = [&](int64_t, int64_t) { return ++calls < 5; };
  auto r = write_big_demo((root / "model").string(), o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cancelled"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(root)) << "staging directory or partial output left behind";
  fs::remove_all(root);
}

TEST(AtomicFileWriter, UncommittedWriterLeavesNoFile) {
  const fs::path root = fresh_dir("writer");
  {
    auto w = AtomicFileWriter::create((root / "out.bin").string());
    ASSERT_TRUE(w);
    const std::byte b[3] = {std::byte{1}, std::byte{2}, std::byte{3}};
    ASSERT_TRUE(w->write(b));
  }
  EXPECT_TRUE(fs::is_empty(root));
  {
    auto w = AtomicFileWriter::create((root / "out.bin").string());
    ASSERT_TRUE(w);
    const std::byte b[3] = {std::byte{1}, std::byte{2}, std::byte{3}};
    ASSERT_TRUE(w->write(b));
    ASSERT_TRUE(w->commit());
    EXPECT_FALSE(w->write(b));  // closed
  }
  EXPECT_EQ(fs::file_size(root / "out.bin"), 3u);
  EXPECT_EQ(std::distance(fs::directory_iterator(root), fs::directory_iterator()), 1);
  fs::remove_all(root);
}

}  // namespace
}  // namespace qs
