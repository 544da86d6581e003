// EventRules and event_id (infer/stream/events.h): BEHAVIOUR_CHANGE is not
// raised on a stream's first window and is raised when the class changes;
// HIGH_ENGAGEMENT, LONG_DWELL and SECURITY_FLAG are raised on rising edges
// only (at or above their thresholds); revisions and windows older than the
// last raise nothing and change no state; streams are independent. Each
// event's id is FNV-1a 64 over "stream|window|type", computed here
// independently and compared as 16 hex digits, and its sequence number is
// window * 4 + the type's index in event_types(). The other cases check
// each event's id against event_id of its stream, window and type.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "events.h"

namespace {

using namespace storefuse::infer::stream;

std::string fnv1a64_hex(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016" PRIx64, h);
  return out;
}

Prediction window(int64_t index, const std::string& behavior, double p_behavior = 0.7, double engagement = 0.1,
                  double dwell_s = 10, double p_concealment = 0.05) {
  Prediction p;
  p.store = "s1";
  p.camera = "c1";
  p.visit = "v" + std::to_string(index);
  p.index = index;
  p.end_s = static_cast<double>(index);
  p.start_s = p.end_s - 4;
  p.behavior = behavior;
  if (behavior != "concealment") p.probabilities.emplace_back(behavior, p_behavior);
  p.probabilities.emplace_back("concealment", behavior == "concealment" ? p_behavior : p_concealment);
  p.engagement = engagement;
  p.dwell_s = dwell_s;
  return p;
}

std::vector<std::string> types(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}

using Types = std::vector<std::string>;

TEST(StreamEvents, TheHashIsFnv1a64) {  // the test's own FNV-1a against published values
  EXPECT_EQ(fnv1a64_hex(""), "cbf29ce484222325");
  EXPECT_EQ(fnv1a64_hex("a"), "af63dc4c8601ec8c");
  EXPECT_EQ(fnv1a64_hex("foobar"), "85944171f73967e8");
}

TEST(StreamEvents, EventIdIsFnv1aOfStreamWindowType) {
  for (const auto& type : event_types()) {
    EXPECT_EQ(event_id("s1/c1", 1716582009, type), fnv1a64_hex("s1/c1|1716582009|" + type));
    EXPECT_EQ(event_id("s1/c1", -3, type), fnv1a64_hex("s1/c1|-3|" + type));
  }
  EXPECT_EQ(event_id("s1/c1", 5, "LONG_DWELL"), event_id("s1/c1", 5, "LONG_DWELL"));
  EXPECT_NE(event_id("s1/c1", 5, "LONG_DWELL"), event_id("s1/c1", 6, "LONG_DWELL"));
  EXPECT_EQ(event_id("s1/c1", 5, "LONG_DWELL").size(), 16u);
}

TEST(StreamEvents, TypesInOrder) {
  EXPECT_EQ(event_types(), (Types{"BEHAVIOUR_CHANGE", "HIGH_ENGAGEMENT", "LONG_DWELL", "SECURITY_FLAG"}));
}

TEST(StreamEvents, BehaviourChangeNotOnTheFirstWindow) {
  EventRules rules{EventOptions{}};
  EXPECT_TRUE(rules.update(window(10, "browsing")).empty());
  EXPECT_TRUE(rules.update(window(11, "browsing")).empty());
  const auto e = rules.update(window(12, "queueing", 0.55));
  ASSERT_EQ(types(e), Types{"BEHAVIOUR_CHANGE"});
  EXPECT_EQ(e[0].behavior, "queueing");
  EXPECT_DOUBLE_EQ(e[0].confidence, 0.55);  // P(the new class)
  EXPECT_EQ(e[0].id, event_id("s1/c1", 12, "BEHAVIOUR_CHANGE"));
  EXPECT_EQ(e[0].sequence, 12 * 4 + 0);
  EXPECT_EQ(e[0].window, 12);
  EXPECT_DOUBLE_EQ(e[0].timestamp, 12.0);
  EXPECT_EQ(e[0].store, "s1");
  EXPECT_EQ(e[0].camera, "c1");
  EXPECT_EQ(e[0].visit, "v12");
  EXPECT_TRUE(rules.update(window(13, "queueing")).empty());
  EXPECT_EQ(types(rules.update(window(14, "browsing"))), Types{"BEHAVIOUR_CHANGE"});
}

TEST(StreamEvents, BehaviourChangeCanBeTurnedOff) {
  EventOptions o;
  o.behaviour_change = false;
  EventRules rules{o};
  rules.update(window(1, "browsing"));
  EXPECT_TRUE(rules.update(window(2, "queueing")).empty());
}

TEST(StreamEvents, HighEngagementOnRisingEdges) {
  EventRules rules{EventOptions{}};  // high_engagement 0.8
  const auto first = rules.update(window(1, "browsing", 0.7, 0.9));
  ASSERT_EQ(types(first), Types{"HIGH_ENGAGEMENT"});  // a rising edge from the initial state
  EXPECT_DOUBLE_EQ(first[0].confidence, 0.9);
  EXPECT_EQ(first[0].sequence, 1 * 4 + 1);
  EXPECT_EQ(first[0].id, event_id("s1/c1", 1, "HIGH_ENGAGEMENT"));
  EXPECT_TRUE(rules.update(window(2, "browsing", 0.7, 0.95)).empty());
  EXPECT_TRUE(rules.update(window(3, "browsing", 0.7, 0.5)).empty());
  EXPECT_EQ(types(rules.update(window(4, "browsing", 0.7, 0.8))), Types{"HIGH_ENGAGEMENT"});  // at the threshold
}

TEST(StreamEvents, LongDwellOnRisingEdges) {
  EventRules rules{EventOptions{}};  // long_dwell_s 120
  EXPECT_TRUE(rules.update(window(1, "browsing", 0.7, 0.1, 119.9)).empty());
  const auto e = rules.update(window(2, "browsing", 0.7, 0.1, 120));
  ASSERT_EQ(types(e), Types{"LONG_DWELL"});
  EXPECT_EQ(e[0].sequence, 2 * 4 + 2);
  EXPECT_DOUBLE_EQ(e[0].confidence, 0.7);
  EXPECT_TRUE(rules.update(window(3, "browsing", 0.7, 0.1, 300)).empty());
  EXPECT_TRUE(rules.update(window(4, "browsing", 0.7, 0.1, 5)).empty());
  EXPECT_EQ(types(rules.update(window(5, "browsing", 0.7, 0.1, 200))), Types{"LONG_DWELL"});
}

TEST(StreamEvents, SecurityFlagOnRisingEdges) {
  EventRules rules{EventOptions{}};  // concealment at 0.6
  EXPECT_TRUE(rules.update(window(1, "browsing", 0.7, 0.1, 10, 0.59)).empty());
  const auto e = rules.update(window(2, "browsing", 0.3, 0.1, 10, 0.6));
  ASSERT_EQ(types(e), Types{"SECURITY_FLAG"});
  EXPECT_DOUBLE_EQ(e[0].confidence, 0.6);
  EXPECT_EQ(e[0].sequence, 2 * 4 + 3);
  EXPECT_EQ(e[0].id, event_id("s1/c1", 2, "SECURITY_FLAG"));
  EXPECT_TRUE(rules.update(window(3, "browsing", 0.2, 0.1, 10, 0.8)).empty());
  EXPECT_TRUE(rules.update(window(4, "browsing", 0.9, 0.1, 10, 0.1)).empty());
  EXPECT_EQ(types(rules.update(window(5, "browsing", 0.3, 0.1, 10, 0.7))), Types{"SECURITY_FLAG"});
}

TEST(StreamEvents, SeveralInOneWindowComeInTypeOrder) {
  EventRules rules{EventOptions{}};
  rules.update(window(1, "browsing"));
  const auto e = rules.update(window(2, "concealment", 0.9, 0.85, 150));
  EXPECT_EQ(types(e), (Types{"BEHAVIOUR_CHANGE", "HIGH_ENGAGEMENT", "LONG_DWELL", "SECURITY_FLAG"}));
  for (size_t i = 0; i < e.size(); ++i) {
    EXPECT_EQ(e[i].sequence, 2 * 4 + static_cast<int64_t>(i));
    EXPECT_EQ(e[i].id, event_id("s1/c1", 2, e[i].type));
  }
}

TEST(StreamEvents, RevisionsAndOlderWindowsRaiseNothingAndChangeNoState) {
  EventRules rules{EventOptions{}};
  rules.update(window(1, "browsing"));
  Prediction revised = window(1, "queueing", 0.9, 0.95, 500, 0.9);
  revised.revision = 1;
  EXPECT_TRUE(rules.update(revised).empty());
  EXPECT_TRUE(rules.update(window(0, "queueing", 0.9, 0.95, 500, 0.9)).empty());  // older
  EXPECT_TRUE(rules.update(window(1, "queueing", 0.9, 0.95, 500, 0.9)).empty());  // the same again
  // the state is still window 1's: browsing, nothing raised
  EXPECT_TRUE(rules.update(window(2, "browsing")).empty());
  EXPECT_EQ(types(rules.update(window(3, "queueing", 0.9, 0.95))), (Types{"BEHAVIOUR_CHANGE", "HIGH_ENGAGEMENT"}));
}

TEST(StreamEvents, StreamsAreIndependent) {
  EventRules rules{EventOptions{}};
  rules.update(window(1, "browsing", 0.7, 0.9));
  Prediction other = window(1, "queueing", 0.7, 0.9);
  other.camera = "c2";
  const auto e = rules.update(other);  // its own first window
  ASSERT_EQ(types(e), Types{"HIGH_ENGAGEMENT"});
  EXPECT_EQ(e[0].id, event_id("s1/c2", 1, "HIGH_ENGAGEMENT"));
  rules.forget("s1/c1");
  EXPECT_EQ(types(rules.update(window(2, "queueing", 0.7, 0.9))), Types{"HIGH_ENGAGEMENT"});  // fresh state
}

}  // namespace
