#include "voip/rtp.h"

namespace fg::voip {

namespace {
constexpr size_t kFixedHeader = 12;
}  // namespace

bool IsRtcp(std::span<const uint8_t> datagram) {
  if (datagram.size() < 4) return false;
  if ((datagram[0] >> 6) != 2) return false;
  // RTCP packet types SR 200 .. APP 204 occupy the byte where RTP has marker + payload type;
  // RTP payload types 72..76 with the marker set would collide, which RFC 5761 forbids.
  return datagram[1] >= 200 && datagram[1] <= 204;
}

Result<RtpPacket> ParseRtp(std::span<const uint8_t> datagram) {
  if (datagram.size() < kFixedHeader) return InvalidArgument("rtp", "shorter than RTP header");
  const uint8_t first = datagram[0];
  if ((first >> 6) != 2) return InvalidArgument("rtp", "not RTP version 2");
  const bool padding = (first & 0x20) != 0;
  const bool extension = (first & 0x10) != 0;
  const size_t csrc_count = first & 0x0F;

  RtpPacket packet;
  packet.marker = (datagram[1] & 0x80) != 0;
  packet.payload_type = datagram[1] & 0x7F;
  packet.sequence = static_cast<uint16_t>((datagram[2] << 8) | datagram[3]);
  packet.timestamp = (uint32_t{datagram[4]} << 24) | (uint32_t{datagram[5]} << 16) |
                     (uint32_t{datagram[6]} << 8) | uint32_t{datagram[7]};
  packet.ssrc = (uint32_t{datagram[8]} << 24) | (uint32_t{datagram[9]} << 16) |
                (uint32_t{datagram[10]} << 8) | uint32_t{datagram[11]};

  size_t offset = kFixedHeader + 4 * csrc_count;
  if (offset > datagram.size()) return InvalidArgument("rtp", "CSRC list past end of packet");
  if (extension) {
    if (offset + 4 > datagram.size()) {
      return InvalidArgument("rtp", "extension header past end of packet");
    }
    const size_t words = (size_t{datagram[offset + 2]} << 8) | datagram[offset + 3];
    offset += 4 + 4 * words;
    if (offset > datagram.size()) return InvalidArgument("rtp", "extension past end of packet");
  }
  size_t end = datagram.size();
  if (padding) {
    const size_t pad = datagram[end - 1];
    if (pad == 0) return InvalidArgument("rtp", "padding count of zero");
    if (pad > end - offset) return InvalidArgument("rtp", "padding longer than payload");
    end -= pad;
  }
  packet.payload = datagram.subspan(offset, end - offset);
  return packet;
}

Result<TelephoneEvent> ParseTelephoneEvent(std::span<const uint8_t> payload) {
  // RFC 4733 allows several 4-byte blocks (redundancy); the first is the current event.
  if (payload.size() < 4) return InvalidArgument("telephone_event", "shorter than 4 bytes");
  TelephoneEvent event;
  event.event = payload[0];
  event.end = (payload[1] & 0x80) != 0;
  event.volume = payload[1] & 0x3F;
  event.duration = static_cast<uint16_t>((payload[2] << 8) | payload[3]);
  return event;
}

}  // namespace fg::voip
