#include "app/gui/shell/plot_menu.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include <imgui_internal.h>

#include "analysis/base/atomic_file.h"
#include "app/gui/shell/app.h"

namespace qs::app {
namespace {

std::string slug(const std::string& s) {
  std::string o;
  for (char c : s) o += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return o;
}

}  // namespace

void plot_menu(App& app, const char* id, ImVec2 min, ImVec2 max, const char* what,
               const std::function<std::string()>& csv) {
  AppState& st = app.state();
  if (st.scripted_menu) {
    const AppState::ScriptedMenu m = *st.scripted_menu;
    st.scripted_menu.reset();
    if (m.item == "save") {
      st.pending_plot_png = PendingPng{m.path, ImVec2(min.x - 4 - ImGui::GetFontSize() * 4.5f, min.y - 4),
                                       ImVec2(max.x + 4, max.y + 4 + ImGui::GetFontSize() * 2.5f)};
    } else {
      const std::string text = csv();
      auto r = write_file_atomic(m.path, std::as_bytes(std::span<const char>(text)));
      if (!r) st.notices.push_back(r.error().message);
    }
  }
  if (ImGui::IsMouseReleased(ImGuiMouseButton_Right) && ImRect(min, max).Contains(ImGui::GetIO().MousePos) &&
      ImGui::IsWindowHovered(ImGuiHoveredFlags_ChildWindows))
    ImGui::OpenPopup(id);
  if (!ImGui::BeginPopup(id)) return;
  ImGui::TextDisabled("%s", what);
  if (ImGui::MenuItem("Save image (PNG)")) {
    const std::string tensor = st.model && st.tensor >= 0 ? st.model->tensors[size_t(st.tensor)].name : "none";
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    const ImVec2 pad(4, 4);
    std::string path = "quantscope-";
    path.append(slug(what)).append("-").append(slug(tensor)).append("-").append(stamp).append(".png");
    st.pending_plot_png = PendingPng{path,
                                     ImVec2(min.x - pad.x - ImGui::GetFontSize() * 4.5f, min.y - pad.y),
                                     ImVec2(max.x + pad.x, max.y + pad.y + ImGui::GetFontSize() * 2.5f)};
  }
  if (ImGui::MenuItem("Copy data as CSV")) {
    ImGui::SetClipboardText(csv().c_str());
    st.status = "copied the ";
    st.status.append(what).append(" data as CSV");
  }
  ImGui::EndPopup();
}

std::string histograms_csv(std::span<const widgets::HistogramLayer> layers) {
  std::string out = "bin_lo,bin_hi";
  for (const auto& l : layers) {
    out.append(",\"");
    out.append(l.label);
    out.push_back('"');
  }
  out += "\n";
  if (layers.empty()) return out;
  const auto& first = layers[0];
  const size_t n = first.counts.size();
  char buf[64];
  for (size_t b = 0; b < n; ++b) {
    const double w = (first.hi - first.lo) / double(n);
    std::snprintf(buf, sizeof buf, "%.9g,%.9g", first.lo + double(b) * w, first.lo + double(b + 1) * w);
    out += buf;
    for (const auto& l : layers) {
      out.push_back(',');
      if (!l.stems.empty()) {  // stems: the values inside this bin (NumPy's rule, as the bins)
        const double a = first.lo + double(b) * w, z = first.lo + double(b + 1) * w;
        uint64_t sum = 0;
        for (size_t i = 0; i < std::min(l.stems.size(), l.counts.size()); ++i)
          if (l.stems[i] >= a && (l.stems[i] < z || (b + 1 == n && l.stems[i] <= z))) sum += l.counts[i];
        out.append(std::to_string(sum));
      } else if (b < l.counts.size()) {
        out.append(std::to_string(l.counts[b]));
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace qs::app
