// SIP message parsing (RFC 3261) for the call recorder: just what call assembly needs.
//
// ParseSip reads one message (request or response) with compact header forms (i, f, t, m,
// c, l), folded lines and a body bounded by Content-Length. It never trusts sizes: a
// message without a complete start line, Call-ID, CSeq, From and To is an error value.
// SipStreamFramer cuts a TCP byte stream into messages by Content-Length, one framer per
// connection direction; a stream it cannot frame is dropped, never buffered without bound.
// Thread-safety: ParseSip is pure; a framer belongs to one thread.
//
//   auto message = voip::ParseSip(text);
//   if (message && message->IsRequest("INVITE")) ...
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace fg::voip {

struct SipMessage {
  bool is_request = false;
  std::string method;       // requests: INVITE, ACK, BYE, CANCEL, ...
  std::string request_uri;  // requests
  int status = 0;           // responses: 100..699
  std::string reason;       // responses
  std::string call_id;
  std::string from_uri, from_user, from_tag;  // user = the URI's user part ("1001")
  std::string to_uri, to_user, to_tag;
  std::string from_display;  // display name, if any
  uint32_t cseq = 0;
  std::string cseq_method;
  std::string content_type;  // lower-cased, without parameters ("application/sdp")
  std::string body;
  std::vector<std::pair<std::string, std::string>>
      headers;  // every header, names lower-cased long form

  bool IsRequest(std::string_view m) const { return is_request && method == m; }
  // First value of a header by its long name, case-insensitive ("p-asserted-identity").
  std::optional<std::string_view> Header(std::string_view name) const;
};

Result<SipMessage> ParseSip(std::string_view text);

// The user part of a sip:, sips: or tel: URI ("1001" from "sip:1001@pbx;transport=udp"),
// empty when there is none.
std::string SipUriUser(std::string_view uri);

// Cuts a TCP stream into SIP messages. Feed() appends bytes; Next() returns the next
// complete message text, or nullopt when more bytes are needed. Gives up (Failed()) on a
// header block over 64 KiB or a body over 1 MiB, and on a gap in the sequence numbers.
class SipStreamFramer {
 public:
  void Feed(uint32_t sequence, std::span<const uint8_t> bytes);
  std::optional<std::string> Next();
  bool Failed() const { return failed_; }

 private:
  std::string buffer_;
  std::optional<uint32_t> next_sequence_;
  bool failed_ = false;
};

}  // namespace fg::voip
