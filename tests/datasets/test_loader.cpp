// The training loader: deterministic shuffled epochs, exact resume, subsets by
// id and by file, and bounded memory on files larger than its buffers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "dataset_fixture.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/loader.h"

namespace storefuse::datasets {
namespace {

using testing::make_rows;
using testing::same_bits;
using testing::tiny_vector_spec;
using testing::write_rows;

using Order = std::vector<std::vector<int64_t>>;  // sample ids, batch by batch

// Drains the epoch started by the caller.
Order drain(Loader& loader) {
  Order order;
  while (auto b = loader.next()) order.push_back(b->sample_id);
  return order;
}

Order epoch_order(Loader& loader, int64_t epoch, int64_t first_batch = 0) {
  loader.start_epoch(epoch, first_batch);
  return drain(loader);
}

std::vector<int64_t> flatten(const Order& order) {
  std::vector<int64_t> ids;
  for (const auto& b : order) ids.insert(ids.end(), b.begin(), b.end());
  return ids;
}

class LoaderTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    // 1000 rows in 32-row chunks: 32 blocks, the last one short.
    write_rows(file("a.h5"), tiny_vector_spec(), kRows, {0, 32, true});
    reader_ = DatasetReader::open(file("a.h5"));
  }

  LoaderOptions options(uint64_t seed = 7) const {
    LoaderOptions o;
    o.batch_size = 64;
    o.seed = seed;
    o.shuffle_window_blocks = 4;
    o.prefetch_batches = 2;
    return o;
  }

  static constexpr int64_t kRows = 1000;
  std::shared_ptr<DatasetReader> reader_;
};

TEST_F(LoaderTest, EveryRowExactlyOncePerEpochAndRowsStayWhole) {
  Loader loader({reader_}, options());
  EXPECT_EQ(loader.num_samples(), kRows);
  EXPECT_EQ(loader.batches_per_epoch(), 16);  // 15 full batches and one of 40
  loader.start_epoch(0);
  std::vector<int64_t> ids;
  int64_t batches = 0;
  while (auto b = loader.next()) {
    ++batches;
    EXPECT_EQ(b->rows, batches < 16 ? 64 : 40);
    // Each row must carry its own values in every column.
    for (int64_t r = 0; r < b->rows; ++r) {
      const int64_t id = b->sample_id[r];
      Batch expected = make_rows(tiny_vector_spec(), id, 1);
      Batch got = Batch::allocate(tiny_vector_spec(), 1, true);
      copy_rows(*b, r, got, 0, 1);
      ASSERT_TRUE(same_bits(got, expected)) << "row " << id << " was mixed up";
      ids.push_back(id);
    }
  }
  EXPECT_EQ(batches, 16);
  std::vector<int64_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < kRows; ++i) ASSERT_EQ(sorted[i], i);
  EXPECT_NE(ids, sorted) << "not shuffled";
}

TEST_F(LoaderTest, SameSeedAndEpochGiveTheSameOrderWhateverTheThreads) {
  Loader one({reader_}, options());
  LoaderOptions many_opts = options();
  many_opts.read_threads = 3;
  many_opts.prefetch_batches = 1;
  Loader many({reader_}, many_opts);
  const Order a = epoch_order(one, 3);
  EXPECT_EQ(a, epoch_order(many, 3));
  EXPECT_EQ(a, epoch_order(one, 3)) << "a rerun differs";
  EXPECT_NE(a, epoch_order(one, 4)) << "another epoch gives the same order";
}

TEST_F(LoaderTest, AnotherSeedGivesAnotherOrder) {
  Loader a({reader_}, options(7)), b({reader_}, options(8));
  EXPECT_NE(epoch_order(a, 0), epoch_order(b, 0));
}

TEST_F(LoaderTest, ResumingAtBatchKGivesTheRemainingBatches) {
  Loader loader({reader_}, options());
  const Order full = epoch_order(loader, 2);
  for (int64_t k : {0, 1, 5, 15, 16}) {
    SCOPED_TRACE("k = " + std::to_string(k));
    Loader fresh({reader_}, options());
    EXPECT_EQ(epoch_order(fresh, 2, k), Order(full.begin() + k, full.end()));
  }
  // The state after k batches is what resumes.
  loader.start_epoch(2);
  for (int i = 0; i < 6; ++i) loader.next();
  LoaderState s = loader.state();
  EXPECT_EQ(s.epoch, 2);
  EXPECT_EQ(s.batch, 6);
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(epoch_order(loader, s.epoch, s.batch), Order(full.begin() + 6, full.end()));
  EXPECT_THROW(loader.start_epoch(2, 17), Error);
}

