#include "voip/packet.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

namespace fg::voip {
namespace {

using Bytes = std::vector<uint8_t>;

void Put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void Put32(Bytes& b, uint32_t v) {
  Put16(b, static_cast<uint16_t>(v >> 16));
  Put16(b, static_cast<uint16_t>(v));
}
Bytes Concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
Bytes Text(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes Udp(uint16_t from, uint16_t to, std::string_view payload) {
  Bytes b;
  Put16(b, from);
  Put16(b, to);
  Put16(b, static_cast<uint16_t>(8 + payload.size()));
  Put16(b, 0);
  return Concat(b, Text(payload));
}

Bytes Tcp(uint16_t from, uint16_t to, uint32_t sequence, std::string_view payload,
          int option_words = 0) {
  Bytes b;
  Put16(b, from);
  Put16(b, to);
  Put32(b, sequence);
  Put32(b, 0);
  b.push_back(static_cast<uint8_t>((5 + option_words) << 4));
  b.push_back(0x18);
  Put16(b, 1000);
  Put32(b, 0);
  for (int i = 0; i < option_words; ++i) Put32(b, 0x01010101);  // NOPs
  return Concat(b, Text(payload));
}

Bytes Ipv4(uint32_t from, uint32_t to, uint8_t protocol, const Bytes& segment, int option_words = 0,
           uint16_t fragment = 0) {
  Bytes b;
  b.push_back(static_cast<uint8_t>(0x40 | (5 + option_words)));
  b.push_back(0);
  Put16(b, static_cast<uint16_t>(20 + option_words * 4 + segment.size()));
  Put16(b, 1);
  Put16(b, fragment);
  b.push_back(64);
  b.push_back(protocol);
  Put16(b, 0);
  Put32(b, from);
  Put32(b, to);
  for (int i = 0; i < option_words; ++i) Put32(b, 0x01010101);
  return Concat(b, segment);
}

Endpoint V6(std::string_view text, uint16_t port = 0) { return *Endpoint::Parse(text, port); }

Bytes Ipv6(const Endpoint& from, const Endpoint& to, uint8_t next, const Bytes& rest) {
  Bytes b;
  Put32(b, 0x60000000);
  Put16(b, static_cast<uint16_t>(rest.size()));
  b.push_back(next);
  b.push_back(64);
  b.insert(b.end(), from.address.begin(), from.address.end());
  b.insert(b.end(), to.address.begin(), to.address.end());
  return Concat(b, rest);
}

// An IPv6 extension header of 8 * (1 + units) bytes.
Bytes Extension(uint8_t next, uint8_t units, const Bytes& rest) {
  Bytes b = {next, units};
  b.resize(8 * (1 + units), 0);
  return Concat(b, rest);
}

Bytes Ethernet(uint16_t type, const Bytes& payload,
               std::vector<std::pair<uint16_t, uint16_t>> tags = {}) {
  Bytes b(12, 0x02);
  for (auto [tpid, tci] : tags) {
    Put16(b, tpid);
    Put16(b, tci);
  }
  Put16(b, type);
  return Concat(b, payload);
}

constexpr uint32_t kA = 0x0a000001;  // 10.0.0.1
constexpr uint32_t kB = 0x0a000002;  // 10.0.0.2

Bytes SipUdpV4() { return Ethernet(0x0800, Ipv4(kA, kB, 17, Udp(5060, 5062, "INVITE"))); }

TEST(Endpoint, V4IsMappedAndPrints) {
  const Endpoint e = Endpoint::FromV4(0xc0000201, 5060);
  EXPECT_TRUE(e.IsV4());
  EXPECT_EQ(e.AddressString(), "192.0.2.1");
  EXPECT_EQ(e.ToString(), "192.0.2.1:5060");
  EXPECT_EQ(*Endpoint::Parse("192.0.2.1", 5060), e);
  EXPECT_EQ(*Endpoint::Parse("::ffff:192.0.2.1", 5060), e);
}

TEST(Endpoint, V6PrintsWithBrackets) {
  const auto e = Endpoint::Parse("2001:db8::1", 5060);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->IsV4());
  EXPECT_EQ(e->AddressString(), "2001:db8::1");
  EXPECT_EQ(e->ToString(), "[2001:db8::1]:5060");
  EXPECT_EQ(*Endpoint::Parse("[2001:db8::1]", 5060), *e);
}

TEST(Endpoint, GarbageAddressIsAnError) {
  for (std::string_view bad :
       {"", "10.0.0", "10.0.0.256", "host.example", "2001:db8:::1", "1.2.3.4 "}) {
    EXPECT_FALSE(Endpoint::Parse(bad, 1)) << bad;
  }
  EXPECT_FALSE(Endpoint::Parse(std::string(200, '1'), 1));
}

TEST(Endpoint, EqualEndpointsHashAlikeAndPortsDiffer) {
  EndpointHash hash;
  EXPECT_EQ(hash(Endpoint::FromV4(kA, 4000)), hash(*Endpoint::Parse("10.0.0.1", 4000)));
  std::unordered_set<Endpoint, EndpointHash> set;
  for (uint16_t port = 4000; port < 4100; ++port) set.insert(Endpoint::FromV4(kA, port));
  EXPECT_EQ(set.size(), 100u);
  EXPECT_NE(Endpoint::FromV4(kA, 4000), Endpoint::FromV4(kA, 4001));
}

TEST(DecodeFrame, EthernetIpv4UdpGivesEndpointsAndPayload) {
  const Bytes frame = SipUdpV4();
  const auto p = DecodeFrame(LinkType::kEthernet, 42, frame);
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->time_us, 42);
  EXPECT_EQ(p->transport, Transport::kUdp);
  EXPECT_EQ(p->source, Endpoint::FromV4(kA, 5060));
  EXPECT_EQ(p->destination, Endpoint::FromV4(kB, 5062));
  EXPECT_EQ(p->vlan, 0);
  EXPECT_EQ(std::string(p->payload.begin(), p->payload.end()), "INVITE");
  // Zero-copy: the payload points into the frame.
  EXPECT_EQ(p->payload.data(), frame.data() + frame.size() - 6);
}

TEST(DecodeFrame, EthernetPaddingIsNotPayload) {
  Bytes frame = Ethernet(0x0800, Ipv4(kA, kB, 17, Udp(1, 2, "ab")));
  frame.resize(60, 0);  // minimum Ethernet frame size
  const auto p = DecodeFrame(LinkType::kEthernet, 0, frame);
  ASSERT_TRUE(p);
  EXPECT_EQ(std::string(p->payload.begin(), p->payload.end()), "ab");
}

TEST(DecodeFrame, VlanTagsAnyNumberOuterIdKept) {
  const Bytes ip = Ipv4(kA, kB, 17, Udp(1, 2, "x"));
  auto one = DecodeFrame(LinkType::kEthernet, 0, Ethernet(0x0800, ip, {{0x8100, 0x2064}}));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->vlan, 100);  // priority bits dropped
  auto two =
      DecodeFrame(LinkType::kEthernet, 0, Ethernet(0x0800, ip, {{0x88a8, 300}, {0x8100, 200}}));
  ASSERT_TRUE(two);
  EXPECT_EQ(two->vlan, 300);
  auto three = DecodeFrame(LinkType::kEthernet, 0,
                           Ethernet(0x0800, ip, {{0x9100, 7}, {0x88a8, 8}, {0x8100, 9}}));
  ASSERT_TRUE(three);
  EXPECT_EQ(three->vlan, 7);
  EXPECT_EQ(three->destination.port, 2);
}

