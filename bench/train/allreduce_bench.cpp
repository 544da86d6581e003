// Communication of data-parallel training: the seed network's gradients
// (about 24 MB of float32) all-reduced over c10d/Gloo, and one training step
// with and without overlapping that all-reduce with backward. Run it under a
// launcher, e.g. on one machine (loopback):
//
//   python3 -m torch.distributed.run --nproc_per_node=2 --redirects 1 --tee 1 \
//       --no_python build/bench/train/allreduce_bench [--batch 128] [--bucket-mb 25] [--steps 10] [--repeats 5]
//
// --batch: rows per rank per step (random inputs in memory, like
//   train_step_bench without --data). --bucket-mb: dist.bucket_mb. Prints, from rank 0, one JSON line:
//   the gradient bytes and buckets; the all-reduce alone (every bucket
//   launched at once, then waited) in ms, min/median/max over repeats; the
//   same bytes broadcast from rank 0 (the link's bandwidth); and
//   per mode (overlap, after_backward) the step ms and the ms finish() waited
//   for the all-reduce after backward, min/median/max of per-repeat medians.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/core/json.h"
#include "storefuse/train/batch_tensors.h"
#include "storefuse/train/distributed.h"
#include "storefuse/train/losses.h"
#include "storefuse/train/optimizer.h"
#include "storefuse/train/seed_fusion.h"
#include "storefuse/train/trainer.h"

using namespace storefuse;
using namespace storefuse::train;
using clock_type = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

json spread(const std::vector<double>& v) {
  return {{"min", *std::min_element(v.begin(), v.end())}, {"median", median(v)},
          {"max", *std::max_element(v.begin(), v.end())}};
}

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

int run(int argc, char** argv) {
  int64_t batch = 128, steps = 10, repeats = 5;
  double bucket_mb = 25;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const int64_t v = std::stoll(argv[i + 1]);
    if (a == "--bucket-mb") bucket_mb = std::stod(argv[i + 1]);
    else if (a == "--batch") batch = v;
    else if (a == "--steps") steps = v;
    else if (a == "--repeats") repeats = v;
    else throw Error(ErrorKind::Usage, "unknown option " + a, "", "--batch N --bucket-mb MB --steps N --repeats N");
  }
  const auto env = World::Env::from_environment();
  if (env.world_size < 2) throw Error(ErrorKind::Usage, "run it under torchrun with 2 or more ranks");
  apply_threads(0);
  reuse_freed_memory();
  DistOptions options;
  options.timeout = std::chrono::seconds(120);
  options.bucket_bytes = static_cast<int64_t>(bucket_mb * (1 << 20));
  auto world = World::join(env, options);

  torch::manual_seed(0);
  auto model = std::make_shared<SeedFusionImpl>();
  const DwellScale dwell{60.0, 20.0};
  model->set_dwell_scale(dwell);
  model->train();
  MultiTaskLoss loss(LossOptions{});
  auto params = model->parameters();
  Optimizer optimizer(params, {OptimizerKind::Adam, 1e-3, 1e-5});
  int64_t bytes = 0;
  for (const auto& p : params) bytes += p.numel() * 4;

  torch::manual_seed(7 + world->rank());
  SeedFusionOptions so;
  TrainBatch b;
  for (int m = 0; m < kNumModalities; ++m) b.input.inputs[m] = torch::randn({batch, so.input_dims[m]});
  b.input.mask = torch::ones({batch, kNumModalities}, torch::kUInt8);
  b.targets = {torch::randint(0, so.classes, {batch}), torch::randn({batch}) * 20 + 60, torch::rand({batch})};

  json result = {{"world_size", world->size()}, {"gradient_bytes", bytes}, {"batch_per_rank", batch}};

  // The all-reduce alone: buckets of zeros, all launched by finish().
  {
    world->mutable_options().overlap = false;
    GradientReducer reducer(*world, params);
    result["buckets"] = reducer.bucket_count();
    std::vector<double> ms;
    for (int64_t r = 0; r < repeats + 2; ++r) {
      world->all_ok(true);  // start together
      const auto t = clock_type::now();
      for (int64_t s = 0; s < steps; ++s) {
        reducer.prepare(1.0 / world->size());
        reducer.finish();
      }
      if (r >= 2) ms.push_back(ms_since(t) / steps);
    }
    result["allreduce_ms"] = spread(ms);
    result["allreduce_gbit_per_s_bus"] =
        2.0 * (world->size() - 1) / world->size() * bytes * 8 / (median(ms) * 1e-3) / 1e9;
  }

  // The link alone: rank 0's gradient bytes broadcast (with 2 ranks, one
  // transfer), the bandwidth the ring model's bytes / bandwidth takes.
  {
    auto flat = torch::zeros({bytes / 4}, torch::kFloat32);
    std::vector<double> ms;
    for (int64_t r = 0; r < repeats + 2; ++r) {
      world->all_ok(true);
      const auto t = clock_type::now();
      for (int64_t s = 0; s < steps; ++s) world->broadcast({flat});
      if (r >= 2) ms.push_back(ms_since(t) / steps);
    }
    result["broadcast_ms"] = spread(ms);
    result["broadcast_gbit_per_s"] = bytes * 8 / (median(ms) * 1e-3) / 1e9;
  }

  // One step (forward, loss, backward, all-reduce, norm, Adam), all-reduce
  // overlapped with backward or started after it.
  for (const bool overlap : {true, false}) {
    world->mutable_options().overlap = overlap;
    GradientReducer reducer(*world, params);
    std::vector<double> step_ms, wait_ms, backward_ms;
    for (int64_t r = 0; r < repeats + 1; ++r) {
      std::vector<double> st, wt, bt;
      world->all_ok(true);
      for (int64_t s = 0; s < steps; ++s) {
        const auto t = clock_type::now();
        auto out = model->forward(b.input);
        auto parts = loss->forward(out, b.targets, b.input.mask, dwell);
        reducer.prepare(1.0 / world->size());
        const auto tb = clock_type::now();
        parts.total.backward();
        bt.push_back(ms_since(tb));
        reducer.finish();
        wt.push_back(reducer.last_wait_s() * 1e3);
        optimizer.step(clip_scale(optimizer.grad_norm(), 1.0));
        optimizer.zero_grad();
        st.push_back(ms_since(t));
      }
      if (r == 0) continue;  // warm-up
      step_ms.push_back(median(st));
      wait_ms.push_back(median(wt));
      backward_ms.push_back(median(bt));
    }
    result[overlap ? "overlap" : "after_backward"] = {
        {"step_ms", spread(step_ms)}, {"wait_ms", spread(wait_ms)}, {"backward_ms", spread(backward_ms)},
        {"wait_fraction", median(wait_ms) / median(step_ms)}};
  }
  if (world->rank() == 0) std::cout << result.dump() << std::endl;
  world->all_ok(true);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    std::cerr << "allreduce_bench: " << e.what() << "\n";
    return exit_code(e);
  }
}
