#pragma once
// Where the desktop app finds what it loads at run time: assets/ (DESIGN.md "Layout").
// In the build tree the build copies them next to the binary (<exe dir>/assets); an
// installed binary finds them under <prefix>/share/quantscope, located from its own
// path (<exe dir>/../share/quantscope), so any install prefix works without a
// compiled-in path. A missing asset is not an error: the caller goes without (no window
// icon, ImGui's built-in font) and says so once.
// No GUI dependency, so the unit tests call it.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace qs::app {

// The running executable's directory (from /proc/self/exe); empty if it cannot be read.
std::filesystem::path executable_dir();

// Where to look for assets for an executable in exe_dir, in order: the build tree's
// copy, then the installed share directory. Empty exe_dir: none.
std::vector<std::filesystem::path> asset_dirs(const std::filesystem::path& exe_dir);

// The first dir / relative that is a regular file.
std::optional<std::filesystem::path> find_asset(const std::vector<std::filesystem::path>& dirs,
                                                const std::filesystem::path& relative);

// The window icon's sizes (assets/icons/quantscope-N.png).
inline constexpr int kIconSizes[] = {16, 32, 48, 64, 128, 256};

// The icon PNGs found, smallest first, all from the first directory that has any (one
// icon's sizes, not a mix of two installs).
std::vector<std::filesystem::path> find_icon_files(const std::vector<std::filesystem::path>& dirs);

// The UI font, DejaVu Sans (Debian: fonts-dejavu-core, a dependency of the package
// rather than a copy in assets/), looked up in the XDG data directories
// (data_dirs: $XDG_DATA_DIRS's value; empty means the default /usr/local/share:/usr/share).
std::optional<std::filesystem::path> find_font(const std::string& data_dirs);

// One line for stderr: what was not found and where it was looked for.
std::string describe_search(const std::string& what, const std::vector<std::filesystem::path>& dirs);

}  // namespace qs::app
