#pragma once
// What every Learn page is made of (learn_page.cpp): a heading, wrapped paragraphs,
// formulas in the accent colour, and "Try it on a real tensor", which sets up the main
// views to show the page's idea on the open model. The pages: learn_view.cpp (1–8) and
// one file per newer lesson in views/.
#include <string>
#include <vector>

#include "app/gui/shell/app_state.h"

namespace qs::app {

class App;

namespace learn {

void heading(const char* title);
void para(const char* text);
void formula(const std::string& text);
// The button (or a script's learn_try): sets the compare list to `specs`, selects
// `tensor` if the model has it and opens `view`. True on the frame it acted, so a page
// can set up more of the view it opens.
bool try_it(App& app, const char* what, std::vector<std::string> specs, View view, const char* tensor = nullptr);

// Lesson 9: outliers beyond clipping (views/learn_outliers.cpp).
void lesson_outliers_beyond_clipping(App& app);

}  // namespace learn
}  // namespace qs::app
