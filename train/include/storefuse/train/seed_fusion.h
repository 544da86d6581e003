// seed_fusion: the seed's MultiModalFusionNetwork. Per-modality MLP encoders
// over feature vectors -> multi-head self-attention across the four modality
// tokens -> fusion MLP -> behaviour, dwell and engagement heads. With the
// default params and the seed's feature sizes it has 5,975,244 parameters
// (tests/fixtures/seed_model.py is the PyTorch original).
//
// Absent modalities: their token is zeroed and masked as a key. A sample with
// no modality present attends over its four zero tokens, so it gets a learned
// constant prediction rather than NaN.
#pragma once

#include <array>
#include <vector>

#include "storefuse/train/layers.h"
#include "storefuse/train/model.h"

namespace storefuse::train {

struct SeedFusionOptions {
  std::array<int64_t, kNumModalities> input_dims{2048, 130, 768, 10};
  std::array<int64_t, kNumModalities> encoder_hidden{512, 256, 512, 64};
  int64_t embed_dim = 512;
  int64_t heads = 8;
  double encoder_dropout = 0.2;
  double attention_dropout = 0.1;
  std::vector<int64_t> fusion_hidden{1024, 512, 256};
  double fusion_dropout = 0.3;
  int64_t classes = 10;

  // From a `params` map (keys checked) and the dataset's feature spec, which
  // must be of the `vectors` flavour.
  static SeedFusionOptions from_config(const config::Node& params,
                                       const datasets::FeatureSpec& spec);
};

class SeedFusionImpl : public FusionModelImpl {
 public:
  explicit SeedFusionImpl(const SeedFusionOptions& options = {});
  ModelOutput forward(const ModelInput& input) override;

 private:
  std::array<MlpEncoder, kNumModalities> encoders_{nullptr, nullptr, nullptr, nullptr};
  ModalityAttention attention{nullptr};
  FusionMlp fusion{nullptr};
  torch::nn::Linear behavior_head{nullptr}, dwell_head{nullptr}, engagement_head{nullptr};
};

}  // namespace storefuse::train
