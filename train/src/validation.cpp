#include "storefuse/train/validation.h"

#include <cmath>

#include "storefuse/metrics/metrics.h"
#include "storefuse/metrics/statistics.h"
#include "storefuse/train/batch_tensors.h"

namespace storefuse::train {
namespace {

void append(std::vector<float>& dst, const torch::Tensor& t) {
  auto f = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  dst.insert(dst.end(), f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
}

}  // namespace

const std::vector<std::string>& validation_metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"val/loss", "val/behavior_loss", "val/dwell_loss", "val/engagement_loss",
                                  "val/dwell_pearson"};
    for (const metrics::Statistic& s : metrics::statistics()) n.push_back("val/" + s.name);
    return n;
  }();
  return names;
}

bool validation_metric_higher_is_better(const std::string& name) {
  const bool loss = name == "val/loss" || (name.size() > 5 && name.compare(name.size() - 5, 5, "_loss") == 0);
  if (loss) return false;
  if (name == "val/dwell_pearson") return true;
  return metrics::statistic(name.substr(4)).higher_is_better();  // "val/<statistic>"
}

json evaluate(FusionModelImpl& model, MultiTaskLossImpl& loss, datasets::Loader& loader,
              const torch::Device& device, World* world, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  double total = 0, behavior = 0, dwell = 0, engagement = 0;
  int64_t rows = 0;
  metrics::Outputs outputs;
  metrics::Targets targets;
  const DwellScale scale = model.dwell_scale();
  // Distributed: every row's outputs and targets, and every batch's loss
  // sums, in one table that each rank fills where its batches are; the sum
  // over the ranks is then the whole table (x + 0 is exact).
  const int64_t classes = static_cast<int64_t>(loader.spec().class_names.size());
  const int64_t width = classes + 5, batches = loader.batches_per_epoch();
  torch::Tensor table, sums;
  if (world != nullptr) {
    table = torch::zeros({loader.num_samples(), width}, torch::kFloat64);
    sums = torch::zeros({batches, 4}, torch::kFloat64);
  }
  int64_t index = -1;
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    ++index;
    if (world != nullptr && index % world->size() != world->rank()) continue;
    auto b = to_tensors(*batch, device);
    auto out = model.forward(b.input);
    auto parts = loss.forward(out, b.targets, b.input.mask, scale);
    const double n = static_cast<double>(batch->rows);
    if (world != nullptr) {
      auto rows_of = table.narrow(0, index * batch_size, batch->rows);
      auto col = [&](int64_t c, int64_t w, const torch::Tensor& t) {
        rows_of.narrow(1, c, w).copy_(t.detach().to(torch::kCPU, torch::kFloat64).reshape({batch->rows, w}));
      };
      col(0, classes, out.behavior_logits);
      col(classes, 1, out.dwell_s);
      col(classes + 1, 1, out.engagement);
      col(classes + 2, 1, b.targets.dwell_s);
      col(classes + 3, 1, b.targets.engagement);
      col(classes + 4, 1, b.targets.behavior);
      sums[index] = torch::tensor({parts.total.item<double>() * n, parts.behavior.item<double>() * n,
                                   parts.dwell.item<double>() * n, parts.engagement.item<double>() * n},
                                  torch::kFloat64);
      continue;
    }
    total += parts.total.item<double>() * n;
    behavior += parts.behavior.item<double>() * n;
    dwell += parts.dwell.item<double>() * n;
    engagement += parts.engagement.item<double>() * n;
    rows += batch->rows;
    outputs.n_classes = out.behavior_logits.size(1);
    append(outputs.probs, out.behavior_logits);  // logits until softmax_rows below
    append(outputs.dwell_s, out.dwell_s);
    append(outputs.engagement, out.engagement);
    append(targets.dwell_s, b.targets.dwell_s);
    append(targets.engagement, b.targets.engagement);
    const torch::Tensor labels = b.targets.behavior.to(torch::kCPU, torch::kInt64).contiguous();
    targets.behavior.insert(targets.behavior.end(), labels.data_ptr<int64_t>(),
                            labels.data_ptr<int64_t>() + labels.numel());
  }
  model.train(was_training);
  if (world != nullptr) {
    world->all_reduce_sum(table, "the validation all-reduce");
    world->all_reduce_sum(sums, "the validation all-reduce");
    auto t = table.accessor<double, 2>();
    auto l = sums.accessor<double, 2>();
    for (int64_t i = 0; i < batches; ++i) {
      total += l[i][0];
      behavior += l[i][1];
      dwell += l[i][2];
      engagement += l[i][3];
    }
    rows = table.size(0);
    outputs.n_classes = classes;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < classes; ++c) outputs.probs.push_back(static_cast<float>(t[r][c]));
      outputs.dwell_s.push_back(static_cast<float>(t[r][classes]));
      outputs.engagement.push_back(static_cast<float>(t[r][classes + 1]));
      targets.dwell_s.push_back(static_cast<float>(t[r][classes + 2]));
      targets.engagement.push_back(static_cast<float>(t[r][classes + 3]));
      targets.behavior.push_back(static_cast<int64_t>(t[r][classes + 4]));
    }
  }
  metrics::softmax_rows(outputs.probs, outputs.n_classes);
  const std::vector<double> dwell_pred(outputs.dwell_s.begin(), outputs.dwell_s.end()),
      dwell_true(targets.dwell_s.begin(), targets.dwell_s.end());
  const double n = std::max<int64_t>(rows, 1);
  json record = {{"val/loss", total / n},
                 {"val/behavior_loss", behavior / n},
                 {"val/dwell_loss", dwell / n},
                 {"val/engagement_loss", engagement / n},
                 {"val/dwell_pearson", metrics::pearson(dwell_pred, dwell_true)}};
  // Every statistic of the table, computed as eval and abtest compute it.
  if (rows > 0) {
    const metrics::Report report = metrics::evaluate(outputs, targets);
    for (const metrics::Statistic& s : metrics::statistics()) record["val/" + s.name] = s.of(report);
  }
  return record;
}

}  // namespace storefuse::train
