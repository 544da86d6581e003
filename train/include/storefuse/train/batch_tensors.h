// Dataset batches as model tensors.
#pragma once

#include <array>

#include <torch/torch.h>

#include "storefuse/datasets/batch.h"
#include "storefuse/train/losses.h"
#include "storefuse/train/model.h"

namespace storefuse::train {

struct TrainBatch {
  ModelInput input;
  Targets targets;
};

// On CPU the tensors view the batch's buffers without a copy, so `batch` must
// outlive the result; on another device they are copies. The batch must have
// targets.
TrainBatch to_tensors(datasets::Batch& batch, const torch::Device& device);

// Rows [begin, end) of a batch, as views (a rank's share of the step's
// batch in data-parallel training).
TrainBatch slice_rows(const TrainBatch& batch, int64_t begin, int64_t end);

// Modality dropout: hides present modality m of each sample with
// probability p[m] (the order of datasets::kModalities), drawing one uniform
// number per sample and modality from the default torch generator.
torch::Tensor drop_modalities(const torch::Tensor& mask,
                              const std::array<double, datasets::kNumModalities>& p);

}  // namespace storefuse::train
