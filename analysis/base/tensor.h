#pragma once
// DType and TensorView (dtype, shape, bytes; never copies): what every reader produces.
// Decoding the bytes to float32 is numeric/tensor_decode.h.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

// Element types, then GGUF's block-quantized types (llama.cpp's ggml types): a block of
// `block_elems` weights is stored in `block_bytes` bytes (scales, mins and packed codes)
// and decodes to float through analysis/numeric/gguf_blocks.h. Then TensorFlow.js's
// per-tensor affine codes (tfjs-converter's uint8/uint16 quantization): element types
// whose value is q·q_scale + q_min (TensorView's fields).
enum class DType {
  F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U8, BOOL,
  Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K,
  U8Q, U16Q,
};

size_t dtype_size(DType t);                 // bytes per element; 0 for block types
std::string_view dtype_name(DType t);       // safetensors spelling: "F32", "BF16", "F8_E4M3", ...; GGUF's "Q4_K"
std::optional<DType> dtype_from_name(std::string_view s);  // inverse of dtype_name
bool dtype_is_float(DType t);               // F64..F8_E5M2 and the block types (they store reals)
bool dtype_is_block(DType t);               // Q4_0..Q6_K
bool dtype_is_affine(DType t);              // U8Q, U16Q ("U8q", "U16q")
int64_t dtype_block_elems(DType t);         // weights per block (1 for element types)
int64_t dtype_block_bytes(DType t);         // bytes per block (dtype_size for element types)
// Bytes that numel elements occupy; nullopt when numel is not a whole number of blocks.
std::optional<int64_t> dtype_bytes(DType t, int64_t numel);

// A view of one tensor's stored bytes. Elements are in logical row-major (C) order
// unless `strides` is set (element strides per dimension, e.g. NumPy Fortran order).
// `swap_bytes` marks big-endian storage. The bytes belong to whoever mapped the file.
struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::span<const std::byte> bytes;
  std::vector<int64_t> strides;  // empty = C-contiguous
  bool swap_bytes = false;
  // U8Q/U16Q: x = float32(q·q_scale + q_min), the product and sum in double, rounded once
  // to float32 (TF.js decodes with JavaScript numbers into a Float32Array).
  double q_scale = 1.0, q_min = 0.0;
  // The file's converter cast float32 weights to this dtype as its quantization
  // (TF.js "quantization": {"dtype": "float16"}): analysed as stored quantization.
  bool stored_cast = false;

  int64_t numel() const;  // product of shape (1 for a scalar)
  bool contiguous() const { return strides.empty(); }
};

// The tensor carries a quantization the file applied (GGUF blocks, TF.js affine codes or
// float16 cast): analysis/model/stored_quant.h reads it.
bool has_stored_quant(const TensorView& t);

std::string shape_string(std::span<const int64_t> shape);  // "[4096, 4096]"
// Sizes as every view and report prints them: "512 B", "64.0 MB" (1024-based units).
std::string human_bytes(int64_t bytes);

}  // namespace qs
