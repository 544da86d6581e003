// One process at a time in a run directory: an advisory lock (flock) on
// <dir>/.lock, which the kernel releases when the holder exits or dies, so a
// killed trainer never leaves a stale lock. The file records the holder's
// pid and host for the error the next process gets. Taking the lock removes
// the temp files of writers that died mid-write.
//
//   RunLock lock(dir);        // throws while another process trains in dir
//   ... checks that may fail ...
//   lock.keep();              // the run has started: dir stays
#pragma once

#include <filesystem>

namespace storefuse::train {

class RunLock {
 public:
  // Creates `dir` when it does not exist. Throws Error(Usage) naming the
  // holder's pid and host when another process holds the lock, Error(Io)
  // when the directory or the lock file cannot be made.
  explicit RunLock(const std::filesystem::path& dir);
  // Unlocks. The directories this lock created (the run's, and run.root
  // when it was new) are removed again, if empty, unless keep() was called:
  // a run refused before it wrote anything leaves nothing.
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  void keep() { keep_ = true; }

 private:
  void remove_created() const;  // the directories this lock made, up to created_top_, if empty

  std::filesystem::path dir_, created_top_;  // created_top_: empty when the run directory existed
  int fd_ = -1;
  bool keep_ = false;
};

}  // namespace storefuse::train
