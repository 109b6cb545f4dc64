// IP fragments back into whole datagrams: a big SIP INVITE over UDP in pieces, in any order,
// IPv4 and IPv6; gaps wait, duplicates change nothing, memory stays bounded.
#include "voip/fragments.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "voip/packet.h"

namespace fg::voip {
namespace {

// A UDP datagram 10.0.0.1:5060 -> 10.0.0.2:5060 carrying `payload`, cut into IPv4 fragments
// of at most `piece` payload bytes (a multiple of 8).
std::vector<std::vector<uint8_t>> V4Fragments(const std::string& payload, size_t piece,
                                              uint16_t id = 7) {
  std::vector<uint8_t> udp = {0x13, 0xc4, 0x13, 0xc4, 0, 0, 0, 0};
  const size_t udp_len = 8 + payload.size();
  udp[4] = static_cast<uint8_t>(udp_len >> 8);
  udp[5] = static_cast<uint8_t>(udp_len);
  udp.insert(udp.end(), payload.begin(), payload.end());
  std::vector<std::vector<uint8_t>> out;
  for (size_t at = 0; at < udp.size(); at += piece) {
    const size_t n = std::min(piece, udp.size() - at);
    const bool more = at + n < udp.size();
    std::vector<uint8_t> ip = {0x45,
                               0,
                               0,
                               0,
                               static_cast<uint8_t>(id >> 8),
                               static_cast<uint8_t>(id),
                               0,
                               0,
                               64,
                               17,
                               0,
                               0,
                               10,
                               0,
                               0,
                               1,
                               10,
                               0,
                               0,
                               2};
    const size_t total = 20 + n;
    ip[2] = static_cast<uint8_t>(total >> 8);
    ip[3] = static_cast<uint8_t>(total);
    const uint16_t flags = static_cast<uint16_t>((more ? 0x2000 : 0) | (at / 8));
    ip[6] = static_cast<uint8_t>(flags >> 8);
    ip[7] = static_cast<uint8_t>(flags);
    ip.insert(ip.end(), udp.begin() + static_cast<std::ptrdiff_t>(at),
              udp.begin() + static_cast<std::ptrdiff_t>(at + n));
    out.push_back(std::move(ip));
  }
  return out;
}

// The same over IPv6 (2001:db8::1 -> 2001:db8::2), with a fragment header per piece.
std::vector<std::vector<uint8_t>> V6Fragments(const std::string& payload, size_t piece) {
  std::vector<uint8_t> udp = {0x13, 0xc4, 0x13, 0xc4, 0, 0, 0, 0};
  const size_t udp_len = 8 + payload.size();
  udp[4] = static_cast<uint8_t>(udp_len >> 8);
  udp[5] = static_cast<uint8_t>(udp_len);
  udp.insert(udp.end(), payload.begin(), payload.end());
  std::vector<std::vector<uint8_t>> out;
  for (size_t at = 0; at < udp.size(); at += piece) {
    const size_t n = std::min(piece, udp.size() - at);
    const bool more = at + n < udp.size();
    std::vector<uint8_t> ip(40, 0);
    ip[0] = 0x60;
    const size_t plen = 8 + n;
    ip[4] = static_cast<uint8_t>(plen >> 8);
    ip[5] = static_cast<uint8_t>(plen);
    ip[6] = 44;  // fragment header
    ip[7] = 64;
    ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8, ip[23] = 1;
    ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x0d, ip[27] = 0xb8, ip[39] = 2;
    const uint16_t field = static_cast<uint16_t>(at | (more ? 1 : 0));
    std::vector<uint8_t> frag = {
        17, 0, static_cast<uint8_t>(field >> 8), static_cast<uint8_t>(field), 0, 0, 0, 42};
    ip.insert(ip.end(), frag.begin(), frag.end());
    ip.insert(ip.end(), udp.begin() + static_cast<std::ptrdiff_t>(at),
              udp.begin() + static_cast<std::ptrdiff_t>(at + n));
    out.push_back(std::move(ip));
  }
  return out;
}

std::string BigInvite() {
  std::string sdp(2600, 'a');
  return "INVITE sip:1001@10.0.0.2 SIP/2.0\r\nContent-Length: 2600\r\n\r\n" + sdp;
}

TEST(FragmentReassembler, V4PiecesInAnyOrderGiveTheWholeDatagram) {
  const std::string invite = BigInvite();
  auto pieces = V4Fragments(invite, 1480);
  ASSERT_EQ(pieces.size(), 2u);  // 2,661 bytes of UDP: 1,480 + 1,181
  std::reverse(pieces.begin(), pieces.end());
  FragmentReassembler fragments;
  std::optional<std::vector<uint8_t>> whole;
  for (size_t i = 0; i < pieces.size(); ++i) {
    whole = fragments.Add(1000, pieces[i]);
    if (i + 1 < pieces.size()) {
      EXPECT_FALSE(whole) << i;
    }
  }
  ASSERT_TRUE(whole);
  auto packet = DecodeFrame(LinkType::kRaw, 1000, *whole);
  ASSERT_TRUE(packet) << packet.error().ToString();
  EXPECT_EQ(packet->destination.ToString(), "10.0.0.2:5060");
  EXPECT_EQ(std::string(packet->payload.begin(), packet->payload.end()), invite);
  EXPECT_EQ(fragments.pending(), 0u);
  EXPECT_EQ(fragments.stats().reassembled, 1u);
}

TEST(FragmentReassembler, V6FragmentHeaderIsRemoved) {
  const std::string invite = BigInvite();
  auto pieces = V6Fragments(invite, 1232);
  std::swap(pieces[0], pieces[1]);
  FragmentReassembler fragments;
  std::optional<std::vector<uint8_t>> whole;
  for (const auto& p : pieces) whole = fragments.Add(1000, p);
  ASSERT_TRUE(whole);
  auto packet = DecodeFrame(LinkType::kRaw, 1000, *whole);
  ASSERT_TRUE(packet) << packet.error().ToString();
  EXPECT_EQ(packet->source.ToString(), "[2001:db8::1]:5060");
  EXPECT_EQ(std::string(packet->payload.begin(), packet->payload.end()), invite);
}

TEST(FragmentReassembler, AGapWaitsAndDuplicatesChangeNothing) {
  auto pieces = V4Fragments(BigInvite(), 800);
  ASSERT_GE(pieces.size(), 4u);
  FragmentReassembler fragments;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i == 2) continue;  // lost, for now
    EXPECT_FALSE(fragments.Add(1000, pieces[i]));
    EXPECT_FALSE(fragments.Add(1000, pieces[i]));  // seen twice (loopback)
  }
  EXPECT_EQ(fragments.pending(), 1u);
  auto whole = fragments.Add(2000, pieces[2]);
  ASSERT_TRUE(whole);
  auto packet = DecodeFrame(LinkType::kRaw, 2000, *whole);
  ASSERT_TRUE(packet);
  EXPECT_EQ(std::string(packet->payload.begin(), packet->payload.end()), BigInvite());
}

