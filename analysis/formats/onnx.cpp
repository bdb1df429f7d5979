// ONNX initializers through the protobuf wire format. Field numbers are those of
// onnx/onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
// StringStringEntryProto, OperatorSetIdProto); data type ids are TensorProto.DataType.
#include "analysis/formats/onnx.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "analysis/formats/protobuf_wire.h"

namespace qs {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kMaxNumel = uint64_t(1) << 48;
// Subgraphs (If branches, Loop/Scan bodies, ...) are read this many levels below the
// main graph; deeper nesting is an error naming the depth, so the recursion (three
// small frames a level) is bounded whatever the file holds.
constexpr int kMaxGraphDepth = 16;

// ModelProto
enum : uint32_t { kIrVersion = 1, kProducerName = 2, kProducerVersion = 3, kDomain = 4,
                  kModelVersion = 5, kGraph = 7, kOpsetImport = 8, kMetadataProps = 14 };
// GraphProto
enum : uint32_t { kNode = 1, kGraphName = 2, kInitializer = 5, kSparseInitializer = 15 };
// NodeProto
enum : uint32_t { kNodeOutput = 2, kNodeName = 3, kOpType = 4, kAttribute = 5, kNodeDomain = 7 };
// AttributeProto
enum : uint32_t { kAttrName = 1, kAttrF = 2, kAttrI = 3, kAttrT = 5, kAttrG = 6, kAttrFloats = 7, kAttrInts = 8,
                  kAttrGraphs = 11 };
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
  const char* kind = "initializer";  // or "Constant" (a Constant node's value), for messages
};

