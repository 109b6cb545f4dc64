#include "voip/channel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "voip/codec.h"

namespace fg::voip {
namespace {

constexpr int64_t kOrigin = 1'700'000'000'000'000;  // capture time of timeline sample 0
constexpr int kPacket = 160;                        // 20 ms at 8 kHz

// The µ-law byte a test stream carries at its sample k: varied, so misplacement shows.
uint8_t ByteAt(int64_t k) { return static_cast<uint8_t>((k * 37 + k / 160 * 11 + 3) & 0xFF); }

struct Sender {
  uint32_t ssrc = 0x1234;
  uint16_t seq = 1000;
  uint32_t ts = 5000;
  uint8_t payload_type = 0;
  int64_t first_sample = 0;  // stream sample index of packet 0
  std::vector<std::vector<uint8_t>> storage;

  // Packet i of the stream: 160 µ-law samples from stream sample first_sample + 160 i.
  RtpPacket Make(int64_t i) {
    std::vector<uint8_t> bytes(kPacket);
    for (int k = 0; k < kPacket; ++k) bytes[k] = ByteAt(first_sample + i * kPacket + k);
    storage.push_back(std::move(bytes));
    RtpPacket p;
    p.payload_type = payload_type;
    p.sequence = static_cast<uint16_t>(seq + i);
    p.timestamp = static_cast<uint32_t>(ts + i * kPacket);
    p.ssrc = ssrc;
    p.payload = storage.back();
    return p;
  }
};

int64_t ArrivalOf(int64_t i, int64_t offset_us = 0) { return kOrigin + offset_us + i * 20000; }

void ExpectStream(const std::vector<int16_t>& out, int64_t at, int64_t count,
                  int64_t first_sample) {
  ASSERT_GE(static_cast<int64_t>(out.size()), at + count);
  for (int64_t k = 0; k < count; ++k) {
    ASSERT_EQ(out[at + k], DecodeUlaw(ByteAt(first_sample + k))) << "sample " << at + k;
  }
}

TEST(ChannelAssembler, InOrderStreamGivesExactSamples) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  Sender sender;
  for (int i = 0; i < 50; ++i) channel.OnRtp(ArrivalOf(i), sender.Make(i));
  std::vector<int16_t> out;
  channel.DrainTo(8000, out);
  ASSERT_EQ(out.size(), 8000u);
  ExpectStream(out, 0, 8000, 0);
  EXPECT_EQ(channel.drained(), 8000);
  EXPECT_EQ(channel.stats().packets, 50u);
  EXPECT_EQ(channel.stats().lost, 0u);
  EXPECT_EQ(channel.stats().silence_samples, 0);
  EXPECT_EQ(channel.stats().audio_samples, 8000);
  EXPECT_EQ(channel.last_packet_us(), ArrivalOf(49));
}

TEST(ChannelAssembler, ReorderingWithinTheWindowLandsInPlace) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  Sender sender;
  std::vector<int> order;
  for (int i = 0; i < 50; ++i) order.push_back(i);
  for (int i = 1; i + 3 < 50; i += 4) std::reverse(order.begin() + i, order.begin() + i + 4);
  for (size_t n = 0; n < order.size(); ++n) {
    channel.OnRtp(ArrivalOf(static_cast<int64_t>(n)), sender.Make(order[n]));
  }
  std::vector<int16_t> out;
  channel.DrainTo(8000, out);
  ExpectStream(out, 0, 8000, 0);
  EXPECT_EQ(channel.stats().lost, 0u);
  EXPECT_EQ(channel.stats().late, 0u);
}

TEST(ChannelAssembler, LossBecomesSilenceAndIsCounted) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  Sender sender;
  for (int i = 0; i < 50; ++i) {
    if (i == 10 || i == 11 || i == 30) continue;
    channel.OnRtp(ArrivalOf(i), sender.Make(i));
  }
  std::vector<int16_t> out;
  channel.DrainTo(8000, out);
  EXPECT_EQ(channel.stats().lost, 3u);
  EXPECT_EQ(channel.stats().silence_samples, 3 * kPacket);
  for (int k = 10 * kPacket; k < 12 * kPacket; ++k) ASSERT_EQ(out[k], 0);
  for (int k = 30 * kPacket; k < 31 * kPacket; ++k) ASSERT_EQ(out[k], 0);
  ExpectStream(out, 0, 10 * kPacket, 0);
  ExpectStream(out, 12 * kPacket, 18 * kPacket, 12 * kPacket);
  ExpectStream(out, 31 * kPacket, 19 * kPacket, 31 * kPacket);
}

