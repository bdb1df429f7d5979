#pragma once
// One progress line on stderr for the CLI's long commands (report, inspect --stats, a
// quantize over 100 M elements, demo --big): "report: 12/128 tensors · 1.9 GB/s · ETA 0:41",
// rewritten in place with \r a few times a second. It shows only when stderr is a terminal
// and --quiet was not given, so scripts and pipes see nothing; finish() clears the line.
#include <chrono>
#include <cstdint>
#include <string>

namespace qs::cli {

class ProgressLine {
 public:
  // `what` prefixes the line; `unit` names the counted items ("tensors", "schemes"), or is
  // "GB" for work counted in bytes only (then the items are ignored).
  ProgressLine(std::string what, std::string unit, bool quiet);
  ~ProgressLine();

  // Items and bytes done so far (bytes drive the rate and the ETA; a total of 0 bytes
  // falls back to items). Throttled: prints at most every 200 ms, and always at the end.
  void update(int64_t items_done, int64_t items_total, int64_t bytes_done, int64_t bytes_total);
  void finish();  // erases the line (the command prints its own summary)

  bool enabled() const { return enabled_; }

  // The line's text for these counts after `seconds` (no \r): exposed for the tests.
  static std::string format(const std::string& what, const std::string& unit, int64_t items_done,
                            int64_t items_total, int64_t bytes_done, int64_t bytes_total, double seconds);

 private:
  std::string what_, unit_;
  bool enabled_ = false, shown_ = false;
  size_t last_width_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

// True when stderr is a terminal (the progress line's condition besides --quiet).
bool stderr_is_terminal();

}  // namespace qs::cli
