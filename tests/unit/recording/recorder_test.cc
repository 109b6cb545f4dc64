// The capture engine end to end on real packets: a pcap written by voip::PcapWriter, read
// back through libpcap, recorded by Recorder into real SQLite and the encrypted vault, then
// decrypted and measured: each party's tone on its own channel, keypad digits silent and
// never stored, loss counted, a lost BYE closed, tampering found, retention shreds.
#include "recording/recorder.h"

#include <gtest/gtest.h>
#include <spandsp.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <numbers>
#include <thread>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/event_bus.h"
#include "recording/ogg_opus.h"
#include "recording/recording.h"
#include "store/store.h"
#include "voip/codec.h"
#include "voip/net/pcap_source.h"
#include "voip/pcap_writer.h"

namespace fg::recording {
namespace {

constexpr int64_t kStart = 1'800'000'000'000'000;  // capture time of the INVITE

struct Leg {
  voip::Endpoint sip;
  voip::Endpoint rtp;
  double tone_hz;
  uint32_t ssrc;
};

// Options for one generated call.
struct Script {
  double seconds = 3;
  std::vector<int> drop;                             // caller packet indexes never sent
  std::vector<int> swap;                             // caller packet i sent after i+1
  std::optional<std::pair<double, double>> rfc4733;  // caller presses a key [from, to) s
  std::optional<std::pair<double, double>> inband;   // caller's audio carries '1' [from, to) s
  bool bye = true;
  bool ipv6 = false;  // every address IPv6
  uint16_t vlan = 0;  // 802.1Q tag on every frame
  bool sip_over_tcp = false;
  bool g722 = false;      // wideband: 16 kHz audio, 8000 RTP clock (RFC 3551)
  size_t invite_mtu = 0;  // > 0: the INVITE (its SDP padded past the MTU) sent in IP fragments
};

class RecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fg_recorder_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "recordings");
    auto db = store::Database::Open(
        {.path = (dir_ / "fg.db").string(), .durability = store::Durability::kNormal});
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate("audit", audit::Log::Migrations()));
    auto signer = audit::Signer::LoadOrCreate(dir_);
    ASSERT_TRUE(signer);
    log_ = std::make_unique<audit::Log>(*db_, clock_, bus_, std::move(*signer));
    auto keys = KeyRing::Parse("k1 " + std::string(64, 'a'));
    ASSERT_TRUE(keys) << keys.error().ToString();
    keys_ = *keys;
    recordings_ = std::make_unique<Recordings>(
        *db_, *log_, clock_,
        RecordingsOptions{.directory = (dir_ / "recordings").string(), .keys = &keys_});
    ASSERT_TRUE(recordings_->Migrate());
    options_.trunk_addresses = {"10.0.0.1"};
    options_.inactivity_timeout_seconds = 10;
  }
  void TearDown() override {
    recordings_.reset();
    log_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  static voip::Endpoint At(const char* address, uint16_t port) {
    return *voip::Endpoint::Parse(address, port);
  }

  static std::string Sdp(const voip::Endpoint& rtp, bool g722 = false) {
    const std::string family = rtp.IsV4() ? "IP4 " : "IP6 ";
    return "v=0\r\no=- 1 1 IN " + family + rtp.AddressString() + "\r\ns=-\r\nc=IN " + family +
           rtp.AddressString() + "\r\nt=0 0\r\nm=audio " + std::to_string(rtp.port) +
           (g722 ? " RTP/AVP 9 101\r\na=rtpmap:9 G722/8000\r\n"
                 : " RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n") +
           "a=rtpmap:101 telephone-event/8000\r\n";
  }

  static std::string Sip(const std::string& start, const std::string& cseq, const std::string& body,
                         bool to_tag) {
    std::string m = start +
                    "\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
                    "From: <sip:+15551230000@10.0.0.1>;tag=a1\r\n"
                    "To: <sip:1001@10.0.0.2>" +
                    std::string(to_tag ? ";tag=b2" : "") +
                    "\r\nCall-ID: call-1@test\r\nCSeq: " + cseq + "\r\n";
    if (!body.empty()) m += "Content-Type: application/sdp\r\n";
    m += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return m;
  }

  static std::vector<uint8_t> Rtp(uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc,
                                  const std::vector<uint8_t>& payload, bool marker = false) {
    std::vector<uint8_t> p = {0x80,
                              static_cast<uint8_t>(pt | (marker ? 0x80 : 0)),
                              static_cast<uint8_t>(seq >> 8),
                              static_cast<uint8_t>(seq),
                              static_cast<uint8_t>(ts >> 24),
                              static_cast<uint8_t>(ts >> 16),
                              static_cast<uint8_t>(ts >> 8),
                              static_cast<uint8_t>(ts),
                              static_cast<uint8_t>(ssrc >> 24),
                              static_cast<uint8_t>(ssrc >> 16),
                              static_cast<uint8_t>(ssrc >> 8),
                              static_cast<uint8_t>(ssrc)};
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
  }

  // Writes one inbound call (trunk 10.0.0.1 -> PBX 10.0.0.2) and returns the pcap's path.
  std::string WriteCall(const Script& script) {
    const std::string path = (dir_ / "call.pcap").string();
    auto writer = voip::PcapWriter::Create(path);
    EXPECT_TRUE(writer);
    const bool v6 = script.ipv6;
    Leg caller{v6 ? At("2001:db8::1", 5060) : At("10.0.0.1", 5060),
               v6 ? At("2001:db8::50", 40000) : At("10.0.0.50", 40000), 1000, 0x1111};
    Leg callee{v6 ? At("2001:db8::2", 5060) : At("10.0.0.2", 5060),
               v6 ? At("2001:db8::60", 50000) : At("10.0.0.60", 50000), 600, 0x2222};
    uint32_t tcp_sequence[2] = {1000, 5000};
    auto udp = [&](int64_t t, const voip::Endpoint& a, const voip::Endpoint& b,
                   const std::string& text) {
      if (script.sip_over_tcp) {
        uint32_t& seq = tcp_sequence[a == caller.sip ? 0 : 1];
        // Each message in two segments: the framer must join them.
        const size_t half = text.size() / 2;
        (void)(*writer)->WriteTcp(t, a, b, seq, text.substr(0, half));
        (void)(*writer)->WriteTcp(t + 1, a, b, seq + static_cast<uint32_t>(half),
                                  text.substr(half));
        seq += static_cast<uint32_t>(text.size());
      } else {
        (void)(*writer)->WriteUdp(t, a, b, text, script.vlan);
      }
    };
    if (script.invite_mtu > 0) {
      // A long offer, as softphones with many codecs and ICE candidates send.
      std::string sdp = Sdp(caller.rtp, script.g722);
      for (int i = 0; sdp.size() < 3 * script.invite_mtu; ++i) {
        sdp += "a=candidate:" + std::to_string(i) + " 1 UDP 2130706431 192.0.2." +
               std::to_string(i % 250) + " " + std::to_string(40000 + i) + " typ host\r\n";
      }
      EXPECT_TRUE((*writer)->WriteUdpFragments(
          kStart, caller.sip, callee.sip,
          Sip("INVITE sip:1001@10.0.0.2 SIP/2.0", "1 INVITE", sdp, false), script.invite_mtu,
          script.vlan));
    } else {
      udp(kStart, caller.sip, callee.sip,
          Sip("INVITE sip:1001@10.0.0.2 SIP/2.0", "1 INVITE", Sdp(caller.rtp, script.g722), false));
    }
    udp(kStart + 50'000, callee.sip, caller.sip,
        Sip("SIP/2.0 200 OK", "1 INVITE", Sdp(callee.rtp, script.g722), true));
    udp(kStart + 60'000, caller.sip, callee.sip,
        Sip("ACK sip:1001@10.0.0.2 SIP/2.0", "1 ACK", "", true));
    const int64_t media = kStart + 100'000;
    const int packets = static_cast<int>(script.seconds * 50);
    auto sample = [&](const Leg& leg, int n) {
      const double t = n / 8000.0;
      double v = 8000 * std::sin(2 * std::numbers::pi * leg.tone_hz * t);
      if (&leg == &caller && script.inband && t >= script.inband->first &&
          t < script.inband->second) {
        v = 6000 * std::sin(2 * std::numbers::pi * 697 * t) +
            6000 * std::sin(2 * std::numbers::pi * 1209 * t);
      }
      return voip::EncodeUlaw(static_cast<int16_t>(v));
    };
    std::vector<std::pair<int64_t, std::vector<uint8_t>>> caller_packets, callee_packets;
    g722_encode_state_t* encoders[2] = {g722_encode_init(nullptr, 64000, 0),
                                        g722_encode_init(nullptr, 64000, 0)};
    for (int i = 0; i < packets; ++i) {
      for (const Leg* leg : {&caller, &callee}) {
        std::vector<uint8_t> payload(160);
        if (script.g722) {
          int16_t pcm[320];
          for (int s = 0; s < 320; ++s) {
            pcm[s] = static_cast<int16_t>(
                8000 * std::sin(2 * std::numbers::pi * leg->tone_hz * (i * 320 + s) / 16000.0));
          }
          g722_encode(encoders[leg == &caller ? 0 : 1], payload.data(), pcm, 320);
        } else {
          for (int s = 0; s < 160; ++s) payload[s] = sample(*leg, i * 160 + s);
        }
        auto rtp = Rtp(script.g722 ? 9 : 0, static_cast<uint16_t>(1000 + i),
                       static_cast<uint32_t>(i * 160), leg->ssrc, payload);
        const int64_t t = media + i * 20'000;
        if (leg == &caller) {
          caller_packets.emplace_back(t, std::move(rtp));
        } else {
          callee_packets.emplace_back(t, std::move(rtp));
        }
      }
      if (script.rfc4733) {
        const double t = i / 50.0;
        if (t >= script.rfc4733->first && t < script.rfc4733->second) {
          const uint32_t ts = static_cast<uint32_t>(script.rfc4733->first * 8000);
          const uint16_t duration = static_cast<uint16_t>((t - script.rfc4733->first) * 8000 + 160);
          const bool end = t + 0.02 >= script.rfc4733->second;
          std::vector<uint8_t> event = {1, static_cast<uint8_t>((end ? 0x80 : 0) | 10),
                                        static_cast<uint8_t>(duration >> 8),
                                        static_cast<uint8_t>(duration)};
          for (int copy = 0; copy < (end ? 3 : 1); ++copy) {
            caller_packets.emplace_back(
                media + i * 20'000 + 1000 + copy,
                Rtp(101, static_cast<uint16_t>(9000 + i * 3 + copy), ts, 0x3333, event));
          }
        }
      }
    }
    for (auto* e : encoders) g722_encode_free(e);
    for (int i : script.swap) std::swap(caller_packets[i].second, caller_packets[i + 1].second);
    // One capture in time order (a swap exchanges contents, so the pair arrives reordered).
    struct Frame {
      int64_t t;
      bool from_caller;
      std::vector<uint8_t> bytes;
    };
    std::vector<Frame> frames;
    for (size_t i = 0; i < caller_packets.size(); ++i) {
      if (std::find(script.drop.begin(), script.drop.end(), static_cast<int>(i)) !=
          script.drop.end())
        continue;
      frames.push_back({caller_packets[i].first, true, std::move(caller_packets[i].second)});
    }
    for (auto& [t, bytes] : callee_packets) frames.push_back({t, false, std::move(bytes)});
    std::stable_sort(frames.begin(), frames.end(),
                     [](const Frame& a, const Frame& b) { return a.t < b.t; });
    for (const Frame& f : frames) {
      (void)(*writer)->WriteUdp(f.t, f.from_caller ? caller.rtp : callee.rtp,
                                f.from_caller ? callee.rtp : caller.rtp, f.bytes, script.vlan);
    }
    const int64_t end = media + packets * 20'000;
    if (script.bye) {
      udp(end + 10'000, caller.sip, callee.sip,
          Sip("BYE sip:1001@10.0.0.2 SIP/2.0", "2 BYE", "", true));
      udp(end + 20'000, callee.sip, caller.sip, Sip("SIP/2.0 200 OK", "2 BYE", "", true));
    }
    EXPECT_TRUE((*writer)->Flush());
    return path;
  }

  // Captures the file like `floorguard capture --read`; then time runs on to `tick_until`.
  using Hook = std::function<void(Recorder&, int64_t time_us)>;
  RecorderStats Capture(const std::string& path, int64_t tick_until = 0, const Hook& hook = {},
                        RecorderAlert alert = {}) {
    Recorder recorder(*recordings_, keys_, options_, {}, std::move(alert));
    auto source = voip::PacketSource::OpenFile(path, "");
    EXPECT_TRUE(source) << source.error().ToString();
    int64_t last = 0;
    auto run = (*source)->Run([&](voip::LinkType link, int64_t t, std::span<const uint8_t> f) {
      last = t;
      recorder.OnFrame(link, t, f);
      if (hook) hook(recorder, t);
    });
    EXPECT_TRUE(run);
    for (int64_t t = last; t < tick_until; t += 1'000'000) recorder.Tick(t);
    recorder.Finish(std::max(last, tick_until));
    return recorder.stats();
  }

  void ExpectFragmentedInviteRecorded(bool v6);

  Call OnlyCall() {
    auto page = recordings_->ListCalls({});
    EXPECT_TRUE(page);
    EXPECT_EQ(page->items.size(), 1u);
    return page->items.at(0);
  }

  DecodedAudio Listen(int64_t call) {
    auto ogg = recordings_->OpenAudio("user:sec", call, "test", "opus");
    EXPECT_TRUE(ogg) << ogg.error().ToString();
    auto audio = DecodeOggOpus(*ogg);
    EXPECT_TRUE(audio) << audio.error().ToString();
    return *audio;
  }

  // Energy of one channel at `hz` relative to its total energy, over [from, to) seconds.
  static double ToneShare(const DecodedAudio& a, int channel, double hz, double from, double to) {
    const int n0 = static_cast<int>(from * a.sample_rate),
              n1 = static_cast<int>(to * a.sample_rate);
    double s1 = 0, s2 = 0, total = 0;
    const double w = 2 * std::numbers::pi * hz / a.sample_rate;
    for (int n = n0; n < n1; ++n) {
      const double x = a.samples.at(static_cast<size_t>(n) * a.channels + channel);
      const double s0 = x + 2 * std::cos(w) * s1 - s2;
      s2 = s1;
      s1 = s0;
      total += x * x;
    }
    const double power = s1 * s1 + s2 * s2 - 2 * std::cos(w) * s1 * s2;
    return total == 0 ? 0 : power / (total * (n1 - n0) / 2.0);
  }

  static double Rms(const DecodedAudio& a, int channel, double from, double to) {
    double sum = 0;
    const int n0 = static_cast<int>(from * a.sample_rate),
              n1 = static_cast<int>(to * a.sample_rate);
    for (int n = n0; n < n1; ++n) {
      const double x = a.samples.at(static_cast<size_t>(n) * a.channels + channel);
      sum += x * x;
    }
    return std::sqrt(sum / std::max(1, n1 - n0));
  }

  std::filesystem::path dir_;
  core::ManualClock clock_{core::FromUnixMicros(kStart)};
  core::EventBus bus_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<audit::Log> log_;
  KeyRing keys_;
  std::unique_ptr<Recordings> recordings_;
  RecorderOptions options_;
};

TEST_F(RecorderTest, EachPartyIsOnItsOwnChannelAndTheHashIsAudited) {
  const auto stats = Capture(WriteCall({}));
  EXPECT_EQ(stats.calls, 1u);
  EXPECT_EQ(stats.recorded, 1u);
  const Call call = OnlyCall();
  EXPECT_EQ(call.direction, Direction::kInbound);  // the INVITE came from the trunk
  EXPECT_EQ(call.from_number, "+15551230000");
  EXPECT_EQ(call.agent_extension, "1001");
  EXPECT_EQ(call.end_reason, "bye");
  ASSERT_TRUE(call.recording);
  EXPECT_EQ(call.recording->status, "complete");
  EXPECT_NEAR(static_cast<double>(call.recording->duration_ms), 3000, 300);
  EXPECT_EQ(call.recording->lost, 0);
  const DecodedAudio audio = Listen(call.id);
  ASSERT_EQ(audio.channels, 2);
  // Left: the remote party (the caller's 1000 Hz); right: the agent (600 Hz).
  EXPECT_GT(ToneShare(audio, 0, 1000, 0.5, 2.5), 0.8);
  EXPECT_GT(ToneShare(audio, 1, 600, 0.5, 2.5), 0.8);
  EXPECT_LT(ToneShare(audio, 0, 600, 0.5, 2.5), 0.05);
  auto entries = log_->List({.action = "recording.complete"});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_NE(entries->front().details.find(call.recording->sha256), std::string::npos);
  auto problems = recordings_->Verify();
  ASSERT_TRUE(problems);
  EXPECT_TRUE(problems->empty());
}

TEST_F(RecorderTest, WidebandG722IsRecordedAt16kHz) {
  Script script;
  script.g722 = true;
  Capture(WriteCall(script));
  const Call call = OnlyCall();
  ASSERT_TRUE(call.recording);
  EXPECT_EQ(call.recording->sample_rate, 16000);
  const DecodedAudio audio = Listen(call.id);
  EXPECT_EQ(audio.sample_rate, 16000);
  EXPECT_GT(ToneShare(audio, 0, 1000, 0.5, 2.5), 0.7);
  EXPECT_GT(ToneShare(audio, 1, 600, 0.5, 2.5), 0.7);
}

TEST_F(RecorderTest, Ipv6VlanTaggedCallIsRecorded) {
  Script script;
  script.ipv6 = true;
  script.vlan = 42;
  Capture(WriteCall(script));
  const Call call = OnlyCall();
  EXPECT_EQ(call.direction, Direction::kInbound);  // by number: 1001 is an extension
  ASSERT_TRUE(call.recording);
  EXPECT_EQ(call.recording->lost, 0);
  const DecodedAudio audio = Listen(call.id);
  EXPECT_GT(ToneShare(audio, 0, 1000, 0.5, 2.5), 0.8);
}

// A long INVITE over UDP arrives in IP fragments: reassembled, the call is seen and recorded.
void RecorderTest::ExpectFragmentedInviteRecorded(bool v6) {
  Script script;
  script.ipv6 = v6;
  script.vlan = v6 ? 7 : 0;
  script.invite_mtu = 1500;
  const auto stats = Capture(WriteCall(script));
  EXPECT_EQ(stats.calls, 1u);
  EXPECT_GE(stats.ip_fragments, 3u);
  EXPECT_EQ(stats.reassembled_datagrams, 1u);
  EXPECT_EQ(stats.undecodable_frames, 0u);
  const Call call = OnlyCall();
  ASSERT_TRUE(call.recording);
  EXPECT_EQ(call.recording->lost, 0);
  const DecodedAudio audio = Listen(call.id);
  EXPECT_GT(ToneShare(audio, 0, 1000, 0.5, 2.5), 0.8);
}

TEST_F(RecorderTest, InviteInIpv4FragmentsIsReassembled) { ExpectFragmentedInviteRecorded(false); }

TEST_F(RecorderTest, InviteInIpv6FragmentsIsReassembled) { ExpectFragmentedInviteRecorded(true); }

// The directory lookup runs off the capture thread: a resolver that answers only after every
// frame was fed does not hold the capture up, and its answer is in the call's row.
TEST_F(RecorderTest, PartyLookupNeverHoldsUpTheCapture) {
  std::promise<void> fed;
  std::shared_future<void> released = fed.get_future().share();
  std::atomic<bool> timed_out{false};
  std::atomic<int> lookups{0};
  PartyResolver resolver = [&](std::string_view extension, core::WallTime) {
    ++lookups;
    EXPECT_EQ(extension, "1001");
    if (released.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      timed_out = true;
    }
    return Parties{.station_id = 42, .agent_person_id = 7, .campaign_id = 3};
  };
  {
    Recorder recorder(*recordings_, keys_, options_, resolver);
    auto source = voip::PacketSource::OpenFile(WriteCall({}), "");
    ASSERT_TRUE(source);
    auto run = (*source)->Run([&](voip::LinkType link, int64_t t, std::span<const uint8_t> f) {
      recorder.OnFrame(link, t, f);
    });
    ASSERT_TRUE(run);
    fed.set_value();  // only now may the lookup answer
    recorder.Finish(0);
  }
  EXPECT_FALSE(timed_out) << "the capture waited for the lookup";
  EXPECT_EQ(lookups.load(), 1);
  const Call call = OnlyCall();
  EXPECT_EQ(call.station_id, 42);
  EXPECT_EQ(call.agent_person_id, 7);
  EXPECT_EQ(call.campaign_id, 3);
  ASSERT_TRUE(call.recording);
  EXPECT_EQ(call.recording->status, "complete");
}

TEST_F(RecorderTest, SipOverTcpSplitAcrossSegmentsIsFollowed) {
  Script script;
  script.sip_over_tcp = true;
  const auto stats = Capture(WriteCall(script));
  EXPECT_EQ(stats.calls, 1u);
  const Call call = OnlyCall();
  EXPECT_EQ(call.end_reason, "bye");
  ASSERT_TRUE(call.recording);
  EXPECT_NEAR(static_cast<double>(call.recording->duration_ms), 3000, 300);
}

TEST_F(RecorderTest, KeypadEventsAreSilencedOnBothChannelsAndOnlyTheSpanIsKept) {
  Script script;
  script.rfc4733 = std::pair{1.0, 1.3};
  Capture(WriteCall(script));
  const Call call = OnlyCall();
  ASSERT_TRUE(call.recording);
  ASSERT_FALSE(call.recording->spans.empty());
  const MaskedSpan span = call.recording->spans.front();
  EXPECT_EQ(span.source, "dtmf");
  EXPECT_LE(span.start_ms, 1000 - 100);  // looked back before the digit
  EXPECT_GE(span.end_ms, 1300);
  const DecodedAudio audio = Listen(call.id);
  // The audio is ~100 ms after the INVITE on the timeline: the digit sits at 1.0-1.3 s of
  // media time. Inside: silence on both channels; well outside: the tones.
  for (int ch = 0; ch < 2; ++ch) {
    EXPECT_LT(Rms(audio, ch, span.start_ms / 1000.0 + 0.03, span.end_ms / 1000.0 - 0.03), 300)
        << ch;
    EXPECT_GT(Rms(audio, ch, 2.0, 2.5), 2000) << ch;
  }
  // The digit itself is nowhere: not in the row, not in the audit trail.
  auto entries = log_->List({});
  ASSERT_TRUE(entries);
  for (const auto& e : *entries) EXPECT_EQ(e.details.find("\"digit\""), std::string::npos);
}

TEST_F(RecorderTest, InBandKeypadToneIsSilencedFromBeforeItsDetectedStart) {
  Script script;
  script.inband = std::pair{1.5, 1.7};
  Capture(WriteCall(script));
  const Call call = OnlyCall();
  ASSERT_TRUE(call.recording);
  ASSERT_FALSE(call.recording->spans.empty());
  const DecodedAudio audio = Listen(call.id);
  // Nothing of 697 or 1209 Hz survives anywhere in the caller's channel.
  EXPECT_LT(ToneShare(audio, 0, 697, 1.3, 2.0), 0.05);
  EXPECT_LT(ToneShare(audio, 0, 1209, 1.3, 2.0), 0.05);
  bool covered = false;
  for (const auto& s : call.recording->spans) {
    covered |= s.source == "dtmf" && s.start_ms <= 1600 && s.end_ms >= 1700;
  }
  EXPECT_TRUE(covered);
}

TEST_F(RecorderTest, LostAndReorderedPacketsAreCountedAndPlaced) {
  Script script;
  script.drop = {20, 21, 22, 60, 100};
  script.swap = {30, 40, 50};
  const auto stats = Capture(WriteCall(script));
  EXPECT_EQ(stats.rtp_lost, 5u);
  const Call call = OnlyCall();
  ASSERT_TRUE(call.recording);
  EXPECT_EQ(call.recording->lost, 5);
  EXPECT_EQ(call.recording->late, 0);
  EXPECT_NEAR(call.recording->loss_pct, 100.0 * 5 / 300, 0.2);
  EXPECT_NEAR(static_cast<double>(call.recording->duration_ms), 3000, 300);
  const DecodedAudio audio = Listen(call.id);
  EXPECT_GT(ToneShare(audio, 0, 1000, 0.7, 0.9), 0.8);  // around the swapped packets
}

TEST_F(RecorderTest, CallWithoutByeIsClosedAfterInactivity) {
  Script script;
  script.bye = false;
  Capture(WriteCall(script), kStart + 30'000'000);
  const Call call = OnlyCall();
  EXPECT_EQ(call.end_reason, "timeout");
  ASSERT_TRUE(call.recording);
  EXPECT_EQ(call.recording->status, "complete");
}

TEST_F(RecorderTest, AlteredFileIsFoundAndRetentionShredsTheKey) {
  Capture(WriteCall({}));
  const Call call = OnlyCall();
  ASSERT_TRUE(call.recording);
  const std::string path = recordings_->PathOf(call.recording->id);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    f.put('\x5a');
  }
  auto problems = recordings_->Verify();
  ASSERT_TRUE(problems);
  ASSERT_EQ(problems->size(), 1u);
  EXPECT_NE(problems->front().problem.find("differs from the audit trail"), std::string::npos);

  auto dry = recordings_->PurgeRecordings(core::FromUnixMicros(kStart + 3'600'000'000), true);
  ASSERT_TRUE(dry);
  EXPECT_EQ(dry->recordings, 1);
  EXPECT_TRUE(std::filesystem::exists(path));
  auto purged = recordings_->PurgeRecordings(core::FromUnixMicros(kStart + 3'600'000'000), false);
  ASSERT_TRUE(purged);
  EXPECT_EQ(purged->recordings, 1);
  EXPECT_FALSE(std::filesystem::exists(path));
  auto audio = recordings_->OpenAudio("user:sec", call.id, "after purge", "opus");
  ASSERT_FALSE(audio);
  EXPECT_EQ(audio.error().code, ErrorCode::kNotFound);
  auto proof = log_->List({.action = "retention.purge"});
  ASSERT_TRUE(proof);
  ASSERT_EQ(proof->size(), 1u);
  EXPECT_NE(proof->front().details.find("crypto-shred"), std::string::npos);
}

TEST_F(RecorderTest, ListeningNeedsAReasonAndIsAudited) {
  Capture(WriteCall({}));
  const Call call = OnlyCall();
  auto refused = recordings_->OpenAudio("user:sec", call.id, "  ", "wav");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(recordings_->OpenAudio("user:sec", call.id, "dispute 42", "wav"));
  auto listens = log_->List({.action = "recording.listen"});
  ASSERT_TRUE(listens);
  ASSERT_EQ(listens->size(), 1u);
  EXPECT_EQ(listens->front().actor, "user:sec");
  EXPECT_NE(listens->front().details.find("dispute 42"), std::string::npos);
}

// The call's row is written asynchronously; the agent desktop pauses it by that id.
int64_t ActiveRow(Recorder& recorder) {
  for (int i = 0; i < 2000; ++i) {
    auto rows = recorder.ActiveCalls();
    if (!rows.empty()) return rows.front();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ADD_FAILURE() << "the call never became active";
  return 0;
}

TEST_F(RecorderTest, PausedStretchIsSilentMarkedAndAudited) {
  const int64_t media = kStart + 100'000;
  bool paused = false, resumed = false;
  Capture(WriteCall({}), 0, [&](Recorder& recorder, int64_t t) {
    if (!paused && t >= media + 1'000'000) {
      paused = true;
      EXPECT_TRUE(recorder.Pause(ActiveRow(recorder), "device:ws-1"));
      auto again = recorder.Pause(ActiveRow(recorder), "device:ws-1");
      ASSERT_FALSE(again);
      EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
    }
    if (paused && !resumed && t >= media + 2'000'000) {
      resumed = true;
      EXPECT_TRUE(recorder.Resume(ActiveRow(recorder), "device:ws-1"));
    }
  });
  ASSERT_TRUE(resumed);
  const Call call = OnlyCall();
  ASSERT_TRUE(call.recording);
  ASSERT_EQ(call.recording->spans.size(), 1u);
  const MaskedSpan span = call.recording->spans.front();
  EXPECT_EQ(span.source, "pause");
  EXPECT_NEAR(static_cast<double>(span.start_ms), 1000, 60);
  EXPECT_NEAR(static_cast<double>(span.end_ms), 2000, 60);
  const DecodedAudio audio = Listen(call.id);
  for (int ch = 0; ch < 2; ++ch) {
    EXPECT_LT(Rms(audio, ch, 1.1, 1.9), 300) << ch;
    EXPECT_GT(Rms(audio, ch, 0.3, 0.8), 2000) << ch;
    EXPECT_GT(Rms(audio, ch, 2.2, 2.7), 2000) << ch;
  }
  for (const char* action : {"recording.pause", "recording.resume"}) {
    auto entries = log_->List({.action = action});
    ASSERT_TRUE(entries);
    ASSERT_EQ(entries->size(), 1u) << action;
    EXPECT_EQ(entries->front().actor, "device:ws-1");
  }
}

TEST_F(RecorderTest, PauseLongerThanTheLimitResumesItselfAndAlerts) {
  options_.max_pause_seconds = 1;
  const int64_t media = kStart + 100'000;
  bool paused = false;
  std::vector<std::string> alerts;
  Capture(
      WriteCall({}), 0,
      [&](Recorder& recorder, int64_t t) {
        if (!paused && t >= media + 500'000) {
          paused = true;
          EXPECT_TRUE(recorder.Pause(ActiveRow(recorder), "user:supervisor"));
        }
      },
      [&](std::string_view kind, int64_t, std::string_view) { alerts.emplace_back(kind); });
  EXPECT_EQ(alerts, std::vector<std::string>{"recording.pause.expired"});
  const Call call = OnlyCall();
  ASSERT_TRUE(call.recording);
  ASSERT_EQ(call.recording->spans.size(), 1u);
  EXPECT_NEAR(static_cast<double>(call.recording->spans.front().end_ms), 1500, 100);
  const DecodedAudio audio = Listen(call.id);
  EXPECT_GT(Rms(audio, 0, 1.8, 2.5), 2000);  // recording again after the limit
  auto automatic = log_->List({.action = "recording.resume.auto"});
  ASSERT_TRUE(automatic);
  EXPECT_EQ(automatic->size(), 1u);
}

TEST(MasterCsv, GoodLinesAreKeptAndBadOnesNamed) {
  std::vector<std::string> errors;
  const auto cdrs = ParseMasterCsv(
      "\"\",\"+15551230000\",\"1001\",\"in\",\"\",\"SIP/t-1\",\"SIP/1001-2\",\"Dial\",\"\","
      "\"2026-11-29 10:00:00\",\"2026-11-29 10:00:05\",\"2026-11-29 10:03:05\",185,180,"
      "\"ANSWERED\",\"DOCUMENTATION\",\"1700000000.1\",\"call-1@test\"\n"
      "\"\",\"1\",\"2\",\"x\",\"\",\"a\",\"b\",\"c\",\"\",\"yesterday\",\"\",\"x\",1,1,\"NO "
      "ANSWER\","
      "\"DOCUMENTATION\"\n",
      errors);
  ASSERT_EQ(cdrs.size(), 1u);
  EXPECT_EQ(cdrs[0].unique_id, "1700000000.1");
  EXPECT_EQ(cdrs[0].call_id, "call-1@test");
  EXPECT_EQ(cdrs[0].billable_seconds, 180);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("line 2"), std::string::npos);
}

TEST_F(RecorderTest, CdrOfACallNeverCapturedShowsInCompleteness) {
  Capture(WriteCall({}));
  Cdr missed;
  missed.unique_id = "pbx-9";
  missed.source = "+15559990000";
  missed.destination = "1002";
  missed.start = core::FromUnixMicros(kStart + 10'000'000);
  missed.answer = core::FromUnixMicros(kStart + 12'000'000);
  missed.end = core::FromUnixMicros(kStart + 70'000'000);
  missed.disposition = "ANSWERED";
  Cdr captured = missed;
  captured.unique_id = "pbx-1";
  captured.call_id = "call-1@test";
  auto imported = recordings_->ImportCdrs("device:pbx", {missed, captured});
  ASSERT_TRUE(imported) << imported.error().ToString();
  EXPECT_EQ(imported->imported, 2);
  EXPECT_EQ(imported->matched, 1);
  auto again = recordings_->ImportCdrs("device:pbx", {missed});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->duplicates, 1);
  auto report = recordings_->Completeness(core::FromUnixMicros(kStart - 1),
                                          core::FromUnixMicros(kStart + 3'600'000'000), {});
  ASSERT_TRUE(report);
  ASSERT_EQ(report->days.size(), 1u);
  EXPECT_EQ(report->days[0].answered_calls, 2);
  EXPECT_EQ(report->days[0].recorded_calls, 1);
  ASSERT_EQ(report->issues.size(), 1u);
  EXPECT_EQ(report->issues[0].problem, "not captured");
}

}  // namespace
}  // namespace fg::recording
