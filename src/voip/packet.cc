#include "voip/packet.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

namespace fg::voip {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;     // 802.1Q
constexpr uint16_t kEtherQinQ = 0x88a8;     // 802.1ad
constexpr uint16_t kEtherQinQOld = 0x9100;  // pre-standard QinQ, still seen on trunks
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;

uint16_t Read16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}
uint32_t Read32(std::span<const uint8_t> b, size_t at) {
  return (static_cast<uint32_t>(b[at]) << 24) | (static_cast<uint32_t>(b[at + 1]) << 16) |
         (static_cast<uint32_t>(b[at + 2]) << 8) | b[at + 3];
}

tl::unexpected<Error> Truncated(const char* what) {
  return InvalidArgument("frame", std::string("truncated ") + what);
}

Result<void> DecodeTransport(uint8_t protocol, std::span<const uint8_t> data, Packet& packet) {
  if (protocol == kProtoUdp) {
    if (data.size() < 8) return Truncated("UDP header");
    const uint16_t length = Read16(data, 4);
    if (length < 8) return InvalidArgument("frame", "UDP length below header size");
    if (length > data.size()) return Truncated("UDP payload");
    packet.transport = Transport::kUdp;
    packet.source.port = Read16(data, 0);
    packet.destination.port = Read16(data, 2);
    packet.payload = data.subspan(8, length - 8);
    return {};
  }
  if (protocol == kProtoTcp) {
    if (data.size() < 20) return Truncated("TCP header");
    const size_t header = static_cast<size_t>(data[12] >> 4) * 4;
    if (header < 20) return InvalidArgument("frame", "TCP data offset below header size");
    if (header > data.size()) return Truncated("TCP options");
    packet.transport = Transport::kTcp;
    packet.source.port = Read16(data, 0);
    packet.destination.port = Read16(data, 2);
    packet.tcp_sequence = Read32(data, 4);
    packet.payload = data.subspan(header);
    return {};
  }
  return NotFound("not UDP or TCP");
}

Result<void> DecodeIpv4(std::span<const uint8_t> data, Packet& packet) {
  if (data.size() < 20) return Truncated("IPv4 header");
  if ((data[0] >> 4) != 4) return InvalidArgument("frame", "IPv4 version field is not 4");
  const size_t header = static_cast<size_t>(data[0] & 0x0f) * 4;
  if (header < 20) return InvalidArgument("frame", "IPv4 header length below 20");
  if (header > data.size()) return Truncated("IPv4 options");
  size_t total = Read16(data, 2);
  // Captures taken before segmentation offload can carry 0 here; the frame then bounds it.
  if (total == 0) total = data.size();
  if (total < header) return InvalidArgument("frame", "IPv4 total length below header length");
  if (total > data.size()) return Truncated("IPv4 packet");
  const uint16_t fragment = Read16(data, 6);
  if ((fragment & 0x2000) != 0 || (fragment & 0x1fff) != 0) {
    return MakeError(ErrorCode::kUnavailable, "IPv4 fragment");
  }
  packet.source = Endpoint::FromV4(Read32(data, 12), 0);
  packet.destination = Endpoint::FromV4(Read32(data, 16), 0);
  return DecodeTransport(data[9], data.subspan(header, total - header), packet);
}

Result<void> DecodeIpv6(std::span<const uint8_t> data, Packet& packet) {
  if (data.size() < 40) return Truncated("IPv6 header");
  if ((data[0] >> 4) != 6) return InvalidArgument("frame", "IPv6 version field is not 6");
  size_t payload_length = Read16(data, 4);
  if (payload_length == 0) payload_length = data.size() - 40;  // offload or jumbogram
  if (payload_length > data.size() - 40) return Truncated("IPv6 payload");
  std::memcpy(packet.source.address.data(), data.data() + 8, 16);
  std::memcpy(packet.destination.address.data(), data.data() + 24, 16);
  uint8_t next = data[6];
  std::span<const uint8_t> rest = data.subspan(40, payload_length);
  for (;;) {
    switch (next) {
      case 0:     // hop-by-hop options
      case 43:    // routing
      case 60: {  // destination options
        if (rest.size() < 8) return Truncated("IPv6 extension header");
        const size_t length = (static_cast<size_t>(rest[1]) + 1) * 8;
        if (length > rest.size()) return Truncated("IPv6 extension header");
        next = rest[0];
        rest = rest.subspan(length);
        break;
      }
      case 51: {  // authentication header: length in 4-octet units, minus 2
        if (rest.size() < 8) return Truncated("IPv6 authentication header");
        const size_t length = (static_cast<size_t>(rest[1]) + 2) * 4;
        if (length > rest.size()) return Truncated("IPv6 authentication header");
        next = rest[0];
        rest = rest.subspan(length);
        break;
      }
      case 44:
        return MakeError(ErrorCode::kUnavailable, "IPv6 fragment");
      default:
        return DecodeTransport(next, rest, packet);
    }
  }
}

