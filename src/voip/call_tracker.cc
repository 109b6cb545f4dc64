#include "voip/call_tracker.h"

#include <algorithm>
#include <deque>

namespace fg::voip {
namespace {

// Enough to recognise retransmissions of a dialog's recent transactions.
constexpr size_t kSeenMessages = 64;

enum class Phase { kRinging, kChallenged, kCancelling, kAnswered, kEnded };

struct MessageKey {
  Side sender;
  bool request;
  std::string method;
  uint32_t cseq;
  int status;
  friend bool operator==(const MessageKey&, const MessageKey&) = default;
};

struct PendingOffer {
  Side side;
  uint32_t cseq;
  std::optional<MediaUpdate> previous;
};

struct CallState {
  CallInfo info;
  Phase phase = Phase::kRinging;
  uint32_t invite_cseq = 0;
  std::string caller_tag;
  std::string caller_from_uri;
  int64_t phase_us = 0;
  std::optional<MediaUpdate> media[2];
  std::optional<PendingOffer> pending_reinvite;
  std::deque<MessageKey> seen;
};

struct StreamKey {
  Endpoint source, destination;
  friend bool operator==(const StreamKey&, const StreamKey&) = default;
};
struct StreamKeyHash {
  size_t operator()(const StreamKey& k) const noexcept {
    EndpointHash hash;
    return hash(k.source) * 31 + hash(k.destination);
  }
};
struct Stream {
  SipStreamFramer framer;
  int64_t last_us = 0;
};

bool SameCodecs(const std::vector<Codec>& a, const std::vector<Codec>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Codec& x, const Codec& y) {
    return x.payload_type == y.payload_type && x.name == y.name && x.clock_rate == y.clock_rate &&
           x.channels == y.channels && x.fmtp == y.fmtp;
  });
}

bool SameMedia(const MediaUpdate& a, const MediaUpdate& b) {
  return a.rtp == b.rtp && a.direction == b.direction && SameCodecs(a.codecs, b.codecs);
}

Side Other(Side side) { return side == Side::kCaller ? Side::kCallee : Side::kCaller; }

bool HasSdp(const SipMessage& m) {
  if (m.body.empty()) return false;
  if (m.content_type == "application/sdp") return true;
  // Some stacks omit Content-Type; an SDP body still starts with its version line.
  return m.content_type.empty() && m.body.rfind("v=0", 0) == 0;
}

bool OnlyWhitespace(std::span<const uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(),
                     [](uint8_t b) { return b == '\r' || b == '\n' || b == ' ' || b == 0; });
}

}  // namespace

struct CallTracker::Impl {
  CallTrackerListener& listener;
  CallTrackerOptions options;
  CallTrackerStats stats;
  std::unordered_map<std::string, CallState> calls;
  std::unordered_map<Endpoint, MediaOwner, EndpointHash> media;
  std::deque<std::pair<int64_t, std::string>> ended_order;  // lingering calls, oldest first
  size_t open = 0;
  std::unordered_map<StreamKey, Stream, StreamKeyHash> streams;

  Impl(CallTrackerListener& l, CallTrackerOptions o) : listener(l), options(std::move(o)) {}

  void HandleText(std::string_view text, const Packet& packet) {
    auto message = ParseSip(text);
    if (!message) {
      ++stats.malformed;
      return;
    }
    ++stats.sip_messages;
    Process(*message, packet);
  }

  // Which side sent the message: requests come from their From, responses from their To.
  Side Sender(const CallState& call, const SipMessage& m, const Packet& packet) const {
    bool from_is_caller;
    if (!call.caller_tag.empty() && !m.from_tag.empty()) {
      from_is_caller = m.from_tag == call.caller_tag;
    } else if (m.from_uri != call.caller_from_uri) {
      from_is_caller = false;
    } else if (m.is_request) {
      from_is_caller = packet.source != call.info.callee_signalling;
    } else {
      from_is_caller = packet.destination != call.info.callee_signalling;
    }
    const Side from_side = from_is_caller ? Side::kCaller : Side::kCallee;
    return m.is_request ? from_side : Other(from_side);
  }

