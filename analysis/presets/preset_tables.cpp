#include "analysis/presets/preset_tables.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace qs {

const std::array<float, 16>& bnb_fp4_table() {
  // dDequantizeFP4Tree (bitsandbytes csrc/kernels.cu): magnitudes 0, 0.0625, 8, 12, 4, 6,
  // 2, 3 divided by 12 for codes 0b000 … 0b111; bit 3 negates.
  static const std::array<float, 16> t = [] {
    const float mag[8] = {0.00000000f, 5.208333333e-03f, 0.66666667f, 1.00000000f,
                          0.33333333f, 0.50000000f,      0.16666667f, 0.25000000f};
    std::array<float, 16> a{};
    for (int i = 0; i < 8; ++i) a[size_t(i)] = mag[i], a[size_t(i + 8)] = -mag[i];
    return a;
  }();
  return t;
}

uint8_t bnb_fp4_encode(float x) {
  // dQuantizeFP4: the pivots are the midpoints between neighbouring magnitudes.
  const int sign = x < 0 ? 0b1000 : 0;
  x = std::fabs(x);
  if (x > 0.29166667f) {
    if (x > 0.583333f) return uint8_t((x > 0.8333333f ? 0b0011 : 0b0010) + sign);
    return uint8_t((x > 0.4166667f ? 0b0101 : 0b0100) + sign);
  }
  if (x > 0.0859375f) return uint8_t((x > 0.20833333f ? 0b0111 : 0b0110) + sign);
  return uint8_t((x > 0.00260417f ? 0b0001 : 0b0000) + sign);
}