// The IP packet behind an EtherType (after any 802.1Q/802.1ad tags).
Result<IpInFrame> IpByEtherType(uint16_t type, std::span<const uint8_t> data) {
  IpInFrame found;
  bool outer = true;
  while (type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld) {
    if (data.size() < 4) return Truncated("VLAN tag");
    if (outer) found.vlan = Read16(data, 0) & 0x0fff;
    outer = false;
    type = Read16(data, 2);
    data = data.subspan(4);
  }
  if (type != kEtherIpv4 && type != kEtherIpv6) return NotFound("not an IP frame");
  found.ip = data;
  return found;
}

// BSD loopback writes the family in the capturing host's byte order; IPv6 has a
// different AF_INET6 on each BSD.
Result<IpInFrame> IpAfterNull(std::span<const uint8_t> data) {
  if (data.size() < 4) return Truncated("loopback header");
  const uint32_t big = Read32(data, 0);
  const uint32_t little = (static_cast<uint32_t>(data[3]) << 24) |
                          (static_cast<uint32_t>(data[2]) << 16) |
                          (static_cast<uint32_t>(data[1]) << 8) | data[0];
  auto is = [&](uint32_t family) { return big == family || little == family; };
  if (is(2) || is(24) || is(28) || is(30)) return IpInFrame{data.subspan(4)};
  return NotFound("loopback family is not IP");
}

}  // namespace

Endpoint Endpoint::FromV4(uint32_t host_order_address, uint16_t port) {
  Endpoint e;
  e.address[10] = 0xff;
  e.address[11] = 0xff;
  e.address[12] = static_cast<uint8_t>(host_order_address >> 24);
  e.address[13] = static_cast<uint8_t>(host_order_address >> 16);
  e.address[14] = static_cast<uint8_t>(host_order_address >> 8);
  e.address[15] = static_cast<uint8_t>(host_order_address);
  e.port = port;
  return e;
}

Result<Endpoint> Endpoint::Parse(std::string_view address, uint16_t port) {
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  if (address.empty() || address.size() > 64) {
    return InvalidArgument("address", "not an IP address");
  }
  const std::string text(address);
  Endpoint e;
  e.port = port;
  if (text.find(':') == std::string::npos) {
    in_addr v4{};
    if (inet_pton(AF_INET, text.c_str(), &v4) != 1) {
      return InvalidArgument("address", "not an IPv4 address: " + text);
    }
    e.address[10] = 0xff;
    e.address[11] = 0xff;
    std::memcpy(e.address.data() + 12, &v4, 4);
    return e;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) {
    return InvalidArgument("address", "not an IPv6 address: " + text);
  }
  std::memcpy(e.address.data(), &v6, 16);
  return e;
}

bool Endpoint::IsV4() const {
  for (size_t i = 0; i < 10; ++i) {
    if (address[i] != 0) return false;
  }
  return address[10] == 0xff && address[11] == 0xff;
}

std::string Endpoint::AddressString() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (IsV4()) {
    inet_ntop(AF_INET, address.data() + 12, text, sizeof(text));
  } else {
    inet_ntop(AF_INET6, address.data(), text, sizeof(text));
  }
  return text;
}

std::string Endpoint::ToString() const {
  if (IsV4()) return AddressString() + ":" + std::to_string(port);
  return "[" + AddressString() + "]:" + std::to_string(port);
}

size_t EndpointHash::operator()(const Endpoint& e) const noexcept {
  // FNV-1a over address and port: cheap, and RTP ports alone spread well.
  uint64_t h = 1469598103934665603ull;
  for (uint8_t b : e.address) h = (h ^ b) * 1099511628211ull;
  h = (h ^ (e.port & 0xff)) * 1099511628211ull;
  h = (h ^ (e.port >> 8)) * 1099511628211ull;
  return static_cast<size_t>(h);
}

Result<IpInFrame> IpPacketOf(LinkType link, std::span<const uint8_t> frame) {
  switch (link) {
    case LinkType::kEthernet:
      if (frame.size() < 14) return Truncated("Ethernet header");
      return IpByEtherType(Read16(frame, 12), frame.subspan(14));
    case LinkType::kLinuxSll:
      if (frame.size() < 16) return Truncated("Linux cooked header");
      return IpByEtherType(Read16(frame, 14), frame.subspan(16));
    case LinkType::kLinuxSll2:
      if (frame.size() < 20) return Truncated("Linux cooked v2 header");
      return IpByEtherType(Read16(frame, 0), frame.subspan(20));
    case LinkType::kNull:
    case LinkType::kLoop:
      return IpAfterNull(frame);
    case LinkType::kRaw:
      return IpInFrame{frame};
  }
  return InvalidArgument("link", "unsupported link type " + std::to_string(static_cast<int>(link)));
}

Result<Packet> DecodeFrame(LinkType link, int64_t time_us, std::span<const uint8_t> frame) {
  auto found = IpPacketOf(link, frame);
  if (!found) return tl::unexpected<Error>(found.error());
  Packet packet;
  packet.time_us = time_us;
  packet.vlan = found->vlan;
  if (found->ip.empty()) return Truncated("IP header");
  Result<void> decoded;
  switch (found->ip[0] >> 4) {
    case 4:
      decoded = DecodeIpv4(found->ip, packet);
      break;
    case 6:
      decoded = DecodeIpv6(found->ip, packet);
      break;
    default:
      return NotFound("not an IP packet");
  }
  if (!decoded) return tl::unexpected<Error>(decoded.error());
  return packet;
}

}  // namespace fg::voip
