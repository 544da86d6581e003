#include "storefuse/train/trainer.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <optional>
#include <set>
#include <thread>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <spdlog/spdlog.h>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/progress.h"
#include "storefuse/train/batch_tensors.h"
#include "storefuse/train/checkpoint.h"
#include "storefuse/train/distributed.h"
#include "storefuse/train/kernel_threads.h"
#include "storefuse/train/run_dir.h"
#include "storefuse/train/run_lock.h"
#include "storefuse/train/train_options.h"
#include "storefuse/train/validation.h"

namespace storefuse::train {
namespace fs = std::filesystem;
namespace {

std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int sig) {
  g_stop_signal = sig;
  std::signal(sig, SIG_DFL);  // a second signal ends the process at once
}

// Mean and standard deviation of the training targets' dwell, in seconds or
// in log1p(seconds) (DwellScale::log).
DwellScale dwell_stats(std::shared_ptr<const datasets::DatasetReader> reader, datasets::LoaderOptions options,
                       bool log) {
  options.shuffle = false;
  options.drop_last = false;
  datasets::Loader loader({std::move(reader)}, options);
  loader.start_epoch(0);
  double sum = 0, sum_sq = 0;
  int64_t n = 0;
  while (auto b = loader.next()) {
    for (float d : b->dwell_s) {
      const double v = log ? std::log1p(double(d)) : double(d);
      sum += v;
      sum_sq += v * v;
    }
    n += b->rows;
  }
  if (n == 0) throw Error(ErrorKind::Data, "the training set selects no rows", "data.train");
  const double mean = sum / n, var = sum_sq / n - mean * mean;
  return {mean, var > 1e-12 ? std::sqrt(var) : 1.0, log};
}

void check_finite(double value, const char* what, const TrainState& s, const fs::path& run) {
  if (std::isfinite(value)) return;
  throw Error(ErrorKind::Runtime,
              std::string(what) + " is " + (std::isnan(value) ? "NaN" : "Inf") + " at epoch " +
                  std::to_string(s.epoch + 1) + ", batch " + std::to_string(s.batch) +
                  " (optimizer step " + std::to_string(s.step) + ")",
              run.string(),
              "the last good checkpoint is " + (run / "last.pt").string() +
                  "; lower optim.lr, clip harder (train.grad_clip_norm) or check the data, then "
                  "resume with --resume");
}

// "optim.lr 0.001 -> 0.002, data.batch_size 256 -> 128": what a resume's
// config changes in the run's (JSON Patch paths as dotted keys).
std::string config_changes(const json& saved, const json& now) {
  std::string out;
  int shown = 0;
  const json patch = json::diff(saved, now);
  for (const json& op : patch) {
    if (++shown > 8) {
      out += ", and " + std::to_string(patch.size() - 8) + " more";
      break;
    }
    std::string key = op["path"].get<std::string>().substr(1);
    std::replace(key.begin(), key.end(), '/', '.');
    const json::json_pointer at(op["path"].get<std::string>());
    const std::string before = saved.contains(at) ? saved.at(at).dump() : "(absent)";
    const std::string after = now.contains(at) ? now.at(at).dump() : "(absent)";
    out += (out.empty() ? "" : ", ") + key + " " + before + " -> " + after;
  }
  return out.empty() ? "the same values, written differently" : out;
}

bool improved(const TrainOptions& o, double value, double best) {
  if (std::isnan(best)) return true;
  return o.early_stopping_max ? value > best : value < best;
}

// Loads the checkpoint to resume from: last.pt, or when it does not load (a
// write cut short), the newest epoch-<K>.pt that does, saying which it
// skipped and why. Another feature spec is no corruption: that error stands.
fs::path load_resume_checkpoint(const fs::path& dir, const Checkpoint& ck) {
  std::vector<std::pair<int64_t, fs::path>> epochs;
  for (const auto& entry : fs::directory_iterator(dir)) {
    int64_t k = 0;
    char tail = 0;
    if (std::sscanf(entry.path().filename().c_str(), "epoch-%" SCNd64 ".p%c", &k, &tail) == 2 && tail == 't') {
      epochs.emplace_back(k, entry.path());
    }
  }
  std::sort(epochs.begin(), epochs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<fs::path> candidates = {dir / "last.pt"};
  for (const auto& e : epochs) candidates.push_back(e.second);
  std::string skipped;
  for (const fs::path& c : candidates) {
    try {
      load_checkpoint(c, ck);
      if (!skipped.empty()) spdlog::warn("resume: skipped {}; resuming from {}", skipped, c.filename().string());
      return c;
    } catch (const Error& e) {
      if (e.problem().find("feature spec") != std::string::npos) throw;
      skipped += (skipped.empty() ? "" : "; ") + c.filename().string() + " (" + e.problem() + ")";
    }
  }
  throw Error(ErrorKind::Model, "no checkpoint of the run loads: " + skipped, dir.string(),
              "start the run again under another run.name, without --resume");
}

void prune_epoch_checkpoints(const fs::path& dir, int64_t epoch, int64_t keep) {
  const int64_t old = epoch - keep;
  if (old >= 1) fs::remove(dir / ("epoch-" + std::to_string(old) + ".pt"));
}

json step_record(const TrainState& s, int64_t epoch, const LossParts& parts, double lr,
                 double grad_norm, double samples_per_s) {
  json r = {{"kind", "step"}, {"epoch", epoch + 1}, {"step", s.step},
            {"loss", parts.total.item<double>()}, {"behavior_loss", parts.behavior.item<double>()},
            {"dwell_loss", parts.dwell.item<double>()},
            {"engagement_loss", parts.engagement.item<double>()},
            {"lr", lr}, {"grad_norm", grad_norm}, {"samples_per_s", samples_per_s}};
  if (parts.contrastive.defined()) r["contrastive_loss"] = parts.contrastive.item<double>();
  return r;
}

}  // namespace

void reuse_freed_memory() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's upper limit for this threshold
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

void apply_threads(int threads, bool flush_denormals) {
  // Before the threads start: those created later inherit the setting.
  at::globalContext().setFlushDenormal(flush_denormals);
  at::set_num_threads(threads > 0 ? threads : 1);
  set_kernel_threads(threads);
}

torch::Device pick_device(const config::Node& device) {
  const auto name = device.as_choice({"auto", "cpu", "cuda"});
  const bool available = torch::cuda::is_available();
  if (name == "cuda" && !available) {
    throw Error(ErrorKind::Config,
                std::string("run.device is cuda, but ") +
                    (at::globalContext().hasCUDART() ? "no CUDA device is visible"
                                                     : "this LibTorch is a CPU-only build"),
                device.origin().str(),
                "set run.device: cpu (or auto, which picks CUDA only when it is available), or "
                "build storefuse against a CUDA build of LibTorch");
  }
  return name == "cuda" || (name == "auto" && available) ? torch::Device(torch::kCUDA)
                                                         : torch::Device(torch::kCPU);
}

namespace {

// The run directory's rules: resume needs last.pt and the same config; a new
// run needs a new or empty directory.
void check_run_dir(const fs::path& dir, const config::Node& cfg, bool resume) {
  if (resume) {
    if (!fs::exists(dir / "last.pt")) {
      throw Error(ErrorKind::Usage, "nothing to resume: no last.pt", dir.string(),
                  "start the run without --resume");
    }
    // run.root may differ: a run directory moved elsewhere resumes there.
    json saved = config::load(dir / "config.yaml").to_json(), now = cfg.to_json();
    saved["run"].erase("root");
    now["run"].erase("root");
    if (saved != now) {
      throw Error(ErrorKind::Config, "the resolved config differs from the run's config.yaml: " + config_changes(saved, now),
                  (dir / "config.yaml").string(), "resume with the same --config and --set values");
    }
  } else if (fs::exists(dir / "config.yaml")) {
    throw Error(ErrorKind::Usage, "the run directory already exists", dir.string(),
                "continue it with --resume, or choose another run.name");
  } else {
    // A directory of someone else's files is not trained into.
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().filename() == ".lock") continue;
      throw Error(ErrorKind::Usage,
                  "the run directory holds files that are not a storefuse run (" +
                      entry.path().filename().string() + ")",
                  dir.string(), "choose another run.name, or empty the directory");
    }
  }
}

