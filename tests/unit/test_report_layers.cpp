// report.html for a model with a layer pattern: a layer × module grid per scheme with its
// worst cells marked and the bars only for the other tensors; and the bits/weight-vs-SQNR
// map's labels inside the chart and clear of each other, whatever the specs' lengths.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/model/report_svg.h"
#include "analysis/model/report.h"

namespace {

using namespace qs;

struct Fixture {
  Model model;
  ModelAnalysis analysis;
  Report report;
};

// Tensors named by `names`, scheme s's SQNR on tensor i = sqnr(i, s); totals given.
void build(Fixture& f, const std::vector<std::string>& names, const std::vector<std::string>& specs,
           double (*sqnr)(size_t, size_t), const std::vector<std::pair<double, double>>& totals) {
  for (const std::string& n : names) {
    TensorView t;
    t.name = n;
    t.shape = {4, 4};
    t.dtype = DType::F32;
    f.model.tensors.push_back(t);
  }
  for (size_t i = 0; i < names.size(); ++i) {
    TensorAnalysis ta;
    ta.index = i;
    for (size_t s = 0; s < specs.size(); ++s) {
      SchemeOnTensor r;
      r.metrics = Metrics{};
      r.metrics->sqnr_db = sqnr(i, s);
      ta.results.push_back(r);
    }
    f.analysis.tensors.push_back(ta);
  }
  for (size_t s = 0; s < specs.size(); ++s) {
    f.report.schemes.push_back(*parse_spec(specs[s]));
    SchemeTotal t;
    t.metrics.bits_per_weight = totals[s].first;
    t.metrics.sqnr_db = totals[s].second;
    f.analysis.totals.push_back(t);
  }
  f.model.format = "safetensors";
  f.report.file = "m.safetensors";
  f.report.model = &f.model;
  f.report.analysis = &f.analysis;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

TEST(ReportLayers, GridPerSchemeWorstMarkedBarsForTheRest) {
  std::vector<std::string> names = {"model.embed_tokens.weight"};
  for (int l = 0; l < 4; ++l)
    for (const char* m : {"q_proj", "k_proj", "down_proj"}) names.push_back("model.layers." + std::to_string(l) + ".x." + m + ".weight");
  names.push_back("lm_head.weight");
  Fixture f;
  // SQNR = 10·(tensor index) + scheme: tensors 1, 2, 3 (layer 0) are the grid's worst.
  build(f, names, {"int8", "int4"}, [](size_t i, size_t s) { return 10.0 * double(i) + double(s); },
        {{8.0, 40.0}, {4.0, 20.0}});
  const std::string html = report_html(f.report);
  EXPECT_NE(html.find("<h2>SQNR by layer and module</h2>"), std::string::npos);
  EXPECT_NE(html.find("4 layers (<code>model.layers.N.</code>) × 3 modules"), std::string::npos);
  EXPECT_EQ(count(html, "<title>SQNR by layer and module: "), 2u);  // one grid per scheme
  EXPECT_EQ(count(html, "(among the 3 worst)"), 6u);                 // 3 per scheme
  EXPECT_EQ(count(html, ">▼</text>"), 6u);
  EXPECT_NE(html.find("model.layers.0.x.q_proj.weight: 10.00 dB (among the 3 worst)"), std::string::npos);
  EXPECT_NE(html.find("model.layers.0.x.down_proj.weight: 31.00 dB (among the 3 worst)"), std::string::npos);
  // Bars only for the two tensors outside the layers.
  EXPECT_NE(html.find("<h2>SQNR per tensor (outside the layers)</h2>"), std::string::npos);
  EXPECT_NE(html.find(">model.embed_tokens.weight</text>"), std::string::npos);
  EXPECT_NE(html.find(">lm_head.weight</text>"), std::string::npos);
  EXPECT_EQ(html.find(">model.layers.0.x.q_proj.weight</text>"), std::string::npos);
  // The colour scale spans the grid's SQNRs: 10 dB (worst) to 121 dB (tensor 12, int4).
  EXPECT_NE(html.find(">10.0 dB</text>"), std::string::npos);
  EXPECT_NE(html.find(">121.0 dB</text>"), std::string::npos);
  EXPECT_EQ(report_svg::sqnr_colour(10, 10, 121), "#b91c1c");
  EXPECT_EQ(report_svg::sqnr_colour(121, 10, 121), "#15803d");
}

TEST(ReportLayers, NoPatternKeepsEveryBar) {
  Fixture f;
  build(f, {"a.weight", "b.weight"}, {"int8"}, [](size_t i, size_t) { return double(i); }, {{8.0, 40.0}});
  const std::string html = report_html(f.report);
  EXPECT_EQ(html.find("SQNR by layer and module"), std::string::npos);
  EXPECT_NE(html.find("<h2>SQNR per tensor</h2>"), std::string::npos);
  EXPECT_NE(html.find(">a.weight</text>"), std::string::npos);
}

// Every label of the tradeoff map, its box estimated at kLabelCharWidth per character
// (an upper bound for the 10 px font), lies inside the SVG and overlaps no other label.
TEST(ReportLayers, TradeoffLabelsStayInsideAndApart) {
  Fixture f;
  // The highest bits/weight sits at the right edge with the longest spec; two more points
  // sit almost on top of each other.
  build(f, {"w"}, {"absmax:bits=8", "absmax:bits=4,gran=block,block=32,scale_dtype=f16", "int4", "uint4"},
        [](size_t, size_t) { return 1.0; }, {{16.0, 60.0}, {4.5, 20.0}, {4.0, 15.0}, {4.0, 15.2}});
  const std::string svg = report_svg::tradeoff(f.report);
  // A few lines of attribute reading instead of <regex> (GCC 12's <regex> trips
  // -Wmaybe-uninitialized in the sanitizer build).
  auto attr = [](const std::string& tag, const std::string& name) -> std::string {
    const size_t p = tag.find(" " + name + "=\"");
    if (p == std::string::npos) return "";
    const size_t b = p + name.size() + 3;
    return tag.substr(b, tag.find('"', b) - b);
  };
  const std::string svg_tag = svg.substr(0, svg.find('>'));
  ASSERT_NE(attr(svg_tag, "width"), "");
  const double W = std::stod(attr(svg_tag, "width")), H = std::stod(attr(svg_tag, "height"));
  struct Box {
    double x0, y0, x1, y1;
  };
  std::vector<Box> boxes;
  int labels = 0;
  for (size_t at = svg.find("<text "); at != std::string::npos; at = svg.find("<text ", at + 1)) {
    const size_t close = svg.find('>', at), end = svg.find("</text>", close);
    const std::string tag = svg.substr(at, close - at), text = svg.substr(close + 1, end - close - 1);
    if (attr(tag, "class") != "lbl" || attr(tag, "transform") != "") continue;
    if (text.find("absmax") == std::string::npos && text != "int4" && text != "uint4") continue;  // axis labels
    ++labels;
    const double x = std::stod(attr(tag, "x")), y = std::stod(attr(tag, "y"));
    const double w = double(text.size()) * report_svg::kLabelCharWidth;
    const Box b = attr(tag, "text-anchor") == "end" ? Box{x - w, y - 9, x, y + 3} : Box{x, y - 9, x + w, y + 3};
    EXPECT_GE(b.x0, 0) << text;
    EXPECT_LE(b.x1, W) << text;
    EXPECT_GE(b.y0, 0) << text;
    EXPECT_LE(b.y1, H) << text;
    for (const Box& o : boxes) EXPECT_FALSE(b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1) << text;
    boxes.push_back(b);
  }
  EXPECT_GE(labels, 3);  // at most one of the two coincident points may be left to its tooltip
  // The right-edge point's label went to the left of its point.
  EXPECT_NE(svg.find("text-anchor=\"end\" class=\"lbl\">absmax:bits=8</text>"), std::string::npos);
}

}  // namespace
