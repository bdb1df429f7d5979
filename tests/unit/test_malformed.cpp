// Bad input is normal input: a table of damaged files of every format, opened through
// open_model as the app and the CLI do. Each must give an error that starts with the
// file's path and names the problem, within a second, without the process's peak memory
// growing by more than 64 MB (no allocation on the word of a header).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/peak_rss.h"
#include "analysis/formats/model.h"
#include "tests/unit/gguf_builder.h"
#include "tests/unit/protobuf_builder.h"
#include "tests/unit/zip_builder.h"

namespace qs {
namespace {

using qs::measure::peak_rss_mb;
using qs::measure::reset_peak_rss;

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;


Bytes u64le(uint64_t v) {
  Bytes b;
  for (int i = 0; i < 8; ++i) b.push_back(uint8_t(v >> (8 * i)));
  return b;
}
Bytes cat(Bytes a, const std::string& s) {
  a.insert(a.end(), s.begin(), s.end());
  return a;
}
Bytes safetensors(const std::string& header, size_t data_bytes) {
  Bytes b = cat(u64le(header.size()), header);
  b.resize(b.size() + data_bytes, 0);
  return b;
}
Bytes npy(const std::string& dict, size_t data_bytes) {
  std::string h = dict;
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(h.size()), uint8_t(h.size() >> 8)};
  b = cat(b, h);
  b.resize(b.size() + data_bytes, 0);
  return b;
}

struct Case {
  std::string file;     // written into the temp dir ("" = the dir itself)
  Bytes bytes;
  std::string problem;  // substring of the message
};

std::vector<Case> cases() {
  std::vector<Case> c;
  // Any format
  c.push_back({"empty.bin", {}, "the file is empty"});
  c.push_back({"text.txt", cat({}, "hello, world\n"), "unknown format (first bytes 68 65 6c 6c 6f 2c 20 77"});
  // safetensors
  c.push_back({"st_len.safetensors", cat(u64le(uint64_t(1) << 31), "{}"), "header length 2147483648"});
  c.push_back({"st_trunc.safetensors", safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8),
               "out of bounds"});
  c.push_back({"st_overflow.safetensors",
               safetensors(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", 0),
               "more than 2^48 elements"});
  c.push_back({"st_overlap.safetensors",
               safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                           12),
               "overlap"});
  c.push_back({"st_dtype.safetensors", safetensors(R"({"w":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}})", 1),
               "unsupported dtype"});
  // npy
  c.push_back({"trunc.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000,), }", 10),
               "npy"});
  c.push_back({"huge.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", 0),
               "2^48"});
  // GGUF
  {
    testing::GgufBuilder g;
    g.header(0, 1);
    g.u64(uint64_t(1) << 62);
    g.bytes(Bytes(16, 0));
    c.push_back({"str.gguf", g.out, "runs past the end of the file"});
  }
  {
    testing::GgufBuilder g;
    g.header(uint64_t(1) << 40, 0);
    c.push_back({"count.gguf", g.out, "tensor count 1099511627776 cannot fit"});
  }
  {
    testing::GgufBuilder g;
    g.header(1, 0);
    g.tensor_info("t", {8}, 77, 0);
    c.push_back({"type.gguf", g.out, "unknown ggml type id 77"});
  }
  {
    testing::GgufBuilder g;
    g.header(1, 0);
    g.tensor_info("t", {8}, 0, uint64_t(1) << 40);
    g.pad();
    c.push_back({"offset.gguf", g.out, "runs past the end of the file"});
  }
  // npz: a zip bomb (64 MB of zeros declaring 1 KB), a member that is not .npy
  {
    test::ZipOptions opt;
    opt.declared_usize = 1024;
    c.push_back({"bomb.npz", test::build_zip({{"w.npy", Bytes(64u << 20, 0), true}}, opt),
                 "inflates to more than its declared 1024 bytes"});
    c.push_back({"other.npz", test::build_zip({{"w.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4), false},
                                               {"readme.txt", Bytes(3, 'x'), false}}),
                 "readme.txt"});
  }
  // PyTorch: deeply nested pickle, a global that would execute code, legacy format
  {
    std::string deep = "\x80\x02";
    deep.append(100000, '(');
    deep += '.';
    c.push_back({"deep.pt", test::build_zip({{"archive/data.pkl", Bytes(deep.begin(), deep.end()), false}}),
                 "nested more than 1000 deep"});
    const std::string evil = std::string("\x80\x02") + "cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02Rq\x03.";
    c.push_back({"evil.pt", test::build_zip({{"archive/data.pkl", Bytes(evil.begin(), evil.end()), false}}),
                 "this pickle references os.system; QuantScope does not execute pickled code"});
    c.push_back({"legacy.pt", Bytes{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e},
                 "legacy (pre-1.6, non-zip) PyTorch format"});
  }
  // ONNX: dims past 2^48, raw_data shorter than the shape, external data outside the directory
  {
    using namespace testing;
    const std::string huge = onnx_model(onnx_init(onnx_tensor("w", 1, {1ll << 30, 1ll << 30}, "")));
    c.push_back({"huge.onnx", Bytes(huge.begin(), huge.end()), "initializer 'w': dims are negative, malformed or hold more than 2^48"});
    const std::string short_raw = onnx_model(onnx_init(onnx_tensor("w", 1, {4}, "abcd")));
    c.push_back({"short.onnx", Bytes(short_raw.begin(), short_raw.end()), "raw_data holds 4 bytes"});
    const std::string escape = onnx_model(onnx_init(pb_uint(1, 1) + pb_uint(2, 1) + pb_bytes(8, "e") + pb_uint(14, 1) +
                                                    pb_bytes(13, pb_bytes(1, "location") + pb_bytes(2, "../../etc/passwd"))));
    c.push_back({"escape.onnx", Bytes(escape.begin(), escape.end()), "must be a relative path inside the model's directory"});
    // Subgraphs nested 100000 deep (built inside out with each level's length known)
    // stop at the bound with the depth named; a short value in an If branch and in a
    // Constant node name the tensor by its graph path.
    const std::string leaf = onnx_init(onnx_tensor("w", 1, {1}, "abcd"));
    std::vector<std::string> heads;  // innermost first
    size_t size = leaf.size();
    for (int i = 0; i < 100000; ++i) {
      const std::string attr_head = pb_bytes(1, "body") + pb_tag(6, 2) + pb_varint(size);
      const std::string node_head = pb_bytes(4, "Loop") + pb_tag(5, 2) + pb_varint(attr_head.size() + size);
      const size_t node_len = node_head.size() + attr_head.size() + size;
      heads.push_back(pb_tag(1, 2) + pb_varint(node_len) + node_head + attr_head);
      size += heads.back().size();
    }
    std::string deep;
    deep.reserve(size);
    for (auto h = heads.rbegin(); h != heads.rend(); ++h) deep += *h;
    deep += leaf;
    deep = onnx_model(deep);
    c.push_back({"deep.onnx", Bytes(deep.begin(), deep.end()), "is nested 17 levels deep"});
    const std::string branch =
        onnx_model(onnx_node("If", "y", onnx_graph_attr("then_branch", onnx_init(onnx_tensor("w", 1, {4}, "abcd")))));
    c.push_back({"branch.onnx", Bytes(branch.begin(), branch.end()),
                 "initializer 'If_0/then_branch/w': raw_data holds 4 bytes"});
    const std::string huge_value = onnx_tensor("", 1, {1ll << 30, 1ll << 30}, "");
    const std::string constant = onnx_model(onnx_node("Constant", "c", onnx_tensor_attr("value", huge_value)));
    c.push_back({"constant.onnx", Bytes(constant.begin(), constant.end()),
                 "Constant 'c': dims are negative, malformed or hold more than 2^48"});
    // A 300 KB node name over 20000 empty Loop bodies: gigabytes of paths, were they built.
    std::string bodies;
    for (int i = 0; i < 20000; ++i) bodies += pb_bytes(5, pb_bytes(1, "body") + pb_bytes(6, ""));
    const std::string bomb =
        onnx_model(pb_bytes(1, pb_bytes(3, std::string(300000, 'n')) + pb_bytes(4, "Loop") + bodies));
    c.push_back({"paths.onnx", Bytes(bomb.begin(), bomb.end()), "take more than 16 times the file's size"});
  }
  // Sharded safetensors: an index naming a shard that is not there
  c.push_back({"model.safetensors.index.json", cat({}, R"({"weight_map":{"w":"model-00001-of-00002.safetensors"}})"),
               "model-00001-of-00002.safetensors"});
  return c;
}

TEST(Malformed, EveryFormatGivesANamedErrorFastWithBoundedMemory) {
  char tmpl[] = "/tmp/qs_malformed_XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  for (const Case& k : cases()) {
    const fs::path p = dir / k.file;
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(k.bytes.data()),
                                             std::streamsize(k.bytes.size()));
    reset_peak_rss();
    const double rss0 = peak_rss_mb();
    const auto t0 = std::chrono::steady_clock::now();
    auto m = open_model(p.string());
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_FALSE(m.has_value()) << k.file << " opened";
    const std::string& msg = m.error().message;
    EXPECT_EQ(msg.rfind(p.string() + ": ", 0), 0u) << k.file << ": " << msg;
    EXPECT_NE(msg.find(k.problem), std::string::npos) << k.file << ": " << msg;
    EXPECT_LT(s, 1.0) << k.file;
    EXPECT_LT(peak_rss_mb() - rss0, 64.0) << k.file;
    fs::remove(p);
  }
  // A directory without a model index in it.
  auto d = open_model(dir.string());
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message.find(dir.string() + ": is a directory"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace qs
