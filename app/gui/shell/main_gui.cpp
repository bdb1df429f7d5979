// quantscope: the desktop app. Parses the command line (DESIGN.md "GUI"), opens the
// window and runs the frame loop; the App draws, the ActionScript replays scripted input,
// and --bench-interaction measures edits as users make them (interaction_bench.h).
#include <algorithm>
#include <chrono>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <imgui.h>

#include "analysis/formats/demo_model.h"
#include "analysis/formats/model.h"
#include "app/gui/actions/actions.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/interaction_bench.h"
#include "app/gui/shell/platform.h"

namespace {

using namespace qs;
using namespace qs::app;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string file;
  std::string tensor;
  std::vector<std::string> schemes;
  std::string view;
  std::string screenshot;
  int frames = 3;
  std::string size;
  float scale = 0;  // 0: the monitor's content scale
  std::string actions;
  bool bench_interaction = false;
};

// QuantScope's cache directory (created on demand).
std::string cache_dir() {
  std::string dir;
  if (const char* c = std::getenv("XDG_CACHE_HOME"); c && *c) dir = std::string(c) + "/quantscope";
  else if (const char* h = std::getenv("HOME"); h && *h) dir = std::string(h) + "/.cache/quantscope";
  else dir = (std::filesystem::temp_directory_path() / "quantscope").string();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return dir;
}

// Where the demo model lives when no FILE is given: written once, then reused while its
// version is this build's (an older build's demo lacks what newer views show).
Result<std::string> demo_path() {
  const std::string path = cache_dir() + "/demo.safetensors";
  if (std::filesystem::exists(path)) {
    auto cached = open_model(path);
    if (cached) {
      const nlohmann::json& md = cached->metadata;
      const auto version = md.find("quantscope_demo");
      if (version != md.end() && version->is_string() && *version == kDemoVersion) return path;
    }
  }
  std::fprintf(stderr, "quantscope: writing the demo model to %s\n", path.c_str());
  auto r = write_demo_model(path);
  if (!r) return tl::unexpected(r.error());
  return path;
}

