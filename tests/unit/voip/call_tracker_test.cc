#include "voip/call_tracker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fg::voip {
namespace {

Endpoint Ep(std::string_view address, uint16_t port) { return *Endpoint::Parse(address, port); }

struct Event {
  std::string kind;  // started, media, answered, ended
  CallInfo call;
  MediaUpdate media;
};

class RecordingListener : public CallTrackerListener {
 public:
  void OnCallStarted(const CallInfo& call) override { events.push_back({"started", call, {}}); }
  void OnMedia(const CallInfo& call, const MediaUpdate& update) override {
    events.push_back({"media", call, update});
  }
  void OnCallAnswered(const CallInfo& call) override { events.push_back({"answered", call, {}}); }
  void OnCallEnded(const CallInfo& call) override { events.push_back({"ended", call, {}}); }

  std::vector<std::string> Kinds() const {
    std::vector<std::string> kinds;
    for (const Event& e : events) kinds.push_back(e.kind);
    return kinds;
  }
  std::vector<Event> Of(std::string_view kind) const {
    std::vector<Event> out;
    for (const Event& e : events) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }
  std::vector<Event> events;
};

std::string Sdp(std::string_view address, uint16_t port, std::string_view direction = "sendrecv") {
  const std::string family = address.find(':') == std::string_view::npos ? "IP4" : "IP6";
  return "v=0\r\no=- 1 1 IN " + family + " " + std::string(address) + "\r\ns=-\r\nc=IN " + family +
         " " + std::string(address) + "\r\nt=0 0\r\nm=audio " + std::to_string(port) +
         " RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=" + std::string(direction) +
         "\r\n";
}

// One dialog's messages. Requests go from `from` (caller or callee); responses answer a
// request that `request_from` sent, so From/To are the request's.
struct Dialog {
  std::string call_id = "a84b4c76e66710@10.0.0.1";
  std::string caller_tag = "1928301774";
  std::string callee_tag = "a6c85cf";

  std::string Headers(Side request_from, bool to_tag, uint32_t cseq,
                      std::string_view method) const {
    const bool caller = request_from == Side::kCaller;
    std::string from = caller ? "\"Alice\" <sip:1001@pbx.example.com>;tag=" + caller_tag
                              : "<sip:2002@pbx.example.com>;tag=" + callee_tag;
    std::string to = caller ? "<sip:2002@pbx.example.com>" : "<sip:1001@pbx.example.com>";
    if (to_tag || !caller) to += ";tag=" + (caller ? callee_tag : caller_tag);
    return "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + std::to_string(cseq) +
           "\r\nFrom: " + from + "\r\nTo: " + to + "\r\nCall-ID: " + call_id +
           "\r\nCSeq: " + std::to_string(cseq) + " " + std::string(method) + "\r\n";
  }
  static std::string Body(std::string_view sdp) {
    std::string out;
    if (!sdp.empty()) out += "Content-Type: application/sdp\r\n";
    out += "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n";
    out += sdp;
    return out;
  }
  std::string Request(std::string_view method, uint32_t cseq, Side from, bool to_tag,
                      std::string_view sdp = "") const {
    return std::string(method) + " sip:2002@pbx.example.com SIP/2.0\r\n" +
           Headers(from, to_tag, cseq, method) + Body(sdp);
  }
  std::string Response(int status, uint32_t cseq, std::string_view method, Side request_from,
                       bool to_tag, std::string_view sdp = "") const {
    return "SIP/2.0 " + std::to_string(status) + " Reason\r\n" +
           Headers(request_from, to_tag, cseq, method) + Body(sdp);
  }
};

class CallTrackerTest : public ::testing::Test {
 protected:
  CallTrackerTest() : tracker_(listener_, {}) {}

