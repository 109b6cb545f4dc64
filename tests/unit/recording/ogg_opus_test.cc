#include "recording/ogg_opus.h"

#include <gtest/gtest.h>
#include <ogg/ogg.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <set>

namespace fg::recording {
namespace {

constexpr double kLeftHz = 440;
constexpr double kRightHz = 1000;

// Interleaved stereo: left 440 Hz, right 1000 Hz.
std::vector<int16_t> StereoTones(int rate, double seconds) {
  const size_t frames = static_cast<size_t>(std::lround(rate * seconds));
  std::vector<int16_t> out(frames * 2);
  for (size_t i = 0; i < frames; ++i) {
    double t = static_cast<double>(i) / rate;
    out[2 * i] = static_cast<int16_t>(8000 * std::sin(2 * std::numbers::pi * kLeftHz * t));
    out[2 * i + 1] = static_cast<int16_t>(8000 * std::sin(2 * std::numbers::pi * kRightHz * t));
  }
  return out;
}

// Goertzel power of one channel at `hz` over up to one second after the codec's start-up.
double Power(const DecodedAudio& audio, int channel, double hz) {
  const size_t frames = audio.samples.size() / 2;
  const size_t begin = static_cast<size_t>(audio.sample_rate / 5);
  if (frames <= begin) return 0;
  const size_t count = std::min(static_cast<size_t>(audio.sample_rate), frames - begin);
  const double coefficient = 2 * std::cos(2 * std::numbers::pi * hz / audio.sample_rate);
  double s1 = 0, s2 = 0;
  for (size_t i = begin; i < begin + count; ++i) {
    double s0 = audio.samples[i * 2 + static_cast<size_t>(channel)] + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

// The strongest frequency of one channel between 100 Hz and 3 kHz, in 2 Hz steps.
double MeasureHz(const DecodedAudio& audio, int channel) {
  double best_hz = 0, best_power = -1;
  for (double hz = 100; hz <= 3000; hz += 2) {
    double power = Power(audio, channel, hz);
    if (power > best_power) best_power = power, best_hz = hz;
  }
  return best_hz;
}

struct Encoded {
  std::vector<std::vector<uint8_t>> segments;
  std::vector<uint8_t> All() const {
    std::vector<uint8_t> all;
    for (const auto& segment : segments) all.insert(all.end(), segment.begin(), segment.end());
    return all;
  }
};

Encoded Encode(OpusOptions options, const std::vector<int16_t>& pcm, size_t chunk = 333) {
  Encoded encoded;
  auto encoder = OggOpusEncoder::Create(options, [&](std::span<const uint8_t> segment) {
    encoded.segments.emplace_back(segment.begin(), segment.end());
    return Result<void>{};
  });
  EXPECT_TRUE(encoder.has_value());
  // Odd chunk sizes exercise the frame buffering.
  for (size_t offset = 0; offset < pcm.size(); offset += chunk * 2) {
    size_t size = std::min(chunk * 2, pcm.size() - offset);
    EXPECT_TRUE((*encoder)->Write(std::span(pcm).subspan(offset, size)).has_value());
  }
  EXPECT_TRUE((*encoder)->Finish().has_value());
  EXPECT_EQ((*encoder)->samples_written(), static_cast<int64_t>(pcm.size() / 2));
  return encoded;
}

class OggOpusRoundTrip : public ::testing::TestWithParam<int> {};

TEST_P(OggOpusRoundTrip, StereoTonesComeBackOnTheirChannelsAtTheCallRate) {
  const int rate = GetParam();
  auto pcm = StereoTones(rate, 2.0);
  Encoded encoded = Encode({.sample_rate = rate}, pcm);
  ASSERT_EQ(encoded.segments.size(), 1u);
  auto audio = DecodeOggOpus(encoded.All());
  ASSERT_TRUE(audio.has_value()) << audio.error().ToString();
  EXPECT_EQ(audio->sample_rate, rate);
  EXPECT_EQ(audio->channels, 2);
  // Length within one 20 ms frame (the encoder trims its padding exactly).
  EXPECT_NEAR(static_cast<double>(audio->samples.size()), static_cast<double>(pcm.size()),
              rate / 50.0 * 2);
  EXPECT_NEAR(MeasureHz(*audio, 0), kLeftHz, kLeftHz * 0.01);
  EXPECT_NEAR(MeasureHz(*audio, 1), kRightHz, kRightHz * 0.01);
  // Each tone stays on its own channel.
  EXPECT_GT(Power(*audio, 0, kLeftHz), 100 * Power(*audio, 0, kRightHz));
  EXPECT_GT(Power(*audio, 1, kRightHz), 100 * Power(*audio, 1, kLeftHz));
}

INSTANTIATE_TEST_SUITE_P(CallRates, OggOpusRoundTrip, ::testing::Values(8000, 16000));

TEST(OggOpus, EachSegmentIsACompleteStreamThatDecodesAlone) {
  auto pcm = StereoTones(8000, 3.5);
  Encoded encoded = Encode({.sample_rate = 8000, .segment_seconds = 1}, pcm);
  ASSERT_EQ(encoded.segments.size(), 4u);
  std::set<uint32_t> serials;
  const double expected_seconds[] = {1, 1, 1, 0.5};
  for (size_t i = 0; i < encoded.segments.size(); ++i) {
    const auto& segment = encoded.segments[i];
    ASSERT_GE(segment.size(), 27u);
    ASSERT_EQ(std::memcmp(segment.data(), "OggS", 4), 0);
    uint32_t serial = 0;
    std::memcpy(&serial, segment.data() + 14, 4);
    serials.insert(serial);
    auto audio = DecodeOggOpus(segment);
    ASSERT_TRUE(audio.has_value()) << "segment " << i << ": " << audio.error().ToString();
    EXPECT_EQ(audio->samples.size(), static_cast<size_t>(expected_seconds[i] * 8000 * 2));
    EXPECT_NEAR(MeasureHz(*audio, 1), kRightHz, kRightHz * 0.01);
  }
  EXPECT_EQ(serials.size(), 4u) << "each segment has its own serial number";
}

TEST(OggOpus, ChainedSegmentsDecodeToTheWholeLength) {
  auto pcm = StereoTones(16000, 3.5);
  Encoded encoded = Encode({.sample_rate = 16000, .segment_seconds = 1}, pcm);
  ASSERT_EQ(encoded.segments.size(), 4u);
  auto audio = DecodeOggOpus(encoded.All());
  ASSERT_TRUE(audio.has_value()) << audio.error().ToString();
  EXPECT_EQ(audio->samples.size(), pcm.size());
  EXPECT_NEAR(MeasureHz(*audio, 0), kLeftHz, kLeftHz * 0.01);
}

TEST(OggOpus, PagesAreFlushedAtLeastEverySecondAndTheLastPageEndsTheStream) {
  Encoded encoded = Encode({.sample_rate = 8000}, StereoTones(8000, 5.0));
  ASSERT_EQ(encoded.segments.size(), 1u);
  ogg_sync_state sync;
  ogg_sync_init(&sync);
  char* buffer = ogg_sync_buffer(&sync, static_cast<long>(encoded.segments[0].size()));
  std::memcpy(buffer, encoded.segments[0].data(), encoded.segments[0].size());
  ogg_sync_wrote(&sync, static_cast<long>(encoded.segments[0].size()));
  ogg_page page;
  std::vector<int64_t> granules;
  bool eos_last = false;
  while (ogg_sync_pageout(&sync, &page) == 1) {
    granules.push_back(ogg_page_granulepos(&page));
    eos_last = ogg_page_eos(&page) != 0;
  }
  ogg_sync_clear(&sync);
  EXPECT_TRUE(eos_last);
  ASSERT_GE(granules.size(), 7u);  // two header pages and at least five audio pages
  for (size_t i = 3; i < granules.size(); ++i) {
    EXPECT_GE(granules[i], granules[i - 1]);
    EXPECT_LE(granules[i] - granules[i - 1], 48000 + 960);
  }
}

TEST(OggOpus, BadOptionsAreInvalidArgument) {
  auto sink = [](std::span<const uint8_t>) { return Result<void>{}; };
  for (OpusOptions options :
       {OpusOptions{.sample_rate = 44100}, OpusOptions{.channels = 3}, OpusOptions{.bitrate = 100},
        OpusOptions{.complexity = 11}, OpusOptions{.segment_seconds = 0}}) {
    auto encoder = OggOpusEncoder::Create(options, sink);
    ASSERT_FALSE(encoder.has_value());
    EXPECT_EQ(encoder.error().code, ErrorCode::kInvalidArgument);
  }
  auto no_sink = OggOpusEncoder::Create({}, nullptr);
  ASSERT_FALSE(no_sink.has_value());
  EXPECT_EQ(no_sink.error().code, ErrorCode::kInvalidArgument);
}

TEST(OggOpus, AHalfStereoFrameIsInvalidArgument) {
  auto encoder = OggOpusEncoder::Create({}, [](auto) { return Result<void>{}; });
  ASSERT_TRUE(encoder.has_value());
  std::vector<int16_t> odd(3, 0);
  auto written = (*encoder)->Write(odd);
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().code, ErrorCode::kInvalidArgument);
}

TEST(OggOpus, ASinkErrorIsReturnedToTheWriter) {
  auto encoder = OggOpusEncoder::Create({.segment_seconds = 1}, [](auto) -> Result<void> {
    return MakeError(ErrorCode::kResourceExhausted, "disk full");
  });
  ASSERT_TRUE(encoder.has_value());
  auto written = (*encoder)->Write(StereoTones(8000, 1.5));
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().code, ErrorCode::kResourceExhausted);
}

TEST(OggOpus, NothingWrittenMeansNoSegment) {
  Encoded encoded = Encode({}, {});
  EXPECT_TRUE(encoded.segments.empty());
}

TEST(OggOpus, DamagedStreamsAreDataLossNeverACrash) {
  std::vector<uint8_t> good = Encode({.segment_seconds = 1}, StereoTones(8000, 1.5)).All();
  ASSERT_TRUE(DecodeOggOpus(good).has_value());
  // Every flipped byte is caught by the page checksum or the structure checks.
  for (size_t i = 0; i < good.size(); i += 7) {
    auto damaged = good;
    damaged[i] ^= 0x5A;
    auto audio = DecodeOggOpus(damaged);
    ASSERT_FALSE(audio.has_value()) << "byte " << i;
    EXPECT_EQ(audio.error().code, ErrorCode::kDataLoss) << "byte " << i;
  }
  for (size_t cut : {size_t{1}, size_t{30}, good.size() / 2, good.size() - 1}) {
    auto audio = DecodeOggOpus(std::span(good).first(cut));
    ASSERT_FALSE(audio.has_value()) << "cut at " << cut;
    EXPECT_EQ(audio.error().code, ErrorCode::kDataLoss);
  }
  std::vector<uint8_t> garbage(4096);
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 131 + 7);
  auto audio = DecodeOggOpus(garbage);
  ASSERT_FALSE(audio.has_value());
  EXPECT_EQ(audio.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(DecodeOggOpus({}).error().code, ErrorCode::kDataLoss);
}

// Pages re-checksummed after damage reach the Opus and header parsers: they must refuse
// or decode, never crash (run under ASan/UBSan in CI).
TEST(OggOpus, DamageBehindValidChecksumsIsRefusedOrDecodedNeverACrash) {
  std::vector<uint8_t> good = Encode({.segment_seconds = 1}, StereoTones(8000, 1.5)).All();
  std::vector<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>> pages;
  ogg_sync_state sync;
  ogg_sync_init(&sync);
  char* buffer = ogg_sync_buffer(&sync, static_cast<long>(good.size()));
  std::memcpy(buffer, good.data(), good.size());
  ogg_sync_wrote(&sync, static_cast<long>(good.size()));
  ogg_page page;
  while (ogg_sync_pageout(&sync, &page) == 1) {
    pages.emplace_back(std::vector<uint8_t>(page.header, page.header + page.header_len),
                       std::vector<uint8_t>(page.body, page.body + page.body_len));
  }
  ogg_sync_clear(&sync);
  ASSERT_GT(pages.size(), 4u);
  uint32_t random = 42;
  auto next = [&random] { return random = random * 1664525u + 1013904223u; };
  for (int round = 0; round < 400; ++round) {
    auto damaged_pages = pages;
    auto& [header, body] = damaged_pages[next() % damaged_pages.size()];
    // Body bytes mostly; sometimes the header fields past the capture pattern and CRC.
    if (next() % 4 == 0) {
      size_t at = 4 + next() % 18;
      if (at >= 22) at += 4;
      if (at < header.size()) header[at] = static_cast<uint8_t>(next());
    } else if (!body.empty()) {
      body[next() % body.size()] = static_cast<uint8_t>(next());
    }
    std::vector<uint8_t> stream;
    for (auto& [h, b] : damaged_pages) {
      ogg_page fixed{h.data(), static_cast<long>(h.size()), b.data(), static_cast<long>(b.size())};
      ogg_page_checksum_set(&fixed);
      stream.insert(stream.end(), h.begin(), h.end());
      stream.insert(stream.end(), b.begin(), b.end());
    }
    auto audio = DecodeOggOpus(stream);
    if (!audio) {
      EXPECT_TRUE(audio.error().code == ErrorCode::kDataLoss ||
                  audio.error().code == ErrorCode::kResourceExhausted)
          << audio.error().ToString();
    }
  }
}

TEST(OggOpus, WavHasARiffHeaderAndThePcm) {
  DecodedAudio audio{.sample_rate = 8000, .channels = 2, .samples = {1, -1, 300, -300}};
  auto wav = ToWav(audio);
  ASSERT_EQ(wav.size(), 44u + 8u);
  EXPECT_EQ(std::string(wav.begin(), wav.begin() + 4), "RIFF");
  EXPECT_EQ(std::string(wav.begin() + 8, wav.begin() + 16), "WAVEfmt ");
  uint32_t riff_size = 0, rate = 0, data_size = 0;
  uint16_t channels = 0, bits = 0;
  std::memcpy(&riff_size, wav.data() + 4, 4);
  std::memcpy(&channels, wav.data() + 22, 2);
  std::memcpy(&rate, wav.data() + 24, 4);
  std::memcpy(&bits, wav.data() + 34, 2);
  std::memcpy(&data_size, wav.data() + 40, 4);
  EXPECT_EQ(riff_size, 44u);
  EXPECT_EQ(channels, 2);
  EXPECT_EQ(rate, 8000u);
  EXPECT_EQ(bits, 16);
  EXPECT_EQ(data_size, 8u);
  int16_t third = 0;
  std::memcpy(&third, wav.data() + 48, 2);
  EXPECT_EQ(third, 300);
}

}  // namespace
}  // namespace fg::recording
