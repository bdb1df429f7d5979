#include "analysis/model/report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "analysis/model/report_text.h"

namespace qs::report_svg {

using namespace report_text;

// Grouped horizontal bars: one row per tensor, one bar per scheme (SQNR in dB).
std::string sqnr_bars(const Report& r, const std::vector<size_t>& tensors) {
  const ModelAnalysis& a = *r.analysis;
  const size_t S = r.schemes.size(), T = tensors.size();
  double hi = 1;
  for (size_t i : tensors) {
    for (const SchemeOnTensor& s : a.tensors[i].results) {
      const double v = sqnr_or(s, 0);
      if (std::isfinite(v)) hi = std::max(hi, v);
    }
  }
  const double label_w = 260, plot_w = 460, bar_h = 7, row_h = double(S) * bar_h + 6;
  // Names longer than the label column keep their end (the distinctive part), behind "…".
  const size_t kNameChars = size_t((label_w - 12) / kLabelCharWidth);
  const double h = double(T) * row_h + 40;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label_w + plot_w + 20 << "\" height=\"" << h
    << "\" role=\"img\"><title>SQNR per tensor and scheme</title>";
  for (size_t i = 0; i < T; ++i) {
    const double y0 = 10 + double(i) * row_h;
    const TensorView& t = r.model->tensors[a.tensors[tensors[i]].index];
    o << "<text x=\"" << label_w - 6 << "\" y=\"" << y0 + row_h / 2 + 3 << "\" text-anchor=\"end\" class=\"lbl\">"
      << xml_escape(t.name.size() > kNameChars ? "…" + t.name.substr(t.name.size() - (kNameChars - 1)) : t.name)
      << "</text>";
    for (size_t s = 0; s < S; ++s) {
      const double v = sqnr_or(a.tensors[tensors[i]].results[s], 0);
      const double w = std::isfinite(v) ? std::max(0.0, v) / hi * plot_w : plot_w;
      o << "<rect x=\"" << label_w << "\" y=\"" << y0 + double(s) * bar_h << "\" width=\"" << num(w, "%.1f")
        << "\" height=\"" << bar_h - 1 << "\" fill=\"" << kColors[s % 8] << "\"><title>" << xml_escape(print_spec(r.schemes[s]))
        << ": " << num(v, "%.2f") << " dB</title></rect>";
    }
  }
  const double axis_y = 10 + double(T) * row_h + 4;
  o << "<line x1=\"" << label_w << "\" y1=\"" << axis_y << "\" x2=\"" << label_w + plot_w << "\" y2=\"" << axis_y
    << "\" stroke=\"#888\"/>";
  for (int k = 0; k <= 4; ++k) {
    const double x = label_w + plot_w * k / 4;
    o << "<text x=\"" << x << "\" y=\"" << axis_y + 14 << "\" text-anchor=\"middle\" class=\"lbl\">" << num(hi * k / 4, "%.0f")
      << (k == 4 ? " dB" : "") << "</text>";
  }
  o << "</svg>";
  return o.str();
}

// x's histogram with the scheme's levels as ticks underneath.
std::string histogram(const WorstTensorView& w) {
  const double W = 520, H = 150, L = 10, B = 34;
  const Histogram& h = w.hist;
  uint64_t top = 1;
  for (uint64_t c : h.counts) top = std::max(top, c);
  const double lo = h.spec.lo, hi = h.spec.hi > h.spec.lo ? h.spec.hi : h.spec.lo + 1;
  auto X = [&](double v) { return L + (v - lo) / (hi - lo) * (W - 2 * L); };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" role=\"img\">";
  const double bw = (W - 2 * L) / double(std::max<size_t>(1, h.counts.size()));
  for (size_t i = 0; i < h.counts.size(); ++i) {
    const double bh = double(h.counts[i]) / double(top) * (H - B - 8);
    o << "<rect x=\"" << num(L + bw * double(i), "%.1f") << "\" y=\"" << num(H - B - bh, "%.1f") << "\" width=\""
      << num(std::max(0.5, bw - 0.5), "%.1f") << "\" height=\"" << num(bh, "%.1f") << "\" fill=\"#3b82f6\"/>";
  }
  size_t shown = 0;
  for (float l : w.levels) {
    if (l < lo || l > hi || ++shown > 400) continue;
    const double x = X(l);
    o << "<line x1=\"" << num(x, "%.1f") << "\" y1=\"" << H - B + 2 << "\" x2=\"" << num(x, "%.1f") << "\" y2=\""
      << H - B + 10 << "\" stroke=\"#f59e0b\"/>";
  }
  o << "<text x=\"" << L << "\" y=\"" << H - 6 << "\" class=\"lbl\">" << num(lo, "%.4g") << "</text>";
  o << "<text x=\"" << W - L << "\" y=\"" << H - 6 << "\" text-anchor=\"end\" class=\"lbl\">" << num(hi, "%.4g") << "</text>";
  o << "</svg>";
  return o.str();
}

std::string tradeoff(const Report& r) {
  const ModelAnalysis& a = *r.analysis;
  double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
  for (const SchemeTotal& t : a.totals) {
    if (!t.metrics.bits_per_weight || !t.metrics.sqnr_db || !std::isfinite(*t.metrics.sqnr_db)) continue;
    x0 = std::min(x0, *t.metrics.bits_per_weight), x1 = std::max(x1, *t.metrics.bits_per_weight);
    y0 = std::min(y0, *t.metrics.sqnr_db), y1 = std::max(y1, *t.metrics.sqnr_db);
  }
  if (x0 > x1) x0 = 0, x1 = 16, y0 = 0, y1 = 60;
  const double px = std::max(0.5, (x1 - x0) * 0.15), py = std::max(2.0, (y1 - y0) * 0.15);
  x0 -= px, x1 += px, y0 -= py, y1 += py;
  const double W = 520, H = 300, L = 50, B = 30;
  auto X = [&](double v) { return L + (v - x0) / (x1 - x0) * (W - L - 10); };
  auto Y = [&](double v) { return H - B - (v - y0) / (y1 - y0) * (H - B - 10); };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" role=\"img\"><title>bits per weight against pooled SQNR</title>";
  o << "<rect x=\"" << L << "\" y=\"10\" width=\"" << W - L - 10 << "\" height=\"" << H - B - 10
    << "\" fill=\"none\" stroke=\"#888\"/>";
  for (int k = 0; k <= 4; ++k) {
    const double xv = x0 + (x1 - x0) * k / 4, yv = y0 + (y1 - y0) * k / 4;
    o << "<text x=\"" << X(xv) << "\" y=\"" << H - B + 14 << "\" text-anchor=\"middle\" class=\"lbl\">" << num(xv, "%.1f")
      << "</text>";
    o << "<text x=\"" << L - 4 << "\" y=\"" << Y(yv) + 3 << "\" text-anchor=\"end\" class=\"lbl\">" << num(yv, "%.0f")
      << "</text>";
  }
  o << "<text x=\"" << (L + W) / 2 << "\" y=\"" << H - 2 << "\" text-anchor=\"middle\" class=\"lbl\">bits / weight</text>";
  o << "<text x=\"12\" y=\"" << (H - B) / 2 << "\" class=\"lbl\" transform=\"rotate(-90 12 " << (H - B) / 2
    << ")\" text-anchor=\"middle\">pooled SQNR (dB)</text>";
  // Points first, then labels: each label tries four places around its point and takes the
  // first inside the plot's frame that overlaps no label placed before it.
  struct Box {
    double x0, y0, x1, y1;
  };
  std::vector<Box> placed;
  for (size_t s = 0; s < a.totals.size(); ++s) {
    const Metrics& m = a.totals[s].metrics;
    if (!m.bits_per_weight || !m.sqnr_db || !std::isfinite(*m.sqnr_db)) continue;
    const double cx = X(*m.bits_per_weight), cy = Y(*m.sqnr_db);
    o << "<circle cx=\"" << num(cx, "%.1f") << "\" cy=\"" << num(cy, "%.1f") << "\" r=\"5\" fill=\"" << kColors[s % 8]
      << "\"><title>" << xml_escape(print_spec(r.schemes[s])) << ": " << num(*m.bits_per_weight, "%.3f") << " bits/weight, "
      << num(*m.sqnr_db, "%.2f") << " dB</title></circle>";
  }
  for (size_t s = 0; s < a.totals.size(); ++s) {
    const Metrics& m = a.totals[s].metrics;
    if (!m.bits_per_weight || !m.sqnr_db || !std::isfinite(*m.sqnr_db)) continue;
    const double cx = X(*m.bits_per_weight), cy = Y(*m.sqnr_db);
    const std::string text = print_spec(r.schemes[s]);
    const double tw = double(text.size()) * kLabelCharWidth, th = 11;
    const Box frame{L + 1, 11, W - 11, H - B - 1};
    // (baseline x, baseline y, anchored at the end?) for right-above, right-below, left-above, left-below.
    const double cand[4][3] = {{cx + 8, cy - 6, 0}, {cx + 8, cy + 14, 0}, {cx - 8, cy - 6, 1}, {cx - 8, cy + 14, 1}};
    for (const auto& c : cand) {
      const Box b{c[2] ? c[0] - tw : c[0], c[1] - th + 2, c[2] ? c[0] : c[0] + tw, c[1] + 3};
      if (b.x0 < frame.x0 || b.x1 > frame.x1 || b.y0 < frame.y0 || b.y1 > frame.y1) continue;
      if (std::any_of(placed.begin(), placed.end(),
                      [&](const Box& p) { return b.x0 < p.x1 && p.x0 < b.x1 && b.y0 < p.y1 && p.y0 < b.y1; }))
        continue;
      placed.push_back(b);
      o << "<text x=\"" << num(c[0], "%.1f") << "\" y=\"" << num(c[1], "%.1f") << "\"" << (c[2] ? " text-anchor=\"end\"" : "")
        << " class=\"lbl\">" << xml_escape(text) << "</text>";
      break;
    }
  }
  o << "</svg>";
  return o.str();
}

std::string sqnr_colour(double v, double lo, double hi) {
  const Rgb c = sqnr_rgb(v, lo, hi);
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r, c.g, c.b);
  return buf;
}

