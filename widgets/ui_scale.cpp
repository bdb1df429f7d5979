#include "widgets/ui_scale.h"

#include <algorithm>

namespace qs::widgets {
namespace {
float g_scale = 1.0f;
}  // namespace

void SetUiScale(float scale) { g_scale = std::clamp(scale, 0.5f, 8.0f); }
float UiScale() { return g_scale; }

}  // namespace qs::widgets
