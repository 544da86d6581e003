#include "batcher.h"

#include <cstring>

#include "storefuse/core/error.h"
#include "storefuse/core/json.h"
#include "storefuse/infer/model_metadata.h"

namespace storefuse::infer::serve {

namespace {

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

bool first_dim_dynamic(const std::vector<ValueInfo>& values) {
  for (const ValueInfo& v : values)
    if (v.shape.empty() || v.shape[0] >= 0) return false;
  return true;
}

// Whether b's inputs can join a's in one run: the same shapes past the rows.
bool same_row_shapes(const Job& a, const Job& b) {
  for (const auto& [name, t] : a.inputs) {
    const Tensor& u = b.inputs.at(name);
    if (t.rank() != u.rank()) return false;
    for (int d = 1; d < t.rank(); ++d)
      if (t.dim(d) != u.dim(d)) return false;
  }
  return true;
}

// Rows [begin, begin + rows) of t, as a tensor of its own.
Tensor slice_rows(const Tensor& t, int64_t begin, int64_t rows) {
  Shape shape = t.shape();
  const int64_t total = shape[0];
  shape[0] = rows;
  Tensor out(t.dtype(), shape);
  const size_t row_bytes = total ? t.nbytes() / total : 0;
  std::memcpy(out.raw(), static_cast<const char*>(t.raw()) + begin * row_bytes, rows * row_bytes);
  return out;
}

// The model's class names (metadata storefuse.class_names); none when the
// metadata lacks them or is not a list of strings.
std::vector<std::string> class_names_of(const Model& model) {
  auto it = model.metadata().find(metadata::kClassNames);
  if (it == model.metadata().end()) return {};
  try {
    const json names = parse_json(it->second, "metadata", {1 << 20, 2});
    std::vector<std::string> out;
    if (!names.is_array()) return {};
    for (const json& n : names) {
      if (!n.is_string()) return {};
      out.push_back(n.get<std::string>());
    }
    return out;
  } catch (const Error&) {
    return {};
  }
}

}  // namespace

ModelInstance::ModelInstance(std::string name, std::string version, std::shared_ptr<const Model> model,
                             BatchOptions options, ModelSeries& series)
    : name_(std::move(name)), version_(std::move(version)), model_(std::move(model)), options_(options), series_(series),
      class_names_(std::make_shared<const std::vector<std::string>>(class_names_of(*model_))) {
  if (options_.max_batch > 1 && !(first_dim_dynamic(model_->inputs()) && first_dim_dynamic(model_->outputs())))
    options_.max_batch = 1;  // rows cannot be split back out: one request per run
  if (options_.workers < 1) options_.workers = 1;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this, i] { work(i); });
}

ModelInstance::~ModelInstance() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

int64_t ModelInstance::check_inputs(const std::map<std::string, Tensor>& inputs) const {
  const std::string where = "model '" + name_ + "' version " + version_;
  int64_t rows = -1;
  for (const ValueInfo& v : model_->inputs()) {
    auto it = inputs.find(v.name);
    if (it == inputs.end())
      throw Error(ErrorKind::Data, "input '" + v.name + "' is missing", where, "GET /v2/models/" + name_ + " lists the inputs");
    const Tensor& t = it->second;
    if (t.dtype() != v.dtype)
      throw Error(ErrorKind::Data, "input '" + v.name + "' is " + to_string(t.dtype()) + ", the model takes " + to_string(v.dtype), where);
    bool fits = t.rank() == static_cast<int>(v.shape.size());
    for (int d = 0; fits && d < t.rank(); ++d) fits = v.shape[d] < 0 || v.shape[d] == t.dim(d);
    if (!fits)
      throw Error(ErrorKind::Data, "input '" + v.name + "' has shape " + to_string(t.shape()) + ", the model takes " +
                                       to_string(v.shape) + " (-1: any)", where);
    if (t.rank() > 0) {
      if (rows >= 0 && t.dim(0) != rows)
        throw Error(ErrorKind::Data, "input '" + v.name + "' has " + std::to_string(t.dim(0)) + " rows, another input " +
                                         std::to_string(rows), where);
      rows = t.dim(0);
    }
  }
  for (const auto& [name, t] : inputs) {
    bool known = false;
    for (const ValueInfo& v : model_->inputs()) known = known || v.name == name;
    if (!known) throw Error(ErrorKind::Data, "the model has no input '" + name + "'", where);
  }
  if (rows == 0) throw Error(ErrorKind::Data, "the inputs have 0 rows", where);
  if (batches() && rows > options_.max_batch)
    throw Error(ErrorKind::Data, std::to_string(rows) + " rows in one request, more than the maximum batch of " +
                                     std::to_string(options_.max_batch), where, "send fewer rows per request");
  return rows < 0 ? 1 : rows;
}

