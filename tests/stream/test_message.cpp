// parse_message and pcm_samples (infer/stream/message.h): each kind of
// message parses into its fields (pos, sensor with a dropped channel, frame
// as a JSON header line and the image bytes, audio in s16le and f32le, with
// PCM scaled by 1/32768), and each malformed input is refused with
// storefuse::Error of kind Data whose problem names what is wrong and whose
// where names the topic: a topic outside the prefix, a wrong number of
// levels, an unknown kind, bad JSON, a missing, non-numeric or non-finite
// ts, a frame without its header newline, PCM of odd length, a bad rate or
// format, a payload over max_bytes, a POS line holding a line break.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "message.h"
#include "storefuse/core/error.h"
#include "storefuse/features/wav.h"

namespace {

using namespace storefuse;
using infer::stream::Kind;
using infer::stream::Message;
using infer::stream::MessageLimits;
using infer::stream::parse_message;
using infer::stream::pcm_samples;

const std::string kPrefix = "storefuse";

Message parse(const std::string& topic, const std::string& payload, const MessageLimits& limits = {}) {
  return parse_message(topic, payload, kPrefix, limits);
}

// The Error(Data) parse_message throws; fails the test when it does not.
Error refusal(const std::string& topic, const std::string& payload, const MessageLimits& limits = {}) {
  try {
    parse(topic, payload, limits);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Data) << e.what();
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a storefuse::Error: " << e.what();
    return Error(ErrorKind::Runtime, "wrong exception");
  }
  ADD_FAILURE() << "accepted " << topic << " " << payload;
  return Error(ErrorKind::Runtime, "accepted");
}

#define EXPECT_REFUSED(topic, payload, words)                                        \
  do {                                                                              \
    const Error e_ = refusal(topic, payload);                                       \
    EXPECT_NE(e_.problem().find(words), std::string::npos) << e_.what();            \
    EXPECT_NE(e_.where().find(topic), std::string::npos) << e_.what();              \
  } while (0)

