#pragma once
// A large synthetic sharded safetensors model (Llama-shaped layers), so big-model
// behaviour (instant open, bounded memory while scanning) is testable without downloads.
#include <cstdint>
#include <functional>
#include <string>

#include "analysis/base/error.h"

namespace qs {

struct BigDemoOptions {
  double gib = 1.0;                          // approximate total size in GiB (≥ one layer)
  int64_t hidden = 4096;                     // attention projections: hidden × hidden F32
  int64_t ffn = 11008;                       // MLP projections: ffn × hidden BF16
  int64_t shard_bytes = int64_t(2) << 30;    // a new shard starts past this size
  // Called after each tensor with (bytes written, bytes planned); return false to cancel.
  std::function<bool(int64_t, int64_t)> progress;
};

// Writes DIR/model-0000i-of-0000n.safetensors and DIR/model.safetensors.index.json.
// DIR must not exist or be empty. Everything is written into a temporary sibling
// directory that is renamed to DIR at the end: a failed or cancelled run leaves nothing.
// Memory stays at one chunk of values whatever the size.
Result<void> write_big_demo(const std::string& dir, const BigDemoOptions& opt);

}  // namespace qs
