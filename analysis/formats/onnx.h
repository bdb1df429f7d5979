#pragma once
// ONNX models: the initializers (the weights) of the graph and of its subgraphs (If
// branches, Loop/Scan bodies; named by graph path, README "ONNX names") and the tensors
// of Constant nodes, read with our own protobuf wire-format reader (protobuf_wire.h)
// rather than libonnx/libprotobuf: the handful of fields we need are stable facts of
// onnx.proto, the reader stays zero-copy over the mapped file (raw_data is viewed in
// place), every length is bounds-checked before use, subgraph recursion is bounded, and
// there is no generated code or 2 GB message limit to work around.
#include <memory>
#include <span>
#include <string>

#include "analysis/base/error.h"
#include "analysis/formats/model.h"

namespace qs {

// Cheap content test: a ModelProto starts with ir_version (field 1, a small varint)
// followed by another ModelProto field or the end.
bool looks_like_onnx(std::span<const std::byte> bytes);

// External data files are resolved next to `path` (relative names only, no "..").
Result<Model> parse_onnx(std::shared_ptr<const MappedFile> file, const std::string& path);
// In-memory image (fuzzer, tests): a tensor with external data is an error.
Result<Model> parse_onnx_bytes(std::span<const std::byte> bytes, const std::string& path);

}  // namespace qs
