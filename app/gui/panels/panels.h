#pragma once
// The panels of the main window, ImGui style: free functions drawing from and editing
// the App's state. Each lives in its own file.
namespace qs {
struct TensorView;
}

namespace qs::app {

class App;

// Every view's start: the selected tensor, or nullptr after saying "select a tensor"
// (no model, no selection or no scheme). app.cpp.
const TensorView* selected_tensor(App& app);
// The same, then the tensor's name as the view's title line (the caller continues the
// line with SameLine or starts the next).
const TensorView* selected_tensor_titled(App& app);
// "preview · 1/k of the groups": the shown result covers every k-th group only.
void preview_badge(int stride);
// Dim text for the rest of the current line (a view's header after the tensor name):
// cut with "…" to the room left, whole on hover. app_frame.cpp.
void fitted_text_disabled(const char* fmt, ...);

void draw_model_browser(App& app);      // model_browser.cpp
void draw_scheme_panel(App& app);       // scheme_panel.cpp
void draw_metrics_card(App& app);       // metrics_card.cpp
void draw_distribution_view(App& app);  // distribution_view.cpp
void draw_error_view(App& app);         // error_view.cpp
void draw_ranges_view(App& app);        // ranges_view.cpp
void draw_heatmap_view(App& app);       // heatmap_view.cpp
void draw_sweeps_view(App& app);        // sweeps_view.cpp
void draw_compare_view(App& app);       // compare_view.cpp
void draw_formats_view(App& app);       // formats_view.cpp
void draw_stored_view(App& app);        // stored_view.cpp
void draw_model_view(App& app);         // model_view.cpp
void draw_outliers_view(App& app);      // views/outliers_view.cpp
void draw_learn_view(App& app);         // learn_view.cpp
void draw_file_browser(App& app);       // file_browser.cpp (Ctrl+O)
void draw_export_dialog(App& app);      // report_export.cpp (Ctrl+E)

}  // namespace qs::app
