#pragma once
// --bench-interaction: what users do, replayed through the App's own entry points, with
// edit → result latencies, frame times, cache build times and peak RSS (issue 15 §3).
//
// Cases, in order (the drags start once the tensor's sorted-values cache is built; its
// build time is printed separately):
//   1. clip-handle drag, 5 s at 1 Hz, on the demo's 4096×4096 float32 tensor (16.8 M)
//   2. the same on the demo's 1024×512 tensor (0.5 M)
//   3. per-block edit: bits 4 ↔ 5 on absmax:gran=block,block=32, 4096×4096 (one edit,
//      wait for its result, the next)
//   4. clip drag on a [32768, 4096] bf16 tensor (134 M; written once to the cache
//      directory, like the demo)
//   5. per-block edit on it: preview (every 16th row) and exact result
// Then one summary line: `interaction: worst edit->result p95 X ms (case)`.
#include <chrono>
#include <string>
#include <vector>

#include "analysis/base/error.h"

namespace qs::app {

class App;

// The [32768, 4096] bf16 tensor's file, written on first use under the cache directory.
Result<std::string> big_bench_path(const std::string& cache_dir);

class InteractionBench {
 public:
  explicit InteractionBench(std::string demo_path, std::string big_path)
      : demo_path_(std::move(demo_path)), big_path_(std::move(big_path)) {}
  // Call every frame before the UI; true when every case has been measured (or failed).
  bool step(App& app);
  void frame_time(double ms);
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  enum class Phase { Select, WaitReady, Run, Drain };
  void report(App& app);
  void start_case(App& app);

  std::string demo_path_, big_path_;
  size_t case_ = 0;
  Phase phase_ = Phase::Select;
  std::chrono::steady_clock::time_point t0_, selected_at_;
  double hi0_ = 0, lo_ = 0;
  int edits_ = 0;
  std::vector<double> frame_ms_;
  double worst_p95_ = 0;
  std::string worst_case_;
  std::string error_;
};

}  // namespace qs::app
