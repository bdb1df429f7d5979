#pragma once
// A table's header row that says what each header means and reports headers it had to
// cut: call it after TableSetupColumn, instead of TableHeadersRow. A header narrower than
// its text (ImGui cuts it with "…") shows its whole name on hover and is recorded in
// st.layout.cut_headers, which the window-size tests require to stay empty.
#include <initializer_list>

#include "app/gui/shell/app_state.h"

namespace qs::app {

// `tooltips`: one per column in order (nullptr or missing: none).
void table_headers(AppState& st, const char* table, std::initializer_list<const char*> tooltips = {});

// One header cell, after TableNextRow(ImGuiTableRowFlags_Headers) and
// TableSetColumnIndex(column): for header rows drawn by hand (coloured headers).
void header_cell(AppState& st, const char* table, int column, const char* tooltip = nullptr);

}  // namespace qs::app
