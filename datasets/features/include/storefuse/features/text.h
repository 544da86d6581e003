// Text features for point-of-sale and interaction logs: a tokenizer with a
// vocabulary built from the training split (the `sequences` input: token ids
// [L] int32), and hashed word uni/bi-grams weighted by TF-IDF (the seed
// model's 768-value `text` vector). Both are fitted on training texts only and
// travel in the feature spec, so the runtime reproduces them exactly.
//
//   auto tok = Tokenizer::fit(train_texts, TokenizerOptions{});
//   std::vector<int32_t> ids = tok.encode("SALE reg=3 total=12.50");  // [max_len]
//   auto tfidf = TfidfVectorizer::fit(train_texts, 768);
//   std::vector<float> v = tfidf.transform("SALE reg=3 total=12.50");  // [768]
//
// docs/features.md (Text) gives the formulas.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storefuse/core/json.h"

namespace storefuse::features {

// Lowercases ASCII letters and splits on every byte that is not an ASCII
// letter or digit; bytes >= 0x80 (UTF-8) stay inside words.
// "SALE reg=3 total=12.50" -> ["sale", "reg", "3", "total", "12", "50"].
std::vector<std::string> split_words(std::string_view text);

// FNV-1a, the hash behind the vocabulary hash and the n-gram buckets.
uint32_t fnv1a32(std::string_view bytes);
uint64_t fnv1a64(std::string_view bytes);

struct TokenizerOptions {
  int max_len = 48;       // L: ids are truncated or padded to this length
  int min_count = 2;      // words seen fewer times in training are out of vocabulary
  int max_vocab = 4096;   // ids in all, pad and OOV included
};

class Tokenizer {
 public:
  static constexpr int32_t kPadId = 0;
  static constexpr int32_t kOovId = 1;

  // Vocabulary: words with count >= min_count, most frequent first (ties by
  // byte order), ids from 2, at most max_vocab - 2 of them.
  static Tokenizer fit(const std::vector<std::string>& texts, const TokenizerOptions& options);

  // L ids: word ids, then kPadId.
  std::vector<int32_t> encode(std::string_view text) const;
  void encode(std::string_view text, int32_t* out) const;

  int max_len() const { return max_len_; }
  int vocab_size() const { return static_cast<int>(words_.size()) + 2; }
  const std::vector<std::string>& words() const { return words_; }  // ids 2..
  // "fnv1a64:" + 16 hex digits over the words, each followed by '\n'.
  const std::string& vocab_hash() const { return hash_; }

  // {"type": "word_v1", "max_len", "pad_id", "oov_id", "min_count",
  //  "vocab_size", "vocab": [...], "vocab_hash"}. from_json recomputes the
  // hash and throws Error (Data) when it differs: a vocabulary edited by hand
  // would silently shift every id.
  json to_json() const;
  static Tokenizer from_json(const json& j);

 private:
  Tokenizer(std::vector<std::string> words, int max_len, int min_count);
  std::vector<std::string> words_;
  std::unordered_map<std::string, int32_t> ids_;
  int max_len_ = 0, min_count_ = 0;
  std::string hash_;
};

class TfidfVectorizer {
 public:
  // Unigram bucket fnv1a32(w) % dim, bigram bucket fnv1a32(w1 + " " + w2) % dim.
  // idf[b] = ln((1 + N) / (1 + df[b])) + 1, df[b] = training texts that hit b.
  static TfidfVectorizer fit(const std::vector<std::string>& texts, int dim);

  // tf[b] * idf[b] with tf the raw count, L2-normalised; all zeros for a text
  // without words.
  std::vector<float> transform(std::string_view text) const;
  void transform(std::string_view text, float* out) const;

  int dim() const { return static_cast<int>(idf_.size()); }
  const std::vector<float>& idf() const { return idf_; }

  // {"type": "hashed_tfidf_v1", "dim", "ngrams": [1, 2], "hash": "fnv1a32",
  //  "documents", "idf": [...]}.
  json to_json() const;
  static TfidfVectorizer from_json(const json& j);

 private:
  std::vector<float> idf_;
  int64_t documents_ = 0;
};

// The buckets a text hits, uni- then bigrams, in order (repeats kept).
std::vector<uint32_t> ngram_buckets(const std::vector<std::string>& words, int dim);

}  // namespace storefuse::features