TEST(ChannelAssembler, PacketSeenTwiceCountsOnce) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  Sender sender;
  for (int i = 0; i < 50; ++i) {
    const RtpPacket p = sender.Make(i);
    channel.OnRtp(ArrivalOf(i), p);
    channel.OnRtp(ArrivalOf(i) + 30, p);  // loopback capture: the same packet again
  }
  std::vector<int16_t> out;
  channel.DrainTo(8000, out);
  ExpectStream(out, 0, 8000, 0);
  EXPECT_EQ(channel.stats().packets, 50u);
  EXPECT_EQ(channel.stats().duplicates, 50u);
  EXPECT_EQ(channel.stats().lost, 0u);
  EXPECT_EQ(channel.stats().audio_samples, 8000);
}

TEST(ChannelAssembler, SequenceAndTimestampWrapPlaceAudioContinuously) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  Sender sender;
  sender.seq = 65500;
  sender.ts = 0xFFFFFF00;
  constexpr int kPackets = 70000;  // 23 minutes: the sequence wraps twice
  std::vector<int16_t> out;
  for (int i = 0; i < kPackets; ++i) {
    sender.storage.clear();
    channel.OnRtp(ArrivalOf(i), sender.Make(i));
    if (i % 50 == 49) channel.DrainTo(channel.SampleAt(ArrivalOf(i) - 200000), out);
  }
  channel.DrainTo(int64_t{kPackets} * kPacket, out);
  ASSERT_EQ(out.size(), size_t{kPackets} * kPacket);
  ExpectStream(out, 0, int64_t{kPackets} * kPacket, 0);
  EXPECT_EQ(channel.stats().lost, 0u);
  EXPECT_EQ(channel.stats().late, 0u);
  EXPECT_EQ(channel.stats().silence_samples, 0);
  EXPECT_EQ(channel.stats().rebases, 1u);  // the first packet only
}

TEST(ChannelAssembler, SsrcChangeContinuesAtArrival) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  Sender first;
  Sender second;
  second.ssrc = 0x9999;
  second.seq = 40000;
  second.ts = 123456789;
  second.first_sample = 8000;
  for (int i = 0; i < 50; ++i) channel.OnRtp(ArrivalOf(i), first.Make(i));
  for (int i = 0; i < 50; ++i) channel.OnRtp(ArrivalOf(50 + i), second.Make(i));
  std::vector<int16_t> out;
  channel.DrainTo(16000, out);
  ExpectStream(out, 0, 16000, 0);
  EXPECT_EQ(channel.stats().ssrc_changes, 1u);
  EXPECT_EQ(channel.stats().lost, 0u);
}

TEST(ChannelAssembler, PacketAfterItsSlotWasDrainedIsLate) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  Sender sender;
  for (int i = 0; i < 50; ++i) {
    if (i != 20) channel.OnRtp(ArrivalOf(i), sender.Make(i));
  }
  std::vector<int16_t> out;
  channel.DrainTo(40 * kPacket, out);
  channel.OnRtp(ArrivalOf(50), sender.Make(20));
  EXPECT_EQ(channel.stats().late, 1u);
  EXPECT_EQ(channel.stats().lost, 0u);  // it came, just too late to place
  channel.DrainTo(8000, out);
  for (int k = 20 * kPacket; k < 21 * kPacket; ++k) ASSERT_EQ(out[k], 0);
  ExpectStream(out, 40 * kPacket, 10 * kPacket, 40 * kPacket);
}

TEST(ChannelAssembler, UnknownPayloadTypeBecomesAGapWithReason) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  channel.SetCodecs({Codec{0, "PCMU", 8000, 1}, Codec{96, "OPUS", 48000, 2}});
  Sender sender;
  for (int i = 0; i < 10; ++i) channel.OnRtp(ArrivalOf(i), sender.Make(i));
  sender.payload_type = 97;
  for (int i = 10; i < 20; ++i) channel.OnRtp(ArrivalOf(i), sender.Make(i));
  auto gaps = channel.TakeCodecGaps();
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].reason, "unknown payload type 97");
  EXPECT_EQ(gaps[0].span.start, 10 * kPacket);
  EXPECT_EQ(gaps[0].span.end, 20 * kPacket);
  EXPECT_EQ(channel.stats().unknown_codec, 10u);
  EXPECT_EQ(channel.stats().lost, 0u);

  Sender opus;
  opus.ssrc = 0x4444;
  opus.payload_type = 96;
  channel.OnRtp(ArrivalOf(20), opus.Make(0));
  gaps = channel.TakeCodecGaps();
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].reason, "no decoder for OPUS");
  EXPECT_TRUE(channel.TakeCodecGaps().empty());
  std::vector<int16_t> out;
  channel.DrainTo(21 * kPacket, out);
  ExpectStream(out, 0, 10 * kPacket, 0);
}

