#pragma once
// The cells a float format's row shares in the Formats view's table and Learn's formats
// lesson: bias, largest finite, smallest normal, smallest subnormal, decimal digits.
#include <imgui.h>

#include "analysis/numeric/float_formats.h"

namespace qs::app {

// Fills table columns first_col .. first_col + 4 of the current row.
inline void format_traits_cells(const numeric::FormatTraits& t, int first_col, const char* digits_fmt) {
  ImGui::TableSetColumnIndex(first_col);
  ImGui::Text("%d", t.bias);
  ImGui::TableSetColumnIndex(first_col + 1);
  ImGui::Text("%.4g", t.max);
  ImGui::TableSetColumnIndex(first_col + 2);
  ImGui::Text("%.3g", t.min_normal);
  ImGui::TableSetColumnIndex(first_col + 3);
  ImGui::Text("%.3g", t.min_subnormal);
  ImGui::TableSetColumnIndex(first_col + 4);
  ImGui::Text(digits_fmt, t.decimal_digits);
}

}  // namespace qs::app