std::string layer_grid(const Report& r, const LayerGrid& g, size_t scheme, double lo, double hi) {
  const ModelAnalysis& a = *r.analysis;
  size_t longest = 1;
  for (const std::string& l : g.labels) longest = std::max(longest, l.size());
  // Column labels are drawn rotated by −45°, so they need height, not width.
  const double cw = 26, ch = g.rows() > 64 ? 8 : 14, left = 44;
  const double top = 12 + double(std::min<size_t>(longest, 28)) * kLabelCharWidth * 0.72;
  const double W = left + cw * double(g.cols()) + 40, H = top + ch * double(g.rows()) + 8;
  const std::vector<size_t> worst = worst_cells(g, a, scheme, kFlaggedPerScheme);
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(W, "%.0f") << "\" height=\"" << num(H, "%.0f")
    << "\" role=\"img\"><title>SQNR by layer and module: " << xml_escape(print_spec(r.schemes[scheme])) << "</title>";
  for (size_t c = 0; c < g.cols(); ++c) {
    const double x = left + cw * (double(c) + 0.5);
    std::string label = g.labels[c].size() > 28 ? "…" + g.labels[c].substr(g.labels[c].size() - 27) : g.labels[c];
    o << "<text x=\"" << num(x, "%.1f") << "\" y=\"" << num(top - 4, "%.1f") << "\" class=\"lbl\" transform=\"rotate(-45 "
      << num(x, "%.1f") << " " << num(top - 4, "%.1f") << ")\">" << xml_escape(label) << "</text>";
  }
  // Row labels: every layer when the rows are tall enough, else every 8th.
  const size_t every = ch >= 12 ? 1 : 8;
  for (size_t row = 0; row < g.rows(); ++row) {
    const double y = top + ch * double(row);
    if (row % every == 0)
      o << "<text x=\"" << left - 4 << "\" y=\"" << num(y + ch - 3, "%.1f") << "\" text-anchor=\"end\" class=\"lbl\">"
        << g.layers[row] << "</text>";
    for (size_t c = 0; c < g.cols(); ++c) {
      const int64_t idx = g.at(row, c);
      const double x = left + cw * double(c);
      if (idx < 0) {
        o << "<rect x=\"" << num(x + 1, "%.1f") << "\" y=\"" << num(y + 1, "%.1f") << "\" width=\"" << cw - 2
          << "\" height=\"" << ch - 2 << "\" fill=\"#f3f4f6\"/>";
        continue;
      }
      const TensorAnalysis& ta = a.tensors[size_t(idx)];
      const SchemeOnTensor& res = ta.results[scheme];
      const bool has = res.metrics && res.metrics->sqnr_db;
      const double v = has ? *res.metrics->sqnr_db : 0;
      const bool bad = std::find(worst.begin(), worst.end(), row * g.cols() + c) != worst.end();
      o << "<rect x=\"" << num(x + 1, "%.1f") << "\" y=\"" << num(y + 1, "%.1f") << "\" width=\"" << cw - 2
        << "\" height=\"" << ch - 2 << "\" fill=\"" << (has ? sqnr_colour(v, lo, hi) : std::string("#d1d5db")) << "\""
        << (bad ? " stroke=\"#7f1d1d\" stroke-width=\"2\"" : "") << "><title>"
        << xml_escape(r.model->tensors[ta.index].name) << ": " << (has ? num(v, "%.2f") + " dB" : std::string("n/a"))
        << (bad ? " (among the 3 worst)" : "") << "</title></rect>";
      if (bad)
        o << "<text x=\"" << num(x + cw / 2, "%.1f") << "\" y=\"" << num(y + ch - 3, "%.1f")
          << "\" text-anchor=\"middle\" class=\"lbl\" style=\"fill:#fff\">▼</text>";
    }
  }
  o << "</svg>";
  return o.str();
}

std::string sqnr_scale(double lo, double hi) {
  const double W = 320, H = 30;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" role=\"img\"><title>SQNR colour scale</title>";
  for (int i = 0; i < 40; ++i) {
    const double v = lo + (hi - lo) * (i + 0.5) / 40;
    o << "<rect x=\"" << 10 + i * 7 << "\" y=\"2\" width=\"7\" height=\"12\" fill=\"" << sqnr_colour(v, lo, hi) << "\"/>";
  }
  o << "<text x=\"10\" y=\"27\" class=\"lbl\">" << num(lo, "%.1f") << " dB</text><text x=\"290\" y=\"27\" "
    << "text-anchor=\"end\" class=\"lbl\">" << num(hi, "%.1f") << " dB</text></svg>";
  return o.str();
}

}  // namespace qs::report_svg
