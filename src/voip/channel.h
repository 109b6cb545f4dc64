// ChannelAssembler: one direction of a call's audio, placed on the call's timeline.
//
// RTP for one receiver arrives here. Audio is placed by RTP timestamp, not by arrival:
// packets reordered within the jitter window land in their slot; lost packets become
// silence (counted); a packet seen twice (same SSRC and sequence, as on loopback captures)
// counts once; sequence and timestamp wrap-around are unwrapped to 64 bits; an SSRC change
// (a transfer, a new media source) is rebased on arrival time. Telephone-event packets
// (RFC 4733) are not audio: they become DTMF spans, deduplicated on SSRC + timestamp
// (+ event), and may come under their own SSRC. A payload type without a decoder becomes a
// gap with a reason. The timeline is shared by both channels of a call: sample 0 is
// `origin_us`, so draining both to the same sample keeps the stereo file aligned.
// Thread-safety: one thread.
//
//   voip::ChannelAssembler channel({.sample_rate = 8000}, call_origin_us);
//   channel.SetCodecs(update.codecs);
//   channel.OnRtp(packet.time_us, rtp);
//   channel.DrainTo(channel.SampleAt(now_us - jitter), pcm);
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "voip/rtp.h"
#include "voip/sdp.h"

namespace fg::voip {

struct ChannelOptions {
  int sample_rate = 8000;          // of the output PCM; decoders at another rate are resampled
  int64_t max_gap_seconds = 3600;  // a timestamp jump beyond this is a rebase, not silence
};

struct ChannelStats {
  uint64_t packets = 0;     // RTP packets accepted (audio and events)
  uint64_t duplicates = 0;  // same SSRC + sequence seen again
  uint64_t late = 0;        // arrived after its slot was drained
  uint64_t lost = 0;        // expected by sequence but never placed
  uint64_t ssrc_changes = 0;
  uint64_t unknown_codec = 0;   // packets without a decoder
  uint64_t events = 0;          // RFC 4733 packets
  int64_t silence_samples = 0;  // samples filled because nothing covered them
  int64_t audio_samples = 0;    // samples decoded from packets
  uint64_t rebases = 0;         // timelines re-anchored on arrival (new SSRC, implausible jump)
  int64_t dropped_samples = 0;  // held audio discarded because more than 10 s was pending
};

// A span on the channel's timeline, in output samples [start, end).
struct SampleSpan {
  int64_t start = 0;
  int64_t end = 0;
};

struct CodecGap {
  SampleSpan span;
  std::string reason;  // "unknown payload type 97", "no decoder for opus"
};

class ChannelAssembler {
 public:
  ChannelAssembler(ChannelOptions options, int64_t origin_us);
  ~ChannelAssembler();

  // The payload types this direction uses (the receiver's SDP). May change (re-INVITE).
  void SetCodecs(const std::vector<Codec>& codecs);
  void OnRtp(int64_t arrival_us, const RtpPacket& packet);

  // The timeline sample at a capture time.
  int64_t SampleAt(int64_t time_us) const;
  // Appends samples [drained(), end_sample) to `out`: decoded audio where packets covered
  // it, silence elsewhere. Packets for drained samples that come later are `late`.
  void DrainTo(int64_t end_sample, std::vector<int16_t>& out);
  int64_t drained() const;

  // Spans found since the last call (RFC 4733 digits, codec gaps), in timeline samples.
  // A digit is reported when its end packet arrives; one still sounding when DrainTo
  // reaches it is reported with the length known so far and its growth follows as
  // adjacent spans, so a long press is masked while its audio is still in the delay line.
  std::vector<SampleSpan> TakeDtmfSpans();
  std::vector<CodecGap> TakeCodecGaps();

  const ChannelStats& stats() const;
  int64_t last_packet_us() const;  // arrival of the last accepted packet, 0 if none

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fg::voip