int run(const Options& opt) {
  // Validate everything that does not need a window first, so a typo fails fast.
  if (!opt.view.empty() && !view_from_name(opt.view)) {
    std::fprintf(stderr, "quantscope: --view '%s': unknown view; available: %s\n", opt.view.c_str(),
                 available_views().c_str());
    return 2;
  }
  int width = 0, height = 0;
  if (!opt.size.empty()) {
    char x = 0;
    if (std::sscanf(opt.size.c_str(), "%d%c%d", &width, &x, &height) != 3 || x != 'x' || width < 320 ||
        height < 240 || width > 16384 || height > 16384) {
      std::fprintf(stderr, "quantscope: --size '%s': expected WxH, e.g. 1600x1000 (at least 320x240)\n",
                   opt.size.c_str());
      return 2;
    }
  }
  std::optional<ActionScript> script;
  if (!opt.actions.empty()) {
    auto s = ActionScript::load(opt.actions);
    if (!s) {
      std::fprintf(stderr, "quantscope: %s\n", s.error().message.c_str());
      return 2;
    }
    script = std::move(*s);
  }
  for (const auto& sp : opt.schemes) {
    if (auto s = parse_spec(sp); !s) {
      std::fprintf(stderr, "quantscope: --scheme '%s': %s\n", sp.c_str(), s.error().message.c_str());
      return 2;
    }
  }
  const bool scripted = !opt.screenshot.empty() || script || opt.bench_interaction;
  // Scripted runs do not read or write the user's settings (reproducible screenshots),
  // unless QS_CONFIG_DIR names a directory explicitly (tests of persistence do).
  const char* explicit_dir = std::getenv("QS_CONFIG_DIR");
  Settings settings =
      scripted && !(explicit_dir && *explicit_dir) ? Settings{} : load_settings(default_config_dir());
  PlatformOptions po;
  po.width = width ? width : settings.width;
  po.height = height ? height : settings.height;
  po.imgui_ini = settings.imgui_ini();
  po.scale = opt.scale;
  auto platform = Platform::create(po);
  if (!platform) {
    std::fprintf(stderr, "quantscope: %s\n", platform.error().message.c_str());
    return 2;
  }
  // The demo is written only once a window exists (no display: nothing written).
  std::string file = opt.file;
  if (file.empty()) {
    auto d = demo_path();
    if (!d) {
      std::fprintf(stderr, "quantscope: cannot write the demo model: %s\n", d.error().message.c_str());
      return 1;
    }
    file = *d;
  }
  int exit_code = 0;
  {
    App app(**platform, settings);
    bool opened = app.open(file);
    if (!opened) {
      // A file that does not open still gets a window: the demo model, with the file's
      // error in the notice, as when a bad file is opened from the menu. Scripts are told
      // by the exit code (1) after their screenshot.
      const std::string error = app.state().notices.empty() ? "cannot open " + file : app.state().notices.back();
      std::fprintf(stderr, "quantscope: %s\n", error.c_str());
      if (scripted) exit_code = 1;
      if (!opt.file.empty()) {
        if (auto d = demo_path(); d && app.open(*d)) {
          auto& notices = app.state().notices;
          notices.erase(std::remove(notices.begin(), notices.end(), error), notices.end());
          notices.push_back(error + " (showing the demo model)");
        }
      }
    }
    if (!opt.schemes.empty()) app.set_schemes(opt.schemes);
    if (opened && !opt.tensor.empty() && !app.select_tensor_by_name(opt.tensor) && scripted) {
      std::fprintf(stderr, "quantscope: --tensor: %s\n", app.state().notices.back().c_str());
      return 1;
    }
    if (!opt.view.empty()) {
      app.state().active_view = *view_from_name(opt.view);
      app.state().view_tab_pending = true;
      app.post_explore(false);
    }
    std::string big_path;
    if (opt.bench_interaction) {
      if (!opt.file.empty()) {
        std::fprintf(stderr, "quantscope: --bench-interaction uses the demo model and its own bench tensor (run it without FILE)\n");
        return 2;
      }
      auto b = big_bench_path(cache_dir());
      if (!b) {
        std::fprintf(stderr, "quantscope: cannot write the bench tensor: %s\n", b.error().message.c_str());
        return 1;
      }
      big_path = *b;
    }
    InteractionBench bench(file, big_path);
    int frames = 0, settled = 0;
    while (!(*platform)->should_close() && !app.quit_requested()) {
      // Interactive and idle: sleep until an event (or 100 ms, to pick up job results).
      (*platform)->poll(!scripted && app.idle());
      (*platform)->begin_frame();
      if (script) {
        script->before_frame(app);
      } else if (scripted) {
        // Screenshots and benches do not see wherever the real pointer happens to be.
        ImGuiIO& io = ImGui::GetIO();
        io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
        for (bool& b : io.MouseDown) b = false;
      }
      const auto t0 = Clock::now();
      if (opt.bench_interaction && bench.step(app)) {
        if (bench.failed()) {
          std::fprintf(stderr, "quantscope: --bench-interaction: %s\n", bench.error().c_str());
          exit_code = 1;
        }
        break;
      }
      ImGui::NewFrame();
      app.frame();
      ImGui::EndFrame();
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      app.state().frame_ms = float(ms);
      bench.frame_time(ms);
      (*platform)->end_frame();
      ++frames;
      app.after_render();  // plot PNGs and the export's view captures read this frame
      if (script) {
        script->after_render(app, **platform);
        if (script->finished() && opt.screenshot.empty()) {
          exit_code = std::max(exit_code, script->exit_code());
          break;
        }
      }
      if (!opt.screenshot.empty() && (!script || script->finished())) {
        settled = app.idle() ? settled + 1 : 0;
        if (frames >= opt.frames && settled >= 2) {
          auto r = (*platform)->save_png(opt.screenshot);
          if (!r) {
            std::fprintf(stderr, "quantscope: %s\n", r.error().message.c_str());
            exit_code = 1;
          } else {
            std::printf("wrote %s\n", opt.screenshot.c_str());
            if (script) exit_code = std::max(exit_code, script->exit_code());
          }
          break;
        }
      }
      (*platform)->present();
    }
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"QuantScope: see what quantization does to neural-network weights", "quantscope"};
  Options opt;
  cli.set_version_flag("--version", std::string("quantscope ") + QS_VERSION);
  cli.add_option("FILE", opt.file, "model file to open (default: the built-in demo model)");
  cli.add_option("--tensor", opt.tensor, "tensor to select");
  cli.add_option("--scheme", opt.schemes, "scheme spec(s) for the compare list (at most 6)")->expected(1, 6);
  cli.add_option("--view", opt.view, "view to show: " + available_views());
  cli.add_option("--screenshot", opt.screenshot, "render until work is done, write this PNG and exit");
  cli.add_option("--frames", opt.frames, "with --screenshot: at least this many frames")
      ->check(CLI::Range(1, 100000));
  cli.add_option("--size", opt.size, "window size WxH, e.g. 1600x1000");
  cli.add_option("--scale", opt.scale,
                 "content scale, e.g. 2 for a 4K screen (default: the monitor's): fonts, lines, handles")
      ->check(CLI::Range(0.5f, 4.0f));
  cli.add_option("--actions", opt.actions, "JSON file of scripted UI actions (see README)");
  cli.add_flag("--bench-interaction", opt.bench_interaction,
               "replay clip drags and per-block edits on 0.5 M, 16.8 M and 134 M-element tensors and print timings");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = cli.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return run(opt);
}
