// Restricted unpickler (CPython Lib/pickletools.py documents every opcode). Decisions:
// - only the opcodes a torch.save state dict needs (protocol 2, plus the protocol 4/5
//   framing and memo forms); anything else is an error naming the opcode and offset.
// - GLOBAL / STACK_GLOBAL resolve nothing: the name is checked against an allow-list and
//   becomes a Global node; REDUCE / NEWOBJ just record {callable, args}.
// - nodes refer to each other by index, so the memo can share values without ownership
//   cycles; containers track their depth as items are added and refuse more than
//   kPickleMaxNesting, and MARK nesting has the same limit.
// - every opcode creates at most one node and pushes at most one stack entry, so memory
//   is bounded by the input size.
#include "analysis/formats/pickle.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <unordered_map>

namespace qs {
namespace {

constexpr std::string_view kAllowedGlobals[] = {
    "collections.OrderedDict",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch.FloatStorage",
    "torch.DoubleStorage",
    "torch.HalfStorage",
    "torch.BFloat16Storage",
    "torch.LongStorage",
    "torch.IntStorage",
    "torch.ShortStorage",
    "torch.CharStorage",
    "torch.ByteStorage",
    "torch.BoolStorage",
    "torch.UntypedStorage",
    "torch.storage.UntypedStorage",
    "torch.float32",
    "torch.float16",
    "torch.bfloat16",
    "torch.float64",
    "torch.int8",
    "torch.int16",
    "torch.int32",
    "torch.int64",
    "torch.uint8",
    "torch.bool",
};

std::string hex2(int v) {
  static const char* d = "0123456789abcdef";
  std::string s = "0x";
  s += d[(v >> 4) & 15];
  s += d[v & 15];
  return s;
}

class Unpickler {
 public:
  Unpickler(std::span<const std::byte> b, const std::string& path) : b_(b), path_(path) {}

  Result<Pickle> run() {
    while (true) {
      if (pos_ >= b_.size()) return fail_at(pos_, "truncated (no STOP opcode)");
      op_pos_ = pos_;
      const uint8_t op = uint8_t(b_[pos_++]);
      auto ok = step(op);
      if (!ok) return tl::unexpected(ok.error());
      if (stopped_) break;
    }
    return std::move(out_);
  }

 private:
  std::span<const std::byte> b_;
  const std::string& path_;
  size_t pos_ = 0, op_pos_ = 0;
  bool stopped_ = false;
  Pickle out_;
  std::vector<uint16_t> depth_;  // per node: container nesting below it (0 for scalars)
  std::vector<uint32_t> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, uint32_t> memo_;

  tl::unexpected<Error> fail_at(size_t at, const std::string& what) const {
    std::string m = path_;
    m.append(": pickle: ").append(what).append(" at offset ").append(std::to_string(at));
    return make_error(m);
  }
  tl::unexpected<Error> fail(const std::string& what) const { return fail_at(op_pos_, what); }

  bool have(uint64_t n) const { return n <= b_.size() - pos_; }
  uint64_t read_le(int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | uint64_t(b_[pos_ + size_t(i)]);
    pos_ += size_t(n);
    return v;
  }