  void Send(const std::string& text, const Endpoint& from, const Endpoint& to,
            int64_t time_us = -1) {
    Packet packet;
    packet.time_us = time_us >= 0 ? time_us : (now_ += 1000);
    packet.source = from;
    packet.destination = to;
    packet.payload = {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
    ASSERT_TRUE(tracker_.IsSip(packet));
    tracker_.OnSip(packet);
  }
  void FromCaller(const std::string& text) { Send(text, caller_, callee_); }
  void FromCallee(const std::string& text) { Send(text, callee_, caller_); }

  // INVITE (offer) / 100 / 180 / 200 (answer) / ACK.
  void EstablishCall(const Dialog& d = {}) {
    FromCaller(d.Request("INVITE", 1, Side::kCaller, false, Sdp("10.0.0.1", 4000)));
    FromCallee(d.Response(100, 1, "INVITE", Side::kCaller, false));
    FromCallee(d.Response(180, 1, "INVITE", Side::kCaller, true));
    FromCallee(d.Response(200, 1, "INVITE", Side::kCaller, true, Sdp("10.0.0.2", 5000)));
    FromCaller(d.Request("ACK", 1, Side::kCaller, true));
  }

  Endpoint caller_ = Ep("10.0.0.1", 5060);
  Endpoint callee_ = Ep("10.0.0.2", 5060);
  int64_t now_ = 1'000'000'000;
  RecordingListener listener_;
  CallTracker tracker_;
  Dialog dialog_;
};

TEST_F(CallTrackerTest, BasicCallReportsBothMediaEndpointsUntilBye) {
  EstablishCall();
  EXPECT_EQ(listener_.Kinds(), (std::vector<std::string>{"started", "media", "media", "answered"}));
  const Event& started = listener_.events[0];
  EXPECT_EQ(started.call.call_id, dialog_.call_id);
  EXPECT_EQ(started.call.from_user, "1001");
  EXPECT_EQ(started.call.from_display, "Alice");
  EXPECT_EQ(started.call.to_user, "2002");
  EXPECT_EQ(started.call.request_user, "2002");
  EXPECT_EQ(started.call.caller_signalling, caller_);
  EXPECT_EQ(started.call.callee_signalling, callee_);
  EXPECT_EQ(listener_.events[1].media.receiver, Side::kCaller);
  EXPECT_EQ(listener_.events[1].media.rtp, Ep("10.0.0.1", 4000));
  ASSERT_EQ(listener_.events[1].media.codecs.size(), 2u);
  EXPECT_EQ(listener_.events[1].media.codecs[1].name, "TELEPHONE-EVENT");
  EXPECT_EQ(listener_.events[2].media.receiver, Side::kCallee);
  EXPECT_EQ(listener_.events[2].media.rtp, Ep("10.0.0.2", 5000));
  EXPECT_EQ(listener_.events[3].call.final_status, 200);
  EXPECT_GT(listener_.events[3].call.answered_us, started.call.invite_us);

  const auto caller_rtp = tracker_.FindMedia(Ep("10.0.0.1", 4000));
  ASSERT_TRUE(caller_rtp);
  EXPECT_EQ(caller_rtp->call_id, dialog_.call_id);
  EXPECT_EQ(caller_rtp->receiver, Side::kCaller);
  const auto callee_rtp = tracker_.FindMedia(Ep("10.0.0.2", 5000));
  ASSERT_TRUE(callee_rtp);
  EXPECT_EQ(callee_rtp->receiver, Side::kCallee);
  EXPECT_FALSE(tracker_.FindMedia(Ep("10.0.0.2", 5002)));
  EXPECT_EQ(tracker_.open_calls(), 1u);

  // The callee hangs up; its CSeq space is its own (1 BYE is not the caller's 1 INVITE).
  FromCallee(dialog_.Request("BYE", 1, Side::kCallee, true));
  FromCaller(dialog_.Response(200, 1, "BYE", Side::kCallee, true));
  const auto ended = listener_.Of("ended");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].call.end, CallEnd::kBye);
  EXPECT_EQ(ended[0].call.final_status, 200);
  EXPECT_GT(ended[0].call.ended_us, ended[0].call.answered_us);
  EXPECT_FALSE(tracker_.FindMedia(Ep("10.0.0.1", 4000)));
  EXPECT_FALSE(tracker_.FindMedia(Ep("10.0.0.2", 5000)));
  EXPECT_EQ(tracker_.open_calls(), 0u);
  EXPECT_EQ(tracker_.stats().calls, 1u);
  EXPECT_EQ(tracker_.stats().sip_messages, 7u);
  EXPECT_EQ(tracker_.stats().retransmissions, 0u);
}

