// The App's frame: menu bar, status bar, keyboard shortcuts and the window layout that
// places the panels and views (app.cpp holds the state changes and job requests).
#include "app/gui/shell/app.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

#include <imgui.h>

#include "app/gui/panels/panels.h"
#include "app/gui/shell/layout.h"
#include "app/gui/shell/platform.h"
#include "widgets/text_fit.h"

namespace qs::app {

void preview_badge(int stride) {
  ImGui::TextColored(ImVec4(0.55f, 0.7f, 0.95f, 1), "preview · 1/%d of the groups", stride);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("a huge tensor: every %d-th group first (exact for those groups);\n"
                      "the exact result over all groups replaces it when ready", stride);
  ImGui::SameLine();
  ImGui::TextDisabled("— computing all groups…");
}

void fitted_text_disabled(const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  const std::string shown = widgets::elide(buf, ImGui::GetContentRegionAvail().x);
  ImGui::TextDisabled("%s", shown.c_str());
  if (shown != buf && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", buf);
}

void App::handle_shortcuts() {
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  if (io.KeyCtrl && ImGui::IsKeyPressed('O', false))
    st_.show_file_browser = true;
  if (io.KeyCtrl && ImGui::IsKeyPressed('E', false) && st_.model && !export_) st_.show_export = true;
  if (io.KeyCtrl && ImGui::IsKeyPressed('Q', false)) quit_ = true;
  if (io.KeyCtrl && ImGui::IsKeyPressed('L', false)) st_.log_y = !st_.log_y;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false)) {
    if (st_.show_file_browser) st_.show_file_browser = false;
    else if (st_.show_export) st_.show_export = false;
    else if (st_.show_help) st_.show_help = false;
    else if (!st_.notices.empty()) st_.notices.erase(st_.notices.begin());
    else if (explore_job_->busy()) explore_job_->cancel();
    else if (st_.active_view == View::Outliers && outliers_job_->busy()) cancel_outliers();
    else if (model_job_->busy()) cancel_model();
  }
  if (ImGui::IsKeyPressed(0x122 /* GLFW_KEY_F1 */, false)) st_.show_help = !st_.show_help;
}

void App::draw_menu_bar() {
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open…", "Ctrl+O")) st_.show_file_browser = true;
    if (ImGui::BeginMenu("Open recent", !st_.recent.empty())) {
      for (const auto& r : std::vector<std::string>(st_.recent))
        if (ImGui::MenuItem(r.c_str())) open(r);
      ImGui::EndMenu();
    }
    if (ImGui::MenuItem("Export report…", "Ctrl+E", false, st_.model && !export_)) st_.show_export = true;
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) quit_ = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    if (ImGui::MenuItem("Dark theme", nullptr, st_.dark)) set_dark(true);
    if (ImGui::MenuItem("Light theme", nullptr, !st_.dark)) set_dark(false);
    ImGui::Separator();
    ImGui::MenuItem("Log count axis", "Ctrl+L", &st_.log_y);
    if (ImGui::MenuItem("Show x̂ histogram", nullptr, &st_.show_dequant)) {}
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    if (ImGui::MenuItem("Keyboard and mouse", "F1")) st_.show_help = true;
    ImGui::EndMenu();
  }
  ImGui::EndMenuBar();
}

