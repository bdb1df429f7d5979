// Bit budget planner: convex-hull greedy for pooled SQNR, threshold search for the worst
// tensor (see bit_budget.h for the optimality of each).
#include "analysis/model/bit_budget.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace qs {

double option_sqnr_db(const BudgetTensor& t, const BudgetOption& o) {
  if (o.err2 <= 0) return std::numeric_limits<double>::infinity();
  if (t.sum_x2 <= 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(t.sum_x2 / o.err2);
}

namespace {

double sqnr_db(double sum_x2, double err2) {
  if (err2 <= 0) return std::numeric_limits<double>::infinity();
  if (sum_x2 <= 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(sum_x2 / err2);
}

std::string bpw_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Rounded up at the 4th decimal: a value the user can type back as a budget that fits.
std::string bpw_up_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", std::ceil(v * 1e4 - 1e-6) / 1e4);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

void finish(const std::vector<BudgetTensor>& ts, BudgetPlan& p) {
  double numel = 0, x2 = 0, err = 0;
  p.total_bits = 0;
  p.worst_sqnr_db = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < ts.size(); ++i) {
    const BudgetOption& o = ts[i].options[size_t(p.choice[i])];
    numel += double(ts[i].numel);
    x2 += ts[i].sum_x2;
    err += o.err2;
    p.total_bits += o.bits;
    p.worst_sqnr_db = std::min(p.worst_sqnr_db, option_sqnr_db(ts[i], o));
  }
  p.bits_per_weight = numel > 0 ? p.total_bits / numel : 0;
  p.pooled_sqnr_db = sqnr_db(x2, err);
}

struct Point {
  double bits, err;
  int option;
};

// Lower convex hull of a tensor's valid options in (bits, err²), cheapest first: the only
// choices a Lagrangian (price per bit) solution ever makes.
std::vector<Point> hull_of(const BudgetTensor& t) {
  std::vector<Point> pts;
  for (size_t k = 0; k < t.options.size(); ++k) {
    if (t.options[k].valid) pts.push_back({t.options[k].bits, t.options[k].err2, int(k)});
  }
  std::sort(pts.begin(), pts.end(), [](const Point& a, const Point& b) {
    return a.bits != b.bits ? a.bits < b.bits : (a.err != b.err ? a.err < b.err : a.option < b.option);
  });
  std::vector<Point> pareto;  // strictly less error for more bits
  for (const Point& p : pts) {
    if (pareto.empty() || p.err < pareto.back().err) {
      if (!pareto.empty() && p.bits == pareto.back().bits) continue;
      pareto.push_back(p);
    }
  }
  std::vector<Point> hull;
  for (const Point& c : pareto) {
    while (hull.size() >= 2) {
      const Point& a = hull[hull.size() - 2];
      const Point& b = hull.back();
      // b is on or above the segment a–c: never the best at any price per bit.
      if ((b.err - a.err) * (c.bits - a.bits) >= (c.err - a.err) * (b.bits - a.bits)) {
        hull.pop_back();
      } else {
        break;
      }
    }
    hull.push_back(c);
  }
  return hull;
}

Result<BudgetPlan> plan_pooled(const std::vector<BudgetTensor>& ts, double budget, double fits) {
  std::vector<std::vector<Point>> hulls;
  BudgetPlan plan;
  double bits = 0, x2 = 0, err = 0;
  for (const BudgetTensor& t : ts) {
    hulls.push_back(hull_of(t));
    bits += hulls.back()[0].bits;
    err += hulls.back()[0].err;
    x2 += t.sum_x2;
    plan.choice.push_back(hulls.back()[0].option);
  }
  if (bits > fits) return make_error("");  // caller words it
  struct Step {
    size_t tensor;
    size_t k;  // hull point reached
    double dbits, derr;
  };
  std::vector<Step> steps;
  for (size_t i = 0; i < hulls.size(); ++i) {
    for (size_t k = 1; k < hulls[i].size(); ++k) {
      steps.push_back({i, k, hulls[i][k].bits - hulls[i][k - 1].bits, hulls[i][k - 1].err - hulls[i][k].err});
    }
  }
  // Most error removed per bit first; along one hull that order is the hull's own.
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
    return a.derr * b.dbits > b.derr * a.dbits;
  });
  // LP relaxation: the same order, the first step that does not fit taken in part.
  double lp_bits = bits, lp_err = err;
  for (const Step& s : steps) {
    if (lp_bits + s.dbits <= budget) {
      lp_bits += s.dbits;
      lp_err -= s.derr;
    } else {
      lp_err -= s.derr * std::max(0.0, budget - lp_bits) / s.dbits;
      break;
    }
  }
  plan.bound_sqnr_db = sqnr_db(x2, std::max(0.0, lp_err));
  // Integer greedy: whole steps in that order, a tensor's chain stops at its first misfit.
  std::vector<size_t> at(hulls.size(), 0);
  std::vector<bool> blocked(hulls.size(), false);
  for (const Step& s : steps) {
    if (blocked[s.tensor] || at[s.tensor] != s.k - 1) continue;
    if (bits + s.dbits <= fits) {
      bits += s.dbits;
      at[s.tensor] = s.k;
      plan.choice[s.tensor] = hulls[s.tensor][s.k].option;
    } else {
      blocked[s.tensor] = true;
    }
  }
  return plan;
}

