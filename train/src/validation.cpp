#include "storefuse/train/validation.h"

#include <cmath>

#include "storefuse/metrics/metrics.h"
#include "storefuse/train/batch_tensors.h"

namespace storefuse::train {
namespace {

std::vector<double> to_vector(const torch::Tensor& t) {
  auto d = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

}  // namespace

const std::vector<std::string>& validation_metric_names() {
  static const std::vector<std::string> names = {
      "val/loss", "val/behavior_loss", "val/dwell_loss", "val/engagement_loss", "val/accuracy",
      "val/dwell_mae_s", "val/dwell_pearson", "val/engagement_mae", "val/engagement_pearson"};
  return names;
}

json evaluate(FusionModelImpl& model, MultiTaskLossImpl& loss, datasets::Loader& loader,
              const torch::Device& device) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  double total = 0, behavior = 0, dwell = 0, engagement = 0, correct = 0;
  int64_t rows = 0;
  std::vector<double> dwell_pred, dwell_true, eng_pred, eng_true;
  const DwellScale scale = model.dwell_scale();
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    auto b = to_tensors(*batch, device);
    auto out = model.forward(b.input);
    auto parts = loss.forward(out, b.targets, b.input.mask, scale);
    const double n = static_cast<double>(batch->rows);
    total += parts.total.item<double>() * n;
    behavior += parts.behavior.item<double>() * n;
    dwell += parts.dwell.item<double>() * n;
    engagement += parts.engagement.item<double>() * n;
    correct += out.behavior_logits.argmax(1).eq(b.targets.behavior).sum().item<double>();
    rows += batch->rows;
    for (auto [pred, truth, dst_p, dst_t] :
         {std::tuple{out.dwell_s, b.targets.dwell_s, &dwell_pred, &dwell_true},
          std::tuple{out.engagement, b.targets.engagement, &eng_pred, &eng_true}}) {
      auto p = to_vector(pred), t = to_vector(truth);
      dst_p->insert(dst_p->end(), p.begin(), p.end());
      dst_t->insert(dst_t->end(), t.begin(), t.end());
    }
  }
  model.train(was_training);
  auto mae = [](const std::vector<double>& p, const std::vector<double>& t) {
    double s = 0;
    for (size_t i = 0; i < p.size(); ++i) s += std::abs(p[i] - t[i]);
    return p.empty() ? 0.0 : s / static_cast<double>(p.size());
  };
  const double n = std::max<int64_t>(rows, 1);
  return {{"val/loss", total / n},
          {"val/behavior_loss", behavior / n},
          {"val/dwell_loss", dwell / n},
          {"val/engagement_loss", engagement / n},
          {"val/accuracy", correct / n},
          {"val/dwell_mae_s", mae(dwell_pred, dwell_true)},
          {"val/dwell_pearson", metrics::pearson(dwell_pred, dwell_true)},
          {"val/engagement_mae", mae(eng_pred, eng_true)},
          {"val/engagement_pearson", metrics::pearson(eng_pred, eng_true)}};
}

}  // namespace storefuse::train