// Data-parallel: each rank's random stream (modality dropout, dropout layers)
// at each batch, a function of (seed, epoch, batch, rank) alone, so a resume
// needs no generator state per rank, at any world size.
uint64_t rank_batch_seed(uint64_t seed, int64_t epoch, int64_t batch, int rank) {
  auto mix = [](uint64_t z) {  // splitmix64's finaliser
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  uint64_t h = mix(seed + 0x9e3779b97f4a7c15ULL);
  for (uint64_t v : {uint64_t(epoch), uint64_t(batch), uint64_t(rank)}) h = mix(h ^ (v + 0x9e3779b97f4a7c15ULL));
  return h;
}

// data.shard: blocks. The rows of the file's blocks r, r + N, ... (in file
// order), as a filter on sample_id: the loader leaves out blocks with no
// selected row, so it never reads the other ranks' blocks.
datasets::IdFilter block_share(const datasets::DatasetReader& reader, int rank, int world_size) {
  const std::vector<int64_t> ids = reader.read_ids("sample_id");
  const int64_t block = reader.block_rows();
  std::set<int64_t> mine;
  for (size_t i = 0; i < ids.size(); ++i) {
    if ((static_cast<int64_t>(i) / block) % world_size == rank) mine.insert(ids[i]);
  }
  return datasets::IdFilter::only("sample_id", std::move(mine));
}

// The step's batch cut into world-size shares: rows [begin, end) are this rank's.
std::pair<int64_t, int64_t> share_of(int64_t rows, int rank, int world_size) {
  return {rows * rank / world_size, rows * (rank + 1) / world_size};
}

}  // namespace

