#include "storefuse/train/distributed.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "storefuse/core/error.h"

namespace storefuse::train {
namespace {

using clock = std::chrono::steady_clock;

int64_t env_int(const char* name, int64_t fallback, int64_t lo, int64_t hi) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v, &end, 10);
  if (errno != 0 || *end != '\0' || x < lo || x > hi) {
    throw Error(ErrorKind::Config,
                std::string("environment variable ") + name + " is '" + v + "', not an integer in [" +
                    std::to_string(lo) + ", " + std::to_string(hi) + "]",
                name, "launch with torchrun or storefuse train --nproc N, which set it");
  }
  return x;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<uint8_t> to_bytes(const std::string& s) { return {s.begin(), s.end()}; }
std::string from_bytes(const std::vector<uint8_t>& b) { return {b.begin(), b.end()}; }

c10::intrusive_ptr<c10d::TCPStore> connect_store(const World::Env& env, const DistOptions& o, bool server) {
  c10d::TCPStoreOptions so;
  so.port = static_cast<uint16_t>(env.master_port);
  so.isServer = server;
  so.numWorkers = c10::nullopt;
  so.waitWorkers = false;
  so.timeout = o.timeout;
  try {
    return c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
  } catch (const std::exception& e) {
    throw Error(ErrorKind::Runtime,
                "rank " + std::to_string(env.rank) + " could not reach the rendezvous store at " +
                    env.master_addr + ":" + std::to_string(env.master_port) + " within " +
                    std::to_string(o.timeout.count() / 1000) + " s: " + e.what(),
                "MASTER_ADDR/MASTER_PORT",
                "start every rank with the same MASTER_ADDR and MASTER_PORT (torchrun does), and check that "
                "the port is open between the nodes");
  }
}

}  // namespace

World::Env World::Env::from_environment() {
  Env e;
  e.world_size = static_cast<int>(env_int("WORLD_SIZE", 1, 1, 1 << 20));
  if (e.world_size == 1) return e;
  e.rank = static_cast<int>(env_int("RANK", -1, 0, e.world_size - 1));
  if (e.rank < 0) {
    throw Error(ErrorKind::Config, "WORLD_SIZE is set but RANK is not", "RANK",
                "launch with torchrun or storefuse train --nproc N");
  }
  e.local_rank = static_cast<int>(env_int("LOCAL_RANK", 0, 0, 1 << 20));
  e.local_world_size = static_cast<int>(env_int("LOCAL_WORLD_SIZE", 1, 1, 1 << 20));
  if (const char* a = std::getenv("MASTER_ADDR"); a != nullptr && *a != '\0') e.master_addr = a;
  e.master_port = static_cast<int>(env_int("MASTER_PORT", 29500, 1, 65535));
  const char* agent = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
  e.agent_store = agent != nullptr && std::string(agent) == "True";
  e.restart_count = static_cast<int>(env_int("TORCHELASTIC_RESTART_COUNT", 0, 0, 1 << 20));
  return e;
}

int threads_for_rank(int threads, const World::Env& env) {
  if (threads != 0 || env.world_size <= 1) return threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / env.local_world_size);
}

World::World(const Env& env, const DistOptions& options) : env_(env), options_(options) {}

