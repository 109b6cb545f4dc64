#include "voip/pcap_writer.h"

#include <cerrno>
#include <cstring>
#include <vector>

namespace fg::voip {
namespace {

constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr size_t kMaxIpPayload = 65535 - 60;  // leaves room for any IP header

void Put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void Put32(std::vector<uint8_t>& out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v >> 16));
  Put16(out, static_cast<uint16_t>(v));
}
void Set16(std::vector<uint8_t>& out, size_t at, uint16_t v) {
  out[at] = static_cast<uint8_t>(v >> 8);
  out[at + 1] = static_cast<uint8_t>(v);
}
void PutLittle32(uint8_t* out, uint32_t v) {
  out[0] = static_cast<uint8_t>(v);
  out[1] = static_cast<uint8_t>(v >> 8);
  out[2] = static_cast<uint8_t>(v >> 16);
  out[3] = static_cast<uint8_t>(v >> 24);
}

// One's-complement sum (RFC 1071), folded by the caller.
uint32_t Sum(const uint8_t* data, size_t size, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < size; i += 2)
    sum += static_cast<uint32_t>((data[i] << 8) | data[i + 1]);
  if (size % 2 == 1) sum += static_cast<uint32_t>(data[size - 1] << 8);
  return sum;
}
uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// Ethernet + optional 802.1Q + IPv4/IPv6 around a transport segment whose checksum
// field sits at `checksum_at` (relative to the segment).
Result<std::vector<uint8_t>> BuildFrame(const Endpoint& from, const Endpoint& to, uint8_t protocol,
                                        std::vector<uint8_t> segment, size_t checksum_at,
                                        uint16_t vlan) {
  if (from.IsV4() != to.IsV4()) {
    return InvalidArgument("endpoint", "source and destination are of different IP families");
  }
  if (segment.size() > kMaxIpPayload)
    return InvalidArgument("payload", "too large for one IP packet");
  if (vlan > 0x0fff) return InvalidArgument("vlan", "VLAN id above 4095");
  const bool v4 = from.IsV4();
  // Pseudo-header checksum over the segment, so tshark's analysis sees valid packets.
  uint32_t pseudo = 0;
  if (v4) {
    pseudo = Sum(from.address.data() + 12, 4, pseudo);
    pseudo = Sum(to.address.data() + 12, 4, pseudo);
  } else {
    pseudo = Sum(from.address.data(), 16, pseudo);
    pseudo = Sum(to.address.data(), 16, pseudo);
  }
  pseudo += protocol;
  pseudo += static_cast<uint32_t>(segment.size());
  uint16_t checksum = Fold(Sum(segment.data(), segment.size(), pseudo));
  if (checksum == 0 && protocol == kProtoUdp) checksum = 0xffff;
  Set16(segment, checksum_at, checksum);

  std::vector<uint8_t> frame;
  frame.reserve(14 + 4 + 40 + segment.size());
  const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
  frame.insert(frame.end(), macs, macs + 12);
  if (vlan != 0) {
    Put16(frame, 0x8100);
    Put16(frame, vlan);
  }
  if (v4) {
    Put16(frame, 0x0800);
    const size_t ip = frame.size();
    frame.push_back(0x45);
    frame.push_back(0);
    Put16(frame, static_cast<uint16_t>(20 + segment.size()));
    Put16(frame, 0);       // identification
    Put16(frame, 0x4000);  // don't fragment
    frame.push_back(64);
    frame.push_back(protocol);
    Put16(frame, 0);
    frame.insert(frame.end(), from.address.begin() + 12, from.address.end());
    frame.insert(frame.end(), to.address.begin() + 12, to.address.end());
    Set16(frame, ip + 10, Fold(Sum(frame.data() + ip, 20)));
  } else {
    Put16(frame, 0x86dd);
    Put32(frame, 0x60000000);
    Put16(frame, static_cast<uint16_t>(segment.size()));
    frame.push_back(protocol);
    frame.push_back(64);
    frame.insert(frame.end(), from.address.begin(), from.address.end());
    frame.insert(frame.end(), to.address.begin(), to.address.end());
  }
  frame.insert(frame.end(), segment.begin(), segment.end());
  return frame;
}

// A whole frame carrying one UDP datagram.
Result<std::vector<uint8_t>> UdpFrame(const Endpoint& from, const Endpoint& to,
                                      std::span<const uint8_t> payload, uint16_t vlan) {
  std::vector<uint8_t> segment;
  segment.reserve(8 + payload.size());
  Put16(segment, from.port);
  Put16(segment, to.port);
  Put16(segment, static_cast<uint16_t>(8 + payload.size()));
  Put16(segment, 0);
  segment.insert(segment.end(), payload.begin(), payload.end());
  return BuildFrame(from, to, kProtoUdp, std::move(segment), 6, vlan);
}

}  // namespace

PcapWriter::PcapWriter(std::FILE* file) : file_(file) {}

PcapWriter::~PcapWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

