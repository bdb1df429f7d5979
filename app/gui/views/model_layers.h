#pragma once
// The Model view's layer × module grid (model_layers.cpp).
#include "app/gui/shell/app_state.h"

namespace qs::app {

class App;

// Recomputes st.model_layer_grid and its worst cells when model_run changed.
void refresh_model_layer_grid(AppState& st);

// "table | layers × modules" and the grid's scheme, when the run has a layer grid; true
// when the grid is to be drawn instead of the table.
bool draw_model_grid_toggle(App& app);

// The grid, filling `height`.
void draw_model_layer_grid(App& app, float height);

}  // namespace qs::app
