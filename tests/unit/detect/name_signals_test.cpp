// Name signals, the DGA model and its families, the benign-noise list.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "detect/benign_noise/benign_noise.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "detect/dga/dga_families.hpp"
#include "detect/dga/dga_family_catalog.hpp"
#include "detect/dga/dga_trainer.hpp"
#include "detect/name_features/name_features.hpp"

namespace dnslens {
namespace {

TEST(NameFeatures, EntropyIsBitsPerCharacterWithoutDots) {
  EXPECT_DOUBLE_EQ(shannon_entropy(""), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abab"), 1.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("a.b.c.d"), 2.0);  // dots do not count
  EXPECT_NEAR(shannon_entropy("abcdefgh"), 3.0, 1e-12);
}

TEST(NameFeatures, EntropyOfLongTextsMatchesTheDefinition) {
  // Counts past the c*log2(c) table (1024) take the computed path; the sum must agree.
  const std::string text = std::string(3000, 'a') + std::string(1500, 'b') + "c.d" + std::string(40, 'e');
  const double n = 3000 + 1500 + 1 + 1 + 40;
  double expected = 0;
  for (double c : {3000.0, 1500.0, 1.0, 1.0, 40.0}) expected -= c / n * std::log2(c / n);
  EXPECT_NEAR(shannon_entropy(text), expected, 1e-9);
  EXPECT_GE(shannon_entropy(std::string(5000, 'z')), 0.0);
}

TEST(NameFeatures, MeasuresLengthsLabelsAndRatios) {
  NameFeatures f = measure_name("x1y2.mail.example.com", "x1y2.mail");
  EXPECT_EQ(f.name_length, 21);
  EXPECT_EQ(f.subdomain_length, 9);
  EXPECT_EQ(f.label_count, 4);
  EXPECT_EQ(f.longest_label, 7);
  EXPECT_NEAR(f.digit_ratio, 2.0 / 18.0, 1e-6);
  // x y m l x m p l c m: consonants among the 18 characters (y counts as a vowel).
  EXPECT_NEAR(f.consonant_ratio, 9.0 / 18.0, 1e-6);
  EXPECT_NEAR(f.subdomain_entropy, shannon_entropy("x1y2mail"), 1e-6);
}

TEST(NameFeatures, DgaLabelIsTheRegisteredLabel) {
  EXPECT_EQ(dga_label("www.example.co.uk", "example.co.uk", "co.uk"), "example");
  EXPECT_EQ(dga_label("example.com", "example.com", "com"), "example");
  EXPECT_EQ(dga_label("ip-10-0-0-1.ec2.internal", "", ""), "ec2");  // no registered domain
  EXPECT_EQ(dga_label("localhost", "", ""), "localhost");
  EXPECT_EQ(longest_label("a.bcd.ef"), "bcd");
}

TEST(DgaModel, TheBuiltInModelSeparatesWordsFromRandomLabels) {
  const DgaModel& m = default_dga_model();
  for (const char* benign :
       {"google", "wikipedia", "stackoverflow", "amazon", "microsoft", "weather", "bankofamerica"}) {
    EXPECT_LT(m.score(benign), 0.3f) << benign;
  }
  for (const char* random : {"xjdkqwpozmv", "qkwtvtorbxjyndd", "kjh3k4j5h6", "zzqxwvkkjhg", "a8f3k2m9x7q1"}) {
    EXPECT_GT(m.score(random), 0.8f) << random;
  }
  // Too short to judge: scaled down below six characters.
  EXPECT_LT(m.score("qq"), m.score("qqxzkv"));
  EXPECT_EQ(m.score(""), 0.0f);
}

TEST(DgaModel, SerializedModelScoresTheSame) {
  const DgaModel& m = default_dga_model();
  DgaModel copy = DgaModel::parse(m.serialize());
  for (const char* l : {"google", "xjdkqwpozmv", "cdn77", "a", "with-hyphen", "under_score", "\xc3\xa9t\xc3\xa9"}) {
    EXPECT_FLOAT_EQ(copy.score(l), m.score(l)) << l;
  }
  EXPECT_EQ(copy.serialize(), m.serialize());
}

TEST(DgaModel, BadModelFilesNameTheLine) {
  auto message = [](std::string_view text) {
    try {
      (void)DgaModel::parse(text);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kConfig);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("format dnslens-dga-model 3\n").find("line 1: unsupported format"), std::string::npos);
  EXPECT_NE(message("format dnslens-dga-model 2\nmean 1 2 3 4 5 6\n").find("expected 8 numbers"), std::string::npos);
  EXPECT_NE(message("format dnslens-dga-model 2\ng 5 0.5\n").find("line 2: 'g' before 'ngrams'"), std::string::npos);
  EXPECT_NE(message("format dnslens-dga-model 2\nngrams 12\n").find("ngrams must be 70602"), std::string::npos);
  EXPECT_NE(message("format dnslens-dga-model 2\nngrams 70602\ng 5 1e40\n").find("line 3: out of range"),
            std::string::npos);
  // Finite numbers too large for a finite score: refused where they are, not a NaN score later.
  EXPECT_NE(message("format dnslens-dga-model 2\nweights 1e300 -1e300 0 0 0 0 0 0\n").find("line 2: out of range"),
            std::string::npos);
  EXPECT_NE(message("format dnslens-dga-model 2\nbias -2e6\n").find("line 2: out of range (beyond +-1e6): -2e6"),
            std::string::npos);
  EXPECT_NE(message("format dnslens-dga-model 2\nngrams 70602\ng 70602 1\n").find("line 3: expected 'g <bucket"),
            std::string::npos);
  EXPECT_NE(message("labels 3\n").find("first entry"), std::string::npos);
  EXPECT_NE(message("format dnslens-dga-model 1\nbogus 1\n").find("line 2: unknown entry 'bogus'"), std::string::npos);
  EXPECT_NE(message("format dnslens-dga-model 1\nmean 1 2\n").find("expected 6 numbers"), std::string::npos);
  EXPECT_NE(message("format dnslens-dga-model 1\nt ab 5\n").find("line 2"), std::string::npos);
  EXPECT_NE(message("format dnslens-dga-model 1\n").find("no classifier"), std::string::npos);
  EXPECT_NE(message("").find("not a dnslens DGA model"), std::string::npos);
}

// A model file of format 1 (six features, no n-grams, no words: what `dga train` wrote before) still
// loads and scores with what it has.
TEST(DgaModel, LoadsFormatOneModels) {
  std::string text =
      "format dnslens-dga-model 1\nmean 3 3 0 0 0.4 0.3\nscale 1 1 1 1 1 1\nbias 0\nweights 2 0 0 0 0 0\n";
  for (const char* t : {"^^g", "^go", "goo", "oog", "ogl", "gle", "le$"}) text += std::string("t ") + t + " 50\n";
  DgaModel m = DgaModel::parse(text);
  EXPECT_LT(m.score("google"), m.score("xqzvkwjp"));
  EXPECT_EQ(m.word_cover("cookingwithdog").words, 0u);
}

TEST(DgaModel, ReadsLabelsAsWords) {
  const DgaModel& m = default_dga_model();
  auto cover = m.word_cover("cookingwithdog");  // "dog" is shorter than the 4 letters a word needs
  EXPECT_EQ(cover.covered, 11u);
  EXPECT_EQ(cover.words, 2u);
  EXPECT_EQ(m.word_cover("somethingawful").covered, 14u);
  EXPECT_LE(m.word_cover("xqzvkwjptrb").covered, 4u);
  // Compounds of words are what popular sites are named; random letters of the same length are not.
  EXPECT_LT(m.score("hollywoodunlocked"), 0.5f);
  EXPECT_GT(m.score("xkqwzvtplmrhgf"), 0.9f);
  DgaModel empty;
  empty.set_words({"with", "cooking", "dog", "UPPER", "x"});  // short and non-letter words are left out
  EXPECT_EQ(empty.word_cover("cookingwithdog").covered, 11u);
  EXPECT_EQ(empty.word_cover("cookingwithdog").words, 2u);
}

TEST(DgaModel, KeepsItsWordsInATrie) {
  DgaModel m;
  m.set_words({"cooking", "cook", "cooks", "with", "cook", "wit", "zebra", "Upper", "dog-house"});
  // Sorted, unique, 4+ lower-case letters only; a word that is a prefix of others is kept.
  EXPECT_EQ(m.words(), (std::vector<std::string>{"cook", "cooking", "cooks", "with", "zebra"}));
  EXPECT_EQ(m.word_cover("cookswithzebra").covered, 14u);
  EXPECT_EQ(m.word_cover("cookingx").covered, 7u);  // the longest word, then nothing
  EXPECT_EQ(m.word_cover("\xc3\xa9"
                         "cook")
                .covered,
            4u);
  EXPECT_EQ(DgaModel::parse(m.serialize()).words(), m.words());
}

TEST(DgaModel, NgramsIndexOneWeightEach) {
  for (std::string_view label : std::initializer_list<std::string_view>{"a", "ab", "k8s-x_y?", "\xff\xfe",
                                                                        "0123456789abcdefghijklmnopqrstuvwxyz"}) {
    std::vector<std::size_t> seen;
    DgaModel::for_each_ngram(label, [&](std::size_t b) { seen.push_back(b); });
    ASSERT_EQ(seen.size(), 2 * label.size() + 1) << label;  // n + 1 2-grams, n 3-grams
    const std::size_t two = DgaModel::kNgramSymbols * DgaModel::kNgramSymbols;
    std::size_t bigrams = 0;
    for (std::size_t b : seen) {
      EXPECT_LT(b, DgaModel::kNgramBuckets) << label;
      bigrams += b < two;
    }
    EXPECT_EQ(bigrams, label.size() + 1) << label;
  }
  std::vector<std::size_t> ab, ba;
  DgaModel::for_each_ngram("ab", [&](std::size_t b) { ab.push_back(b); });
  DgaModel::for_each_ngram("ba", [&](std::size_t b) { ba.push_back(b); });
  EXPECT_NE(ab, ba);
}

// The popular sites split in two fixed halves by label: the model trains on one, eval measures on the other.
TEST(DgaTrainer, SplitsSitesInTwoFixedHalves) {
  std::size_t evaluation = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string label = "site" + std::to_string(i);
    evaluation += site_half(label) == SiteHalf::kEvaluation;
  }
  EXPECT_GT(evaluation, 900u);
  EXPECT_LT(evaluation, 1100u);
  // Pinned: a change of the hash would move sites between training and measurement unnoticed.
  EXPECT_EQ(site_half("google"), SiteHalf::kEvaluation);
  EXPECT_EQ(site_half("wikipedia"), SiteHalf::kEvaluation);
  EXPECT_EQ(site_half("nytimes"), SiteHalf::kTraining);
  EXPECT_EQ(site_half("reddit"), SiteHalf::kEvaluation);
  EXPECT_EQ(site_half("github"), SiteHalf::kTraining);
}

TEST(DgaTrainer, LearnsFromFamilyLabels) {
  DgaTrainingData data;
  add_word_list("/usr/share/dict/american-english", data, 20000, true);
  DgaModel without = train_dga_model(data);
  add_dga_family_labels({"pushdo", "simda"}, 19723, 2000, data);
  EXPECT_EQ(data.machine_labels.size(), 4000u);
  EXPECT_THROW(add_dga_family_labels({"no-such-family"}, 19723, 10, data), Error);
  DgaModel with = train_dga_model(data);
  // Held-out days of a trained family: pronounceable syllables the synthetic labels alone miss.
  double sum_without = 0, sum_with = 0;
  const auto names = find_dga_family("pushdo")->generate(20414, 200);
  for (const auto& n : names) {
    sum_without += without.score(n.substr(0, n.find('.')));
    sum_with += with.score(n.substr(0, n.find('.')));
  }
  EXPECT_GT(sum_with, sum_without);
}

TEST(DgaFamilyCatalog, HoldsEveryFamilyOnceAndHoldsOutHalf) {
  const auto& all = all_dga_families();
  EXPECT_GE(all.size(), 40u);
  std::size_t held_out_character = 0, held_out_dictionary = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(all[i - 1].name, all[i].name);  // sorted, so unique
    }
    EXPECT_EQ(find_dga_family(all[i].name), &all[i]);
    if (!is_dga_training_family(all[i].name)) {
      (all[i].kind == DgaKind::kCharacter ? held_out_character : held_out_dictionary) += 1;
    }
  }
  for (const auto& t : dga_training_families()) EXPECT_NE(find_dga_family(t), nullptr) << t;
  EXPECT_GE(held_out_character, all.size() / 2 - 2);
  EXPECT_GE(held_out_dictionary, 1u);
  EXPECT_EQ(find_dga_family("no-such-family"), nullptr);
}

