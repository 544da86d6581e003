// Data-parallel training on LibTorch's c10d: rendezvous through a TCPStore,
// collectives through ProcessGroupGloo, started by torchrun or anything that
// sets its environment (docs/distributed.md).
//
//   auto world = World::join(World::Env::from_environment(), options);  // nullptr: one process
//   world->broadcast(params);                         // rank 0's values everywhere
//   GradientReducer reducer(*world, params, 25 << 20); // hooks on every parameter
//   reducer.prepare(local_rows / double(global_rows));
//   loss.backward();                                   // buckets all-reduced as they fill
//   reducer.finish();                                  // waits; p.grad() = the global gradient
//
// Every collective goes through World, which turns a Gloo or store failure
// (a peer that died, a peer that stopped answering within dist.timeout_s)
// into Error(Runtime) naming the rank that stopped: each rank writes a
// heartbeat with its step into the store, and the failed rank reads them.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <torch/csrc/distributed/c10d/Work.hpp>
#include <torch/torch.h>

namespace c10d {
class Store;
class TCPStore;
class ProcessGroupGloo;
}  // namespace c10d

namespace storefuse::train {

struct DistOptions {
  std::chrono::milliseconds timeout{300'000};  // dist.timeout_s: a collective or the rendezvous
  int64_t bucket_bytes = 25 << 20;             // dist.bucket_mb: DDP's default
  bool overlap = true;  // dist.overlap: all-reduce each bucket during backward (false: after it)
  std::string interface;  // dist.interface: the network interface Gloo binds ("" = the host name's address)
};

class World {
 public:
  // torchrun's contract: RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR,
  // MASTER_PORT; TORCHELASTIC_USE_AGENT_STORE=True when the launcher hosts
  // the store (torchrun's agent, `storefuse train --nproc`), else rank 0 hosts
  // it; TORCHELASTIC_RESTART_COUNT prefixes the keys of each attempt.
  struct Env {
    int rank = 0, world_size = 1, local_rank = 0, local_world_size = 1;
    std::string master_addr = "127.0.0.1";
    int master_port = 29500;
    bool agent_store = false;
    int restart_count = 0;
    // WORLD_SIZE absent or 1: one process, world_size 1. A malformed value
    // is Error(Config) naming the variable.
    static Env from_environment();
  };

  // nullptr when env.world_size is 1. Blocks until every rank has joined or
  // options.timeout passes (Error(Runtime) naming the ranks that did not).
  static std::unique_ptr<World> join(const Env& env, const DistOptions& options);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const { return env_.rank; }
  int size() const { return env_.world_size; }
  const Env& env() const { return env_; }
  const DistOptions& options() const { return options_; }
  DistOptions& mutable_options() { return options_; }  // overlap: read at each step; bucket_bytes: by a new GradientReducer
  std::string backend() const { return "gloo"; }
  // Every rank's host name, in rank order (exchanged at join).
  const std::vector<std::string>& hosts() const { return hosts_; }

  // Rank 0's tensors copied into every rank's (same shapes, in place).
  void broadcast(std::vector<torch::Tensor> tensors);
  // Element-wise sum over the ranks, in place; `what` names it in errors.
  void all_reduce_sum(torch::Tensor& t, const char* what);
  // Bytes from rank 0 to every rank (a checkpoint to resume from).
  std::string broadcast_bytes(const std::string& bytes_on_rank0);
  // True on every rank when `ok` is true on every rank: a setup step that
  // failed on one rank fails on all, instead of leaving the others waiting.
  bool all_ok(bool ok);

  // The step the heartbeat reports, so that a failure names the rank that
  // fell behind.
  void set_step(int64_t step) { step_ = step; }

  // An async all-reduce (sum) of one tensor, and waiting for it: what
  // GradientReducer overlaps with backward.
  c10::intrusive_ptr<c10d::Work> all_reduce_async(torch::Tensor& t);
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what);

  // A failure of a collective turned into Error(Runtime) naming the ranks
  // whose heartbeat stopped or lags (the cause when it can be told).
  [[noreturn]] void fail(const std::string& what, const std::string& cause);

 private:
  World(const Env& env, const DistOptions& options);
  void heartbeat_loop();
  std::string diagnose();

  Env env_;
  DistOptions options_;
  c10::intrusive_ptr<c10d::Store> store_;       // prefixed with the attempt
  c10::intrusive_ptr<c10d::TCPStore> tcp_;      // the connection the collectives' setup uses
  c10::intrusive_ptr<c10d::Store> beat_store_;  // a second connection for the heartbeat thread
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
  std::vector<std::string> hosts_;
  std::atomic<int64_t> step_{0};
  std::atomic<bool> stop_{false};
  std::thread heartbeat_;
};

// run.threads for one rank: `threads` as configured; 0 (auto) under a
// launcher: the node's cores shared by its LOCAL_WORLD_SIZE ranks.
int threads_for_rank(int threads, const World::Env& env);

// DDP's gradient reduction: the parameters' gradients in buckets of about
// bucket_bytes, filled in reverse order of the parameters (the order
// backward produces them), each bucket all-reduced as soon as its last
// gradient arrives, in bucket order on every rank. The sum of each rank's
// gradient times its weight (its rows over the global batch's rows) is the
// gradient of the global batch's mean loss, what one process computes.
class GradientReducer {
 public:
  GradientReducer(World& world, std::vector<torch::Tensor> params);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Before the backward of the last micro-batch of a step. weight: this
  // rank's share of the step's rows. Earlier micro-batches of an
  // accumulation run without prepare(): their gradients accumulate locally.
  void prepare(double weight);
  // After backward: launches what is left, waits for every bucket, and sets
  // each parameter's gradient to the reduced one (a view of its bucket).
  void finish();

  int64_t bucket_count() const { return static_cast<int64_t>(buckets_.size()); }
  // Seconds finish() spent waiting at the last step, and launching the buckets
  // left (all of them when dist.overlap is false).
  double last_wait_s() const { return last_wait_s_; }

 private:
  struct Slot {
    int bucket = 0;
    int64_t offset = 0, numel = 0;
  };
  struct Bucket {
    torch::Tensor flat;
    std::vector<int> params;
    int pending = 0;
    bool ready = false;
    c10::intrusive_ptr<c10d::Work> work;
  };
  void on_grad(int param, const torch::Tensor& grad);
  void launch_ready();

  World& world_;
  std::vector<torch::Tensor> params_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  std::vector<bool> arrived_;
  double weight_ = 1.0;
  bool armed_ = false;
  int next_launch_ = 0;
  double last_wait_s_ = 0;
  std::mutex mu_;
};

}  // namespace storefuse::train

namespace storefuse::train {

// `storefuse train --nproc N`: torchrun's contract on one machine, for a
// machine without torchrun. Hosts the rendezvous store on a free loopback
// port, starts this very command line (/proc/self/cmdline) N times with
// RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT,
// TORCHELASTIC_USE_AGENT_STORE=True and OMP_NUM_THREADS (cores / N, unless
// set), each rank in a process group of its own, forwards SIGINT and SIGTERM
// once, and returns the first non-zero exit
// status (128 + signal for a rank killed by one) once every rank has ended;
// ranks still running `grace` after the first failure are killed.
int launch_local_ranks(int nproc, std::chrono::milliseconds grace);

}  // namespace storefuse::train
