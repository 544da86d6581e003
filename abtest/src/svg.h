// Inline SVG charts for the HTML report: plain markup, no script, sized in
// user units so they scale with the page.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace storefuse::abtest::svg {

// A confusion matrix [true][predicted], cells shaded by row share.
std::string confusion_matrix(const std::vector<std::vector<int64_t>>& m,
                             const std::vector<std::string>& classes, const std::string& title);

struct ForestRow {
  std::string label;
  double estimate = 0, lo = 0, hi = 0;
  std::string verdict;  // "better" | "worse" | "neutral": the colour
  std::string value_text;
};
// One row per difference with its interval; each row has its own symmetric
// scale around 0 (metrics have different units), with 0 marked.
std::string forest_plot(const std::vector<ForestRow>& rows, const std::string& title);

struct Bin {
  double lo, hi, confidence, accuracy;
  int64_t count;
};
std::string reliability_diagram(const std::vector<Bin>& bins, const std::string& title);

// Two empirical CDFs given by their quantiles at 0%, 1%, ..., 100%.
std::string cdf_chart(const std::vector<double>& qa, const std::vector<double>& qb,
                      const std::string& name_a, const std::string& name_b, const std::string& x_label);

// The always-valid p-value against the number of customers, on a log scale,
// with the alpha line.
std::string p_value_path(const std::vector<double>& customers, const std::vector<double>& p,
                         double alpha);

}  // namespace storefuse::abtest::svg
