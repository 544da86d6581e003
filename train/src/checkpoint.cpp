#include "storefuse/train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include <sstream>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"

namespace storefuse::train {
namespace {

torch::Tensor state_tensor(const TrainState& s) {
  return torch::tensor({s.epoch, s.batch, s.step, s.best_epoch, s.epochs_since_best, s.epoch_samples},
                       torch::kInt64);
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const Checkpoint& ck) {
  torch::serialize::OutputArchive archive, model, loss, optimizer;
  ck.model.save(model);
  ck.loss.save(loss);
  ck.optimizer.save(optimizer);
  archive.write("model", model);
  archive.write("loss", loss);
  archive.write("optimizer", optimizer);
  archive.write("state", state_tensor(ck.state));
  archive.write("best", torch::tensor({ck.state.best, ck.state.epoch_loss_sum}, torch::kFloat64));
  auto gen = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    archive.write("generator", gen.get_state());
  }
  archive.write("feature_spec", c10::IValue(ck.feature_spec_json));
  AtomicFile file(path);
  archive.save_to(file.temp_path().string());
  file.commit();
}

namespace {

// `open` fills the archive, straight onto the given device.
template <typename Open>
void load_archive(const std::string& origin, const Checkpoint& ck, Open open) {
  const std::filesystem::path path = origin;
  torch::serialize::InputArchive archive, model, loss, optimizer;
  try {
    // Straight onto the model's device (the optimizer state is there too).
    auto params = ck.model.parameters();
    open(archive, params.empty() ? torch::Device(torch::kCPU) : params[0].device());
    c10::IValue spec;
    archive.read("feature_spec", spec);
    if (spec.toStringRef() != ck.feature_spec_json) {
      throw Error(ErrorKind::Model, "the checkpoint was trained on another feature spec",
                  path.string(), "resume with the dataset the run started with");
    }
    archive.read("model", model);
    archive.read("loss", loss);
    archive.read("optimizer", optimizer);
    ck.model.load(model);
    ck.loss.load(loss);
    ck.optimizer.load(optimizer);
    torch::Tensor state, best, generator;
    archive.read("state", state);
    archive.read("best", best);
    archive.read("generator", generator);
    state = state.cpu();
    best = best.cpu();
    generator = generator.cpu();
    auto s = state.accessor<int64_t, 1>();
    ck.state = {s[0], s[1], s[2], best[0].item<double>(), s[3], s[4], best[1].item<double>(), s[5]};
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(generator);
  } catch (const c10::Error& e) {
    throw Error(ErrorKind::Model, std::string("cannot read checkpoint: ") + e.what_without_backtrace(),
                path.string(), "it may belong to another model or config");
  }
}

}  // namespace

void load_checkpoint(const std::filesystem::path& path, const Checkpoint& ck) {
  load_archive(path.string(), ck, [&](torch::serialize::InputArchive& a, const torch::Device& d) {
    a.load_from(path.string(), d);
  });
}

void load_checkpoint_bytes(const std::string& bytes, const std::string& origin, const Checkpoint& ck) {
  load_archive(origin, ck, [&](torch::serialize::InputArchive& a, const torch::Device& d) {
    std::istringstream in(bytes);
    a.load_from(in, d);
  });
}

}  // namespace storefuse::train
