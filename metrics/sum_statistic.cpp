#include "storefuse/metrics/sum_statistic.h"

#include "storefuse/core/error.h"

namespace storefuse::metrics {

SumStatistic::SumStatistic(size_t dim, Function f) : dim_(dim), f_(std::move(f)) {}

void SumStatistic::new_sample() { row_start_.push_back(column_.size()); }

void SumStatistic::add(uint32_t column, double v) {
  if (row_start_.empty() || column >= dim_) {
    throw Error(ErrorKind::Runtime, "SumStatistic::add outside a sample or past its columns",
                "metrics::SumStatistic");
  }
  column_.push_back(column);
  value_.push_back(v);
}

void SumStatistic::add_row(size_t i, double weight, double* sums) const {
  const size_t end = i + 1 < row_start_.size() ? row_start_[i + 1] : column_.size();
  for (size_t k = row_start_[i]; k < end; ++k) sums[column_[k]] += weight * value_[k];
}

std::vector<double> SumStatistic::totals() const {
  std::vector<double> sums(dim_, 0.0);
  for (size_t i = 0; i < size(); ++i) add_row(i, 1.0, sums.data());
  return sums;
}

double SumStatistic::evaluate() const {
  auto sums = totals();
  return f_(sums.data(), double(size()));
}

std::vector<double> SumStatistic::jackknife() const {
  const auto total = totals();
  std::vector<double> out(size()), sums(dim_);
  for (size_t i = 0; i < size(); ++i) {
    sums = total;
    add_row(i, -1.0, sums.data());
    out[i] = f_(sums.data(), double(size()) - 1.0);
  }
  return out;
}

}  // namespace storefuse::metrics
