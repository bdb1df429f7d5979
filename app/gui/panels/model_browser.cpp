// The model browser: tensors as a tree split on '.' and '/', or a flat list when a
// filter or a sort is active; dtype, shape, numel and an outlier badge (max|x|/σ).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "analysis/numeric/tensor_decode.h"
#include "app/gui/panels/panels.h"
#include "app/gui/shell/app.h"
#include "app/gui/shell/labels.h"
#include "app/gui/shell/table_headers.h"
#include "widgets/text_fit.h"

namespace qs::app {
namespace {

std::string lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = char(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

double outlier_ratio(const std::optional<TensorStats>& s) {
  if (!s || s->std <= 0) return 0;
  return s->absmax / s->std;
}

// Badge colour: ≥ 20σ red (one value dominates any per-tensor scale), ≥ 8σ amber.
void outlier_badge(double r) {
  if (r <= 0) {
    ImGui::TextDisabled("–");
    return;
  }
  ImVec4 c = r >= 20 ? ImVec4(0.95f, 0.35f, 0.30f, 1) : r >= 8 ? ImVec4(0.95f, 0.70f, 0.25f, 1)
                                                              : ImVec4(0.55f, 0.75f, 0.55f, 1);
  ImGui::TextColored(c, "%.1f", r);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("max|x| / σ = %.2f\n(a Gaussian of this size stays below ~5)", r);
}

void tensor_row(App& app, int i, const std::string& label, int depth) {
  AppState& st = app.state();
  const TensorView& t = st.model->tensors[size_t(i)];
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::Indent(float(depth) * ImGui::GetStyle().IndentSpacing);
  ImGui::PushID(i);
  const bool selected = st.tensor == i;
  // A name wider than its column ends in "…" (the tooltip has it whole).
  const std::string shown = widgets::elide(label, ImGui::GetContentRegionAvail().x) + "##row";
  if (ImGui::Selectable(shown.c_str(), selected, ImGuiSelectableFlags_SpanAllColumns)) app.select_tensor(i);
  if (selected && ImGui::IsWindowAppearing()) ImGui::SetScrollHereY();
  if (ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(t.name.c_str());
    ImGui::Text("%s %s, %lld elements", std::string(dtype_name(t.dtype)).c_str(),
                shape_string(t.shape).c_str(), static_cast<long long>(t.numel()));
    if (const auto& s = st.stats[size_t(i)])
      ImGui::Text("min %.4g  max %.4g  σ %.4g", s->min, s->max, s->std);
    ImGui::EndTooltip();
  }
  ImGui::PopID();
  ImGui::Unindent(float(depth) * ImGui::GetStyle().IndentSpacing);
  ImGui::TableSetColumnIndex(1);
  ImGui::TextDisabled("%s", std::string(dtype_name(t.dtype)).c_str());
  ImGui::TableSetColumnIndex(2);
  ImGui::TextUnformatted(compact_shape(t.shape).c_str());
  ImGui::TableSetColumnIndex(3);
  ImGui::TextDisabled("%s", human_count(t.numel()).c_str());
  ImGui::TableSetColumnIndex(4);
  outlier_badge(outlier_ratio(st.stats[size_t(i)]));
}

// [SECTION] Tree: names split on '.' and '/'; chains of single-child groups are merged
// ("mlp.down_proj.weight" becomes one row when nothing else shares the prefix) so deep
// Hugging Face names stay readable in a narrow column.
struct TreeNode {
  std::string label;
  int tensor = -1;  // leaf: tensor index; group: -1
  std::vector<TreeNode> children;
};

std::vector<std::string> split_path(const std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.' || name[i] == '/') {
      parts.push_back(name.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

TreeNode build_tree(const Model& m, const std::vector<int>& order) {
  TreeNode root;
  for (int i : order) {
    const std::vector<std::string> parts = split_path(m.tensors[size_t(i)].name);
    TreeNode* node = &root;
    for (size_t k = 0; k + 1 < parts.size(); ++k) {
      auto it = std::find_if(node->children.begin(), node->children.end(),
                             [&](const TreeNode& c) { return c.tensor < 0 && c.label == parts[k]; });
      if (it == node->children.end()) {
        node->children.push_back({parts[k], -1, {}});
        it = node->children.end() - 1;
      }
      node = &*it;
    }
    node->children.push_back({parts.back(), i, {}});
  }
  return root;
}

void merge_chains(TreeNode& n) {
  for (TreeNode& c : n.children) merge_chains(c);
  if (n.tensor < 0 && n.children.size() == 1 && !n.label.empty()) {
    TreeNode only = std::move(n.children[0]);
    n.label += "." + only.label;
    n.tensor = only.tensor;
    n.children = std::move(only.children);
  }
}

void leaves_in_order(const TreeNode& n, std::vector<int>& out) {
  for (const TreeNode& c : n.children) {
    if (c.tensor >= 0) out.push_back(c.tensor);
    else leaves_in_order(c, out);
  }
}

void tree_rows(App& app, const TreeNode& n, const std::string& path) {
  for (const TreeNode& c : n.children) {
    if (c.tensor >= 0) {
      ImGui::PushID(c.tensor);
      tensor_row(app, c.tensor, c.label, 0);
      ImGui::PopID();
      continue;
    }
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::SetNextItemOpen(true, ImGuiCond_Once);
    // The arrow takes a font size and a frame padding each side before the label.
    const float room = ImGui::GetContentRegionAvail().x - ImGui::GetFontSize() - ImGui::GetStyle().FramePadding.x * 2;
    const std::string id = widgets::elide(c.label, room) + "###" + path + c.label;  // the id: the whole name
    if (ImGui::TreeNodeEx(id.c_str(), ImGuiTreeNodeFlags_SpanFullWidth)) {
      tree_rows(app, c, path + c.label + ".");
      ImGui::TreePop();
    }
  }
}

}  // namespace

void draw_model_browser(App& app) {
  AppState& st = app.state();
  ImGui::BeginChild("##browser", ImVec2(0, 0), false);
  if (!st.model) {
    ImGui::TextDisabled("No model open.");
    ImGui::TextWrapped("Ctrl+O opens a .safetensors or .npy file; you can also drop one on the window.");
    ImGui::EndChild();
    return;
  }
  const float fs = ImGui::GetFontSize();
  ImGui::SetNextItemWidth(-fs * 7.5f);
  ImGui::InputTextWithHint("##filter", "filter tensors", &st.filter);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  const char* sorts[] = {"file order", "name", "size", "outlier"};
  int sort = int(st.sort);
  if (ImGui::Combo("##sort", &sort, sorts, 4)) st.sort = SortBy(sort);

  // Visible order: filtered, then sorted.
  std::vector<int> order;
  const std::string needle = lower(st.filter);
  for (size_t i = 0; i < st.model->tensors.size(); ++i) {
    if (needle.empty() || lower(st.model->tensors[i].name).find(needle) != std::string::npos)
      order.push_back(int(i));
  }
  const auto& T = st.model->tensors;
  switch (st.sort) {
    case SortBy::File: break;
    case SortBy::Name:
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return T[size_t(a)].name < T[size_t(b)].name; });
      break;
    case SortBy::Size:
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return T[size_t(a)].numel() > T[size_t(b)].numel(); });
      break;
    case SortBy::Outlier:
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return outlier_ratio(st.stats[size_t(a)]) > outlier_ratio(st.stats[size_t(b)]);
      });
      break;
  }

  // In the tree the rows appear grouped by prefix: the arrow keys follow the rows.
  const bool flat = !st.filter.empty() || st.sort != SortBy::File;
  TreeNode root;
  if (!flat) {
    root = build_tree(*st.model, order);
    for (TreeNode& c : root.children) merge_chains(c);
    order.clear();
    leaves_in_order(root, order);
  }

  // Arrow keys move the selection through the visible order wherever the pointer is,
  // unless a text field or a popup has the keyboard.
  if (!ImGui::GetIO().WantTextInput && !ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopup) && !order.empty()) {
    const auto it = std::find(order.begin(), order.end(), st.tensor);
    const long pos = it == order.end() ? -1 : long(it - order.begin());
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow)))
      app.select_tensor(order[size_t(std::min<long>(pos + 1, long(order.size()) - 1))]);
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_UpArrow)))
      app.select_tensor(order[size_t(std::max<long>(pos - 1, 0))]);
  }

  const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable;
  // A narrowed panel (a small screen, panel_widths) drops numel and dtype so names keep
  // room; both stay in each row's tooltip.
  const float panel_w = ImGui::GetContentRegionAvail().x;
  const ImGuiTableColumnFlags narrow = panel_w < fs * 25 ? ImGuiTableColumnFlags_Disabled : 0;
  const ImGuiTableColumnFlags numel_flag = narrow, dtype_flag = narrow;
  if (ImGui::BeginTable("##tensors", 5, flags, ImVec2(0, -ImGui::GetTextLineHeightWithSpacing() * 1.2f))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("tensor", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("dtype", ImGuiTableColumnFlags_WidthFixed | dtype_flag, fs * 2.6f);
    ImGui::TableSetupColumn("shape", ImGuiTableColumnFlags_WidthFixed, fs * 5.4f);
    ImGui::TableSetupColumn("numel", ImGuiTableColumnFlags_WidthFixed | numel_flag, fs * 2.6f);
    ImGui::TableSetupColumn("|x|/σ", ImGuiTableColumnFlags_WidthFixed, fs * 2.6f);
    table_headers(st, "tensors", {nullptr, "the dtype as stored", "shape", "elements",
                                  "max|x| / σ: the outlier badge (a Gaussian of this size stays below ~5)"});
    if (flat) {
      for (int i : order) tensor_row(app, i, T[size_t(i)].name, 0);
    } else {
      ImGui::PushStyleVar(ImGuiStyleVar_IndentSpacing, fs * (panel_w < fs * 20 ? 0.6f : 0.9f));
      tree_rows(app, root, "");
      ImGui::PopStyleVar();
    }
    ImGui::EndTable();
  }
  ImGui::TextDisabled("%zu of %zu tensors · %s params", order.size(), T.size(),
                      human_count(st.model->total_params()).c_str());
  ImGui::EndChild();
}

}  // namespace qs::app