TEST(DecodeFrame, LinuxCookedV1AndV2) {
  const Bytes ip = Ipv4(kA, kB, 17, Udp(1, 2, "x"));
  Bytes v1 = {0, 0, 0, 1, 0, 6, 2, 2, 2, 2, 2, 2, 0, 0};
  Put16(v1, 0x0800);
  auto p1 = DecodeFrame(LinkType::kLinuxSll, 0, Concat(v1, ip));
  ASSERT_TRUE(p1) << p1.error().ToString();
  EXPECT_EQ(p1->source, Endpoint::FromV4(kA, 1));
  Bytes v2;
  Put16(v2, 0x86dd);
  Put16(v2, 0);
  Put32(v2, 1);
  Put16(v2, 1);
  v2.push_back(0);
  v2.push_back(6);
  v2.resize(20, 2);
  auto p2 = DecodeFrame(LinkType::kLinuxSll2, 0,
                        Concat(v2, Ipv6(V6("2001:db8::1"), V6("2001:db8::2"), 17, Udp(3, 4, "y"))));
  ASSERT_TRUE(p2) << p2.error().ToString();
  EXPECT_EQ(p2->destination, V6("2001:db8::2", 4));
}

TEST(DecodeFrame, BsdLoopbackFamiliesInEitherByteOrder) {
  const Bytes v4 = Ipv4(kA, kB, 17, Udp(1, 2, "x"));
  const Bytes v6 = Ipv6(V6("::1"), V6("::1"), 17, Udp(1, 2, "x"));
  for (LinkType link : {LinkType::kNull, LinkType::kLoop}) {
    EXPECT_TRUE(DecodeFrame(link, 0, Concat({2, 0, 0, 0}, v4)));
    EXPECT_TRUE(DecodeFrame(link, 0, Concat({0, 0, 0, 2}, v4)));
    for (uint8_t family : {24, 28, 30}) {
      EXPECT_TRUE(DecodeFrame(link, 0, Concat({family, 0, 0, 0}, v6))) << int(family);
      EXPECT_TRUE(DecodeFrame(link, 0, Concat({0, 0, 0, family}, v6))) << int(family);
    }
    const auto other = DecodeFrame(link, 0, Concat({7, 0, 0, 0}, v4));
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  }
}