const std::array<float, 256>& bnb_dynamic_map() {
  // create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): for each exponent
  // i = 0..6, the 2^i midpoints of torch.linspace(0.1, 1, 2^i + 1), times 10^(i−6), both
  // signs (254 values), then 0 and 1.0; sorted. bitsandbytes builds it at import time
  // with torch float32 arithmetic, and torch's CPU linspace rounds a few values one ulp
  // differently depending on its SIMD kernel (fused or not): these are the values torch
  // 1.13 gives on x86-64 (tests/scripts/make_torch_quant_fixture.py), as hex floats.
  static const std::array<float, 256> map = {
      -0x1.fc66660000000p-1f, -0x1.f533320000000p-1f, -0x1.ee00000000000p-1f, -0x1.e6cccc0000000p-1f,
      -0x1.df99980000000p-1f, -0x1.d866660000000p-1f, -0x1.d133340000000p-1f, -0x1.ca00000000000p-1f,
      -0x1.c2cccc0000000p-1f, -0x1.bb99980000000p-1f, -0x1.b466660000000p-1f, -0x1.ad33320000000p-1f,
      -0x1.a600000000000p-1f, -0x1.9ecccc0000000p-1f, -0x1.9799980000000p-1f, -0x1.9066660000000p-1f,
      -0x1.8933340000000p-1f, -0x1.8200000000000p-1f, -0x1.7accce0000000p-1f, -0x1.73999a0000000p-1f,
      -0x1.6c66680000000p-1f, -0x1.6533340000000p-1f, -0x1.5e00000000000p-1f, -0x1.56ccce0000000p-1f,
      -0x1.4f999a0000000p-1f, -0x1.4866660000000p-1f, -0x1.4133340000000p-1f, -0x1.3a00000000000p-1f,
      -0x1.32cccc0000000p-1f, -0x1.2b999a0000000p-1f, -0x1.2466680000000p-1f, -0x1.1d33340000000p-1f,
      -0x1.1600000000000p-1f, -0x1.0ecccc0000000p-1f, -0x1.07999a0000000p-1f, -0x1.0066660000000p-1f,
      -0x1.f266680000000p-2f, -0x1.e400000000000p-2f, -0x1.d599980000000p-2f, -0x1.c733340000000p-2f,
      -0x1.b8cccc0000000p-2f, -0x1.aa66640000000p-2f, -0x1.9c00000000000p-2f, -0x1.8d99980000000p-2f,
      -0x1.7f33340000000p-2f, -0x1.70cccc0000000p-2f, -0x1.6266640000000p-2f, -0x1.5400000000000p-2f,
      -0x1.4599980000000p-2f, -0x1.3733340000000p-2f, -0x1.28cccc0000000p-2f, -0x1.1a66680000000p-2f,
      -0x1.0c00000000000p-2f, -0x1.fb33340000000p-3f, -0x1.de66680000000p-3f, -0x1.c1999a0000000p-3f,
      -0x1.a4cccc0000000p-3f, -0x1.8800000000000p-3f, -0x1.6b33320000000p-3f, -0x1.4e66660000000p-3f,
      -0x1.31999a0000000p-3f, -0x1.14cccc0000000p-3f, -0x1.f000000000000p-4f, -0x1.b666680000000p-4f,
      -0x1.93d70a0000000p-4f, -0x1.8851ea0000000p-4f, -0x1.7cccce0000000p-4f, -0x1.7147ae0000000p-4f,
      -0x1.65c2900000000p-4f, -0x1.5a3d700000000p-4f, -0x1.4eb8500000000p-4f, -0x1.4333340000000p-4f,
      -0x1.37ae140000000p-4f, -0x1.2c28f60000000p-4f, -0x1.20a3d60000000p-4f, -0x1.151eba0000000p-4f,
      -0x1.09999a0000000p-4f, -0x1.fc28f40000000p-5f, -0x1.e51eba0000000p-5f, -0x1.ce147a0000000p-5f,
      -0x1.b70a3e0000000p-5f, -0x1.a000000000000p-5f, -0x1.88f5c20000000p-5f, -0x1.71eb860000000p-5f,
      -0x1.5ae1460000000p-5f, -0x1.43d70a0000000p-5f, -0x1.2cccce0000000p-5f, -0x1.15c28e0000000p-5f,
      -0x1.fd70a40000000p-6f, -0x1.cf5c260000000p-6f, -0x1.a147ae0000000p-6f, -0x1.7333340000000p-6f,
      -0x1.451eb80000000p-6f, -0x1.170a3e0000000p-6f, -0x1.d1eb860000000p-7f, -0x1.75c2900000000p-7f,
      -0x1.3e76c80000000p-7f, -0x1.2c08300000000p-7f, -0x1.19999a0000000p-7f, -0x1.072b020000000p-7f,
      -0x1.e978d40000000p-8f, -0x1.c49ba60000000p-8f, -0x1.9fbe760000000p-8f, -0x1.7ae1480000000p-8f,
      -0x1.56041a0000000p-8f, -0x1.3126e80000000p-8f, -0x1.0c49ba0000000p-8f, -0x1.ced9140000000p-9f,
      -0x1.851eb80000000p-9f, -0x1.3b645a0000000p-9f, -0x1.e353f80000000p-10f, -0x1.4fdf3a0000000p-10f,
      -0x1.eecbfe0000000p-11f, -0x1.b3d07c0000000p-11f, -0x1.78d5000000000p-11f, -0x1.3dd9820000000p-11f,
      -0x1.02de020000000p-11f, -0x1.8fc5060000000p-12f, -0x1.19ce0a0000000p-12f, -0x1.47ae160000000p-13f,
      -0x1.743e960000000p-14f, -0x1.15df660000000p-14f, -0x1.6f00680000000p-15f, -0x1.64840c0000000p-16f,
      -0x1.040bfe0000000p-17f, -0x1.b435280000000p-19f, -0x1.27476e0000000p-21f, 0x0.0p+0f,
      0x1.27476e0000000p-21f, 0x1.b435280000000p-19f, 0x1.040bfe0000000p-17f, 0x1.64840c0000000p-16f,
      0x1.6f00680000000p-15f, 0x1.15df660000000p-14f, 0x1.743e960000000p-14f, 0x1.47ae160000000p-13f,
      0x1.19ce0a0000000p-12f, 0x1.8fc5060000000p-12f, 0x1.02de020000000p-11f, 0x1.3dd9820000000p-11f,
      0x1.78d5000000000p-11f, 0x1.b3d07c0000000p-11f, 0x1.eecbfe0000000p-11f, 0x1.4fdf3a0000000p-10f,
      0x1.e353f80000000p-10f, 0x1.3b645a0000000p-9f, 0x1.851eb80000000p-9f, 0x1.ced9140000000p-9f,
      0x1.0c49ba0000000p-8f, 0x1.3126e80000000p-8f, 0x1.56041a0000000p-8f, 0x1.7ae1480000000p-8f,
      0x1.9fbe760000000p-8f, 0x1.c49ba60000000p-8f, 0x1.e978d40000000p-8f, 0x1.072b020000000p-7f,
      0x1.19999a0000000p-7f, 0x1.2c08300000000p-7f, 0x1.3e76c80000000p-7f, 0x1.75c2900000000p-7f,
      0x1.d1eb860000000p-7f, 0x1.170a3e0000000p-6f, 0x1.451eb80000000p-6f, 0x1.7333340000000p-6f,
      0x1.a147ae0000000p-6f, 0x1.cf5c260000000p-6f, 0x1.fd70a40000000p-6f, 0x1.15c28e0000000p-5f,
      0x1.2cccce0000000p-5f, 0x1.43d70a0000000p-5f, 0x1.5ae1460000000p-5f, 0x1.71eb860000000p-5f,
      0x1.88f5c20000000p-5f, 0x1.a000000000000p-5f, 0x1.b70a3e0000000p-5f, 0x1.ce147a0000000p-5f,
      0x1.e51eba0000000p-5f, 0x1.fc28f40000000p-5f, 0x1.09999a0000000p-4f, 0x1.151eba0000000p-4f,
      0x1.20a3d60000000p-4f, 0x1.2c28f60000000p-4f, 0x1.37ae140000000p-4f, 0x1.4333340000000p-4f,
      0x1.4eb8500000000p-4f, 0x1.5a3d700000000p-4f, 0x1.65c2900000000p-4f, 0x1.7147ae0000000p-4f,
      0x1.7cccce0000000p-4f, 0x1.8851ea0000000p-4f, 0x1.93d70a0000000p-4f, 0x1.b666680000000p-4f,
      0x1.f000000000000p-4f, 0x1.14cccc0000000p-3f, 0x1.31999a0000000p-3f, 0x1.4e66660000000p-3f,
      0x1.6b33320000000p-3f, 0x1.8800000000000p-3f, 0x1.a4cccc0000000p-3f, 0x1.c1999a0000000p-3f,
      0x1.de66680000000p-3f, 0x1.fb33340000000p-3f, 0x1.0c00000000000p-2f, 0x1.1a66680000000p-2f,
      0x1.28cccc0000000p-2f, 0x1.3733340000000p-2f, 0x1.4599980000000p-2f, 0x1.5400000000000p-2f,
      0x1.6266640000000p-2f, 0x1.70cccc0000000p-2f, 0x1.7f33340000000p-2f, 0x1.8d99980000000p-2f,
      0x1.9c00000000000p-2f, 0x1.aa66640000000p-2f, 0x1.b8cccc0000000p-2f, 0x1.c733340000000p-2f,
      0x1.d599980000000p-2f, 0x1.e400000000000p-2f, 0x1.f266680000000p-2f, 0x1.0066660000000p-1f,
      0x1.07999a0000000p-1f, 0x1.0ecccc0000000p-1f, 0x1.1600000000000p-1f, 0x1.1d33340000000p-1f,
      0x1.2466680000000p-1f, 0x1.2b999a0000000p-1f, 0x1.32cccc0000000p-1f, 0x1.3a00000000000p-1f,
      0x1.4133340000000p-1f, 0x1.4866660000000p-1f, 0x1.4f999a0000000p-1f, 0x1.56ccce0000000p-1f,
      0x1.5e00000000000p-1f, 0x1.6533340000000p-1f, 0x1.6c66680000000p-1f, 0x1.73999a0000000p-1f,
      0x1.7accce0000000p-1f, 0x1.8200000000000p-1f, 0x1.8933340000000p-1f, 0x1.9066660000000p-1f,
      0x1.9799980000000p-1f, 0x1.9ecccc0000000p-1f, 0x1.a600000000000p-1f, 0x1.ad33320000000p-1f,
      0x1.b466660000000p-1f, 0x1.bb99980000000p-1f, 0x1.c2cccc0000000p-1f, 0x1.ca00000000000p-1f,
      0x1.d133340000000p-1f, 0x1.d866660000000p-1f, 0x1.df99980000000p-1f, 0x1.e6cccc0000000p-1f,
      0x1.ee00000000000p-1f, 0x1.f533320000000p-1f, 0x1.fc66660000000p-1f, 0x1.0000000000000p+0f,
  };
  return map;
}

