// The built-in demo model. Each tensor draws from its own generator seeded by a hash of
// its name, so tensors do not depend on each other (opt.small changes one tensor only)
// and the bytes are the same on every machine: xoshiro256** and our own transforms
// instead of <random> distributions, whose output differs between standard libraries.
#include "analysis/formats/demo_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>

#include "analysis/formats/demo_rng.h"
#include "analysis/numeric/float_formats.h"

namespace qs {
namespace {

using demo::Rng;

// Float values of one tensor, in C order, before encoding to its dtype.
struct Draft {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> v;
  Rng rng;
  Draft(std::string n, std::vector<int64_t> s)
      : name(std::move(n)), shape(std::move(s)), rng(name) {
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    v.resize(size_t(numel));
  }
  Draft& gaussian(double stddev) {
    for (float& x : v) x = float(stddev * rng.normal());
    return *this;
  }
  Draft& laplace(double b) {
    for (float& x : v) x = float(rng.laplace(b));
    return *this;
  }
  float& at(int64_t r, int64_t c) { return v[size_t(r * shape[1] + c)]; }
};

OwnedTensor encode(const Draft& d, DType dtype) {
  OwnedTensor t{d.name, dtype, d.shape, {}};
  t.data.resize(d.v.size() * dtype_size(dtype));
  if (dtype == DType::F32) {
    std::memcpy(t.data.data(), d.v.data(), t.data.size());
    return t;
  }
  for (size_t i = 0; i < d.v.size(); ++i) {  // F16 / BF16, little-endian
    const uint16_t code =
        dtype == DType::BF16 ? numeric::bf16_encode(d.v[i]) : numeric::fp16_encode(d.v[i]);
    t.data[2 * i] = std::byte(code & 0xff);
    t.data[2 * i + 1] = std::byte(code >> 8);
  }
  return t;
}

}  // namespace

std::vector<OwnedTensor> make_demo_tensors(const DemoOptions& opt) {
  std::vector<OwnedTensor> out;
  const int64_t big = opt.small ? 256 : 4096;

  // The plain case: what a well-behaved linear layer looks like.
  out.push_back(
      encode(Draft("model.layers.0.mlp.down_proj.weight", {big, big}).gaussian(0.02), DType::F32));

  // LLM.int8()-style outlier features: a few input columns are ~25x larger than the rest,
  // which is what makes per-tensor absmax waste most of its codes.
  {
    Draft d("model.layers.0.self_attn.o_proj.weight", {512, 1024});
    d.gaussian(0.02);
    for (int64_t c : {7, 131, 402, 555, 768, 1001}) {
      for (int64_t r = 0; r < 512; ++r) d.at(r, c) *= 25.0f;
    }
    out.push_back(encode(d, DType::F32));
  }
  out.push_back(
      encode(Draft("model.layers.0.self_attn.o_proj.bias", {512}).gaussian(0.01), DType::F32));
  // Heavier tails than a Gaussian: clipping pays off here.
  out.push_back(
      encode(Draft("model.layers.0.mlp.up_proj.weight", {1024, 512}).laplace(0.014), DType::F32));
  // One huge value stretches the whole tensor's range.
  {
    Draft d("model.layers.1.self_attn.q_proj.weight", {512, 512});
    d.gaussian(0.02).at(17, 301) = 6.0f;
    out.push_back(encode(d, DType::F32));
  }
  // Constant: every scheme must reproduce it exactly (a degenerate range).
  {
    Draft d("model.layers.1.input_layernorm.weight", {512});
    std::fill(d.v.begin(), d.v.end(), 1.0f);
    out.push_back(encode(d, DType::F32));
  }
  // Non-finite values are counted and pass through, never poison a range.
  {
    Draft d("model.layers.1.self_attn.k_proj.weight", {256, 256});
    d.gaussian(0.02);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    d.at(3, 14) = nan;
    d.at(100, 200) = nan;
    d.at(255, 0) = nan;
    d.at(10, 10) = inf;
    d.at(128, 64) = inf;
    d.at(200, 255) = -inf;
    out.push_back(encode(d, DType::F32));
  }
  // Stored in half-precision formats, as checkpoints usually are.
  out.push_back(encode(Draft("model.layers.1.mlp.gate_proj.weight", {512, 1024}).gaussian(0.02),
                       DType::BF16));
  out.push_back(
      encode(Draft("model.layers.1.mlp.down_proj.weight", {1024, 512}).gaussian(0.02), DType::F16));
  // A conv filter in HWIO layout: per-channel quantization uses axis -1 here.
  out.push_back(encode(Draft("vision.conv1.weight", {3, 3, 16, 32}).gaussian(0.1), DType::F32));
  // SmoothQuant-style activation maxima for o_proj's 1024 inputs (an act_scales entry):
  // |a| of ordinary channels, and a few channels whose activations are ~30x larger — the
  // outliers `smooth=α` migrates into the weights (the Outliers view's smoothing row).
  {
    Draft d("model.layers.0.self_attn.o_proj.act_scales", {1024});
    for (float& a : d.v) a = float(0.5 + std::fabs(d.rng.normal()));
    for (int64_t c : {50, 300, 640, 900}) d.v[size_t(c)] *= 30.0f;
    out.push_back(encode(d, DType::F32));
  }
  return out;
}

Result<void> write_demo_model(const std::string& path, const DemoOptions& opt) {
  const nlohmann::json metadata = {
      {"format", "pt"},
      {"quantscope_demo", kDemoVersion},
      {"description",
       "QuantScope demo model: synthetic weights showing Gaussian and Laplace layers, outlier "
       "columns, a single huge outlier, a constant tensor, NaN/Inf values, bf16 and fp16 "
       "storage and an HWIO conv filter."}};
  return write_safetensors(path, make_demo_tensors(opt), metadata);
}

}  // namespace qs