  void Process(const SipMessage& m, const Packet& packet) {
    auto it = calls.find(m.call_id);
    if (it == calls.end()) {
      // Only a dialog-creating INVITE starts a call; in-dialog traffic of a call we never
      // saw start (capture began mid-call), REGISTER, OPTIONS... are not calls.
      if (m.IsRequest("INVITE") && m.to_tag.empty()) Start(m, packet);
      return;
    }
    CallState& call = it->second;
    const Side sender = Sender(call, m, packet);
    MessageKey key{sender, m.is_request, m.is_request ? m.method : m.cseq_method, m.cseq, m.status};
    if (std::find(call.seen.begin(), call.seen.end(), key) != call.seen.end()) {
      ++stats.retransmissions;
      return;
    }
    if (call.seen.size() >= kSeenMessages) call.seen.pop_front();
    call.seen.push_back(std::move(key));
    if (call.phase == Phase::kEnded) return;  // lingering: late ACKs, 200 to BYE
    if (m.is_request) {
      OnRequest(call, m, sender, packet.time_us);
    } else {
      OnResponse(call, m, sender, packet.time_us);
    }
  }

  void Start(const SipMessage& m, const Packet& packet) {
    if (calls.size() >= options.max_calls) {
      if (ended_order.empty()) {
        ++stats.dropped_calls;
        return;
      }
      Forget(ended_order.front().second);  // an ended call's retransmissions matter less
      ended_order.pop_front();
    }
    CallState& call = calls[m.call_id];
    call.info.call_id = m.call_id;
    call.info.invite_us = packet.time_us;
    call.info.from_user = m.from_user;
    call.info.from_display = m.from_display;
    call.info.to_user = m.to_user;
    call.info.request_user = SipUriUser(m.request_uri);
    call.info.caller_signalling = packet.source;
    call.info.callee_signalling = packet.destination;
    call.invite_cseq = m.cseq;
    call.caller_tag = m.from_tag;
    call.caller_from_uri = m.from_uri;
    call.seen.push_back({Side::kCaller, true, m.method, m.cseq, 0});
    ++open;
    ++stats.calls;
    listener.OnCallStarted(call.info);
    UpdateMedia(call, Side::kCaller, m, packet.time_us);
  }

  void OnRequest(CallState& call, const SipMessage& m, Side sender, int64_t time_us) {
    if (m.method == "INVITE") {
      if (m.to_tag.empty() && call.phase != Phase::kAnswered && sender == Side::kCaller) {
        // The INVITE retried after a 401/407/3xx (or a lost one): the new initial request.
        call.invite_cseq = m.cseq;
        call.info.final_status = 0;
        if (call.phase == Phase::kChallenged) call.phase = Phase::kRinging;
        UpdateMedia(call, Side::kCaller, m, time_us);
        return;
      }
      if (HasSdp(m)) {
        call.pending_reinvite = PendingOffer{sender, m.cseq, call.media[static_cast<int>(sender)]};
      }
      UpdateMedia(call, sender, m, time_us);
      return;
    }
    if (m.method == "BYE") {
      End(call, CallEnd::kBye, time_us);
      return;
    }
    if (m.method == "CANCEL") {
      if (call.phase == Phase::kRinging || call.phase == Phase::kChallenged) {
        call.phase = Phase::kCancelling;
        call.phase_us = time_us;
      }
      return;
    }
    UpdateMedia(call, sender, m, time_us);  // ACK (late offer's answer), UPDATE, PRACK
  }

