// The restricted unpickler on hand-assembled opcode strings (CPython's pickletools
// documents each opcode): values, memo, refusal of globals off the allow-list, and
// hostile nesting / truncation as errors.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>

#include "analysis/formats/pickle.h"
#include "analysis/formats/zip_archive.h"
#include "tests/unit/pickle_builder.h"

namespace qs {
namespace {

using namespace qs::test;
using K = PickleNode::Kind;

Result<Pickle> parse(const std::string& s) {
  return parse_pickle({reinterpret_cast<const std::byte*>(s.data()), s.size()}, "p.pkl");
}

const PickleNode& root(const Pickle& p) {
  return p[p.root];
}

TEST(Pickle, Integers) {
  const std::pair<std::string, int64_t> cases[] = {
      {raw("J\xfb\xff\xff\xff"), -5},
      {raw("K\xc8"), 200},
      {raw("M\x60\xea"), 60000},
      {raw("\x8a\x00"), 0},
      {raw("\x8a\x01\xff"), -1},
      {raw("\x8a\x02\x00\x80"), -32768},  // twos complement, as Python writes it
      {raw("\x8a\x06\x00\x00\x00\x00\x00\xff"), -(int64_t(1) << 40)},
      {raw("\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f"), INT64_MAX},
      {raw("\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80"), INT64_MIN},
  };
  for (const auto& [ops, value] : cases) {
    auto p = parse(cat("\x80\x02", ops, "."));
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(root(*p).kind, K::Int);
    EXPECT_EQ(root(*p).integer, value);
  }
  auto p = parse(raw("\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01."));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, "p.pkl: pickle: integer wider than 64 bits at offset 2");
}

TEST(Pickle, ScalarsAndStrings) {
  auto p =
      parse(raw("\x80\x02(G\x3f\xf8\x00\x00\x00\x00\x00\x00\x88\x89N"
                "\x8c\x02"
                "hiX\x03\x00\x00\x00"
                "abc\x8d\x01\x00\x00\x00\x00\x00\x00\x00z"
                "U\x01sT\x02\x00\x00\x00stC\x02\x00\x01"
                "B\x01\x00\x00\x00\xff"
                "\x8e\x00\x00\x00\x00\x00\x00\x00\x00t."));
  ASSERT_TRUE(p) << p.error().message;
  const PickleNode& t = root(*p);
  ASSERT_EQ(t.kind, K::Tuple);
  ASSERT_EQ(t.items.size(), 12u);
  EXPECT_EQ((*p)[t.items[0]].real, 1.5);
  EXPECT_TRUE((*p)[t.items[1]].boolean);
  EXPECT_EQ((*p)[t.items[2]].kind, K::Bool);
  EXPECT_FALSE((*p)[t.items[2]].boolean);
  EXPECT_EQ((*p)[t.items[3]].kind, K::None);
  const char* texts[] = {"hi", "abc", "z", "s", "st"};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ((*p)[t.items[size_t(4 + i)]].kind, K::Str);
    EXPECT_EQ((*p)[t.items[size_t(4 + i)]].text, texts[i]);
  }
  EXPECT_EQ((*p)[t.items[9]].kind, K::Bytes);
  EXPECT_EQ((*p)[t.items[9]].text, raw("\x00\x01"));
  EXPECT_EQ((*p)[t.items[10]].text, raw("\xff"));
  EXPECT_EQ((*p)[t.items[11]].text, "");
}

TEST(Pickle, TuplesListsDicts) {
  // ((), (1,), (1, 2), (1, 2, 3)), [4, 5, 6], {'a': 7, 'b': 8, 'c': 9}
  auto p = parse(raw("\x80\x02((")
                     .append(cat(")K\x01\x85K\x01K\x02\x86K\x01K\x02K\x03\x87", "t"))
                     .append(raw("]K\x04"
                                 "a(K\x05K\x06"
                                 "e"))
                     .append(raw("}\x8c\x01"
                                 "aK\x07s(\x8c\x01"
                                 "bK\x08\x8c\x01"
                                 "cK\tu"))
                     .append("t."));
  ASSERT_TRUE(p) << p.error().message;
  const PickleNode& top = root(*p);
  ASSERT_EQ(top.items.size(), 3u);
  const PickleNode& tuples = (*p)[top.items[0]];
  ASSERT_EQ(tuples.items.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*p)[tuples.items[i]].kind, K::Tuple);
    EXPECT_EQ((*p)[tuples.items[i]].items.size(), i);
  }
  const PickleNode& list = (*p)[top.items[1]];
  ASSERT_EQ(list.kind, K::List);
  ASSERT_EQ(list.items.size(), 3u);
  EXPECT_EQ((*p)[list.items[2]].integer, 6);
  const PickleNode& dict = (*p)[top.items[2]];
  ASSERT_TRUE(pickle_is_dict(*p, top.items[2]));
  ASSERT_EQ(dict.entries.size(), 3u);
  EXPECT_EQ((*p)[dict.entries[0].first].text, "a");
  EXPECT_EQ((*p)[dict.entries[2].first].text, "c");
  EXPECT_EQ((*p)[dict.entries[2].second].integer, 9);
}

