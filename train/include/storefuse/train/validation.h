// Validation during training: the loss parts, the dwell correlation, and
// every statistic of the table (storefuse/metrics/statistics.h: accuracy,
// macro-F1, ECE, dwell MAE, engagement Pearson, ...) as "val/<name>",
// computed by metrics::evaluate as eval and abtest compute them. Slices are
// `storefuse eval`.
#pragma once

#include <string>
#include <vector>

#include "storefuse/core/json.h"
#include "storefuse/datasets/loader.h"
#include "storefuse/train/losses.h"
#include "storefuse/train/distributed.h"
#include "storefuse/train/model.h"

namespace storefuse::train {

// The names evaluate() reports, each prefixed "val/".
const std::vector<std::string>& validation_metric_names();
// Whether a larger value of one of them is better: the losses are better
// lower, the correlations higher, the table's statistics as the table says.
bool validation_metric_higher_is_better(const std::string& name);

// One pass over `loader` (epoch 0, in file order) in eval mode, without
// gradients and without drawing random numbers. With a world, rank r runs
// the model on batches r, r + N, ... and the ranks exchange their rows (one
// all-reduce of rows x (classes + 5) doubles): every rank returns the
// figures of the whole set, computed in the order one process computes them.
// `batch_size` is the loader's (it places each batch's rows).
json evaluate(FusionModelImpl& model, MultiTaskLossImpl& loss, datasets::Loader& loader,
              const torch::Device& device, World* world = nullptr, int64_t batch_size = 0);


}  // namespace storefuse::train
