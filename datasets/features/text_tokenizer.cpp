#include <algorithm>
#include <cstdio>
#include <map>

#include "storefuse/core/error.h"
#include "storefuse/features/text.h"

namespace storefuse::features {
namespace {

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

std::string hash_words(const std::vector<std::string>& words) {
  std::string joined;
  for (const auto& w : words) joined += w + '\n';
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(joined)));
  return std::string("fnv1a64:") + hex;
}

[[noreturn]] void bad(const std::string& what) {
  throw Error(ErrorKind::Data, "text tokenizer: " + what, "feature spec (text params)",
              "rebuild the dataset, or restore the spec written by it");
}

}  // namespace

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  for (unsigned char c : text) {
    if (is_word_byte(c)) {
      cur += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
    } else if (!cur.empty()) {
      words.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

uint32_t fnv1a32(std::string_view bytes) {
  uint32_t h = 2166136261u;
  for (unsigned char c : bytes) h = (h ^ c) * 16777619u;
  return h;
}

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

Tokenizer::Tokenizer(std::vector<std::string> words, int max_len, int min_count)
    : words_(std::move(words)), max_len_(max_len), min_count_(min_count), hash_(hash_words(words_)) {
  for (size_t i = 0; i < words_.size(); ++i) {
    if (!ids_.emplace(words_[i], static_cast<int32_t>(i) + 2).second) bad("duplicate word '" + words_[i] + "'");
  }
}

Tokenizer Tokenizer::fit(const std::vector<std::string>& texts, const TokenizerOptions& o) {
  if (o.max_len < 1 || o.min_count < 1 || o.max_vocab < 2) {
    throw Error(ErrorKind::Config, "tokenizer options out of range", "text features",
                "max_len >= 1, min_count >= 1, max_vocab >= 2");
  }
  std::map<std::string, int64_t> counts;  // ordered: ties below break by byte order
  for (const auto& t : texts) {
    for (auto& w : split_words(t)) ++counts[w];
  }
  std::vector<std::pair<std::string, int64_t>> kept;
  for (auto& [w, n] : counts) {
    if (n >= o.min_count) kept.emplace_back(w, n);
  }
  std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (kept.size() > static_cast<size_t>(o.max_vocab - 2)) kept.resize(o.max_vocab - 2);
  std::vector<std::string> words;
  for (auto& [w, n] : kept) words.push_back(w);
  return Tokenizer(std::move(words), o.max_len, o.min_count);
}

void Tokenizer::encode(std::string_view text, int32_t* out) const {
  auto words = split_words(text);
  for (int i = 0; i < max_len_; ++i) {
    if (i < static_cast<int>(words.size())) {
      auto it = ids_.find(words[i]);
      out[i] = it == ids_.end() ? kOovId : it->second;
    } else {
      out[i] = kPadId;
    }
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids(max_len_);
  encode(text, ids.data());
  return ids;
}

json Tokenizer::to_json() const {
  return json{{"type", "word_v1"},     {"max_len", max_len_},       {"pad_id", kPadId},
              {"oov_id", kOovId},      {"min_count", min_count_},   {"vocab_size", vocab_size()},
              {"vocab", words_},       {"vocab_hash", hash_}};
}

Tokenizer Tokenizer::from_json(const json& j) {
  if (!j.is_object()) bad("params must be a JSON object");
  for (const char* key : {"type", "max_len", "vocab", "vocab_hash"}) {
    if (!j.contains(key)) bad(std::string("missing key '") + key + "'");
  }
  if (j["type"] != "word_v1") bad("unknown tokenizer type " + j["type"].dump());
  if (j.value("pad_id", kPadId) != kPadId || j.value("oov_id", kOovId) != kOovId) {
    bad("pad_id must be 0 and oov_id 1");
  }
  if (!j["max_len"].is_number_integer() || j["max_len"].get<int>() < 1) bad("max_len must be a positive integer");
  Tokenizer tok(j["vocab"].get<std::vector<std::string>>(), j["max_len"].get<int>(),
                j.value("min_count", 1));
  if (tok.vocab_hash() != j["vocab_hash"].get<std::string>()) {
    bad("vocabulary hash " + tok.vocab_hash() + " does not match the stored " +
        j["vocab_hash"].get<std::string>() + ": the vocabulary was changed");
  }
  return tok;
}

}  // namespace storefuse::features
