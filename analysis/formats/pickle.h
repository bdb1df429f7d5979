#pragma once
// A restricted unpickler for PyTorch checkpoints (data.pkl): it builds a value tree and
// never calls anything. Globals outside a short allow-list (OrderedDict, torch's tensor
// rebuild functions, storage classes and dtypes) are refused by name, so a pickle that
// would run code on np.load/torch.load is an error here, not an exploit.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/base/error.h"

namespace qs {

inline constexpr uint32_t kNoPickleNode = UINT32_MAX;
// MARK nesting and container depth (a list inside a list inside ...) at build time.
inline constexpr int kPickleMaxNesting = 1000;

// One value. Nodes live in Pickle::nodes and refer to each other by index, so shared
// values (the memo) are shared indices and a malicious self-reference cannot leak or
// recurse: readers walk the graph with a depth limit.
struct PickleNode {
  enum class Kind : uint8_t {
    None,
    Bool,
    Int,
    Float,
    Str,
    Bytes,
    List,
    Tuple,
    Dict,
    Global,  // text = "module.name" (always on the allow-list)
    Call,    // REDUCE / NEWOBJ: items = {callable Global, args Tuple}; never executed
    PersId,  // BINPERSID: items = {pid}
  };
  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;             // Str (UTF-8 as stored), Bytes, Global
  std::vector<uint32_t> items;  // List/Tuple elements; Call {callable, args}; PersId {pid}
  // Dict items in insertion order; also the SETITEMs applied to an OrderedDict() Call.
  std::vector<std::pair<uint32_t, uint32_t>> entries;
};

struct Pickle {
  std::vector<PickleNode> nodes;
  uint32_t root = kNoPickleNode;
  const PickleNode& operator[](uint32_t i) const { return nodes[i]; }
};

// True for "module.name" globals the unpickler accepts.
bool pickle_global_allowed(std::string_view qualified_name);

// Parses protocol 2-5 pickles (the opcodes a state dict uses). Errors name `path`, e.g.
// "path: this pickle references os.system; QuantScope does not execute pickled code".
Result<Pickle> parse_pickle(std::span<const std::byte> bytes, const std::string& path);

// "collections.OrderedDict" etc. for a Call node's callable ("" for other nodes).
std::string_view pickle_callable(const Pickle& p, uint32_t node);
// A Dict, or an OrderedDict() Call: both hold their items in `entries`.
bool pickle_is_dict(const Pickle& p, uint32_t node);

}  // namespace qs
