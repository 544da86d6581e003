#include "storefuse/datasets/loader.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "epoch_plan.h"
#include "storefuse/core/error.h"

namespace storefuse::datasets {
namespace {

[[noreturn]] void bad_option(const std::string& what, const std::string& fix) {
  throw Error(ErrorKind::Config, what, "loader options", fix);
}

void check_options(const LoaderOptions& o) {
  if (o.batch_size < 1) bad_option("batch_size must be at least 1", "set e.g. batch_size: 256");
  if (o.shuffle_window_blocks < 1) {
    bad_option("shuffle_window_blocks must be at least 1", "set e.g. shuffle_window_blocks: 16");
  }
  if (o.prefetch_batches < 1) bad_option("prefetch_batches must be at least 1", "set e.g. 4");
  if (o.read_threads < 1) bad_option("read_threads must be at least 1", "set e.g. 1 or 2");
}

// Rows of one window, read block by block.
struct Window {
  std::vector<Batch> blocks;
  std::vector<EpochPlan::Slot> rows;
  int64_t bytes = 0;
};

}  // namespace

struct Loader::Impl {
  std::vector<std::shared_ptr<const DatasetReader>> readers;
  LoaderOptions opt;
  std::vector<Block> blocks;
  int64_t num_samples = 0;
  int64_t row_bytes = 0;      // all columns of one row
  int64_t max_block_rows = 0;

  // The current epoch.
  std::unique_ptr<EpochPlan> plan;
  int64_t epoch = 0;
  int64_t next_batch = 0;  // the consumer's position
  int64_t end_pos = 0;     // epoch positions [0, end_pos) are batched

  // Shared between the reading threads, the assembling thread and next().
  std::mutex mu;
  std::condition_variable cv;
  std::map<int64_t, Window> ready;  // windows read, waiting for the assembler
  int64_t next_claim = 0;           // next window a reading thread takes
  int64_t last_window = -1;
  int64_t assembling = 0;           // window the assembler works on
  std::deque<Batch> queue;
  bool producer_done = false;
  bool cancel = false;
  std::exception_ptr error;
  std::vector<std::thread> threads;

  std::atomic<int64_t> buffer{0}, peak{0};

  void account(int64_t delta) {
    int64_t now = buffer.fetch_add(delta) + delta;
    int64_t p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
  }
  void fail(std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mu);
    if (!error) error = e;
    cancel = true;
    cv.notify_all();
  }

  void select_rows();
  Window read_window(int64_t w);
  void read_loop();
  void assemble_loop(int64_t first_pos);
  bool push(Batch&& b);
  void stop();
};

void Loader::Impl::select_rows() {
  const auto& first = *readers.front();
  for (size_t r = 0; r < readers.size(); ++r) {
    const DatasetReader& reader = *readers[r];
    if (reader.spec() != first.spec() || reader.has_targets() != first.has_targets()) {
      throw Error(ErrorKind::Data,
                  "dataset files differ in feature spec or labels and cannot be loaded together",
                  reader.path().string() + " vs " + first.path().string(),
                  "build all files of a run with the same feature spec; check with "
                  "'storefuse dataset info'");
    }
    std::vector<uint8_t> keep(static_cast<size_t>(reader.num_rows()), 1);
    for (int64_t row : reader.skipped_rows()) keep[row] = 0;
    for (const IdFilter& f : opt.filters) {
      std::vector<int64_t> ids = reader.read_ids(f.column);
      for (size_t i = 0; i < ids.size(); ++i) {
        if ((f.values.count(ids[i]) > 0) == f.exclude) keep[i] = 0;
      }
    }
    const int64_t step = reader.block_rows();
    for (int64_t begin = 0; begin < reader.num_rows(); begin += step) {
      Block b;
      b.reader = static_cast<int>(r);
      b.begin = begin;
      b.end = std::min(begin + step, reader.num_rows());
      for (int64_t row = b.begin; row < b.end; ++row) {
        if (keep[row]) b.selected.push_back(row);
      }
      if (b.selected.empty()) continue;
      num_samples += static_cast<int64_t>(b.selected.size());
      max_block_rows = std::max(max_block_rows, b.end - b.begin);
      blocks.push_back(std::move(b));
    }
  }
  row_bytes = Batch::allocate(first.spec(), 1, first.has_targets()).byte_size();
}

