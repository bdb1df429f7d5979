#pragma once
// Which family a preset belongs to (internal to analysis/presets): the llama.cpp block
// type it writes, the OCP MX element format it casts to.
#include <optional>

#include "analysis/presets/preset_id.h"
#include "analysis/presets/preset_tables.h"
#include "analysis/base/tensor.h"

namespace qs {

inline DType ggml_type(Preset p) {
  switch (p) {
    case Preset::Q8_0: return DType::Q8_0;
    case Preset::Q4_0: return DType::Q4_0;
    case Preset::Q4_1: return DType::Q4_1;
    case Preset::Q5_0: return DType::Q5_0;
    case Preset::Q5_1: return DType::Q5_1;
    case Preset::Q4_K: return DType::Q4_K;
    case Preset::Q6_K: return DType::Q6_K;
    default: return DType::F32;
  }
}

inline bool is_ggml(Preset p) { return ggml_type(p) != DType::F32; }

inline std::optional<MxElement> mx_element(Preset p) {
  switch (p) {
    case Preset::MxFp8E4M3: return MxElement::E4M3;
    case Preset::MxFp8E5M2: return MxElement::E5M2;
    case Preset::MxFp6E3M2: return MxElement::E3M2;
    case Preset::MxFp6E2M3: return MxElement::E2M3;
    case Preset::MxFp4: return MxElement::E2M1;
    default: return std::nullopt;
  }
}

}  // namespace qs