int run_training(const config::Node& cfg, bool resume_asked) {
  bool resume = resume_asked;
  const auto o = TrainOptions::from_config(cfg);
  const auto env = World::Env::from_environment();
  apply_threads(threads_for_rank(o.threads, env), o.flush_denormals);
  reuse_freed_memory();
  const auto device = pick_device(cfg["run"]["device"]);
  const fs::path dir = o.run_dir();
  const std::string config_yaml = cfg.to_yaml();

  // Data-parallel when launched by torchrun (or --nproc): rank 0 alone owns
  // the run directory, every rank trains on its share of each batch.
  const auto world = World::join(env, o.dist);
  const int rank = world ? world->rank() : 0, world_size = world ? world->size() : 1;
  const bool writer = rank == 0;
  if (!writer) {
    spdlog::set_level(spdlog::level::warn);  // logs from rank 0; the others' warnings and errors only
    spdlog::set_pattern("[rank " + std::to_string(rank) + "] [%l] %v");
  }
  const int64_t step_batch = o.step_batch(world_size);
  if (world && step_batch % world_size != 0) {
    throw Error(ErrorKind::Config,
                "data.batch_size " + std::to_string(o.loader.batch_size) + " (data.batch_scope: global) does not "
                "split into " + std::to_string(world_size) + " equal shares",
                cfg["data"]["batch_size"].origin().str(),
                "use a multiple of the world size, or data.batch_scope: per_rank");
  }

  // Rank 0 checks and locks the run directory; a refusal there ends every rank.
  std::optional<RunLock> lock;
  std::exception_ptr refused;
  json previous_env;  // the run's env.json before this start (a resume at another world size)
  if (writer) {
    try {
      lock.emplace(dir);  // before anything reads or writes the run directory
      // A job torchrun restarted (--max-restarts) continues from last.pt
      // without being told; before any last.pt it starts again in its own
      // directory.
      if (env.restart_count > 0 && !resume) {
        if (fs::exists(dir / "last.pt")) {
          resume = true;
          spdlog::warn("torchrun restart {}: resuming from {}", env.restart_count, (dir / "last.pt").string());
        } else if (fs::exists(dir / "config.yaml") &&
                   config::load(dir / "config.yaml").to_json() == cfg.to_json()) {
          for (const char* f : {"config.yaml", "env.json", "metrics.jsonl"}) fs::remove(dir / f);
          spdlog::warn("torchrun restart {}: no checkpoint yet, starting the run again", env.restart_count);
        }
      }
      check_run_dir(dir, cfg, resume);
      if (resume && fs::exists(dir / "env.json")) {
        previous_env = json::parse(read_file(dir / "env.json"), nullptr, false);
      }
    } catch (...) {
      if (!world) throw;
      refused = std::current_exception();
    }
  }
  if (world && !world->all_ok(!refused)) {
    if (refused) std::rethrow_exception(refused);
    throw Error(ErrorKind::Usage, "rank 0 refused the run directory (its message says why)", dir.string());
  }
  if (world) {
    auto flag = torch::tensor({resume ? int64_t(1) : int64_t(0)});
    world->broadcast({flag});
    resume = flag.item<int64_t>() != 0;
  }

  datasets::ReadOptions read{o.nan_policy};
  auto train_reader = datasets::DatasetReader::open(o.train_file, read);
  auto val_reader = datasets::DatasetReader::open(o.val_file, read);
  const auto& spec = train_reader->spec();
  if (val_reader->spec() != spec) {
    throw Error(ErrorKind::Data, "data.val has another feature spec than data.train", o.val_file.string());
  }
  // Checked before the first epoch, not when validation first needs targets.
  auto require_labels = [](const datasets::DatasetReader& reader, const std::string& key, const fs::path& file) {
    if (!reader.has_targets()) {
      throw Error(ErrorKind::Data, key + " is an unlabelled dataset (has_targets = 0): training needs labels",
                  file.string(), "point " + key + " at a labelled dataset (datagen, or ingest with --labels)");
    }
  };
  require_labels(*train_reader, "data.train", o.train_file);
  require_labels(*val_reader, "data.val", o.val_file);
  // data.shard rows: every rank walks the same epoch order in step batches
  // and keeps its share. blocks: each rank its own blocks, in batches of its share.
  const bool shard_blocks = world && o.shard_blocks;
  if (shard_blocks && !o.loader.drop_last) {
    throw Error(ErrorKind::Config, "data.shard: blocks needs data.drop_last: true (every rank's batches full)",
                cfg["data"]["drop_last"].origin().str(), "set data.drop_last: true, or data.shard: rows");
  }
  auto train_options = o.loader;
  train_options.batch_size = shard_blocks ? step_batch / world_size : step_batch;
  if (shard_blocks) train_options.filters.push_back(block_share(*train_reader, rank, world_size));
  datasets::Loader train_loader({train_reader}, train_options);
  auto val_options = o.loader;
  val_options.shuffle = false;
  val_options.drop_last = false;
  datasets::Loader val_loader({val_reader}, val_options);
  int64_t batches = train_loader.batches_per_epoch();
  std::vector<int64_t> rank_rows = {train_loader.num_samples()};
  if (shard_blocks) {
    // Every rank takes as many steps as the rank with the fewest batches.
    auto counts = torch::zeros({2, world_size}, torch::kFloat64);
    counts[0][rank] = double(batches);
    counts[1][rank] = double(train_loader.num_samples());
    world->all_reduce_sum(counts, "agreeing on the steps per epoch");
    batches = static_cast<int64_t>(counts[0].min().item<double>());
    rank_rows.clear();
    for (int r = 0; r < world_size; ++r) rank_rows.push_back(static_cast<int64_t>(counts[1][r].item<double>()));
  }
  if (batches == 0) throw Error(ErrorKind::Data, "the training set yields no batch", o.train_file.string(),
                                "lower data.batch_size or set data.drop_last: false");

  torch::manual_seed(o.seed);
  auto model = make_model(cfg["model"], spec);
  MultiTaskLoss loss(LossOptions::from_config(cfg["loss"], static_cast<int64_t>(spec.class_names.size())));
  if (model->dwell_scale().log && loss->options().dwell == DwellLoss::LogMse) {
    throw Error(ErrorKind::Config, "loss.dwell.kind log_mse takes log1p of a head in seconds; this model's "
                "head is already in log space (model.dwell_space: log)",
                cfg["loss"]["dwell"]["kind"].origin().str(), "use mse or huber (huber_delta_log) with dwell_space: log");
  }
  // On the device before the optimizer makes its state and a checkpoint is
  // read, so that both land there too.
  model->to(device);
  loss->to(device);
  auto params = model->parameters();
  for (auto& p : loss->parameters()) params.push_back(p);
  Optimizer optimizer(params, o.optim);
  TrainState state;
  const Checkpoint ck{*model, *loss, optimizer, state, spec.to_json().dump()};
  if (resume) {
    // Rank 0 picks the checkpoint and sends its bytes: the other nodes need
    // no shared file system.
    fs::path from;
    if (writer) from = load_resume_checkpoint(dir, ck);
    if (world) {
      const std::string bytes = world->broadcast_bytes(writer ? read_file(from, size_t(1) << 36) : std::string());
      if (!writer) load_checkpoint_bytes(bytes, "rank 0's checkpoint", ck);
    }
    if (writer) MetricsLog::truncate_for_resume(dir / "metrics.jsonl", state.epoch + 1, state.step);
    // Another world size: the position (epoch, batch) counts step batches,
    // the same rows when the step batch is (data.batch_scope: global).
    const int64_t before = previous_env.is_object() && previous_env.contains("step_batch")
                               ? previous_env["step_batch"].get<int64_t>()
                               : o.step_batch(previous_env.is_object() ? previous_env.value("world_size", 1) : 1);
    int64_t refuse = 0;
    if (writer && before != step_batch && state.batch > 0) refuse = before;
    const int before_world = previous_env.is_object() ? previous_env.value("world_size", 1) : world_size;
    if (writer && o.shard_blocks && before_world != world_size && state.batch > 0) refuse = -before_world;
    if (world) {
      auto t = torch::tensor({refuse});
      world->broadcast({t});
      refuse = t.item<int64_t>();
    }
    if (refuse < 0) {
      throw Error(ErrorKind::Config,
                  "the run stopped mid-epoch reading data.shard: blocks at world size " + std::to_string(-refuse) +
                      "; at world size " + std::to_string(world_size) + " each rank reads other blocks",
                  (dir / "env.json").string(), "resume at the world size it stopped at, or from an epoch's end");
    }
    if (refuse != 0) {
      throw Error(ErrorKind::Config,
                  "the run stopped mid-epoch with " + std::to_string(refuse) + " rows per step; at world size " +
                      std::to_string(world_size) + " a step has " + std::to_string(step_batch) +
                      ", so its position (epoch " + std::to_string(state.epoch + 1) + ", batch " +
                      std::to_string(state.batch) + ") names other rows",
                  (dir / "env.json").string(),
                  "resume at the world size it stopped at, or use data.batch_scope: global (the step's batch "
                  "stays data.batch_size at any world size)");
    }
    spdlog::info("resuming {} at epoch {}, batch {} (step {})", dir.string(), state.epoch + 1,
                 state.batch, state.step);
  } else {
    model->set_dwell_scale(dwell_stats(train_reader, o.loader, model->dwell_scale().log));
    if (writer) {
      fs::create_directories(dir);
      write_file_atomic(dir / "config.yaml", config_yaml);
      lock->keep();
    }
    spdlog::info("training {} ({} parameters) in {}", cfg["model"]["type"].as_string(),
                 parameter_count(*model), dir.string());
  }
  std::optional<GradientReducer> reducer;
  if (world) {
    // DDP's start: rank 0's parameters and buffers everywhere.
    std::vector<torch::Tensor> shared = params;
    for (auto& b : model->buffers()) shared.push_back(b);
    world->broadcast(shared);
    reducer.emplace(*world, params);
    spdlog::info("data-parallel: {} ranks over gloo, {} rows per step ({} per rank), {} gradient buckets",
                 world_size, step_batch, step_batch / world_size, reducer->bucket_count());
  }
  std::optional<MetricsLog> log;
  if (writer) {
    json env = environment_json(o.seed, device.str());
    env["world_size"] = world_size;
    env["backend"] = world ? "gloo" : "none";
    env["hosts"] = world ? world->hosts() : std::vector<std::string>{env["host"].get<std::string>()};
    env["step_batch"] = step_batch;
    env["shard"] = shard_blocks ? "blocks" : "rows";
    if (shard_blocks) env["train_rows_per_rank"] = rank_rows;
    if (world) env["restart_count"] = world->env().restart_count;
    write_json_atomic(dir / "env.json", env);
    log.emplace(dir / "metrics.jsonl");
  }

  g_stop_signal = 0;
  auto old_int = std::signal(SIGINT, on_stop_signal);
  auto old_term = std::signal(SIGTERM, on_stop_signal);
  struct RestoreSignals {
    decltype(old_int) i, t;
    ~RestoreSignals() { std::signal(SIGINT, i); std::signal(SIGTERM, t); }
  } restore{old_int, old_term};

  using clock = std::chrono::steady_clock;
  model->train();
  const DwellScale dwell = model->dwell_scale();
  for (int64_t epoch = state.epoch; epoch < o.epochs; ++epoch) {
    train_loader.start_epoch(epoch, state.batch);
    std::optional<Progress> progress;
    if (writer) {
      progress.emplace("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(o.epochs), batches, "batches");
      progress->advance(state.batch);
    }
    const auto epoch_start = clock::now();
    auto window_start = clock::now();
    int64_t window_samples = 0, epoch_samples_timed = 0, accumulated = 0;
    double wait_s = 0;
    for (std::optional<datasets::Batch> batch; state.batch < batches && (batch = train_loader.next());) {
      auto whole = to_tensors(*batch, device);
      // This rank's rows [begin, end) of a step of step_rows rows.
      const int64_t step_rows = shard_blocks ? batch->rows * world_size : batch->rows;
      const auto [begin, end] = shard_blocks ? std::pair<int64_t, int64_t>{0, batch->rows}
                                             : share_of(batch->rows, rank, world_size);
      auto b = world && !shard_blocks ? slice_rows(whole, begin, end) : whole;
      if (world) torch::manual_seed(rank_batch_seed(o.seed, epoch, state.batch, rank));
      b.input.mask = drop_modalities(b.input.mask, o.modality_dropout);
      auto out = model->forward(b.input);
      auto parts = loss->forward(out, b.targets, b.input.mask, dwell);
      double loss_value = parts.total.item<double>();
      const bool last_of_step = accumulated + 1 >= o.grad_accum_steps || state.batch + 1 >= batches;
      // The global loss and the stop flag ride one small all-reduce, issued
      // before the gradients' so that every rank issues them in one order.
      torch::Tensor shared_stats;
      c10::intrusive_ptr<c10d::Work> stats_work;
      if (world) {
        const double n = double(end - begin);
        shared_stats = torch::tensor({loss_value * n, parts.behavior.item<double>() * n,
                                      parts.dwell.item<double>() * n, parts.engagement.item<double>() * n, n,
                                      g_stop_signal.load() != 0 ? 1.0 : 0.0, double(g_stop_signal.load())},
                                     torch::kFloat64);
        stats_work = world->all_reduce_async(shared_stats);
        if (last_of_step) reducer->prepare(n / double(step_rows));
      } else {
        check_finite(loss_value, "the training loss", state, dir);
      }
      (o.grad_accum_steps > 1 ? parts.total / double(o.grad_accum_steps) : parts.total).backward();
      int stop_flag = g_stop_signal.load();
      if (world) {
        world->wait(stats_work, "the loss all-reduce");
        auto st = shared_stats.accessor<double, 1>();
        loss_value = st[0] / st[4];
        parts.total = torch::tensor(loss_value);
        parts.behavior = torch::tensor(st[1] / st[4]);
        parts.dwell = torch::tensor(st[2] / st[4]);
        parts.engagement = torch::tensor(st[3] / st[4]);
        // The signal the ranks that saw one saw (SIGTERM when they differ).
        const double sig = st[5] > 0 ? st[6] / st[5] : 0.0;
        stop_flag = st[5] == 0 ? 0 : sig == double(SIGINT) ? SIGINT : SIGTERM;
        check_finite(loss_value, "the training loss", state, dir);
      }
      state.epoch_loss_sum += loss_value * step_rows;
      state.epoch_samples += step_rows;
      window_samples += step_rows;
      epoch_samples_timed += step_rows;
      ++state.batch;
      if (progress) progress->advance();
      if (++accumulated < o.grad_accum_steps && state.batch < batches) continue;

      if (world) {
        reducer->finish();
        wait_s += reducer->last_wait_s();
      }
      const double lr = scheduled_lr(o.sched, o.optim.lr, epoch + double(state.batch) / batches, o.epochs);
      optimizer.set_lr(lr);
      const double norm = optimizer.grad_norm();  // of the global gradient
      check_finite(norm, "the gradient norm", state, dir);
      optimizer.step(clip_scale(norm, o.grad_clip_norm));
      optimizer.zero_grad();
      ++state.step;
      if (world) world->set_step(state.step);
      accumulated = 0;
      const double seconds = std::chrono::duration<double>(clock::now() - window_start).count();
      const double rate = window_samples / std::max(seconds, 1e-9);
      if (progress) {
        progress->set_status("loss " + std::to_string(loss_value).substr(0, 6) + "  " + format_count(rate) +
                             " samples/s");
      }
      if (state.step % o.log_every_steps == 0) {
        json record = step_record(state, epoch, parts, lr, norm, rate);
        if (world) record["allreduce_wait_s"] = wait_s / o.log_every_steps;
        if (log) log->write(record);
        window_start = clock::now();
        window_samples = 0;
        wait_s = 0;
      }
      const int stop = world ? stop_flag : g_stop_signal.load();
      if (writer && (stop != 0 || (o.checkpoint_every_steps > 0 && state.step % o.checkpoint_every_steps == 0))) {
        save_checkpoint(dir / "last.pt", ck);
      }
      if (stop != 0) {
        if (progress) progress->finish();
        if (writer) {
          spdlog::warn("interrupted: saved {} at epoch {}, batch {}; continue with --resume",
                       (dir / "last.pt").string(), epoch + 1, state.batch);
        }
        return 128 + stop;
      }
    }
    if (progress) progress->finish();
    const double epoch_s = std::chrono::duration<double>(clock::now() - epoch_start).count();
    json record = {{"kind", "epoch"}, {"epoch", epoch + 1}, {"step", state.step},
                   {"lr", optimizer.lr()},
                   {"train/loss", state.epoch_loss_sum / std::max<int64_t>(state.epoch_samples, 1)},
                   {"samples_per_s", epoch_samples_timed / std::max(epoch_s, 1e-9)},
                   {"epoch_time_s", epoch_s}};
    record.update(evaluate(*model, *loss, val_loader, device, world.get(), o.loader.batch_size));
    if (log) log->write(record);
    spdlog::info("epoch {}: train loss {:.4f}, val loss {:.4f}, val accuracy {:.3f}", epoch + 1,
                 record["train/loss"].get<double>(), record["val/loss"].get<double>(),
                 record["val/accuracy"].get<double>());

    const double value = record[o.early_stopping_metric].get<double>();
    state.epoch = epoch + 1;
    state.batch = 0;
    state.epoch_loss_sum = 0;
    state.epoch_samples = 0;
    const bool better = improved(o, value, state.best);
    if (better) {
      state.best = value;
      state.best_epoch = epoch + 1;
      state.epochs_since_best = 0;
    } else {
      ++state.epochs_since_best;
    }
    if (writer) {
      if (better) save_checkpoint(dir / "best.pt", ck);
      if (o.keep_last > 0) {
        save_checkpoint(dir / ("epoch-" + std::to_string(epoch + 1) + ".pt"), ck);
        prune_epoch_checkpoints(dir, epoch + 1, o.keep_last);
      }
      save_checkpoint(dir / "last.pt", ck);
    }
    if (o.patience > 0 && state.epochs_since_best >= o.patience) {
      spdlog::info("early stopping: {} has not improved for {} epochs (best {:.4f} at epoch {})",
                   o.early_stopping_metric, o.patience, state.best, state.best_epoch);
      break;
    }
    if (!world && g_stop_signal.load() != 0) return 128 + g_stop_signal.load();
  }
  if (world) world->all_ok(true);  // rank 0's last checkpoint is written before any rank reports done
  return 0;
}

}  // namespace storefuse::train