TEST(FragmentReassembler, IncompleteDatagramsExpireAndAreBounded) {
  FragmentReassembler fragments({.max_datagrams = 8, .timeout_us = 1'000'000});
  for (uint16_t id = 0; id < 20; ++id) {
    EXPECT_FALSE(fragments.Add(id, V4Fragments(BigInvite(), 800, id)[0]));
  }
  EXPECT_EQ(fragments.pending(), 8u);
  EXPECT_EQ(fragments.stats().expired, 12u);
  for (int i = 0; i < 256; ++i)
    (void)fragments.Add(5'000'000, V4Fragments(BigInvite(), 800, 999)[1]);
  EXPECT_LE(fragments.pending(), 1u);  // the old ones timed out
}

TEST(FragmentReassembler, WholeOrBrokenPacketsAreNotFragments) {
  FragmentReassembler fragments;
  auto one = V4Fragments("short", 1480);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_FALSE(fragments.Add(0, one[0]));  // not fragmented at all
  for (size_t n = 0; n < 20; ++n) EXPECT_FALSE(fragments.Add(0, std::span(one[0]).first(n)));
  // A piece that is not the last must carry a multiple of 8 bytes.
  const std::vector<uint8_t> odd_piece = V4Fragments(BigInvite(), 804)[0];
  EXPECT_FALSE(fragments.Add(0, odd_piece));
  EXPECT_GE(fragments.stats().malformed, 2u);
  EXPECT_EQ(fragments.pending(), 0u);
}

}  // namespace
}  // namespace fg::voip