bool ModelInstance::submit(Job job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || static_cast<int>(queue_.size()) >= options_.queue_capacity) return false;
    if (options_.max_queue_wait_us > 0) {
      const int64_t ahead = static_cast<int64_t>(queue_.size());  // requests queued before it
      const int64_t wait_ns = ahead * service_ns_.load(std::memory_order_relaxed) / options_.workers;
      if (wait_ns > options_.max_queue_wait_us * 1000) return false;
    }
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

size_t ModelInstance::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

void ModelInstance::work(int index) {
  (void)index;
  Session session(model_, options_.session);
  std::vector<Job> jobs;
  for (;;) {
    jobs.clear();
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      jobs.push_back(std::move(queue_.front()));
      queue_.pop_front();
      int64_t rows = jobs[0].rows;
      const auto fill_until = jobs[0].admitted + std::chrono::microseconds(options_.max_queue_delay_us);
      while (batches() && rows < options_.max_batch) {
        // Take what is queued and fits; then wait for more until the delay.
        bool took = false;
        for (auto it = queue_.begin(); it != queue_.end() && rows < options_.max_batch;) {
          if (rows + it->rows <= options_.max_batch && same_row_shapes(jobs[0], *it)) {
            rows += it->rows;
            jobs.push_back(std::move(*it));
            it = queue_.erase(it);
            took = true;
          } else {
            ++it;
          }
        }
        if (took || stopping_ || options_.max_queue_delay_us <= 0 || Clock::now() >= fill_until) {
          if (!took) break;
          continue;
        }
        wake_.wait_until(lock, fill_until);
      }
    }
    run_batch(session, jobs);
    jobs.clear();  // what the answers captured (the connection) goes now, not at the next request
  }
}

void ModelInstance::run_batch(Session& session, std::vector<Job>& jobs) {
  const auto start = Clock::now();
  // Requests whose deadline passed while queued are answered, not run.
  std::vector<Job*> live;
  for (Job& j : jobs) {
    if (j.deadline != Clock::time_point{} && start > j.deadline) {
      series_.request_timeout.fetch_add(1, std::memory_order_relaxed);
      JobResult r;
      r.status = 504;
      r.error = "the request's deadline passed after " + std::to_string(seconds(start - j.admitted) * 1e3) +
                " ms in the queue";
      r.queue_s = seconds(start - j.admitted);
      j.done(std::move(r));
    } else {
      live.push_back(&j);
    }
  }
  if (live.empty()) return;

  int64_t rows = 0;
  for (Job* j : live) rows += j->rows;
  std::map<std::string, Tensor> feeds;
  if (live.size() == 1) {
    feeds = live[0]->inputs;
  } else {
    for (const auto& [name, first] : live[0]->inputs) {
      Shape shape = first.shape();
      shape[0] = rows;
      Tensor t(first.dtype(), shape);
      char* out = static_cast<char*>(t.raw());
      for (Job* j : live) {
        const Tensor& part = j->inputs.at(name);
        std::memcpy(out, part.raw(), part.nbytes());
        out += part.nbytes();
      }
      feeds.emplace(name, std::move(t));
    }
  }

  std::map<std::string, Tensor> outputs;
  std::string error;
  int status = 200;
  try {
    outputs = session.run(feeds);
  } catch (const Error& e) {
    status = e.kind() == ErrorKind::Data ? 400 : 500;
    error = e.what();
  } catch (const std::exception& e) {
    status = 500;
    error = e.what();
  }
  const auto end = Clock::now();
  if (status != 200 && live.size() > 1) {
    // One request's bad input (a NaN, a value that breaks a node) must not
    // fail the others: run each alone to find whose it is.
    for (Job* j : live) {
      std::vector<Job> one;
      one.push_back(std::move(*j));
      run_batch(session, one);
    }
    return;
  }
  {
    const int64_t per = std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count() /
                        static_cast<int64_t>(live.size());
    const int64_t old = service_ns_.load(std::memory_order_relaxed);
    service_ns_.store(old == 0 ? per : (4 * old + per) / 5, std::memory_order_relaxed);
  }
  series_.exec_count.fetch_add(1, std::memory_order_relaxed);
  series_.compute_seconds.observe(seconds(end - start));
  series_.batch_size.observe(static_cast<double>(rows));
  int64_t begin = 0;
  for (Job* j : live) {
    JobResult r;
    r.status = status;
    r.error = error;
    r.queue_s = seconds(start - j->admitted);
    r.compute_s = seconds(end - start);
    r.batch_rows = rows;
    if (status == 200) {
      for (const auto& [name, t] : outputs)
        r.outputs.emplace(name, live.size() == 1 ? t : slice_rows(t, begin, j->rows));
    }
    begin += j->rows;
    j->done(std::move(r));
  }
}

}  // namespace storefuse::infer::serve
