// Checkpoints: everything a run needs to continue exactly where it stopped.
// One torch archive holding the model (parameters and buffers), the loss
// module (learned task weights), the optimizer state, the training position
// and the default torch generator's state (weight init, dropout, modality
// dropout). The data order needs no state of its own: the loader's order is a
// function of (seed, epoch), and the position is (epoch, batch).
//
// Written to a temp file and renamed into place, so a crash leaves either the
// previous checkpoint or the new one.
#pragma once

#include <filesystem>
#include <limits>
#include <string>

#include "storefuse/train/losses.h"
#include "storefuse/train/model.h"
#include "storefuse/train/optimizer.h"

namespace storefuse::train {

struct TrainState {
  int64_t epoch = 0;  // the epoch in progress
  int64_t batch = 0;  // the next batch of that epoch
  int64_t step = 0;   // optimizer steps taken
  double best = std::numeric_limits<double>::quiet_NaN();  // best early-stopping metric
  int64_t best_epoch = -1;
  int64_t epochs_since_best = 0;
  double epoch_loss_sum = 0.0;  // training loss summed over the epoch's samples so far
  int64_t epoch_samples = 0;
};

struct Checkpoint {
  FusionModelImpl& model;
  MultiTaskLossImpl& loss;
  Optimizer& optimizer;
  TrainState& state;
  std::string feature_spec_json;  // written on save, checked on load
};

void save_checkpoint(const std::filesystem::path& path, const Checkpoint& ck);
// Restores model, loss, optimizer, state and the generator. Throws
// Error(Model) when the file is unreadable or belongs to another model or
// feature spec.
void load_checkpoint(const std::filesystem::path& path, const Checkpoint& ck);
// The same from a checkpoint file's bytes (what rank 0 read, broadcast to the
// other ranks of a distributed resume); `origin` names it in errors.
void load_checkpoint_bytes(const std::string& bytes, const std::string& origin, const Checkpoint& ck);

}  // namespace storefuse::train
