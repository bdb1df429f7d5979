#pragma once
// The identity of a real-toolchain preset (issue #8): a Scheme of Kind::Preset carries
// one of these; everything else about it lives in analysis/presets/preset.h.
#include <cstdint>

namespace qs {

enum class Preset : uint8_t {
  None,
  TorchQuint8,         // torch.ao per-tensor affine quint8 (MinMaxObserver)
  TorchQint8,          // torch.ao per-tensor symmetric qint8
  TorchQint8Channel,   // torch.ao per-channel symmetric qint8, axis 0
  Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q6_K,  // llama.cpp reference quantizers
  BnbNf4, BnbFp4, BnbDynamic8,               // bitsandbytes blockwise
  MxFp8E4M3, MxFp8E5M2, MxFp6E3M2, MxFp6E2M3, MxFp4,  // OCP Microscaling
  Fp8E4M3Tensor, Fp8E4M3Channel,             // FP8 as inference engines scale it
  QuantoQint8, QuantoQint4,                  // optimum-quanto weights
  GemmlowpUint8,                             // gemmlowp ChooseQuantizationParams
  Hqq4bit,                                   // HQQ half-quadratic 4-bit
};

}  // namespace qs
