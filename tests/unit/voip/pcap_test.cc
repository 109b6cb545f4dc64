#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "voip/net/pcap_source.h"
#include "voip/packet.h"
#include "voip/pcap_writer.h"

namespace fg::voip {
namespace {

struct Sent {
  int64_t time_us;
  Transport transport;
  Endpoint from, to;
  std::string payload;
  uint16_t vlan = 0;
  uint32_t sequence = 0;
};

class PcapRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("fg_pcap_test_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".pcap"))
                .string();
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::vector<Sent> WriteSample() {
    const Endpoint a = Endpoint::FromV4(0x0a000001, 5060);
    const Endpoint b = Endpoint::FromV4(0x0a000002, 5060);
    const Endpoint rtp_from = Endpoint::FromV4(0x0a000001, 30000);
    const Endpoint rtp_to = Endpoint::FromV4(0x0a000002, 40000);
    const Endpoint a6 = *Endpoint::Parse("2001:db8::1", 5060);
    const Endpoint b6 = *Endpoint::Parse("2001:db8::2", 5060);
    std::vector<Sent> sent = {
        {1'700'000'000'000'001, Transport::kUdp, a, b, "INVITE sip:1001@b SIP/2.0\r\n"},
        {1'700'000'000'500'000, Transport::kUdp, rtp_from, rtp_to,
         std::string("\x80\x00\x00\x01", 4)},
        {1'700'000'001'000'000, Transport::kUdp, a6, b6, "OPTIONS sip:x SIP/2.0\r\n"},
        {1'700'000'001'250'000, Transport::kUdp, b, a, "SIP/2.0 200 OK\r\n", 42},
        {1'700'000'002'999'999, Transport::kTcp, a, b, "BYE sip:a SIP/2.0\r\n", 0, 123456789},
        {1'700'000'003'000'000, Transport::kTcp, b6, a6, "SIP/2.0 200 OK\r\n", 0, 7},
    };
    auto writer = PcapWriter::Create(path_);
    EXPECT_TRUE(writer) << writer.error().ToString();
    for (const Sent& s : sent) {
      Result<void> written =
          s.transport == Transport::kUdp
              ? (*writer)->WriteUdp(s.time_us, s.from, s.to, s.payload, s.vlan)
              : (*writer)->WriteTcp(s.time_us, s.from, s.to, s.sequence, s.payload);
      EXPECT_TRUE(written) << written.error().ToString();
    }
    EXPECT_TRUE((*writer)->Flush());
    return sent;
  }

  std::vector<Packet> ReadBack(const std::string& filter, std::vector<std::string>& payloads) {
    auto source = PacketSource::OpenFile(path_, filter);
    EXPECT_TRUE(source) << source.error().ToString();
    if (!source) return {};
    EXPECT_EQ((*source)->link_type(), LinkType::kEthernet);
    std::vector<Packet> packets;
    auto stats = (*source)->Run([&](LinkType link, int64_t t, std::span<const uint8_t> frame) {
      auto packet = DecodeFrame(link, t, frame);
      ASSERT_TRUE(packet) << packet.error().ToString();
      payloads.emplace_back(packet->payload.begin(), packet->payload.end());
      packet->payload = {};  // the frame is gone after the handler returns
      packets.push_back(*packet);
    });
    EXPECT_TRUE(stats);
    if (stats) {
      EXPECT_EQ(stats->frames, packets.size());
    }
    return packets;
  }

  std::string path_;
};

TEST_F(PcapRoundTrip, WrittenFramesReadBackWithEndpointsAndPayloads) {
  const std::vector<Sent> sent = WriteSample();
  std::vector<std::string> payloads;
  const std::vector<Packet> got = ReadBack("", payloads);
  ASSERT_EQ(got.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(got[i].time_us, sent[i].time_us) << i;
    EXPECT_EQ(got[i].transport, sent[i].transport) << i;
    EXPECT_EQ(got[i].source, sent[i].from) << i;
    EXPECT_EQ(got[i].destination, sent[i].to) << i;
    EXPECT_EQ(got[i].vlan, sent[i].vlan) << i;
    EXPECT_EQ(payloads[i], sent[i].payload) << i;
    if (sent[i].transport == Transport::kTcp) {
      EXPECT_EQ(got[i].tcp_sequence, sent[i].sequence);
    }
  }
}

TEST_F(PcapRoundTrip, BpfFilterKeepsOnlyMatchingFrames) {
  WriteSample();
  std::vector<std::string> payloads;
  // libpcap's "udp port 5060" matches untagged frames only; the VLAN-tagged 200 OK
  // needs "vlan and udp port 5060", as tcpdump users know.
  const std::vector<Packet> got = ReadBack("udp port 5060", payloads);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(payloads[0], "INVITE sip:1001@b SIP/2.0\r\n");
  EXPECT_EQ(payloads[1], "OPTIONS sip:x SIP/2.0\r\n");
  payloads.clear();
  const std::vector<Packet> tagged = ReadBack("vlan and udp port 5060", payloads);
  ASSERT_EQ(tagged.size(), 1u);
  EXPECT_EQ(tagged[0].vlan, 42);
}

TEST_F(PcapRoundTrip, BadFilterIsInvalidArgument) {
  WriteSample();
  auto source = PacketSource::OpenFile(path_, "udp port nonsense and (");
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(source.error().message.find("filter"), std::string::npos);
}

TEST_F(PcapRoundTrip, MissingFileIsNotFound) {
  auto source = PacketSource::OpenFile(path_ + ".missing", "");
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().code, ErrorCode::kNotFound);
}

TEST_F(PcapRoundTrip, NonPcapFileIsInvalidArgument) {
  {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not a capture file at all", f);
    std::fclose(f);
  }
  auto source = PacketSource::OpenFile(path_, "");
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(PcapRoundTrip, StopFromTheHandlerEndsRun) {
  WriteSample();
  auto source = PacketSource::OpenFile(path_, "");
  ASSERT_TRUE(source);
  int seen = 0;
  auto stats = (*source)->Run([&](LinkType, int64_t, std::span<const uint8_t>) {
    if (++seen == 2) (*source)->Stop();
  });
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->frames, 2u);
}

TEST(PcapWriter, MixedFamiliesAreRejected) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("fg_pcap_mixed_" + std::to_string(::getpid()) + ".pcap"))
                               .string();
  auto writer = PcapWriter::Create(path);
  ASSERT_TRUE(writer);
  EXPECT_FALSE((*writer)->WriteUdp(0, Endpoint::FromV4(1, 1), *Endpoint::Parse("::2", 2), "x"));
  std::filesystem::remove(path);
}

TEST(PcapWriter, UnwritableDirectoryIsAnError) {
  EXPECT_FALSE(PcapWriter::Create("/nonexistent-dir/x.pcap"));
}

TEST(PacketSource, UnknownInterfaceIsAnError) {
  // No root needed to learn that an interface does not exist (or that we may not capture).
  auto source = PacketSource::OpenLive({.interface = "fg-no-such-if0"});
  ASSERT_FALSE(source);
  EXPECT_TRUE(source.error().code == ErrorCode::kNotFound ||
              source.error().code == ErrorCode::kPermissionDenied)
      << source.error().ToString();
}

}  // namespace
}  // namespace fg::voip