Result<std::unique_ptr<PcapWriter>> PcapWriter::Create(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return MakeError(errno == EACCES ? ErrorCode::kPermissionDenied : ErrorCode::kNotFound,
                     "cannot create " + path + ": " + std::strerror(errno));
  }
  std::unique_ptr<PcapWriter> writer(new PcapWriter(file));
  // Classic pcap global header, little-endian, microsecond timestamps, Ethernet.
  uint8_t header[24] = {};
  PutLittle32(header, 0xa1b2c3d4);
  header[4] = 2;  // version 2.4
  header[6] = 4;
  PutLittle32(header + 16, 262144);  // snaplen
  PutLittle32(header + 20, 1);       // LINKTYPE_ETHERNET
  if (std::fwrite(header, 1, sizeof(header), file) != sizeof(header)) {
    return Internal("cannot write pcap header to " + path);
  }
  return writer;
}

Result<void> PcapWriter::WriteUdp(int64_t time_us, const Endpoint& from, const Endpoint& to,
                                  std::span<const uint8_t> payload, uint16_t vlan) {
  FG_ASSIGN_OR_RETURN(auto frame, UdpFrame(from, to, payload, vlan));
  return WriteFrame(time_us, frame);
}

Result<void> PcapWriter::WriteUdp(int64_t time_us, const Endpoint& from, const Endpoint& to,
                                  std::string_view payload, uint16_t vlan) {
  return WriteUdp(
      time_us, from, to,
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()),
      vlan);
}

Result<void> PcapWriter::WriteUdpFragments(int64_t time_us, const Endpoint& from,
                                           const Endpoint& to, std::string_view payload, size_t mtu,
                                           uint16_t vlan) {
  FG_ASSIGN_OR_RETURN(
      auto whole, UdpFrame(from, to,
                           std::span<const uint8_t>(
                               reinterpret_cast<const uint8_t*>(payload.data()), payload.size()),
                           vlan));
  const bool v4 = from.IsV4();
  const size_t ip = vlan != 0 ? 18 : 14;
  const size_t header = v4 ? 20 : 40;
  if (mtu < header + 8 + 8) return InvalidArgument("mtu", "too small for any fragment");
  const size_t piece = ((mtu - header - (v4 ? 0 : 8)) / 8) * 8;
  const std::span<const uint8_t> data(whole.data() + ip + header, whole.size() - ip - header);
  const uint32_t id = ++fragment_id_;
  for (size_t at = 0; at < data.size(); at += piece) {
    const size_t n = std::min(piece, data.size() - at);
    const bool more = at + n < data.size();
    std::vector<uint8_t> frame(whole.begin(),
                               whole.begin() + static_cast<std::ptrdiff_t>(ip + header));
    if (v4) {
      Set16(frame, ip + 2, static_cast<uint16_t>(20 + n));
      Set16(frame, ip + 4, static_cast<uint16_t>(id));
      Set16(frame, ip + 6, static_cast<uint16_t>((more ? 0x2000 : 0) | (at / 8)));
      Set16(frame, ip + 10, 0);
      Set16(frame, ip + 10, Fold(Sum(frame.data() + ip, 20)));
    } else {
      Set16(frame, ip + 4, static_cast<uint16_t>(8 + n));
      frame[ip + 6] = 44;  // a fragment header follows
      frame.push_back(kProtoUdp);
      frame.push_back(0);
      Put16(frame, static_cast<uint16_t>(at | (more ? 1 : 0)));  // offset in 8-byte units << 3
      Put32(frame, id);
    }
    frame.insert(frame.end(), data.begin() + static_cast<std::ptrdiff_t>(at),
                 data.begin() + static_cast<std::ptrdiff_t>(at + n));
    FG_RETURN_IF_ERROR(WriteFrame(time_us, frame));
  }
  return {};
}

Result<void> PcapWriter::WriteTcp(int64_t time_us, const Endpoint& from, const Endpoint& to,
                                  uint32_t sequence, std::string_view payload) {
  std::vector<uint8_t> segment;
  segment.reserve(20 + payload.size());
  Put16(segment, from.port);
  Put16(segment, to.port);
  Put32(segment, sequence);
  Put32(segment, 1);  // acknowledgment number
  segment.push_back(5 << 4);
  segment.push_back(0x18);  // PSH | ACK
  Put16(segment, 65535);
  Put16(segment, 0);  // checksum
  Put16(segment, 0);  // urgent pointer
  segment.insert(segment.end(), payload.begin(), payload.end());
  FG_ASSIGN_OR_RETURN(auto frame, BuildFrame(from, to, kProtoTcp, std::move(segment), 16, 0));
  return WriteFrame(time_us, frame);
}

Result<void> PcapWriter::Flush() {
  if (std::fflush(file_) != 0) return Internal(std::string("pcap flush: ") + std::strerror(errno));
  return {};
}

Result<void> PcapWriter::WriteFrame(int64_t time_us, std::span<const uint8_t> frame) {
  if (time_us < 0) return InvalidArgument("time_us", "negative capture time");
  uint8_t record[16];
  PutLittle32(record, static_cast<uint32_t>(time_us / 1'000'000));
  PutLittle32(record + 4, static_cast<uint32_t>(time_us % 1'000'000));
  PutLittle32(record + 8, static_cast<uint32_t>(frame.size()));
  PutLittle32(record + 12, static_cast<uint32_t>(frame.size()));
  if (std::fwrite(record, 1, sizeof(record), file_) != sizeof(record) ||
      std::fwrite(frame.data(), 1, frame.size(), file_) != frame.size()) {
    return Internal(std::string("pcap write: ") + std::strerror(errno));
  }
  return {};
}

}  // namespace fg::voip
