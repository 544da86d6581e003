#include <cmath>
#include <set>

#include "storefuse/core/error.h"
#include "storefuse/features/text.h"

namespace storefuse::features {

std::vector<uint32_t> ngram_buckets(const std::vector<std::string>& words, int dim) {
  std::vector<uint32_t> b;
  b.reserve(words.size() * 2);
  for (const auto& w : words) b.push_back(fnv1a32(w) % static_cast<uint32_t>(dim));
  // The space cannot occur inside a word, so a bigram never collides with a
  // unigram by construction, only by bucket.
  for (size_t i = 1; i < words.size(); ++i) {
    b.push_back(fnv1a32(words[i - 1] + " " + words[i]) % static_cast<uint32_t>(dim));
  }
  return b;
}

TfidfVectorizer TfidfVectorizer::fit(const std::vector<std::string>& texts, int dim) {
  if (dim < 1) throw Error(ErrorKind::Config, "tf-idf dim must be >= 1", "text features", "");
  std::vector<int64_t> df(dim, 0);
  for (const auto& t : texts) {
    auto buckets = ngram_buckets(split_words(t), dim);
    for (uint32_t b : std::set<uint32_t>(buckets.begin(), buckets.end())) ++df[b];
  }
  TfidfVectorizer v;
  v.documents_ = static_cast<int64_t>(texts.size());
  v.idf_.resize(dim);
  for (int b = 0; b < dim; ++b) {
    // Smoothed as in scikit-learn: an unseen bucket gets the largest weight
    // instead of a division by zero.
    v.idf_[b] = static_cast<float>(std::log((1.0 + v.documents_) / (1.0 + df[b])) + 1.0);
  }
  return v;
}

void TfidfVectorizer::transform(std::string_view text, float* out) const {
  const int d = dim();
  std::fill(out, out + d, 0.0f);
  for (uint32_t b : ngram_buckets(split_words(text), d)) out[b] += 1.0f;
  double ss = 0;
  for (int b = 0; b < d; ++b) {
    out[b] *= idf_[b];
    ss += static_cast<double>(out[b]) * out[b];
  }
  if (ss == 0) return;
  float inv = static_cast<float>(1.0 / std::sqrt(ss));
  for (int b = 0; b < d; ++b) out[b] *= inv;
}

std::vector<float> TfidfVectorizer::transform(std::string_view text) const {
  std::vector<float> v(dim());
  transform(text, v.data());
  return v;
}

json TfidfVectorizer::to_json() const {
  return json{{"type", "hashed_tfidf_v1"}, {"dim", dim()},           {"ngrams", {1, 2}},
              {"hash", "fnv1a32"},         {"documents", documents_}, {"idf", idf_}};
}

TfidfVectorizer TfidfVectorizer::from_json(const json& j) {
  auto bad = [](const std::string& what) {
    return Error(ErrorKind::Data, "text tf-idf: " + what, "feature spec (text params)", "");
  };
  if (!j.is_object() || j.value("type", "") != "hashed_tfidf_v1") throw bad("expected type hashed_tfidf_v1");
  if (j.value("hash", "") != "fnv1a32" || j.value("ngrams", json()) != json({1, 2})) {
    throw bad("only fnv1a32 hashing of n-grams [1, 2] is supported");
  }
  TfidfVectorizer v;
  v.idf_ = j.at("idf").get<std::vector<float>>();
  v.documents_ = j.value("documents", int64_t{0});
  if (v.idf_.empty() || j.value("dim", -1) != v.dim()) throw bad("dim does not match the idf table");
  return v;
}

}  // namespace storefuse::features
