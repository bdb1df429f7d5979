#include "app/gui/table_headers.h"

#include <string>

#include <imgui.h>

namespace qs::app {

void table_headers(AppState& st, const char* table, std::initializer_list<const char*> tooltips) {
  const int n = ImGui::TableGetColumnCount();
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int i = 0; i < n; ++i) {
    // A disabled or scrolled-away column has no header on screen.
    if (!ImGui::TableSetColumnIndex(i)) continue;
    const char* name = ImGui::TableGetColumnName(i);
    const float room = ImGui::GetContentRegionAvail().x;
    float need = ImGui::CalcTextSize(name, nullptr, true).x;
    if (ImGui::TableGetColumnFlags(i) & ImGuiTableColumnFlags_IsSorted) need += ImGui::GetFontSize();  // the arrow
    ImGui::PushID(i);
    ImGui::TableHeader(name);
    ImGui::PopID();
    const bool cut = need > room + 0.5f;
    if (cut) st.layout.cut_headers.push_back(std::string(table) + ": " + name);
    const char* tip = i < int(tooltips.size()) ? tooltips.begin()[i] : nullptr;
    if (ImGui::IsItemHovered() && (cut || tip)) {
      ImGui::BeginTooltip();
      if (cut) {
        const std::string shown(name);
        ImGui::TextUnformatted(shown.substr(0, shown.find("##")).c_str());
      }
      if (tip) ImGui::TextUnformatted(tip);
      ImGui::EndTooltip();
    }
  }
}

}  // namespace qs::app
