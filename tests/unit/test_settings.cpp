// The app's persisted settings: the key=value text, its defaults, and the file round trip.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "app/gui/shell/settings.h"

using namespace qs::app;

TEST(Settings, ParseKnownKeysAndIgnoreTheRest) {
  const Settings s = parse_settings(
      "# comment\ntheme=light\nwindow=1600x1000\nrecent=/a/b.safetensors\nunknown=1\nrecent=/c.npy\n");
  EXPECT_FALSE(s.dark);
  EXPECT_EQ(s.width, 1600);
  EXPECT_EQ(s.height, 1000);
  ASSERT_EQ(s.recent.size(), 2u);
  EXPECT_EQ(s.recent[0], "/a/b.safetensors");
  EXPECT_EQ(s.recent[1], "/c.npy");
}

TEST(Settings, BadValuesKeepTheDefaults) {
  const Settings d;
  const Settings s = parse_settings("theme=purple\nwindow=10x10\nwindow=abc\nwindow=99999x500\nrecent=\n");
  EXPECT_EQ(s.dark, d.dark);
  EXPECT_EQ(s.width, d.width);
  EXPECT_EQ(s.height, d.height);
  EXPECT_TRUE(s.recent.empty());
  std::string many;
  for (int i = 0; i < 15; ++i) many += "recent=/f" + std::to_string(i) + "\n";
  EXPECT_EQ(parse_settings(many).recent.size(), 10u);  // at most 10 recent files
}

TEST(Settings, FormatParseRoundTripAndFile) {
  const auto dir = std::filesystem::temp_directory_path() / "qs_test_settings" / "nested";
  std::filesystem::remove_all(dir.parent_path());
  Settings s;
  s.dark = false;
  s.width = 1280;
  s.height = 800;
  s.recent = {"/models/a.safetensors", "/odd\nname.npy", "/b.gguf"};
  s.dir = dir.string();
  ASSERT_TRUE(save_settings(s));  // creates the directory
  const Settings back = load_settings(dir.string());
  EXPECT_FALSE(back.dark);
  EXPECT_EQ(back.width, 1280);
  EXPECT_EQ(back.height, 800);
  // A name with a newline cannot be stored in a line-based file: it is skipped, not split.
  EXPECT_EQ(back.recent, (std::vector<std::string>{"/models/a.safetensors", "/b.gguf"}));
  EXPECT_EQ(back.dir, dir.string());
  // Missing file: defaults, still pointing at the directory.
  const Settings none = load_settings((dir / "missing").string());
  EXPECT_TRUE(none.dark);
  EXPECT_TRUE(none.recent.empty());
  Settings nowhere;
  EXPECT_FALSE(save_settings(nowhere));  // no directory: nothing written
  std::filesystem::remove_all(dir.parent_path());
}
