// libFuzzer target for the media side: ParseRtp, IsRtcp and ParseTelephoneEvent on raw
// bytes, and a ChannelAssembler (PCMU, PCMA, G722, telephone-event) fed pseudo-packets cut
// from the input, drained as time passes into a DtmfMasker. Nothing may crash, and the
// output must account for exactly the samples drained and popped. Built with clang
// -fsanitize=fuzzer,address,undefined; the corpus beside it is replayed by
// tests/unit/voip (RtpFuzzCorpus) in every ordinary test run.
//
// Input: byte 0 chooses the rate (bit 0: 16 kHz) and the codec map (bits 1-2); then
// records [kind][length][length bytes]. kind bits 0-1: 0 = raw datagram, else a packet
// synthesised from [payload type selector][sequence step][timestamp step][SSRC selector]
// and the rest as payload; kind bits 2-7: milliseconds since the previous record.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "voip/channel.h"
#include "voip/dtmf.h"
#include "voip/rtp.h"

namespace {

constexpr int64_t kOrigin = 1'000'000'000'000;
constexpr int kPayloadTypes[8] = {0, 8, 9, 101, 97, 13, 0, 96};
constexpr uint32_t kSsrcs[3] = {0x1111, 0x2222, 0x3333};

std::vector<fg::voip::Codec> CodecMap(int variant) {
  using fg::voip::Codec;
  std::vector<Codec> codecs = {Codec{0, "PCMU", 8000, 1}, Codec{8, "PCMA", 8000, 1},
                               Codec{9, "G722", 8000, 1}, Codec{101, "TELEPHONE-EVENT", 8000, 1}};
  if (variant & 1) codecs.push_back(Codec{96, "OPUS", 48000, 2});
  if (variant & 2) codecs[0].name = "PCMA";  // a re-INVITE remapping a payload type
  return codecs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  (void)fg::voip::IsRtcp(input);
  if (auto rtp = fg::voip::ParseRtp(input)) {
    if (rtp->payload.data() < data || rtp->payload.data() + rtp->payload.size() > data + size) {
      std::abort();
    }
    (void)fg::voip::ParseTelephoneEvent(rtp->payload);
  }
  (void)fg::voip::ParseTelephoneEvent(input);
  if (size == 0) return 0;

  const int rate = (data[0] & 1) ? 16000 : 8000;
  fg::voip::ChannelAssembler channel({.sample_rate = rate}, kOrigin);
  channel.SetCodecs(CodecMap((data[0] >> 1) & 3));
  fg::voip::DtmfMasker masker(rate, {});
  std::vector<int16_t> drained;
  std::vector<int16_t> popped;
  int64_t total_drained = 0;
  int64_t total_popped = 0;
  int64_t now = kOrigin;
  uint16_t sequence = 100;
  uint32_t timestamp = 1000;
  std::vector<uint8_t> packet;

  auto drain = [&](int64_t end) {
    drained.clear();
    const int64_t before = channel.drained();
    channel.DrainTo(end, drained);
    if (static_cast<int64_t>(drained.size()) != channel.drained() - before) std::abort();
    total_drained += static_cast<int64_t>(drained.size());
    masker.Push(drained);
    for (const auto& span : channel.TakeDtmfSpans()) masker.MaskSpan(span);
    popped.clear();
    masker.Pop(popped, false);
    total_popped += static_cast<int64_t>(popped.size());
  };

  size_t at = 1;
  int records = 0;
  while (at + 2 <= size) {
    const uint8_t kind = data[at];
    const size_t length = std::min<size_t>(data[at + 1], size - at - 2);
    const std::span<const uint8_t> body(data + at + 2, length);
    at += 2 + length;
    now += int64_t{kind >> 2} * 1000;
    if ((kind & 3) == 0) {
      if (!fg::voip::IsRtcp(body)) {
        if (auto rtp = fg::voip::ParseRtp(body)) channel.OnRtp(now, *rtp);
      }
    } else if (body.size() >= 4) {
      sequence = static_cast<uint16_t>(sequence + static_cast<int8_t>(body[1]));
      timestamp += static_cast<uint32_t>(static_cast<int8_t>(body[2]) * 40);
      const uint32_t ssrc = (body[3] & 3) == 3 ? 0xABCD0000u + body[3] : kSsrcs[body[3] & 3];
      const int payload_type = kPayloadTypes[body[0] & 7];
      packet = {0x80,
                static_cast<uint8_t>(payload_type | (body[0] & 0x80)),
                static_cast<uint8_t>(sequence >> 8),
                static_cast<uint8_t>(sequence),
                static_cast<uint8_t>(timestamp >> 24),
                static_cast<uint8_t>(timestamp >> 16),
                static_cast<uint8_t>(timestamp >> 8),
                static_cast<uint8_t>(timestamp),
                static_cast<uint8_t>(ssrc >> 24),
                static_cast<uint8_t>(ssrc >> 16),
                static_cast<uint8_t>(ssrc >> 8),
                static_cast<uint8_t>(ssrc)};
      packet.insert(packet.end(), body.begin() + 4, body.end());
      auto rtp = fg::voip::ParseRtp(packet);
      if (!rtp) std::abort();  // a well-formed header must parse
      channel.OnRtp(now, *rtp);
    }
    if ((body.size() > 0 && body[0] == 0x5A) || (records % 64 == 63)) {
      channel.SetCodecs(CodecMap(records & 3));
    }
    drain(channel.SampleAt(now - 60000));
    if (++records % 8 == 0) {
      (void)channel.TakeCodecGaps();
      (void)masker.TakeMaskedSpans();
      for (const auto& span : masker.TakeDetections()) masker.MaskSpan(span);
    }
  }
  drain(channel.SampleAt(now) + 1);
  popped.clear();
  masker.Pop(popped, true);
  total_popped += static_cast<int64_t>(popped.size());
  if (masker.pushed() != total_drained || masker.popped() != masker.pushed()) std::abort();
  const auto& stats = channel.stats();
  if (stats.duplicates > size || stats.packets > size) std::abort();
  (void)total_popped;
  return 0;
}
