#include "app/gui/shell/settings.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/base/atomic_file.h"

namespace qs::app {

std::string default_config_dir() {
  if (const char* d = std::getenv("QS_CONFIG_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/quantscope";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.config/quantscope";
  return "";
}

Settings parse_settings(const std::string& text) {
  Settings s;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    const std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "theme") {
      if (v == "dark" || v == "light") s.dark = v == "dark";
    } else if (k == "window") {
      int w = 0, h = 0;
      if (std::sscanf(v.c_str(), "%dx%d", &w, &h) == 2 && w >= 400 && h >= 300 && w <= 16384 &&
          h <= 16384) {
        s.width = w;
        s.height = h;
      }
    } else if (k == "recent") {
      if (!v.empty() && s.recent.size() < 10) s.recent.push_back(v);
    }
  }
  return s;
}

std::string format_settings(const Settings& s) {
  std::string out = "# QuantScope settings (rewritten on exit)\n";
  out += std::string("theme=") + (s.dark ? "dark" : "light") + "\n";
  out += "window=" + std::to_string(s.width) + "x" + std::to_string(s.height) + "\n";
  for (const auto& r : s.recent)
    if (r.find('\n') == std::string::npos && r.find('\r') == std::string::npos) out += "recent=" + r + "\n";
  return out;
}

Settings load_settings(const std::string& dir) {
  Settings s;
  if (!dir.empty()) {
    std::ifstream f(dir + "/quantscope.ini");
    if (f) {
      std::stringstream ss;
      ss << f.rdbuf();
      s = parse_settings(ss.str());
    }
  }
  s.dir = dir;
  return s;
}

bool save_settings(const Settings& s) {
  if (s.dir.empty()) return false;
  std::error_code ec;
  std::filesystem::create_directories(s.dir, ec);
  const std::string text = format_settings(s);
  return write_file_atomic(s.path(), std::as_bytes(std::span<const char>(text))).has_value();
}

}  // namespace qs::app
