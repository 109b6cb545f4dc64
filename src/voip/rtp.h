// RTP (RFC 3550) and telephone-event (RFC 4733) parsing.
//
// ParseRtp validates version 2, padding, CSRC count and header extension against the
// datagram length; RTCP (payload types 200..204 in the second byte) is recognised so the
// caller can ignore it. Nothing here allocates. Thread-safety: pure functions.
//
//   auto rtp = voip::ParseRtp(packet.payload);
//   if (rtp && !voip::IsRtcp(packet.payload)) channel.OnRtp(packet.time_us, *rtp);
#pragma once

#include <cstdint>
#include <span>

#include "core/result.h"

namespace fg::voip {

struct RtpPacket {
  uint8_t payload_type = 0;
  bool marker = false;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  std::span<const uint8_t> payload;  // after CSRCs and extension, before padding
};

bool IsRtcp(std::span<const uint8_t> datagram);
Result<RtpPacket> ParseRtp(std::span<const uint8_t> datagram);

struct TelephoneEvent {
  uint8_t event = 0;  // 0-9, 10 = *, 11 = #, 12-15 = A-D, others = other tones
  bool end = false;
  uint8_t volume = 0;
  uint16_t duration = 0;  // in RTP timestamp units from the event's timestamp
};

Result<TelephoneEvent> ParseTelephoneEvent(std::span<const uint8_t> payload);

}  // namespace fg::voip
