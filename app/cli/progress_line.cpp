#include "app/cli/progress_line.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace qs::cli {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressLine::ProgressLine(std::string what, std::string unit, bool quiet)
    : what_(std::move(what)), unit_(std::move(unit)), enabled_(!quiet && stderr_is_terminal()),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

ProgressLine::~ProgressLine() { finish(); }

namespace {

std::string clock_text(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const long t = long(std::lround(s));
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

}  // namespace

std::string ProgressLine::format(const std::string& what, const std::string& unit, int64_t items_done,
                                 int64_t items_total, int64_t bytes_done, int64_t bytes_total, double seconds) {
  char buf[64];
  std::string line = what + ": ";
  if (unit == "GB") {  // the work is bytes only (demo --big): show them, two decimals
    std::snprintf(buf, sizeof buf, "%.2f/%.2f GB", double(bytes_done) / 1e9, double(bytes_total) / 1e9);
    line += buf;
  } else {
    line += std::to_string(items_done) + "/" + std::to_string(items_total) + " " + unit;
  }
  // The rate needs a moment of data to mean anything; before that it is left out.
  if (seconds >= 0.05 && bytes_done > 0) {
    std::snprintf(buf, sizeof buf, " · %.2f GB/s", double(bytes_done) / seconds / 1e9);
    line += buf;
  }
  double fraction = 0;
  if (bytes_total > 0) fraction = double(bytes_done) / double(bytes_total);
  else if (items_total > 0) fraction = double(items_done) / double(items_total);
  if (fraction > 0 && fraction < 1 && seconds >= 0.05) {
    line += " · ETA " + clock_text(seconds * (1 - fraction) / fraction);
  }
  return line;
}

void ProgressLine::update(int64_t items_done, int64_t items_total, int64_t bytes_done, int64_t bytes_total) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool last = items_total > 0 && items_done >= items_total;
  if (shown_ && !last && now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  const double s = std::chrono::duration<double>(now - start_).count();
  const std::string line = format(what_, unit_, items_done, items_total, bytes_done, bytes_total, s);
  // Pad over a longer previous line so no stale characters remain.
  const size_t pad = last_width_ > line.size() ? last_width_ - line.size() : 0;
  std::cerr << '\r' << line << std::string(pad, ' ') << std::flush;
  last_width_ = line.size();
  shown_ = true;
}

void ProgressLine::finish() {
  if (!enabled_ || !shown_) return;
  std::cerr << '\r' << std::string(last_width_, ' ') << '\r' << std::flush;
  shown_ = false;
}

}  // namespace qs::cli
