#pragma once
// Writes protobuf wire-format bytes for tests and fuzz seeds (protobuf.dev "Encoding"),
// so a test can build any ONNX message, damaged ones included.
#include <cstdint>
#include <cstring>
#include <string>

namespace qs::testing {

inline std::string pb_varint(uint64_t v) {
  std::string s;
  do {
    uint8_t c = uint8_t(v & 0x7F);
    v >>= 7;
    if (v) c |= 0x80;
    s.push_back(char(c));
  } while (v);
  return s;
}
inline std::string pb_tag(uint32_t field, uint32_t wire) { return pb_varint(uint64_t(field) << 3 | wire); }
inline std::string pb_uint(uint32_t field, uint64_t v) {
  std::string s = pb_tag(field, 0);
  s += pb_varint(v);
  return s;
}
inline std::string pb_bytes(uint32_t field, const std::string& payload) {
  std::string s = pb_tag(field, 2);
  s += pb_varint(payload.size());
  s += payload;
  return s;
}
inline std::string pb_f32(float f) {
  std::string s(4, '\0');
  std::memcpy(s.data(), &f, 4);
  return s;
}

// ONNX: a TensorProto with raw_data, and a ModelProto around a graph of initializers.
inline std::string onnx_tensor(const std::string& name, int data_type, std::initializer_list<int64_t> dims,
                               const std::string& raw) {
  std::string t;
  for (int64_t d : dims) t += pb_uint(1, uint64_t(d));
  t += pb_uint(2, uint64_t(data_type));
  t += pb_bytes(8, name);
  t += pb_bytes(9, raw);
  return t;
}
inline std::string onnx_model(const std::string& initializers_graph_fields) {
  std::string m = pb_uint(1, 8);  // ir_version
  m += pb_bytes(2, "test");
  m += pb_bytes(7, initializers_graph_fields);
  return m;
}
inline std::string onnx_init(const std::string& tensor) { return pb_bytes(5, tensor); }

// A GraphProto field holding a NodeProto (op type, first output, attributes, optional
// name), and AttributeProtos: a subgraph (GRAPH, g = 6) or a Constant's value tensor
// (TENSOR, t = 5). Graphs are built from their fields as for onnx_model.
inline std::string onnx_node(const std::string& op, const std::string& output, const std::string& attributes,
                             const std::string& name = "") {
  std::string n = output.empty() ? "" : pb_bytes(2, output);
  if (!name.empty()) n += pb_bytes(3, name);
  n += pb_bytes(4, op);
  n += attributes;
  return pb_bytes(1, n);
}
inline std::string onnx_graph_attr(const std::string& name, const std::string& graph_fields) {
  return pb_bytes(5, pb_bytes(1, name) + pb_uint(20, 5) + pb_bytes(6, graph_fields));
}
inline std::string onnx_tensor_attr(const std::string& name, const std::string& tensor) {
  return pb_bytes(5, pb_bytes(1, name) + pb_uint(20, 4) + pb_bytes(5, tensor));
}

}  // namespace qs::testing