Result<BudgetPlan> plan_worst(const std::vector<BudgetTensor>& ts, double fits) {
  std::vector<double> thresholds;
  for (const BudgetTensor& t : ts) {
    for (const BudgetOption& o : t.options) {
      if (o.valid) thresholds.push_back(option_sqnr_db(t, o));
    }
  }
  std::sort(thresholds.begin(), thresholds.end());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  // The cheapest option of each tensor reaching t, or an empty plan when one cannot.
  auto choose = [&](double t, double& total) {
    std::vector<int> choice;
    total = 0;
    for (const BudgetTensor& bt : ts) {
      int best = -1;
      for (size_t k = 0; k < bt.options.size(); ++k) {
        const BudgetOption& o = bt.options[k];
        if (!o.valid || option_sqnr_db(bt, o) < t) continue;
        if (best < 0 || o.bits < bt.options[size_t(best)].bits ||
            (o.bits == bt.options[size_t(best)].bits && o.err2 < bt.options[size_t(best)].err2)) {
          best = int(k);
        }
      }
      if (best < 0) return std::vector<int>();
      choice.push_back(best);
      total += bt.options[size_t(best)].bits;
    }
    return choice;
  };
  // Feasible thresholds form a prefix (a higher t never costs less): binary search.
  size_t lo = 0, hi = thresholds.size();  // answer in [lo, hi); feasible(lo) checked first
  double total = 0;
  std::vector<int> best = choose(thresholds.empty() ? 0 : thresholds[0], total);
  if (thresholds.empty() || best.empty() || total > fits) return make_error("");
  while (hi - lo > 1) {
    const size_t mid = lo + (hi - lo) / 2;
    std::vector<int> c = choose(thresholds[mid], total);
    if (!c.empty() && total <= fits) {
      lo = mid;
      best = std::move(c);
    } else {
      hi = mid;
    }
  }
  BudgetPlan plan;
  plan.choice = std::move(best);
  return plan;
}

}  // namespace

Result<BudgetPlan> plan_budget(const std::vector<BudgetTensor>& tensors, double target_bits_per_weight,
                               BudgetObjective objective) {
  double numel = 0, cheapest = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    double c = std::numeric_limits<double>::infinity();
    for (const BudgetOption& o : tensors[i].options) {
      if (o.valid) c = std::min(c, o.bits);
    }
    if (!std::isfinite(c)) return make_error("tensor #" + std::to_string(i) + ": no candidate scheme applies to it");
    cheapest += c;
    numel += double(tensors[i].numel);
  }
  if (tensors.empty() || numel <= 0) return make_error("no tensors to plan for");
  // Each option's bits are bits/weight × numel and the total is their sum, rounded in a
  // different order than target × Σnumel: a budget equal to a scheme's own bits/weight
  // (4.5 for nf4 everywhere) must fit, so allow a relative 1e-9 (far below any real step).
  const double budget = target_bits_per_weight * numel;
  const double fits = budget * (1 + 1e-9);  // what a choice's total may reach
  auto plan = objective == BudgetObjective::PooledSqnr ? plan_pooled(tensors, budget, fits) : plan_worst(tensors, fits);
  if (!plan) {
    return make_error("a budget of " + bpw_text(target_bits_per_weight) +
                      " bits/weight is too small: the cheapest candidates need " + bpw_up_text(cheapest / numel) +
                      " (rounded up)");
  }
  finish(tensors, *plan);
  return plan;
}

}  // namespace qs
