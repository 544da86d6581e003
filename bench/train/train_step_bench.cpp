// Training throughput of the seed network: one step is forward, the three
// task losses, backward, gradient clipping (max norm 1) and Adam (lr 1e-3,
// weight decay 1e-5), on pre-generated in-memory batches, exactly as the
// trainer runs it. compare.sh runs it beside seed_train_bench.py.
//
//   train_step_bench [--batch 256] [--threads 1] [--steps 20] [--repeats 5]
//                    [--warmup 5] [--torch-optim]
// --torch-optim uses torch::optim::Adam and clip_grad_norm_ instead of the
// fused optimizer (to measure what the fusion buys).
// Prints one JSON line: samples/s of each repeat, and min/median/max.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/Parallel.h>

#include "storefuse/core/json.h"
#include "storefuse/train/losses.h"
#include "storefuse/train/optimizer.h"
#include "storefuse/train/seed_fusion.h"

using namespace storefuse::train;

namespace {

struct BenchBatch {
  ModelInput input;
  Targets targets;
};

std::vector<BenchBatch> make_batches(int64_t batch, int count) {
  torch::manual_seed(7);
  SeedFusionOptions o;
  std::vector<BenchBatch> out(count);
  for (auto& b : out) {
    for (int m = 0; m < kNumModalities; ++m) b.input.inputs[m] = torch::randn({batch, o.input_dims[m]});
    b.input.mask = torch::ones({batch, kNumModalities}, torch::kUInt8);
    b.targets = {torch::randint(0, o.classes, {batch}), torch::randn({batch}), torch::rand({batch})};
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t batch = 256, threads = 1, steps = 20, repeats = 5, warmup = 5;
  bool torch_optim = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::atoll(argv[++i]) : 0; };
    if (a == "--batch") batch = next();
    else if (a == "--threads") threads = next();
    else if (a == "--steps") steps = next();
    else if (a == "--repeats") repeats = next();
    else if (a == "--warmup") warmup = next();
    else if (a == "--torch-optim") torch_optim = true;
    else { std::cerr << "unknown option " << a << "\n"; return 2; }
  }
  at::set_num_threads(static_cast<int>(threads));
  torch::manual_seed(0);
  auto model = std::make_shared<SeedFusionImpl>();
  model->train();
  MultiTaskLoss loss(LossOptions{});
  Optimizer fused(model->parameters(), {OptimizerKind::Adam, 1e-3, 1e-5});
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-3).weight_decay(1e-5));
  auto batches = make_batches(batch, 4);

  auto step = [&](const BenchBatch& b) {
    if (torch_optim) adam.zero_grad(); else fused.zero_grad();
    auto out = model->forward(b.input);
    auto parts = loss->forward(out, b.targets, b.input.mask, 0.0, 1.0);
    parts.total.backward();
    if (torch_optim) {
      torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
      adam.step();
    } else {
      fused.step(clip_scale(fused.grad_norm(), 1.0));
    }
  };
  for (int64_t i = 0; i < warmup; ++i) step(batches[i % batches.size()]);
  std::vector<double> rates;
  for (int64_t r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < steps; ++i) step(batches[i % batches.size()]);
    std::chrono::duration<double> s = std::chrono::steady_clock::now() - start;
    rates.push_back(steps * batch / s.count());
  }
  auto sorted = rates;
  std::sort(sorted.begin(), sorted.end());
  storefuse::json j = {{"impl", torch_optim ? "storefuse (torch::optim)" : "storefuse"},
                       {"batch", batch}, {"threads", at::get_num_threads()},
                       {"samples_per_s", rates}, {"min", sorted.front()},
                       {"median", sorted[sorted.size() / 2]}, {"max", sorted.back()}};
  std::cout << j.dump() << "\n";
  return 0;
}