std::unique_ptr<World> World::join(const Env& env, const DistOptions& options) {
  if (env.world_size <= 1) return nullptr;
  std::unique_ptr<World> w(new World(env, options));
  const bool server = !env.agent_store && env.rank == 0;
  w->tcp_ = connect_store(env, options, server);
  const std::string prefix = "storefuse/attempt_" + std::to_string(env.restart_count);
  w->store_ = c10::make_intrusive<c10d::PrefixStore>(prefix, w->tcp_);
  w->beat_store_ = c10::make_intrusive<c10d::PrefixStore>(prefix, connect_store(env, options, false));

  // Host names first, through the store: they name the ranks in any error
  // that follows, the process group's own rendezvous included.
  w->store_->set("host/" + std::to_string(env.rank), to_bytes(host_name()));
  w->store_->set("beat/" + std::to_string(env.rank), to_bytes(std::to_string(now_ms()) + " 0"));
  std::vector<std::string> keys;
  for (int r = 0; r < env.world_size; ++r) keys.push_back("host/" + std::to_string(r));
  try {
    w->store_->wait(keys, options.timeout);
  } catch (const std::exception&) {
    std::string missing;
    for (int r = 0; r < env.world_size; ++r) {
      if (!w->store_->check({"host/" + std::to_string(r)})) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
    }
    throw Error(ErrorKind::Runtime,
                "rendezvous: rank(s) " + missing + " of " + std::to_string(env.world_size) + " did not join within " +
                    std::to_string(options.timeout.count() / 1000) + " s",
                env.master_addr + ":" + std::to_string(env.master_port),
                "start all WORLD_SIZE ranks (torchrun --nnodes/--nproc_per_node), or raise dist.timeout_s");
  }
  for (const auto& k : keys) w->hosts_.push_back(from_bytes(w->store_->get(k)));

  auto pg_options = c10d::ProcessGroupGloo::Options::create(options.timeout);
  pg_options->devices.push_back(options.interface.empty()
                                    ? c10d::ProcessGroupGloo::createDeviceForHostname(
                                          env.master_addr == "127.0.0.1" || env.master_addr == "localhost"
                                              ? std::string("127.0.0.1")
                                              : host_name())
                                    : c10d::ProcessGroupGloo::createDeviceForInterface(options.interface));
  pg_options->threads = 2;
  try {
    w->pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(
        c10::make_intrusive<c10d::PrefixStore>("gloo", w->store_), env.rank, env.world_size, pg_options);
  } catch (const std::exception& e) {
    w->fail("the Gloo process group's rendezvous", e.what());
  }
  w->heartbeat_ = std::thread([p = w.get()] { p->heartbeat_loop(); });
  return w;
}

World::~World() {
  stop_ = true;
  if (heartbeat_.joinable()) heartbeat_.join();
}

