// storefuse's side of the LibTorch module (torch_module.h): finding and
// loading storefuse-torch.so, and the abtest backend for run directories,
// whose test for a run is torch-free and whose runner comes from the module.
#include "torch_module.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "model_predictions.h"
#include "storefuse/abtest/models.h"
#include "storefuse/core/error.h"
#include "storefuse/version.h"

namespace storefuse::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModuleName = "storefuse-torch.so";

// Where to look, in order: the environment's choice alone when it is set;
// else beside the executable (a build tree), then the installed layout.
std::vector<fs::path> candidates() {
  if (const char* env = std::getenv("STOREFUSE_TORCH_MODULE"); env != nullptr && *env != '\0') return {env};
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {kModuleName};  // the loader's own search path
  const fs::path dir = exe.parent_path();
  return {dir / kModuleName, (dir / STOREFUSE_TORCH_MODULE_DIR / kModuleName).lexically_normal()};
}

const TorchModule* load() {
  std::string tried;
  for (const auto& path : candidates()) {
    std::error_code ec;
    if (path.has_parent_path() && !fs::exists(path, ec)) {
      tried += "\n  " + path.string() + ": not there";
      continue;
    }
    // Never closed: the runners it makes and the threads LibTorch starts
    // live until exit.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      tried += "\n  " + path.string() + ": " + dlerror();
      continue;
    }
    using Entry = const TorchModule* (*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "storefuse_torch_module"));
    if (entry == nullptr) {
      tried += "\n  " + path.string() + ": not a storefuse module (no storefuse_torch_module)";
      continue;
    }
    const TorchModule* module = entry();
    if (std::strcmp(module->version, STOREFUSE_VERSION) != 0) {
      throw Error(ErrorKind::Runtime,
                  "the LibTorch module is version " + std::string(module->version) + ", storefuse is " +
                      STOREFUSE_VERSION,
                  path.string(), "install storefuse and storefuse-torch.so from the same build");
    }
    return module;
  }
  throw Error(ErrorKind::Runtime, "cannot load the LibTorch module that train, runs, eval and export need:" + tried,
              kModuleName,
              "build it with the toolkit (cmake --build BUILD: cli/storefuse-torch.so), install it with "
              "storefuse, or point STOREFUSE_TORCH_MODULE at it");
}

}  // namespace

const TorchModule& torch_module() {
  static const TorchModule* module = nullptr;
  static std::once_flag once;
  std::call_once(once, [] { module = load(); });
  return *module;
}

void register_run_predictions() {
  abtest::register_model_backend(
      {"run",
       [](const fs::path& p) { return fs::is_directory(p) && fs::exists(p / "config.yaml"); },
       [](const fs::path& p, const abtest::RunOptions& o) { return torch_module().open_run(p, o); }});
}

}  // namespace storefuse::cli
