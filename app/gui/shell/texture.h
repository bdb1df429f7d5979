#pragma once
// An RGBA texture for ImGui::Image (the OpenGL3 backend takes a GL texture name as
// ImTextureID). Render thread only.
#include <cstdint>

#include <imgui.h>

namespace qs::app {

class Texture {
 public:
  Texture() = default;
  ~Texture();
  Texture(const Texture&) = delete;
  Texture& operator=(const Texture&) = delete;
  // Replaces the pixels (w × h RGBA, rows top to bottom). Nearest filtering: heatmap
  // cells stay crisp squares when zoomed.
  void upload(int w, int h, const uint8_t* rgba);
  ImTextureID id() const { return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex_)); }
  bool valid() const { return tex_ != 0; }
  int width() const { return w_; }
  int height() const { return h_; }

 private:
  unsigned tex_ = 0;
  int w_ = 0, h_ = 0;
};

}  // namespace qs::app
