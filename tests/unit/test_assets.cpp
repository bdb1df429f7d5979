// Where the desktop app looks for its run-time files (app/gui/shell/assets.h): the build
// tree's copy next to the binary, an installed tree's share/quantscope found from the
// binary's own path, and nothing (not an error) when neither is there.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "app/gui/shell/assets.h"

using namespace qs::app;
namespace fs = std::filesystem;

namespace {

// This process's scratch root (ctest runs test processes in parallel), removed at exit.
fs::path scratch_root() { return fs::temp_directory_path() / ("qs_test_assets_" + std::to_string(getpid())); }

fs::path scratch(const std::string& name) {
  const fs::path d = scratch_root() / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

struct RemoveScratch : ::testing::Environment {
  void TearDown() override { fs::remove_all(scratch_root()); }
};
[[maybe_unused]] const auto* const kRemoveScratch = ::testing::AddGlobalTestEnvironment(new RemoveScratch);

void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "x";
}

}  // namespace

TEST(Assets, BuildTreeCopyThenInstalledShareDirectory) {
  const auto dirs = asset_dirs("/opt/qs/bin");
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[0], fs::path("/opt/qs/bin/assets"));
  EXPECT_EQ(dirs[1], fs::path("/opt/qs/share/quantscope"));  // normalized, no bin/..
  EXPECT_TRUE(asset_dirs("").empty());
}

TEST(Assets, ExecutableDirIsThisTestsDirectory) {
  const fs::path dir = executable_dir();
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(fs::is_regular_file(dir / "test_assets"));
}

TEST(Assets, FindsIconsInAnInstalledPrefix) {
  const fs::path prefix = scratch("prefix");
  for (int n : {16, 48, 256}) touch(prefix / "share/quantscope/icons" / ("quantscope-" + std::to_string(n) + ".png"));
  touch(prefix / "bin/quantscope");
  const auto icons = find_icon_files(asset_dirs(prefix / "bin"));
  ASSERT_EQ(icons.size(), 3u);  // the sizes present, smallest first
  EXPECT_EQ(icons[0], prefix / "share/quantscope/icons/quantscope-16.png");
  EXPECT_EQ(icons[2], prefix / "share/quantscope/icons/quantscope-256.png");
  EXPECT_EQ(find_asset(asset_dirs(prefix / "bin"), "icons/quantscope-48.png"),
            prefix / "share/quantscope/icons/quantscope-48.png");
}

TEST(Assets, TheBuildTreeCopyWinsAndIsNotMixedWithAnInstall) {
  const fs::path root = scratch("both");
  touch(root / "bin/assets/icons/quantscope-32.png");
  for (int n : kIconSizes) touch(root / "share/quantscope/icons" / ("quantscope-" + std::to_string(n) + ".png"));
  const auto icons = find_icon_files(asset_dirs(root / "bin"));
  ASSERT_EQ(icons.size(), 1u);
  EXPECT_EQ(icons[0], root / "bin/assets/icons/quantscope-32.png");
}

TEST(Assets, MissingAssetsAreNoneNotAnError) {
  const fs::path root = scratch("empty");
  touch(root / "bin/quantscope");
  fs::create_directories(root / "share/quantscope/icons/quantscope-16.png");  // a directory is not a file
  EXPECT_TRUE(find_icon_files(asset_dirs(root / "bin")).empty());
  EXPECT_FALSE(find_asset(asset_dirs(root / "bin"), "icons/quantscope-16.png"));
  const std::string msg = describe_search("the icon", asset_dirs(root / "bin"));
  EXPECT_NE(msg.find("the icon not found (looked in " + (root / "bin/assets").string() + ", "), std::string::npos);
  EXPECT_NE(msg.find((root / "share/quantscope").string()), std::string::npos);
}

TEST(Assets, FontFromTheXdgDataDirsInOrder) {
  const fs::path a = scratch("xdg_a"), b = scratch("xdg_b");
  touch(b / "fonts/truetype/dejavu/DejaVuSans.ttf");
  EXPECT_EQ(find_font(a.string() + "::" + b.string()), b / "fonts/truetype/dejavu/DejaVuSans.ttf");
  touch(a / "fonts/truetype/dejavu/DejaVuSans.ttf");
  EXPECT_EQ(find_font(a.string() + ":" + b.string()), a / "fonts/truetype/dejavu/DejaVuSans.ttf");
}

TEST(Assets, FontFallsBackToDebiansPath) {
  // fonts-dejavu-core is a build dependency (scripts/install-deps.sh), so it is here.
  const fs::path empty = scratch("xdg_empty");
  EXPECT_EQ(find_font(empty.string()), fs::path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"));
  EXPECT_EQ(find_font(""), fs::path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"));
}
