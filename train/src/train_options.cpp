#include "storefuse/train/train_options.h"

#include <algorithm>

#include "storefuse/core/error.h"
#include "storefuse/train/validation.h"

namespace storefuse::train {
namespace {

std::set<int64_t> id_set(const config::Node& list) {
  auto ids = list.as_int_list();
  return {ids.begin(), ids.end()};
}

}  // namespace

TrainOptions TrainOptions::from_config(const config::Node& cfg) {
  TrainOptions o;
  const auto& run = cfg["run"];
  o.name = run["name"].as_string();
  if (o.name.empty() || o.name.find('/') != std::string::npos) {
    throw Error(ErrorKind::Config, "run.name must be a non-empty name without '/'",
                run["name"].origin().str());
  }
  o.root = run["root"].as_string();
  o.seed = static_cast<uint64_t>(run["seed"].as_int(0));
  o.threads = static_cast<int>(run["threads"].as_int(0, 1024));
  o.flush_denormals = run["flush_denormals"].as_bool();
  o.device = run["device"].as_choice({"auto", "cpu", "cuda"});

  const auto& data = cfg["data"];
  o.train_file = data["train"].as_string();
  o.val_file = data["val"].as_string();
  o.loader.batch_size = data["batch_size"].as_int(1);
  o.loader.drop_last = data["drop_last"].as_bool();
  o.batch_per_rank = data["batch_scope"].as_choice({"global", "per_rank"}) == "per_rank";
  o.shard_blocks = data["shard"].as_choice({"rows", "blocks"}) == "blocks";
  o.loader.prefetch_batches = data["prefetch_batches"].as_int(1);
  o.loader.shuffle_window_blocks = data["shuffle_window_blocks"].as_int(1);
  o.loader.seed = o.seed;
  o.nan_policy = data["nan_policy"].as_choice({"error", "skip"}) == "skip"
                     ? datasets::NanPolicy::Skip
                     : datasets::NanPolicy::Error;
  o.loader.modalities = datasets::modality_set(data["modalities"].as_string_list(), data["modalities"].origin().str());
  if (data["stores"].size() > 0) o.loader.filters.push_back(datasets::IdFilter::only("store_id", id_set(data["stores"])));
  if (data["exclude_stores"].size() > 0) {
    o.loader.filters.push_back(datasets::IdFilter::except("store_id", id_set(data["exclude_stores"])));
  }

  const auto& dist = cfg["dist"];
  o.dist.timeout = std::chrono::milliseconds(
      static_cast<int64_t>(dist["timeout_s"].as_double(/*min=*/0.1, /*max=*/86400.0) * 1000.0));
  o.dist.bucket_bytes = static_cast<int64_t>(dist["bucket_mb"].as_double(0.01, 4096.0) * double(1 << 20));
  o.dist.overlap = dist["overlap"].as_bool();
  o.dist.interface = dist["interface"].as_string();

  const auto& optim = cfg["optim"];
  const auto kind = optim["type"].as_choice({"adam", "adamw", "sgd"});
  o.optim.kind = kind == "adam" ? OptimizerKind::Adam : kind == "adamw" ? OptimizerKind::AdamW : OptimizerKind::Sgd;
  o.optim.lr = optim["lr"].as_positive_double();
  o.optim.weight_decay = optim["weight_decay"].as_double(0.0);
  const auto betas = optim["betas"].as_double_list();
  if (betas.size() != 2 || betas[0] < 0 || betas[0] >= 1 || betas[1] < 0 || betas[1] >= 1) {
    throw Error(ErrorKind::Config, "optim.betas must be two numbers in [0, 1)",
                optim["betas"].origin().str(), "e.g. [0.9, 0.999]");
  }
  o.optim.beta1 = betas[0];
  o.optim.beta2 = betas[1];
  o.optim.momentum = optim["momentum"].as_double(0.0, 1.0);
  o.optim.nesterov = optim["nesterov"].as_bool();
  o.sched = ScheduleOptions::from_config(cfg["sched"]);

  const auto& t = cfg["train"];
  o.epochs = t["epochs"].as_int(1);
  o.grad_clip_norm = t["grad_clip_norm"].as_double(0.0);
  o.grad_accum_steps = t["grad_accum_steps"].as_int(1);
  o.modality_dropout.fill(t["modality_dropout"].as_double(0.0, 0.99));
  const auto& by = t["modality_dropout_by"];
  if (!by.is_null()) {
    const std::vector<std::string> names = datasets::modality_names(datasets::all_modalities());
    by.check_keys(names);
    for (size_t m = 0; m < names.size(); ++m) {
      if (by.has(names[m])) o.modality_dropout[m] = by[names[m]].as_double(0.0, 0.99);
    }
  }
  o.log_every_steps = t["log_every_steps"].as_int(1);
  const auto& es = t["early_stopping"];
  o.early_stopping_metric = es["metric"].as_string();
  o.early_stopping_max = es["mode"].as_choice({"max", "min"}) == "max";
  const auto& metric_names = validation_metric_names();
  if (std::find(metric_names.begin(), metric_names.end(), o.early_stopping_metric) == metric_names.end()) {
    throw Error(ErrorKind::Config, "unknown early-stopping metric '" + o.early_stopping_metric + "'",
                es["metric"].origin().str(), "one of: val/accuracy, val/loss, val/dwell_mae_s, val/engagement_mae, ...");
  }
  // The mode must follow the metric's direction.
  const bool higher_is_better = validation_metric_higher_is_better(o.early_stopping_metric);
  if (higher_is_better != o.early_stopping_max) {
    throw Error(ErrorKind::Config,
                "train.early_stopping.mode is " + std::string(o.early_stopping_max ? "max" : "min") + ", but " +
                    o.early_stopping_metric + " is better when " + (higher_is_better ? "higher" : "lower"),
                es["mode"].origin().str(), std::string("set train.early_stopping.mode: ") + (higher_is_better ? "max" : "min"));
  }
  o.patience = es["patience"].as_int(0);
  const auto& ck = t["checkpoint"];
  o.keep_last = ck["keep_last"].as_int(0);
  o.checkpoint_every_steps = ck["every_steps"].as_int(0);
  return o;
}

}  // namespace storefuse::train