Window Loader::Impl::read_window(int64_t w) {
  Window win;
  for (int b : plan->window_blocks(w)) {
    const Block& block = blocks[b];
    win.blocks.push_back(readers[block.reader]->read(block.begin, block.end));
    int64_t bytes = win.blocks.back().byte_size();
    win.bytes += bytes;
    account(bytes);
  }
  win.rows = plan->window_rows(blocks, w);
  return win;
}

void Loader::Impl::read_loop() {
  try {
    for (;;) {
      int64_t w;
      {
        std::unique_lock<std::mutex> lock(mu);
        // Read at most read_threads windows ahead of the one being batched:
        // that is what bounds memory.
        cv.wait(lock, [&] {
          return cancel || next_claim > last_window || next_claim <= assembling + opt.read_threads;
        });
        if (cancel || next_claim > last_window) return;
        w = next_claim++;
      }
      Window win = read_window(w);
      std::lock_guard<std::mutex> lock(mu);
      if (cancel) {
        account(-win.bytes);
        return;
      }
      ready.emplace(w, std::move(win));
      cv.notify_all();
    }
  } catch (...) {
    fail(std::current_exception());
  }
}

bool Loader::Impl::push(Batch&& b) {
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return cancel || static_cast<int64_t>(queue.size()) < opt.prefetch_batches; });
  if (cancel) return false;
  queue.push_back(std::move(b));
  cv.notify_all();
  return true;
}

void Loader::Impl::assemble_loop(int64_t pos) {
  try {
    const FeatureSpec& spec = readers.front()->spec();
    const bool has_targets = readers.front()->has_targets();
    Batch batch;
    int64_t filled = 0;
    for (int64_t w = plan->window_of(pos); pos < end_pos; ++w) {
      Window win;
      {
        std::unique_lock<std::mutex> lock(mu);
        assembling = w;
        cv.notify_all();
        cv.wait(lock, [&] { return cancel || ready.count(w) > 0; });
        if (cancel) return;
        win = std::move(ready.at(w));
        ready.erase(w);
      }
      const int64_t count = static_cast<int64_t>(win.rows.size());
      for (int64_t i = pos - plan->window_start(w); i < count && pos < end_pos; ++i, ++pos) {
        if (filled == 0) {
          batch = Batch::allocate(spec, std::min(opt.batch_size, end_pos - pos), has_targets);
          account(batch.byte_size());
        }
        const EpochPlan::Slot& s = win.rows[i];
        copy_rows(win.blocks[s.block], s.offset, batch, filled++, 1);
        if (filled == batch.rows) {
          filled = 0;
          hide_modalities(batch, opt.modalities);
          if (!push(std::move(batch))) return;
        }
      }
      account(-win.bytes);
    }
    std::lock_guard<std::mutex> lock(mu);
    producer_done = true;
    cv.notify_all();
  } catch (...) {
    fail(std::current_exception());
  }
}

ModalitySet modality_set(const std::vector<std::string>& names, const std::string& where) {
  if (names.empty()) {
    throw Error(ErrorKind::Config, "the modality list is empty", where,
                "name at least one of visual, audio, text, sensor");
  }
  ModalitySet set{};
  for (const auto& name : names) {
    int found = -1;
    for (Modality m : kModalities) {
      if (name == to_string(m)) found = static_cast<int>(m);
    }
    if (found < 0) {
      throw Error(ErrorKind::Config, "unknown modality '" + name + "'", where,
                  "use visual, audio, text or sensor");
    }
    if (set[found]) throw Error(ErrorKind::Config, "modality '" + name + "' is named twice", where);
    set[found] = true;
  }
  return set;
}

std::vector<std::string> modality_names(const ModalitySet& set) {
  std::vector<std::string> names;
  for (Modality m : kModalities) {
    if (set[static_cast<int>(m)]) names.push_back(to_string(m));
  }
  return names;
}

void hide_modalities(Batch& batch, const ModalitySet& keep) {
  for (Modality m : kModalities) {
    const int k = static_cast<int>(m);
    if (keep[k]) continue;
    auto& bytes = batch.inputs[k].bytes;
    std::fill(bytes.begin(), bytes.end(), std::byte{0});
    for (int64_t r = 0; r < batch.rows; ++r) batch.mask[r * kNumModalities + k] = 0;
  }
}

