// Modality dropout: per-modality rates from the config, and the mask they draw.
#include <gtest/gtest.h>

#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/train/batch_tensors.h"
#include "storefuse/train/train_options.h"

namespace storefuse::train {
namespace {

std::array<double, 4> rates(const std::vector<std::string>& sets) {
  return TrainOptions::from_config(config::load("", sets)).modality_dropout;
}

TEST(ModalityDropout, OneRateForEveryModalityOrOnePerModality) {
  EXPECT_EQ(rates({}), (std::array<double, 4>{0, 0, 0, 0}));
  EXPECT_EQ(rates({"train.modality_dropout=0.2"}), (std::array<double, 4>{0.2, 0.2, 0.2, 0.2}));
  EXPECT_EQ(rates({"train.modality_dropout=0.1", "train.modality_dropout_by.audio=0.6"}),
            (std::array<double, 4>{0.1, 0.6, 0.1, 0.1}));
  EXPECT_EQ(rates({"train.modality_dropout_by={sensor: 0.3, visual: 0}"}),
            (std::array<double, 4>{0, 0, 0, 0.3}));
}

TEST(ModalityDropout, UnknownModalityOrRateOutOfRangeIsAConfigError) {
  for (const auto& bad : {"train.modality_dropout_by.smell=0.2", "train.modality_dropout_by.audio=1.5",
                          "train.modality_dropout_by.audio=-0.1"}) {
    try {
      rates({bad});
      ADD_FAILURE() << bad << ": expected a Config error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Config) << bad;
      EXPECT_NE(std::string(e.what()).find("modality_dropout_by"), std::string::npos) << e.what();
    }
  }
}

TEST(ModalityDropout, HidesEachModalityAtItsOwnRateAndNeverRestoresOne) {
  torch::manual_seed(3);
  auto mask = torch::ones({40000, 4});
  mask.index_put_({torch::indexing::Slice(0, 10000), 2}, 0);  // a quarter already lacks text
  auto out = drop_modalities(mask, {0.0, 0.5, 0.1, 0.9});
  auto kept = out.mean(0);
  EXPECT_EQ(kept[0].item<float>(), 1.0f) << "rate 0 hides nothing";
  EXPECT_NEAR(kept[1].item<float>(), 0.5, 0.01);
  EXPECT_NEAR(kept[2].item<float>(), 0.75 * 0.9, 0.01);
  EXPECT_NEAR(kept[3].item<float>(), 0.1, 0.01);
  EXPECT_TRUE((out <= mask).all().item<bool>()) << "a missing modality stays missing";
  EXPECT_TRUE(drop_modalities(mask, {0, 0, 0, 0}).equal(mask));
}

TEST(ModalityDropout, OneRateDrawsWhatTheScalarRateDrew) {
  // The per-modality form draws the same numbers as the former scalar one, so
  // runs with train.modality_dropout alone keep their masks.
  auto mask = torch::ones({257, 4});
  torch::manual_seed(11);
  auto expected = mask * (torch::rand(mask.sizes()) >= 0.3).to(torch::kFloat32);
  torch::manual_seed(11);
  EXPECT_TRUE(drop_modalities(mask, {0.3, 0.3, 0.3, 0.3}).equal(expected));
}

}  // namespace
}  // namespace storefuse::train
