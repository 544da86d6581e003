// Atomic artefact writes: write a temp file beside the target, fsync it,
// rename it over the target, fsync the directory. A crash or an error leaves
// either the old file or the new one, never a half-written one.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace storefuse {

// Use when a library writes the file itself (HDF5, protobuf): write to
// temp_path(), then commit(). Destroying an uncommitted AtomicFile removes the
// temp file. Throws storefuse::Error (Io) when the directory is not writable.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::filesystem::path& temp_path() const { return temp_; }
  const std::filesystem::path& target() const { return target_; }
  void commit();  // fsync + rename + fsync(dir)

 private:
  std::filesystem::path target_, temp_;
  bool committed_ = false;
};

void write_file_atomic(const std::filesystem::path& path, std::string_view data);

// The whole file, read no further than max_bytes: a larger file, or a device
// or pipe that never ends (/dev/zero), is a Data error naming the limit
// before more than max_bytes + 1 bytes are held.
constexpr size_t kMaxReadBytes = size_t(1) << 30;
std::string read_file(const std::filesystem::path& path, size_t max_bytes = kMaxReadBytes);

}  // namespace storefuse