TEST_F(CallTrackerTest, RtpIsMatchedByTheSdpAddressNotTheSignallingHost) {
  FromCaller(dialog_.Request("INVITE", 1, Side::kCaller, false, Sdp("10.0.0.50", 20000)));
  FromCallee(dialog_.Response(200, 1, "INVITE", Side::kCaller, true, Sdp("10.0.0.60", 30000)));
  EXPECT_EQ(tracker_.FindMedia(Ep("10.0.0.50", 20000))->receiver, Side::kCaller);
  EXPECT_EQ(tracker_.FindMedia(Ep("10.0.0.60", 30000))->receiver, Side::kCallee);
  EXPECT_FALSE(tracker_.FindMedia(Ep("10.0.0.1", 20000)));
  EXPECT_FALSE(tracker_.FindMedia(Ep("10.0.0.2", 30000)));
}

TEST_F(CallTrackerTest, CancelEndsTheCallAsCancelledWith487) {
  FromCaller(dialog_.Request("INVITE", 1, Side::kCaller, false, Sdp("10.0.0.1", 4000)));
  FromCallee(dialog_.Response(180, 1, "INVITE", Side::kCaller, true));
  FromCaller(dialog_.Request("CANCEL", 1, Side::kCaller, false));
  FromCallee(dialog_.Response(200, 1, "CANCEL", Side::kCaller, true));
  EXPECT_TRUE(listener_.Of("ended").empty());  // the 487 is the INVITE's final answer
  FromCallee(dialog_.Response(487, 1, "INVITE", Side::kCaller, true));
  FromCaller(dialog_.Request("ACK", 1, Side::kCaller, true));
  const auto ended = listener_.Of("ended");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].call.end, CallEnd::kCancel);
  EXPECT_EQ(ended[0].call.final_status, 487);
  EXPECT_EQ(ended[0].call.answered_us, 0);
  EXPECT_TRUE(listener_.Of("answered").empty());
  EXPECT_FALSE(tracker_.FindMedia(Ep("10.0.0.1", 4000)));
}

TEST_F(CallTrackerTest, CancelWithoutA487EndsAtSweep) {
  FromCaller(dialog_.Request("INVITE", 1, Side::kCaller, false));
  FromCaller(dialog_.Request("CANCEL", 1, Side::kCaller, false));
  tracker_.Sweep(now_ + 1'000'000);
  EXPECT_TRUE(listener_.Of("ended").empty());
  tracker_.Sweep(now_ + CallTrackerOptions{}.ended_linger_us);
  ASSERT_EQ(listener_.Of("ended").size(), 1u);
  EXPECT_EQ(listener_.Of("ended")[0].call.end, CallEnd::kCancel);
}

TEST_F(CallTrackerTest, BusyIsRejectedWithItsStatus) {
  FromCaller(dialog_.Request("INVITE", 1, Side::kCaller, false, Sdp("10.0.0.1", 4000)));
  FromCallee(dialog_.Response(486, 1, "INVITE", Side::kCaller, true));
  FromCaller(dialog_.Request("ACK", 1, Side::kCaller, true));
  FromCallee(dialog_.Response(486, 1, "INVITE", Side::kCaller, true));  // retransmitted
  const auto ended = listener_.Of("ended");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].call.end, CallEnd::kRejected);
  EXPECT_EQ(ended[0].call.final_status, 486);
  EXPECT_EQ(tracker_.stats().retransmissions, 1u);
  EXPECT_EQ(tracker_.open_calls(), 0u);
}

TEST_F(CallTrackerTest, AuthChallengeWaitsForTheRetriedInvite) {
  FromCaller(dialog_.Request("INVITE", 1, Side::kCaller, false, Sdp("10.0.0.1", 4000)));
  FromCallee(dialog_.Response(407, 1, "INVITE", Side::kCaller, true));
  FromCaller(dialog_.Request("ACK", 1, Side::kCaller, true));
  EXPECT_TRUE(listener_.Of("ended").empty());
  FromCaller(dialog_.Request("INVITE", 2, Side::kCaller, false, Sdp("10.0.0.1", 4000)));
  FromCallee(dialog_.Response(200, 2, "INVITE", Side::kCaller, true, Sdp("10.0.0.2", 5000)));
  EXPECT_EQ(listener_.Kinds(), (std::vector<std::string>{"started", "media", "media", "answered"}));
  EXPECT_EQ(listener_.Of("answered")[0].call.final_status, 200);
  EXPECT_EQ(tracker_.stats().calls, 1u);
}

TEST_F(CallTrackerTest, UnretriedChallengeIsRejected) {
  FromCaller(dialog_.Request("INVITE", 1, Side::kCaller, false));
  FromCallee(dialog_.Response(401, 1, "INVITE", Side::kCaller, true));
  tracker_.EndAll(now_ + 1);
  ASSERT_EQ(listener_.Of("ended").size(), 1u);
  EXPECT_EQ(listener_.Of("ended")[0].call.end, CallEnd::kRejected);
  EXPECT_EQ(listener_.Of("ended")[0].call.final_status, 401);
}

