// Training throughput of the seed network, one optimizer step as the trainer
// runs it: a batch from the loader, forward, the three task losses, backward,
// gradient norm, clipping (max norm 1) and Adam (lr 1e-3, weight decay 1e-5).
// compare.sh runs it beside seed_train_bench.py (Python PyTorch).
//
//   train_step_bench --data train.h5 [--batch 256] [--threads 0] [--steps 20]
//                    [--repeats 5] [--warmup 5] [--torch-optim]
//
// --data: a RetailSim `vectors` dataset (storefuse datagen), read through the
//   trainer's loader (shuffled, prefetched) for every step; without it the
//   steps cycle over 4 random batches held in memory.
// --threads: run.threads (0: one ATen thread and one kernel thread per core).
// --torch-optim: torch::optim::Adam + clip_grad_norm_ instead of the fused
//   optimizer (what the fusion buys).
// Prints one JSON line: samples/s of each repeat, min/median/max, and the
// median milliseconds per step of each phase (data, forward, loss, backward,
// norm, update).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <ATen/Parallel.h>

#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/core/json.h"
#include "storefuse/datasets/loader.h"
#include "storefuse/train/batch_tensors.h"
#include "storefuse/train/kernel_threads.h"
#include "storefuse/train/losses.h"
#include "storefuse/train/optimizer.h"
#include "storefuse/train/seed_fusion.h"
#include "storefuse/train/trainer.h"

using namespace storefuse;
using namespace storefuse::train;
using clock_type = std::chrono::steady_clock;

namespace {

const char* kUsage =
    "usage: train_step_bench [--data FILE.h5] [--batch N] [--threads N] [--steps N] [--repeats N]\n"
    "                        [--warmup N] [--torch-optim]\n"
    "  --data FILE     RetailSim vectors dataset read through the trainer's loader (default: 4\n"
    "                  random batches in memory)\n"
    "  --batch N       samples per step (256)\n"
    "  --threads N     run.threads: 0 = one ATen thread + one kernel thread per core (0)\n"
    "  --steps N       timed steps per repeat (20)\n"
    "  --repeats N     timed repeats; the JSON line reports each and the median (5)\n"
    "  --warmup N      untimed steps first (5)\n"
    "  --torch-optim   torch::optim::Adam + clip_grad_norm_ instead of the fused optimizer\n";

// Batches from the HDF5 file through the trainer's loader, epoch after
// epoch, or from memory.
class BatchSource {
 public:
  BatchSource(const std::string& file, int64_t batch) {
    if (file.empty()) {
      torch::manual_seed(7);
      SeedFusionOptions o;
      memory_.resize(4);
      for (auto& b : memory_) {
        for (int m = 0; m < kNumModalities; ++m) b.input.inputs[m] = torch::randn({batch, o.input_dims[m]});
        b.input.mask = torch::ones({batch, kNumModalities}, torch::kUInt8);
        b.targets = {torch::randint(0, o.classes, {batch}), torch::randn({batch}) * 20 + 60,
                     torch::rand({batch})};
      }
      return;
    }
    datasets::LoaderOptions o;  // the trainer's defaults (configs/defaults.yaml)
    o.batch_size = batch;
    o.drop_last = true;
    o.prefetch_batches = 4;
    o.shuffle_window_blocks = 16;
    o.seed = 42;
    reader_ = datasets::DatasetReader::open(file);
    loader_ = std::make_unique<datasets::Loader>(
        std::vector<std::shared_ptr<const datasets::DatasetReader>>{reader_}, o);
    if (loader_->batches_per_epoch() == 0) {
      throw Error(ErrorKind::Data, "the dataset has fewer rows than one batch", file);
    }
    loader_->start_epoch(epoch_);
  }

  const datasets::FeatureSpec* spec() const { return reader_ ? &reader_->spec() : nullptr; }

  const TrainBatch& next() {
    if (!loader_) return memory_[index_++ % memory_.size()];
    auto b = loader_->next();
    if (!b) {
      loader_->start_epoch(++epoch_);
      b = loader_->next();
    }
    current_ = std::move(*b);
    tensors_ = to_tensors(current_, torch::kCPU);
    return tensors_;
  }

