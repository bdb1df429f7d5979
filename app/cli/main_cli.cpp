// quantscope-cli: the scriptable face of the analysis core (DESIGN.md "CLI").
//   inspect FILE [--json] [--stats]
//   quantize FILE --tensor NAME --scheme SPEC [--scheme SPEC ...] [--act-max FILE:TENSOR] [--json]
//   demo --out FILE.safetensors [--small]
//   demo --big N_GB --out DIR
// --quiet (-q, anywhere) silences the progress line long commands show on a terminal.
// Exit codes: 0 ok, 2 bad input or usage, 1 internal failure. `--json` prints one JSON
// document on stdout and nothing else; errors go to stderr.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <future>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "analysis/formats/big_demo.h"
#include "analysis/formats/demo_model.h"
#include "analysis/formats/model.h"
#include "analysis/model/model_analysis.h"
#include "analysis/presets/preset.h"
#include "analysis/quant/quantize.h"
#include "analysis/model/report.h"
#include "analysis/quant/scheme.h"
#include "analysis/model/stored_quant.h"
#include "analysis/numeric/tensor_decode.h"
#include "app/cli/progress_line.h"
#include "app/cli/text_table.h"

namespace qs {
namespace {

constexpr int kExitBadInput = 2;
bool g_quiet = false;  // --quiet: no progress line
constexpr int kExitInternal = 1;

int fail(const std::string& message, int code = kExitBadInput) {
  std::cerr << "quantscope-cli: " << message << "\n";
  return code;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string opt_fmt(const char* f, const std::optional<double>& v) {
  if (!v) return "-";
  if (std::isinf(*v)) return *v > 0 ? "inf" : "-inf";
  if (std::isnan(*v)) return "nan";
  return fmt(f, *v);
}

// 16777216 → "16,777,216"
std::string grouped(int64_t v) {
  std::string s = std::to_string(v), out;
  const int n = int(s.size());
  for (int i = 0; i < n; ++i) {
    out += s[size_t(i)];
    const int left = n - 1 - i;
    if (left > 0 && left % 3 == 0 && s[size_t(i)] != '-') out += ',';
  }
  return out;
}

nlohmann::json shape_json(const std::vector<int64_t>& shape) {
  nlohmann::json a = nlohmann::json::array();
  for (int64_t d : shape) a.push_back(d);
  return a;
}

// ------------------------------------------------------------------------------ inspect
nlohmann::json stats_json(const TensorStats& s) {
  const bool any = s.n_finite > 0;
  return {{"min", any ? number_to_json(s.min) : nlohmann::json(nullptr)},
          {"max", any ? number_to_json(s.max) : nlohmann::json(nullptr)},
          {"mean", any ? number_to_json(s.mean) : nlohmann::json(nullptr)},
          {"std", any ? number_to_json(s.std) : nlohmann::json(nullptr)},
          {"n_nonfinite", s.n_nonfinite}};
}

// --stats streams every floating-point tensor once (chunked decode), releasing its
// mapped pages afterwards, so a model bigger than RAM scans in bounded memory.
std::vector<std::optional<TensorStats>> scan_all(const Model& m, bool quiet) {
  std::vector<std::optional<TensorStats>> out(m.tensors.size());
  cli::ProgressLine line("inspect --stats", "tensors", quiet);
  int64_t bytes = 0;
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    if (dtype_is_float(m.tensors[i].dtype)) {
      out[i] = scan_stats(m.tensors[i]);
      m.release_pages(m.tensors[i]);
    }
    bytes += int64_t(m.tensors[i].bytes.size());
    line.update(int64_t(i) + 1, int64_t(m.tensors.size()), bytes, m.total_bytes());
  }
  return out;
}

int cmd_inspect(const std::string& file, bool json, bool with_stats) {
  auto model = open_model(file);
  if (!model) return fail(model.error().message);
  std::vector<std::optional<TensorStats>> stats;
  if (with_stats) stats = scan_all(*model, g_quiet);
  if (json) {
    nlohmann::json j;
    j["file"] = file;
    j["format"] = model->format;
    j["metadata"] = model->metadata;
    j["tensors"] = nlohmann::json::array();
    for (size_t i = 0; i < model->tensors.size(); ++i) {
      const TensorView& t = model->tensors[i];
      nlohmann::json e = {{"name", t.name},
                          {"dtype", std::string(dtype_name(t.dtype))},
                          {"shape", shape_json(t.shape)},
                          {"numel", t.numel()},
                          {"bytes", int64_t(t.bytes.size())}};
      if (with_stats) e["stats"] = stats[i] ? stats_json(*stats[i]) : nlohmann::json(nullptr);
      j["tensors"].push_back(std::move(e));
    }
    j["total_params"] = model->total_params();
    j["total_bytes"] = model->total_bytes();
    // Metadata comes from the file: replace invalid UTF-8 rather than fail on it.
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  std::cout << file << "  (" << model->format << ", " << model->tensors.size() << " tensors, "
            << grouped(model->total_params()) << " parameters, "
            << human_bytes(model->total_bytes()) << ")\n";
  if (model->metadata.is_object() && !model->metadata.empty()) {
    // One line per key, cut at 100 characters: GGUF files carry whole vocabularies.
    for (auto it = model->metadata.begin(); it != model->metadata.end(); ++it) {
      std::string v = it->is_string() ? it->get<std::string>()
                                      : it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      for (char& c : v) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
      }
      if (v.size() > 100) {
        v.resize(97);
        v.append("...");
      }
      std::cout << "  " << it.key() << ": " << v << "\n";
    }
  }
  std::cout << "\n";
  std::vector<std::string> head = {"tensor", "dtype", "shape", "numel", "bytes"};
  std::vector<bool> right = {false, false, false, true, true};
  if (with_stats) {
    for (const char* h : {"min", "max", "mean", "std", "max|x|/std"}) {
      head.push_back(h);
      right.push_back(true);
    }
  }
  TextTable table(head, right);
  for (size_t i = 0; i < model->tensors.size(); ++i) {
    const TensorView& t = model->tensors[i];
    std::vector<std::string> row = {t.name, std::string(dtype_name(t.dtype)), shape_string(t.shape),
                                    grouped(t.numel()), human_bytes(int64_t(t.bytes.size()))};
    if (with_stats) {
      const std::optional<TensorStats>& s = stats[i];
      const bool any = s && s->n_finite > 0;
      row.push_back(any ? fmt("%.4g", s->min) : "-");
      row.push_back(any ? fmt("%.4g", s->max) : "-");
      row.push_back(any ? fmt("%.4g", s->mean) : "-");
      row.push_back(any ? fmt("%.4g", s->std) : "-");
      row.push_back(any && s->std > 0 ? fmt("%.1f", s->absmax / s->std) : "-");
    }
    table.add(row);
  }
  std::cout << table.str();
  return 0;
}

// ----------------------------------------------------------------------------- quantize

// --act-max FILE:TENSOR: FILE is the longest prefix before a ':' that names an existing
// file (a path may hold ':' itself); the tensor must be 1-D (SmoothQuant's act_scales).
Result<std::vector<float>> load_act_max(const std::string& arg) {
  for (size_t colon = arg.rfind(':'); colon != std::string::npos && colon > 0;
       colon = arg.rfind(':', colon - 1)) {
    const std::string path = arg.substr(0, colon), name = arg.substr(colon + 1);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    auto model = open_model(path);
    if (!model) return make_error("--act-max " + arg + ": " + model.error().message);
    const TensorView* t = model->find(name);
    if (!t) return make_error("--act-max " + arg + ": " + path + " has no tensor named '" + name + "'");
    if (t->shape.size() != 1 || !dtype_is_float(t->dtype))
      return make_error("--act-max " + arg + ": " + name + " " + shape_string(t->shape) +
                        " is not a 1-D floating-point tensor of activation maxima");
    std::vector<float> storage;
    const std::span<const float> v = to_float(*t, storage);
    return std::vector<float>(v.begin(), v.end());
  }
  return make_error("--act-max " + arg + ": expected FILE:TENSOR naming an existing file");
}

int cmd_quantize(const std::string& file, const std::string& tensor_name,
                 const std::vector<std::string>& specs, const std::string& act_max_arg, bool json) {
  std::vector<Scheme> schemes;
  for (const std::string& sp : specs) {
    auto s = parse_spec(sp);
    if (!s) return fail("--scheme '" + sp + "': " + s.error().message);
    schemes.push_back(*s);
  }
  auto model = open_model(file);
  if (!model) return fail(model.error().message);
  const TensorView* t = model->find(tensor_name);
  if (!t) {
    return fail(file + ": no tensor named '" + tensor_name + "' (" +
                std::to_string(model->tensors.size()) +
                " tensors; `quantscope-cli inspect " + file + "` lists them)");
  }
  for (size_t i = 0; i < schemes.size(); ++i) {
    auto layout = make_layout(t->shape, schemes[i]);
    if (!layout) {
      return fail("--scheme '" + specs[i] + "' on " + t->name + " " + shape_string(t->shape) +
                  ": " + layout.error().message);
    }
  }
  const TensorStats stats = scan_stats(*t);
  TransformInputs transform_in;
  if (!act_max_arg.empty()) {
    auto a = load_act_max(act_max_arg);
    if (!a) return fail(a.error().message);
    transform_in.act_max = std::move(*a);
  }
  for (size_t i = 0; i < schemes.size(); ++i) {
    if (!has_transform(schemes[i])) continue;
    if (auto ready = transform_ready(schemes[i], t->shape, stats.n_nonfinite, &transform_in); !ready)
      return fail("--scheme '" + specs[i] + "' on " + t->name + " " + shape_string(t->shape) + ": " +
                  ready.error().message);
  }
  std::vector<float> storage;
  const std::span<const float> x = to_float(*t, storage);
  QuantizeOptions qopt;
  qopt.transform = &transform_in;

  nlohmann::json results = nlohmann::json::array();
  TextTable table({"scheme", "SQNR dB", "MSE", "max err", "clipped", "codes", "bits/w", "ms"},
                  {false, true, true, true, true, true, true, true});
  // Over 100 M elements each scheme takes a noticeable time: count them on the terminal.
  constexpr int64_t kProgressElements = 100'000'000;
  cli::ProgressLine line("quantize " + t->name, "schemes", g_quiet || t->numel() <= kProgressElements);
  const int64_t scheme_bytes = t->numel() * int64_t(sizeof(float));
  for (size_t k = 0; k < schemes.size(); ++k) {
    const Scheme& s = schemes[k];
    line.update(int64_t(k), int64_t(schemes.size()), int64_t(k) * scheme_bytes, int64_t(schemes.size()) * scheme_bytes);
    const auto t0 = std::chrono::steady_clock::now();
    const QuantizeResult r = quantize(x, t->shape, s, qopt);
    if (!r.error.empty()) return fail("--scheme '" + print_spec(s) + "' on " + t->name + ": " + r.error);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const Metrics& m = r.metrics;
    results.push_back({{"spec", print_spec(s)},
                       {"scheme", scheme_to_json(s)},
                       {"metrics", metrics_to_json(m)},
                       {"params", params_to_json(r)}});
    table.add({print_spec(s), opt_fmt("%.2f", m.sqnr_db), opt_fmt("%.3e", m.mse),
               opt_fmt("%.3e", m.max_abs_error),
               m.clipped_fraction ? fmt("%.4f%%", *m.clipped_fraction * 100) : "-",
               std::to_string(m.codes_used), opt_fmt("%.3f", m.bits_per_weight), fmt("%.1f", ms)});
  }
  line.finish();
  // A GGUF block tensor or TF.js quantized weight: how the file quantized it (its values
  // lie on this grid exactly, so the schemes above are measured against what the file holds).
  std::optional<StoredQuant> stored;
  if (has_stored_quant(*t)) {
    auto sq = read_stored_quant(*t);
    if (sq) stored = std::move(*sq);
  }
  if (json) {
    nlohmann::json j;
    j["file"] = file;
    j["tensor"] = {{"name", t->name},
                   {"dtype", std::string(dtype_name(t->dtype))},
                   {"shape", shape_json(t->shape)},
                   {"numel", t->numel()},
                   {"stats", stats_json(stats)}};
    if (stored) j["tensor"]["stored"] = stored_quant_json(*stored);
    j["results"] = results;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << t->name << "  " << dtype_name(t->dtype) << " " << shape_string(t->shape) << "  "
            << grouped(t->numel()) << " elements\n";
  if (stats.n_finite > 0) {
    std::cout << "min " << fmt("%.6g", stats.min) << "  max " << fmt("%.6g", stats.max)
              << "  mean " << fmt("%.6g", stats.mean) << "  std " << fmt("%.6g", stats.std)
              << "  max|x|/std " << (stats.std > 0 ? fmt("%.1f", stats.absmax / stats.std) : "-")
              << "  non-finite " << stats.n_nonfinite << "\n\n";
  } else {
    std::cout << "no finite values (non-finite " << stats.n_nonfinite << ")\n\n";
  }
  if (stored) {
    const StoredQuant& q = *stored;
    const auto [smin, smax] = std::minmax_element(q.scale.begin(), q.scale.end());
    std::cout << "stored as " << dtype_name(q.type) << ": " << fmt("%.4g", q.bits_per_weight)
              << " bits/weight, " << grouped(q.sub_blocks()) << " sub-blocks of " << q.sub_block_elems
              << ", codes " << q.code_min << ".." << q.code_max << " (" << q.codes_used() << " used)";
    if (!q.scale.empty()) std::cout << ", scale " << fmt("%.4g", *smin) << " .. " << fmt("%.4g", *smax);
    std::cout << (q.has_offset ? ", with a per-sub-block offset" : "") << "\n\n";
  }
  std::cout << table.str();
  return 0;
}

// --------------------------------------------------------------------------------- demo
int cmd_demo_big(const std::string& out, double gib) {
  BigDemoOptions opt;
  opt.gib = gib;
  const auto start = std::chrono::steady_clock::now();
  cli::ProgressLine line("demo --big " + out, "GB", g_quiet);
  opt.progress = [&](int64_t done, int64_t total) {
    line.update(0, 0, done, total);
    return true;
  };
  auto r = write_big_demo(out, opt);
  line.finish();
  if (!r) return fail(r.error().message);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "wrote " << out << " in " << fmt("%.1f", s) << " s\n";
  return 0;
}

// ------------------------------------------------------------------------------- report

int cmd_report(const std::string& file, const std::string& regex, const std::vector<std::string>& specs,
               const std::string& out_dir, double budget, const std::string& objective) {
  if (objective != "pooled" && objective != "worst") {
    return fail("--objective '" + objective + "': allowed are pooled (maximize pooled SQNR) and worst (the worst tensor's)");
  }
  auto m = open_model(file);
  if (!m) return fail(m.error().message);
  ModelAnalysisRequest req;
  req.tensor_regex = regex;
  for (const std::string& spec : specs) {
    auto s = parse_spec(spec);
    if (!s) return fail("--scheme '" + spec + "': " + s.error().message);
    if (s->transform.kind == TransformKind::Smooth)
      return fail("--scheme '" + spec + "': smooth needs per-column activation maxima, which only `quantize --act-max` takes");
    req.schemes.push_back(*s);
  }
  const auto t0 = std::chrono::steady_clock::now();
  RunControl control;
  // The analysis runs on a worker thread while this one redraws the progress line (a
  // report of a large model takes minutes; without it the terminal stays silent).
  auto pending = std::async(std::launch::async, [&] { return analyze_model(*m, req, &control); });
  {
    cli::ProgressLine line("report", "tensors", g_quiet);
    auto show = [&] {
      if (control.items_total.load() > 0)
        line.update(control.items_done.load(), control.items_total.load(), control.done.load(), control.total.load());
    };
    while (pending.wait_for(std::chrono::milliseconds(line.enabled() ? 100 : 1000)) != std::future_status::ready) show();
    show();  // the final count, however quick the run (then erased: the summary follows)
  }
  auto a = pending.get();
  if (!a) return fail(file + ": " + a.error().message);
  if (a->tensors.empty()) {
    return fail(file + ": no floating-point tensor" + (regex.empty() ? "" : " matches --tensors '" + regex + "'"));
  }
  Report r;
  r.file = file;
  r.schemes = req.schemes;
  r.tensor_regex = regex;
  r.model = &*m;
  r.analysis = &*a;
  r.worst = worst_tensor_views(*m, *a, req.schemes[0]);
  if (budget > 0) {
    ReportBudget b;
    b.target_bits_per_weight = budget;
    b.objective = objective == "worst" ? BudgetObjective::WorstTensor : BudgetObjective::PooledSqnr;
    auto plan = plan_budget(budget_tensors(*a), budget, b.objective);
    if (!plan) return fail("--budget: " + plan.error().message);
    b.plan = std::move(*plan);
    r.budget = std::move(b);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (auto w = write_report(out_dir, r); !w) return fail(w.error().message);
  if (r.budget) {
    std::cout << "budget " << fmt("%.4g", budget) << " bits/weight: " << fmt("%.3f", r.budget->plan.bits_per_weight)
              << " bits/weight, pooled SQNR " << fmt("%.2f", r.budget->plan.pooled_sqnr_db) << " dB, worst tensor "
              << fmt("%.2f", r.budget->plan.worst_sqnr_db) << " dB (plan in " << out_dir << "/budget.json)\n";
  }
  std::cout << "wrote " << out_dir << "/report.{html,md,csv,json}: " << a->tensors.size() << " tensors × "
            << req.schemes.size() << " schemes in " << fmt("%.2f", r.seconds) << " s\n";
  return 0;
}

int cmd_demo(const std::string& out, bool small) {
  DemoOptions opt;
  opt.small = small;
  auto r = write_demo_model(out, opt);
  if (!r) return fail(r.error().message);
  std::cerr << "wrote " << out << "\n";
  return 0;
}

// presets: every real-toolchain preset with its bits/weight on a 4096 × 4096 tensor, whose
// rule it follows, and the rule in one line.
int cmd_presets(bool json) {
  const std::vector<int64_t> shape = {4096, 4096};
  nlohmann::json j = nlohmann::json::array();
  TextTable table({"preset", "bits/w", "follows", "rule"}, {false, true, false, false});
  for (const PresetInfo& p : all_presets()) {
    const Scheme s = preset_scheme(p.id);
    const GroupLayout L = *make_layout(shape, s);
    const double bits = *bits_per_weight(s, L.numel, L.groups);
    j.push_back({{"name", std::string(p.name)},
                 {"toolchain", std::string(p.toolchain)},
                 {"description", std::string(p.description)},
                 {"bits_per_weight_4096x4096", bits}});
    table.add({std::string(p.name), fmt("%.4g", bits), std::string(p.toolchain), std::string(p.description)});
  }
  if (json) std::cout << j.dump(1) << "\n";
  else std::cout << table.str();
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app{"quantscope-cli: see what quantization does to neural-network weights"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("quantscope-cli ") + QS_VERSION);
  app.add_flag("-q,--quiet", g_quiet, "No progress line on stderr (shown only on a terminal)");
  app.fallthrough();  // --quiet also after the command: `report ... --quiet`

  std::string file, tensor, out;
  std::vector<std::string> specs;
  bool json = false, small = false;

  CLI::App* inspect = app.add_subcommand("inspect", "List a model file's tensors");
  inspect->add_option("file", file, "Model file or directory (safetensors incl. sharded, GGUF, PyTorch, ONNX, npy, npz)")->required();
  inspect->add_flag("--json", json, "Print one JSON document");
  bool with_stats = false;
  inspect->add_flag("--stats", with_stats, "Also scan every floating-point tensor (min, max, mean, std)");

  CLI::App* quant = app.add_subcommand("quantize", "Quantize one tensor with one or more schemes");
  quant->add_option("file", file, "Weight file")->required();
  quant->add_option("--tensor", tensor, "Tensor name (see inspect)")->required();
  quant->add_option("--scheme", specs, "Scheme spec, e.g. absmax:bits=8 (repeatable)")
      ->required()
      ->take_all();
  std::string act_max;
  quant->add_option("--act-max", act_max,
                    "Per-column activation maxima for smooth=α schemes: FILE:TENSOR, a 1-D tensor (SmoothQuant act_scales)");
  quant->add_flag("--json", json, "Print one JSON document");

  CLI::App* report = app.add_subcommand("report", "Analyze every tensor with every scheme and write a report");
  std::string tensors_regex;
  report->add_option("file", file, "Model file or directory")->required();
  report->add_option("--tensors", tensors_regex, "Only tensors whose name matches this (POSIX extended) regex");
  report->add_option("--scheme", specs, "Scheme spec (repeatable)")->required()->take_all();
  report->add_option("--out", out, "Output directory (created if missing)")->required();
  double budget = 0;
  std::string objective = "pooled";
  report->add_option("--budget", budget, "Also plan one scheme per tensor within this average bits/weight")
      ->check(CLI::Range(0.01, 64.0));
  report->add_option("--objective", objective, "Budget objective: pooled (pooled SQNR, default) or worst (worst tensor)");

  CLI::App* presets = app.add_subcommand("presets", "List the real-toolchain presets (usable as --scheme NAME)");
  presets->add_flag("--json", json, "Print one JSON document");

  CLI::App* demo = app.add_subcommand("demo", "Write the built-in demo model");
  double big_gib = 0;
  demo->add_option("--out", out, "Output .safetensors path (with --big: a new directory)")->required();
  demo->add_flag("--small", small, "Small variant (256x256 instead of 4096x4096)");
  demo->add_option("--big", big_gib,
                   "Write a synthetic sharded model of about N GiB into the --out directory")
      ->check(CLI::Range(0.01, 4096.0));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadInput;
  }
  if (*inspect) return cmd_inspect(file, json, with_stats);
  if (*quant) return cmd_quantize(file, tensor, specs, act_max, json);
  if (*report) return cmd_report(file, tensors_regex, specs, out, budget, objective);
  if (*presets) return cmd_presets(json);
  if (*demo) return big_gib > 0 ? cmd_demo_big(out, big_gib) : cmd_demo(out, small);
  return fail("no command given (inspect, quantize, report, presets, demo)");
}

}  // namespace
}  // namespace qs

int main(int argc, char** argv) {
  try {
    return qs::run(argc, argv);
  } catch (const std::bad_alloc&) {
    return qs::fail("out of memory", qs::kExitInternal);
  } catch (const std::exception& e) {
    return qs::fail(std::string("internal error: ") + e.what(), qs::kExitInternal);
  }
}
