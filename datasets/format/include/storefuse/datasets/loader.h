// Loader: shuffled, batched, prefetched rows for training, in bounded memory.
//
//   auto train = DatasetReader::open("visits.h5");
//   LoaderOptions opt;
//   opt.batch_size = 256;
//   opt.seed = 7;
//   opt.filters = {IdFilter::except("store_id", {3, 9})};  // hold out two stores
//   Loader loader({train}, opt);
//   for (int64_t epoch = 0; epoch < 10; ++epoch) {
//     loader.start_epoch(epoch);
//     while (auto batch = loader.next()) step(*batch);
//   }
//
// Order. Files are cut into blocks of block_rows() rows (one HDF5 chunk, so
// each block is one sequential read). Each epoch shuffles the order of the
// blocks, groups consecutive blocks into windows of `shuffle_window_blocks`,
// and shuffles the rows within each window. Only the window being batched and
// the `read_threads` windows read ahead are in memory, so a file far larger
// than memory streams through. The price is shuffle quality: a batch draws
// from K blocks, not from the whole file, so rows stored next to each other
// (same store, same hour) meet more often than under a full shuffle. Raise K
// when files are sorted by a field that correlates with the labels.
//
// Determinism. The order depends only on (seed, epoch) and the options that
// shape it (batch_size, drop_last, shuffle, shuffle_window_blocks, filters,
// the files and their chunking), never on read_threads or timing: same seed
// and epoch, same batches. The state to resume from is (seed, epoch, batch):
// start_epoch(epoch, k) yields exactly the batches k, k+1, ... of that epoch.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "storefuse/datasets/dataset_reader.h"

namespace storefuse::datasets {

// Keeps rows whose id is in (or, with exclude, not in) a set of values.
struct IdFilter {
  std::string column = "store_id";  // sample_id, customer_id, store_id, camera_id
  std::set<int64_t> values;
  bool exclude = false;

  static IdFilter only(std::string column, std::set<int64_t> values) {
    return {std::move(column), std::move(values), false};
  }
  static IdFilter except(std::string column, std::set<int64_t> values) {
    return {std::move(column), std::move(values), true};
  }
};

// One flag per modality, in Modality order: true = kept.
using ModalitySet = std::array<bool, kNumModalities>;
inline ModalitySet all_modalities() { return {true, true, true, true}; }
// Names ("visual", "audio", "text", "sensor") to a set. An unknown or
// repeated name, or an empty list, is Error(Config) at `where`.
ModalitySet modality_set(const std::vector<std::string>& names, const std::string& where);
// The names of the kept modalities, in Modality order.
std::vector<std::string> modality_names(const ModalitySet& set);
// Zeroes the inputs and the mask of every modality not in `keep`, all rows.
void hide_modalities(Batch& batch, const ModalitySet& keep);

struct LoaderOptions {
  int64_t batch_size = 256;
  bool drop_last = false;  // drop a final batch smaller than batch_size
  bool shuffle = true;     // false: file order (evaluation)
  uint64_t seed = 0;
  int64_t shuffle_window_blocks = 16;  // K, blocks whose rows are mixed together
  int64_t prefetch_batches = 4;        // bounded queue between producer and consumer
  int read_threads = 1;                // threads reading windows ahead
  std::vector<IdFilter> filters;       // all must hold
  // Modalities the batches carry. The others come out as if missing from
  // every row: input zeroed, mask 0 (ablations: data.modalities in a config,
  // `storefuse eval --drop-modality`). Does not change the order.
  ModalitySet modalities = all_modalities();
};

struct LoaderState {
  uint64_t seed = 0;
  int64_t epoch = 0;
  int64_t batch = 0;  // index of the next batch next() returns
};

class Loader {
 public:
  // All readers must share one feature spec and has_targets. Rows skipped by
  // a reader's NanPolicy and rows failing `filters` are left out.
  Loader(std::vector<std::shared_ptr<const DatasetReader>> readers, LoaderOptions options);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // Starts (or restarts) an epoch at batch `first_batch`; stops any epoch in
  // flight. Background reading begins here.
  void start_epoch(int64_t epoch, int64_t first_batch = 0);
  // The next batch of the epoch, nullopt after the last one. Rethrows an error
  // raised while reading.
  std::optional<Batch> next();

  LoaderState state() const;
  int64_t num_samples() const;        // selected rows per epoch
  int64_t batches_per_epoch() const;
  const FeatureSpec& spec() const;

  // Memory held by the loader (window blocks, queued batches, the batch being
  // filled), not counting batches already returned by next().
  int64_t buffer_bytes() const;
  int64_t peak_buffer_bytes() const;  // since construction
  // The most it can hold with these options: (read_threads + 1) windows plus
  // (prefetch_batches + 1) batches.
  int64_t buffer_limit_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace storefuse::datasets
