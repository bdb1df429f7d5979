#pragma once
// GGUF (llama.cpp / ggml), versions 2 and 3: magic "GGUF", version, tensor count,
// metadata key/values, tensor infos, padding to `general.alignment`, then the data.
// Tensors keep their stored type (F32 ... BF16 and the block-quantized Q4_0 ... Q6_K);
// the block types decode through analysis/numeric/gguf_blocks.h.
#include <memory>
#include <span>
#include <string>

#include "analysis/base/error.h"
#include "analysis/formats/model.h"

namespace qs {

bool looks_like_gguf(std::span<const std::byte> bytes);  // the "GGUF" magic

Result<Model> parse_gguf(std::shared_ptr<const MappedFile> file, const std::string& path);
// In-memory image (the fuzzer and tests); `path` only names it in errors.
Result<Model> parse_gguf_bytes(std::span<const std::byte> bytes, const std::string& path);

// ggml's type id ↔ name, for messages and `inspect` ("Q4_K", "IQ2_XXS", ...); empty for
// an id ggml never assigned.
std::string_view ggml_type_name(uint32_t id);

}  // namespace qs