std::string s16(const std::vector<int16_t>& v) {
  std::string out(v.size() * 2, '\0');
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

std::string f32(const std::vector<float>& v) {
  std::string out(v.size() * 4, '\0');
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

TEST(StreamMessage, PosParses) {
  const Message m = parse("storefuse/s1/cam2/pos", R"({"ts": 1716582008.9, "line": "SALE reg=4 total=9.99", "visit": "200"})");
  EXPECT_EQ(m.kind, Kind::Pos);
  EXPECT_EQ(m.store, "s1");
  EXPECT_EQ(m.camera, "cam2");
  EXPECT_EQ(m.stream(), "s1/cam2");
  EXPECT_DOUBLE_EQ(m.ts, 1716582008.9);
  EXPECT_EQ(m.line, "SALE reg=4 total=9.99");
  EXPECT_EQ(m.visit, "200");
  EXPECT_EQ(parse("storefuse/s1/cam2/pos", R"({"ts": 1, "line": "x", "visit": 17})").visit, "17");
  EXPECT_EQ(parse("storefuse/s1/cam2/pos", R"({"ts": 1, "line": "x"})").visit, "");
}

TEST(StreamMessage, PrefixWithLevels) {
  const Message m = parse_message("acme/stores/s1/c1/pos", R"({"ts": 5, "line": "x"})", "acme/stores");
  EXPECT_EQ(m.stream(), "s1/c1");
  EXPECT_EQ(infer::stream::topic_of("acme/stores", "s1/c1", Kind::Audio), "acme/stores/s1/c1/audio");
}

TEST(StreamMessage, SensorParsesAndSkipsNullChannels) {
  const Message m = parse("storefuse/s1/c1/sensor",
                          R"({"ts": 10.5, "values": {"shelf_weight_kg": 28.27, "door_open": null, "temp_c": 21}})");
  EXPECT_EQ(m.kind, Kind::Sensor);
  ASSERT_EQ(m.values.size(), 2u);
  bool weight = false, temp = false;
  for (const auto& [name, v] : m.values) {
    EXPECT_NE(name, "door_open");
    if (name == "shelf_weight_kg") weight = v == 28.27;
    if (name == "temp_c") temp = v == 21.0;
  }
  EXPECT_TRUE(weight);
  EXPECT_TRUE(temp);
}

TEST(StreamMessage, FrameIsAHeaderLineAndTheImageBytes) {
  const std::string image("\x89PNG\r\n\x1a\n\0\x01\n", 11);  // newlines and a NUL inside
  const std::string payload = R"({"ts": 3.25, "visit": "v9"})" "\n" + image;
  const Message m = parse("storefuse/s1/c1/frame", payload);
  EXPECT_EQ(m.kind, Kind::Frame);
  EXPECT_DOUBLE_EQ(m.ts, 3.25);
  EXPECT_EQ(m.visit, "v9");
  EXPECT_EQ(std::string(m.bytes), image);
  EXPECT_EQ(m.bytes.data(), payload.data() + payload.find('\n') + 1);  // points into the payload
}

TEST(StreamMessage, AudioS16leScaledBy32768) {
  const std::string payload = std::string(R"({"ts": 7, "rate": 16000, "format": "s16le"})") + "\n" +
                              s16({0, 16384, -32768, 32767, -1});
  const Message m = parse("storefuse/s1/c1/audio", payload);
  EXPECT_EQ(m.kind, Kind::Audio);
  EXPECT_EQ(m.rate_hz, 16000);
  EXPECT_FALSE(m.float32);
  const std::vector<float> x = pcm_samples(m);
  ASSERT_EQ(x.size(), 5u);
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_EQ(x[1], 0.5f);
  EXPECT_EQ(x[2], -1.0f);
  EXPECT_EQ(x[3], 32767.0f / 32768.0f);
  EXPECT_EQ(x[4], -1.0f / 32768.0f);
  // s16le is the default format
  EXPECT_FALSE(parse("storefuse/s1/c1/audio", std::string(R"({"ts": 7, "rate": 8000})") + "\n" + s16({1})).float32);
}

TEST(StreamMessage, AudioF32le) {
  const std::vector<float> v{0.25f, -0.75f, 1.5f};
  const Message m = parse("storefuse/s1/c1/audio", std::string(R"({"ts": 7, "rate": 48000, "format": "f32le"})") + "\n" + f32(v));
  EXPECT_TRUE(m.float32);
  EXPECT_EQ(m.rate_hz, 48000);
  EXPECT_EQ(pcm_samples(m), v);
}

TEST(StreamMessage, TopicErrors) {
  EXPECT_REFUSED("other/s1/c1/pos", R"({"ts": 1, "line": "x"})", "is not storefuse/STORE/CAMERA/KIND");
  EXPECT_REFUSED("storefuse/s1/pos", R"({"ts": 1, "line": "x"})", "is not storefuse/STORE/CAMERA/KIND");
  EXPECT_REFUSED("storefuse/s1/c1/x/pos", R"({"ts": 1, "line": "x"})", "is not storefuse/STORE/CAMERA/KIND");
  EXPECT_REFUSED("storefuse//c1/pos", R"({"ts": 1, "line": "x"})", "empty store or camera");
  EXPECT_REFUSED("storefuse/s1/c1/video", R"({"ts": 1, "line": "x"})", "'video' is not a kind");
}

TEST(StreamMessage, JsonAndTsErrors) {
  EXPECT_REFUSED("storefuse/s1/c1/pos", R"({"ts": 1, "line": )", "invalid JSON");
  EXPECT_REFUSED("storefuse/s1/c1/pos", R"([1, 2])", "not a JSON object");
  EXPECT_REFUSED("storefuse/s1/c1/pos", R"({"line": "x"})", "'ts' is missing or not a number");
  EXPECT_REFUSED("storefuse/s1/c1/pos", R"({"ts": "12", "line": "x"})", "'ts' is missing or not a number");
  // Non-finite: JSON has no inf or NaN, and a number past double's range is
  // refused by the JSON parser before 'ts' is looked at.
  EXPECT_REFUSED("storefuse/s1/c1/pos", R"({"ts": 1e999, "line": "x"})", "1e999");
  EXPECT_REFUSED("storefuse/s1/c1/pos", R"({"ts": 1, "line": "x", "visit": 1.5})", "'visit' is not a string");
}

TEST(StreamMessage, KindFieldErrors) {
  EXPECT_REFUSED("storefuse/s1/c1/pos", R"({"ts": 1})", "'line' is missing");
  EXPECT_REFUSED("storefuse/s1/c1/pos", R"({"ts": 1, "line": "a\nb"})", "'line' holds a line break");
  EXPECT_REFUSED("storefuse/s1/c1/sensor", R"({"ts": 1, "values": [1]})", "'values' is missing or not an object");
  EXPECT_REFUSED("storefuse/s1/c1/sensor", R"({"ts": 1, "values": {"a": "x"}})", "'values.a' is not a number");
  EXPECT_REFUSED("storefuse/s1/c1/frame", R"({"ts": 1} no newline)", "does not start with a JSON header line");
  EXPECT_REFUSED("storefuse/s1/c1/frame", std::string(R"({"ts": 1})") + "\n", "no image bytes");
}

TEST(StreamMessage, FrameHeaderOverItsLimit) {
  MessageLimits limits;
  limits.max_header_bytes = 16;
  const Error e = refusal("storefuse/s1/c1/frame", std::string(R"({"ts": 1, "visit": "abcdefgh"})") + "\nIMG", limits);
  EXPECT_NE(e.problem().find("JSON header line"), std::string::npos) << e.what();
}

TEST(StreamMessage, AudioErrors) {
  const std::string t = "storefuse/s1/c1/audio";
  EXPECT_REFUSED(t, std::string(R"({"ts": 1, "rate": 16000})") + "\n" + "abc", "not whole s16le samples");
  EXPECT_REFUSED(t, std::string(R"({"ts": 1, "rate": 16000, "format": "f32le"})") + "\n" + "abcdef", "not whole f32le samples");
  EXPECT_REFUSED(t, std::string(R"({"ts": 1, "rate": 16000})") + "\n", "not whole s16le samples");
  EXPECT_REFUSED(t, std::string(R"({"ts": 1})") + "\n" + s16({1}), "'rate' is missing or not a sample rate");
  EXPECT_REFUSED(t, std::string(R"({"ts": 1, "rate": 999})") + "\n" + s16({1}), "'rate' is missing or not a sample rate");
  EXPECT_REFUSED(t, std::string(R"({"ts": 1, "rate": 384001})") + "\n" + s16({1}), "'rate' is missing or not a sample rate");
  EXPECT_REFUSED(t, std::string(R"({"ts": 1, "rate": "16000"})") + "\n" + s16({1}), "'rate' is missing or not a sample rate");
  EXPECT_REFUSED(t, std::string(R"({"ts": 1, "rate": 16000.5})") + "\n" + s16({1}), "'rate' is missing or not a sample rate");
  EXPECT_REFUSED(t, std::string(R"({"ts": 1, "rate": 16000, "format": "u8"})") + "\n" + s16({1}), "'format' is 'u8'");
}

// message.h: "a field of the wrong type ... is Error(Data) naming the topic
// and the field" — format as a number is one.
TEST(StreamMessage, AudioFormatOfTheWrongType) {
  const std::string t = "storefuse/s1/c1/audio";
  EXPECT_REFUSED(t, std::string(R"({"ts": 1, "rate": 16000, "format": 5})") + "\n" + s16({1}), "'format'");
}

TEST(StreamMessage, PayloadOverMaxBytes) {
  MessageLimits limits;
  limits.max_bytes = 32;
  const std::string payload = R"({"ts": 1, "line": "0123456789abcdef"})";  // 37 bytes
  ASSERT_GT(payload.size(), limits.max_bytes);
  const Error e = refusal("storefuse/s1/c1/pos", payload, limits);
  EXPECT_NE(e.problem().find("over the limit of 32"), std::string::npos) << e.what();
  limits.max_bytes = payload.size();
  EXPECT_EQ(parse("storefuse/s1/c1/pos", payload, limits).line, "0123456789abcdef");
}

}  // namespace

// An audio chunk sent as a WAV file: its rate and samples come from the file
// (written here with the toolkit's own encoder, read back exactly: 16-bit).
TEST(StreamMessage, AudioAsAWavFile) {
  features::Audio a;
  a.sample_rate_hz = 8000;
  for (int i = 0; i < 800; ++i) a.samples.push_back(static_cast<float>((i % 64) - 32) / 32768.0f);
  const std::string payload = "{\"ts\": 5.0, \"format\": \"wav\"}\n" + features::encode_wav(a);
  const Message m = parse_message("storefuse/s/c/audio", payload, "storefuse");
  EXPECT_EQ(m.rate_hz, 8000);
  EXPECT_EQ(pcm_samples(m), a.samples);
  EXPECT_THROW(parse_message("storefuse/s/c/audio", "{\"ts\": 5.0, \"format\": \"wav\"}\nRIFFxxxx", "storefuse"), Error);
  EXPECT_THROW(parse_message("storefuse/s/c/audio", "{\"ts\": 5.0, \"format\": \"wav\", \"rate\": 8000}\n" + features::encode_wav(a),
                             "storefuse"),
               Error);
}
