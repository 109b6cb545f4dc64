// SDP (RFC 4566) offer/answer parsing: where each side wants its RTP and which codecs.
//
// Only what recording needs: the connection address (session or media level, IPv4 and
// IPv6), each m= line's port and payload types, rtpmap/fmtp, and the direction attribute
// (sendrecv, sendonly, recvonly, inactive; a=inactive or port 0 means no media). Static
// payload types (0 PCMU, 8 PCMA, 9 G722, ...) are known without an rtpmap; a dynamic one
// without an rtpmap is kept with an empty name (the media side records it as a gap).
// The old RFC 2543 hold (c= 0.0.0.0 or ::) means the sender of the SDP receives nothing:
// sendrecv becomes sendonly, recvonly becomes inactive. A non-zero port whose address is
// missing or not an IP literal is an error; lines we do not need are skipped.
// Thread-safety: pure functions.
//
//   auto sdp = voip::ParseSdp(message.body);
//   for (const auto& m : sdp->media) if (m.kind == "audio") ...
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "voip/packet.h"

namespace fg::voip {

struct Codec {
  int payload_type = -1;
  std::string name;  // upper-case encoding name: "PCMU", "PCMA", "G722", "TELEPHONE-EVENT", ...
  int clock_rate = 8000;  // RTP clock rate (G722 is 8000 by RFC 3551, audio is 16 kHz)
  int channels = 1;
  std::string fmtp;  // a=fmtp parameters as written ("0-16" for telephone-event), or empty
};

enum class MediaDirection { kSendRecv, kSendOnly, kRecvOnly, kInactive };

struct SdpMedia {
  std::string kind;  // "audio", "video", ...
  Endpoint rtp;      // where this side wants to receive RTP (address from c=, port from m=)
  std::vector<Codec> codecs;  // in m= order
  MediaDirection direction = MediaDirection::kSendRecv;
  const Codec* FindCodec(int payload_type) const;
};

struct Sdp {
  std::vector<SdpMedia> media;
  // The first audio stream with a non-zero port, if any.
  const SdpMedia* Audio() const;
};

Result<Sdp> ParseSdp(std::string_view text);

// The codec for a static payload type (RFC 3551), if it is one we know.
std::optional<Codec> StaticCodec(int payload_type);

}  // namespace fg::voip
