#include "storefuse/retailsim/media.h"

namespace storefuse::retailsim {

RawMedia render_media(const RetailSimConfig& cfg, const StoreProfile& store, const Visit& v) {
  return RawMedia{render_clip(cfg, store, v), synth_audio(cfg, store, v), synth_text(cfg, store, v),
                  synth_sensors(cfg, store, v)};
}

}  // namespace storefuse::retailsim