RtpPacket EventPacket(std::vector<uint8_t>& bytes, uint32_t ssrc, uint16_t seq, uint32_t ts,
                      uint8_t digit, bool end, uint16_t duration) {
  bytes = {digit, static_cast<uint8_t>((end ? 0x80 : 0) | 10), static_cast<uint8_t>(duration >> 8),
           static_cast<uint8_t>(duration)};
  RtpPacket p;
  p.payload_type = 101;
  p.sequence = seq;
  p.timestamp = ts;
  p.ssrc = ssrc;
  p.marker = duration == 0;
  p.payload = bytes;
  return p;
}

TEST(ChannelAssembler, TelephoneEventUnderItsOwnSsrcIsOneSpanAndLeavesAudioAlone) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  channel.SetCodecs({Codec{0, "PCMU", 8000, 1}, Codec{101, "TELEPHONE-EVENT", 8000, 1}});
  Sender audio;
  std::vector<int16_t> out;
  std::vector<std::vector<uint8_t>> keep(16);
  int e = 0;
  for (int i = 0; i < 100; ++i) {
    channel.OnRtp(ArrivalOf(i), audio.Make(i));
    // Digit 5 from 0.5 s: updates every 50 ms, then the end packet three times.
    if (i >= 25 && i <= 40 && (i - 25) % 5 == 0) {
      const auto duration = static_cast<uint16_t>((i - 25) / 5 * 400 + 400);
      const bool end = duration >= 1600;
      const int copies = end ? 3 : 1;
      for (int c = 0; c < copies; ++c, ++e) {
        channel.OnRtp(
            ArrivalOf(i) + 1000 * c,
            EventPacket(keep[e], 0xE0E0, static_cast<uint16_t>(7 + e), 777777, 5, end, duration));
      }
    }
  }
  channel.DrainTo(16000, out);
  auto spans = channel.TakeDtmfSpans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].start, channel.SampleAt(ArrivalOf(25)) - 400);  // 400 already sounded
  EXPECT_EQ(spans[0].end, spans[0].start + 1600);
  EXPECT_EQ(channel.stats().events, 6u);
  EXPECT_EQ(channel.stats().ssrc_changes, 0u);
  EXPECT_EQ(channel.stats().lost, 0u);
  ExpectStream(out, 0, 16000, 0);
  EXPECT_TRUE(channel.TakeDtmfSpans().empty());
}

TEST(ChannelAssembler, TelephoneEventInTheAudioSsrcIsPlacedByTimestamp) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  channel.SetCodecs({Codec{0, "PCMU", 8000, 1}, Codec{101, "TELEPHONE-EVENT", 8000, 1}});
  Sender audio;
  std::vector<std::vector<uint8_t>> keep(8);
  for (int i = 0; i < 20; ++i) channel.OnRtp(ArrivalOf(i), audio.Make(i));
  // The event started at stream sample 3200 (packet 20's timestamp) and lasted 800.
  const uint32_t ts = audio.ts + 20 * kPacket;
  for (int k = 0; k < 5; ++k) {
    const bool end = k >= 2;
    channel.OnRtp(ArrivalOf(21 + k),
                  EventPacket(keep[k], audio.ssrc, static_cast<uint16_t>(audio.seq + 20 + k), ts,
                              11, end, static_cast<uint16_t>(end ? 800 : 400 * (k + 1))));
  }
  auto spans = channel.TakeDtmfSpans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].start, 3200);
  EXPECT_EQ(spans[0].end, 4000);
}