void World::heartbeat_loop() {
  const std::string key = "beat/" + std::to_string(env_.rank);
  while (!stop_) {
    try {
      beat_store_->set(key, to_bytes(std::to_string(now_ms()) + " " + std::to_string(step_.load())));
    } catch (const std::exception&) {
      return;  // the store is gone: the next collective says so
    }
    for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string World::diagnose() {
  // Each rank beats every second. Watch the others' beats for a while: a
  // rank whose beat does not change died or is stopped; one that beats but
  // reports an older step hangs (or is slow) before the collective.
  constexpr auto kWatch = std::chrono::milliseconds(2500);
  std::vector<std::string> first(env_.world_size), last(env_.world_size);
  auto read = [&](std::vector<std::string>& into) {
    for (int r = 0; r < env_.world_size; ++r) {
      const std::string key = "beat/" + std::to_string(r);
      if (r != env_.rank && beat_store_->check({key})) into[r] = from_bytes(beat_store_->get(key));
    }
  };
  std::string stopped, behind;
  try {
    read(first);
    const auto end = clock::now() + kWatch;
    last = first;
    for (;;) {
      read(last);
      bool all_moved = true;
      for (int r = 0; r < env_.world_size; ++r) all_moved &= r == env_.rank || last[r] != first[r];
      if (all_moved || clock::now() >= end) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (int r = 0; r < env_.world_size; ++r) {
      if (r == env_.rank) continue;
      const std::string who = "rank " + std::to_string(r) + " (" + hosts_[r] + ")";
      const std::string& v = last[r];
      const int64_t s = v.empty() ? 0 : std::atoll(v.substr(v.find(' ') + 1).c_str());
      if (v == first[r]) {
        const int64_t silent_s = v.empty() ? 0 : (now_ms() - std::atoll(v.c_str())) / 1000;
        stopped += (stopped.empty() ? "" : ", ") + who + ", silent for " + std::to_string(silent_s) + " s";
      } else if (s < step_.load()) {
        behind += (behind.empty() ? "" : ", ") + who + " at step " + std::to_string(s);
      }
    }
  } catch (const std::exception&) {
    return env_.agent_store ? "the rendezvous store does not answer either (the launcher stopped?)"
                            : "the rendezvous store, which rank 0 hosts, does not answer: rank 0 (" +
                                  (hosts_.empty() ? std::string("?") : hosts_[0]) + ") stopped";
  }
  if (!stopped.empty()) return stopped + ": it died or is stopped";
  if (!behind.empty()) return behind + " (this rank is at step " + std::to_string(step_.load()) + "): it hangs or is slow";
  return "every rank's heartbeat goes on; the network between the ranks failed";
}

void World::fail(const std::string& what, const std::string& cause) {
  // The first line of a Gloo message says what happened; the rest is a stack.
  const std::string first = cause.substr(0, cause.find('\n'));
  throw Error(ErrorKind::Runtime,
              "rank " + std::to_string(env_.rank) + ": " + what + " failed: " + diagnose(), "c10d/gloo: " + first,
              "the job cannot go on without every rank: restart it (torchrun --max-restarts resumes from "
              "last.pt with --resume), or raise dist.timeout_s if a rank is only slow");
}

void World::wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
  try {
    work->wait(options_.timeout);
  } catch (const std::exception& e) {
    fail(what, e.what());
  }
}

c10::intrusive_ptr<c10d::Work> World::all_reduce_async(torch::Tensor& t) {
  std::vector<at::Tensor> v{t};
  try {
    return pg_->allreduce(v);
  } catch (const std::exception& e) {
    fail("launching an all-reduce", e.what());
  }
}

void World::all_reduce_sum(torch::Tensor& t, const char* what) { wait(all_reduce_async(t), what); }

void World::broadcast(std::vector<torch::Tensor> tensors) {
  torch::NoGradGuard no_grad;
  for (auto& t : tensors) {
    // Gloo wants dense tensors; parameters are. Copy through one when not.
    torch::Tensor dense = t.is_contiguous() ? t : t.contiguous();
    std::vector<at::Tensor> v{dense};
    c10d::BroadcastOptions bo;
    bo.rootRank = 0;
    c10::intrusive_ptr<c10d::Work> work;
    try {
      work = pg_->broadcast(v, bo);
    } catch (const std::exception& e) {
      fail("the parameter broadcast", e.what());
    }
    wait(work, "the parameter broadcast");
    if (!dense.is_same(t)) t.copy_(dense);
  }
}

std::string World::broadcast_bytes(const std::string& bytes) {
  auto size = torch::tensor({static_cast<int64_t>(rank() == 0 ? bytes.size() : 0)}, torch::kInt64);
  broadcast({size});
  auto buf = torch::empty({size.item<int64_t>()}, torch::kUInt8);
  if (rank() == 0) std::memcpy(buf.data_ptr(), bytes.data(), bytes.size());
  broadcast({buf});
  return {static_cast<const char*>(buf.data_ptr()), static_cast<size_t>(buf.numel())};
}

bool World::all_ok(bool ok) {
  auto t = torch::tensor({ok ? 0.0 : 1.0}, torch::kFloat64);
  all_reduce_sum(t, "agreeing on the setup");
  return t.item<double>() == 0.0;
}

// --- GradientReducer ---------------------------------------------------------

GradientReducer::GradientReducer(World& world, std::vector<torch::Tensor> params)
    : world_(world), params_(std::move(params)), slots_(params_.size()), arrived_(params_.size(), false) {
  const int64_t limit = world_.options().bucket_bytes;
  // Reverse order of registration: backward produces the last layers'
  // gradients first, so the first bucket fills first.
  Bucket current;
  int64_t bytes = 0, offset = 0;
  auto close = [&] {
    if (current.params.empty()) return;
    current.flat = torch::zeros({offset}, torch::kFloat32);
    buckets_.push_back(std::move(current));
    current = Bucket{};
    bytes = offset = 0;
  };
  for (int i = static_cast<int>(params_.size()) - 1; i >= 0; --i) {
    const torch::Tensor& p = params_[i];
    if (!p.requires_grad()) continue;
    if (p.scalar_type() != torch::kFloat32 || !p.device().is_cpu()) {
      throw Error(ErrorKind::Config, "data-parallel training reduces float32 CPU parameters; parameter " +
                                         std::to_string(i) + " is " + std::string(c10::toString(p.scalar_type())) +
                                         " on " + p.device().str(),
                  "run.device", "set run.device: cpu for a distributed run");
    }
    slots_[i] = {static_cast<int>(buckets_.size()), offset, p.numel()};
    current.params.push_back(i);
    offset += p.numel();
    bytes += p.numel() * 4;
    if (bytes >= limit) close();
  }
  close();
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].requires_grad()) continue;
    const int index = static_cast<int>(i);
    params_[i].register_hook([this, index](torch::Tensor grad) {
      on_grad(index, grad);
      return grad;
    });
  }
}

