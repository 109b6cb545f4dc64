// CallTracker: assembles SIP dialogs into calls and knows where each side receives RTP.
//
// Fed every SIP packet (UDP datagrams, and TCP segments it frames per connection), it
// follows INVITE / 1xx / 2xx / ACK / BYE / CANCEL and error responses by Call-ID, keeps
// From/To tags, and reads SDP offers and answers (in INVITE, 183, 200, ACK, re-INVITEs for
// hold or media changes) into media endpoints per side. RTP is matched by its destination
// address and port, so the two directions of a call are found even when SIP and RTP come
// from different hosts. Retransmissions (the same CSeq and message again) change nothing.
// Every SDP describes where its sender receives, so any INVITE, 1xx/2xx, ACK, UPDATE or
// PRACK carrying one gives an OnMedia for that side (late offers and re-INVITEs included;
// an unchanged SDP gives none, a re-INVITE refused with an error restores the old one).
// A 401/407/3xx to the initial INVITE waits for the retried INVITE (same Call-ID, higher
// CSeq); a CANCEL waits for the 487. Malformed SIP or SDP is counted, never fatal.
// It never decides direction or stores anything: it reports to its listener.
// Thread-safety: one thread (the capture thread).
//
//   voip::CallTracker tracker(listener, {.sip_ports = {5060}});
//   if (tracker.IsSip(packet)) tracker.OnSip(packet);
//   else if (auto owner = tracker.FindMedia(packet.destination)) ...
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "voip/packet.h"
#include "voip/sdp.h"
#include "voip/sip.h"

namespace fg::voip {

// Caller is whoever sent the initial INVITE; callee the other side.
enum class Side { kCaller = 0, kCallee = 1 };

enum class CallEnd { kNone, kBye, kCancel, kRejected, kTimeout };

struct CallInfo {
  std::string call_id;
  int64_t invite_us = 0;    // first INVITE seen
  int64_t answered_us = 0;  // 2xx to the initial INVITE; 0 if never answered
  int64_t ended_us = 0;
  CallEnd end = CallEnd::kNone;
  int final_status = 0;  // final response to the initial INVITE (200, 486, 487, ...)
  std::string from_user, from_display, to_user, request_user;  // request_user: R-URI user
  Endpoint caller_signalling;                                  // source of the initial INVITE
  Endpoint callee_signalling;                                  // its destination
};

// Where `receiver` wants RTP, and the codecs it accepts (payload type numbers as offered).
struct MediaUpdate {
  Side receiver = Side::kCaller;
  Endpoint rtp;
  std::vector<Codec> codecs;
  MediaDirection direction = MediaDirection::kSendRecv;
  int64_t time_us = 0;
};

class CallTrackerListener {
 public:
  virtual ~CallTrackerListener() = default;
  virtual void OnCallStarted(const CallInfo& call) = 0;
  virtual void OnMedia(const CallInfo& call, const MediaUpdate& update) = 0;
  virtual void OnCallAnswered(const CallInfo& call) = 0;
  // Last event for a call; its media endpoints are forgotten right after.
  virtual void OnCallEnded(const CallInfo& call) = 0;
};

struct CallTrackerOptions {
  std::vector<uint16_t> sip_ports = {5060};
  int64_t ringing_timeout_us = 180'000'000;  // no final answer within this: ended (timeout)
  int64_t ended_linger_us = 32'000'000;      // forget an ended call's retransmissions after
  size_t max_calls = 200'000;                // beyond this new INVITEs are counted and ignored
  int64_t tcp_idle_us = 300'000'000;  // a TCP framer with no segment for this long is dropped
  size_t max_tcp_streams = 10'000;    // beyond this new TCP connections are not framed
};

struct CallTrackerStats {
  uint64_t sip_messages = 0;
  uint64_t malformed = 0;  // SIP or SDP that did not parse
  uint64_t retransmissions = 0;
  uint64_t calls = 0;
  uint64_t dropped_calls = 0;       // over max_calls
  uint64_t tcp_streams_failed = 0;  // framers given up (gap, oversize) or refused (over the cap)
};

struct MediaOwner {
  std::string call_id;
  Side receiver = Side::kCaller;
};

class CallTracker {
 public:
  CallTracker(CallTrackerListener& listener, CallTrackerOptions options);
  ~CallTracker();

  // True when the packet is on a SIP port (either end).
  bool IsSip(const Packet& packet) const;
  void OnSip(const Packet& packet);
  // The call and side that receives RTP at `destination`, if an SDP named it.
  std::optional<MediaOwner> FindMedia(const Endpoint& destination) const;
  // Ends a call that the recorder found inactive (lost BYE); reports OnCallEnded(kTimeout).
  void EndCall(const std::string& call_id, int64_t time_us);
  // Ends unanswered calls past the ringing timeout and forgets lingering ended calls.
  void Sweep(int64_t now_us);
  // Ends every open call (end of a capture file) with kTimeout at `now_us` (kCancel for one
  // already CANCELled, kRejected for one whose INVITE was answered 3xx/401/407 and not retried).
  void EndAll(int64_t now_us);

  const CallTrackerStats& stats() const;
  size_t open_calls() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fg::voip