TEST(ChannelAssembler, LongEventIsReportedAsTheDrainReachesIt) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  channel.SetCodecs({Codec{0, "PCMU", 8000, 1}, Codec{101, "TELEPHONE-EVENT", 8000, 1}});
  std::vector<std::vector<uint8_t>> keep(8);
  std::vector<int16_t> out;
  channel.OnRtp(ArrivalOf(0), EventPacket(keep[0], 1, 1, 1000, 1, false, 0));
  channel.OnRtp(ArrivalOf(10), EventPacket(keep[1], 1, 2, 1000, 1, false, 1600));
  EXPECT_TRUE(channel.TakeDtmfSpans().empty());
  channel.DrainTo(800, out);  // reached the still-sounding digit
  auto spans = channel.TakeDtmfSpans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].start, 0);
  EXPECT_EQ(spans[0].end, 1600);
  channel.OnRtp(ArrivalOf(20), EventPacket(keep[2], 1, 3, 1000, 1, true, 3200));
  spans = channel.TakeDtmfSpans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].start, 1600);
  EXPECT_EQ(spans[0].end, 3200);
}

TEST(ChannelAssembler, TimestampJumpOfHoursDoesNotAllocateHoursOfSilence) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  Sender sender;
  for (int i = 0; i < 50; ++i) channel.OnRtp(ArrivalOf(i), sender.Make(i));
  Sender jumped = sender;
  jumped.ts = sender.ts + 8000u * 3 * 3600;  // three hours ahead
  jumped.seq = static_cast<uint16_t>(sender.seq + 50);
  jumped.first_sample = 8000;
  for (int i = 0; i < 25; ++i) channel.OnRtp(ArrivalOf(50 + i), jumped.Make(i));
  Sender ahead = sender;  // 30 minutes ahead of arrival: within max_gap, but not real time
  ahead.ts = jumped.ts + 25 * kPacket + 8000u * 1800;
  ahead.seq = static_cast<uint16_t>(sender.seq + 75);
  ahead.first_sample = 12000;
  for (int i = 0; i < 25; ++i) channel.OnRtp(ArrivalOf(75 + i), ahead.Make(i));
  std::vector<int16_t> out;
  channel.DrainTo(16000, out);
  ASSERT_EQ(out.size(), 16000u);
  ExpectStream(out, 0, 16000, 0);
  EXPECT_EQ(channel.stats().rebases, 3u);
  EXPECT_EQ(channel.stats().dropped_samples, 0);
  EXPECT_EQ(channel.stats().lost, 0u);
}

TEST(ChannelAssembler, TimestampsThatFollowRealTimeAcrossAHoldBecomeSilence) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  Sender sender;
  for (int i = 0; i < 50; ++i) channel.OnRtp(ArrivalOf(i), sender.Make(i));
  // 10 s of hold: nothing sent, timestamps and arrival both advance.
  for (int i = 550; i < 600; ++i) channel.OnRtp(ArrivalOf(i), sender.Make(i));
  std::vector<int16_t> out;
  channel.DrainTo(600 * kPacket, out);
  ExpectStream(out, 0, 50 * kPacket, 0);
  ExpectStream(out, 550 * kPacket, 50 * kPacket, 550 * kPacket);
  EXPECT_EQ(channel.stats().silence_samples, 500 * kPacket);
  EXPECT_EQ(channel.stats().rebases, 1u);
}

TEST(ChannelAssembler, HeldAudioIsBoundedWhenNothingDrains) {
  ChannelAssembler channel({.sample_rate = 8000}, kOrigin);
  Sender sender;
  for (int i = 0; i < 1000; ++i) channel.OnRtp(ArrivalOf(i), sender.Make(i));  // 20 s
  EXPECT_GT(channel.stats().dropped_samples, 0);
  EXPECT_LE(channel.stats().dropped_samples, 20 * 8000 - 10 * 8000);
  std::vector<int16_t> out;
  channel.DrainTo(1000 * kPacket, out);
  ExpectStream(out, 1000 * kPacket - 10 * 8000, 10 * 8000, 1000 * kPacket - 10 * 8000);
}

TEST(ChannelAssembler, EightKilohertzAudioIsResampledForASixteenKilohertzCall) {
  ChannelAssembler channel({.sample_rate = 16000}, kOrigin);
  Sender sender;
  for (int i = 0; i < 10; ++i) channel.OnRtp(ArrivalOf(i), sender.Make(i));
  std::vector<int16_t> out;
  channel.DrainTo(3200, out);
  ASSERT_EQ(out.size(), 3200u);
  for (int k = 0; k < 1600; ++k) ASSERT_EQ(out[2 * k], DecodeUlaw(ByteAt(k))) << k;
  EXPECT_EQ(channel.stats().silence_samples, 0);
}

}  // namespace
}  // namespace fg::voip