TEST_F(CallTrackerTest, ReInviteToHoldUpdatesBothSidesWithoutANewAnswer) {
  EstablishCall();
  listener_.events.clear();
  FromCaller(dialog_.Request("INVITE", 2, Side::kCaller, true, Sdp("10.0.0.1", 4000, "sendonly")));
  FromCallee(
      dialog_.Response(200, 2, "INVITE", Side::kCaller, true, Sdp("10.0.0.2", 5000, "recvonly")));
  FromCaller(dialog_.Request("ACK", 2, Side::kCaller, true));
  ASSERT_EQ(listener_.Kinds(), (std::vector<std::string>{"media", "media"}));
  EXPECT_EQ(listener_.events[0].media.receiver, Side::kCaller);
  EXPECT_EQ(listener_.events[0].media.direction, MediaDirection::kSendOnly);
  EXPECT_EQ(listener_.events[1].media.receiver, Side::kCallee);
  EXPECT_EQ(listener_.events[1].media.direction, MediaDirection::kRecvOnly);
  EXPECT_EQ(listener_.events[1].call.final_status, 200);
  // Resume: a=inactive then sendrecv again are both reported.
  FromCaller(dialog_.Request("INVITE", 3, Side::kCaller, true, Sdp("10.0.0.1", 4000, "inactive")));
  FromCaller(dialog_.Request("INVITE", 4, Side::kCaller, true, Sdp("10.0.0.1", 4000)));
  ASSERT_EQ(listener_.Of("media").size(), 4u);
  EXPECT_EQ(listener_.events[2].media.direction, MediaDirection::kInactive);
  EXPECT_EQ(listener_.events[3].media.direction, MediaDirection::kSendRecv);
  EXPECT_EQ(tracker_.FindMedia(Ep("10.0.0.1", 4000))->receiver, Side::kCaller);
}

TEST_F(CallTrackerTest, ReInviteFromCalleeToANewPortReplacesTheOldEndpoint) {
  EstablishCall();
  listener_.events.clear();
  FromCallee(dialog_.Request("INVITE", 1, Side::kCallee, true, Sdp("10.0.0.70", 6000)));
  FromCaller(dialog_.Response(200, 1, "INVITE", Side::kCallee, true, Sdp("10.0.0.1", 4000)));
  ASSERT_EQ(listener_.Kinds(), (std::vector<std::string>{"media"}));  // the caller's is unchanged
  EXPECT_EQ(listener_.events[0].media.receiver, Side::kCallee);
  EXPECT_EQ(listener_.events[0].media.rtp, Ep("10.0.0.70", 6000));
  EXPECT_FALSE(tracker_.FindMedia(Ep("10.0.0.2", 5000)));
  EXPECT_EQ(tracker_.FindMedia(Ep("10.0.0.70", 6000))->receiver, Side::kCallee);
  EXPECT_EQ(tracker_.FindMedia(Ep("10.0.0.1", 4000))->receiver, Side::kCaller);
}

TEST_F(CallTrackerTest, RefusedReInviteRestoresThePreviousMedia) {
  EstablishCall();
  listener_.events.clear();
  FromCaller(dialog_.Request("INVITE", 2, Side::kCaller, true, Sdp("10.0.0.1", 4100)));
  FromCallee(dialog_.Response(488, 2, "INVITE", Side::kCaller, true));
  ASSERT_EQ(listener_.Of("media").size(), 2u);
  EXPECT_EQ(listener_.events[1].media.rtp, Ep("10.0.0.1", 4000));
  EXPECT_TRUE(tracker_.FindMedia(Ep("10.0.0.1", 4000)));
  EXPECT_FALSE(tracker_.FindMedia(Ep("10.0.0.1", 4100)));
  EXPECT_TRUE(listener_.Of("ended").empty());  // an error to a re-INVITE does not end the call
}