  uint32_t add(PickleNode n) {
    out_.nodes.push_back(std::move(n));
    depth_.push_back(0);
    return uint32_t(out_.nodes.size() - 1);
  }
  uint32_t add_kind(PickleNode::Kind k) {
    PickleNode n;
    n.kind = k;
    return add(std::move(n));
  }
  Result<uint32_t> pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) {
      return fail("stack underflow");
    }
    const uint32_t v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Result<std::vector<uint32_t>> pop_mark() {
    if (marks_.empty()) return fail("no MARK on the stack");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<uint32_t> items(stack_.begin() + long(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  // Records that `child` now sits inside `parent`.
  Result<void> nest(uint32_t parent, uint32_t child) {
    const int d = std::max<int>(depth_[parent], depth_[child] + 1);
    if (d > kPickleMaxNesting) {
      return fail("containers nested more than " + std::to_string(kPickleMaxNesting) + " deep");
    }
    depth_[parent] = uint16_t(d);
    return {};
  }
  Result<void> push(uint32_t v) {
    stack_.push_back(v);
    return {};
  }
  Result<void> push_text(PickleNode::Kind k, uint64_t len) {
    if (!have(len)) return fail("truncated string or bytes (" + std::to_string(len) + " bytes)");
    PickleNode n;
    n.kind = k;
    n.text.assign(reinterpret_cast<const char*>(b_.data() + pos_), size_t(len));
    pos_ += size_t(len);
    return push(add(std::move(n)));
  }
  Result<void> push_int(int64_t v) {
    PickleNode n;
    n.kind = PickleNode::Kind::Int;
    n.integer = v;
    return push(add(std::move(n)));
  }
  Result<void> push_global(const std::string& module, const std::string& name) {
    std::string q = module;
    q.append(".").append(name);
    if (!pickle_global_allowed(q)) {
      if (q.size() > 200) q = q.substr(0, 200) + "...";
      std::string m = path_;
      m.append(": this pickle references ")
          .append(q)
          .append("; QuantScope does not execute pickled code");
      return make_error(m);
    }
    PickleNode n;
    n.kind = PickleNode::Kind::Global;
    n.text = std::move(q);
    return push(add(std::move(n)));
  }
  Result<std::string> read_line() {
    const size_t limit = std::min(b_.size(), pos_ + 256);
    for (size_t i = pos_; i < limit; ++i) {
      if (b_[i] == std::byte{'\n'}) {
        std::string s(reinterpret_cast<const char*>(b_.data() + pos_), i - pos_);
        pos_ = i + 1;
        return s;
      }
    }
    return fail("GLOBAL name is unterminated or longer than 256 bytes");
  }
  Result<void> setitems(uint32_t target, const std::vector<uint32_t>& kv) {
    if (!pickle_is_dict(out_, target)) return fail("SETITEM(S) on a value that is not a dict");
    if (kv.size() % 2 != 0) return fail("SETITEMS with an odd number of items");
    for (size_t i = 0; i < kv.size(); i += 2) {
      if (auto ok = nest(target, kv[i]); !ok) return ok;
      if (auto ok = nest(target, kv[i + 1]); !ok) return ok;
      out_.nodes[target].entries.emplace_back(kv[i], kv[i + 1]);
    }
    return {};
  }
  Result<void> appends(uint32_t target, const std::vector<uint32_t>& vs) {
    if (out_.nodes[target].kind != PickleNode::Kind::List) {
      return fail("APPEND(S) on a value that is not a list");
    }
    for (uint32_t v : vs) {
      if (auto ok = nest(target, v); !ok) return ok;
      out_.nodes[target].items.push_back(v);
    }
    return {};
  }
  Result<void> make_tuple(std::vector<uint32_t> items) {
    const uint32_t t = add_kind(PickleNode::Kind::Tuple);
    for (uint32_t v : items) {
      if (auto ok = nest(t, v); !ok) return ok;
    }
    out_.nodes[t].items = std::move(items);
    return push(t);
  }
  Result<void> make_call(uint32_t callable, uint32_t args) {
    if (out_.nodes[callable].kind != PickleNode::Kind::Global) {
      return fail("REDUCE/NEWOBJ on a value that is not a global");
    }
    if (out_.nodes[args].kind != PickleNode::Kind::Tuple) {
      return fail("REDUCE/NEWOBJ arguments are not a tuple");
    }
    const uint32_t c = add_kind(PickleNode::Kind::Call);
    if (auto ok = nest(c, args); !ok) return ok;
    out_.nodes[c].items = {callable, args};
    return push(c);
  }
  Result<void> memo_put(uint64_t key) {
    if (stack_.empty()) return fail("memo store with an empty stack");
    memo_[uint32_t(key)] = stack_.back();
    return {};
  }
  Result<void> memo_get(uint64_t key) {
    auto it = memo_.find(uint32_t(key));
    if (it == memo_.end()) return fail("memo key " + std::to_string(key) + " is not defined");
    return push(it->second);
  }

  Result<void> step(uint8_t op) {
    using K = PickleNode::Kind;
    auto need = [&](uint64_t n) -> Result<void> {
      if (!have(n)) return fail("truncated opcode " + hex2(op));
      return {};
    };
    switch (op) {
      case 0x80: {  // PROTO
        if (auto ok = need(1); !ok) return ok;
        const uint64_t v = read_le(1);
        if (v < 2 || v > 5) return fail("unsupported pickle protocol " + std::to_string(v));
        return {};
      }
      case 0x95:  // FRAME: a length hint, the opcodes follow inline
        if (auto ok = need(8); !ok) return ok;
        read_le(8);
        return {};
      case '}':
        return push(add_kind(K::Dict));
      case ']':
        return push(add_kind(K::List));
      case ')':
        return push(add_kind(K::Tuple));
      case 'N':
        return push(add_kind(K::None));
      case 0x88:
      case 0x89: {  // NEWTRUE, NEWFALSE
        PickleNode n;
        n.kind = K::Bool;
        n.boolean = op == 0x88;
        return push(add(std::move(n)));
      }
      case '(':  // MARK
        if (marks_.size() >= size_t(kPickleMaxNesting)) {
          return fail("MARKs nested more than " + std::to_string(kPickleMaxNesting) + " deep");
        }
        marks_.push_back(stack_.size());
        return {};
      case 't': {  // TUPLE
        auto items = pop_mark();
        if (!items) return tl::unexpected(items.error());
        return make_tuple(std::move(*items));
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        const size_t n = size_t(op - 0x84);
        std::vector<uint32_t> items(n);
        for (size_t i = n; i-- > 0;) {
          auto v = pop();
          if (!v) return tl::unexpected(v.error());
          items[i] = *v;
        }
        return make_tuple(std::move(items));
      }
      case 's': {  // SETITEM
        auto v = pop();
        if (!v) return tl::unexpected(v.error());
        auto k = pop();
        if (!k) return tl::unexpected(k.error());
        if (stack_.empty()) return fail("stack underflow");
        return setitems(stack_.back(), {*k, *v});
      }
      case 'u': {  // SETITEMS
        auto items = pop_mark();
        if (!items) return tl::unexpected(items.error());
        if (stack_.empty()) return fail("stack underflow");
        return setitems(stack_.back(), *items);
      }
      case 'a': {  // APPEND
        auto v = pop();
        if (!v) return tl::unexpected(v.error());
        if (stack_.empty()) return fail("stack underflow");
        return appends(stack_.back(), {*v});
      }
      case 'e': {  // APPENDS
        auto items = pop_mark();
        if (!items) return tl::unexpected(items.error());
        if (stack_.empty()) return fail("stack underflow");
        return appends(stack_.back(), *items);
      }
      case '0': {  // POP
        auto v = pop();
        if (!v) return tl::unexpected(v.error());
        return {};
      }
      case '1': {  // POP_MARK
        auto items = pop_mark();
        if (!items) return tl::unexpected(items.error());
        return {};
      }
      case '2':  // DUP
        if (stack_.empty()) return fail("stack underflow");
        return push(stack_.back());
      case 'q':  // BINPUT
        if (auto ok = need(1); !ok) return ok;
        return memo_put(read_le(1));
      case 'r':  // LONG_BINPUT
        if (auto ok = need(4); !ok) return ok;
        return memo_put(read_le(4));
      case 0x94:  // MEMOIZE
        return memo_put(memo_.size());
      case 'h':  // BINGET
        if (auto ok = need(1); !ok) return ok;
        return memo_get(read_le(1));
      case 'j':  // LONG_BINGET
        if (auto ok = need(4); !ok) return ok;
        return memo_get(read_le(4));
      case 'J':  // BININT
        if (auto ok = need(4); !ok) return ok;
        return push_int(int64_t(int32_t(uint32_t(read_le(4)))));
      case 'K':
        if (auto ok = need(1); !ok) return ok;
        return push_int(int64_t(read_le(1)));
      case 'M':
        if (auto ok = need(2); !ok) return ok;
        return push_int(int64_t(read_le(2)));
      case 0x8a: {  // LONG1: n bytes, little-endian two's complement
        if (auto ok = need(1); !ok) return ok;
        const uint64_t n = read_le(1);
        if (auto ok = need(n); !ok) return ok;
        if (n > 8) return fail("integer wider than 64 bits");
        if (n == 0) return push_int(0);
        uint64_t v = read_le(int(n));
        if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t(0) << (8 * n);  // sign-extend
        return push_int(int64_t(v));
      }
      case 'G': {  // BINFLOAT: big-endian double
        if (auto ok = need(8); !ok) return ok;
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | uint64_t(b_[pos_ + size_t(i)]);
        pos_ += 8;
        PickleNode n;
        n.kind = K::Float;
        n.real = std::bit_cast<double>(v);
        return push(add(std::move(n)));
      }
      case 0x8c:  // SHORT_BINUNICODE
        if (auto ok = need(1); !ok) return ok;
        return push_text(K::Str, read_le(1));
      case 'X':  // BINUNICODE
        if (auto ok = need(4); !ok) return ok;
        return push_text(K::Str, read_le(4));
      case 0x8d:  // BINUNICODE8
        if (auto ok = need(8); !ok) return ok;
        return push_text(K::Str, read_le(8));
      case 'U':  // SHORT_BINSTRING
        if (auto ok = need(1); !ok) return ok;
        return push_text(K::Str, read_le(1));
      case 'T': {  // BINSTRING: signed length
        if (auto ok = need(4); !ok) return ok;
        const int32_t n = int32_t(uint32_t(read_le(4)));
        if (n < 0) return fail("negative BINSTRING length");
        return push_text(K::Str, uint64_t(n));
      }
      case 'C':  // SHORT_BINBYTES
        if (auto ok = need(1); !ok) return ok;
        return push_text(K::Bytes, read_le(1));
      case 'B':  // BINBYTES
        if (auto ok = need(4); !ok) return ok;
        return push_text(K::Bytes, read_le(4));
      case 0x8e:  // BINBYTES8
        if (auto ok = need(8); !ok) return ok;
        return push_text(K::Bytes, read_le(8));
      case 'c': {  // GLOBAL "module\nname\n"
        auto module = read_line();
        if (!module) return tl::unexpected(module.error());
        auto name = read_line();
        if (!name) return tl::unexpected(name.error());
        return push_global(*module, *name);
      }
      case 0x93: {  // STACK_GLOBAL
        auto name = pop();
        if (!name) return tl::unexpected(name.error());
        auto module = pop();
        if (!module) return tl::unexpected(module.error());
        const PickleNode& m = out_.nodes[*module];
        const PickleNode& n = out_.nodes[*name];
        if (m.kind != K::Str || n.kind != K::Str) return fail("STACK_GLOBAL on non-strings");
        return push_global(m.text, n.text);
      }
      case 'R':     // REDUCE: callable args
      case 0x81: {  // NEWOBJ: cls args
        auto args = pop();
        if (!args) return tl::unexpected(args.error());
        auto callable = pop();
        if (!callable) return tl::unexpected(callable.error());
        return make_call(*callable, *args);
      }
      case 'Q': {  // BINPERSID
        auto pid = pop();
        if (!pid) return tl::unexpected(pid.error());
        const uint32_t p = add_kind(K::PersId);
        if (auto ok = nest(p, *pid); !ok) return ok;
        out_.nodes[p].items = {*pid};
        return push(p);
      }
      case 'b': {  // BUILD: object state is ignored (OrderedDict's _metadata, hooks)
        auto state = pop();
        if (!state) return tl::unexpected(state.error());
        if (stack_.empty()) return fail("stack underflow");
        if (out_.nodes[stack_.back()].kind != K::Call) return fail("BUILD on a non-object");
        return {};
      }
      case '.': {  // STOP
        auto v = pop();
        if (!v) return tl::unexpected(v.error());
        out_.root = *v;
        stopped_ = true;
        return {};
      }
      default:
        return fail("unsupported opcode " + hex2(op));
    }
  }
};

}  // namespace

bool pickle_global_allowed(std::string_view q) {
  return std::find(std::begin(kAllowedGlobals), std::end(kAllowedGlobals), q) !=
         std::end(kAllowedGlobals);
}

std::string_view pickle_callable(const Pickle& p, uint32_t node) {
  if (node >= p.nodes.size()) return {};
  const PickleNode& n = p.nodes[node];
  if (n.kind != PickleNode::Kind::Call || n.items.empty()) return {};
  return p.nodes[n.items[0]].text;
}

bool pickle_is_dict(const Pickle& p, uint32_t node) {
  if (node >= p.nodes.size()) return false;
  return p.nodes[node].kind == PickleNode::Kind::Dict ||
         pickle_callable(p, node) == "collections.OrderedDict";
}

Result<Pickle> parse_pickle(std::span<const std::byte> bytes, const std::string& path) {
  return Unpickler(bytes, path).run();
}

}  // namespace qs