void App::draw_status_bar(float height) {
  ImGui::BeginChild("##status", ImVec2(0, height), false, ImGuiWindowFlags_NoScrollbar);
  ImGui::AlignTextToFramePadding();
  if (st_.model) {
    ImGui::TextUnformatted(st_.model->path.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s · %zu tensors", st_.model->format.c_str(), st_.model->tensors.size());
  } else {
    ImGui::TextDisabled("no model — Ctrl+O to open one, or drop a file on the window");
  }
  const bool busy = explore_job_->busy() || scan_job_->busy();
  // The right half, or after the file's name when that is longer (never over it).
  ImGui::SameLine();
  ImGui::SameLine(std::max(ImGui::GetWindowWidth() * 0.5f, ImGui::GetCursorPosX() + ImGui::GetFontSize()));
  if (export_) {
    ImGui::TextDisabled("%s", export_status().c_str());
    ImGui::SameLine();
  } else if (model_job_->busy() && st_.active_view != View::Model) {
    ImGui::ProgressBar(float(model_job_->progress()), ImVec2(ImGui::GetFontSize() * 10, 0), "analyzing model");
    ImGui::SameLine();
  }
  if (busy) {
    const bool scanning = scan_job_->busy();
    const double p = scanning ? scan_job_->progress() : explore_job_->progress();
    ImGui::ProgressBar(float(p), ImVec2(ImGui::GetFontSize() * 10, 0),
                       scanning ? "scanning tensors" : "quantizing");
    ImGui::SameLine();
    if (ImGui::SmallButton("Cancel")) {
      explore_job_->cancel();
      scan_job_->cancel();
    }
    ImGui::SameLine();
  }
  if (sorting_values()) {
    ImGui::TextDisabled("sorting values for live edits…");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("per-tensor schemes answer in microseconds once the tensor's values are sorted;\n"
                        "until then every edit quantizes the whole tensor");
    ImGui::SameLine();
  }
  if (st_.result) ImGui::TextDisabled("last result %.1f ms", st_.last_job_ms);
  ImGui::SameLine();
  ImGui::TextDisabled("· frame %.1f ms", double(st_.frame_ms));
  if (!st_.status.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("· %s", st_.status.c_str());
  }
  ImGui::EndChild();
}

void App::frame() {
  st_.layout.cut_headers.clear();
  st_.layout.cut_texts.clear();
  poll_results();
  step_export();
  handle_shortcuts();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0.0f);
  ImGui::Begin("QuantScope", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_MenuBar |
                   ImGuiWindowFlags_NoSavedSettings);
  ImGui::PopStyleVar();
  draw_menu_bar();

  // Notices: errors the user should see, each dismissable.
  for (size_t i = 0; i < st_.notices.size();) {
    ImGui::PushID(int(i));
    ImGui::PushStyleColor(ImGuiCol_ChildBg, IM_COL32(150, 40, 40, 255));
    // Long messages (a path and what was expected) wrap before the button, never under it.
    const ImGuiStyle& style = ImGui::GetStyle();
    const float button_w = ImGui::CalcTextSize("Dismiss").x + style.FramePadding.x * 2 + style.ItemSpacing.x * 2;
    const float wrap_w = std::max(ImGui::GetFontSize() * 10, ImGui::GetContentRegionAvail().x - button_w - style.WindowPadding.x * 2);
    const float text_h = ImGui::CalcTextSize(st_.notices[i].c_str(), nullptr, false, wrap_w).y;
    const float h = std::max(ImGui::GetFrameHeight(), text_h) + style.WindowPadding.y * 2;
    ImGui::BeginChild("##notice", ImVec2(0, h), false, ImGuiWindowFlags_NoScrollbar);
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 255, 255, 255));
    const float x0 = ImGui::GetCursorPosX();
    ImGui::PushTextWrapPos(x0 + wrap_w);
    ImGui::TextUnformatted(st_.notices[i].c_str());
    ImGui::PopTextWrapPos();
    ImGui::SameLine(ImGui::GetWindowWidth() - button_w + style.ItemSpacing.x);
    ImGui::SetCursorPosY(style.WindowPadding.y);
    const bool dismiss = ImGui::SmallButton("Dismiss");
    ImGui::PopStyleColor();
    ImGui::EndChild();
    ImGui::PopStyleColor();
    ImGui::PopID();
    if (dismiss) st_.notices.erase(st_.notices.begin() + long(i));
    else ++i;
  }

  const float status_h = ImGui::GetFrameHeightWithSpacing() + 4;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  // The three regions live in a child of fixed height: panels inside ask for "the rest of
  // the window", which must end above the status bar.
  ImGui::BeginChild("##regions", ImVec2(avail.x, avail.y - status_h), false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  // The tab strip's width whole (tabs carry narrower padding than the frames' so the
  // eleven titles fit more often).
  struct Tab {
    View view;
    const char* title;
    void (*draw)(App&);
  };
  static const Tab tabs[] = {{View::Distribution, "Distribution", &draw_distribution_view},
                             {View::Error, "Error", &draw_error_view},
                             {View::Ranges, "Ranges", &draw_ranges_view},
                             {View::Heatmap, "Heatmap", &draw_heatmap_view},
                             {View::Sweeps, "Sweeps", &draw_sweeps_view},
                             {View::Compare, "Compare", &draw_compare_view},
                             {View::Formats, "Formats", &draw_formats_view},
                             {View::Stored, "Stored", &draw_stored_view},
                             {View::Model, "Model", &draw_model_view},
                             {View::Outliers, "Outliers", &draw_outliers_view},
                             {View::Learn, "Learn", &draw_learn_view}};
  const ImGuiStyle& style = ImGui::GetStyle();
  const ImVec2 tab_padding(style.FramePadding.x * 0.5f, style.FramePadding.y);
  float strip = 0;
  for (const Tab& tab : tabs) strip += ImGui::CalcTextSize(tab.title).x + tab_padding.x * 2 + style.ItemInnerSpacing.x;
  const float fs = ImGui::GetFontSize();
  // Each column pads its cell on both sides; the inner borders take a pixel each.
  const float overhead = style.CellPadding.x * 6 + 2 + fs * 0.5f;
  const PanelWidths pw = panel_widths(avail.x, strip + overhead, fs);
  // The table keeps widths a user dragged; a new id (per half font size of the computed
  // widths) re-applies them when the window's size changes them.
  char table_id[48];
  std::snprintf(table_id, sizeof table_id, "##layout_%d_%d", int(pw.browser / (fs * 0.5f)), int(pw.scheme / (fs * 0.5f)));
  LayoutReport& lr = st_.layout;
  lr.tabs.clear();
  if (ImGui::BeginTable(table_id, 3, ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV)) {
    ImGui::TableSetupColumn("browser", ImGuiTableColumnFlags_WidthFixed, pw.browser);
    ImGui::TableSetupColumn("plots", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("scheme", ImGuiTableColumnFlags_WidthFixed, pw.scheme);
    ImGui::TableNextRow();
    auto cell_rect = [] {
      const ImVec2 a = ImGui::GetCursorScreenPos(), r = ImGui::GetContentRegionAvail();
      return LayoutRect{a.x, a.y, a.x + r.x, a.y + r.y};
    };
    ImGui::TableSetColumnIndex(0);
    lr.browser = cell_rect();
    draw_model_browser(*this);
    ImGui::TableSetColumnIndex(1);
    st_.views_min = ImGui::GetCursorScreenPos();
    st_.views_max = ImVec2(st_.views_min.x + ImGui::GetContentRegionAvail().x,
                           st_.views_min.y + ImGui::GetContentRegionAvail().y);
    lr.views = cell_rect();
    lr.tab_bar = {lr.views.x0, lr.views.y0, lr.views.x1, lr.views.y0 + ImGui::GetFrameHeight()};
    lr.tabs_scroll = strip - style.ItemInnerSpacing.x > lr.views.x1 - lr.views.x0;
    // Too narrow even so: the strip scrolls (arrows) rather than cutting every title.
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, tab_padding);
    const bool tab_bar = ImGui::BeginTabBar("##views", ImGuiTabBarFlags_FittingPolicyScroll);
    ImGui::PopStyleVar();
    if (tab_bar) {
      // A view switch requested while a tab draws (Learn's "Try it") applies next frame.
      const bool pending_at_start = st_.view_tab_pending;
      // The arrows take the strip's right end when it scrolls.
      const float strip_x1 = lr.views.x1 - (lr.tabs_scroll ? fs * 2.5f : 0.0f);
      for (const Tab& tab : tabs) {
        const bool force = st_.view_tab_pending && st_.active_view == tab.view;
        ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, tab_padding);
        const bool open = ImGui::BeginTabItem(tab.title, nullptr, force ? ImGuiTabItemFlags_SetSelected : 0);
        ImGui::PopStyleVar();
        const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
        const float need = ImGui::CalcTextSize(tab.title).x + tab_padding.x * 2;
        lr.tabs.push_back({tab.title, {a.x, a.y, b.x, b.y},
                           b.x - a.x >= need - 0.5f && a.x >= lr.views.x0 - 0.5f && b.x <= strip_x1 + 0.5f});
        if (open) {
          if (st_.active_view != tab.view && !st_.view_tab_pending) {
            st_.active_view = tab.view;
            post_explore(false);  // the Error view needs x − x̂ binned
          }
          st_.views_opened.insert(tab.view);
          tab.draw(*this);
          ImGui::EndTabItem();
        }
      }
      if (pending_at_start) st_.view_tab_pending = false;
      ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, tab_padding);
      ImGui::EndTabBar();
      ImGui::PopStyleVar();
    }
    ImGui::TableSetColumnIndex(2);
    lr.scheme = cell_rect();
    draw_scheme_panel(*this);
    ImGui::EndTable();
  }
  ImGui::EndChild();
  ImGui::Separator();
  draw_status_bar(status_h - ImGui::GetStyle().ItemSpacing.y);
  ImGui::End();

  if (st_.show_file_browser) draw_file_browser(*this);
  if (st_.show_export) draw_export_dialog(*this);
  if (st_.show_help) {
    ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.4f),
                            ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 34, 0), ImGuiCond_Appearing);
    if (ImGui::Begin("Keyboard and mouse", &st_.show_help, ImGuiWindowFlags_NoCollapse)) {
      const char* rows[][2] = {
          {"Ctrl+O", "open a model file (or drop one on the window)"},
          {"Ctrl+E", "export a report of the model (HTML, Markdown, CSV, JSON, PNGs)"},
          {"Up / Down", "previous / next tensor in the browser"},
          {"Ctrl+L", "linear / log count axis"},
          {"Esc", "close a window, dismiss a notice, cancel the job"},
          {"F1", "this help"},
          {"Ctrl+Q", "quit"},
          {"wheel", "zoom the value axis around the cursor"},
          {"drag", "pan the plot"},
          {"drag a handle", "set the clip range (red handles)"},
          {"double-click", "reset the view to the data range"},
      };
      if (ImGui::BeginTable("##keys", 2, ImGuiTableFlags_RowBg)) {
        ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 7);
        ImGui::TableSetupColumn("what", ImGuiTableColumnFlags_WidthStretch);
        for (auto& r : rows) {
          ImGui::TableNextRow();
          ImGui::TableSetColumnIndex(0);
          ImGui::TextUnformatted(r[0]);
          ImGui::TableSetColumnIndex(1);
          ImGui::TextUnformatted(r[1]);
        }
        ImGui::EndTable();
      }
    }
    ImGui::End();
  }
}

}  // namespace qs::app