// The order labels arrive in (a hash set's, for labels of logs) must not change the model.
TEST(DgaTrainer, TheInputOrderDoesNotChangeTheModel) {
  DgaTrainingData forwards, backwards;
  add_word_list("/usr/share/dict/american-english", forwards, 8000, true);
  std::vector<std::string> sites;
  for (int i = 0; i < 1500; ++i) sites.push_back("shop" + std::to_string(i * 7919 % 1500) + "news");
  for (const auto& l : sites) add_label(l, forwards, LabelKind::kDomain);
  backwards.labels.assign(forwards.labels.rbegin(), forwards.labels.rend());
  backwards.vocabulary.assign(forwards.vocabulary.rbegin(), forwards.vocabulary.rend());
  backwards.domain_labels.assign(forwards.domain_labels.rbegin(), forwards.domain_labels.rend());
  backwards.sources = forwards.sources;
  // Compared as a whole (a difference printed would be megabytes).
  EXPECT_TRUE(train_dga_model(forwards).serialize() == train_dga_model(backwards).serialize());
}

TEST(DgaTrainer, IsDeterministicAndNeedsEnoughLabels) {
  DgaTrainingData data;
  add_word_list("/usr/share/dict/american-english", data, 20000);
  ASSERT_GT(data.labels.size(), 15000u);
  DgaModel a = train_dga_model(data), b = train_dga_model(data);
  EXPECT_EQ(a.serialize(), b.serialize());
  EXPECT_LT(a.score("weather"), a.score("xkqzjvwpt"));
  DgaTrainingData few;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(add_label("word" + std::to_string(i), few));
  EXPECT_FALSE(add_label("caf\xc3\xa9", few));  // not a label character
  EXPECT_THROW((void)train_dga_model(few), Error);
}

