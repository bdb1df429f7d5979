// ONNX initializers through the protobuf wire format. Field numbers are those of
// onnx/onnx.proto (ModelProto, GraphProto, TensorProto, StringStringEntryProto,
// OperatorSetIdProto); data type ids are TensorProto.DataType.
#include "analysis/formats/onnx.h"

#include <cstring>
#include <filesystem>
#include <map>
#include <unordered_set>

#include "analysis/formats/protobuf_wire.h"

namespace qs {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kMaxNumel = uint64_t(1) << 48;

// ModelProto
enum : uint32_t { kIrVersion = 1, kProducerName = 2, kProducerVersion = 3, kDomain = 4,
                  kModelVersion = 5, kGraph = 7, kOpsetImport = 8, kMetadataProps = 14 };
// GraphProto
enum : uint32_t { kGraphName = 2, kInitializer = 5, kSparseInitializer = 15 };
// TensorProto
enum : uint32_t { kDims = 1, kDataType = 2, kSegment = 3, kFloatData = 4, kInt32Data = 5,
                  kStringData = 6, kInt64Data = 7, kName = 8, kRawData = 9, kDoubleData = 10,
                  kUint64Data = 11, kExternalData = 13, kDataLocation = 14 };

struct OnnxType {
  int id;
  const char* name;
  std::optional<DType> dtype;
  uint32_t typed_field;  // where the values live without raw_data
};
const OnnxType kTypes[] = {
    {1, "FLOAT", DType::F32, kFloatData},       {2, "UINT8", DType::U8, kInt32Data},
    {3, "INT8", DType::I8, kInt32Data},         {4, "UINT16", std::nullopt, kInt32Data},
    {5, "INT16", DType::I16, kInt32Data},       {6, "INT32", DType::I32, kInt32Data},
    {7, "INT64", DType::I64, kInt64Data},       {8, "STRING", std::nullopt, kStringData},
    {9, "BOOL", DType::BOOL, kInt32Data},       {10, "FLOAT16", DType::F16, kInt32Data},
    {11, "DOUBLE", DType::F64, kDoubleData},    {12, "UINT32", std::nullopt, kUint64Data},
    {13, "UINT64", std::nullopt, kUint64Data},  {14, "COMPLEX64", std::nullopt, kFloatData},
    {15, "COMPLEX128", std::nullopt, kDoubleData}, {16, "BFLOAT16", DType::BF16, kInt32Data},
    {17, "FLOAT8E4M3FN", DType::F8_E4M3, kInt32Data}, {18, "FLOAT8E4M3FNUZ", std::nullopt, kInt32Data},
    {19, "FLOAT8E5M2", DType::F8_E5M2, kInt32Data}, {20, "FLOAT8E5M2FNUZ", std::nullopt, kInt32Data},
    {21, "UINT4", std::nullopt, kInt32Data},    {22, "INT4", std::nullopt, kInt32Data},
    {23, "FLOAT4E2M1", std::nullopt, kInt32Data},
};
const OnnxType* find_type(uint64_t id) {
  for (const OnnxType& t : kTypes) {
    if (uint64_t(t.id) == id) return &t;
  }
  return nullptr;
}

std::string text(std::span<const std::byte> b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

// A StringStringEntryProto {key = 1, value = 2}.
bool key_value(std::span<const std::byte> b, std::string& k, std::string& v) {
  pb::Reader r(b);
  while (auto f = r.next()) {
    if (f->type == pb::kLen && f->number == 1) k = text(f->bytes);
    if (f->type == pb::kLen && f->number == 2) v = text(f->bytes);
  }
  return r.error().empty();
}

// Everything about one initializer but its values.
struct TensorInfo {
  std::string name;
  std::vector<int64_t> dims;
  uint64_t data_type = 0;
  std::optional<std::span<const std::byte>> raw;
  bool external = false;
  std::map<std::string, std::string> external_kv;
  bool segmented = false;
};

class Parser {
 public:
  Parser(std::span<const std::byte> bytes, std::string path, std::optional<fs::path> dir)
      : bytes_(bytes), path_(std::move(path)), dir_(std::move(dir)) {}

  Result<Model> run() {
    m_.path = path_;
    m_.format = "onnx";
    std::optional<std::span<const std::byte>> graph;
    nlohmann::json opsets = nlohmann::json::object(), props = nlohmann::json::object();
    pb::Reader r(bytes_);
    while (auto f = r.next()) {
      switch (f->number) {
        case kIrVersion: if (f->type == pb::kVarint) m_.metadata["ir_version"] = f->value; break;
        case kProducerName: if (f->type == pb::kLen) m_.metadata["producer_name"] = text(f->bytes); break;
        case kProducerVersion: if (f->type == pb::kLen) m_.metadata["producer_version"] = text(f->bytes); break;
        case kDomain: if (f->type == pb::kLen) m_.metadata["domain"] = text(f->bytes); break;
        case kModelVersion: if (f->type == pb::kVarint) m_.metadata["model_version"] = int64_t(f->value); break;
        case kGraph:
          if (f->type != pb::kLen) return fail("the graph field has the wrong wire type");
          graph = f->bytes;
          break;
        case kOpsetImport:
          if (f->type == pb::kLen) {
            std::string domain;
            int64_t version = 0;
            pb::Reader o(f->bytes);
            while (auto g = o.next()) {
              if (g->number == 1 && g->type == pb::kLen) domain = text(g->bytes);
              if (g->number == 2 && g->type == pb::kVarint) version = int64_t(g->value);
            }
            if (!o.error().empty()) return fail("opset_import: " + o.error());
            opsets[domain.empty() ? "ai.onnx" : domain] = version;
          }
          break;
        case kMetadataProps:
          if (f->type == pb::kLen) {
            std::string k, v;
            if (!key_value(f->bytes, k, v)) return fail("metadata_props: malformed entry");
            props[k] = v;
          }
          break;
        default: break;  // doc_string, training_info, functions, ...: not needed
      }
    }
    if (!r.error().empty()) return fail("not a valid ONNX model (" + r.error() + ")");
    if (!graph) return fail("the model has no graph");
    if (!opsets.empty()) m_.metadata["opset_import"] = opsets;
    if (!props.empty()) m_.metadata["metadata_props"] = props;
    if (auto e = read_graph(*graph); !e) return tl::unexpected(e.error());
    if (!skipped_.empty()) m_.metadata["skipped"] = skipped_;
    return std::move(m_);
  }

 private:
  tl::unexpected<Error> fail(const std::string& msg) const { return make_error(path_ + ": " + msg); }
  tl::unexpected<Error> fail_tensor(const std::string& name, const std::string& msg) const {
    return make_error(path_ + ": initializer '" + name + "': " + msg);
  }

  Result<void> read_graph(std::span<const std::byte> g) {
    pb::Reader r(g);
    int64_t sparse = 0;
    while (auto f = r.next()) {
      if (f->number == kGraphName && f->type == pb::kLen) m_.metadata["graph_name"] = text(f->bytes);
      if (f->number == kSparseInitializer) ++sparse;
      if (f->number == kInitializer) {
        if (f->type != pb::kLen) return fail("an initializer has the wrong wire type");
        if (auto e = read_initializer(f->bytes); !e) return e;
      }
    }
    if (!r.error().empty()) return fail("graph: " + r.error());
    if (sparse) m_.metadata["sparse_initializers_skipped"] = sparse;
    return {};
  }

  // Fills t (its name too when the rest is malformed, for the message).
  Result<void> read_info(std::span<const std::byte> b, TensorInfo& t) {
    pb::Reader r(b);
    uint64_t bound = 1;
    auto add_dim = [&](uint64_t raw) -> bool {
      const int64_t d = int64_t(raw);
      const uint64_t m = d > 0 ? uint64_t(d) : 1;
      if (d < 0 || uint64_t(d) > kMaxNumel || bound > kMaxNumel / m) return false;
      bound *= m;
      t.dims.push_back(d);
      return true;
    };
    bool dims_ok = true;
    while (auto f = r.next()) {
      switch (f->number) {
        case kDims:
          if (f->type == pb::kVarint) {
            dims_ok = dims_ok && add_dim(f->value);
          } else if (f->type == pb::kLen) {
            dims_ok = pb::for_each_packed_varint(f->bytes, [&](uint64_t v) { dims_ok = dims_ok && add_dim(v); }) &&
                      dims_ok;
          }
          break;
        case kDataType: if (f->type == pb::kVarint) t.data_type = f->value; break;
        case kSegment: t.segmented = true; break;
        case kName: if (f->type == pb::kLen) t.name = text(f->bytes); break;
        case kRawData: if (f->type == pb::kLen) t.raw = f->bytes; break;
        case kExternalData:
          if (f->type == pb::kLen) {
            std::string k, v;
            if (!key_value(f->bytes, k, v)) return make_error("malformed external_data entry");
            t.external_kv[k] = v;
          }
          break;
        case kDataLocation: if (f->type == pb::kVarint) t.external = f->value == 1; break;
        default: break;
      }
    }
    if (!r.error().empty()) return make_error(r.error());
    if (!dims_ok) return make_error("dims are negative, malformed or hold more than 2^48 elements");
    return {};
  }

  Result<void> read_initializer(std::span<const std::byte> b) {
    TensorInfo t;
    auto info = read_info(b, t);
    if (t.name.empty()) t.name = "#" + std::to_string(count_);  // unnamed: its position
    ++count_;
    if (!info) return fail_tensor(t.name, info.error().message);
    if (!names_.insert(t.name).second) return fail_tensor(t.name, "two initializers have this name");
    const OnnxType* type = find_type(t.data_type);
    if (!type) return fail_tensor(t.name, "unknown data type " + std::to_string(t.data_type));
    if (!type->dtype) return skip(t.name, std::string("data type ") + type->name + " is not supported");
    if (t.segmented) return skip(t.name, "segmented tensors are not supported");
    const DType dt = *type->dtype;
    int64_t numel = 1;
    for (int64_t d : t.dims) numel *= d;
    const uint64_t nbytes = uint64_t(numel) * dtype_size(dt);

    TensorView v;
    v.name = t.name;
    v.dtype = dt;
    v.shape = t.dims;
    if (t.external) {
      auto span = external_bytes(t, nbytes);
      if (!span) return tl::unexpected(span.error());
      v.bytes = *span;
    } else if (t.raw) {
      if (t.raw->size() != nbytes) {
        return fail_tensor(t.name, "raw_data holds " + std::to_string(t.raw->size()) + " bytes; " +
                                       type->name + " " + shape_string(t.dims) + " needs " + std::to_string(nbytes));
      }
      v.bytes = *t.raw;
    } else {
      auto typed = typed_values(b, t, *type, uint64_t(numel));
      if (!typed) return tl::unexpected(typed.error());
      v.bytes = *typed;
    }
    m_.tensors.push_back(std::move(v));
    return {};
  }

  Result<void> skip(const std::string& name, const std::string& reason) {
    skipped_.push_back({{"name", name}, {"reason", reason}});
    return {};
  }

  // Values in the typed repeated field: counted first (never allocating on the word of
  // the dims), then converted to the element type's little-endian bytes in a buffer the
  // model owns.
  Result<std::span<const std::byte>> typed_values(std::span<const std::byte> b, const TensorInfo& t,
                                                  const OnnxType& type, uint64_t numel) {
    const bool fixed32 = type.typed_field == kFloatData, fixed64 = type.typed_field == kDoubleData;
    std::vector<uint64_t> values;
    bool ok = true;
    pb::Reader r(b);
    while (auto f = r.next()) {
      if (f->number != type.typed_field) continue;
      if (f->type == pb::kLen) {
        if (fixed32 || fixed64) {
          const size_t w = fixed32 ? 4 : 8;
          if (f->bytes.size() % w) return fail_tensor(t.name, "packed fixed-size values are cut short");
          if (values.size() + f->bytes.size() / w > numel) return count_error(t, type, numel);
          for (size_t i = 0; i < f->bytes.size(); i += w) {
            uint64_t v = 0;
            for (size_t k = w; k-- > 0;) v = (v << 8) | uint64_t(f->bytes[i + k]);
            values.push_back(v);
          }
        } else {
          ok = pb::for_each_packed_varint(f->bytes, [&](uint64_t v) {
            if (values.size() < numel) values.push_back(v); else ok = false;
          }) && ok;
          if (!ok) return count_error(t, type, numel);
        }
      } else {
        if (values.size() >= numel) return count_error(t, type, numel);
        values.push_back(f->value);
      }
    }
    if (values.size() != numel) return count_error(t, type, numel);
    const size_t es = dtype_size(*type.dtype);
    auto buf = std::make_shared<std::vector<std::byte>>(values.size() * es);
    for (size_t i = 0; i < values.size(); ++i) {
      // int32_data holds the element's bit pattern in its low bits (FLOAT16/BFLOAT16 as
      // uint16, FLOAT8 as uint8); narrower integers are truncated to their width.
      for (size_t k = 0; k < es; ++k) (*buf)[i * es + k] = std::byte(uint8_t(values[i] >> (8 * k)));
    }
    m_.buffers.push_back(buf);
    return std::span<const std::byte>(*buf);
  }

  tl::unexpected<Error> count_error(const TensorInfo& t, const OnnxType& type, uint64_t numel) const {
    return fail_tensor(t.name, std::string("the typed values do not match its shape ") + shape_string(t.dims) +
                                   " (" + std::to_string(numel) + " " + type.name + " values expected, and no raw_data)");
  }

  Result<std::span<const std::byte>> external_bytes(const TensorInfo& t, uint64_t nbytes) {
    if (!dir_) return fail_tensor(t.name, "its data is in an external file, which an in-memory model cannot reach");
    const auto loc = t.external_kv.find("location");
    if (loc == t.external_kv.end() || loc->second.empty()) return fail_tensor(t.name, "external data without a location");
    const std::string& name = loc->second;
    const fs::path rel(name);
    bool dotdot = false;
    for (const auto& part : rel) dotdot = dotdot || part == "..";
    if (rel.is_absolute() || dotdot || name.find('\0') != std::string::npos) {
      return fail_tensor(t.name, "external data location '" + name +
                                     "' must be a relative path inside the model's directory (no '..')");
    }
    auto number = [&](const char* key, uint64_t& out) -> bool {
      const auto it = t.external_kv.find(key);
      if (it == t.external_kv.end()) return true;
      if (it->second.empty() || it->second.size() > 19 ||
          it->second.find_first_not_of("0123456789") != std::string::npos) {
        return false;
      }
      out = std::stoull(it->second);
      return true;
    };
    uint64_t offset = 0, length = nbytes;
    if (!number("offset", offset) || !number("length", length)) {
      return fail_tensor(t.name, "external data offset/length is not a non-negative integer");
    }
    if (length != nbytes) {
      return fail_tensor(t.name, "external data length " + std::to_string(length) + " but " + shape_string(t.dims) +
                                     " needs " + std::to_string(nbytes) + " bytes");
    }
    const fs::path full = *dir_ / rel;
    auto it = external_.find(full.string());
    if (it == external_.end()) {
      auto f = MappedFile::open(full.string());
      if (!f) return fail_tensor(t.name, "external data: " + f.error().message);
      it = external_.emplace(full.string(), *f).first;
      m_.files.push_back(*f);
    }
    const auto bytes = it->second->bytes();
    if (offset > bytes.size() || nbytes > bytes.size() - offset) {
      return fail_tensor(t.name, "external data [" + std::to_string(offset) + ", +" + std::to_string(nbytes) +
                                     ") runs past the end of " + name + " (" + std::to_string(bytes.size()) +
                                     " bytes)");
    }
    return bytes.subspan(size_t(offset), size_t(nbytes));
  }

  std::span<const std::byte> bytes_;
  std::string path_;
  std::optional<fs::path> dir_;
  Model m_;
  nlohmann::json skipped_ = nlohmann::json::array();
  std::unordered_set<std::string> names_;
  std::map<std::string, std::shared_ptr<const MappedFile>> external_;
  int64_t count_ = 0;
};

}  // namespace

bool looks_like_onnx(std::span<const std::byte> b) {
  if (b.size() < 2 || b[0] != std::byte{0x08}) return false;  // field 1 (ir_version), varint
  pb::Reader r(b);
  auto first = r.next();
  if (!first || first->number != kIrVersion || first->value == 0 || first->value > 100) return false;
  if (r.done()) return false;
  auto second = r.next();
  // Any ModelProto field may follow (the exporters write them in field order).
  static const uint32_t kModelFields[] = {2, 3, 4, 5, 6, 7, 8, 14, 20, 25};
  if (!second) return !r.error().empty();  // damaged right after ir_version: let the parser say so
  for (uint32_t n : kModelFields) {
    if (second->number == n) return true;
  }
  return false;
}

Result<Model> parse_onnx_bytes(std::span<const std::byte> bytes, const std::string& path) {
  if (bytes.empty()) return make_error(path + ": the file is empty");
  return Parser(bytes, path, std::nullopt).run();
}

Result<Model> parse_onnx(std::shared_ptr<const MappedFile> file, const std::string& path) {
  const fs::path dir = fs::path(path).parent_path();
  auto m = Parser(file->bytes(), path, dir.empty() ? fs::path(".") : dir).run();
  if (m) m->files.insert(m->files.begin(), std::move(file));
  return m;
}

}  // namespace qs