void Loader::Impl::stop() {
  {
    std::lock_guard<std::mutex> lock(mu);
    cancel = true;
    cv.notify_all();
  }
  for (auto& t : threads) t.join();
  threads.clear();
  ready.clear();
  queue.clear();
  // Everything the loader held is gone; returned batches never counted.
  buffer = 0;
}

Loader::Loader(std::vector<std::shared_ptr<const DatasetReader>> readers, LoaderOptions options)
    : impl_(std::make_unique<Impl>()) {
  check_options(options);
  if (readers.empty()) {
    throw Error(ErrorKind::Usage, "a loader needs at least one dataset file", "Loader");
  }
  impl_->readers = std::move(readers);
  impl_->opt = std::move(options);
  impl_->select_rows();
}

Loader::~Loader() { impl_->stop(); }

void Loader::start_epoch(int64_t epoch, int64_t first_batch) {
  Impl& d = *impl_;
  d.stop();
  if (first_batch < 0 || first_batch > batches_per_epoch()) {
    throw Error(ErrorKind::Usage,
                "cannot start at batch " + std::to_string(first_batch) + "; an epoch has " +
                    std::to_string(batches_per_epoch()) + " batches",
                "Loader::start_epoch", "resume from the state the loader reported");
  }
  d.plan = std::make_unique<EpochPlan>(d.blocks, d.opt.seed, epoch, d.opt.shuffle_window_blocks,
                                       d.opt.shuffle);
  d.epoch = epoch;
  d.next_batch = first_batch;
  d.end_pos = std::min(d.num_samples, batches_per_epoch() * d.opt.batch_size);
  const int64_t first_pos = first_batch * d.opt.batch_size;
  d.cancel = false;
  d.error = nullptr;
  d.producer_done = first_pos >= d.end_pos;
  if (d.producer_done) return;
  d.assembling = d.plan->window_of(first_pos);
  d.next_claim = d.assembling;
  d.last_window = d.plan->window_of(d.end_pos - 1);
  for (int i = 0; i < d.opt.read_threads; ++i) d.threads.emplace_back([&d] { d.read_loop(); });
  d.threads.emplace_back([&d, first_pos] { d.assemble_loop(first_pos); });
}

std::optional<Batch> Loader::next() {
  Impl& d = *impl_;
  if (!d.plan) {
    throw Error(ErrorKind::Usage, "next() called before start_epoch()", "Loader",
                "call start_epoch(epoch) first");
  }
  std::unique_lock<std::mutex> lock(d.mu);
  d.cv.wait(lock, [&] { return !d.queue.empty() || d.producer_done || d.error; });
  if (d.error) {
    std::exception_ptr e = d.error;
    lock.unlock();
    d.stop();
    std::rethrow_exception(e);
  }
  if (d.queue.empty()) return std::nullopt;
  Batch b = std::move(d.queue.front());
  d.queue.pop_front();
  d.account(-b.byte_size());
  ++d.next_batch;
  d.cv.notify_all();
  return b;
}

LoaderState Loader::state() const {
  return {impl_->opt.seed, impl_->epoch, impl_->next_batch};
}

int64_t Loader::num_samples() const { return impl_->num_samples; }

int64_t Loader::batches_per_epoch() const {
  const int64_t n = impl_->num_samples, b = impl_->opt.batch_size;
  return impl_->opt.drop_last ? n / b : (n + b - 1) / b;
}

const FeatureSpec& Loader::spec() const { return impl_->readers.front()->spec(); }
int64_t Loader::buffer_bytes() const { return impl_->buffer.load(); }
int64_t Loader::peak_buffer_bytes() const { return impl_->peak.load(); }

int64_t Loader::buffer_limit_bytes() const {
  const Impl& d = *impl_;
  const int64_t window = d.opt.shuffle_window_blocks * d.max_block_rows * d.row_bytes;
  const int64_t batch = d.opt.batch_size * d.row_bytes;
  return (d.opt.read_threads + 1) * window + (d.opt.prefetch_batches + 1) * batch;
}

}  // namespace storefuse::datasets
