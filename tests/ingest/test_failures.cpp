// Every failure path with real broken files: the error names the manifest
// row and the file (file:line inside CSVs) and says how to fix it; with
// skip_bad the sample is left out and its reason recorded; no output file
// appears when ingest fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "media_fixture.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/features/audio_resample.h"
#include "storefuse/features/wav.h"

namespace storefuse::ingest::testing {
namespace {

using datasets::Modality;

class Failures : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir("failures");
    generate(dir_, "vectors", 24, 0);
    split_ = dir_ / "media" / "train";
    const Manifest m = read_manifest(split_ / "manifest.csv");
    rows_ = m.rows;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The i-th manifest row that has modality `mod`.
  const ManifestRow& with(Modality mod, int i = 0) const {
    for (const auto& r : rows_) {
      if (r.has(mod) && i-- == 0) return r;
    }
    throw std::runtime_error("no such row");
  }
  const fs::path& file(const ManifestRow& r, Modality mod) const { return r.media[static_cast<int>(mod)]; }

  // Runs ingest and returns its Error (fails the test when it succeeds).
  Error ingest_error(IngestRequest r) const {
    try {
      ingest(r);
    } catch (const Error& e) {
      EXPECT_FALSE(fs::exists(r.out)) << "a failed ingest left " << r.out;
      return e;
    }
    ADD_FAILURE() << "ingest succeeded";
    return Error(ErrorKind::Runtime, "");
  }
  IngestRequest req() const {
    IngestRequest r = request(dir_, "train", dir_ / "out.h5");
    r.classes = retailsim::behavior_names();  // a few samples do not show every class
    return r;
  }
  std::string row_ref(const ManifestRow& r) const {
    return "manifest.csv:" + std::to_string(r.line) + " (sample_id " + std::to_string(r.sample_id) + ")";
  }

