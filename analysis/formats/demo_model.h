#pragma once
// The built-in demo model: deterministic synthetic tensors that show what a learner should
// see (Gaussian, outlier columns, Laplace, one huge outlier, constant, NaN/Inf, bf16, fp16,
// an HWIO conv filter, a bias vector). Same bytes on every machine (own PRNG, no <random>
// distributions, whose output differs between standard libraries).
#include <vector>

#include "analysis/formats/safetensors.h"

namespace qs {

// The demo's version, in its metadata (`quantscope_demo`): bumped whenever its tensors
// change (2: o_proj's act_scales), so a demo cached by an older build is written anew.
inline constexpr const char* kDemoVersion = "2";

struct DemoOptions {
  bool small = false;  // tests: the 4096x4096 tensor becomes 256x256
};

std::vector<OwnedTensor> make_demo_tensors(const DemoOptions& opt = {});
Result<void> write_demo_model(const std::string& path, const DemoOptions& opt = {});

}  // namespace qs
