#pragma once
// Settings that persist between runs (theme, window size, recent files), as a small
// key=value file in the user's config directory, written atomically. ImGui keeps the
// panel layout in imgui.ini beside it.
#include <string>
#include <vector>

namespace qs::app {

struct Settings {
  bool dark = true;
  int width = 1440, height = 900;
  std::vector<std::string> recent;  // most recent first, at most 10
  std::string dir;                  // where the files live ("" = do not persist)

  std::string path() const { return dir.empty() ? "" : dir + "/quantscope.ini"; }
  std::string imgui_ini() const { return dir.empty() ? "" : dir + "/imgui.ini"; }
};

// $QS_CONFIG_DIR, else $XDG_CONFIG_HOME/quantscope, else ~/.config/quantscope.
std::string default_config_dir();
// Missing or unreadable file: defaults (never an error: settings are a convenience).
Settings load_settings(const std::string& dir);
// Creates the directory if needed; returns false (silently) when it cannot write.
bool save_settings(const Settings& s);
// Parses the key=value text (unknown keys ignored, bad values keep the default).
Settings parse_settings(const std::string& text);
std::string format_settings(const Settings& s);

}  // namespace qs::app
