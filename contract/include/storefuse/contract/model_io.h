// The names of a storefuse model's inputs and outputs: the one place that
// spells them. Export writes them into the ONNX graph; the model adapter,
// predict, the A/B tool and export verification read them back.
#pragma once

#include <array>

namespace storefuse::contract {

// Inputs besides the four modalities (named after datasets::Modality).
inline constexpr const char* kMaskInput = "mask";  // uint8 [batch, 4]: 1 = present

// Outputs, in this order.
inline constexpr const char* kBehaviorLogits = "behavior_logits";  // float [batch, classes]
inline constexpr const char* kDwellS = "dwell_s";                  // float [batch], seconds
inline constexpr const char* kEngagement = "engagement";           // float [batch], 0..1
inline constexpr std::array<const char*, 3> kOutputs = {kBehaviorLogits, kDwellS, kEngagement};

}  // namespace storefuse::contract
