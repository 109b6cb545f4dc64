// libFuzzer target for the SIP side of the recorder: ParseSip, ParseSdp, SipStreamFramer,
// DecodeFrame on every link type, and CallTracker. None may crash or read outside the
// input; a framer fed the input in pieces never emits more bytes than it was given; a
// CallTracker ends every call it started after EndAll and forgets its media endpoints.
// Inputs holding several messages separate them with NUL bytes (one UDP datagram each,
// alternating direction). Built with clang -fsanitize=fuzzer,address,undefined; the corpus
// beside it is replayed by tests/unit/voip (SipFuzzCorpus) in every ordinary test run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "voip/call_tracker.h"
#include "voip/fragments.h"
#include "voip/packet.h"
#include "voip/sdp.h"
#include "voip/sip.h"

namespace {

using fg::voip::CallInfo;
using fg::voip::MediaUpdate;

class CheckingListener : public fg::voip::CallTrackerListener {
 public:
  void OnCallStarted(const CallInfo& call) override {
    if (!open.insert(call.call_id).second) std::abort();  // started twice while open
  }
  void OnMedia(const CallInfo& call, const MediaUpdate& update) override {
    if (open.count(call.call_id) == 0) std::abort();
    if (update.rtp.port != 0) endpoints.push_back(update.rtp);
  }
  void OnCallAnswered(const CallInfo& call) override {
    if (open.count(call.call_id) == 0 || call.final_status < 200 || call.final_status > 299) {
      std::abort();
    }
  }
  void OnCallEnded(const CallInfo& call) override {
    if (open.erase(call.call_id) != 1) std::abort();  // ended twice or never started
  }
  std::set<std::string> open;
  std::vector<fg::voip::Endpoint> endpoints;
};

std::vector<std::string_view> SplitOnNul(std::string_view input) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (start <= input.size() && pieces.size() < 64) {
    const size_t end = input.find('\0', start);
    pieces.push_back(input.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return pieces;
}

void FuzzParsers(std::string_view input) {
  if (auto message = fg::voip::ParseSip(input)) {
    if (message->body.size() > input.size()) std::abort();
    (void)fg::voip::ParseSdp(message->body);
    (void)message->Header("via");
    (void)fg::voip::SipUriUser(message->request_uri);
  }
  if (auto sdp = fg::voip::ParseSdp(input)) {
    for (const auto& media : sdp->media) {
      for (const auto& codec : media.codecs) {
        if (media.FindCodec(codec.payload_type) == nullptr) std::abort();
      }
    }
    (void)sdp->Audio();
  }
}

void FuzzFramer(std::span<const uint8_t> data) {
  fg::voip::SipStreamFramer framer;
  uint32_t sequence = data.empty() ? 0 : 0xffffff00u + data[0];  // crosses the wrap
  size_t emitted = 0;
  size_t offset = 0;
  while (offset < data.size()) {
    const size_t piece = std::min<size_t>(data.size() - offset, 1 + data[offset] % 97);
    framer.Feed(sequence, data.subspan(offset, piece));
    if (offset % 3 == 0) framer.Feed(sequence, data.subspan(offset, piece));  // retransmit
    sequence += static_cast<uint32_t>(piece);
    offset += piece;
    while (auto message = framer.Next()) {
      emitted += message->size();
      (void)fg::voip::ParseSip(*message);
    }
  }
  if (emitted > data.size()) std::abort();
}

void FuzzFrames(std::span<const uint8_t> data) {
  using fg::voip::LinkType;
  for (LinkType link : {LinkType::kNull, LinkType::kEthernet, LinkType::kRaw, LinkType::kLoop,
                        LinkType::kLinuxSll, LinkType::kLinuxSll2}) {
    auto packet = fg::voip::DecodeFrame(link, 1, data);
    if (!packet) continue;
    const uint8_t* begin = data.data();
    if (packet->payload.size() > 0 &&
        (packet->payload.data() < begin ||
         packet->payload.data() + packet->payload.size() > begin + data.size())) {
      std::abort();  // the payload must lie inside the frame
    }
  }
}

void FuzzTracker(std::string_view input) {
  CheckingListener listener;
  fg::voip::CallTracker tracker(listener, {.max_calls = 16});
  const auto a = *fg::voip::Endpoint::Parse("10.0.0.1", 5060);
  const auto b = *fg::voip::Endpoint::Parse("10.0.0.2", 5060);
  int64_t now = 1'000'000;
  const auto pieces = SplitOnNul(input);
  for (size_t i = 0; i < pieces.size(); ++i) {
    fg::voip::Packet packet;
    packet.time_us = (now += 20'000);
    packet.source = i % 2 == 0 ? a : b;
    packet.destination = i % 2 == 0 ? b : a;
    packet.payload = {reinterpret_cast<const uint8_t*>(pieces[i].data()), pieces[i].size()};
    tracker.OnSip(packet);
  }
  // The same bytes as one TCP stream, in two segments.
  fg::voip::Packet segment;
  segment.transport = fg::voip::Transport::kTcp;
  segment.source = fg::voip::Endpoint::FromV4(0x0a000001, 40000);
  segment.destination = b;
  const size_t half = input.size() / 2;
  segment.payload = {reinterpret_cast<const uint8_t*>(input.data()), half};
  segment.tcp_sequence = 1;
  tracker.OnSip(segment);
  segment.payload = {reinterpret_cast<const uint8_t*>(input.data()) + half, input.size() - half};
  segment.tcp_sequence = 1 + static_cast<uint32_t>(half);
  tracker.OnSip(segment);
  tracker.Sweep(now + 1);
  tracker.EndAll(now + 2);
  if (tracker.open_calls() != 0 || !listener.open.empty()) std::abort();
  for (const auto& endpoint : listener.endpoints) {
    if (tracker.FindMedia(endpoint)) std::abort();  // ended calls forget their media
  }
  tracker.Sweep(now + 1'000'000'000);
}

}  // namespace

// Pieces of the input as IP fragments: a reassembled datagram never exceeds 64 KiB and
// always decodes without reading outside itself.
void FuzzFragments(std::string_view input) {
  fg::voip::FragmentReassembler fragments({.max_datagrams = 4, .timeout_us = 1000});
  int64_t t = 0;
  for (std::string_view piece : SplitOnNul(input)) {
    auto whole =
        fragments.Add(t++, std::span(reinterpret_cast<const uint8_t*>(piece.data()), piece.size()));
    if (!whole) continue;
    if (whole->size() > 65535 + 40) std::abort();
    (void)fg::voip::DecodeFrame(fg::voip::LinkType::kRaw, t, *whole);
  }
  if (fragments.pending() > 4) std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (std::string_view piece : SplitOnNul(input)) FuzzParsers(piece);
  FuzzParsers(input);
  FuzzFramer(bytes);
  FuzzFrames(bytes);
  FuzzTracker(input);
  FuzzFragments(input);
  return 0;
}
