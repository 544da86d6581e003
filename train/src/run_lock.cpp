#include "storefuse/train/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "storefuse/core/error.h"

namespace storefuse::train {
namespace fs = std::filesystem;

namespace {

std::string read_holder(int fd) {
  char buf[256] = {};
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? size_t(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s.empty() ? "a process that recorded no owner" : s;
}

}  // namespace

RunLock::RunLock(const fs::path& dir) : dir_(dir) {
  std::error_code ec;
  // The topmost directory this creates (run.root too, when it is new).
  for (fs::path p = fs::absolute(dir, ec); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    created_top_ = p;
    if (p == p.parent_path()) break;
  }
  fs::create_directories(dir, ec);
  if (ec) {
    throw Error(ErrorKind::Io, "cannot create the run directory: " + ec.message(), dir.string(),
                "check run.root and its permissions");
  }
  const fs::path file = dir / ".lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const std::string why = std::strerror(errno);
    remove_created();
    throw Error(ErrorKind::Io, "cannot open the run's lock file: " + why, file.string(),
                "check the run directory's permissions");
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = read_holder(fd_);
    ::close(fd_);
    fd_ = -1;
    throw Error(ErrorKind::Usage, "the run directory is in use by " + holder, dir.string(),
                "wait for that run to finish (or stop it), or choose another run.name");
  }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const std::string owner = "process " + std::to_string(getpid()) + " on " + host + "\n";
  // Temp files of writers that died mid-write (AtomicFile's .<name>.tmp-<pid>-<hex>):
  // with the lock held, nobody else is writing here.
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string::npos) fs::remove(entry.path(), ec);
  }
  // A failed write leaves the lock held; only the next process's message is poorer.
  const bool recorded = ftruncate(fd_, 0) == 0 && pwrite(fd_, owner.data(), owner.size(), 0) == ssize_t(owner.size());
  (void)recorded;
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  std::error_code ec;
  if (!created_top_.empty() && !keep_) {
    fs::remove(dir_ / ".lock", ec);
    remove_created();
  }
  ::close(fd_);
}

void RunLock::remove_created() const {
  if (created_top_.empty()) return;
  std::error_code ec;
  // Each only if empty: never what another writer put there.
  for (fs::path p = fs::absolute(dir_, ec); !p.empty(); p = p.parent_path()) {
    if (!fs::remove(p, ec) || p == created_top_ || p == p.parent_path()) break;
  }
}

}  // namespace storefuse::train