TEST(Pickle, MemoFramesAndStackOps) {
  // protocol 4 with a FRAME; MEMOIZE, BINPUT/LONG_BINPUT, BINGET/LONG_BINGET, DUP, POP,
  // POP_MARK: the result is ('x', 'x', 'y', 'y', 'x').
  auto p =
      parse(raw("\x80\x04\x95\x20\x00\x00\x00\x00\x00\x00\x00(\x8c\x01x\x94"
                "\x8c\x01yr\x07\x00\x00\x00K\x01\x30(K\x02\x31h\x00j\x07\x00\x00\x00\x32"
                "j\x00\x00\x00\x00t."));
  ASSERT_TRUE(p) << p.error().message;
  const PickleNode& t = root(*p);
  ASSERT_EQ(t.items.size(), 6u);
  const char* want[] = {"x", "y", "x", "y", "y", "x"};
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ((*p)[t.items[i]].text, want[i]) << i;
  EXPECT_EQ(t.items[0], t.items[2]);  // memo shares the node
  auto bad = parse(raw("\x80\x02h\x05."));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "p.pkl: pickle: memo key 5 is not defined at offset 2");
  bad = parse(raw("\x80\x02j\xff\xff\xff\xff."));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "p.pkl: pickle: memo key 4294967295 is not defined at offset 2");
}

TEST(Pickle, AllowedGlobalsReduceBuildPersId) {
  // OrderedDict() via STACK_GLOBAL + REDUCE, filled by SETITEMS, BUILD state ignored;
  // a persistent id; NEWOBJ on an allowed class.
  auto p = parse(cat(raw("\x80\x04\x8c\x0b\x63ollections\x8c\x0bOrderedDict\x93)R("), p_str("w"),
                     raw("\x8c\x07storageK\x01\x86Q"), p_str("d"), p_global("torch", "float16"),
                     raw("u}b.")));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(pickle_callable(*p, p->root), "collections.OrderedDict");
  ASSERT_TRUE(pickle_is_dict(*p, p->root));
  const PickleNode& od = root(*p);
  ASSERT_EQ(od.entries.size(), 2u);
  const PickleNode& pid = (*p)[od.entries[0].second];
  EXPECT_EQ(pid.kind, K::PersId);
  EXPECT_EQ((*p)[pid.items[0]].kind, K::Tuple);
  EXPECT_EQ((*p)[od.entries[1].second].kind, K::Global);
  EXPECT_EQ((*p)[od.entries[1].second].text, "torch.float16");
  auto n = parse(cat("\x80\x02", p_global("torch", "FloatStorage"), raw(")\x81.")));
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(pickle_callable(*n, n->root), "torch.FloatStorage");
}

TEST(Pickle, RefusesOtherGlobals) {
  const std::string msg =
      "p.pkl: this pickle references os.system; QuantScope does not execute "
      "pickled code";
  auto p = parse(cat("\x80\x02", p_global("os", "system"),
                     raw("X\x04\x00\x00\x00"
                         "echo\x85R.")));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, msg);
  p = parse(raw("\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x93\x8c\x04\x65\x63ho\x85R."));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, msg);
  p = parse(cat("\x80\x02", p_global("builtins", "eval"), "."));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message,
            "p.pkl: this pickle references builtins.eval; QuantScope does not execute pickled "
            "code");
  // A near miss of an allowed name is still refused.
  p = parse(cat("\x80\x02", p_global("torch._utils", "_rebuild_tensor_v3"), "."));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("torch._utils._rebuild_tensor_v3"), std::string::npos);
  // REDUCE needs a global callable; a string is not one.
  p = parse(raw("\x80\x02\x8c\x02os)R."));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message,
            "p.pkl: pickle: REDUCE/NEWOBJ on a value that is not a global at offset 7");
}

