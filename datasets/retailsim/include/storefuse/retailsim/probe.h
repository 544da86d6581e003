// A cheap check of "no single modality is enough": multinomial logistic
// regression on the vector features of some modalities, trained on one
// split and scored on another. A linear model is a weak learner, so its
// single-modality accuracy is a lower bound on what a network would reach;
// it is a proxy until the trainer can run the same comparison.
//
//   auto train = ProbeData::from_batch(train_batch, {Modality::Audio});
//   auto test = ProbeData::from_batch(test_batch, {Modality::Audio});
//   double acc = linear_probe_accuracy(train, test);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storefuse/datasets/batch.h"

namespace storefuse::retailsim {

struct ProbeData {
  std::vector<float> x;  // [rows * dim], the modalities' vectors side by side
  std::vector<int> y;    // behaviour labels as stored (label noise included)
  int64_t rows = 0;
  int dim = 0;

  // Needs a `vectors` batch (float32, rank-1 inputs). Masked modalities are
  // the zeros the file stores, as a model would see them.
  static ProbeData from_batch(const datasets::Batch& b, const std::vector<datasets::Modality>& modalities);
};

struct ProbeOptions {
  int epochs = 12;
  double learning_rate = 0.02;  // per-sample SGD, decayed as 1 / (1 + epoch)
  double l2 = 1e-4;
  uint64_t seed = 1;
};

// Standardises each column with the training rows' mean and std, fits
// softmax regression by SGD and returns the accuracy on `test`.
double linear_probe_accuracy(const ProbeData& train, const ProbeData& test, const ProbeOptions& options = {});

// The standard comparison: each modality alone, then all four together
// ("visual", "audio", "text", "sensor", "all"), fitted in parallel.
struct ProbeResult {
  std::string name;
  double accuracy = 0;
};
std::vector<ProbeResult> probe_each_modality_and_all(const datasets::Batch& train, const datasets::Batch& test,
                                                     const ProbeOptions& options = {});

}  // namespace storefuse::retailsim