 private:
  std::vector<TrainBatch> memory_;
  size_t index_ = 0;
  std::shared_ptr<const datasets::DatasetReader> reader_;
  std::unique_ptr<datasets::Loader> loader_;
  int64_t epoch_ = 0;
  datasets::Batch current_;
  TrainBatch tensors_;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

int run(int argc, char** argv) {
  int64_t batch = 256, threads = 0, steps = 20, repeats = 5, warmup = 5;
  bool torch_optim = false;
  std::string data;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw Error(ErrorKind::Usage, a + " needs a value", "", kUsage);
      return argv[++i];
    };
    auto number = [&]() {
      const std::string v = value();
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 0) {
        throw Error(ErrorKind::Usage, a + " needs a whole number >= 0, got '" + v + "'", "", kUsage);
      }
      return static_cast<int64_t>(n);
    };
    if (a == "--data") data = value();
    else if (a == "--batch") batch = number();
    else if (a == "--threads") threads = number();
    else if (a == "--steps") steps = number();
    else if (a == "--repeats") repeats = number();
    else if (a == "--warmup") warmup = number();
    else if (a == "--torch-optim") torch_optim = true;
    else if (a == "--help" || a == "-h") { std::cout << kUsage; return 0; }
    else throw Error(ErrorKind::Usage, "unknown option " + a, "", kUsage);
  }
  if (batch < 1 || steps < 1 || repeats < 1) {
    throw Error(ErrorKind::Usage, "--batch, --steps and --repeats must be >= 1", "", kUsage);
  }
  apply_threads(static_cast<int>(threads));
  reuse_freed_memory();
  BatchSource source(data, batch);
  torch::manual_seed(0);
  // The trainer's model: seed_fusion from the built-in defaults.
  Model model = source.spec() ? make_model(config::load("")["model"], *source.spec())
                              : std::make_shared<SeedFusionImpl>();
  const DwellScale dwell{60.0, 20.0};
  model->set_dwell_scale(dwell);
  model->train();
  MultiTaskLoss loss(LossOptions{});
  Optimizer fused(model->parameters(), {OptimizerKind::Adam, 1e-3, 1e-5});
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-3).weight_decay(1e-5));

  std::map<std::string, std::vector<double>> phases;
  auto lap = [&](clock_type::time_point& t, const char* phase) {
    const auto now = clock_type::now();
    phases[phase].push_back(std::chrono::duration<double, std::milli>(now - t).count());
    t = now;
  };
  auto step = [&]() {
    auto t = clock_type::now();
    const auto& b = source.next();
    lap(t, "data");
    auto out = model->forward(b.input);
    lap(t, "forward");
    auto parts = loss->forward(out, b.targets, b.input.mask, dwell);
    if (!std::isfinite(parts.total.item<double>())) throw Error(ErrorKind::Runtime, "the loss diverged");
    lap(t, "loss");
    parts.total.backward();
    lap(t, "backward");
    if (torch_optim) {
      torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
      lap(t, "norm");
      adam.step();
      adam.zero_grad();
    } else {
      const double scale = clip_scale(fused.grad_norm(), 1.0);
      lap(t, "norm");
      fused.step(scale);
      fused.zero_grad();
    }
    lap(t, "update");
  };
  for (int64_t i = 0; i < warmup; ++i) step();
  phases.clear();
  std::vector<double> rates;
  for (int64_t r = 0; r < repeats; ++r) {
    const auto start = clock_type::now();
    for (int64_t i = 0; i < steps; ++i) step();
    const std::chrono::duration<double> s = clock_type::now() - start;
    rates.push_back(static_cast<double>(steps * batch) / s.count());
  }
  json phase_ms;
  for (const auto& [name, ms] : phases) phase_ms[name] = median(ms);
  const auto [lo, hi] = std::minmax_element(rates.begin(), rates.end());
  json j = {{"impl", torch_optim ? "storefuse (torch::optim)" : "storefuse"},
            {"data", data.empty() ? "memory" : "hdf5"},
            {"batch", batch}, {"threads", threads}, {"intra_op_threads", at::get_num_threads()},
            {"kernel_threads", kernel_threads()}, {"samples_per_s", rates}, {"min", *lo},
            {"median", median(rates)}, {"max", *hi}, {"phases_ms", phase_ms}};
  std::cout << j.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    std::cerr << "train_step_bench: " << e.what() << "\n";
    return exit_code(e);
  }
}
