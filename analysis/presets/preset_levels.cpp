// preset_levels: the values one group of a preset can take, for the views' level ticks.
// Each is computed with the same float expression the preset's x̂ uses, so every x̂ is
// one of its group's levels exactly.
#include <algorithm>
#include <cmath>

#include "analysis/numeric/float_formats.h"
#include "analysis/numeric/gguf_blocks.h"
#include "analysis/presets/gemmlowp.h"
#include "analysis/presets/ggml_quants.h"
#include "analysis/presets/hqq.h"
#include "analysis/presets/preset.h"
#include "analysis/presets/preset_kinds.h"
#include "analysis/presets/preset_tables.h"
#include "analysis/presets/quanto.h"

namespace qs {

std::vector<float> preset_levels(Preset p, const GroupParams& gp) {
  std::vector<float> out;
  if (is_ggml(p)) {
    // value = scale·code + offset over the type's code range (as gguf_block_params reads it).
    numeric::GgufBlockParams probe;
    std::vector<std::byte> zero(ggml_block_bytes(ggml_type(p)));
    numeric::gguf_block_params(ggml_type(p), zero.data(), probe);
    for (int c = probe.code_min; c <= probe.code_max; ++c) out.push_back(gp.scale * float(c) + gp.zero_point);
  } else {
    switch (p) {
      case Preset::TorchQuint8:
      case Preset::TorchQint8:
      case Preset::TorchQint8Channel: {
        const int qmin = p == Preset::TorchQuint8 ? 0 : -128, qmax = p == Preset::TorchQuint8 ? 255 : 127;
        for (int q = qmin; q <= qmax; ++q) out.push_back(gp.scale * float(q - int(gp.zero_point)));
        break;
      }
      case Preset::Fp8E4M3Tensor:
      case Preset::Fp8E4M3Channel:
        for (uint32_t c = 0; c < 256; ++c) {
          const float v = numeric::fp8_e4m3_decode(uint8_t(c));
          if (std::isfinite(v)) out.push_back(v * gp.scale);
        }
        break;
      case Preset::BnbNf4:
        for (uint8_t c = 0; c < 16; ++c) out.push_back(numeric::nf4_decode(c) * gp.scale);
        break;
      case Preset::BnbFp4:
        for (float v : bnb_fp4_table()) out.push_back(v * gp.scale);
        break;
      case Preset::BnbDynamic8:
        for (float v : bnb_dynamic_map()) out.push_back(v * gp.scale);
        break;
      case Preset::QuantoQint8:
        for (int32_t q = -128; q <= 127; ++q) out.push_back(quanto_qint8_value(gp, q));
        break;
      case Preset::QuantoQint4:
        for (int32_t q = 0; q <= 15; ++q) out.push_back(quanto_qint4_value(gp, q));
        break;
      case Preset::GemmlowpUint8:
        for (int32_t q = 0; q <= 255; ++q) out.push_back(gemmlowp_value(gp, q));
        break;
      case Preset::Hqq4bit:
        for (int32_t q = 0; q <= 15; ++q) out.push_back(hqq_value(gp, q));
        break;
      default:
        if (auto e = mx_element(p)) {
          for (float v : mx_positive_values(*e)) {
            out.push_back(v * gp.scale);
            out.push_back(-v * gp.scale);
          }
        }
    }
  }
  for (float& v : out) v = v == 0.0f ? 0.0f : v;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace qs
