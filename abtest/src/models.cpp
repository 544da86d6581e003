// Model backends and the operational measurements; see models.h.
#include "storefuse/abtest/models.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>

#include "storefuse/core/error.h"

namespace storefuse::abtest {
namespace {

std::vector<ModelBackend>& backends() {
  static std::vector<ModelBackend> b;
  return b;
}

// A field of /proc/self/status in bytes ("VmRSS", "VmHWM"); -1 if absent.
int64_t proc_status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  }
  return -1;
}

// The child's side: prints the growth in bytes, or "error <message>".
std::string child_measure(const ModelBackend& backend, const std::filesystem::path& model,
                          const std::filesystem::path& data, const OperationalOptions& o) {
  try {
    std::ofstream("/proc/self/clear_refs") << "5";  // VmHWM := VmRSS
    const int64_t before = proc_status_bytes("VmRSS");
    auto runner = backend.open(model, {o.threads});
    const int64_t rows = std::max(1, o.warmup);
    runner->prepare(data, rows);
    for (int64_t i = 0; i < rows; ++i) runner->run_row(i);
    const int64_t peak = proc_status_bytes("VmHWM");
    if (before < 0 || peak < 0) return "error /proc/self/status has no VmRSS/VmHWM";
    return std::to_string(peak - before);
  } catch (const std::exception& e) {
    return std::string("error ") + e.what();
  }
}

}  // namespace

void register_model_backend(ModelBackend backend) {
  auto& all = backends();
  for (auto& b : all) {
    if (b.kind == backend.kind) {
      b = std::move(backend);
      return;
    }
  }
  all.push_back(std::move(backend));
}

const ModelBackend* find_model_backend(const std::filesystem::path& path) {
  for (const auto& b : backends()) {
    if (b.accepts(path)) return &b;
  }
  return nullptr;
}

bool is_model_path(const std::filesystem::path& path) {
  return path.extension() == ".onnx" || std::filesystem::is_directory(path);
}

int64_t measure_peak_memory(const ModelBackend& backend, const std::filesystem::path& model,
                            const std::filesystem::path& data, const OperationalOptions& options,
                            std::string& note, int timeout_s) {
  int fds[2];
  if (pipe(fds) != 0) {
    note = std::string("pipe failed: ") + std::strerror(errno);
    return -1;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    note = std::string("fork failed: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    close(fds[0]);
    const std::string out = child_measure(backend, model, data, options);
    ssize_t ignored = write(fds[1], out.data(), out.size());
    (void)ignored;
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  char buf[512];
  bool timed_out = false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, int(std::min<int64_t>(left.count(), 1000))) <= 0) continue;
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, size_t(n));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (timed_out) {
    note = "the measuring process took longer than " + std::to_string(timeout_s) + " s";
    return -1;
  }
  if (text.empty() || text.rfind("error", 0) == 0) {
    note = text.empty() ? "the measuring process died (status " + std::to_string(status) + ")" : text.substr(6);
    return -1;
  }
  return std::stoll(text);
}

void measure_latency(ModelRunner& a, ModelRunner& b, int64_t rows, Operational& out) {
  const auto& o = out.options;
  out.rows = rows;
  out.a.latency_ms.clear();
  out.b.latency_ms.clear();
  auto timed = [](ModelRunner& m, int64_t row) {
    const auto start = std::chrono::steady_clock::now();
    m.run_row(row);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  };
  for (int i = 0; i < o.warmup; ++i) {
    a.run_row(i % rows);
    b.run_row(i % rows);
  }
  for (int i = 0; i < o.samples; ++i) {
    const int64_t row = i % rows;
    if (i % 2 == 0) {
      out.a.latency_ms.push_back(timed(a, row));
      out.b.latency_ms.push_back(timed(b, row));
    } else {
      out.b.latency_ms.push_back(timed(b, row));
      out.a.latency_ms.push_back(timed(a, row));
    }
  }
}

}  // namespace storefuse::abtest