TEST_F(CallTrackerTest, LateOfferInTheOkAndAnswerInTheAck) {
  FromCaller(dialog_.Request("INVITE", 1, Side::kCaller, false));
  FromCallee(dialog_.Response(200, 1, "INVITE", Side::kCaller, true, Sdp("10.0.0.2", 5000)));
  FromCaller(dialog_.Request("ACK", 1, Side::kCaller, true, Sdp("10.0.0.1", 4000)));
  EXPECT_EQ(listener_.Kinds(), (std::vector<std::string>{"started", "media", "answered", "media"}));
  EXPECT_EQ(tracker_.FindMedia(Ep("10.0.0.2", 5000))->receiver, Side::kCallee);
  EXPECT_EQ(tracker_.FindMedia(Ep("10.0.0.1", 4000))->receiver, Side::kCaller);
}

TEST_F(CallTrackerTest, RetransmissionsAreCountedWithoutDuplicateEvents) {
  const std::string invite =
      dialog_.Request("INVITE", 1, Side::kCaller, false, Sdp("10.0.0.1", 4000));
  const std::string ok =
      dialog_.Response(200, 1, "INVITE", Side::kCaller, true, Sdp("10.0.0.2", 5000));
  const std::string ack = dialog_.Request("ACK", 1, Side::kCaller, true);
  FromCaller(invite);
  FromCaller(invite);
  FromCallee(ok);
  FromCallee(ok);
  FromCaller(ack);
  FromCaller(ack);
  EXPECT_EQ(listener_.Kinds(), (std::vector<std::string>{"started", "media", "media", "answered"}));
  EXPECT_EQ(tracker_.stats().retransmissions, 3u);
  EXPECT_EQ(tracker_.stats().calls, 1u);
}

TEST_F(CallTrackerTest, SameAnswerIn183And200GivesOneUpdate) {
  FromCaller(dialog_.Request("INVITE", 1, Side::kCaller, false, Sdp("10.0.0.1", 4000)));
  FromCallee(dialog_.Response(183, 1, "INVITE", Side::kCaller, true, Sdp("10.0.0.2", 5000)));
  EXPECT_EQ(tracker_.FindMedia(Ep("10.0.0.2", 5000))->receiver, Side::kCallee);  // early media
  FromCallee(dialog_.Response(200, 1, "INVITE", Side::kCaller, true, Sdp("10.0.0.2", 5000)));
  EXPECT_EQ(listener_.Kinds(), (std::vector<std::string>{"started", "media", "media", "answered"}));
}

TEST_F(CallTrackerTest, SipOverTcpSplitAcrossSegmentsAndTwoInOne) {
  const std::string invite =
      dialog_.Request("INVITE", 1, Side::kCaller, false, Sdp("10.0.0.1", 4000));
  const std::string ringing = dialog_.Response(180, 1, "INVITE", Side::kCaller, true);
  const std::string ok =
      dialog_.Response(200, 1, "INVITE", Side::kCaller, true, Sdp("10.0.0.2", 5000));
  auto segment = [&](const Endpoint& from, const Endpoint& to, uint32_t sequence,
                     const std::string& bytes) {
    Packet packet;
    packet.time_us = (now_ += 1000);
    packet.transport = Transport::kTcp;
    packet.source = from;
    packet.destination = to;
    packet.tcp_sequence = sequence;
    packet.payload = {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
    tracker_.OnSip(packet);
  };
  const Endpoint phone = Ep("10.0.0.1", 40312);
  segment(phone, callee_, 1000, "");  // a bare ACK changes nothing
  segment(phone, callee_, 1000, invite.substr(0, 100));
  EXPECT_TRUE(listener_.events.empty());
  segment(phone, callee_, 1100, invite.substr(100, 200));
  segment(phone, callee_, 1300, invite.substr(300));
  ASSERT_EQ(listener_.Kinds(), (std::vector<std::string>{"started", "media"}));
  segment(callee_, phone, 77, ringing + ok);  // two messages in one segment
  EXPECT_EQ(listener_.Kinds(), (std::vector<std::string>{"started", "media", "media", "answered"}));
  EXPECT_EQ(tracker_.stats().malformed, 0u);
  EXPECT_EQ(tracker_.stats().sip_messages, 3u);
}

TEST_F(CallTrackerTest, TcpStreamWithAGapIsDroppedAndCounted) {
  const std::string invite = dialog_.Request("INVITE", 1, Side::kCaller, false);
  Packet packet;
  packet.transport = Transport::kTcp;
  packet.source = Ep("10.0.0.1", 40000);
  packet.destination = callee_;
  packet.payload = {reinterpret_cast<const uint8_t*>(invite.data()), 50};
  packet.tcp_sequence = 1;
  tracker_.OnSip(packet);
  packet.tcp_sequence = 5000;
  tracker_.OnSip(packet);
  EXPECT_EQ(tracker_.stats().tcp_streams_failed, 1u);
  EXPECT_TRUE(listener_.events.empty());
}

TEST_F(CallTrackerTest, Ipv6CallIsTracked) {
  caller_ = Ep("2001:db8::1", 5060);
  callee_ = Ep("2001:db8::2", 5060);
  FromCaller(dialog_.Request("INVITE", 1, Side::kCaller, false, Sdp("2001:db8::1", 4000)));
  FromCallee(dialog_.Response(200, 1, "INVITE", Side::kCaller, true, Sdp("2001:db8::2", 5000)));
  EXPECT_EQ(tracker_.FindMedia(Ep("2001:db8::1", 4000))->receiver, Side::kCaller);
  EXPECT_EQ(tracker_.FindMedia(Ep("2001:db8::2", 5000))->receiver, Side::kCallee);
  EXPECT_EQ(listener_.events[0].call.caller_signalling, caller_);
}

TEST_F(CallTrackerTest, RingingTimeoutEndsUnansweredCallsAtSweep) {
  FromCaller(dialog_.Request("INVITE", 1, Side::kCaller, false, Sdp("10.0.0.1", 4000)));
  const int64_t invite_us = listener_.events[0].call.invite_us;
  const int64_t timeout = CallTrackerOptions{}.ringing_timeout_us;
  tracker_.Sweep(invite_us + timeout - 1);
  EXPECT_TRUE(listener_.Of("ended").empty());
  tracker_.Sweep(invite_us + timeout);
  const auto ended = listener_.Of("ended");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].call.end, CallEnd::kTimeout);
  EXPECT_EQ(ended[0].call.ended_us, invite_us + timeout);
  EXPECT_FALSE(tracker_.FindMedia(Ep("10.0.0.1", 4000)));
}

