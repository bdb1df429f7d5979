// Export report… (Ctrl+E): the same files as `quantscope-cli report` for the open model,
// the tensor selection and the scheme list, plus a PNG of every view opened this
// session. The flow runs one step per frame so the window stays live:
//   Analyze  — the Model view's run, unless the shown one is current;
//   Capture  — each opened view in turn: show it, wait until its jobs are quiet for a
//              few frames, read the tab area from the back buffer (App::after_render);
//   Write    — the worst tensors' histograms and the files, on a job; write_report
//              stages everything in a temporary directory, so a failure leaves nothing.
#include <filesystem>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "analysis/base/tensor.h"
#include "app/gui/shell/app.h"
#include "app/gui/panels/panels.h"

namespace qs::app {
namespace {

std::string default_export_dir(const Model& m) {
  std::error_code ec;
  const std::filesystem::path cwd = std::filesystem::current_path(ec);
  const std::string stem = std::filesystem::path(m.path).stem().string();
  return ((ec ? std::filesystem::path(".") : cwd) / (stem.empty() ? "model-report" : stem + "-report")).string();
}

std::string views_list(const std::set<View>& views) {
  std::string s;
  for (View v : views) s.append(s.empty() ? "" : ", ").append(view_name(v));
  return s;
}

}  // namespace

void App::start_export(const std::string& dir) {
  if (!st_.model || export_) return;
  if (dir.empty()) {
    st_.notices.push_back("export: choose a folder to write the report into");
    return;
  }
  ExportFlow f;
  f.dir = dir;
  f.restore = st_.active_view;
  // Tab order (the set is ordered by View); the per-tensor views only with a tensor.
  for (View v : st_.views_opened)
    if (v == View::Model || st_.tensor >= 0) f.views.push_back(v);
  if (f.views.empty()) f.views.push_back(View::Model);
  if (model_run_current()) {
    f.phase = ExportFlow::Phase::Capture;
  } else {
    if (!analyze_model_now()) return;
    f.phase = ExportFlow::Phase::Analyze;
  }
  st_.export_result.clear();
  st_.show_export = false;
  export_ = std::move(f);
}

std::string App::export_status() const {
  if (!export_) return "";
  switch (export_->phase) {
    case ExportFlow::Phase::Analyze: {
      char buf[96];
      std::snprintf(buf, sizeof buf, "export: analyzing the model (%.0f%%)", 100.0 * model_job_->progress());
      return buf;
    }
    case ExportFlow::Phase::Capture:
      if (export_->next < export_->views.size())
        return std::string("export: capturing the ") + view_name(export_->views[export_->next]) + " view";
      return "export: capturing";
    case ExportFlow::Phase::Write: return "export: writing " + export_->dir;
  }
  return "";
}

void App::step_export() {
  if (!export_) return;
  ExportFlow& f = *export_;
  using Phase = ExportFlow::Phase;
  if (f.phase == Phase::Analyze) {
    if (model_job_->busy() || !model_job_->settled()) return;
    if (!model_run_current()) {
      st_.export_result = "export cancelled: the model analysis did not finish";
      st_.notices.push_back(st_.export_result);
      export_.reset();
      return;
    }
    f.phase = Phase::Capture;
  }
  if (f.phase == Phase::Capture) {
    if (capture_) return;  // read after this frame is rendered
    if (f.next >= f.views.size()) {
      st_.active_view = f.restore;
      st_.view_tab_pending = true;
      post_explore(false);
      ExportJobRequest r;
      r.run = st_.model_run;
      r.dir = f.dir;
      update_plan();
      if (st_.export_budget && st_.plan)
        r.budget = ReportBudget{st_.plan_bits,
                                st_.plan_objective == 0 ? BudgetObjective::PooledSqnr : BudgetObjective::WorstTensor,
                                *st_.plan};
      r.pngs = std::move(f.pngs);
      export_job_->post(std::move(r), true);
      f.phase = Phase::Write;
      return;
    }
    const View v = f.views[f.next];
    if (st_.active_view != v) {
      st_.active_view = v;
      st_.view_tab_pending = true;
      post_explore(false);
      f.settled = 0;
      return;
    }
    // The view's own work (explore, sweeps, stored) has landed and been drawn.
    const bool quiet = explore_job_->settled() && sweep_job_->settled() && stored_job_->settled() &&
                       scan_job_->settled() && model_job_->settled();
    f.settled = quiet ? f.settled + 1 : 0;
    if (f.settled >= 3) capture_ = PendingCapture{std::string("view-") + view_name(v) + ".png"};
    return;
  }
  if (f.phase == Phase::Write && export_job_->settled()) export_.reset();  // poll_results took the outcome
}

void draw_export_dialog(App& app) {
  AppState& st = app.state();
  if (!st.model) {
    st.show_export = false;
    return;
  }
  if (st.export_dir.empty()) st.export_dir = default_export_dir(*st.model);
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.4f),
                          ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 40, 0), ImGuiCond_Appearing);
  if (!ImGui::Begin("Export report", &st.show_export, ImGuiWindowFlags_NoCollapse)) {
    ImGui::End();
    return;
  }
  ImGui::TextWrapped(
      "Writes report.html, report.md, report.csv and report.json for this model, its tensor selection and the "
      "scheme list, the same files as quantscope-cli report, plus a PNG of each view opened this session.");
  ImGui::Spacing();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Folder");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  bool go = ImGui::InputText("##dir", &st.export_dir, ImGuiInputTextFlags_EnterReturnsTrue);

  const std::vector<Scheme> schemes = app.valid_schemes();
  auto sel = select_tensors(*st.model, st.model_regex);
  int64_t bytes = 0;
  if (sel)
    for (size_t i : *sel) bytes += int64_t(st.model->tensors[i].bytes.size());
  if (!sel) {
    ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "tensor selection: %s", sel.error().message.c_str());
  } else {
    ImGui::TextDisabled("%zu tensors (%s) × %zu schemes%s%s", sel->size(), human_bytes(bytes).c_str(), schemes.size(),
                        st.model_regex.empty() ? "" : " · tensors matching ", st.model_regex.c_str());
    ImGui::TextDisabled("%s", app.model_run_current() ? "the Model view's analysis is current: no re-run"
                                                      : "the model is analyzed first (progress in the status bar)");
  }
  std::set<View> views = st.views_opened;
  if (st.tensor < 0) std::erase_if(views, [](View v) { return v != View::Model; });
  if (views.empty()) views.insert(View::Model);
  ImGui::TextDisabled("views: %s", views_list(views).c_str());
  app.update_plan();
  ImGui::BeginDisabled(!st.plan);
  ImGui::Checkbox("include the bit-budget plan (budget.json)", &st.export_budget);
  ImGui::EndDisabled();
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(st.export_dir) / "report.json", ec))
    ImGui::TextColored(ImVec4(1, 0.75f, 0.3f, 1), "The folder holds a report: its files will be replaced.");
  ImGui::Spacing();
  const bool can = sel && !sel->empty() && !schemes.empty() && !st.export_dir.empty();
  ImGui::BeginDisabled(!can);
  go |= ImGui::Button("Export");
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) st.show_export = false;
  ImGui::End();
  if (go && can) app.start_export(st.export_dir);
}

}  // namespace qs::app