  void OnResponse(CallState& call, const SipMessage& m, Side sender, int64_t time_us) {
    if (m.cseq_method != "INVITE") {
      if (m.status < 300 && m.cseq_method != "CANCEL" && m.cseq_method != "BYE") {
        UpdateMedia(call, sender, m, time_us);  // 2xx to UPDATE/PRACK
      }
      return;
    }
    const bool initial = m.cseq == call.invite_cseq && call.phase != Phase::kAnswered;
    if (m.status < 300) {
      UpdateMedia(call, sender, m, time_us);
      if (m.status >= 200 && initial) {
        call.phase = Phase::kAnswered;
        call.info.answered_us = time_us;
        call.info.final_status = m.status;
        listener.OnCallAnswered(call.info);
      } else if (m.status >= 200 && call.pending_reinvite &&
                 call.pending_reinvite->cseq == m.cseq) {
        call.pending_reinvite.reset();
      }
      return;
    }
    if (initial) {
      call.info.final_status = m.status;
      const bool retry_expected = m.status < 400 || m.status == 401 || m.status == 407;
      if (call.phase == Phase::kCancelling || m.status == 487) {
        End(call, CallEnd::kCancel, time_us);
      } else if (retry_expected) {
        call.phase = Phase::kChallenged;
        call.phase_us = time_us;
      } else {
        End(call, CallEnd::kRejected, time_us);
      }
      return;
    }
    // A refused re-INVITE leaves the session as it was before the offer.
    if (call.pending_reinvite && call.pending_reinvite->cseq == m.cseq) {
      PendingOffer pending = std::move(*call.pending_reinvite);
      call.pending_reinvite.reset();
      if (pending.previous) Apply(call, *pending.previous, time_us);
    }
  }

  void UpdateMedia(CallState& call, Side side, const SipMessage& m, int64_t time_us) {
    if (!HasSdp(m)) return;
    auto sdp = ParseSdp(m.body);
    if (!sdp) {
      ++stats.malformed;
      return;
    }
    MediaUpdate update;
    update.receiver = side;
    if (const SdpMedia* audio = sdp->Audio()) {
      update.rtp = audio->rtp;
      update.codecs = audio->codecs;
      update.direction = audio->direction;
    } else {
      update.direction = MediaDirection::kInactive;  // audio refused or removed
    }
    Apply(call, update, time_us);
  }

  void Apply(CallState& call, MediaUpdate update, int64_t time_us) {
    update.time_us = time_us;
    std::optional<MediaUpdate>& current = call.media[static_cast<int>(update.receiver)];
    if (current && SameMedia(*current, update)) return;  // the same SDP again (183 then 200)
    if (current) Unmap(call.info.call_id, *current);
    if (update.rtp.port != 0) media[update.rtp] = MediaOwner{call.info.call_id, update.receiver};
    current = update;
    listener.OnMedia(call.info, update);
  }

  void Unmap(const std::string& call_id, const MediaUpdate& update) {
    if (update.rtp.port == 0) return;
    auto it = media.find(update.rtp);
    // A newer call may have taken the endpoint over; then it is no longer ours to remove.
    if (it != media.end() && it->second.call_id == call_id &&
        it->second.receiver == update.receiver) {
      media.erase(it);
    }
  }

  void End(CallState& call, CallEnd end, int64_t time_us) {
    if (call.phase == Phase::kEnded) return;
    call.phase = Phase::kEnded;
    call.info.end = end;
    call.info.ended_us = time_us;
    call.pending_reinvite.reset();
    --open;
    listener.OnCallEnded(call.info);
    for (auto& side : call.media) {
      if (side) Unmap(call.info.call_id, *side);
      side.reset();
    }
    ended_order.emplace_back(time_us, call.info.call_id);
  }

  void Forget(const std::string& call_id) {
    auto it = calls.find(call_id);
    if (it != calls.end() && it->second.phase == Phase::kEnded) calls.erase(it);
  }

  void EndOpen(const std::string& call_id, CallEnd end, int64_t time_us) {
    auto it = calls.find(call_id);
    if (it != calls.end()) End(it->second, end, time_us);
  }
};

CallTracker::CallTracker(CallTrackerListener& listener, CallTrackerOptions options)
    : impl_(std::make_unique<Impl>(listener, std::move(options))) {}

CallTracker::~CallTracker() = default;

