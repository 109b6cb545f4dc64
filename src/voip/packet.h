// Packet decoding for the call recorder: link, VLAN, IPv4/IPv6, UDP/TCP headers.
//
// DecodeFrame turns one captured frame into the transport payload and its two endpoints.
// It never copies the payload (the Packet points into the caller's frame) and never
// trusts a length field: a truncated or malformed frame is an error value, not a crash.
// A fragment (IPv4 or IPv6) is kUnavailable: IpPacketOf gives its IP packet for a
// FragmentReassembler, and the whole datagram decodes with LinkType::kRaw.
// Thread-safety: free functions without state.
//
//   auto packet = voip::DecodeFrame(voip::LinkType::kEthernet, time_us, frame);
//   if (packet && packet->transport == voip::Transport::kUdp) tracker.OnDatagram(*packet);
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "core/result.h"

namespace fg::voip {

// An IPv4 or IPv6 address with a port. IPv4 is kept as an IPv4-mapped IPv6 address
// (::ffff:a.b.c.d) so both families compare and hash alike.
struct Endpoint {
  std::array<uint8_t, 16> address{};
  uint16_t port = 0;

  static Endpoint FromV4(uint32_t host_order_address, uint16_t port);
  // Parses "192.0.2.1" or "2001:db8::1" (no brackets); port set separately.
  static Result<Endpoint> Parse(std::string_view address, uint16_t port);
  bool IsV4() const;
  std::string AddressString() const;  // "192.0.2.1" or "2001:db8::1"
  std::string ToString() const;       // "192.0.2.1:5060" or "[2001:db8::1]:5060"
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

struct EndpointHash {
  size_t operator()(const Endpoint& e) const noexcept;
};

// pcap link-layer types we decode (values are the DLT_ numbers).
enum class LinkType : int {
  kNull = 0,         // BSD loopback: 4-byte address family
  kEthernet = 1,     // with any number of 802.1Q / 802.1ad tags
  kRaw = 101,        // raw IPv4/IPv6
  kLoop = 108,       // OpenBSD loopback
  kLinuxSll = 113,   // "any" interface, cooked v1
  kLinuxSll2 = 276,  // cooked v2
};

enum class Transport { kUdp, kTcp };

struct Packet {
  int64_t time_us = 0;  // capture time, microseconds since the Unix epoch
  Transport transport = Transport::kUdp;
  Endpoint source;
  Endpoint destination;
  uint32_t tcp_sequence = 0;  // TCP only
  uint16_t vlan = 0;          // outermost VLAN id, 0 when untagged
  std::span<const uint8_t> payload;
};

// kInvalidArgument: malformed or truncated; kNotFound: not IP or not UDP/TCP (ARP, ICMP...);
// kUnavailable: an IPv4 or IPv6 fragment.
Result<Packet> DecodeFrame(LinkType link, int64_t time_us, std::span<const uint8_t> frame);

// The IP packet a frame carries (from its IPv4/IPv6 header on, link headers and VLAN tags
// skipped) and the outermost VLAN id. kNotFound when the frame carries no IP.
struct IpInFrame {
  std::span<const uint8_t> ip;
  uint16_t vlan = 0;
};
Result<IpInFrame> IpPacketOf(LinkType link, std::span<const uint8_t> frame);

}  // namespace fg::voip
