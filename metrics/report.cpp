// Reports as JSON (every number) and Markdown (for people).
#include <cmath>
#include <cstdio>
#include <sstream>

#include "storefuse/metrics/metrics.h"

namespace storefuse::metrics {
namespace {

std::string name_of(const std::vector<std::string>& names, size_t k) {
  return k < names.size() ? names[k] : "class_" + std::to_string(k);
}

std::string fmt(double v, const char* f = "%.4f") {
  if (std::isnan(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

json to_json(const Report& r, const std::vector<std::string>& names) {
  json per_class = json::object();
  for (size_t k = 0; k < r.per_class.size(); ++k) {
    const auto& s = r.per_class[k];
    per_class[name_of(names, k)] = {{"precision", s.precision}, {"recall", s.recall},
                                    {"f1", s.f1}, {"support", s.support}};
  }
  return {
      {"n", r.n},
      {"behavior",
       {{"accuracy", r.accuracy}, {"macro_f1", r.macro_f1}, {"top2_accuracy", r.top2_accuracy},
        {"ece", r.ece}, {"per_class", per_class}, {"confusion", r.confusion}}},
      {"dwell", {{"mae_s", r.dwell_mae_s}, {"rmse_s", r.dwell_rmse_s}}},
      {"engagement",
       {{"pearson", r.engagement_pearson}, {"spearman", r.engagement_spearman},
        {"mae", r.engagement_mae}}},
  };
}

std::string to_markdown(const Report& r, const std::vector<std::string>& names) {
  std::ostringstream md;
  md << "| metric | value |\n|---|---|\n"
     << "| samples | " << r.n << " |\n"
     << "| behaviour accuracy | " << fmt(r.accuracy) << " |\n"
     << "| behaviour macro-F1 | " << fmt(r.macro_f1) << " |\n"
     << "| behaviour top-2 accuracy | " << fmt(r.top2_accuracy) << " |\n"
     << "| expected calibration error | " << fmt(r.ece) << " |\n"
     << "| dwell MAE (s) | " << fmt(r.dwell_mae_s, "%.2f") << " |\n"
     << "| dwell RMSE (s) | " << fmt(r.dwell_rmse_s, "%.2f") << " |\n"
     << "| engagement Pearson r | " << fmt(r.engagement_pearson) << " |\n"
     << "| engagement Spearman rho | " << fmt(r.engagement_spearman) << " |\n\n";
  md << "| class | precision | recall | F1 | support |\n|---|---|---|---|---|\n";
  for (size_t k = 0; k < r.per_class.size(); ++k) {
    const auto& s = r.per_class[k];
    md << "| " << name_of(names, k) << " | " << fmt(s.precision) << " | " << fmt(s.recall)
       << " | " << fmt(s.f1) << " | " << s.support << " |\n";
  }
  md << "\nConfusion matrix (rows: true class, columns: predicted)\n\n| |";
  for (size_t k = 0; k < r.confusion.size(); ++k) md << " " << k << " |";
  md << "\n|---|";
  for (size_t k = 0; k < r.confusion.size(); ++k) md << "---|";
  md << "\n";
  for (size_t i = 0; i < r.confusion.size(); ++i) {
    md << "| " << i << " " << name_of(names, i) << " |";
    for (auto v : r.confusion[i]) md << " " << v << " |";
    md << "\n";
  }
  return md.str();
}

}  // namespace storefuse::metrics