GradientReducer::~GradientReducer() {
  // A failed step may leave buckets in flight: wait for them (bounded by the
  // timeout) so that Gloo does not write into freed memory.
  for (auto& b : buckets_) {
    if (b.work) {
      try {
        b.work->wait(world_.options().timeout);
      } catch (...) {
      }
    }
  }
}

void GradientReducer::prepare(double weight) {
  std::lock_guard<std::mutex> lock(mu_);
  weight_ = weight;
  armed_ = true;
  next_launch_ = 0;
  std::fill(arrived_.begin(), arrived_.end(), false);
  for (auto& b : buckets_) {
    b.pending = static_cast<int>(b.params.size());
    b.ready = false;
    b.work.reset();
  }
}

void GradientReducer::on_grad(int param, const torch::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!armed_ || arrived_[param]) return;
  arrived_[param] = true;
  const Slot& s = slots_[param];
  Bucket& b = buckets_[s.bucket];
  torch::NoGradGuard no_grad;
  auto dst = b.flat.narrow(0, s.offset, s.numel);
  // The gradient that lands in .grad: this micro-batch's plus what earlier
  // micro-batches of the step accumulated there.
  const torch::Tensor& acc = params_[param].grad();
  if (acc.defined()) {
    torch::add_out(dst, acc.reshape({-1}), grad.reshape({-1}));
    dst.mul_(weight_);
  } else {
    torch::mul_out(dst, grad.reshape({-1}), weight_);
  }
  if (--b.pending == 0) {
    b.ready = true;
    if (world_.options().overlap) launch_ready();
  }
}

void GradientReducer::launch_ready() {
  // In bucket order on every rank: Gloo matches collectives by the order
  // they are issued.
  while (next_launch_ < static_cast<int>(buckets_.size()) && buckets_[next_launch_].ready) {
    Bucket& b = buckets_[next_launch_++];
    b.work = world_.all_reduce_async(b.flat);
  }
}

void GradientReducer::finish() {
  const auto start = clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Parameters backward gave no gradient this step add zeros (or what
    // earlier micro-batches left): every bucket is reduced on every rank.
    for (size_t i = 0; i < params_.size(); ++i) {
      if (!params_[i].requires_grad() || arrived_[i]) continue;
      const Slot& s = slots_[i];
      Bucket& b = buckets_[s.bucket];
      auto dst = b.flat.narrow(0, s.offset, s.numel);
      const torch::Tensor& acc = params_[i].grad();
      torch::NoGradGuard no_grad;
      if (acc.defined()) {
        torch::mul_out(dst, acc.reshape({-1}), weight_);
      } else {
        dst.zero_();
      }
      arrived_[i] = true;
      if (--b.pending == 0) b.ready = true;
    }
    launch_ready();
    armed_ = false;
  }
  for (auto& b : buckets_) world_.wait(b.work, "the gradient all-reduce");
  for (auto& b : buckets_) b.work.reset();
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].requires_grad()) continue;
    const Slot& s = slots_[i];
    params_[i].mutable_grad() = buckets_[s.bucket].flat.narrow(0, s.offset, s.numel).view(params_[i].sizes());
  }
  last_wait_s_ = std::chrono::duration<double>(clock::now() - start).count();
}

}  // namespace storefuse::train
