#pragma once
// The window, the GL context and Dear ImGui's backends (GLFW + OpenGL3), fonts scaled
// to the monitor's content scale, themes, and reading the framebuffer back for
// --screenshot. Everything here runs on the render thread.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analysis/base/error.h"

struct GLFWwindow;

namespace qs::app {

enum class Theme { Dark, Light };

struct PlatformOptions {
  int width = 1440, height = 900;
  bool visible = true;
  std::string title = "QuantScope";
  std::string imgui_ini;  // where ImGui keeps the layout ("" = do not persist)
  float scale = 0;        // content scale (fonts, style, widget geometry); 0: the monitor's
};

class Platform {
 public:
  // Errors: no display (with how to run under Xvfb), no OpenGL 3 context.
  static Result<std::unique_ptr<Platform>> create(const PlatformOptions& o);
  ~Platform();

  bool should_close() const;
  void request_close();
  void poll(bool wait_for_events);  // wait: sleep until an event or 100 ms pass
  void begin_frame();               // backends' NewFrame (call ImGui::NewFrame after)
  void end_frame();                 // ImGui::Render + draw into the back buffer
  void present();                   // swap (after screenshots have read the back buffer)
  void set_theme(Theme t);
  float content_scale() const { return scale_; }
  void window_size(int* w, int* h) const;
  // RGBA rows top to bottom of the last rendered frame (before swap).
  Result<std::string> save_png(const std::string& path) const;
  // Only the rectangle [x0, x1) × [y0, y1) in window pixels (a plot), scaled to the
  // framebuffer (HiDPI) and clamped to it.
  Result<std::string> save_png_region(const std::string& path, float x0, float y0, float x1, float y1) const;
  // The same rectangle encoded as PNG in memory (the report export collects its views).
  Result<std::string> png_region(float x0, float y0, float x1, float y1) const;
  void on_drop(std::function<void(const std::string&)> cb) { drop_cb_ = std::move(cb); }
  void set_title(const std::string& t);
  // What was loaded from disk (assets.h): the window icon's PNGs, the UI font ("" and
  // empty when missing: no icon, ImGui's built-in font).
  const std::vector<std::string>& icon_paths() const { return icon_paths_; }
  const std::string& font_path() const { return font_path_; }

 private:
  Platform() = default;
  static void drop_callback(GLFWwindow* w, int count, const char** paths);
  static void scale_callback(GLFWwindow* w, float sx, float sy);
  void apply_scale(float scale);  // fonts rasterized at the scale, style and widgets scaled
  GLFWwindow* window_ = nullptr;
  float scale_ = 1.0f;
  bool scale_forced_ = false;   // --scale: the monitor's scale is ignored
  float pending_scale_ = 0.0f;  // the window moved to a monitor of another scale
  Theme theme_ = Theme::Dark;
  std::string ini_;
  std::vector<std::string> icon_paths_;
  std::string font_path_;
  bool font_warned_ = false;  // "DejaVuSans.ttf not found" once, not at every scale change
  std::function<void(const std::string&)> drop_cb_;
};

}  // namespace qs::app
