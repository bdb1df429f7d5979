#include "app/gui/shell/assets.h"

#include <sstream>
#include <system_error>

namespace qs::app {

namespace fs = std::filesystem;

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

std::vector<fs::path> asset_dirs(const fs::path& exe_dir) {
  if (exe_dir.empty()) return {};
  // lexically_normal: messages show /usr/share/quantscope, not /usr/bin/../share/...
  return {exe_dir / "assets", (exe_dir / ".." / "share" / "quantscope").lexically_normal()};
}

std::optional<fs::path> find_asset(const std::vector<fs::path>& dirs, const fs::path& relative) {
  for (const fs::path& d : dirs) {
    std::error_code ec;
    const fs::path p = d / relative;
    if (fs::is_regular_file(p, ec)) return p;
  }
  return std::nullopt;
}

std::vector<fs::path> find_icon_files(const std::vector<fs::path>& dirs) {
  for (const fs::path& d : dirs) {
    std::vector<fs::path> found;
    for (int n : kIconSizes) {
      if (auto p = find_asset({d}, "icons/quantscope-" + std::to_string(n) + ".png")) found.push_back(*p);
    }
    if (!found.empty()) return found;
  }
  return {};
}

std::optional<fs::path> find_font(const std::string& data_dirs) {
  // The XDG Base Directory default when $XDG_DATA_DIRS is unset or empty.
  std::string list = data_dirs.empty() ? "/usr/local/share:/usr/share" : data_dirs;
  std::vector<fs::path> dirs;
  std::stringstream ss(list);
  for (std::string d; std::getline(ss, d, ':');) {
    if (!d.empty()) dirs.push_back(fs::path(d) / "fonts" / "truetype" / "dejavu");
  }
  // A desktop session's XDG_DATA_DIRS may leave /usr/share out (flatpak exports only,
  // say); the Debian package's font is still there.
  dirs.push_back("/usr/share/fonts/truetype/dejavu");
  return find_asset(dirs, "DejaVuSans.ttf");
}

std::string describe_search(const std::string& what, const std::vector<fs::path>& dirs) {
  std::string s = what + " not found (looked in";
  if (dirs.empty()) s += " no directory: the executable's path is unknown";
  for (size_t i = 0; i < dirs.size(); ++i) s += (i ? ", " : " ") + dirs[i].string();
  return s + ")";
}

}  // namespace qs::app