TEST(DecodeFrame, RawIpByVersionNibble) {
  auto v4 = DecodeFrame(LinkType::kRaw, 0, Ipv4(kA, kB, 17, Udp(1, 2, "x")));
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->source.IsV4());
  auto v6 = DecodeFrame(LinkType::kRaw, 0, Ipv6(V6("fe80::1"), V6("fe80::2"), 17, Udp(1, 2, "x")));
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->source, V6("fe80::1", 1));
  EXPECT_EQ(DecodeFrame(LinkType::kRaw, 0, Bytes{0x50, 0, 0}).error().code, ErrorCode::kNotFound);
}

TEST(DecodeFrame, Ipv4OptionsAreSkipped) {
  const Bytes frame = Ethernet(0x0800, Ipv4(kA, kB, 17, Udp(1, 2, "opt"), /*option_words=*/3));
  auto p = DecodeFrame(LinkType::kEthernet, 0, frame);
  ASSERT_TRUE(p);
  EXPECT_EQ(std::string(p->payload.begin(), p->payload.end()), "opt");
}

TEST(DecodeFrame, Ipv4FragmentsAreUnavailable) {
  const Bytes udp = Udp(1, 2, "frag");
  auto first =
      DecodeFrame(LinkType::kEthernet, 0, Ethernet(0x0800, Ipv4(kA, kB, 17, udp, 0, 0x2000)));
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  auto later =
      DecodeFrame(LinkType::kEthernet, 0, Ethernet(0x0800, Ipv4(kA, kB, 17, udp, 0, 0x00b9)));
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, ErrorCode::kUnavailable);
  // Don't-fragment alone is a whole packet.
  EXPECT_TRUE(
      DecodeFrame(LinkType::kEthernet, 0, Ethernet(0x0800, Ipv4(kA, kB, 17, udp, 0, 0x4000))));
}

TEST(DecodeFrame, Ipv6ExtensionHeadersAreWalked) {
  // hop-by-hop -> routing (16 bytes) -> destination options -> UDP
  const Bytes chain = Extension(43, 0, Extension(60, 1, Extension(17, 0, Udp(7, 8, "v6"))));
  const Bytes frame = Ethernet(0x86dd, Ipv6(V6("2001:db8::a"), V6("2001:db8::b"), 0, chain));
  auto p = DecodeFrame(LinkType::kEthernet, 0, frame);
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->source, V6("2001:db8::a", 7));
  EXPECT_EQ(p->destination, V6("2001:db8::b", 8));
  EXPECT_EQ(std::string(p->payload.begin(), p->payload.end()), "v6");
}

TEST(DecodeFrame, Ipv6FragmentHeaderIsUnavailable) {
  auto p = DecodeFrame(LinkType::kEthernet, 0,
                       Ethernet(0x86dd, Ipv6(V6("::1"), V6("::2"), 0,
                                             Extension(44, 0, Extension(17, 0, Udp(1, 2, "x"))))));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kUnavailable);
}

TEST(DecodeFrame, TcpDataOffsetAndSequence) {
  const Bytes frame = Ethernet(0x0800, Ipv4(kA, kB, 6, Tcp(5060, 40000, 0xdeadbeef, "BYE", 3)));
  auto p = DecodeFrame(LinkType::kEthernet, 0, frame);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->transport, Transport::kTcp);
  EXPECT_EQ(p->tcp_sequence, 0xdeadbeefu);
  EXPECT_EQ(p->destination.port, 40000);
  EXPECT_EQ(std::string(p->payload.begin(), p->payload.end()), "BYE");
}

