// GGUF reader (ggml's docs/gguf.md): every count, length and offset is checked against
// the bytes that exist before it is used, so a hostile header can neither make us
// allocate nor read past the mapping. All integers are little-endian.
//
//   u32 magic "GGUF" | u32 version | u64 tensor_count | u64 kv_count
//   kv_count × { string key | u32 value_type | value }
//   tensor_count × { string name | u32 n_dims | u64 ne[n_dims] | u32 type | u64 offset }
//   padding to `general.alignment` (default 32) | tensor data (offsets are relative here)
//   string = u64 length + bytes (no terminator); ne[0] is the fastest-varying dimension.
#include "analysis/formats/gguf.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_set>

namespace qs {
namespace {

constexpr uint64_t kMaxNumel = uint64_t(1) << 48;  // as the other readers
constexpr uint32_t kMaxDims = 4;                   // GGML_MAX_DIMS
constexpr int kMaxArrayDepth = 4;                  // arrays of arrays (never deeper in practice)
constexpr size_t kArrayShown = 64;                 // longer arrays are summarized in metadata
constexpr size_t kArrayHead = 8;                   // ... showing their first elements
constexpr uint64_t kDefaultAlignment = 32;         // GGUF_DEFAULT_ALIGNMENT

enum ValueType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
constexpr std::array<const char*, 13> kValueTypeNames = {
    "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
    "bool", "string", "array", "uint64", "int64", "float64"};

size_t fixed_size(uint32_t vt) {
  switch (vt) {
    case kU8: case kI8: case kBool: return 1;
    case kU16: case kI16: return 2;
    case kU32: case kI32: case kF32: return 4;
    case kU64: case kI64: case kF64: return 8;
    default: return 0;  // string, array: variable
  }
}

// ggml_type ids (ggml.h). Ids 4, 5 and 31..33, 36..38 were assigned once and removed.
struct GgmlType {
  uint32_t id;
  const char* name;
  std::optional<DType> dtype;  // nullopt: a real type QuantScope does not decode
};
const GgmlType kGgmlTypes[] = {
    {0, "F32", DType::F32},   {1, "F16", DType::F16},   {2, "Q4_0", DType::Q4_0},
    {3, "Q4_1", DType::Q4_1}, {6, "Q5_0", DType::Q5_0}, {7, "Q5_1", DType::Q5_1},
    {8, "Q8_0", DType::Q8_0}, {9, "Q8_1", std::nullopt}, {10, "Q2_K", DType::Q2_K},
    {11, "Q3_K", DType::Q3_K}, {12, "Q4_K", DType::Q4_K}, {13, "Q5_K", DType::Q5_K},
    {14, "Q6_K", DType::Q6_K}, {15, "Q8_K", std::nullopt}, {16, "IQ2_XXS", std::nullopt},
    {17, "IQ2_XS", std::nullopt}, {18, "IQ3_XXS", std::nullopt}, {19, "IQ1_S", std::nullopt},
    {20, "IQ4_NL", std::nullopt}, {21, "IQ3_S", std::nullopt}, {22, "IQ2_S", std::nullopt},
    {23, "IQ4_XS", std::nullopt}, {24, "I8", DType::I8},  {25, "I16", DType::I16},
    {26, "I32", DType::I32},  {27, "I64", DType::I64},  {28, "F64", DType::F64},
    {29, "IQ1_M", std::nullopt}, {30, "BF16", DType::BF16}, {34, "TQ1_0", std::nullopt},
    {35, "TQ2_0", std::nullopt}, {39, "MXFP4", std::nullopt},
};

const GgmlType* find_ggml_type(uint32_t id) {
  for (const GgmlType& t : kGgmlTypes) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

// A bounds-checked little-endian reader. Every failure says what was being read and at
// which byte, so a damaged file's error points at the damage.
class Cursor {
 public:
  explicit Cursor(std::span<const std::byte> b) : b_(b) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return b_.size() - pos_; }

  Result<uint64_t> uint(size_t n, const std::string& what) {
    if (remaining() < n) return truncated(what);
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = (v << 8) | uint64_t(b_[pos_ + i]);
    pos_ += n;
    return v;
  }
  Result<uint32_t> u32(const std::string& what) {
    auto v = uint(4, what);
    if (!v) return tl::unexpected(v.error());
    return uint32_t(*v);
  }
  Result<uint64_t> u64(const std::string& what) { return uint(8, what); }

  Result<std::string_view> string(const std::string& what) {
    auto n = u64(what + " length");
    if (!n) return tl::unexpected(n.error());
    if (*n > remaining()) {
      return make_error(what + ": length " + std::to_string(*n) + " runs past the end of the file (" +
                        std::to_string(remaining()) + " bytes left at byte " + std::to_string(pos_) + ")");
    }
    const std::string_view s(reinterpret_cast<const char*>(b_.data() + pos_), size_t(*n));
    pos_ += size_t(*n);
    return s;
  }

  Result<void> skip(uint64_t n, const std::string& what) {
    if (n > remaining()) return truncated(what);
    pos_ += size_t(n);
    return {};
  }

 private:
  tl::unexpected<Error> truncated(const std::string& what) const {
    return make_error("the file ends inside " + what + " (at byte " + std::to_string(pos_) + " of " +
                      std::to_string(b_.size()) + ")");
  }
  std::span<const std::byte> b_;
  size_t pos_ = 0;
};

template <class T>
T bit_cast_from(uint64_t v) {
  T out;
  if constexpr (sizeof(T) == 4) {
    const uint32_t u = uint32_t(v);
    std::memcpy(&out, &u, 4);
  } else {
    std::memcpy(&out, &v, 8);
  }
  return out;
}

// One scalar (non-string, non-array) value as JSON.
nlohmann::json scalar_json(uint32_t vt, uint64_t raw) {
  switch (vt) {
    case kU8: case kU16: case kU32: case kU64: return raw;
    case kI8: return int64_t(int8_t(raw));
    case kI16: return int64_t(int16_t(raw));
    case kI32: return int64_t(int32_t(raw));
    case kI64: return int64_t(raw);
    case kF32: return double(bit_cast_from<float>(raw));
    case kF64: return bit_cast_from<double>(raw);
    case kBool: return raw != 0;
    default: return nullptr;
  }
}

// Reads one value of type vt. Arrays longer than kArrayShown are summarized (their
// elements are still read, so the cursor lands after them, but not all kept).
Result<nlohmann::json> read_value(Cursor& c, uint32_t vt, const std::string& what, int depth) {
  if (vt >= kValueTypeNames.size()) {
    return make_error(what + ": unknown value type " + std::to_string(vt));
  }
  if (vt == kString) {
    auto s = c.string(what);
    if (!s) return tl::unexpected(s.error());
    return nlohmann::json(std::string(*s));
  }
  if (vt != kArray) {
    if (vt == kBool) {
      auto v = c.uint(1, what);
      if (!v) return tl::unexpected(v.error());
      if (*v > 1) return make_error(what + ": bool value " + std::to_string(*v) + " is not 0 or 1");
      return nlohmann::json(*v != 0);
    }
    auto v = c.uint(fixed_size(vt), what);
    if (!v) return tl::unexpected(v.error());
    return scalar_json(vt, *v);
  }
  if (depth >= kMaxArrayDepth) return make_error(what + ": arrays nested more than 4 deep");
  auto et = c.u32(what + " element type");
  if (!et) return tl::unexpected(et.error());
  if (*et >= kValueTypeNames.size()) {
    return make_error(what + ": unknown array element type " + std::to_string(*et));
  }
  auto n = c.u64(what + " element count");
  if (!n) return tl::unexpected(n.error());
  // Every element takes at least its fixed size, a string at least its 8-byte length,
  // a nested array its 12-byte header: a count that cannot fit is refused up front.
  const uint64_t min_elem = *et == kString ? 8 : *et == kArray ? 12 : fixed_size(*et);
  if (*n > c.remaining() / min_elem) {
    return make_error(what + ": " + std::to_string(*n) + " " + kValueTypeNames[*et] +
                      " elements cannot fit in the " + std::to_string(c.remaining()) +
                      " bytes left at byte " + std::to_string(c.pos()));
  }
  nlohmann::json items = nlohmann::json::array();
  const size_t keep = *n <= kArrayShown ? size_t(*n) : kArrayHead;
  for (uint64_t i = 0; i < *n; ++i) {
    auto v = read_value(c, *et, what + "[" + std::to_string(i) + "]", depth + 1);
    if (!v) return v;
    if (i < keep) items.push_back(std::move(*v));
  }
  if (*n <= kArrayShown) return items;
  nlohmann::json summary = nlohmann::json::object();
  summary["array_of"] = kValueTypeNames[*et];
  summary["count"] = *n;
  summary["first"] = std::move(items);
  return summary;
}

struct Placed {
  size_t tensor;  // index into Model::tensors
  uint64_t begin, end;
};

}  // namespace

std::string_view ggml_type_name(uint32_t id) {
  const GgmlType* t = find_ggml_type(id);
  return t ? std::string_view(t->name) : std::string_view();
}

bool looks_like_gguf(std::span<const std::byte> b) {
  return b.size() >= 4 && std::memcmp(b.data(), "GGUF", 4) == 0;
}

Result<Model> parse_gguf_bytes(std::span<const std::byte> bytes, const std::string& path) {
  auto fail = [&](const std::string& msg) { return make_error(path + ": " + msg); };
  auto pass = [&](const Error& e) { return make_error(path + ": " + e.message); };
  if (bytes.empty()) return fail("the file is empty");
  if (!looks_like_gguf(bytes)) return fail("not a GGUF file (no \"GGUF\" magic)");
  Cursor c(bytes);
  (void)c.u32("the magic");
  auto version = c.u32("the version");
  if (!version) return pass(version.error());
  if (*version == 0x02000000u || *version == 0x03000000u) {
    return fail("big-endian GGUF is not supported (only little-endian files)");
  }
  if (*version != 2 && *version != 3) {
    return fail("GGUF version " + std::to_string(*version) + " is not supported (only 2 and 3)");
  }
  auto n_tensors = c.u64("the tensor count");
  if (!n_tensors) return pass(n_tensors.error());
  auto n_kv = c.u64("the metadata count");
  if (!n_kv) return pass(n_kv.error());
  // Smallest key/value: 8-byte length + 4-byte type + 1 byte; smallest tensor info:
  // 8 + 4 + 4 + 8 bytes. Counts that cannot fit are refused before any loop or reserve.
  if (*n_kv > c.remaining() / 13) {
    return fail("metadata count " + std::to_string(*n_kv) + " cannot fit in a " +
                std::to_string(bytes.size()) + "-byte file");
  }
  if (*n_tensors > c.remaining() / 24) {
    return fail("tensor count " + std::to_string(*n_tensors) + " cannot fit in a " +
                std::to_string(bytes.size()) + "-byte file");
  }

  Model m;
  m.path = path;
  m.format = "gguf";
  m.metadata["gguf.version"] = *version;
  uint64_t alignment = kDefaultAlignment;
  std::unordered_set<std::string> keys;
  for (uint64_t i = 0; i < *n_kv; ++i) {
    const std::string where = "metadata key #" + std::to_string(i);
    auto key = c.string(where);
    if (!key) return pass(key.error());
    const std::string k(*key);
    const std::string named = "metadata '" + k + "'";
    if (!keys.insert(k).second) return fail(named + " appears twice");
    auto vt = c.u32(named + " type");
    if (!vt) return pass(vt.error());
    auto v = read_value(c, *vt, named, 0);
    if (!v) return pass(v.error());
    if (k == "general.alignment") {
      if (*vt != kU32) return fail("general.alignment must be a uint32, not " +
                                   std::string(*vt < kValueTypeNames.size() ? kValueTypeNames[*vt] : "?"));
      const uint64_t a = v->get<uint64_t>();
      if (a == 0 || (a & (a - 1)) != 0 || a > (uint64_t(1) << 30)) {
        return fail("general.alignment " + std::to_string(a) + " is not a power of two up to 2^30");
      }
      alignment = a;
    }
    m.metadata[k] = std::move(*v);
  }

  struct Info {
    std::string name;
    std::vector<int64_t> shape;  // numpy order (ne reversed)
    const GgmlType* type;
    uint64_t offset;
    uint64_t numel;
  };
  std::vector<Info> infos;
  infos.reserve(size_t(*n_tensors));  // bounded by the file size above
  std::unordered_set<std::string> names;
  for (uint64_t i = 0; i < *n_tensors; ++i) {
    auto name = c.string("tensor info #" + std::to_string(i) + " name");
    if (!name) return pass(name.error());
    Info info;
    info.name = std::string(*name);
    const std::string where = "tensor '" + info.name + "'";
    if (!names.insert(info.name).second) return fail(where + " appears twice");
    auto nd = c.u32(where + " dimension count");
    if (!nd) return pass(nd.error());
    if (*nd > kMaxDims) {
      return fail(where + " has " + std::to_string(*nd) + " dimensions (GGUF allows at most 4)");
    }
    std::vector<uint64_t> ne(*nd);
    info.numel = 1;
    uint64_t bound = 1;
    for (uint32_t d = 0; d < *nd; ++d) {
      auto n = c.u64(where + " ne[" + std::to_string(d) + "]");
      if (!n) return pass(n.error());
      // The bound covers the non-zero dimensions, so a product taken in any order (shape
      // is ne reversed) or over any subset stays inside 2^48, even for an empty tensor.
      const uint64_t m_n = *n ? *n : 1;
      if (*n > kMaxNumel || bound > kMaxNumel / m_n) {
        return fail(where + " has more than 2^48 elements (ne[" + std::to_string(d) + "] = " +
                    std::to_string(*n) + ")");
      }
      ne[d] = *n;
      bound *= m_n;
      info.numel *= *n;
    }
    info.shape.assign(ne.rbegin(), ne.rend());
    auto type = c.u32(where + " type");
    if (!type) return pass(type.error());
    info.type = find_ggml_type(*type);
    if (!info.type) return fail(where + " has unknown ggml type id " + std::to_string(*type));
    auto offset = c.u64(where + " offset");
    if (!offset) return pass(offset.error());
    if (*offset % alignment != 0) {
      return fail(where + " offset " + std::to_string(*offset) + " is not a multiple of the alignment " +
                  std::to_string(alignment));
    }
    info.offset = *offset;
    if (info.type->dtype && dtype_is_block(*info.type->dtype)) {
      const int64_t be = dtype_block_elems(*info.type->dtype);
      const uint64_t row = ne.empty() ? 1 : ne[0];
      if (row % uint64_t(be) != 0) {
        return fail(where + " row length " + std::to_string(row) + " is not a multiple of " +
                    info.type->name + "'s " + std::to_string(be) + "-element block");
      }
    }
    infos.push_back(std::move(info));
  }

  // The data section starts at the next multiple of the alignment (a file without
  // tensors may end before it).
  const uint64_t data_start = (uint64_t(c.pos()) + alignment - 1) / alignment * alignment;
  m.metadata["gguf.alignment"] = alignment;
  m.metadata["gguf.data_offset"] = data_start;
  const uint64_t data_size = data_start <= bytes.size() ? bytes.size() - data_start : 0;

  std::vector<Placed> placed;
  nlohmann::json skipped = nlohmann::json::array();
  for (Info& info : infos) {
    const std::string where = "tensor '" + info.name + "'";
    if (!info.type->dtype) {
      nlohmann::json s = nlohmann::json::object();
      s["name"] = info.name;
      s["type"] = info.type->name;
      s["reason"] = std::string("GGUF type ") + info.type->name + " is not supported";
      skipped.push_back(std::move(s));
      continue;
    }
    const DType dt = *info.type->dtype;
    const auto nbytes = dtype_bytes(dt, int64_t(info.numel));
    if (!nbytes) return fail(where + ": element count is not a whole number of blocks");
    if (info.offset > data_size || uint64_t(*nbytes) > data_size - info.offset) {
      return fail(where + " (" + std::to_string(*nbytes) + " bytes at data offset " +
                  std::to_string(info.offset) + ") runs past the end of the file (data section holds " +
                  std::to_string(data_size) + " bytes)");
    }
    TensorView t;
    t.name = std::move(info.name);
    t.dtype = dt;
    t.shape = std::move(info.shape);
    t.bytes = bytes.subspan(size_t(data_start + info.offset), size_t(*nbytes));
    placed.push_back({m.tensors.size(), info.offset, info.offset + uint64_t(*nbytes)});
    m.tensors.push_back(std::move(t));
  }
  std::sort(placed.begin(), placed.end(),
            [](const Placed& a, const Placed& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < placed.size(); ++i) {
    if (placed[i].begin < placed[i - 1].end) {
      return fail("tensors '" + m.tensors[placed[i - 1].tensor].name + "' and '" +
                  m.tensors[placed[i].tensor].name + "' overlap in the data section");
    }
  }
  if (!skipped.empty()) m.metadata["skipped"] = std::move(skipped);
  return m;
}

Result<Model> parse_gguf(std::shared_ptr<const MappedFile> file, const std::string& path) {
  auto m = parse_gguf_bytes(file->bytes(), path);
  if (m) m->files.push_back(std::move(file));
  return m;
}

}  // namespace qs
