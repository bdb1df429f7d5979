// Fuzz harness for the ONNX reader (and the protobuf wire reader under it): any input
// gives a Model or an error naming the file; every accepted initializer lies inside the
// input or in a buffer the model owns, and decodes fully.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/formats/onnx.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/unit/protobuf_builder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto m = qs::parse_onnx_bytes(bytes, "fuzz.onnx");
  if (!m) {
    if (m.error().message.rfind("fuzz.onnx: ", 0) != 0) __builtin_trap();
    return 0;
  }
  const auto* lo = reinterpret_cast<const std::byte*>(data);
  for (const qs::TensorView& t : m->tensors) {
    qs::fuzz::check_tensor(t, *m, lo, size);
  }
  (void)m->metadata.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}

std::vector<std::vector<uint8_t>> FuzzSeeds() {
  using namespace qs::testing;
  std::vector<std::string> models;
  std::string f4;
  for (float f : {1.0f, -2.0f, 0.5f, 3.0f}) f4 += pb_f32(f);
  models.push_back(onnx_model(onnx_init(onnx_tensor("w", 1, {2, 2}, f4))));
  models.push_back(onnx_model(onnx_init(onnx_tensor("h", 10, {2}, "\x00\x3c\x00\xc0")) +
                              onnx_init(onnx_tensor("i", 7, {1}, std::string(8, '\x01')))));
  models.push_back(onnx_model(onnx_init(pb_bytes(1, pb_varint(2)) + pb_uint(2, 1) + pb_bytes(8, "p") + pb_bytes(4, f4.substr(0, 8)))));
  models.push_back(onnx_model(onnx_init(pb_uint(1, 2) + pb_uint(2, 10) + pb_bytes(8, "t") + pb_bytes(5, pb_varint(0x3c00) + pb_varint(0xc000)))));
  models.push_back(onnx_model(onnx_init(pb_uint(1, 2) + pb_uint(2, 7) + pb_bytes(8, "l") + pb_bytes(7, pb_varint(5) + pb_varint(~uint64_t(0))))));
  models.push_back(onnx_model(onnx_init(pb_uint(1, 1) + pb_uint(2, 11) + pb_bytes(8, "d") + pb_tag(10, 1) + std::string(8, '\x40'))));
  models.push_back(onnx_model(onnx_init(pb_uint(1, 1) + pb_uint(2, 12) + pb_bytes(8, "u") + pb_uint(11, 7))) +
                   pb_bytes(8, pb_bytes(1, "") + pb_uint(2, 13)) + pb_bytes(14, pb_bytes(1, "k") + pb_bytes(2, "v")));
  // Subgraphs: If branches holding the weights (same name in both), a Loop body nested in
  // a branch, a GRAPHS attribute; Constant nodes with every value attribute.
  const std::string w = onnx_init(onnx_tensor("w", 1, {2}, f4.substr(0, 8)));
  const std::string k = onnx_node("Constant", "k", onnx_tensor_attr("value", onnx_tensor("", 7, {1}, std::string(8, '\x02'))));
  const std::string loop = onnx_node("Loop", "", onnx_graph_attr("body", w + k));
  models.push_back(
      onnx_model(onnx_node("If", "y", onnx_graph_attr("then_branch", w + loop) + onnx_graph_attr("else_branch", w))));
  models.push_back(onnx_model(onnx_node("Scan", "", pb_bytes(5, pb_bytes(1, "bodies") + pb_bytes(11, w) + pb_bytes(11, loop))) +
                              onnx_node("If", "", onnx_graph_attr("then_branch", pb_bytes(15, "")), "gate")));
  auto attr = [](const std::string& name, const std::string& value) { return pb_bytes(5, pb_bytes(1, name) + value); };
  models.push_back(onnx_model(onnx_node("Constant", "f", attr("value_float", pb_tag(2, 5) + pb_f32(0.5f))) +
                              onnx_node("Constant", "fs", attr("value_floats", pb_bytes(7, f4))) +
                              onnx_node("Constant", "i", attr("value_int", pb_uint(3, 7))) +
                              onnx_node("Constant", "is", attr("value_ints", pb_bytes(8, pb_varint(1) + pb_varint(~uint64_t(0))))) +
                              onnx_node("Constant", "s", attr("value_string", pb_bytes(4, "x"))) +
                              onnx_node("Constant", "", onnx_tensor_attr("value", pb_uint(1, 2) + pb_uint(2, 1) + pb_bytes(4, f4.substr(0, 8))))));
  std::vector<std::vector<uint8_t>> seeds;
  for (const std::string& s : models) seeds.emplace_back(s.begin(), s.end());
  return seeds;
}
