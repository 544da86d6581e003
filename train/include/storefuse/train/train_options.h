// The run/data/optim/train sections of a resolved config, typed and checked.
// The model and loss sections are parsed by make_model and
// LossOptions::from_config.
#pragma once

#include <array>

#include <filesystem>
#include <string>
#include <vector>

#include "storefuse/core/config.h"
#include "storefuse/datasets/loader.h"
#include "storefuse/train/distributed.h"
#include "storefuse/train/optimizer.h"
#include "storefuse/train/scheduler.h"

namespace storefuse::train {

struct TrainOptions {
  // run
  std::string name;
  std::filesystem::path root;
  uint64_t seed = 42;
  int threads = 0;  // 0: auto (see apply_threads)
  bool flush_denormals = true;  // run.flush_denormals (see apply_threads)
  std::string device = "auto";
  // data
  std::filesystem::path train_file, val_file;
  datasets::LoaderOptions loader;
  datasets::NanPolicy nan_policy = datasets::NanPolicy::Error;
  // data.batch_scope: false (global), loader.batch_size is the step's batch
  // over every rank; true (per_rank), each rank's, so the step's batch is
  // batch_size x world size. step_batch() says which for a world size.
  bool batch_per_rank = false;
  // data.shard: false (rows), each rank reads the whole epoch and keeps its
  // rows of each step batch; true (blocks), each rank reads only the
  // file's blocks r, r + N, ... (train/src/trainer.cpp, block_share).
  bool shard_blocks = false;
  // dist
  DistOptions dist;
  // optim, sched
  OptimizerOptions optim;
  ScheduleOptions sched;
  // train
  int64_t epochs = 30;
  double grad_clip_norm = 1.0;
  int64_t grad_accum_steps = 1;
  // Probability of hiding each present modality per sample, in the order of
  // datasets::kModalities (train.modality_dropout, train.modality_dropout_by).
  std::array<double, datasets::kNumModalities> modality_dropout{};
  int64_t log_every_steps = 50;
  std::string early_stopping_metric = "val/accuracy";
  bool early_stopping_max = true;
  int64_t patience = 0;
  int64_t keep_last = 3;
  int64_t checkpoint_every_steps = 0;

  static TrainOptions from_config(const config::Node& cfg);
  std::filesystem::path run_dir() const { return root / name; }
  // The rows of one step's batch (before accumulation) over all ranks.
  int64_t step_batch(int world_size) const {
    return batch_per_rank ? loader.batch_size * world_size : loader.batch_size;
  }
};

}  // namespace storefuse::train
