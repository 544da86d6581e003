// Band-limited sample-rate conversion between any two integer rates, by a
// polyphase Kaiser-windowed sinc filter. The ratio to/from is reduced to
// up/down; output sample n sits at input time n*down/up and is the dot
// product of the input with one of `up` precomputed filter phases.
//
// Quality (measured by tests/features/test_audio_resample.cpp):
//   cutoff  0.91 x the lower Nyquist frequency, 32 sinc zero crossings per
//           side, Kaiser beta 9 (about -90 dB side lobes);
//   tones up to 0.8 x the lower Nyquist keep their frequency and their
//   level within 0.01 dB; tones above the target Nyquist alias below -80 dB.
// Samples before the start and after the end are taken as silence.
#pragma once

#include <vector>

namespace storefuse::features {

// Returns ceil(x.size() * to_hz / from_hz) samples; x itself when the rates
// match. Throws storefuse::Error: Config for a non-positive rate,
// Unsupported when the reduced ratio needs more than 4096 filter phases
// (e.g. 44100 -> 16001 Hz).
std::vector<float> resample_audio(const std::vector<float>& x, int from_hz, int to_hz);

}  // namespace storefuse::features
