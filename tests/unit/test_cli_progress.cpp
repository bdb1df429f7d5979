// The CLI's progress line: its text for hand-picked counts, and as a user sees it: shown
// on a terminal (a pseudo-terminal through util-linux `script`), absent when stderr is a
// file or pipe, and silenced by --quiet before or after the command.
#include <gtest/gtest.h>

#include <string>

#include "app/cli/progress_line.h"
#include "cli_runner.h"

namespace {

using qs::cli::ProgressLine;

TEST(ProgressLine, TextForHandPickedCounts) {
  // 12 of 128 tensors, 3 GB of 30 GB after 2 s: 1.5 GB/s, 27 GB left → 18 s.
  EXPECT_EQ(ProgressLine::format("report", "tensors", 12, 128, 3'000'000'000, 30'000'000'000, 2.0),
            "report: 12/128 tensors · 1.50 GB/s · ETA 0:18");
  // Hours and minutes: a tenth done after 1000 s → 9000 s left = 2:30:00.
  EXPECT_EQ(ProgressLine::format("x", "tensors", 1, 10, 100, 1000, 1000.0), "x: 1/10 tensors · 0.00 GB/s · ETA 2:30:00");
  // No bytes: the items give the fraction; no rate.
  EXPECT_EQ(ProgressLine::format("quantize w", "schemes", 1, 4, 0, 0, 3.0), "quantize w: 1/4 schemes · ETA 0:09");
  // Before 50 ms there is no rate and no ETA; at the end no ETA.
  EXPECT_EQ(ProgressLine::format("r", "tensors", 1, 2, 10, 20, 0.01), "r: 1/2 tensors");
  EXPECT_EQ(ProgressLine::format("r", "tensors", 2, 2, 2'000'000'000, 2'000'000'000, 1.0), "r: 2/2 tensors · 2.00 GB/s");
  // Byte-only work (demo --big).
  EXPECT_EQ(ProgressLine::format("demo", "GB", 0, 0, 250'000'000, 1'000'000'000, 0.5),
            "demo: 0.25/1.00 GB · 0.50 GB/s · ETA 0:02");
}

// Runs the CLI under a pseudo-terminal; stdout and stderr both land in the returned text.
std::string run_on_terminal(const std::string& args) {
  const std::string cmd = "script -qec \"" + std::string(QS_CLI_PATH) + " " + args + "\" /dev/null";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

class CliProgress : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    model_ = path("demo.safetensors");
    ASSERT_EQ(run_cli("demo --small --out " + model_).code, 0);
  }
  std::string model_;
};

TEST_F(CliProgress, ReportShowsTensorsOnATerminalOnly) {
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "util-linux script is missing";
  const std::string tty = run_on_terminal("report " + model_ + " --scheme int8 --out " + path("r1"));
  // The final count is always drawn, then erased with spaces before the summary.
  EXPECT_NE(tty.find("\rreport: 11/11 tensors"), std::string::npos) << tty;
  EXPECT_NE(tty.find("wrote " + path("r1")), std::string::npos) << tty;
  const std::string quiet = run_on_terminal("report " + model_ + " --scheme int8 --out " + path("r2") + " --quiet");
  EXPECT_EQ(quiet.find("report: "), std::string::npos) << quiet;
  EXPECT_EQ(quiet.find('\r'), quiet.find("\r\n")) << "only the terminal's line ends: " << quiet;
  const std::string quiet_first = run_on_terminal("-q report " + model_ + " --scheme int8 --out " + path("r3"));
  EXPECT_EQ(quiet_first.find("report: "), std::string::npos) << quiet_first;
  const CliRun piped = run_cli("report " + model_ + " --scheme int8 --out " + path("r4"));
  ASSERT_EQ(piped.code, 0) << piped.err;
  EXPECT_EQ(piped.err, "");  // stderr is a file here: no progress line
}

TEST_F(CliProgress, InspectStatsShowsTensorsOnATerminalOnly) {
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "util-linux script is missing";
  const std::string tty = run_on_terminal("inspect --stats " + model_);
  EXPECT_NE(tty.find("\rinspect --stats: 11/11 tensors"), std::string::npos) << tty;
  const CliRun piped = run_cli("inspect --stats " + model_);
  ASSERT_EQ(piped.code, 0) << piped.err;
  EXPECT_EQ(piped.err, "");
}

}  // namespace