// Reference outputs published with the families' reverse-engineered algorithms.
TEST(DgaFamilies, MatchTheirPublishedOutputs) {
  EXPECT_EQ(generate_dga_domains(DgaFamily::kKraken, 0, 4),
            (std::vector<std::string>{"rbqdxflojkj.mooo.com", "smhburg.dyndns.org", "cffxugijxn.yi.org",
                                      "ivxcxbj.dynserv.com"}));
  EXPECT_EQ(generate_dga_domains(DgaFamily::kBanjori, 0, 3),
            (std::vector<std::string>{"kwtoestnessbiophysicalohax.com", "rvcxestnessbiophysicalohax.com",
                                      "hjbtestnessbiophysicalohax.com"}));
  // Ramnit with seed EF214BBF, as the reference script prints it.
  EXPECT_EQ(generate_dga_domains(DgaFamily::kRamnit, 0, 2),
            (std::vector<std::string>{"mtsoexdphaqliva.com", "uulwwmawqjujuuprpp.com"}));
  auto necurs = generate_dga_domains(DgaFamily::kNecurs, 20000, 50);
  ASSERT_EQ(necurs.size(), 50u);
  for (const auto& d : necurs) {
    auto label = d.substr(0, d.find('.'));
    EXPECT_GE(label.size(), 7u);
    EXPECT_LE(label.size(), 21u);
  }
  EXPECT_EQ(generate_dga_domains(DgaFamily::kWordPairs, 1, 3, {"apple", "river"}).size(), 3u);
}

TEST(BenignNoise, ExactNamesAndNamesBelow) {
  BenignNoise list =
      BenignNoise::parse("# comment\nmetadata.google.internal\n*.hash.cymru.com  # trailing\n\n", "test");
  EXPECT_EQ(list.size(), 2u);
  EXPECT_TRUE(list.matches("metadata.google.internal"));
  EXPECT_FALSE(list.matches("x.metadata.google.internal"));
  EXPECT_TRUE(list.matches("abc.malware.hash.cymru.com"));
  EXPECT_FALSE(list.matches("hash.cymru.com"));  // *.x excludes x itself
  EXPECT_FALSE(list.matches("cymru.com"));
  try {
    (void)BenignNoise::parse("ok.example\nbad..name\n", "list.txt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("list.txt:2"), std::string::npos);
  }
  EXPECT_TRUE(BenignNoise::builtin().matches("does-not-exist.example.com"));
  EXPECT_TRUE(BenignNoise::builtin().matches("ip-10-0-0-1.ec2.internal"));
  EXPECT_FALSE(BenignNoise::builtin().matches("evil-tunnel.net"));
}

}  // namespace
}  // namespace dnslens
