// Bit budget planner: a hand-worked instance, then random instances against exhaustive
// search (the worst-tensor plan must equal it; the pooled plan must lie between the
// exhaustive optimum and its own LP bound).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/model/bit_budget.h"

namespace qs {
namespace {

// Two tensors of 100 weights, Σx² = 100 each; schemes C (2 b/w, err² 10), A (4 b/w, 1),
// B (8 b/w, 0.01). At 6 b/w (1200 bits): {B, A} = 1200 bits, Σerr² = 1.01, the best;
// {A, A} = 800 bits, 2; {B, B} = 1600 bits does not fit.
std::vector<BudgetTensor> two_tensors() {
  BudgetTensor t;
  t.numel = 100;
  t.sum_x2 = 100;
  t.options = {{200, 10}, {400, 1}, {800, 0.01}};
  return {t, t};
}

TEST(BitBudget, HandWorkedPooled) {
  auto p = plan_budget(two_tensors(), 6.0, BudgetObjective::PooledSqnr);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  EXPECT_EQ(p->choice, (std::vector<int>{2, 1}));
  EXPECT_DOUBLE_EQ(p->total_bits, 1200);
  EXPECT_DOUBLE_EQ(p->bits_per_weight, 6.0);
  EXPECT_NEAR(p->pooled_sqnr_db, 10 * std::log10(200 / 1.01), 1e-12);
  EXPECT_NEAR(p->worst_sqnr_db, 20.0, 1e-12);  // tensor 1 under A: 10·log10(100/1)
  EXPECT_NEAR(p->bound_sqnr_db, p->pooled_sqnr_db, 1e-12);  // the budget ends on a step
  // 5 b/w (1000 bits): {A, A} = 800 fits; the LP bound takes half of B's step.
  p = plan_budget(two_tensors(), 5.0, BudgetObjective::PooledSqnr);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->choice, (std::vector<int>{1, 1}));
  EXPECT_NEAR(p->bound_sqnr_db, 10 * std::log10(200 / (2 - 0.99 / 2)), 1e-12);
}

TEST(BitBudget, HandWorkedWorstTensor) {
  auto p = plan_budget(two_tensors(), 6.0, BudgetObjective::WorstTensor);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->choice, (std::vector<int>{1, 1}));  // 20 dB each; 40 dB for both needs 8 b/w
  EXPECT_NEAR(p->worst_sqnr_db, 20.0, 1e-12);
  p = plan_budget(two_tensors(), 8.0, BudgetObjective::WorstTensor);
  ASSERT_TRUE(p.has_value());
  EXPECT_NEAR(p->worst_sqnr_db, 40.0, 1e-12);
}

// A budget equal to the cheapest scheme's own bits/weight fits, whatever the rounding of
// the sums: Σ(6.981·nᵢ) in float64 exceeds 6.981·Σnᵢ for these sizes (one case in four
// of random ones does), and the plan must still take the cheapest option everywhere.
TEST(BitBudget, BudgetEqualToTheCheapestFits) {
  const double t = 6.981;
  std::vector<BudgetTensor> ts;
  double sum = 0, numel = 0;
  for (int64_t n : {736757, 337644, 520612, 496785, 119738, 24783, 327161, 405335, 360021, 441366, 834880, 197174,
                    270974, 114045, 265771, 943529, 765621, 534896, 219248, 635069, 452624, 856729, 21830, 236322,
                    18733, 416616, 153577, 37043, 753754, 168011, 467318}) {
    BudgetTensor b;
    b.numel = n;
    b.sum_x2 = 1;
    b.options = {{t * double(n), 0.01}, {8.0 * double(n), 0.0001}};
    ts.push_back(b);
    sum += t * double(n);
    numel += double(n);
  }
  ASSERT_GT(sum, t * numel);  // the premise: the naive comparison would refuse it
  for (BudgetObjective o : {BudgetObjective::PooledSqnr, BudgetObjective::WorstTensor}) {
    auto p = plan_budget(ts, t, o);
    ASSERT_TRUE(p.has_value()) << p.error().message;
    for (int c : p->choice) EXPECT_EQ(c, 0);
  }
  auto small = plan_budget(ts, 6.98, BudgetObjective::PooledSqnr);
  ASSERT_FALSE(small.has_value());
  EXPECT_NE(small.error().message.find("need 6.981 "), std::string::npos) << small.error().message;
}

