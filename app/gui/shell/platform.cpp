#include "app/gui/shell/platform.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <GL/gl.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include "analysis/base/atomic_file.h"
#include "app/gui/shell/assets.h"
#include "widgets/ui_scale.h"

namespace qs::app {
namespace {

void glfw_error(int code, const char* msg) { std::fprintf(stderr, "quantscope: GLFW %d: %s\n", code, msg); }

// The characters the UI writes: Latin-1, combining marks (x̂), Greek (σ, μ), general
// punctuation (—, …, ·), arrows and mathematical operators (≤, ≈, ×).
const ImWchar* glyph_ranges() {
  static const ImWchar ranges[] = {0x0020, 0x00FF, 0x0300, 0x036F, 0x0370, 0x03FF, 0x2000, 0x206F,
                                   0x2190, 0x21FF, 0x2200, 0x22FF, 0x25A0, 0x25FF, 0};
  return ranges;
}

// The window manager's icon (title bar, task switcher, dock) from the PNGs in assets/.
// Returns the files used; none found or none decoded: no icon, and a note on stderr.
std::vector<std::string> set_window_icon(GLFWwindow* w) {
  const auto dirs = asset_dirs(executable_dir());
  std::vector<std::string> used;
  std::vector<GLFWimage> images;
  for (const auto& path : find_icon_files(dirs)) {
    int iw = 0, ih = 0, channels = 0;
    unsigned char* px = stbi_load(path.c_str(), &iw, &ih, &channels, 4);
    if (!px) {
      std::fprintf(stderr, "quantscope: %s: not a PNG the icon can use (%s)\n", path.c_str(), stbi_failure_reason());
      continue;
    }
    images.push_back(GLFWimage{iw, ih, px});
    used.push_back(path.string());
  }
  if (images.empty()) {
    std::fprintf(stderr, "quantscope: %s; the window has no icon\n",
                 describe_search("the icon (icons/quantscope-*.png)", dirs).c_str());
    return used;
  }
  glfwSetWindowIcon(w, int(images.size()), images.data());  // GLFW copies the pixels
  for (GLFWimage& im : images) stbi_image_free(im.pixels);
  return used;
}

}  // namespace

Result<std::unique_ptr<Platform>> Platform::create(const PlatformOptions& o) {
  // GLFW's own message for a missing display is noise next to ours: report errors only
  // once the library is up.
  glfwSetErrorCallback(nullptr);
  if (!glfwInit()) {
    return make_error(
        "no display to open a window on (DISPLAY is unset or its X server is unreachable); "
        "run it under Xvfb: xvfb-run -a quantscope [FILE], or use quantscope-cli");
  }
  glfwSetErrorCallback(glfw_error);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  glfwWindowHint(GLFW_VISIBLE, o.visible ? GLFW_TRUE : GLFW_FALSE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  // WM_CLASS "quantscope" = the desktop entry's name (and its StartupWMClass), so docks
  // and task switchers match the window to quantscope.desktop and show its icon.
  glfwWindowHintString(GLFW_X11_CLASS_NAME, "quantscope");
  glfwWindowHintString(GLFW_X11_INSTANCE_NAME, "quantscope");
  GLFWwindow* w = glfwCreateWindow(o.width, o.height, o.title.c_str(), nullptr, nullptr);
  if (!w) {
    glfwTerminate();
    return make_error("cannot create an OpenGL 3.0 window (is a GL driver, e.g. Mesa, installed?)");
  }
  std::unique_ptr<Platform> p(new Platform());
  p->window_ = w;
  p->ini_ = o.imgui_ini;
  glfwMakeContextCurrent(w);
  glfwSwapInterval(1);
  glfwSetWindowUserPointer(w, p.get());
  glfwSetDropCallback(w, &Platform::drop_callback);
  p->icon_paths_ = set_window_icon(w);

  // The monitor's content scale (X11: Xft.dpi / 96) unless --scale forces one (a 4K
  // look-alike under Xvfb, whose scale is 1). Fonts are rasterized at size × scale rather
  // than magnified with FontGlobalScale, which would blur them.
  float sx = 1.0f, sy = 1.0f;
  glfwGetWindowContentScale(w, &sx, &sy);
  p->scale_forced_ = o.scale > 0;
  glfwSetWindowContentScaleCallback(w, &Platform::scale_callback);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = p->ini_.empty() ? nullptr : p->ini_.c_str();
  // No keyboard navigation between widgets: the arrow keys belong to the tensor browser.
  ImGui_ImplGlfw_InitForOpenGL(w, true);
  ImGui_ImplOpenGL3_Init("#version 130");
  p->apply_scale(p->scale_forced_ ? o.scale : std::max(1.0f, std::max(sx, sy)));
  return p;
}

void Platform::apply_scale(float scale) {
  widgets::SetUiScale(scale);
  scale_ = widgets::UiScale();  // clamped
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  const float px = 15.0f * scale_;
  // DejaVu Sans from the data directories (XDG_DATA_DIRS, then /usr/share): found the same
  // way from the build tree and from an installed prefix.
  const char* xdg_data_dirs = std::getenv("XDG_DATA_DIRS");
  if (auto font = find_font(xdg_data_dirs ? xdg_data_dirs : "");
      font && io.Fonts->AddFontFromFileTTF(font->c_str(), px, nullptr, glyph_ranges())) {
    font_path_ = font->string();
  } else {
    if (font_path_.empty() && !font_warned_) {
      std::fprintf(stderr, "quantscope: DejaVuSans.ttf not found (install fonts-dejavu-core); using ImGui's built-in font\n");
      font_warned_ = true;
    }
    ImFontConfig cfg;
    cfg.SizePixels = 13.0f * scale_;
    io.Fonts->AddFontDefault(&cfg);
  }
  set_theme(theme_);  // the style's sizes, scaled afresh
}

void Platform::scale_callback(GLFWwindow* w, float sx, float sy) {
  auto* self = static_cast<Platform*>(glfwGetWindowUserPointer(w));
  if (self && !self->scale_forced_) self->pending_scale_ = std::max(1.0f, std::max(sx, sy));
}

Platform::~Platform() {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  if (window_) glfwDestroyWindow(window_);
  glfwTerminate();
}

void Platform::drop_callback(GLFWwindow* w, int count, const char** paths) {
  auto* self = static_cast<Platform*>(glfwGetWindowUserPointer(w));
  if (self && self->drop_cb_ && count > 0) self->drop_cb_(paths[0]);
}

bool Platform::should_close() const { return glfwWindowShouldClose(window_); }
void Platform::request_close() { glfwSetWindowShouldClose(window_, GLFW_TRUE); }

void Platform::poll(bool wait_for_events) {
  if (wait_for_events) glfwWaitEventsTimeout(0.1);
  else glfwPollEvents();
}

void Platform::begin_frame() {
  // Between frames, before the backends build this frame's font texture.
  if (pending_scale_ > 0 && pending_scale_ != scale_) {
    apply_scale(pending_scale_);
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
  }
  pending_scale_ = 0;
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
}

void Platform::end_frame() {
  ImGui::Render();
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  glViewport(0, 0, w, h);
  const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void Platform::present() { glfwSwapBuffers(window_); }

void Platform::set_title(const std::string& t) { glfwSetWindowTitle(window_, t.c_str()); }

void Platform::window_size(int* w, int* h) const { glfwGetWindowSize(window_, w, h); }

Result<std::string> Platform::save_png(const std::string& path) const {
  int ww = 0, wh = 0;
  glfwGetWindowSize(window_, &ww, &wh);
  return save_png_region(path, 0, 0, float(ww), float(wh));
}

Result<std::string> Platform::save_png_region(const std::string& path, float x0, float y0, float x1,
                                              float y1) const {
  auto png = png_region(x0, y0, x1, y1);
  if (!png) return make_error(path + ": " + png.error().message);
  auto r = write_file_atomic(path, std::as_bytes(std::span<const char>(*png)));
  if (!r) return tl::unexpected(r.error());
  return path;
}

Result<std::string> Platform::png_region(float x0, float y0, float x1, float y1) const {
  int fw = 0, fh = 0, ww = 0, wh = 0;
  glfwGetFramebufferSize(window_, &fw, &fh);
  glfwGetWindowSize(window_, &ww, &wh);
  if (fw <= 0 || fh <= 0 || ww <= 0 || wh <= 0) return make_error("the window has no pixels to save");
  const float sx = float(fw) / float(ww), sy = float(fh) / float(wh);
  const int px0 = std::clamp(int(x0 * sx), 0, fw), px1 = std::clamp(int(x1 * sx), 0, fw);
  const int py0 = std::clamp(int(y0 * sy), 0, fh), py1 = std::clamp(int(y1 * sy), 0, fh);
  const int w = px1 - px0, h = py1 - py0;
  if (w <= 0 || h <= 0) return make_error("the region to save is empty");
  std::vector<unsigned char> px(size_t(w) * size_t(h) * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  // GL's origin is the bottom-left corner.
  glReadPixels(px0, fh - py1, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
  // GL rows go bottom to top; PNG rows top to bottom. Alpha forced opaque.
  std::vector<unsigned char> flipped(px.size());
  const size_t row = size_t(w) * 4;
  for (int y = 0; y < h; ++y)
    std::copy_n(px.data() + size_t(h - 1 - y) * row, row, flipped.data() + size_t(y) * row);
  for (size_t i = 3; i < flipped.size(); i += 4) flipped[i] = 255;
  std::string png;
  stbi_write_png_to_func(
      [](void* ctx, void* data, int size) {
        static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), size_t(size));
      },
      &png, w, h, 4, flipped.data(), int(row));
  if (png.empty()) return make_error("PNG encoding failed");
  return png;
}

void Platform::set_theme(Theme t) {
  theme_ = t;
  ImGuiStyle& st = ImGui::GetStyle();
  st = ImGuiStyle();
  if (t == Theme::Dark) {
    ImGui::StyleColorsDark(&st);
    st.Colors[ImGuiCol_WindowBg] = ImVec4(0.11f, 0.12f, 0.14f, 1.0f);
    st.Colors[ImGuiCol_ChildBg] = ImVec4(0.11f, 0.12f, 0.14f, 1.0f);
    st.Colors[ImGuiCol_FrameBg] = ImVec4(0.17f, 0.18f, 0.21f, 1.0f);
    st.Colors[ImGuiCol_PlotHistogram] = ImVec4(0.35f, 0.60f, 0.90f, 1.0f);
    st.Colors[ImGuiCol_PlotLinesHovered] = ImVec4(0.98f, 0.78f, 0.25f, 1.0f);
  } else {
    ImGui::StyleColorsLight(&st);
    st.Colors[ImGuiCol_WindowBg] = ImVec4(0.97f, 0.97f, 0.96f, 1.0f);
    st.Colors[ImGuiCol_ChildBg] = ImVec4(0.97f, 0.97f, 0.96f, 1.0f);
    st.Colors[ImGuiCol_FrameBg] = ImVec4(1.0f, 1.0f, 1.0f, 1.0f);
    st.Colors[ImGuiCol_PlotHistogram] = ImVec4(0.20f, 0.45f, 0.80f, 1.0f);
    st.Colors[ImGuiCol_PlotLinesHovered] = ImVec4(0.85f, 0.45f, 0.05f, 1.0f);
  }
  st.WindowRounding = 0.0f;
  st.FrameRounding = 4.0f;
  st.GrabRounding = 4.0f;
  st.TabRounding = 4.0f;
  st.FramePadding = ImVec2(8, 4);
  st.ItemSpacing = ImVec2(8, 6);
  st.CellPadding = ImVec2(6, 3);
  st.ScaleAllSizes(scale_);
}

}  // namespace qs::app
