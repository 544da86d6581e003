#include "storefuse/train/fusion_net.h"

#include "storefuse/train/component_params.h"
#include "storefuse/train/encoders.h"

namespace storefuse::train {

FusionNetImpl::FusionNetImpl(const config::Node& params, const datasets::FeatureSpec& spec) {
  params.check_keys({"embed_dim", "encoders", "fusion", "heads"});
  const int64_t embed_dim = params.has("embed_dim") ? params["embed_dim"].as_int(1, 65536) : 128;
  const auto& encoders = params["encoders"];
  std::vector<std::string> names;
  for (auto m : datasets::kModalities) names.push_back(datasets::to_string(m));
  encoders.check_keys(names);
  for (int m = 0; m < kNumModalities; ++m) {
    encoders_[m] = make_encoder(encoders[names[m]], spec.modalities[m], embed_dim);
    register_module(names[m], encoders_[m].ptr());
  }
  auto fusion = make_fusion(params["fusion"], kNumModalities, embed_dim);
  fusion_ = fusion.module;
  register_module("fusion", fusion_.ptr());

  const config::Node none = config::Node::null(params.origin());
  ComponentParams heads(params.has("heads") ? params["heads"] : none, {"hidden", "dropout"});
  trunk = register_module("trunk", FusionMlp(fusion.out_features, heads.ints("hidden", {256}, 1, 65536),
                                             heads.real("dropout", 0.2, 0.0, 0.99)));
  const int64_t width = trunk->out_features();
  const auto classes = static_cast<int64_t>(spec.class_names.size());
  behavior_head = register_module("behavior_head", torch::nn::Linear(width, classes));
  dwell_head = register_module("dwell_head", torch::nn::Linear(width, 1));
  engagement_head = register_module("engagement_head", torch::nn::Linear(width, 1));
}

ModelOutput FusionNetImpl::forward(const ModelInput& input) {
  std::vector<torch::Tensor> tokens;
  for (int m = 0; m < kNumModalities; ++m) tokens.push_back(encoders_[m].forward(input.inputs[m]));
  auto stacked = torch::stack(tokens, 1);  // [B, 4, E]
  auto h = trunk(fusion_.forward(stacked, input.mask.to(torch::kBool)));
  return finish(behavior_head(h), dwell_head(h).squeeze(1), engagement_head(h).squeeze(1),
                zero_absent(stacked, input.mask.to(torch::kBool)));
}

}  // namespace storefuse::train