TEST(BitBudget, TooSmallAndInvalid) {
  auto p = plan_budget(two_tensors(), 1.5, BudgetObjective::PooledSqnr);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().message, "a budget of 1.5 bits/weight is too small: the cheapest candidates need 2 (rounded up)");
  auto ts = two_tensors();
  for (auto& o : ts[1].options) o.valid = false;
  p = plan_budget(ts, 8, BudgetObjective::WorstTensor);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().message, "tensor #1: no candidate scheme applies to it");
}

TEST(BitBudget, RandomInstancesAgainstExhaustiveSearch) {
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> u(0, 1);
  int pooled_optimal = 0, cases = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 4, k = 4;
    std::vector<BudgetTensor> ts(n);
    double total_numel = 0;
    for (auto& t : ts) {
      t.numel = 16 + int64_t(rng() % 200);
      t.sum_x2 = 1 + 100 * u(rng);
      total_numel += double(t.numel);
      for (int j = 0; j < k; ++j) {
        const double bpw = 2 + 2 * j + u(rng);  // more bits, usually less error
        t.options.push_back({bpw * double(t.numel), t.sum_x2 * std::pow(4.0, -(j + 1)) * (0.5 + u(rng)), rng() % 10 != 0});
      }
      t.options[0].valid = true;
    }
    const double target = 2.5 + 6 * u(rng);
    // Exhaustive: best pooled error and best worst-tensor SQNR within the budget.
    double best_err = INFINITY, best_worst = -INFINITY;
    std::vector<int> c(n, 0);
    for (int code = 0; code < k * k * k * k; ++code) {
      int rem = code;
      bool ok = true;
      double bits = 0, err = 0, worst = INFINITY;
      for (int i = 0; i < n; ++i) {
        c[size_t(i)] = rem % k;
        rem /= k;
        const BudgetOption& o = ts[size_t(i)].options[size_t(c[size_t(i)])];
        ok = ok && o.valid;
        bits += o.bits;
        err += o.err2;
        worst = std::min(worst, option_sqnr_db(ts[size_t(i)], o));
      }
      if (!ok || bits > target * total_numel) continue;
      best_err = std::min(best_err, err);
      best_worst = std::max(best_worst, worst);
    }
    double x2 = 0;
    for (auto& t : ts) x2 += t.sum_x2;
    auto pooled = plan_budget(ts, target, BudgetObjective::PooledSqnr);
    auto worst = plan_budget(ts, target, BudgetObjective::WorstTensor);
    if (!std::isfinite(best_err)) {
      EXPECT_FALSE(pooled.has_value());
      EXPECT_FALSE(worst.has_value());
      continue;
    }
    ASSERT_TRUE(pooled.has_value()) << pooled.error().message;
    ASSERT_TRUE(worst.has_value()) << worst.error().message;
    ++cases;
    const double opt_db = 10 * std::log10(x2 / best_err);
    EXPECT_LE(pooled->bits_per_weight, target + 1e-12);
    EXPECT_LE(pooled->pooled_sqnr_db, opt_db + 1e-9);
    EXPECT_GE(pooled->bound_sqnr_db, opt_db - 1e-9);
    pooled_optimal += std::fabs(pooled->pooled_sqnr_db - opt_db) < 1e-9;
    EXPECT_LE(worst->bits_per_weight, target + 1e-12);
    EXPECT_NEAR(worst->worst_sqnr_db, best_worst, 1e-9) << "trial " << trial;
  }
  EXPECT_GT(cases, 200);
  // The greedy is exact most of the time on these small instances.
  EXPECT_GT(pooled_optimal, cases / 2) << pooled_optimal << " of " << cases;
}

}  // namespace
}  // namespace qs
