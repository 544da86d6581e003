#include "storefuse/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "storefuse/core/error.h"

namespace fs = std::filesystem;

namespace storefuse {
namespace {

[[noreturn]] void io_fail(const std::string& what, const fs::path& p, int err) {
  throw Error(ErrorKind::Io, what + ": " + std::strerror(err), p.string(),
              "check that the directory exists and is writable");
}

void fsync_path(const fs::path& p, bool directory) {
  int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) io_fail("cannot open for fsync", p, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0 && !directory) io_fail("fsync failed", p, err);
}

}  // namespace

AtomicFile::AtomicFile(fs::path target) : target_(std::move(target)) {
  fs::path dir = target_.has_parent_path() ? target_.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(ErrorKind::Io, "output directory does not exist", dir.string(),
                "create it first, or choose another output path");
  }
  std::random_device rd;
  std::ostringstream name;
  name << "." << target_.filename().string() << ".tmp-" << ::getpid() << "-"
       << std::hex << rd();
  temp_ = dir / name.str();
  // Probe writability now, so that a long job fails before it starts.
  int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) io_fail("cannot create file in output directory", temp_, errno);
  ::close(fd);
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicFile::commit() {
  fsync_path(temp_, false);
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) io_fail("cannot rename temp file onto target", target_, ec.value());
  committed_ = true;
  fsync_path(target_.has_parent_path() ? target_.parent_path() : fs::path("."), true);
}

void write_file_atomic(const fs::path& path, std::string_view data) {
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) io_fail("write failed", file.temp_path(), errno);
  }
  file.commit();
}

std::string read_file(const fs::path& path, size_t max_bytes) {
  auto too_big = [&] {
    throw Error(ErrorKind::Data, "the file is larger than the limit of " + std::to_string(max_bytes) + " bytes",
                path.string(), "check that this is the file meant (not a device, a pipe or another kind of file)");
  };
  std::error_code ec;
  if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) > max_bytes && !ec) too_big();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorKind::Io, "cannot read file", path.string(),
                "check the path and its permissions");
  }
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) too_big();
  }
  if (in.bad()) throw Error(ErrorKind::Io, "cannot read file", path.string(), "check the file and the disk");
  return text;
}

}  // namespace storefuse
