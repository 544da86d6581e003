// Attention among a handful of tokens (the four modality tokens). Batched
// matmul spends most of its time on per-matrix overhead at this size (4x64
// by 64x4), so the CPU path loops over (sample, head) directly.
#include <cmath>
#include <limits>
#include <vector>

#include "storefuse/train/kernel_threads.h"
#include "storefuse/train/ops.h"

namespace storefuse::train {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Dims {
  int64_t batch, tokens, heads, head_dim, embed;
};

Dims dims_of(const torch::Tensor& qkv, int64_t heads) {
  int64_t embed = qkv.size(2) / 3;
  return {qkv.size(0), qkv.size(1), heads, embed / heads, embed};
}

inline float dot(const float* a, const float* b, int64_t n) {
  float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
  for (int64_t d = 0; d < n; ++d) acc += a[d] * b[d];
  return acc;
}

inline void axpy(float alpha, const float* x, float* y, int64_t n) {
#pragma omp simd
  for (int64_t d = 0; d < n; ++d) y[d] += alpha * x[d];
}

class TokenAttention : public torch::autograd::Function<TokenAttention> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& qkv,
                               const torch::Tensor& allowed, int64_t heads, double p) {
    const Dims n = dims_of(qkv, heads);
    const float scale = 1.0f / std::sqrt(static_cast<float>(n.head_dim));
    const float drop_p = static_cast<float>(p), keep_scale = static_cast<float>(1.0 / (1.0 - p));
    const uint64_t seed = p > 0.0 ? draw_dropout_seed() : 0;
    auto out = torch::zeros({n.batch, n.tokens, n.embed}, qkv.options());
    auto probs = torch::empty({n.batch, n.heads, n.tokens, n.tokens}, qkv.options());
    auto weights = p > 0.0 ? torch::empty_like(probs) : probs;
    const float* x = qkv.data_ptr<float>();
    const bool* ok = allowed.data_ptr<bool>();
    float* o = out.data_ptr<float>();
    float* pr = probs.data_ptr<float>();
    float* w = weights.data_ptr<float>();
    const int64_t row = 3 * n.embed, T = n.tokens;
    parallel_chunks(n.batch, 16, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const float* xb = x + b * T * row;
        for (int64_t h = 0; h < n.heads; ++h) {
          const int64_t q_off = h * n.head_dim, k_off = n.embed + q_off, v_off = 2 * n.embed + q_off;
          for (int64_t i = 0; i < T; ++i) {
            const int64_t base = ((b * n.heads + h) * T + i) * T;
            float* pi = pr + base;
            float top = -std::numeric_limits<float>::infinity();
            for (int64_t j = 0; j < T; ++j) {
              pi[j] = ok[b * T + j]
                          ? scale * dot(xb + i * row + q_off, xb + j * row + k_off, n.head_dim)
                          : -std::numeric_limits<float>::infinity();
              top = std::max(top, pi[j]);
            }
            float sum = 0.0f;
            for (int64_t j = 0; j < T; ++j) sum += (pi[j] = std::exp(pi[j] - top));
            float* oi = o + (b * T + i) * n.embed + q_off;
            for (int64_t j = 0; j < T; ++j) {
              pi[j] /= sum;
              float a = pi[j];
              if (drop_p > 0.0f) {
                a = dropout_keep(seed, base + j, drop_p) ? a * keep_scale : 0.0f;
                w[base + j] = a;
              }
              axpy(a, xb + j * row + v_off, oi, n.head_dim);
            }
          }
        }
      }
    });
    ctx->save_for_backward({qkv, probs, weights});
    ctx->saved_data["heads"] = heads;
    ctx->saved_data["keep_scale"] = p > 0.0 ? static_cast<double>(keep_scale) : 0.0;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& qkv = saved[0];
    const Dims n = dims_of(qkv, ctx->saved_data["heads"].toInt());
    const float keep_scale = static_cast<float>(ctx->saved_data["keep_scale"].toDouble());
    const float scale = 1.0f / std::sqrt(static_cast<float>(n.head_dim));
    auto grad_out = grads[0].contiguous();
    auto grad_qkv = torch::zeros_like(qkv);
    const float* x = qkv.data_ptr<float>();
    const float* pr = saved[1].data_ptr<float>();
    const float* w = saved[2].data_ptr<float>();
    const float* go = grad_out.data_ptr<float>();
    float* gx = grad_qkv.data_ptr<float>();
    const int64_t row = 3 * n.embed, T = n.tokens;
    parallel_chunks(n.batch, 16, [&](int64_t b0, int64_t b1) {
      std::vector<float> dp(T * T);
      for (int64_t b = b0; b < b1; ++b) {
        const float* xb = x + b * T * row;
        float* gb = gx + b * T * row;
        for (int64_t h = 0; h < n.heads; ++h) {
          const int64_t q_off = h * n.head_dim, k_off = n.embed + q_off, v_off = 2 * n.embed + q_off;
          const int64_t base = (b * n.heads + h) * T * T;
          for (int64_t i = 0; i < T; ++i) {
            const float* goi = go + (b * T + i) * n.embed + q_off;
            for (int64_t j = 0; j < T; ++j) {
              const float a = w[base + i * T + j];
              axpy(a, goi, gb + j * row + v_off, n.head_dim);  // dV
              float da = dot(goi, xb + j * row + v_off, n.head_dim);
              // Dropout kept the weight iff it is non-zero (a zero softmax
              // weight has zero gradient either way).
              if (keep_scale > 0.0f) da = a != 0.0f ? da * keep_scale : 0.0f;
              dp[i * T + j] = da;
            }
          }
          for (int64_t i = 0; i < T; ++i) {
            const float* pi = pr + base + i * T;
            float c = 0.0f;
            for (int64_t j = 0; j < T; ++j) c += pi[j] * dp[i * T + j];
            for (int64_t j = 0; j < T; ++j) {
              const float ds = scale * pi[j] * (dp[i * T + j] - c);
              if (ds == 0.0f) continue;
              axpy(ds, xb + j * row + k_off, gb + i * row + q_off, n.head_dim);  // dQ
              axpy(ds, xb + i * row + q_off, gb + j * row + k_off, n.head_dim);  // dK
            }
          }
        }
      }
    });
    return {grad_qkv, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// The same computation in composite ops, for non-CPU devices.
torch::Tensor composite_attention(const torch::Tensor& qkv, const torch::Tensor& allowed,
                                  int64_t heads, double p, bool training) {
  const Dims n = dims_of(qkv, heads);
  auto split = qkv.view({n.batch, n.tokens, 3, n.heads, n.head_dim}).permute({2, 0, 3, 1, 4});
  auto scores = torch::matmul(split[0], split[1].transpose(-1, -2)) / std::sqrt(double(n.head_dim));
  scores = scores.masked_fill(allowed.logical_not().view({n.batch, 1, 1, n.tokens}),
                              -std::numeric_limits<float>::infinity());
  auto weights = torch::dropout(torch::softmax(scores, -1), p, training);
  return torch::matmul(weights, split[2]).transpose(1, 2).reshape({n.batch, n.tokens, n.embed});
}

}  // namespace

torch::Tensor token_attention(const torch::Tensor& qkv, const torch::Tensor& allowed,
                              int64_t heads, double p, bool training) {
  TORCH_CHECK(qkv.dim() == 3 && qkv.size(2) % (3 * heads) == 0,
              "token_attention: qkv must be [B, T, 3*E] with E divisible by heads");
  TORCH_CHECK(allowed.scalar_type() == torch::kBool && allowed.size(0) == qkv.size(0) &&
                  allowed.size(1) == qkv.size(1),
              "token_attention: allowed must be bool [B, T]");
  if (!qkv.is_cpu()) return composite_attention(qkv, allowed, heads, p, training);
  TORCH_CHECK(qkv.scalar_type() == torch::kFloat32, "token_attention: expects float32");
  return TokenAttention::apply(qkv.contiguous(), allowed.contiguous(), heads,
                               training ? p : 0.0);
}

}  // namespace storefuse::train
