#include "voip/dtmf.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace fg::voip {
namespace {

constexpr double kPi = 3.14159265358979323846;
const std::string kAllDigits = "123A456B789C*0#D";

void AddTone(std::vector<int16_t>& pcm, int rate, int64_t start, int64_t length, double freq,
             double amplitude) {
  for (int64_t i = 0; i < length; ++i) {
    const double v = pcm[start + i] + amplitude * std::sin(2 * kPi * freq * double(i) / rate);
    pcm[start + i] = static_cast<int16_t>(std::clamp(v, -32768.0, 32767.0));
  }
}

void AddDigit(std::vector<int16_t>& pcm, int rate, int64_t start, int64_t length, char digit) {
  static const double kRows[] = {697, 770, 852, 941};
  static const double kCols[] = {1209, 1336, 1477, 1633};
  const auto at = kAllDigits.find(digit);
  AddTone(pcm, rate, start, length, kRows[at / 4], 7000);
  AddTone(pcm, rate, start, length, kCols[at % 4], 6000);
}

std::vector<ToneSpan> DetectAll(const std::vector<int16_t>& pcm, int rate, size_t chunk) {
  DtmfDetector detector(rate);
  std::vector<ToneSpan> found;
  for (size_t at = 0; at < pcm.size(); at += chunk) {
    const size_t n = std::min(chunk, pcm.size() - at);
    for (const ToneSpan& t : detector.Process({pcm.data() + at, n}, at + n == pcm.size())) {
      found.push_back(t);
    }
  }
  return found;
}

class DtmfDetectorRates : public ::testing::TestWithParam<int> {};

TEST_P(DtmfDetectorRates, FindsAllSixteenDigitsWithin30Ms) {
  const int rate = GetParam();
  const int64_t tolerance = rate * 30 / 1000;
  std::vector<int16_t> pcm(static_cast<size_t>(rate) * 5);
  std::mt19937 random(7);
  std::normal_distribution<double> noise(0, 100);
  for (auto& s : pcm) s = static_cast<int16_t>(noise(random));
  std::vector<SampleSpan> truth;
  for (size_t d = 0; d < kAllDigits.size(); ++d) {
    // 80-119 ms tones at odd offsets, 120 ms apart at least.
    const int64_t start = rate / 10 + static_cast<int64_t>(d) * rate * 27 / 100 + 37 * int(d);
    const int64_t length = rate * (80 + 13 * static_cast<int64_t>(d % 4)) / 1000;
    AddDigit(pcm, rate, start, length, kAllDigits[d]);
    truth.push_back({start, start + length});
  }
  for (size_t chunk : {size_t{160}, size_t{1}, size_t{4000}}) {
    const auto found = DetectAll(pcm, rate, chunk);
    ASSERT_EQ(found.size(), kAllDigits.size()) << "chunk " << chunk;
    for (size_t d = 0; d < found.size(); ++d) {
      EXPECT_EQ(found[d].digit, kAllDigits[d]);
      EXPECT_NEAR(found[d].span.start, truth[d].start, tolerance) << kAllDigits[d];
      EXPECT_NEAR(found[d].span.end, truth[d].end, tolerance) << kAllDigits[d];
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EightAndSixteenKilohertz, DtmfDetectorRates,
                         ::testing::Values(8000, 16000));

TEST(DtmfDetector, NothingInWhiteNoise) {
  for (int rate : {8000, 16000}) {
    std::vector<int16_t> pcm(static_cast<size_t>(rate) * 20);
    std::mt19937 random(11);
    std::normal_distribution<double> noise(0, 6000);
    for (auto& s : pcm) s = static_cast<int16_t>(std::clamp(noise(random), -32768.0, 32767.0));
    EXPECT_TRUE(DetectAll(pcm, rate, 160).empty()) << rate;
  }
}

TEST(DtmfDetector, NothingInSpeechLikeHarmonicSignals) {
  for (int rate : {8000, 16000}) {
    std::vector<int16_t> pcm(static_cast<size_t>(rate) * 6);
    // Voiced speech: harmonics of a gliding pitch under a formant-like envelope.
    double phase = 0;
    for (size_t i = 0; i < pcm.size(); ++i) {
      const double t = double(i) / rate;
      const double f0 = 110 + 90 * std::sin(2 * kPi * 0.7 * t);
      phase += 2 * kPi * f0 / rate;
      double v = 0;
      for (int h = 1; h * f0 < 3400; ++h) {
        const double f = h * f0;
        const double envelope = std::exp(-std::pow((f - 700) / 300, 2)) +
                                0.7 * std::exp(-std::pow((f - 1250) / 250, 2)) + 0.05;
        v += 3000 * envelope * std::sin(h * phase);
      }
      pcm[i] = static_cast<int16_t>(std::clamp(v, -32768.0, 32767.0));
    }
    // And chords that hold a row and a column tone among others of equal strength.
    const int64_t chord = rate;
    std::fill(pcm.begin(), pcm.begin() + chord, int16_t{0});
    AddTone(pcm, rate, 0, chord, 697, 5000);
    AddTone(pcm, rate, 0, chord, 1209, 5000);
    AddTone(pcm, rate, 0, chord, 500, 5000);
    AddTone(pcm, rate, 0, chord, 2200, 5000);
    EXPECT_TRUE(DetectAll(pcm, rate, 160).empty()) << rate;
  }
}

TEST(DtmfDetector, SingleRowToneIsNotADigit) {
  std::vector<int16_t> pcm(8000 * 2);
  AddTone(pcm, 8000, 0, 16000, 697, 10000);
  EXPECT_TRUE(DetectAll(pcm, 8000, 160).empty());
}

// A background that no DTMF filter mistakes for a digit: 1 kHz.
std::vector<int16_t> Background(int rate, int64_t length) {
  std::vector<int16_t> pcm(static_cast<size_t>(length));
  AddTone(pcm, rate, 0, length, 1000, 2500);
  return pcm;
}

std::vector<SampleSpan> Merged(std::vector<SampleSpan> spans) {
  std::sort(spans.begin(), spans.end(),
            [](const SampleSpan& a, const SampleSpan& b) { return a.start < b.start; });
  std::vector<SampleSpan> merged;
  for (const SampleSpan& s : spans) {
    if (!merged.empty() && s.start <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, s.end);
    } else {
      merged.push_back(s);
    }
  }
  return merged;
}

struct MaskRun {
  std::vector<int16_t> out;
  std::vector<SampleSpan> masked;
  std::vector<SampleSpan> detections;
};

MaskRun RunMasker(DtmfMasker& masker, const std::vector<int16_t>& pcm, size_t chunk,
                  int64_t delay) {
  MaskRun run;
  for (size_t at = 0; at < pcm.size(); at += chunk) {
    const size_t n = std::min(chunk, pcm.size() - at);
    masker.Push({pcm.data() + at, n});
    masker.Pop(run.out, false);
    EXPECT_LE(masker.popped(), std::max<int64_t>(0, masker.pushed() - delay));
    EXPECT_EQ(static_cast<int64_t>(run.out.size()), masker.popped());
    for (auto s : masker.TakeMaskedSpans()) run.masked.push_back(s);
    for (auto s : masker.TakeDetections()) run.detections.push_back(s);
  }
  masker.Pop(run.out, true);
  for (auto s : masker.TakeMaskedSpans()) run.masked.push_back(s);
  return run;
}

TEST(DtmfMasker, ToneIsSilencedFromLookbackBeforeItAndTheRestIsUntouched) {
  for (int rate : {8000, 16000}) {
    const int64_t ms = rate / 1000;
    std::vector<int16_t> pcm = Background(rate, 3 * rate);
    const int64_t start = 1234 * ms;
    const int64_t end = start + 150 * ms;
    AddDigit(pcm, rate, start, end - start, '7');
    DtmfMasker masker(rate, {});
    const MaskRun run = RunMasker(masker, pcm, static_cast<size_t>(20 * ms), 400 * ms);
    ASSERT_EQ(run.out.size(), pcm.size());
    for (int64_t i = start - 150 * ms; i < end; ++i) ASSERT_EQ(run.out[i], 0) << i;
    for (int64_t i = 0; i < start - 180 * ms; ++i) ASSERT_EQ(run.out[i], pcm[i]) << i;
    for (int64_t i = end + 70 * ms; i < int64_t(pcm.size()); ++i) ASSERT_EQ(run.out[i], pcm[i]);
    ASSERT_EQ(run.masked.size(), 1u);
    EXPECT_LE(run.masked[0].start, start - 150 * ms);
    EXPECT_GE(run.masked[0].end, end);
    // Reported piece by piece while the tone sounds, so the other channel is masked in time.
    const auto detections = Merged(run.detections);
    ASSERT_EQ(detections.size(), 1u);
    EXPECT_LE(detections[0].start, start - 150 * ms);
    EXPECT_GE(detections[0].end, end);
  }
}

TEST(DtmfMasker, LongToneNeverLeaksWhileStillSounding) {
  const int rate = 8000;
  std::vector<int16_t> pcm = Background(rate, 5 * rate);
  AddDigit(pcm, rate, 8000, 2 * rate, '#');  // two seconds: far longer than the delay
  DtmfMasker masker(rate, {});
  const MaskRun run = RunMasker(masker, pcm, 80, 400 * 8);
  for (int64_t i = 8000 - 1200; i < 8000 + 2 * rate; ++i) ASSERT_EQ(run.out[i], 0) << i;
  ASSERT_EQ(run.masked.size(), 1u);  // reported once, merged, though found piece by piece
}

TEST(DtmfMasker, DelayIsRespectedAndFlushReturnsTheRest) {
  DtmfMasker masker(8000, {.lookback_ms = 150, .hangover_ms = 40, .delay_ms = 400});
  std::vector<int16_t> pcm = Background(8000, 4000);
  std::vector<int16_t> out;
  masker.Push(pcm);
  masker.Pop(out, false);
  EXPECT_EQ(out.size(), 4000u - 3200u);
  masker.Pop(out, true);
  EXPECT_EQ(out, pcm);
  EXPECT_EQ(masker.pushed(), 4000);
  EXPECT_EQ(masker.popped(), 4000);
}

TEST(DtmfMasker, MaskSpanSilencesHeldAudioAndSpansAreReportedMerged) {
  DtmfMasker masker(8000, {});
  const std::vector<int16_t> pcm = Background(8000, 16000);
  masker.Push({pcm.data(), 6000});
  masker.MaskSpan({1000, 1500});
  masker.MaskSpan({1400, 2000});  // overlaps: one span
  masker.MaskSpan({5000, 7000});  // reaches past what was pushed: silenced as it arrives
  std::vector<int16_t> out;
  masker.Pop(out, false);
  masker.Push({pcm.data() + 6000, 10000});
  masker.Pop(out, true);
  ASSERT_EQ(out.size(), pcm.size());
  for (int64_t i = 0; i < 16000; ++i) {
    const bool silenced = (i >= 1000 && i < 2000) || (i >= 5000 && i < 7000);
    ASSERT_EQ(out[i], silenced ? 0 : pcm[i]) << i;
  }
  const auto spans = masker.TakeMaskedSpans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].start, 1000);
  EXPECT_EQ(spans[0].end, 2000);
  EXPECT_EQ(spans[1].start, 5000);
  EXPECT_EQ(spans[1].end, 7000);
  EXPECT_TRUE(masker.TakeDetections().empty());  // MaskSpan is not an in-band detection
  masker.MaskSpan({100, 200});                   // already popped: nothing to silence
  EXPECT_TRUE(masker.TakeMaskedSpans().empty());
}

}  // namespace
}  // namespace fg::voip
