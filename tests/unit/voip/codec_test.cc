#include "voip/codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <vector>

// After <cmath>: spandsp's telephony.h redefines lrint and friends; g722.h needs it first.
#include <spandsp/telephony.h>
// (kept apart so include sorting cannot put g722.h first)
#include <spandsp/g722.h>

namespace fg::voip {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Frequency by counting rising zero crossings over the signal.
double MeasureFrequency(const std::vector<int16_t>& pcm, int rate) {
  int crossings = 0;
  for (size_t i = 1; i < pcm.size(); ++i) {
    if (pcm[i - 1] < 0 && pcm[i] >= 0) ++crossings;
  }
  return crossings * static_cast<double>(rate) / static_cast<double>(pcm.size());
}

TEST(G711, UlawKnownTableValues) {
  EXPECT_EQ(DecodeUlaw(0xFF), 0);
  EXPECT_EQ(DecodeUlaw(0x7F), 0);
  EXPECT_EQ(DecodeUlaw(0x00), -32124);
  EXPECT_EQ(DecodeUlaw(0x80), 32124);
  EXPECT_EQ(DecodeUlaw(0xFE), 8);  // smallest non-zero magnitudes
  EXPECT_EQ(DecodeUlaw(0x7E), -8);
  EXPECT_EQ(EncodeUlaw(0), 0xFF);
  EXPECT_EQ(EncodeUlaw(32767), 0x80);
  EXPECT_EQ(EncodeUlaw(-32768), 0x00);
}

TEST(G711, AlawKnownTableValues) {
  EXPECT_EQ(DecodeAlaw(0xD5), 8);
  EXPECT_EQ(DecodeAlaw(0x55), -8);
  EXPECT_EQ(DecodeAlaw(0xAA), 32256);
  EXPECT_EQ(DecodeAlaw(0x2A), -32256);
  EXPECT_EQ(EncodeAlaw(0), 0xD5);
  EXPECT_EQ(EncodeAlaw(32767), 0xAA);
  EXPECT_EQ(EncodeAlaw(-32768), 0x2A);
}

TEST(G711, EveryCodeRoundTripsExactly) {
  for (int code = 0; code < 256; ++code) {
    const auto byte = static_cast<uint8_t>(code);
    // µ-law has two zeros (0x7F and 0xFF); both decode to 0, which encodes as 0xFF.
    if (byte != 0x7F) {
      EXPECT_EQ(EncodeUlaw(DecodeUlaw(byte)), byte) << code;
    }
    EXPECT_EQ(EncodeAlaw(DecodeAlaw(byte)), byte) << code;
  }
}

TEST(G711, RoundTripWithinQuantisationError) {
  for (int value = -32768; value <= 32767; value += 7) {
    const auto sample = static_cast<int16_t>(value);
    // Logarithmic steps: the error stays within ~1/16 of the magnitude plus the first step.
    const int allowed = std::abs(value) / 16 + 16;
    EXPECT_LE(std::abs(DecodeUlaw(EncodeUlaw(sample)) - value), allowed + 4) << value;
    EXPECT_LE(std::abs(DecodeAlaw(EncodeAlaw(sample)) - value), allowed) << value;
  }
}

TEST(AudioDecoder, PcmuAndPcmaDecodeAtEightKilohertz) {
  auto ulaw = MakeDecoder(Codec{0, "PCMU", 8000, 1});
  auto alaw = MakeDecoder(Codec{8, "PCMA", 8000, 1});
  ASSERT_NE(ulaw, nullptr);
  ASSERT_NE(alaw, nullptr);
  EXPECT_EQ(ulaw->sample_rate(), 8000);
  EXPECT_EQ(ulaw->SamplesIn(160), 160);
  std::vector<uint8_t> payload = {0x00, 0x80, 0xFF};
  std::vector<int16_t> pcm = {7};
  ulaw->Decode(payload, pcm);
  EXPECT_EQ(pcm, (std::vector<int16_t>{7, -32124, 32124, 0}));
  pcm.clear();
  alaw->Decode(payload, pcm);
  EXPECT_EQ(pcm.size(), 3u);
}

TEST(AudioDecoder, NoDecoderForUnknownCodecsOrTelephoneEvent) {
  EXPECT_EQ(MakeDecoder(Codec{101, "TELEPHONE-EVENT", 8000, 1}), nullptr);
  EXPECT_EQ(MakeDecoder(Codec{96, "OPUS", 48000, 2}), nullptr);
  EXPECT_EQ(MakeDecoder(Codec{18, "G729", 8000, 1}), nullptr);
  EXPECT_EQ(MakeDecoder(Codec{97, "", 8000, 1}), nullptr);
}

TEST(AudioDecoder, G722DecodesAToneBackAtItsFrequency) {
  constexpr int kRate = 16000;
  std::vector<int16_t> tone(kRate);  // one second of 1 kHz
  for (size_t i = 0; i < tone.size(); ++i) {
    tone[i] = static_cast<int16_t>(8000 * std::sin(2 * kPi * 1000 * i / kRate));
  }
  g722_encode_state_t* encoder = g722_encode_init(nullptr, 64000, 0);
  ASSERT_NE(encoder, nullptr);
  std::vector<uint8_t> encoded(tone.size() / 2);
  const int bytes =
      g722_encode(encoder, encoded.data(), tone.data(), static_cast<int>(tone.size()));
  g722_encode_free(encoder);
  ASSERT_EQ(bytes, static_cast<int>(encoded.size()));

  auto decoder = MakeDecoder(Codec{9, "G722", 8000, 1});
  ASSERT_NE(decoder, nullptr);
  EXPECT_EQ(decoder->sample_rate(), kRate);
  EXPECT_EQ(decoder->SamplesIn(160), 320);
  std::vector<int16_t> pcm;
  for (size_t at = 0; at < encoded.size(); at += 160) {  // 20 ms packets
    decoder->Decode(std::span<const uint8_t>(encoded.data() + at, 160), pcm);
  }
  ASSERT_EQ(pcm.size(), tone.size());
  const std::vector<int16_t> settled(pcm.begin() + 800, pcm.end());  // past the ADPCM start
  EXPECT_NEAR(MeasureFrequency(settled, kRate), 1000.0, 10.0);
  double energy = 0;
  for (int16_t s : settled) energy += double(s) * s;
  EXPECT_GT(std::sqrt(energy / settled.size()), 8000 / std::sqrt(2.0) * 0.7);
}

}  // namespace
}  // namespace fg::voip
