#include <gtest/gtest.h>

#include <cmath>

#include "storefuse/core/error.h"
#include "storefuse/features/text.h"

namespace sf = storefuse::features;

TEST(Text, SplitWordsLowercasesAndSplitsOnPunctuation) {
  EXPECT_EQ(sf::split_words("SALE reg=3 total=12.50"),
            (std::vector<std::string>{"sale", "reg", "3", "total", "12", "50"}));
  EXPECT_EQ(sf::split_words("  --  "), std::vector<std::string>{});
  EXPECT_EQ(sf::split_words("caf\xc3\xa9 OK"), (std::vector<std::string>{"caf\xc3\xa9", "ok"}));
}

TEST(Text, FnvMatchesPublishedTestVectors) {
  EXPECT_EQ(sf::fnv1a32(""), 0x811c9dc5u);
  EXPECT_EQ(sf::fnv1a32("a"), 0xe40c292cu);
  EXPECT_EQ(sf::fnv1a32("foobar"), 0xbf9cf968u);
  EXPECT_EQ(sf::fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(sf::fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(Text, VocabularyIsFrequentWordsFirst) {
  sf::TokenizerOptions o;
  o.max_len = 4;
  o.min_count = 2;
  auto tok = sf::Tokenizer::fit({"a b b", "b c", "C d"}, o);
  // counts: a 1, b 3, c 2, d 1 -> b = 2, c = 3; a and d are out of vocabulary.
  EXPECT_EQ(tok.words(), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(tok.encode("B a c"), (std::vector<int32_t>{2, 1, 3, 0}));
  EXPECT_EQ(tok.encode("b b b b b b"), (std::vector<int32_t>{2, 2, 2, 2}));  // truncated
  EXPECT_EQ(tok.encode(""), (std::vector<int32_t>{0, 0, 0, 0}));
}

TEST(Text, TiesBreakByByteOrderAndMaxVocabCaps) {
  sf::TokenizerOptions o;
  o.min_count = 1;
  o.max_vocab = 4;  // pad, oov and two words
  auto tok = sf::Tokenizer::fit({"z y x", "z"}, o);
  EXPECT_EQ(tok.words(), (std::vector<std::string>{"z", "x"}));
}

TEST(Text, TokenizerRoundTripsAndDetectsAnEditedVocabulary) {
  auto tok = sf::Tokenizer::fit({"sale sale return", "return assist"}, sf::TokenizerOptions{});
  auto j = tok.to_json();
  EXPECT_EQ(j["vocab_hash"], tok.vocab_hash());
  EXPECT_EQ(tok.vocab_hash().rfind("fnv1a64:", 0), 0u);
  auto back = sf::Tokenizer::from_json(j);
  EXPECT_EQ(back.encode("return sale x"), tok.encode("return sale x"));
  std::swap(j["vocab"][0], j["vocab"][1]);
  EXPECT_THROW(sf::Tokenizer::from_json(j), storefuse::Error);
}

TEST(Text, TfidfByHand) {
  const int dim = 768;
  auto a = sf::fnv1a32("a") % dim, b = sf::fnv1a32("b") % dim, ab = sf::fnv1a32("a b") % dim;
  ASSERT_TRUE(a != b && a != ab && b != ab) << "choose words whose buckets differ";
  auto v = sf::TfidfVectorizer::fit({"a b", "a"}, dim);
  // N = 2; df(a) = 2, df(b) = df(a b) = 1, every other bucket 0.
  const double idf_a = std::log(3.0 / 3.0) + 1, idf_b = std::log(3.0 / 2.0) + 1, idf_0 = std::log(3.0) + 1;
  EXPECT_NEAR(v.idf()[a], idf_a, 1e-6);
  EXPECT_NEAR(v.idf()[b], idf_b, 1e-6);
  EXPECT_NEAR(v.idf()[ab], idf_b, 1e-6);
  EXPECT_NEAR(v.idf()[(a + 1) % dim == b ? (a + 2) % dim : (a + 1) % dim], idf_0, 1e-6);

  auto x = v.transform("A b a");  // tf: a 2, b 1, "a b" 1, "b a" 1
  auto ba = sf::fnv1a32("b a") % dim;
  ASSERT_TRUE(ba != a && ba != b && ba != ab);
  const double ua = 2 * idf_a, ub = idf_b, uab = idf_b, uba = idf_0;
  const double norm = std::sqrt(ua * ua + ub * ub + uab * uab + uba * uba);
  EXPECT_NEAR(x[a], ua / norm, 1e-6);
  EXPECT_NEAR(x[b], ub / norm, 1e-6);
  EXPECT_NEAR(x[ab], uab / norm, 1e-6);
  EXPECT_NEAR(x[ba], uba / norm, 1e-6);
  double rest = 0;
  for (int i = 0; i < dim; ++i) {
    if (i != static_cast<int>(a) && i != static_cast<int>(b) && i != static_cast<int>(ab) && i != static_cast<int>(ba)) rest += std::fabs(x[i]);
  }
  EXPECT_EQ(rest, 0.0);
}

TEST(Text, TfidfOfEmptyTextIsZeroAndParamsRoundTrip) {
  auto v = sf::TfidfVectorizer::fit({"sale 3 items", "return"}, 768);
  for (float x : v.transform("")) ASSERT_EQ(x, 0.0f);
  auto back = sf::TfidfVectorizer::from_json(v.to_json());
  EXPECT_EQ(back.idf(), v.idf());
  EXPECT_EQ(back.transform("sale return"), v.transform("sale return"));
}
