// The parts every Learn page is made of (learn_page.h).
#include "app/gui/views/learn_page.h"

#include <imgui.h>

#include "app/gui/shell/app.h"

namespace qs::app::learn {

void heading(const char* title) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_PlotLinesHovered]);
  ImGui::TextUnformatted(title);
  ImGui::PopStyleColor();
  ImGui::Separator();
}

void para(const char* text) {
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(text);
  ImGui::PopTextWrapPos();
  ImGui::Spacing();
}

// In the accent colour the metrics card uses for SQNR (readable in both themes).
void formula(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_PlotLinesHovered]);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopStyleColor();
}

bool try_it(App& app, const char* what, std::vector<std::string> specs, View view, const char* tensor) {
  ImGui::Spacing();
  ImGui::Separator();
  AppState& st = app.state();
  const bool scripted = st.learn_try_pending;
  st.learn_try_pending = false;
  const bool pressed = ImGui::Button("Try it on a real tensor") || scripted;
  if (pressed) {
    app.set_schemes(specs);
    if (tensor && st.model) {
      for (const TensorView& t : st.model->tensors)
        if (t.name == tensor) app.select_tensor_by_name(tensor);
    }
    st.active_view = view;
    st.view_tab_pending = true;
    app.post_explore(true);
    st.status = std::string("lesson: ") + what;
  }
  ImGui::SameLine();
  ImGui::TextDisabled("%s", what);
  return pressed;
}

}  // namespace qs::app::learn
