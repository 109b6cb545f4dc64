// PcapWriter: writes classic pcap files of synthetic UDP/TCP traffic, for tests, fixtures
// and benchmarks (never for recorded calls: raw packets are never stored).
//
// Frames are Ethernet (optionally 802.1Q-tagged) with IPv4 or IPv6 (by the endpoints'
// family), correct lengths, IPv4 header checksums and UDP/TCP checksums, so tshark's
// analysis accepts them. Timestamps are microseconds; the file is flushed on Flush() and
// closed on destruction. Thread-safety: one writer per thread.
//
//   auto writer = voip::PcapWriter::Create("/tmp/calls.pcap");
//   writer->WriteUdp(time_us, caller, pbx, sip_text);
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "voip/packet.h"

namespace fg::voip {

class PcapWriter {
 public:
  static Result<std::unique_ptr<PcapWriter>> Create(const std::string& path);
  ~PcapWriter();

  Result<void> WriteUdp(int64_t time_us, const Endpoint& from, const Endpoint& to,
                        std::span<const uint8_t> payload, uint16_t vlan = 0);
  Result<void> WriteUdp(int64_t time_us, const Endpoint& from, const Endpoint& to,
                        std::string_view payload, uint16_t vlan = 0);
  // The same datagram as IP fragments, as a host whose link MTU is `mtu` sends it (IPv4: flags
  // and offset in the header; IPv6: a fragment header per piece); in order.
  Result<void> WriteUdpFragments(int64_t time_us, const Endpoint& from, const Endpoint& to,
                                 std::string_view payload, size_t mtu, uint16_t vlan = 0);
  // One TCP segment (PSH|ACK) with the given sequence number; no handshake is needed by
  // the recorder, which frames SIP over TCP by Content-Length.
  Result<void> WriteTcp(int64_t time_us, const Endpoint& from, const Endpoint& to,
                        uint32_t sequence, std::string_view payload);
  Result<void> Flush();

 private:
  explicit PcapWriter(std::FILE* file);
  Result<void> WriteFrame(int64_t time_us, std::span<const uint8_t> frame);
  std::FILE* file_;
  uint32_t fragment_id_ = 0x4000;  // identification of the last fragmented datagram
};

}  // namespace fg::voip
