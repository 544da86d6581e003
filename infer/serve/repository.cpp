#include "repository.h"

#include <charconv>
#include <filesystem>

#include "storefuse/core/error.h"

namespace storefuse::infer::serve {

namespace fs = std::filesystem;

Repository::Repository(Metrics& metrics, BatchOptions batch, LoadOptions load)
    : metrics_(metrics), batch_(batch), load_(load) {}

Repository::~Repository() { clear(); }

void Repository::add_file(const std::string& name, const std::string& path) { single_files_[name] = path; }

void Repository::set_directory(const std::string& dir) {
  if (!fs::is_directory(dir))
    throw Error(ErrorKind::Io, "the model repository '" + dir + "' is not a directory", "--repository",
                "give a directory laid out as DIR/{name}/{version}/model.onnx");
  dir_ = dir;
}

std::map<int64_t, std::string> Repository::files_on_disk(const std::string& name) const {
  std::map<int64_t, std::string> files;
  auto single = single_files_.find(name);
  if (single != single_files_.end()) {
    files[1] = single->second;
    return files;
  }
  const fs::path root = fs::path(dir_) / name;
  if (dir_.empty() || !fs::is_directory(root))
    throw Error(ErrorKind::Io, "no model '" + name + "' in the repository", dir_.empty() ? "--model" : dir_,
                "add " + (fs::path(dir_.empty() ? "DIR" : dir_) / name / "1" / "model.onnx").string());
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    const std::string v = entry.path().filename().string();
    int64_t version = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
    if (ec != std::errc() || p != v.data() + v.size() || version <= 0) continue;  // not a version directory
    const fs::path file = entry.path() / "model.onnx";
    if (fs::is_regular_file(file)) files[version] = file.string();
  }
  if (files.empty())
    throw Error(ErrorKind::Io, "model '" + name + "' has no version directory with a model.onnx", root.string(),
                "add " + (root / "1" / "model.onnx").string());
  return files;
}

void Repository::load(const std::string& name) {
  std::lock_guard<std::mutex> serial(load_mutex_);
  try {
    std::map<int64_t, std::shared_ptr<ModelInstance>> fresh;
    for (const auto& [version, path] : files_on_disk(name)) {
      auto model = Model::load(path, load_);  // checked: ops, shapes, weights digest
      const std::string v = std::to_string(version);
      fresh[version] = std::make_shared<ModelInstance>(name, v, std::move(model), batch_, metrics_.series(name, v));
    }
    std::map<int64_t, std::shared_ptr<ModelInstance>> old;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      old.swap(models_[name]);
      models_[name] = std::move(fresh);
      failures_.erase(name);
    }
    // `old` drops here: versions no request holds are freed now, the others
    // when their last request answers.
  } catch (const Error& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    failures_[name] = e.what();
    throw;
  }
}

bool Repository::unload(const std::string& name) {
  std::lock_guard<std::mutex> serial(load_mutex_);
  std::map<int64_t, std::shared_ptr<ModelInstance>> old;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = models_.find(name);
    if (it == models_.end()) return false;
    old.swap(it->second);
    models_.erase(it);
    failures_.erase(name);
  }
  return true;
}

std::vector<std::string> Repository::load_all() {
  std::vector<std::string> names;
  for (const auto& [name, path] : single_files_) names.push_back(name);
  if (!dir_.empty()) {
    for (const auto& entry : fs::directory_iterator(dir_))
      if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::vector<std::string> errors;
  for (const std::string& name : names) {
    try {
      load(name);
    } catch (const Error& e) {
      errors.push_back(name + ": " + e.what() + (e.where().empty() ? "" : " (" + e.where() + ")"));
    }
  }
  return errors;
}

std::shared_ptr<ModelInstance> Repository::find(const std::string& name, const std::string& version) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = models_.find(name);
  if (it == models_.end() || it->second.empty()) return nullptr;
  if (version.empty()) return it->second.rbegin()->second;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(version.data(), version.data() + version.size(), v);
  if (ec != std::errc() || p != version.data() + version.size()) return nullptr;
  auto found = it->second.find(v);
  return found == it->second.end() ? nullptr : found->second;
}

std::vector<std::shared_ptr<ModelInstance>> Repository::versions(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<ModelInstance>> out;
  auto it = models_.find(name);
  if (it != models_.end())
    for (const auto& [v, inst] : it->second) out.push_back(inst);
  return out;
}

std::vector<RepositoryEntry> Repository::index() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<RepositoryEntry> out;
  for (const auto& [name, versions] : models_)
    for (const auto& [v, inst] : versions) out.push_back({name, std::to_string(v), "READY", ""});
  for (const auto& [name, why] : failures_)
    if (!models_.count(name)) out.push_back({name, "", "UNAVAILABLE", why});
  return out;
}

bool Repository::any_ready() const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [name, versions] : models_)
    if (!versions.empty()) return true;
  return false;
}

void Repository::clear() {
  std::map<std::string, std::map<int64_t, std::shared_ptr<ModelInstance>>> old;
  std::lock_guard<std::mutex> lock(mutex_);
  old.swap(models_);
}

}  // namespace storefuse::infer::serve
