#pragma once
// The window's columns at any size (tensor browser | tab bar and views | scheme panel),
// and what the last frame laid out, for dump_state and the window-size tests.
//
// Small screens: at 1280×800 the panels' preferred widths leave the views too little
// room for their eleven tab titles, so both panels narrow (in proportion, down to their
// minimums) until the tab strip fits whole; only below that does the strip scroll (its
// arrows), titles still whole. Tables in the views keep their headers whole, or say
// what a short one means on hover.
#include <string>
#include <vector>

namespace qs::app {

struct PanelWidths {
  float browser = 0, scheme = 0;
};

// `avail`: the width the three columns share; `tabs`: what the tab strip needs whole
// (plus the columns' padding); `fs`: the font size (the widths scale with it).
PanelWidths panel_widths(float avail, float tabs, float fs);

// Screen rectangles in window pixels.
struct LayoutRect {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

struct LayoutReport {
  struct Tab {
    std::string title;
    LayoutRect rect;
    bool whole = false;  // the tab is inside the strip and as wide as its title needs
  };
  std::vector<Tab> tabs;
  LayoutRect tab_bar, browser, views, scheme;
  bool tabs_scroll = false;              // the strip needed its arrows
  std::vector<std::string> cut_headers;  // "table: header" narrower than its text this frame
  std::vector<std::string> cut_texts;    // other labels cut with "…" this frame
};

}  // namespace qs::app