uint8_t bnb_dynamic_encode(float x) {
  // dQuantize<STOCHASTIC = 0> (bitsandbytes csrc/kernels.cu), line for line.
  const std::array<float, 256>& code = bnb_dynamic_map();
  int pivot = 127, upper_pivot = 255, lower_pivot = 0;
  float lower = -1.0f, upper = 1.0f;
  float val = code[size_t(pivot)];
  for (int i = 64; i > 0; i >>= 1) {
    if (x > val) {
      lower_pivot = pivot;
      lower = val;
      pivot += i;
    } else {
      upper_pivot = pivot;
      upper = val;
      pivot -= i;
    }
    val = code[size_t(pivot)];
  }
  if (upper_pivot == 255) upper = code[size_t(upper_pivot)];
  if (lower_pivot == 0) lower = code[size_t(lower_pivot)];
  if (x > val) {
    const float midpoint = (upper + val) * 0.5f;
    return uint8_t(x > midpoint ? upper_pivot : pivot);
  }
  const float midpoint = (lower + val) * 0.5f;
  return uint8_t(x < midpoint ? lower_pivot : pivot);
}

const MxElementTraits& mx_traits(MxElement e) {
  // OCP Microscaling Formats (MX) v1.0, table 1: emax_elem and the largest normal.
  static const MxElementTraits t[] = {
      {4, 3, 7, 8, 448.0f},     // FP8 E4M3 (no Inf; S.1111.111 is NaN)
      {5, 2, 15, 15, 57344.0f}, // FP8 E5M2
      {3, 2, 3, 4, 28.0f},      // FP6 E3M2
      {2, 3, 1, 2, 7.5f},       // FP6 E2M3
      {2, 1, 1, 2, 6.0f},       // FP4 E2M1
  };
  return t[int(e)];
}

float mx_cast(MxElement e, float v) { return mx_cast(mx_traits(e), v); }

int32_t mx_magnitude_index(MxElement e, float q) { return mx_magnitude_index(mx_traits(e), q); }

const std::vector<float>& mx_positive_values(MxElement e) {
  static std::vector<float> cache[5];
  static const bool filled = [] {
    for (int k = 0; k < 5; ++k) {
      const MxElementTraits& t = mx_traits(MxElement(k));
      std::vector<float>& out = cache[k];
      for (int ex = 0; ex < (1 << t.exponent_bits); ++ex) {
        for (int m = 0; m < (1 << t.mantissa_bits); ++m) {
          const double frac = double(m) / double(1 << t.mantissa_bits);
          const double v = ex == 0 ? std::ldexp(frac, 1 - t.bias) : std::ldexp(1.0 + frac, ex - t.bias);
          if (v <= double(t.max)) out.push_back(float(v));
        }
      }
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
    }
    return true;
  }();
  (void)filled;
  return cache[int(e)];
}

}  // namespace qs