  fs::path dir_, split_;
  std::vector<ManifestRow> rows_;
};

std::string text_of(const fs::path& f) { return read_file(f); }
void write(const fs::path& f, const std::string& s) { write_file_atomic(f, s); }

TEST_F(Failures, UnreadableVideoNamesTheRowAndTheFile) {
  const auto& r = with(Modality::Visual);
  write(file(r, Modality::Visual), "this is not an AVI file");
  Error e = ingest_error(req());
  EXPECT_NE(e.where().find(row_ref(r)), std::string::npos) << e.where();
  EXPECT_NE(e.where().find(file(r, Modality::Visual).string()), std::string::npos) << e.where();
  EXPECT_FALSE(e.fix().empty());
}

TEST_F(Failures, BrokenWavHeaderNamesTheRowAndTheFile) {
  const auto& r = with(Modality::Audio, 1);
  std::string wav = text_of(file(r, Modality::Audio));
  std::memcpy(&wav[8], "WAVX", 4);  // the RIFF form type
  write(file(r, Modality::Audio), wav);
  Error e = ingest_error(req());
  EXPECT_EQ(e.kind(), ErrorKind::Data);
  EXPECT_NE(e.where().find(row_ref(r)), std::string::npos) << e.where();
  EXPECT_NE(e.where().find(file(r, Modality::Audio).string()), std::string::npos) << e.where();

  write(file(r, Modality::Audio), wav.substr(0, 30));  // truncated inside the fmt chunk
  e = ingest_error(req());
  EXPECT_NE(e.where().find(row_ref(r)), std::string::npos) << e.where();
}

// A WAV with a valid header and no samples is bad media, as it is for
// `storefuse features mfcc`: an error naming the file, never a row of
// padding fed as present audio.
TEST_F(Failures, AWavWithoutSamplesIsAnErrorNotSilence) {
  const auto& r = with(Modality::Audio, 2);
  features::write_wav(file(r, Modality::Audio), {16000, {}});
  Error e = ingest_error(req());
  EXPECT_EQ(e.kind(), ErrorKind::Data);
  EXPECT_NE(e.problem().find("holds no audio samples"), std::string::npos) << e.what();
  EXPECT_NE(e.where().find(row_ref(r)), std::string::npos) << e.where();
  EXPECT_NE(e.where().find(file(r, Modality::Audio).string()), std::string::npos) << e.where();
}

TEST_F(Failures, MissingFileNamesTheRowAndTheFile) {
  const auto& r = with(Modality::Sensor, 2);
  fs::remove(file(r, Modality::Sensor));
  Error e = ingest_error(req());
  EXPECT_EQ(e.kind(), ErrorKind::Io);
  EXPECT_EQ(e.problem(), "file not found");
  EXPECT_NE(e.where().find(row_ref(r)), std::string::npos) << e.where();
  EXPECT_NE(e.where().find(file(r, Modality::Sensor).string()), std::string::npos);
}

TEST_F(Failures, SensorTimestampsOutOfOrderNameTheLine) {
  const auto& r = with(Modality::Sensor);
  std::istringstream in(text_of(file(r, Modality::Sensor)));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::swap(lines[3], lines[4]);  // data rows 3 and 4 sit on lines 4 and 5
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  write(file(r, Modality::Sensor), out);
  Error e = ingest_error(req());
  EXPECT_NE(e.problem().find("timestamps out of order"), std::string::npos) << e.problem();
  EXPECT_NE(e.where().find(file(r, Modality::Sensor).string() + ":5"), std::string::npos) << e.where();
  EXPECT_NE(e.where().find(row_ref(r)), std::string::npos) << e.where();
}

TEST_F(Failures, MissingColumnsAreNamed) {
  // Manifest without its audio column.
  std::string m = text_of(split_ / "manifest.csv");
  std::istringstream in(m);
  std::string out;
  for (std::string l; std::getline(in, l);) {
    // columns: sample_id,customer_id,store_id,camera_id,timestamp,video,audio,sensor,pos
    std::vector<std::string> f;
    std::stringstream ss(l);
    for (std::string c; std::getline(ss, c, ',');) f.push_back(c);
    while (f.size() < 9) f.push_back("");
    f.erase(f.begin() + 6);
    for (size_t i = 0; i < f.size(); ++i) out += (i ? "," : "") + f[i];
    out += "\n";
  }
  write(split_ / "manifest.csv", out);
  Error e = ingest_error(req());
  EXPECT_NE(e.problem().find("'audio'"), std::string::npos) << e.problem();
  EXPECT_NE(e.where().find("manifest.csv:1"), std::string::npos) << e.where();

  // A sensor file without one of its channels.
  write(split_ / "manifest.csv", m);
  const auto& r = with(Modality::Sensor);
  std::string s = text_of(file(r, Modality::Sensor));
  s.replace(s.find("timestamp_s"), 11, "time");
  write(file(r, Modality::Sensor), s);
  e = ingest_error(req());
  EXPECT_NE(e.problem().find("'timestamp_s'"), std::string::npos) << e.problem();
  EXPECT_NE(e.where().find(file(r, Modality::Sensor).string() + ":1"), std::string::npos) << e.where();

  // A POS log without its text column fails every sample that uses it.
  write(file(r, Modality::Sensor), text_of(file(with(Modality::Sensor, 1), Modality::Sensor)));
  write(split_ / "pos.csv", "sample_id,line\n1,0\n");
  e = ingest_error(req());
  EXPECT_NE(e.problem().find("'text'"), std::string::npos) << e.problem();
  EXPECT_NE(e.where().find("pos.csv:1"), std::string::npos) << e.where();
}

TEST_F(Failures, LabelsMustCoverEverySampleWithKnownClasses) {
  std::string labels = text_of(split_ / "labels.csv");
  const std::string header = labels.substr(0, labels.find('\n') + 1);
  std::string rest = labels.substr(header.size());
  write(split_ / "labels.csv", header + rest.substr(rest.find('\n') + 1));  // first sample unlabelled
  IngestRequest r = req();
  Error e = ingest_error(r);
  EXPECT_NE(e.problem().find("no row for this sample"), std::string::npos) << e.problem();
  EXPECT_NE(e.where().find(row_ref(rows_[0])), std::string::npos) << e.where();

  write(split_ / "labels.csv", header + "0,loitering,3,10,0.5\n" + rest);
  e = ingest_error(r);
  EXPECT_NE(e.problem().find("unknown behavior 'loitering'"), std::string::npos) << e.problem();
  EXPECT_NE(e.where().find("labels.csv:2"), std::string::npos) << e.where();
}

TEST_F(Failures, SkipBadLeavesTheSamplesOutAndSaysWhy) {
  const auto& video = with(Modality::Visual, 3);
  const auto& audio = with(Modality::Audio, 5);
  write(file(video, Modality::Visual), "garbage");
  write(file(audio, Modality::Audio), "RIFF");
  IngestRequest r = req();
  r.skip_bad = true;
  auto res = ingest(r);
  const size_t bad = video.sample_id == audio.sample_id ? 1 : 2;
  ASSERT_EQ(res.skipped.size(), bad);
  EXPECT_EQ(res.rows, static_cast<int64_t>(rows_.size() - bad));
  std::set<int64_t> skipped_ids;
  for (const auto& s : res.skipped) {
    skipped_ids.insert(s.sample_id);
    EXPECT_FALSE(s.reason.empty());
    EXPECT_NE(s.where.find("manifest.csv:" + std::to_string(s.line)), std::string::npos) << s.where;
  }
  EXPECT_TRUE(skipped_ids.count(video.sample_id) && skipped_ids.count(audio.sample_id));
  auto reader = datasets::DatasetReader::open(r.out);
  auto ids = reader->read_ids("sample_id");
  for (auto id : ids) EXPECT_FALSE(skipped_ids.count(id)) << "skipped sample " << id << " is in the dataset";
  EXPECT_EQ(to_json(res.skipped).size(), bad);
}

// One bad row of the POS file all samples share leaves out its sample
// alone, once, not every sample of the file.
TEST_F(Failures, ABadPosRowLeavesOutItsSampleAlone) {
  const fs::path pos = file(with(Modality::Text), Modality::Text);
  std::string text = text_of(pos);
  const size_t first = text.find('\n') + 1;
  const std::string row = text.substr(first, text.find('\n', first) - first + 1);
  const int64_t bad_id = std::stoll(row.substr(0, row.find(',')));
  write(pos, text + row);  // the same sample_id and line again
  IngestRequest r = req();
  r.skip_bad = true;
  auto res = ingest(r);
  ASSERT_EQ(res.skipped.size(), 1u);
  EXPECT_EQ(res.skipped[0].sample_id, bad_id);
  EXPECT_NE(res.skipped[0].reason.find("twice"), std::string::npos) << res.skipped[0].reason;
  EXPECT_EQ(res.rows, static_cast<int64_t>(rows_.size()) - 1);
}

int run_storefuse(const std::string& args, std::string& output) {
  const fs::path log = fs::temp_directory_path() / ("storefuse_test_ingest_cli_" + std::to_string(getpid()));
  int rc = std::system((std::string(STOREFUSE_BIN) + " " + args + " > " + log.string() + " 2>&1").c_str());
  output = read_file(log);
  fs::remove(log);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// The command line: exit 1 with the row and file named and no output file;
// with --skip-bad exit 0, the rest written and the report listing the sample.
TEST_F(Failures, CommandLineNamesTheRowOrSkipsAndReports) {
  const auto& r = with(Modality::Visual, 2);
  write(file(r, Modality::Visual), "not a video");
  const fs::path out = dir_ / "cli.h5", report = dir_ / "skipped.json";
  std::string args = "ingest --no-progress --manifest " + (split_ / "manifest.csv").string() + " --labels " +
                     (split_ / "labels.csv").string() + " --classes " + [] {
                       std::string c;
                       for (const auto& n : retailsim::behavior_names()) c += (c.empty() ? "" : ",") + n;
                       return c;
                     }() + " --out " + out.string();
  std::string output;
  EXPECT_EQ(1, run_storefuse(args, output)) << output;
  EXPECT_NE(output.find(row_ref(r)), std::string::npos) << output;
  EXPECT_NE(output.find("fix:"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(out));

  EXPECT_EQ(0, run_storefuse(args + " --skip-bad --report " + report.string(), output)) << output;
  EXPECT_NE(output.find("1 skipped"), std::string::npos) << output;
  json j = json::parse(read_file(report));
  EXPECT_EQ(j["samples"], rows_.size());
  EXPECT_EQ(j["written"], rows_.size() - 1);
  ASSERT_EQ(j["skipped"].size(), 1u);
  EXPECT_EQ(j["skipped"][0]["sample_id"], r.sample_id);
  EXPECT_EQ(j["skipped"][0]["manifest_line"], r.line);
  EXPECT_EQ(datasets::DatasetReader::open(out)->num_rows(), static_cast<int64_t>(rows_.size() - 1));
}

// WAV of another channel count and rate: mixed down and resampled.
TEST_F(Failures, StereoAndOtherRatesAreMixedDownAndResampled) {
  auto res = ingest(req());
  const auto reference = read_all(res.files[0]);
  const auto& r = with(Modality::Audio);
  auto mono = features::read_wav(file(r, Modality::Audio));
  // 16-bit stereo, both channels the same: the mix is the mono signal exactly.
  std::string pcm;
  for (float s : mono.samples) {
    int16_t v = static_cast<int16_t>(std::lround(s * 32768.0));
    pcm.append(reinterpret_cast<const char*>(&v), 2).append(reinterpret_cast<const char*>(&v), 2);
  }
  auto le32 = [](uint32_t x) { return std::string(reinterpret_cast<const char*>(&x), 4); };
  auto le16 = [](uint16_t x) { return std::string(reinterpret_cast<const char*>(&x), 2); };
  std::string wav = "RIFF" + le32(36 + pcm.size()) + "WAVEfmt " + le32(16) + le16(1) + le16(2) + le32(16000) +
                    le32(16000 * 4) + le16(4) + le16(16) + "data" + le32(pcm.size()) + pcm;
  write(file(r, Modality::Audio), wav);
  auto stereo = read_all(ingest(req()).files[0]);
  const int64_t row = std::find(reference.sample_id.begin(), reference.sample_id.end(), r.sample_id) -
                      reference.sample_id.begin();
  const auto& a = reference.input(Modality::Audio);
  const auto& b = stereo.input(Modality::Audio);
  EXPECT_EQ(0, std::memcmp(a.bytes.data() + row * a.row_bytes(), b.bytes.data() + row * b.row_bytes(), a.row_bytes()));

  // 44.1 kHz: resampled to the spec's 16 kHz; the mean MFCCs stay close. Not
  // equal: going up and back down removes 7.3-8 kHz twice (the resampler's
  // anti-alias cutoff is 0.91 x Nyquist) and the dB MFCC of those mel bands
  // moves (measured: 14 % relative L2). Reading the file as 16 kHz instead
  // would stretch the clip 2.76 x in time.
  features::write_wav(file(r, Modality::Audio), {44100, features::resample_audio(mono.samples, 16000, 44100)});
  auto resampled = read_all(ingest(req()).files[0]);
  const float* x = a.as<float>() + row * 130;
  const float* y = resampled.input(Modality::Audio).as<float>() + row * 130;
  double err = 0, norm = 0;
  for (int i = 0; i < 13; ++i) err += (x[i] - y[i]) * (x[i] - y[i]), norm += x[i] * x[i];  // the mean MFCCs
  EXPECT_LT(std::sqrt(err / norm), 0.25) << "mean MFCC of the 44.1 kHz copy moved by " << std::sqrt(err / norm);
}

}  // namespace
}  // namespace storefuse::ingest::testing