bool CallTracker::IsSip(const Packet& packet) const {
  const auto& ports = impl_->options.sip_ports;
  return std::find(ports.begin(), ports.end(), packet.source.port) != ports.end() ||
         std::find(ports.begin(), ports.end(), packet.destination.port) != ports.end();
}

void CallTracker::OnSip(const Packet& packet) {
  Impl& impl = *impl_;
  if (packet.transport == Transport::kUdp) {
    if (OnlyWhitespace(packet.payload)) return;  // CRLF keep-alives
    impl.HandleText(std::string_view(reinterpret_cast<const char*>(packet.payload.data()),
                                     packet.payload.size()),
                    packet);
    return;
  }
  if (packet.payload.empty()) return;  // SYN, bare ACK, FIN
  const StreamKey key{packet.source, packet.destination};
  auto it = impl.streams.find(key);
  if (it == impl.streams.end()) {
    if (impl.streams.size() >= impl.options.max_tcp_streams) {
      ++impl.stats.tcp_streams_failed;
      return;
    }
    it = impl.streams.emplace(key, Stream{}).first;
  }
  it->second.last_us = packet.time_us;
  it->second.framer.Feed(packet.tcp_sequence, packet.payload);
  while (auto text = it->second.framer.Next()) impl.HandleText(*text, packet);
  if (it->second.framer.Failed()) {
    ++impl.stats.tcp_streams_failed;
    impl.streams.erase(it);  // a later segment starts a fresh framer, which resynchronises
  }
}

std::optional<MediaOwner> CallTracker::FindMedia(const Endpoint& destination) const {
  auto it = impl_->media.find(destination);
  if (it == impl_->media.end()) return std::nullopt;
  return it->second;
}

void CallTracker::EndCall(const std::string& call_id, int64_t time_us) {
  impl_->EndOpen(call_id, CallEnd::kTimeout, time_us);
}

void CallTracker::Sweep(int64_t now_us) {
  Impl& impl = *impl_;
  std::vector<std::pair<std::string, CallEnd>> due;
  for (const auto& [id, call] : impl.calls) {
    switch (call.phase) {
      case Phase::kRinging:
        if (now_us - call.info.invite_us >= impl.options.ringing_timeout_us) {
          due.emplace_back(id, CallEnd::kTimeout);
        }
        break;
      case Phase::kChallenged:
        if (now_us - call.phase_us >= impl.options.ended_linger_us) {
          due.emplace_back(id, CallEnd::kRejected);
        }
        break;
      case Phase::kCancelling:
        if (now_us - call.phase_us >= impl.options.ended_linger_us) {
          due.emplace_back(id, CallEnd::kCancel);
        }
        break;
      default:
        break;
    }
  }
  for (const auto& [id, end] : due) impl.EndOpen(id, end, now_us);
  while (!impl.ended_order.empty() &&
         now_us - impl.ended_order.front().first >= impl.options.ended_linger_us) {
    impl.Forget(impl.ended_order.front().second);
    impl.ended_order.pop_front();
  }
  for (auto it = impl.streams.begin(); it != impl.streams.end();) {
    if (now_us - it->second.last_us >= impl.options.tcp_idle_us) {
      it = impl.streams.erase(it);
    } else {
      ++it;
    }
  }
}

void CallTracker::EndAll(int64_t now_us) {
  Impl& impl = *impl_;
  std::vector<std::pair<std::string, CallEnd>> due;
  for (const auto& [id, call] : impl.calls) {
    if (call.phase == Phase::kEnded) continue;
    due.emplace_back(id, call.phase == Phase::kCancelling   ? CallEnd::kCancel
                         : call.phase == Phase::kChallenged ? CallEnd::kRejected
                                                            : CallEnd::kTimeout);
  }
  for (const auto& [id, end] : due) impl.EndOpen(id, end, now_us);
}

const CallTrackerStats& CallTracker::stats() const { return impl_->stats; }

size_t CallTracker::open_calls() const { return impl_->open; }

}  // namespace fg::voip