TEST_F(LoaderTest, DropLastDropsTheShortBatch) {
  LoaderOptions o = options();
  o.drop_last = true;
  Loader loader({reader_}, o);
  EXPECT_EQ(loader.batches_per_epoch(), 15);
  const Order order = epoch_order(loader, 0);
  ASSERT_EQ(order.size(), 15u);
  for (const auto& b : order) EXPECT_EQ(b.size(), 64u);
}

TEST_F(LoaderTest, WithoutShuffleRowsComeInFileOrder) {
  LoaderOptions o = options();
  o.shuffle = false;
  Loader loader({reader_}, o);
  std::vector<int64_t> ids = flatten(epoch_order(loader, 0));
  for (int64_t i = 0; i < kRows; ++i) ASSERT_EQ(ids[i], i);
}

TEST_F(LoaderTest, HeldOutStoresAreSplitByStoreId) {
  LoaderOptions train_opts = options(), test_opts = options();
  train_opts.filters = {IdFilter::except("store_id", {1, 3})};
  test_opts.filters = {IdFilter::only("store_id", {1, 3})};
  Loader train({reader_}, train_opts), test({reader_}, test_opts);
  EXPECT_EQ(train.num_samples(), 600);
  EXPECT_EQ(test.num_samples(), 400);
  train.start_epoch(0);
  std::vector<int64_t> all = flatten(epoch_order(train, 0));
  for (int64_t id : all) ASSERT_TRUE(id % 5 != 1 && id % 5 != 3) << id;
  for (int64_t id : flatten(epoch_order(test, 0))) {
    ASSERT_TRUE(id % 5 == 1 || id % 5 == 3) << id;
    all.push_back(id);
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kRows));
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());
}

TEST_F(LoaderTest, SeveralFilesMakeOneEpoch) {
  write_rows(file("b.h5"), tiny_vector_spec(), 300, {0, 32, true});
  Loader loader({reader_, DatasetReader::open(file("b.h5"))}, options());
  EXPECT_EQ(loader.num_samples(), kRows + 300);
  EXPECT_EQ(flatten(epoch_order(loader, 0)).size(), static_cast<size_t>(kRows + 300));

  FeatureSpec other = tiny_vector_spec();
  other.class_names.pop_back();
  write_rows(file("c.h5"), other, 10);
  EXPECT_THROW(Loader({reader_, DatasetReader::open(file("c.h5"))}, options()), Error);
}

TEST_F(LoaderTest, RowsSkippedForNanAreLeftOut) {
  FeatureSpec spec = tiny_vector_spec();
  Batch rows = make_rows(spec, 0, 100);
  rows.input(Modality::Sensor).as<float>()[42 * 2] = std::nanf("");
  DatasetWriter w(file("nan.h5"), spec, json::object());
  w.append(rows);
  w.close();
  Loader loader({DatasetReader::open(file("nan.h5"), {NanPolicy::Skip})}, options());
  std::vector<int64_t> ids = flatten(epoch_order(loader, 0));
  EXPECT_EQ(ids.size(), 99u);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 42), 0);
}

TEST_F(LoaderTest, StreamsAFileManyTimesLargerThanItsBuffers) {
  // 20,000 rows of 164 bytes = 3.3 MB through buffers limited to ~80 kB.
  write_rows(file("big.h5"), tiny_vector_spec(), 20000, {0, 16, true});
  LoaderOptions o = options();
  o.batch_size = 32;
  o.shuffle_window_blocks = 2;
  o.read_threads = 2;
  Loader loader({DatasetReader::open(file("big.h5"))}, o);
  const int64_t row_bytes = Batch::allocate(tiny_vector_spec(), 1, true).byte_size();
  const int64_t file_rows_bytes = 20000 * row_bytes;
  ASSERT_LT(loader.buffer_limit_bytes() * 20, file_rows_bytes);

  loader.start_epoch(0);
  int64_t rows = 0;
  while (auto b = loader.next()) rows += b->rows;
  EXPECT_EQ(rows, 20000);
  EXPECT_GT(loader.peak_buffer_bytes(), 0);
  EXPECT_LE(loader.peak_buffer_bytes(), loader.buffer_limit_bytes());
  EXPECT_EQ(loader.buffer_bytes(), 0);
}

