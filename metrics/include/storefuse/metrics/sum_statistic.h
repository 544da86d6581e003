// A statistic computed from column sums of per-sample contributions,
// f(sum_i w_i x_i, sum_i w_i): accuracy, MAE, confusion-based scores such as
// macro-F1, correlations and ECE all are. The A/B tool's paired bootstrap
// reweights samples and re-evaluates f in O(non-zeros) per resample
// (storefuse/abtest/bootstrap.h); the table of statistics
// (statistics.h) gives each compared statistic's B - A in this form.
//
//   SumStatistic mean(1, [](const double* s, double w) { return s[0] / w; });
//   for (double x : xs) { mean.new_sample(); mean.add(0, x); }
//   double m = mean.evaluate();
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace storefuse::metrics {

class SumStatistic {
 public:
  // f gets the column sums (dim values) and the total weight (the sample count).
  using Function = std::function<double(const double* sums, double weight)>;
  SumStatistic(size_t dim, Function f);

  void new_sample();                   // starts the next sample's contributions
  void add(uint32_t column, double v);  // adds to the current sample

  size_t size() const { return row_start_.size(); }
  size_t dim() const { return dim_; }
  double evaluate() const;                   // on all samples, each once
  double evaluate(const double* sums, double weight) const { return f_(sums, weight); }
  void add_row(size_t i, double weight, double* sums) const;  // sums += weight * x_i
  std::vector<double> totals() const;
  std::vector<double> jackknife() const;     // leave-one-out values, size()

 private:
  size_t dim_;
  Function f_;
  std::vector<size_t> row_start_;
  std::vector<uint32_t> column_;
  std::vector<double> value_;
};

}  // namespace storefuse::metrics
