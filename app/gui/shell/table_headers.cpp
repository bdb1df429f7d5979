#include "app/gui/shell/table_headers.h"

#include <cmath>
#include <string>

#include <imgui.h>

namespace qs::app {

void header_cell(AppState& st, const char* table, int column, const char* tooltip) {
  const char* name = ImGui::TableGetColumnName(column);
  const std::string shown(name);
  const std::string label = shown.substr(0, shown.find("##"));
  // ImGui's room for the label: to the cell's right edge (the content region stops a cell
  // padding short of it), less the sort arrow's place in a sortable table's columns.
  const ImGuiStyle& style = ImGui::GetStyle();
  float room = ImGui::GetContentRegionAvail().x + style.CellPadding.x;
  if (ImGui::TableGetSortSpecs() && !(ImGui::TableGetColumnFlags(column) & ImGuiTableColumnFlags_NoSort))
    room -= std::floor(ImGui::GetFontSize() * 0.65f + style.FramePadding.x);
  const float need = ImGui::CalcTextSize(label.c_str()).x;
  ImGui::PushID(column);
  ImGui::TableHeader(name);
  ImGui::PopID();
  const bool cut = need > room + 0.5f;
  if (cut) st.layout.cut_headers.push_back(std::string(table) + ": " + label);
  if (ImGui::IsItemHovered() && (cut || tooltip)) {
    ImGui::BeginTooltip();
    if (cut) ImGui::TextUnformatted(label.c_str());
    if (tooltip) ImGui::TextUnformatted(tooltip);
    ImGui::EndTooltip();
  }
}

void table_headers(AppState& st, const char* table, std::initializer_list<const char*> tooltips) {
  const int n = ImGui::TableGetColumnCount();
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int i = 0; i < n; ++i) {
    // A disabled or scrolled-away column has no header on screen.
    if (!ImGui::TableSetColumnIndex(i)) continue;
    header_cell(st, table, i, i < int(tooltips.size()) ? tooltips.begin()[i] : nullptr);
  }
}

}  // namespace qs::app
