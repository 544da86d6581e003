// The constant tables of an MFCC plan, built as torchaudio 0.13 builds them:
// the analysis window (torch.*_window, padded to n_fft as torch.stft does),
// the mel filterbank (torchaudio.functional.melscale_fbanks) and the DCT-II
// matrix (torchaudio.functional.create_dct). Computed in double precision.
#pragma once

#include <vector>

#include "storefuse/features/mfcc_params.h"

namespace storefuse::features {

// n_fft taps: the win_length window centred at offset (n_fft - win_length)/2,
// zero elsewhere, with the spectrum normalisation (`normalized`) folded in.
std::vector<double> mfcc_window(const MfccParams& p);

// n_mels rows of n_fft/2+1 weights: triangles between mel-spaced points.
std::vector<std::vector<double>> mel_filterbank(const MfccParams& p);

// n_mfcc rows of n_mels: DCT-II, orthonormal or unnormalised (x2).
std::vector<double> dct_matrix(const MfccParams& p);

}  // namespace storefuse::features