TEST(DecodeFrame, NonIpAndOtherProtocolsAreNotFound) {
  EXPECT_EQ(DecodeFrame(LinkType::kEthernet, 0, Ethernet(0x0806, Bytes(28, 0))).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(DecodeFrame(LinkType::kEthernet, 0, Ethernet(0x0800, Ipv4(kA, kB, 1, Bytes(8, 0))))
                .error()
                .code,
            ErrorCode::kNotFound);
  EXPECT_EQ(
      DecodeFrame(LinkType::kEthernet, 0, Ethernet(0x86dd, Ipv6(V6("::1"), V6("::2"), 59, {})))
          .error()
          .code,
      ErrorCode::kNotFound);
}

TEST(DecodeFrame, LengthFieldsAreNeverTrusted) {
  Bytes udp = Udp(1, 2, "abc");
  udp[5] = 200;  // UDP length beyond the IP payload
  EXPECT_EQ(DecodeFrame(LinkType::kRaw, 0, Ipv4(kA, kB, 17, udp)).error().code,
            ErrorCode::kInvalidArgument);
  udp[4] = 0;
  udp[5] = 4;  // below the header size
  EXPECT_EQ(DecodeFrame(LinkType::kRaw, 0, Ipv4(kA, kB, 17, udp)).error().code,
            ErrorCode::kInvalidArgument);
  Bytes ip = Ipv4(kA, kB, 17, Udp(1, 2, "abc"));
  ip[0] = 0x44;  // IHL 16 bytes
  EXPECT_FALSE(DecodeFrame(LinkType::kRaw, 0, ip));
  ip[0] = 0x4f;  // IHL 60 bytes, beyond the packet
  EXPECT_FALSE(DecodeFrame(LinkType::kRaw, 0, ip));
  ip = Ipv4(kA, kB, 17, Udp(1, 2, "abc"));
  ip[3] = 10;  // total length below the header
  EXPECT_FALSE(DecodeFrame(LinkType::kRaw, 0, ip));
  Bytes tcp = Tcp(1, 2, 3, "x");
  tcp[12] = 0x20;  // data offset 8 bytes
  EXPECT_FALSE(DecodeFrame(LinkType::kRaw, 0, Ipv4(kA, kB, 6, tcp)));
  tcp[12] = 0xf0;  // 60 bytes, beyond the segment
  EXPECT_FALSE(DecodeFrame(LinkType::kRaw, 0, Ipv4(kA, kB, 6, tcp)));
  Bytes ext = Ipv6(V6("::1"), V6("::2"), 0, Extension(17, 0, Udp(1, 2, "x")));
  ext[41] = 9;  // extension header longer than the packet
  EXPECT_FALSE(DecodeFrame(LinkType::kRaw, 0, ext));
}

TEST(DecodeFrame, UnsupportedLinkTypeIsInvalid) {
  EXPECT_EQ(DecodeFrame(static_cast<LinkType>(147), 0, SipUdpV4()).error().code,
            ErrorCode::kInvalidArgument);
}

// Every strict prefix of a valid frame is an error (each layer's length covers the
// rest exactly), and decoding it reads only the prefix, copied to its own allocation.
TEST(DecodeFrame, TruncatedFramesAtEveryLengthAreErrors) {
  Bytes sll2;
  Put16(sll2, 0x0800);
  sll2.resize(20, 0);
  const std::vector<std::pair<LinkType, Bytes>> frames = {
      {LinkType::kEthernet, SipUdpV4()},
      {LinkType::kEthernet,
       Ethernet(0x86dd,
                Ipv6(V6("2001:db8::1"), V6("2001:db8::2"), 0,
                     Extension(60, 1, Extension(6, 0, Tcp(1, 2, 3, "segment", 2)))),
                {{0x88a8, 5}, {0x8100, 6}})},
      {LinkType::kEthernet, Ethernet(0x0800, Ipv4(kA, kB, 6, Tcp(1, 2, 3, "t", 1), 2))},
      {LinkType::kLinuxSll2, Concat(sll2, Ipv4(kA, kB, 17, Udp(1, 2, "x")))},
      {LinkType::kNull, Concat({2, 0, 0, 0}, Ipv4(kA, kB, 17, Udp(1, 2, "x")))},
      {LinkType::kRaw, Ipv6(V6("::1"), V6("::2"), 17, Udp(1, 2, "x"))},
  };
  for (const auto& [link, frame] : frames) {
    ASSERT_TRUE(DecodeFrame(link, 0, frame));
    for (size_t length = 0; length < frame.size(); ++length) {
      const std::unique_ptr<uint8_t[]> prefix(new uint8_t[length + 1]);
      if (length > 0) std::memcpy(prefix.get(), frame.data(), length);
      const auto p = DecodeFrame(link, 0, std::span<const uint8_t>(prefix.get(), length));
      ASSERT_FALSE(p) << "length " << length;
      EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument) << "length " << length;
    }
  }
}

}  // namespace
}  // namespace fg::voip