TEST_F(CallTrackerTest, AnsweredCallsAreNotTimedOutBySweep) {
  EstablishCall();
  tracker_.Sweep(now_ + 10 * CallTrackerOptions{}.ringing_timeout_us);
  EXPECT_TRUE(listener_.Of("ended").empty());
  EXPECT_EQ(tracker_.open_calls(), 1u);
}

TEST_F(CallTrackerTest, EndAllEndsEveryOpenCall) {
  EstablishCall();
  Dialog other;
  other.call_id = "second";
  FromCaller(other.Request("INVITE", 1, Side::kCaller, false));
  tracker_.EndAll(now_ + 5);
  const auto ended = listener_.Of("ended");
  ASSERT_EQ(ended.size(), 2u);
  EXPECT_EQ(ended[0].call.end, CallEnd::kTimeout);
  EXPECT_EQ(ended[1].call.end, CallEnd::kTimeout);
  EXPECT_EQ(tracker_.open_calls(), 0u);
  EXPECT_FALSE(tracker_.FindMedia(Ep("10.0.0.2", 5000)));
  tracker_.EndAll(now_ + 6);
  EXPECT_EQ(listener_.Of("ended").size(), 2u);
}

TEST_F(CallTrackerTest, EndCallReportsTimeoutOnce) {
  EstablishCall();
  tracker_.EndCall(dialog_.call_id, now_ + 1);
  tracker_.EndCall(dialog_.call_id, now_ + 2);
  tracker_.EndCall("unknown", now_ + 2);
  ASSERT_EQ(listener_.Of("ended").size(), 1u);
  EXPECT_EQ(listener_.Of("ended")[0].call.end, CallEnd::kTimeout);
  FromCaller(dialog_.Request("BYE", 2, Side::kCaller, true));  // the late BYE changes nothing
  EXPECT_EQ(listener_.Of("ended").size(), 1u);
}

TEST_F(CallTrackerTest, EndedCallsLingerForRetransmissionsThenAreForgotten) {
  EstablishCall();
  const std::string bye = dialog_.Request("BYE", 2, Side::kCaller, true);
  FromCaller(bye);
  FromCaller(bye);
  EXPECT_EQ(tracker_.stats().retransmissions, 1u);
  tracker_.Sweep(now_ + CallTrackerOptions{}.ended_linger_us);
  FromCaller(bye);  // unknown Call-ID now: ignored, not a new call
  EXPECT_EQ(tracker_.stats().retransmissions, 1u);
  EXPECT_EQ(listener_.Of("ended").size(), 1u);
  EXPECT_EQ(tracker_.stats().calls, 1u);
}