class Parser {
 public:
  Parser(std::span<const std::byte> bytes, std::string path, std::optional<fs::path> dir)
      : bytes_(bytes), path_(std::move(path)), dir_(std::move(dir)), name_budget_(16 * bytes.size() + (1u << 20)) {}

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
    if (auto e = read_graph(*graph, "", 0); !e) return tl::unexpected(e.error());
    if (sparse_) m_.metadata["sparse_initializers_skipped"] = sparse_;
    if (subgraphs_) m_.metadata["subgraphs"] = subgraphs_;
    if (!skipped_.empty()) m_.metadata["skipped"] = skipped_;
    return std::move(m_);
  }

 private:
  tl::unexpected<Error> fail(const std::string& msg) const { return make_error(path_ + ": " + msg); }
  tl::unexpected<Error> fail_tensor(const TensorInfo& t, const std::string& msg) const {
    return make_error(path_ + ": " + t.kind + " '" + t.name + "': " + msg);
  }
  // Path strings built for subgraphs and their tensors are charged against a budget of
  // 16 times the file (plus 1 MiB): long node names over many small subgraphs or tensors
  // cannot make a damaged or hostile file cost memory or time out of proportion.
  Result<void> charge(size_t n, const std::string& prefix) {
    name_bytes_ += n;
    if (name_bytes_ <= name_budget_) return {};
    return fail(graph_label(prefix) + ": the graph paths of its subgraphs and tensors take more than 16 times the "
                                      "file's size (a damaged or hostile file)");
  }
  // "graph" or "subgraph 'If_0/then_branch'" (shortened: a hostile path may be long).
  static std::string graph_label(const std::string& prefix) {
    if (prefix.empty()) return "graph";
    std::string p = prefix.substr(0, prefix.size() - 1);
    if (p.size() > 200) p = p.substr(0, 200) + "...";
    return "subgraph '" + p + "'";
  }

  // One graph: its initializers first, then its nodes in order (a Constant node's
  // tensor; a node's subgraphs in attribute order, each read the same way). `prefix` is
  // the graph's path ("" for the main graph, "If_0/then_branch/" below it), which every
  // name read here starts with; `depth` counts the levels below the main graph.
  Result<void> read_graph(std::span<const std::byte> g, const std::string& prefix, int depth) {
    if (depth > kMaxGraphDepth) {
      return fail(graph_label(prefix) + " is nested " + std::to_string(depth) + " levels deep; QuantScope reads " +
                  std::to_string(kMaxGraphDepth) + " levels of subgraphs");
    }
    std::unordered_set<std::string> local;  // this graph's initializer names
    pb::Reader r(g);
    while (auto f = r.next()) {
      if (depth == 0 && f->number == kGraphName && f->type == pb::kLen) m_.metadata["graph_name"] = text(f->bytes);
      if (f->number == kSparseInitializer) ++sparse_;
      if (f->number == kInitializer) {
        if (f->type != pb::kLen) return fail(graph_label(prefix) + ": an initializer has the wrong wire type");
        TensorInfo t;
        if (auto e = read_tensor(f->bytes, t, prefix, &local); !e) return e;
      }
    }
    if (!r.error().empty()) return fail(graph_label(prefix) + ": " + r.error());
    pb::Reader nodes(g);  // the same bytes again: well-formed, as the first pass found
    int64_t index = 0;
    while (auto f = nodes.next()) {
      if (f->number != kNode) continue;
      if (f->type != pb::kLen) return fail(graph_label(prefix) + ": a node has the wrong wire type");
      if (auto e = read_node(f->bytes, index++, prefix, depth); !e) return e;
    }
    return {};
  }

  // A node's path segment is its name, or (unnamed) its op type and its index among the
  // graph's nodes: "If_0". A Constant's tensor is named after its (first) output.
  Result<void> read_node(std::span<const std::byte> b, int64_t index, const std::string& prefix, int depth) {
    std::string op, name, domain, output;
    bool has_output = false;
    pb::Reader r(b);
    while (auto f = r.next()) {
      if (f->type != pb::kLen) continue;
      if (f->number == kOpType) op = text(f->bytes);
      if (f->number == kNodeName) name = text(f->bytes);
      if (f->number == kNodeDomain) domain = text(f->bytes);
      if (f->number == kNodeOutput && !has_output) {
        output = text(f->bytes);
        has_output = true;
      }
    }
    const std::string label = !name.empty() ? name : (op.empty() ? "node" : op) + "_" + std::to_string(index);
    if (!r.error().empty()) return fail(graph_label(prefix) + ": node '" + label + "': " + r.error());
    const bool constant = op == "Constant" && (domain.empty() || domain == "ai.onnx");
    pb::Reader attrs(b);
    while (auto f = attrs.next()) {
      if (f->number != kAttribute || f->type != pb::kLen) continue;
      std::string attr;
      pb::Reader a(f->bytes);
      while (auto g = a.next()) {
        if (g->number == kAttrName && g->type == pb::kLen) attr = text(g->bytes);
      }
      if (!a.error().empty()) return fail(graph_label(prefix) + ": node '" + label + "': attribute: " + a.error());
      if (constant) {
        const std::string& out = output.empty() ? label : output;
        if (auto e = charge(prefix.size() + out.size(), prefix); !e) return e;
        if (auto e = read_constant(f->bytes, attr, prefix + out); !e) return e;
        continue;
      }
      pb::Reader sub(f->bytes);
      int64_t k = 0;
      while (auto g = sub.next()) {
        if (g->type != pb::kLen || (g->number != kAttrG && g->number != kAttrGraphs)) continue;
        ++subgraphs_;
        std::string p = prefix + label + "/" + (attr.empty() ? "graph" : attr) + "/";
        if (g->number == kAttrGraphs) p += std::to_string(k++) + "/";
        if (auto e = charge(p.size(), prefix); !e) return e;
        if (auto e = read_graph(g->bytes, p, depth + 1); !e) return e;
      }
    }
    return {};
  }

  // The value attributes of a Constant node (onnx Constant-13): `value` is a TensorProto,
  // value_float(s)/value_int(s) become 0-D/1-D FLOAT/INT64 tensors (protobuf defaults
  // when absent: 0, an empty list); strings and sparse values are listed under skipped.
  Result<void> read_constant(std::span<const std::byte> b, const std::string& attr, const std::string& name) {
    if (attr == "value_string" || attr == "value_strings") return skip(name, "a Constant holding strings");
    if (attr == "sparse_value") return skip(name, "sparse Constant values are not read");
    const bool is_float = attr == "value_float" || attr == "value_floats";
    const bool list = attr == "value_floats" || attr == "value_ints";
    if (attr != "value" && !is_float && attr != "value_int" && !list) return {};  // not a value attribute
    std::vector<uint64_t> values;
    pb::Reader r(b);
    while (auto f = r.next()) {
      if (attr == "value" && f->number == kAttrT && f->type == pb::kLen) {
        TensorInfo t;
        t.kind = "Constant";
        return read_tensor(f->bytes, t, "", nullptr, name);
      }
      const uint32_t field = is_float ? (list ? kAttrFloats : kAttrF) : (list ? kAttrInts : kAttrI);
      if (f->number != field) continue;
      if (!list) {
        values.assign(1, f->value);  // the last one wins, as in protobuf
      } else if (f->type == pb::kLen && is_float) {
        if (f->bytes.size() % 4) return fail("Constant '" + name + "': packed floats are cut short");
        for (size_t i = 0; i < f->bytes.size(); i += 4) {
          uint32_t v = 0;
          for (size_t k = 4; k-- > 0;) v = (v << 8) | uint32_t(f->bytes[i + k]);
          values.push_back(v);
        }
      } else if (f->type == pb::kLen) {
        if (!pb::for_each_packed_varint(f->bytes, [&](uint64_t v) { values.push_back(v); })) {
          return fail("Constant '" + name + "': malformed packed ints");
        }
      } else {
        values.push_back(f->value);
      }
    }
    if (attr == "value") return fail("Constant '" + name + "': its value attribute holds no tensor");
    if (!list && values.empty()) values.push_back(0);
    const DType dt = is_float ? DType::F32 : DType::I64;
    const size_t es = dtype_size(dt);
    auto buf = std::make_shared<std::vector<std::byte>>(values.size() * es);
    for (size_t i = 0; i < values.size(); ++i) {
      for (size_t k = 0; k < es; ++k) (*buf)[i * es + k] = std::byte(uint8_t(values[i] >> (8 * k)));
    }
    m_.buffers.push_back(buf);
    TensorView v;
    v.name = unique(name);
    v.dtype = dt;
    if (list) v.shape = {int64_t(values.size())};
    v.bytes = std::span<const std::byte>(*buf);
    m_.tensors.push_back(std::move(v));
    return {};
  }

  // Names are unique in the model: a path that collides (a node name holding '/', two
  // nodes of one name, an initializer named like a path) gets "#2", "#3", ...
  std::string unique(const std::string& name) {
    if (all_names_.insert(name).second) return name;
    int64_t& k = next_suffix_[name];
    for (;;) {
      k = std::max<int64_t>(k + 1, 2);
      std::string s = name + "#" + std::to_string(k);
      if (all_names_.insert(s).second) return s;
    }
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

  // An initializer (prefix = its graph's path; `local` = the names its graph has used) or,
  // with `name` given, a Constant node's value tensor (its own name field is not used).
  Result<void> read_tensor(std::span<const std::byte> b, TensorInfo& t, const std::string& prefix,
                           std::unordered_set<std::string>* local, const std::string& name = "") {
    auto info = read_info(b, t);
    if (t.name.empty()) t.name = "#" + std::to_string(count_);  // unnamed: its position
    if (!name.empty()) t.name = name;
    if (name.empty() && !prefix.empty()) {
      if (auto e = charge(prefix.size() + t.name.size(), prefix); !e) return e;
      t.name = prefix + t.name;
    }
    ++count_;
    if (!info) return fail_tensor(t, info.error().message);
    if (local && !local->insert(t.name).second) return fail_tensor(t, "two initializers have this name");
    const OnnxType* type = find_type(t.data_type);
    if (!type) return fail_tensor(t, "unknown data type " + std::to_string(t.data_type));
    if (!type->dtype) return skip(t.name, std::string("data type ") + type->name + " is not supported");
    if (t.segmented) return skip(t.name, "segmented tensors are not supported");
    const DType dt = *type->dtype;
    int64_t numel = 1;
    for (int64_t d : t.dims) numel *= d;
    const uint64_t nbytes = uint64_t(numel) * dtype_size(dt);

    TensorView v;
    v.name = unique(t.name);
    v.dtype = dt;
    v.shape = t.dims;
    if (t.external) {
      auto span = external_bytes(t, nbytes);
      if (!span) return tl::unexpected(span.error());
      v.bytes = *span;
    } else if (t.raw) {
      if (t.raw->size() != nbytes) {
        return fail_tensor(t, "raw_data holds " + std::to_string(t.raw->size()) + " bytes; " +
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
          if (f->bytes.size() % w) return fail_tensor(t, "packed fixed-size values are cut short");
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
    return fail_tensor(t, std::string("the typed values do not match its shape ") + shape_string(t.dims) +
                                   " (" + std::to_string(numel) + " " + type.name + " values expected, and no raw_data)");
  }

  Result<std::span<const std::byte>> external_bytes(const TensorInfo& t, uint64_t nbytes) {
    if (!dir_) return fail_tensor(t, "its data is in an external file, which an in-memory model cannot reach");
    const auto loc = t.external_kv.find("location");
    if (loc == t.external_kv.end() || loc->second.empty()) return fail_tensor(t, "external data without a location");
    const std::string& name = loc->second;
    const fs::path rel(name);
    bool dotdot = false;
    for (const auto& part : rel) dotdot = dotdot || part == "..";
    if (rel.is_absolute() || dotdot || name.find('\0') != std::string::npos) {
      return fail_tensor(t, "external data location '" + name +
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
      return fail_tensor(t, "external data offset/length is not a non-negative integer");
    }
    if (length != nbytes) {
      return fail_tensor(t, "external data length " + std::to_string(length) + " but " + shape_string(t.dims) +
                                     " needs " + std::to_string(nbytes) + " bytes");
    }
    const fs::path full = *dir_ / rel;
    auto it = external_.find(full.string());
    if (it == external_.end()) {
      auto f = MappedFile::open(full.string());
      if (!f) return fail_tensor(t, "external data: " + f.error().message);
      it = external_.emplace(full.string(), *f).first;
      m_.files.push_back(*f);
    }
    const auto bytes = it->second->bytes();
    if (offset > bytes.size() || nbytes > bytes.size() - offset) {
      return fail_tensor(t, "external data [" + std::to_string(offset) + ", +" + std::to_string(nbytes) +
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
  std::unordered_set<std::string> all_names_;
  std::unordered_map<std::string, int64_t> next_suffix_;
  std::map<std::string, std::shared_ptr<const MappedFile>> external_;
  int64_t count_ = 0;
  int64_t sparse_ = 0, subgraphs_ = 0;
  size_t name_budget_, name_bytes_ = 0;
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
