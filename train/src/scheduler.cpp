#include "storefuse/train/scheduler.h"

#include <algorithm>
#include <cmath>

namespace storefuse::train {

ScheduleOptions ScheduleOptions::from_config(const config::Node& sched) {
  ScheduleOptions s;
  const auto kind = sched["type"].as_choice({"none", "step", "cosine"});
  s.kind = kind == "none" ? ScheduleKind::None : kind == "step" ? ScheduleKind::Step : ScheduleKind::Cosine;
  s.step_epochs = sched["step_epochs"].as_int(1);
  s.gamma = sched["gamma"].as_positive_double();
  s.warmup_epochs = sched["warmup_epochs"].as_double(0.0);
  s.min_lr = sched["min_lr"].as_double(0.0);
  return s;
}

double scheduled_lr(const ScheduleOptions& s, double base_lr, double epoch_progress,
                    int64_t total_epochs) {
  switch (s.kind) {
    case ScheduleKind::None:
      return base_lr;
    case ScheduleKind::Step:
      return base_lr * std::pow(s.gamma, std::floor(epoch_progress / s.step_epochs));
    case ScheduleKind::Cosine: {
      if (epoch_progress < s.warmup_epochs) return base_lr * epoch_progress / s.warmup_epochs;
      const double span = std::max(1e-9, total_epochs - s.warmup_epochs);
      const double t = std::min(1.0, (epoch_progress - s.warmup_epochs) / span);
      return s.min_lr + 0.5 * (base_lr - s.min_lr) * (1.0 + std::cos(M_PI * t));
    }
  }
  return base_lr;
}

}  // namespace storefuse::train