TEST_F(CallTrackerTest, AnEndpointReusedByANewerCallBelongsToIt) {
  EstablishCall();
  Dialog newer;
  newer.call_id = "newer";
  newer.caller_tag = "n1";
  FromCaller(newer.Request("INVITE", 1, Side::kCaller, false, Sdp("10.0.0.1", 4000)));
  EXPECT_EQ(tracker_.FindMedia(Ep("10.0.0.1", 4000))->call_id, "newer");
  FromCaller(dialog_.Request("BYE", 2, Side::kCaller, true));  // the old call ends
  ASSERT_TRUE(tracker_.FindMedia(Ep("10.0.0.1", 4000)));
  EXPECT_EQ(tracker_.FindMedia(Ep("10.0.0.1", 4000))->call_id, "newer");
  EXPECT_FALSE(tracker_.FindMedia(Ep("10.0.0.2", 5000)));
}

TEST_F(CallTrackerTest, MalformedSipAndSdpAreCountedNeverFatal) {
  FromCaller("\x16\x03\x01 garbage that is not SIP at all");
  FromCaller("\r\n\r\n");  // a keep-alive is not malformed
  EXPECT_EQ(tracker_.stats().malformed, 1u);
  EXPECT_EQ(tracker_.stats().sip_messages, 0u);
  FromCaller(dialog_.Request("INVITE", 1, Side::kCaller, false, "v=0\r\nm=audio x RTP/AVP 0\r\n"));
  EXPECT_EQ(tracker_.stats().malformed, 2u);
  EXPECT_EQ(listener_.Kinds(), (std::vector<std::string>{"started"}));
  EXPECT_TRUE(listener_.Of("media").empty());
}

TEST_F(CallTrackerTest, NonInviteTrafficStartsNoCall) {
  FromCaller(dialog_.Request("REGISTER", 1, Side::kCaller, false));
  FromCaller(dialog_.Request("OPTIONS", 1, Side::kCaller, false));
  FromCaller(dialog_.Request("BYE", 1, Side::kCaller, true));
  FromCaller(dialog_.Request("INVITE", 5, Side::kCaller, true));  // in-dialog, never saw it start
  EXPECT_TRUE(listener_.events.empty());
  EXPECT_EQ(tracker_.stats().calls, 0u);
}

TEST(CallTracker, CallsBeyondTheCapAreDroppedAndCounted) {
  RecordingListener listener;
  CallTracker tracker(listener, {.max_calls = 2});
  for (int i = 0; i < 3; ++i) {
    Dialog d;
    d.call_id = "call-" + std::to_string(i);
    const std::string invite = d.Request("INVITE", 1, Side::kCaller, false);
    Packet packet;
    packet.source = Ep("10.0.0.1", 5060);
    packet.destination = Ep("10.0.0.2", 5060);
    packet.payload = {reinterpret_cast<const uint8_t*>(invite.data()), invite.size()};
    tracker.OnSip(packet);
  }
  EXPECT_EQ(tracker.open_calls(), 2u);
  EXPECT_EQ(tracker.stats().dropped_calls, 1u);
  // An ended call makes room.
  tracker.EndCall("call-0", 5);
  Dialog d;
  d.call_id = "call-3";
  const std::string invite = d.Request("INVITE", 1, Side::kCaller, false);
  Packet packet;
  packet.payload = {reinterpret_cast<const uint8_t*>(invite.data()), invite.size()};
  tracker.OnSip(packet);
  EXPECT_EQ(tracker.open_calls(), 2u);
  EXPECT_EQ(tracker.stats().dropped_calls, 1u);
}

TEST(CallTracker, IsSipChecksEitherPortAgainstTheConfiguredOnes) {
  RecordingListener listener;
  CallTracker tracker(listener, {.sip_ports = {5060, 5080}});
  Packet packet;
  packet.source = Ep("10.0.0.1", 40000);
  packet.destination = Ep("10.0.0.2", 5080);
  EXPECT_TRUE(tracker.IsSip(packet));
  std::swap(packet.source, packet.destination);
  EXPECT_TRUE(tracker.IsSip(packet));
  packet.source.port = 10000;
  EXPECT_FALSE(tracker.IsSip(packet));
}

}  // namespace
}  // namespace fg::voip
