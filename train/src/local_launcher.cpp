#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include <spdlog/spdlog.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "storefuse/core/error.h"
#include "storefuse/train/distributed.h"

namespace storefuse::train {
namespace {

std::atomic<int> g_forward_signal{0};
extern "C" void on_launcher_signal(int sig) { g_forward_signal = sig; }

std::vector<std::string> own_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> argv;
  size_t start = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i] == '\0') {
      argv.push_back(all.substr(start, i - start));
      start = i + 1;
    }
  }
  return argv;
}

}  // namespace

int launch_local_ranks(int nproc, std::chrono::milliseconds grace) {
  if (std::getenv("WORLD_SIZE") != nullptr) {
    throw Error(ErrorKind::Usage, "--nproc under a launcher that already set WORLD_SIZE", "--nproc",
                "use torchrun's --nproc_per_node, or --nproc without torchrun");
  }
  c10d::TCPStoreOptions so;
  so.port = 0;  // a free port
  so.isServer = true;
  so.waitWorkers = false;
  auto store = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", so);
  const int port = store->getPort();
  const std::vector<std::string> argv = own_command_line();
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  spdlog::info("starting {} ranks on this machine (rendezvous 127.0.0.1:{})", nproc, port);

  std::map<pid_t, int> ranks;
  const pid_t launcher = getpid();
  for (int r = 0; r < nproc; ++r) {
    const pid_t pid = fork();
    if (pid < 0) throw Error(ErrorKind::Runtime, "fork failed", "--nproc");
    if (pid == 0) {
      // A process group of its own: a terminal's Ctrl-C reaches the launcher
      // alone, which passes it on once (a second signal ends a rank at once).
      setpgid(0, 0);
      // A launcher that dies (SIGKILL) takes its ranks along: they stop as
      // on SIGTERM, after an agreed step, instead of training on orphaned.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != launcher) _exit(143);  // it died before prctl took effect
      setenv("RANK", std::to_string(r).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      setenv("MASTER_ADDR", "127.0.0.1", 1);
      setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      setenv("TORCHELASTIC_USE_AGENT_STORE", "True", 1);
      setenv("OMP_NUM_THREADS", std::to_string(std::max(1, cores / nproc)).c_str(), 0);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv("/proc/self/exe", args.data());
      _exit(127);
    }
    ranks[pid] = r;
  }

  auto old_int = std::signal(SIGINT, on_launcher_signal);
  auto old_term = std::signal(SIGTERM, on_launcher_signal);
  int result = 0, forwarded = 0;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  while (!ranks.empty()) {
    if (const int sig = g_forward_signal.exchange(0); sig != 0) {
      for (const auto& [pid, r] : ranks) kill(pid, sig);
      forwarded = sig;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      for (const auto& [pid, r] : ranks) {
        spdlog::error("rank {} still running {} s after the first failure: killed", r, grace.count() / 1000);
        kill(pid, SIGKILL);
      }
      deadline = std::chrono::steady_clock::time_point::max();
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    const auto it = ranks.find(pid);
    if (it == ranks.end()) continue;
    const int r = it->second;
    ranks.erase(it);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0) {
      if (forwarded != 0 && code == 128 + forwarded) {
        spdlog::info("rank {} stopped on signal {}", r, forwarded);  // the stop the signal asked for
      } else if (WIFSIGNALED(status)) {
        spdlog::error("rank {} was killed by signal {}", r, WTERMSIG(status));
      } else {
        spdlog::error("rank {} exited with status {}", r, code);
      }
      if (result == 0) {
        result = code;
        deadline = std::chrono::steady_clock::now() + grace;
      }
    }
  }
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  return result;
}

}  // namespace storefuse::train
