#pragma once
// Runs quantscope-cli as a user scripts it (the binary, its stdout, stderr and exit code),
// and a fixture with a temporary directory: shared by the CLI tests.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

struct CliRun {
  int code = -1;
  std::string out, err;
};

inline CliRun run_cli(const std::string& args) {
  static int counter = 0;
  const fs::path err_file = fs::temp_directory_path() /
                            ("qs_cli_err_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  const std::string cmd = std::string(QS_CLI_PATH) + " " + args + " 2>" + err_file.string();
  CliRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream f(err_file);
  r.err.assign(std::istreambuf_iterator<char>(f), {});
  fs::remove(err_file);
  return r;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/qs_cli_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  bool have_numpy() const {
    return std::system((std::string(QS_PYTHON) + " -c 'import numpy' 2>/dev/null").c_str()) == 0;
  }
  fs::path dir_;
};

