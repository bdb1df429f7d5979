// The in-app file browser (Ctrl+O): a directory listing with the model files QuantScope
// can open highlighted, their sizes, a path field, and the recent files. Listing a
// directory never follows what a file says; it only asks the filesystem for names and
// sizes, and a directory that cannot be read becomes a message in the window.
#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "app/gui/shell/app.h"
#include "app/gui/panels/panels.h"

namespace qs::app {
namespace {

namespace fs = std::filesystem;

struct Entry {
  std::string name;
  bool dir = false;
  bool known = false;  // an extension QuantScope reads
  uintmax_t size = 0;
};

// The browser's own state: where it is and what it listed there.
struct BrowserState {
  std::string dir;
  std::string listed;  // the dir `entries` belong to
  std::string path_text;
  std::string error;
  std::vector<Entry> entries;
  bool show_all = false;
  int selected = -1;
};

BrowserState& browser() {
  static BrowserState b;
  return b;
}

bool known_extension(const fs::path& p) {
  static const char* exts[] = {".safetensors", ".npy", ".npz", ".gguf", ".pt", ".pth", ".bin", ".onnx", ".json"};
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  for (const char* k : exts)
    if (e == k) return true;
  return false;
}

void list_dir(BrowserState& b) {
  b.entries.clear();
  b.error.clear();
  b.selected = -1;
  b.listed = b.dir;
  std::error_code ec;
  fs::directory_iterator it(b.dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    b.error = b.dir + ": " + ec.message();
    return;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    Entry e;
    e.name = it->path().filename().string();
    if (!e.name.empty() && e.name[0] == '.') continue;  // hidden files, like most file dialogs
    std::error_code ec2;
    e.dir = it->is_directory(ec2);
    if (!e.dir) {
      e.known = known_extension(it->path());
      if (!e.known && !b.show_all) continue;
      e.size = it->file_size(ec2);
      if (ec2) e.size = 0;
    }
    b.entries.push_back(std::move(e));
  }
  std::sort(b.entries.begin(), b.entries.end(), [](const Entry& x, const Entry& y) {
    if (x.dir != y.dir) return x.dir;
    return x.name < y.name;
  });
}

}  // namespace

void draw_file_browser(App& app) {
  AppState& st = app.state();
  BrowserState& b = browser();
  if (b.dir.empty()) {
    std::error_code ec;
    fs::path start = st.model ? fs::path(st.model->path).parent_path() : fs::current_path(ec);
    if (start.empty()) start = fs::current_path(ec);
    b.dir = fs::absolute(start, ec).lexically_normal().string();
  }
  if (b.listed != b.dir) list_dir(b);

  const float fs_px = ImGui::GetFontSize();
  ImGui::SetNextWindowSize(ImVec2(fs_px * 46, fs_px * 30), ImGuiCond_Appearing);
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.5f),
                          ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  if (!ImGui::Begin("Open a model file", &st.show_file_browser, ImGuiWindowFlags_NoCollapse)) {
    ImGui::End();
    return;
  }
  std::string open_path;

  if (ImGui::Button("Up")) {
    const fs::path parent = fs::path(b.dir).parent_path();
    b.dir = parent.empty() ? fs::path("/").string() : parent.string();
  }
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(b.dir.c_str());
  ImGui::SameLine(ImGui::GetWindowWidth() - fs_px * 9);
  if (ImGui::Checkbox("all files", &b.show_all)) b.listed.clear();

  const float footer = ImGui::GetFrameHeightWithSpacing() * 2 + ImGui::GetStyle().ItemSpacing.y;
  if (ImGui::BeginTable("##files", 2,
                        ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter,
                        ImVec2(0, -footer))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_WidthFixed, fs_px * 6);
    ImGui::TableHeadersRow();
    if (!b.error.empty()) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextColored(ImVec4(0.9f, 0.4f, 0.4f, 1), "%s", b.error.c_str());
    }
    std::string enter;
    for (int i = 0; i < int(b.entries.size()); ++i) {
      const Entry& e = b.entries[size_t(i)];
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::PushID(i);
      const std::string label = e.dir ? e.name + "/" : e.name;
      if (!e.dir && !e.known) ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
      if (ImGui::Selectable(label.c_str(), b.selected == i,
                            ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowDoubleClick)) {
        b.selected = i;
        const std::string full = (fs::path(b.dir) / e.name).string();
        if (!e.dir) b.path_text = full;
        if (ImGui::IsMouseDoubleClicked(0)) {
          if (e.dir) enter = full;
          else open_path = full;
        }
      }
      if (!e.dir && !e.known) ImGui::PopStyleColor();
      ImGui::TableSetColumnIndex(1);
      if (!e.dir) ImGui::TextDisabled("%s", human_bytes(int64_t(e.size)).c_str());
      ImGui::PopID();
    }
    ImGui::EndTable();
    if (!enter.empty()) b.dir = fs::path(enter).lexically_normal().string();
  }

  ImGui::SetNextItemWidth(-fs_px * 5);
  const bool submitted = ImGui::InputTextWithHint("##path", "path to a .safetensors / .npy / ... file", &b.path_text,
                                                  ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::Button("Open", ImVec2(-1, 0)) || submitted) && !b.path_text.empty()) {
    std::error_code ec;
    if (fs::is_directory(b.path_text, ec)) b.dir = fs::absolute(b.path_text, ec).lexically_normal().string();
    else open_path = b.path_text;
  }
  if (!st.recent.empty()) {
    ImGui::SetNextItemWidth(-1);
    if (ImGui::BeginCombo("##recent", "recent files")) {
      for (const auto& r : st.recent)
        if (ImGui::Selectable(r.c_str())) open_path = r;
      ImGui::EndCombo();
    }
  }
  ImGui::End();

  if (!open_path.empty() && app.open(open_path)) {
    st.show_file_browser = false;
    b.dir = fs::path(open_path).parent_path().string();
  }
}

}  // namespace qs::app