// Abandoning an epoch with reads in flight leaves nothing of it behind: the
// next epoch is batch for batch what a fresh loader gives, and a loader
// destroyed mid-epoch (reads still in flight) joins its threads cleanly
// (the sanitizer build checks the memory side).
TEST_F(LoaderTest, StoppingMidEpochAndDestroyingIsClean) {
  Loader fresh({reader_}, options());
  const Order want = epoch_order(fresh, 1);
  Loader loader({reader_}, options());
  loader.start_epoch(0);
  ASSERT_TRUE(loader.next().has_value());
  loader.start_epoch(1);  // abandons epoch 0 with batches in flight
  EXPECT_EQ(drain(loader), want);
  {
    Loader abandoned({reader_}, options());
    abandoned.start_epoch(2);
    ASSERT_TRUE(abandoned.next().has_value());
  }
  EXPECT_EQ(epoch_order(loader, 1), want) << "a loader destroyed beside it changed nothing";
}

TEST_F(LoaderTest, BadOptionsAreConfigErrors) {
  LoaderOptions o = options();
  o.batch_size = 0;
  try {
    Loader loader({reader_}, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Config);
  }
  Loader loader({reader_}, options());
  EXPECT_THROW(loader.next(), Error) << "next() before start_epoch()";
}

// data.modalities / eval --drop-modality: the hidden modalities come out
// zeroed with mask 0 in every row; everything else, order included, is what
// the full loader gives.
TEST_F(LoaderTest, AModalitySubsetHidesTheOthersAndKeepsTheRest) {
  LoaderOptions sub = options();
  sub.modalities = modality_set({"sensor", "visual"}, "test");
  Loader full({reader_}, options()), part({reader_}, sub);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    full.start_epoch(epoch);
    part.start_epoch(epoch);
    int64_t hidden_present = 0;
    while (auto a = full.next()) {
      auto b = part.next();
      ASSERT_TRUE(b.has_value());
      ASSERT_EQ(a->sample_id, b->sample_id);
      EXPECT_EQ(a->behavior, b->behavior);
      for (Modality m : kModalities) {
        const int k = static_cast<int>(m);
        const bool kept = m == Modality::Visual || m == Modality::Sensor;
        if (kept) {
          EXPECT_EQ(a->inputs[k].bytes, b->inputs[k].bytes) << to_string(m);
        } else {
          EXPECT_TRUE(std::all_of(b->inputs[k].bytes.begin(), b->inputs[k].bytes.end(),
                                  [](std::byte x) { return x == std::byte{0}; })) << to_string(m);
        }
        for (int64_t r = 0; r < a->rows; ++r) {
          EXPECT_EQ(b->present(r, m), kept && a->present(r, m));
          hidden_present += !kept && a->present(r, m);
        }
      }
    }
    EXPECT_FALSE(part.next().has_value());
    EXPECT_GT(hidden_present, 0) << "the fixture must have rows where a hidden modality was present";
  }
}

TEST(ModalitySet, NamesRoundTripAndBadListsAreConfigErrors) {
  EXPECT_EQ(modality_names(modality_set({"text", "audio"}, "x")), (std::vector<std::string>{"audio", "text"}));
  EXPECT_EQ(modality_set({"visual", "audio", "text", "sensor"}, "x"), all_modalities());
  for (const std::vector<std::string>& bad : {std::vector<std::string>{}, {"video"}, {"audio", "audio"}}) {
    try {
      modality_set(bad, "data.modalities");
      FAIL() << "accepted a bad list";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Config);
      EXPECT_EQ(e.where(), "data.modalities") << e.what();
    }
  }
}

}  // namespace
}  // namespace storefuse::datasets
