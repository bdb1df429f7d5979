#pragma once
// Text helpers shared by the report writers (report.cpp) and their charts (report_svg.cpp):
// numbers as the reports print them, XML escaping, the scheme colours.
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "analysis/model/model_analysis.h"

namespace qs::report_text {

// printf-formatted, with nan/inf spelled out (never locale- or libc-dependent text).
inline std::string num(double v, const char* f = "%.6g") {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
inline std::string opt(const std::optional<double>& v, const char* f = "%.6g") { return v ? num(*v, f) : ""; }

inline std::string xml_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') o += "?"; else o += c;
    }
  }
  return o;
}

inline double sqnr_or(const SchemeOnTensor& s, double fallback) {
  return s.metrics && s.metrics->sqnr_db ? *s.metrics->sqnr_db : fallback;
}

// One colour per scheme (cycled), the same in every chart and table of a report.
inline constexpr const char* kColors[] = {"#3b82f6", "#f59e0b", "#10b981", "#ef4444",
                                          "#8b5cf6", "#14b8a6", "#ec4899", "#84cc16"};

}  // namespace qs::report_text
