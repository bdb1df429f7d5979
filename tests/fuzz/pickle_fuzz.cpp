// Fuzz harness for the restricted unpickler: any input gives a Pickle or an Error naming
// the file, never a crash or a hang; every node index in an accepted pickle is valid and
// no global off the allow-list ever appears in it.
// Runs under tests/fuzz/fuzz_driver.cpp (ctest) or libFuzzer (see the driver's comment).
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/formats/pickle.h"
#include "tests/unit/pickle_builder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto p = qs::parse_pickle(bytes, "fuzz.pkl");
  if (!p) {
    if (p.error().message.rfind("fuzz.pkl: ", 0) != 0) __builtin_trap();
    return 0;
  }
  const size_t n = p->nodes.size();
  if (p->root >= n) __builtin_trap();
  for (const qs::PickleNode& node : p->nodes) {
    for (uint32_t i : node.items) {
      if (i >= n) __builtin_trap();
    }
    for (const auto& [k, v] : node.entries) {
      if (k >= n || v >= n) __builtin_trap();
    }
    if (node.kind == qs::PickleNode::Kind::Global && !qs::pickle_global_allowed(node.text)) {
      __builtin_trap();
    }
    if (node.kind == qs::PickleNode::Kind::Call &&
        (node.items.size() != 2 || p->nodes[node.items[0]].kind != qs::PickleNode::Kind::Global)) {
      __builtin_trap();
    }
  }
  return 0;
}

std::vector<std::vector<uint8_t>> FuzzSeeds() {
  using namespace qs::test;
  auto bytes = [](const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); };
  std::vector<std::vector<uint8_t>> seeds;
  seeds.push_back(bytes(p_dict({{"w", p_tensor("FloatStorage", "0", 6, 0, {2, 3}, {3, 1})},
                                {"b", p_tensor("BFloat16Storage", "1", 4, 1, {3}, {1})},
                                {"n", p_int(-70000)}})));
  // Protocol 4: FRAME, MEMOIZE, STACK_GLOBAL, OrderedDict + SETITEMS + BUILD, strings,
  // bytes, floats, memo gets, a list with APPENDS, NEWOBJ.
  seeds.push_back(
      bytes(cat(raw("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00"),
                raw("\x8c\x0b"
                    "collections\x94\x8c\x0bOrderedDict\x94\x93\x94)R\x94("),
                p_str("list"),
                raw("](K\x01K\x02G\x3f\xf0\x00\x00\x00\x00\x00\x00"
                    "e\x94"),
                p_str("bytes"), raw("C\x02\x00\x01"), p_str("again"), raw("h\x00"), p_str("tuple"),
                raw("\x88\x89N\x87"), p_str("dtype"), p_global("torch", "bfloat16"), p_str("obj"),
                p_global("torch", "FloatStorage"), raw(")\x81u}b."))));
  seeds.push_back(
      bytes(raw("\x80\x02}q\x00(X\x01\x00\x00\x00"
                "aq\x01]q\x02(\x8a\x02\x00\x80"
                "J\xff\xff\xff\xffM\xff\xff"
                "eX\x01\x00\x00\x00"
                "bh\x02u.")));
  return seeds;
}
