// PyTorch zip checkpoint reader (torch/serialization.py: _save / _load). Decisions:
// - the archive's top folder is whatever holds "data.pkl" ("archive" since torch 2.x,
//   the file stem before); "<prefix>/byteorder" ("little"/"big") sets swap_bytes.
// - persistent ids are ('storage', <torch.XStorage>, key, location, numel); the storage
//   class gives the dtype and "<prefix>/data/<key>" the bytes (numel × element size).
// - _rebuild_tensor_v2(storage, offset, size, stride, ...) becomes a TensorView: every
//   reachable element must lie inside the storage (offsets in elements, overflow-checked,
//   negative strides refused); C-contiguous strides leave TensorView::strides empty.
// - _rebuild_parameter(_with_state)(tensor, ...) is the tensor inside it.
// - the walk is bounded in depth and in total visits, so a pickle whose memo makes a
//   cycle or a value shared exponentially often is an error, not a hang.
#include "analysis/formats/pytorch.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "analysis/formats/pickle.h"
#include "analysis/formats/zip_archive.h"

namespace qs {
namespace {

using Kind = PickleNode::Kind;

constexpr unsigned char kLegacyPrefix[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c,
                                           0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr int kMaxWalkDepth = 32;
constexpr int64_t kMaxNumel = int64_t(1) << 48;
constexpr size_t kMaxDims = 64;
constexpr size_t kMaxSkippedListed = 1000;
constexpr uint64_t kMaxPickleBytes = uint64_t(1) << 30;

std::optional<DType> storage_dtype(std::string_view cls) {
  static constexpr std::pair<std::string_view, DType> kTypes[] = {
      {"torch.FloatStorage", DType::F32},  {"torch.DoubleStorage", DType::F64},
      {"torch.HalfStorage", DType::F16},   {"torch.BFloat16Storage", DType::BF16},
      {"torch.LongStorage", DType::I64},   {"torch.IntStorage", DType::I32},
      {"torch.ShortStorage", DType::I16},  {"torch.CharStorage", DType::I8},
      {"torch.ByteStorage", DType::U8},    {"torch.BoolStorage", DType::BOOL},
      {"torch.UntypedStorage", DType::U8}, {"torch.storage.UntypedStorage", DType::U8},
  };
  for (const auto& [name, t] : kTypes) {
    if (cls == name) return t;
  }
  return std::nullopt;
}

std::string short_name(const std::string& s) {
  return s.size() > 200 ? s.substr(0, 200) + "..." : s;
}

struct Storage {
  DType dtype = DType::U8;
  int64_t numel = 0;
  std::span<const std::byte> bytes;
};

class Reader {
 public:
  Reader(const Pickle& pk, const std::string& path, const std::string& prefix,
         const std::vector<ZipEntry>& entries, bool big_endian, Model& m)
      : pk_(pk), path_(path), prefix_(prefix), big_endian_(big_endian), m_(m) {
    for (const ZipEntry& e : entries) members_.emplace(e.name, &e);
    max_visits_ = std::max<size_t>(2 * pk.nodes.size(), size_t(1) << 16);
  }

  Result<void> walk_root() {
    const uint32_t root = pk_.root;
    if (tensor_callable(root)) {
      std::string stem = std::filesystem::path(path_).stem().string();
      return walk(root, stem.empty() ? "tensor" : stem, 0);
    }
    return walk(root, "", 0);
  }

  std::vector<std::string> skipped;
  size_t n_skipped = 0;

 private:
  const Pickle& pk_;
  const std::string& path_;
  const std::string& prefix_;
  bool big_endian_;
  Model& m_;
  std::unordered_map<std::string, const ZipEntry*> members_;
  std::unordered_map<std::string, Storage> storages_;
  std::unordered_set<std::string> names_;
  uint64_t budget_ = kPyTorchMaxInflatedBytes;
  size_t visits_ = 0, max_visits_ = 0;

  tl::unexpected<Error> fail(const std::string& name, const std::string& what) const {
    std::string s = path_;
    s.append(": tensor '").append(short_name(name)).append("': ").append(what);
    return make_error(s);
  }

  bool tensor_callable(uint32_t node) const {
    const std::string_view c = pickle_callable(pk_, node);
    return c == "torch._utils._rebuild_tensor_v2" || c == "torch._utils._rebuild_parameter" ||
           c == "torch._utils._rebuild_parameter_with_state";
  }

  void skip(const std::string& name) {
    ++n_skipped;
    if (skipped.size() < kMaxSkippedListed) skipped.push_back(short_name(name));
  }

  static std::string join(const std::string& prefix, const std::string& key) {
    if (prefix.empty()) return key;
    std::string s = prefix;
    s.append(".").append(key);
    return s;
  }

  Result<void> walk(uint32_t node, const std::string& name, int depth) {
    if (++visits_ > max_visits_) {
      return make_error(path_ +
                        ": the pickle refers to the same values over and over (more "
                        "visits than it has values); not a state dict");
    }
    if (depth > kMaxWalkDepth) {
      return fail(name, "nested more than " + std::to_string(kMaxWalkDepth) + " levels deep");
    }
    if (tensor_callable(node)) return add_tensor(node, name, 0);
    const PickleNode& n = pk_[node];
    if (pickle_is_dict(pk_, node)) {
      for (const auto& [k, v] : n.entries) {
        const PickleNode& key = pk_[k];
        std::string child;
        if (key.kind == Kind::Str) {
          child = join(name, key.text);
        } else if (key.kind == Kind::Int) {
          child = join(name, std::to_string(key.integer));
        } else {
          skip(join(name, "<non-string key>"));
          continue;
        }
        if (auto ok = walk(v, child, depth + 1); !ok) return ok;
      }
      return {};
    }
    if (n.kind == Kind::List || n.kind == Kind::Tuple) {
      bool any = false;
      for (size_t i = 0; i < n.items.size(); ++i) {
        if (auto ok = walk(n.items[i], join(name, std::to_string(i)), depth + 1); !ok) return ok;
        any = true;
      }
      if (!any) skip(name);
      return {};
    }
    skip(name.empty() ? std::string("<root>") : name);
    return {};
  }

  Result<const Storage*> storage(uint32_t persid, const std::string& name) {
    const PickleNode& p = pk_[persid];
    if (p.kind != Kind::PersId || p.items.empty())
      return fail(name, "storage is not a persistent id");
    const PickleNode& t = pk_[p.items[0]];
    if (t.kind != Kind::Tuple || t.items.size() < 5 || pk_[t.items[0]].kind != Kind::Str ||
        pk_[t.items[0]].text != "storage" || pk_[t.items[2]].kind != Kind::Str ||
        pk_[t.items[4]].kind != Kind::Int) {
      return fail(name, "persistent id is not ('storage', type, key, location, numel)");
    }
    const PickleNode& cls = pk_[t.items[1]];
    const std::optional<DType> dtype =
        cls.kind == Kind::Global ? storage_dtype(cls.text) : std::nullopt;
    if (!dtype) {
      return fail(name, "unsupported storage type " +
                            (cls.kind == Kind::Global ? cls.text : std::string("(not a class)")));
    }
    const std::string& key = pk_[t.items[2]].text;
    const int64_t numel = pk_[t.items[4]].integer;
    if (numel < 0 || numel > kMaxNumel) {
      return fail(name,
                  "storage '" + short_name(key) + "' has an invalid size " + std::to_string(numel));
    }
    if (auto it = storages_.find(key); it != storages_.end()) {
      if (it->second.dtype != *dtype) {
        return fail(name, "storage '" + short_name(key) + "' is used with two dtypes");
      }
      return &it->second;
    }
    std::string member = prefix_;
    member.append("/data/").append(key);
    auto e = members_.find(member);
    if (e == members_.end()) {
      return fail(name, "storage member '" + short_name(member) + "' is missing");
    }
    std::vector<std::byte> buf;
    auto data = zip_member_bytes(*e->second, buf, path_, budget_);
    if (!data) return tl::unexpected(data.error());
    const uint64_t need = uint64_t(numel) * dtype_size(*dtype);
    if (data->size() < need) {
      return fail(name, "storage member '" + short_name(member) + "' has " +
                            std::to_string(data->size()) + " bytes, " + std::to_string(numel) +
                            " " + std::string(dtype_name(*dtype)) + " elements need " +
                            std::to_string(need));
    }
    Storage s;
    s.dtype = *dtype;
    s.numel = numel;
    s.bytes = data->first(size_t(need));
    if (e->second->method != 0) {
      budget_ -= e->second->uncompressed_size;
      auto owned = std::make_shared<const std::vector<std::byte>>(std::move(buf));
      s.bytes = std::span<const std::byte>(owned->data(), size_t(need));
      m_.buffers.push_back(std::move(owned));
    }
    return &storages_.emplace(key, s).first->second;
  }

  Result<std::vector<int64_t>> int_tuple(uint32_t node, const std::string& name, const char* what) {
    const PickleNode& t = pk_[node];
    if ((t.kind != Kind::Tuple && t.kind != Kind::List) || t.items.size() > kMaxDims) {
      return fail(name, std::string(what) + " is not a tuple of at most 64 integers");
    }
    std::vector<int64_t> v;
    for (uint32_t i : t.items) {
      if (pk_[i].kind != Kind::Int) return fail(name, std::string(what) + " holds a non-integer");
      v.push_back(pk_[i].integer);
    }
    return v;
  }

  Result<void> add_tensor(uint32_t node, const std::string& name, int depth) {
    const std::string_view fn = pickle_callable(pk_, node);
    const PickleNode& args = pk_[pk_[node].items[1]];
    if (fn != "torch._utils._rebuild_tensor_v2") {  // a Parameter: the tensor is args[0]
      if (args.items.empty() || !tensor_callable(args.items[0]) || depth > 2) {
        return fail(name, std::string(fn) + " does not wrap a tensor");
      }
      return add_tensor(args.items[0], name, depth + 1);
    }
    if (args.items.size() < 4) return fail(name, "_rebuild_tensor_v2 needs at least 4 arguments");
    auto st = storage(args.items[0], name);
    if (!st) return tl::unexpected(st.error());
    const Storage& s = **st;
    const PickleNode& off = pk_[args.items[1]];
    if (off.kind != Kind::Int || off.integer < 0 || off.integer > kMaxNumel) {
      return fail(name, "storage offset is not a non-negative integer");
    }
    auto size = int_tuple(args.items[2], name, "size");
    if (!size) return tl::unexpected(size.error());
    auto stride = int_tuple(args.items[3], name, "stride");
    if (!stride) return tl::unexpected(stride.error());
    if (size->size() != stride->size()) {
      return fail(name, "size has " + std::to_string(size->size()) + " dimensions but stride has " +
                            std::to_string(stride->size()));
    }
    int64_t numel = 1, bound = 1;
    for (size_t d = 0; d < size->size(); ++d) {
      const int64_t n = (*size)[d];
      if (n < 0) return fail(name, "size[" + std::to_string(d) + "] is negative");
      if ((*stride)[d] < 0) {
        return fail(name, "negative stride " + std::to_string((*stride)[d]) + " is not supported");
      }
      // Bound the non-zero dimensions too, so an empty tensor's other dimensions cannot
      // multiply past 2^48 in later partial products (see safetensors.cpp).
      const int64_t m = n ? n : 1;
      if (n > kMaxNumel || bound > kMaxNumel / m) {
        return fail(name, "has more than 2^48 elements");
      }
      bound *= m;
      numel *= n;
    }
    TensorView t;
    t.name = name;
    t.dtype = s.dtype;
    t.shape = *size;
    t.swap_bytes = big_endian_ && dtype_size(s.dtype) > 1;
    const size_t es = dtype_size(s.dtype);
    if (numel == 0) {
      t.bytes = s.bytes.first(0);
    } else {
      // Highest element index reached, relative to the offset; each term is checked
      // against the storage size, so the sum (at most 64 terms of 2^48) cannot overflow.
      int64_t last = 0;
      const std::string range =
          "elements run past the end of its storage (" + std::to_string(s.numel) + " elements)";
      for (size_t d = 0; d < size->size(); ++d) {
        const int64_t steps = (*size)[d] - 1, str = (*stride)[d];
        if (steps > 0 && str > s.numel / steps) return fail(name, range);
        last += steps * str;
      }
      if (last >= s.numel || off.integer > s.numel - 1 - last) return fail(name, range);
      bool contiguous = true;
      int64_t expect = 1;
      for (size_t d = size->size(); d-- > 0;) {
        if ((*size)[d] != 1 && (*stride)[d] != expect) contiguous = false;
        expect *= (*size)[d];
      }
      const size_t begin = size_t(off.integer) * es;
      if (contiguous) {
        t.bytes = s.bytes.subspan(begin, size_t(numel) * es);
      } else {
        t.strides = *stride;
        t.bytes = s.bytes.subspan(begin, size_t(last + 1) * es);
      }
    }
    if (!names_.insert(name).second) return fail(name, "two tensors have this name");
    m_.tensors.push_back(std::move(t));
    return {};
  }
};

}  // namespace

bool looks_like_legacy_pytorch(std::span<const std::byte> bytes) {
  return bytes.size() >= sizeof kLegacyPrefix &&
         std::memcmp(bytes.data(), kLegacyPrefix, sizeof kLegacyPrefix) == 0;
}

Result<Model> parse_pytorch_bytes(std::span<const std::byte> bytes, const std::string& path) {
  if (!looks_like_zip(bytes)) {
    if (looks_like_legacy_pytorch(bytes)) {
      return make_error(path +
                        ": legacy (pre-1.6, non-zip) PyTorch format is not supported; re-save "
                        "it with torch.save(..., _use_new_zipfile_serialization=True)");
    }
    return make_error(path + ": not a PyTorch checkpoint (not a zip archive)");
  }
  auto entries = read_zip_directory(bytes, path);
  if (!entries) return tl::unexpected(entries.error());
  const ZipEntry* pkl = nullptr;
  std::string prefix;
  for (const ZipEntry& e : *entries) {
    const std::string_view n = e.name;
    constexpr std::string_view kTail = "/data.pkl";
    if (n.size() > kTail.size() && n.substr(n.size() - kTail.size()) == kTail &&
        n.substr(0, n.size() - kTail.size()).find('/') == std::string_view::npos) {
      pkl = &e;
      prefix = std::string(n.substr(0, n.size() - kTail.size()));
      break;
    }
  }
  if (pkl == nullptr) {
    return make_error(path + ": not a PyTorch checkpoint (no <folder>/data.pkl member)");
  }
  Model m;
  m.path = path;
  m.format = "pytorch";
  bool big_endian = false;
  std::string byteorder = "little";
  for (const ZipEntry& e : *entries) {
    if (e.name != prefix + "/byteorder") continue;
    std::vector<std::byte> buf;
    auto b = zip_member_bytes(e, buf, path, 64);
    if (!b) return tl::unexpected(b.error());
    byteorder.assign(reinterpret_cast<const char*>(b->data()), b->size());
    if (byteorder != "little" && byteorder != "big") {
      return make_error(path + ": byteorder member says '" + short_name(byteorder) +
                        "', not 'little' or 'big'");
    }
    big_endian = byteorder == "big";
  }
  std::vector<std::byte> pkl_storage;
  auto pkl_bytes = zip_member_bytes(*pkl, pkl_storage, path, kMaxPickleBytes);
  if (!pkl_bytes) return tl::unexpected(pkl_bytes.error());
  auto pk = parse_pickle(*pkl_bytes, path);
  if (!pk) return tl::unexpected(pk.error());
  Reader r(*pk, path, prefix, *entries, big_endian, m);
  if (auto ok = r.walk_root(); !ok) return tl::unexpected(ok.error());
  m.metadata["archive_folder"] = prefix;
  m.metadata["byteorder"] = byteorder;
  if (r.n_skipped > 0) {
    m.metadata["skipped"] = r.skipped;
    if (r.n_skipped > r.skipped.size()) {
      m.metadata["skipped_total"] = std::to_string(r.n_skipped);
    }
  }
  return m;
}

Result<Model> parse_pytorch(std::shared_ptr<const MappedFile> file, const std::string& path) {
  auto m = parse_pytorch_bytes(file->bytes(), path);
  if (m) m->files.push_back(std::move(file));
  return m;
}

}  // namespace qs