TEST(Pickle, DeepNestingIsAnError) {
  auto p = parse("\x80\x02" + std::string(100000, '(') + ".");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, "p.pkl: pickle: MARKs nested more than 1000 deep at offset 1002");
  p = parse("\x80\x02" + std::string(100000, ']') + std::string(99999, 'a') + ".");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("containers nested more than 1000 deep"), std::string::npos)
      << p.error().message;
  // A list appended to itself over and over (a cycle through the memo).
  std::string self = raw("\x80\x02]q\x00");
  for (int i = 0; i < 5000; ++i) self.append(raw("h\x00\x61"));
  p = parse(self + ".");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("containers nested more than 1000 deep"), std::string::npos);
}

TEST(Pickle, MalformedOpcodes) {
  const std::pair<std::string, std::string> cases[] = {
      {raw("\x80\x06."), "p.pkl: pickle: unsupported pickle protocol 6 at offset 0"},
      {raw("\x80\x02I1\n."), "p.pkl: pickle: unsupported opcode 0x49 at offset 2"},
      {raw("\x80\x02."), "p.pkl: pickle: stack underflow at offset 2"},
      {raw("\x80\x02t."), "p.pkl: pickle: no MARK on the stack at offset 2"},
      {raw("\x80\x02K\x01(\x85."), "p.pkl: pickle: stack underflow at offset 5"},
      {raw("\x80\x02K\x01K\x01\x61."),
       "p.pkl: pickle: APPEND(S) on a value that is not a list at offset 6"},
      {raw("\x80\x02]K\x01K\x02s."),
       "p.pkl: pickle: SETITEM(S) on a value that is not a dict at offset 7"},
      {raw("\x80\x02}(K\x01u."), "p.pkl: pickle: SETITEMS with an odd number of items at offset 6"},
      {raw("\x80\x02X\xff\xff\xff\x7f"),
       "p.pkl: pickle: truncated string or bytes (2147483647 bytes) at offset 2"},
      {raw("\x80\x02T\xff\xff\xff\xff"), "p.pkl: pickle: negative BINSTRING length at offset 2"},
      {raw("\x80\x02K\x01"), "p.pkl: pickle: truncated (no STOP opcode) at offset 4"},
      {raw("\x80\x02G\x00"), "p.pkl: pickle: truncated opcode 0x47 at offset 2"},
      {raw("\x80\x02\x63os"),
       "p.pkl: pickle: GLOBAL name is unterminated or longer than 256 bytes at offset 2"},
      {raw("\x80\x02K\x01K\x02\x93."), "p.pkl: pickle: STACK_GLOBAL on non-strings at offset 6"},
      {raw("\x80\x02]K\x01\x62."), "p.pkl: pickle: BUILD on a non-object at offset 5"},
  };
  for (const auto& [bytes, message] : cases) {
    auto p = parse(bytes);
    ASSERT_FALSE(p) << message;
    EXPECT_EQ(p.error().message, message);
  }
}

TEST(Pickle, TruncatedTorchPickleAtEveryOffset) {
  // data.pkl of a real torch.save checkpoint (tests/data/torch_views.pt).
  std::ifstream f(std::string(QS_TEST_DATA_DIR) + "/torch_views.pt", std::ios::binary);
  const std::vector<char> zip((std::istreambuf_iterator<char>(f)), {});
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(zip.data()),
                                         zip.size());
  auto entries = read_zip_directory(bytes, "v.pt");
  ASSERT_TRUE(entries) << entries.error().message;
  std::vector<std::byte> storage;
  auto pkl = zip_member_bytes(entries->at(0), storage, "v.pt", 1 << 20);
  ASSERT_TRUE(pkl) << pkl.error().message;
  ASSERT_EQ(entries->at(0).name, "torch_views/data.pkl");
  auto whole = parse_pickle(*pkl, "v.pkl");
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_TRUE(pickle_is_dict(*whole, whole->root));
  EXPECT_EQ((*whole)[whole->root].entries.size(), 7u);
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t n = 0; n < pkl->size(); ++n) {
    auto p = parse_pickle(pkl->first(n), "v.pkl");
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error().message.rfind("v.pkl: pickle: ", 0), 0u) << p.error().message;
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0);
}

}  // namespace
}  // namespace qs
