// Learning-rate schedules as pure functions of training progress, so that a
// resumed run needs no scheduler state beyond (epoch, batch).
#pragma once

#include "storefuse/core/config.h"

namespace storefuse::train {

enum class ScheduleKind { None, Step, Cosine };

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::Step;
  int64_t step_epochs = 10;  // step: lr *= gamma every step_epochs epochs
  double gamma = 0.8;
  double warmup_epochs = 0;  // cosine: linear warmup from 0 over this many epochs
  double min_lr = 0.0;       // cosine: the floor reached at the last epoch

  static ScheduleOptions from_config(const config::Node& sched);
};

// The lr at `epoch_progress` epochs into a run of `total_epochs` (fractional
// within an epoch: epoch + batch / batches_per_epoch). Step decays at epoch
// boundaries; cosine moves every step.
double scheduled_lr(const ScheduleOptions& s, double base_lr, double epoch_progress,
                    int64_t total_epochs);

}  // namespace storefuse::train
