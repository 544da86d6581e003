// The models a server holds: one model file (--model, version 1) or a
// model repository in Triton's layout, DIR/{name}/{version}/model.onnx with
// versions positive integers. Loading a model loads and checks every version
// on disk before any of them takes traffic, then swaps them in at once; the
// versions replaced or removed drain (requests holding them finish) and are
// freed when the last one does. A failed load leaves what was serving.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "batcher.h"
#include "metrics.h"

namespace storefuse::infer::serve {

struct RepositoryEntry {
  std::string name;
  std::string version;
  std::string state;   // READY, UNAVAILABLE
  std::string reason;  // why not ready
};

class Repository {
 public:
  Repository(Metrics& metrics, BatchOptions batch, LoadOptions load);
  ~Repository();

  // One model file served as `name`, version 1.
  void add_file(const std::string& name, const std::string& path);
  // A repository directory; load_all() loads what it holds.
  void set_directory(const std::string& dir);
  const std::string& directory() const { return dir_; }

  // Every model of the directory (and the files added), reloaded. Models
  // that fail stay as they were; their errors are returned, one per model.
  std::vector<std::string> load_all();
  // (Re)loads one model's versions. Throws Error naming what failed.
  void load(const std::string& name);
  // Takes a model out of service; false when it was not loaded.
  bool unload(const std::string& name);

  // The instance of `name` at `version` ("" or absent: the highest loaded
  // version), or null.
  std::shared_ptr<ModelInstance> find(const std::string& name, const std::string& version = "") const;
  // Every version of a model, highest last.
  std::vector<std::shared_ptr<ModelInstance>> versions(const std::string& name) const;
  std::vector<RepositoryEntry> index() const;
  bool any_ready() const;
  // Drops every model (at shutdown, after the last request).
  void clear();

 private:
  std::map<int64_t, std::string> files_on_disk(const std::string& name) const;

  Metrics& metrics_;
  BatchOptions batch_;
  LoadOptions load_;
  std::string dir_;
  std::map<std::string, std::string> single_files_;  // --model: name -> path
  mutable std::mutex mutex_;
  std::mutex load_mutex_;  // one load at a time
  std::map<std::string, std::map<int64_t, std::shared_ptr<ModelInstance>>> models_;
  std::map<std::string, std::string> failures_;  // name -> last load error
};

}  // namespace storefuse::infer::serve
