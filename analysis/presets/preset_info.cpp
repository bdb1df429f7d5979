// The preset table: every preset's spec name, the toolchain rule it reproduces (and the
// version it was taken from), its grouping and block.
#include "analysis/presets/preset.h"

namespace qs {

const std::vector<PresetInfo>& all_presets() {
  using G = PresetGroups;
  static const std::vector<PresetInfo> t = {
      {Preset::TorchQuint8, "torch_quint8", "PyTorch 1.13 torch.ao MinMaxObserver (checked against it)",
       "per-tensor affine quint8: s = (max(x⁺) − min(x⁻))/255 in float32 (≥ eps), zp = −round(min/s), "
       "q = zp + nearbyint(x·(1/s))",
       G::Tensor, 0},
      {Preset::TorchQint8, "torch_qint8", "PyTorch 1.13 torch.ao MinMaxObserver (checked against it)",
       "per-tensor symmetric qint8 in [−128, 127]: s = max|x| / 127.5 in float32 (≥ eps), q = nearbyint(x·(1/s))",
       G::Tensor, 0},
      {Preset::TorchQint8Channel, "torch_qint8_channel", "PyTorch 1.13 torch.ao PerChannelMinMaxObserver (checked against it)",
       "per-channel (axis 0) symmetric qint8: s_c = max|x_c| / 127.5, as torch_qint8 per output channel",
       G::Channel0, 0},
      {Preset::Q8_0, "q8_0", "llama.cpp 01243c5 ggml-quants.c quantize_row_q8_0_ref",
       "blocks of 32: d = max|x|/127 as fp16, q = roundf(x/d) (half away from zero); 8.5 bits/weight", G::RowBlocks,
       32},
      {Preset::Q4_0, "q4_0", "llama.cpp 01243c5 ggml-quants.c quantize_row_q4_0_ref",
       "blocks of 32: d = max/−8 (signed max) as fp16, q = min(15, trunc(x/d + 8.5)); 4.5 bits/weight",
       G::RowBlocks, 32},
      {Preset::Q4_1, "q4_1", "llama.cpp 01243c5 ggml-quants.c quantize_row_q4_1_ref",
       "blocks of 32: d = (max − min)/15 and m = min as fp16, q = min(15, trunc((x − m)/d + 0.5)); 5 bits/weight",
       G::RowBlocks, 32},
      {Preset::Q5_0, "q5_0", "llama.cpp 01243c5 ggml-quants.c quantize_row_q5_0_ref",
       "blocks of 32: d = max/−16 as fp16, q = min(31, trunc(x/d + 16.5)); 5.5 bits/weight", G::RowBlocks, 32},
      {Preset::Q5_1, "q5_1", "llama.cpp 01243c5 ggml-quants.c quantize_row_q5_1_ref",
       "blocks of 32: d = (max − min)/31 and m = min as fp16, q = trunc((x − m)/d + 0.5); 6 bits/weight",
       G::RowBlocks, 32},
      {Preset::Q4_K, "q4_k", "llama.cpp 01243c5 ggml-quants.c quantize_row_q4_K_ref",
       "super-blocks of 256: 8 × 32 with a searched (scale, min) each, 6-bit scales and mins over fp16 d, dmin; "
       "4.5 bits/weight",
       G::RowBlocks, 32},
      {Preset::Q6_K, "q6_k", "llama.cpp 01243c5 ggml-quants.c quantize_row_q6_K_ref",
       "super-blocks of 256: 16 × 16 with a searched symmetric scale each, int8 scales over fp16 d, codes −32..31; "
       "6.5625 bits/weight",
       G::RowBlocks, 16},
      {Preset::BnbNf4, "bnb_nf4", "bitsandbytes >= 0.39 kernels.cu dQuantizeNF4",
       "blocks of 64 over the flattened tensor: fp32 absmax, NF4 code of x·(1/absmax) by bitsandbytes' tree; 4.5 "
       "bits/weight",
       G::FlatBlocks, 64},
      {Preset::BnbFp4, "bnb_fp4", "bitsandbytes >= 0.39 kernels.cu dQuantizeFP4",
       "blocks of 64: fp32 absmax, bitsandbytes' FP4 (E2M1, bias 3, max 12 → 1) of x·(1/absmax); 4.5 bits/weight",
       G::FlatBlocks, 64},
      {Preset::BnbDynamic8, "bnb_dynamic8", "bitsandbytes >= 0.39 quantize_blockwise (8-bit optimizer states)",
       "blocks of 4096: fp32 absmax, the signed dynamic 8-bit map (10⁻⁶ … 1) by dQuantize's binary search",
       G::FlatBlocks, 4096},
      {Preset::MxFp8E4M3, "mxfp8_e4m3", "OCP Microscaling Formats (MX) v1.0",
       "blocks of 32 along rows: shared E8M0 scale 2^(⌊log2 max|x|⌋ − 8), FP8 E4M3 elements (RNE, saturating); "
       "8.25 bits/weight",
       G::RowBlocksPadded, 32},
      {Preset::MxFp8E5M2, "mxfp8_e5m2", "OCP Microscaling Formats (MX) v1.0",
       "blocks of 32: scale 2^(⌊log2 max|x|⌋ − 15), FP8 E5M2 elements; 8.25 bits/weight", G::RowBlocksPadded, 32},
      {Preset::MxFp6E3M2, "mxfp6_e3m2", "OCP Microscaling Formats (MX) v1.0",
       "blocks of 32: scale 2^(⌊log2 max|x|⌋ − 4), FP6 E3M2 elements (max 28); 6.25 bits/weight",
       G::RowBlocksPadded, 32},
      {Preset::MxFp6E2M3, "mxfp6_e2m3", "OCP Microscaling Formats (MX) v1.0",
       "blocks of 32: scale 2^(⌊log2 max|x|⌋ − 2), FP6 E2M3 elements (max 7.5); 6.25 bits/weight",
       G::RowBlocksPadded, 32},
      {Preset::MxFp4, "mxfp4", "OCP Microscaling Formats (MX) v1.0",
       "blocks of 32: scale 2^(⌊log2 max|x|⌋ − 2), FP4 E2M1 elements (max 6); 4.25 bits/weight", G::RowBlocksPadded,
       32},
      {Preset::Fp8E4M3Tensor, "fp8_e4m3_tensor", "vLLM / TensorRT-LLM static per-tensor FP8 (2024)",
       "per-tensor FP8 E4M3: s = max|x|/448 in float32, q = e4m3(clamp(x/s, ±448)), x̂ = q·s", G::Tensor, 0},
      {Preset::Fp8E4M3Channel, "fp8_e4m3_channel", "vLLM / TensorRT-LLM per-channel FP8 (2024)",
       "per-channel (axis 0) FP8 E4M3: s_c = max|x_c|/448, as fp8_e4m3_tensor per output channel", G::Channel0, 0},
      // The seeds' toolchains (analysis/presets/quanto.h, gemmlowp.h, hqq.h cite the lines).
      {Preset::QuantoQint8, "quanto_qint8",
       "optimum-quanto e33f820 AbsmaxOptimizer + quantize_symmetric (qint8 weights, float32)",
       "per output channel (axis 0): s = max|x|/127 in float32, q = clamp(round_half_even(x/s), −128, 127) (a "
       "division), x̂ = s·q; 8 bits + an fp32 scale per channel",
       G::Channel0, 0},
      {Preset::QuantoQint4, "quanto_qint4",
       "optimum-quanto e33f820 MaxOptimizer + quantize_affine (qint4 weights, float32, float shift)",
       "groups of 128 along each output row (96, 64 or 32 if 128 does not divide it; the whole row if none does "
       "or it is ≤ 128): s = (max − min)/15, shift = −min, q = clamp(round_half_even((x + shift)/s), 0, 15), "
       "x̂ = s·q − shift; 4 bits + fp32 scale and shift per group",
       G::FlatBlocks, 128},
      {Preset::GemmlowpUint8, "gemmlowp_uint8",
       "gemmlowp 16e8662 doc/quantization_example.cc ChooseQuantizationParams + Quantize",
       "per tensor uint8: range widened to hold 0, s = (max − min)/255 in float, zp = round(0 − min/s) in "
       "double nudged into [0, 255], q = round(zp + x/s) half away from zero, x̂ = s·(q − zp); 8 bits + 40 per "
       "tensor",
       G::Tensor, 0},
      {Preset::Hqq4bit, "hqq_4bit",
       "HQQ e0b1d00 Quantizer.quantize + optimize_weights_proximal_legacy (BaseQuantizeConfig 4-bit, CPU float32)",
       "flat groups of 64: inv = 15/(max − min), z = round(−min·inv), then up to 20 half-quadratic updates of z "
       "(lp 0.7, β 10) until the tensor's mean |error| stops falling; q = clamp(round(x·inv + z), 0, 15), x̂ = "
       "(q − z)·(1/inv); 5 bits/weight (fp32 scale and zero)",
       G::FlatBlocks, 64},
  };
  return t;
}

const PresetInfo& preset_info(Preset p) {
  for (const PresetInfo& i : all_presets())
    if (i.id == p) return i;
  return all_presets().front();
}

const PresetInfo* preset_by_name(std::string_view name) {
  for (const PresetInfo& i : all_presets())
    if (i.name == name) return &i;
  return nullptr;
}

}  // namespace qs
