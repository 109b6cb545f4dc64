// FragmentReassembler: IPv4 and IPv6 fragments back into whole datagrams.
//
// A SIP INVITE with a long SDP over UDP easily passes 1500 bytes and arrives in fragments;
// without reassembly the call would be invisible. Add() takes one IP packet (from its IP
// header on) that is a fragment and returns the whole packet once every piece has arrived,
// as an IP packet with fragmentation removed (decode it with LinkType::kRaw). Pieces may
// come in any order; where pieces overlap, the one with the lower offset wins. Memory is
// bounded: at most `max_datagrams` partial datagrams (the oldest go first), each at most
// 64 KiB, forgotten `timeout_us` after their first piece.
// Thread-safety: one thread (the capture thread).
//
//   voip::FragmentReassembler fragments;
//   if (auto whole = fragments.Add(time_us, ip_packet)) packet = DecodeFrame(kRaw, t, *whole);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace fg::voip {

struct FragmentOptions {
  size_t max_datagrams = 4096;
  int64_t timeout_us = 30'000'000;
};

struct FragmentStats {
  uint64_t fragments = 0;
  uint64_t reassembled = 0;
  uint64_t expired = 0;    // timed out or evicted before complete
  uint64_t malformed = 0;  // not a fragment we can read, or over 64 KiB
};

class FragmentReassembler {
 public:
  explicit FragmentReassembler(FragmentOptions options = {});

  // `ip` starts at the IPv4 or IPv6 header. nullopt until the datagram is complete (or
  // when `ip` is not a readable fragment).
  std::optional<std::vector<uint8_t>> Add(int64_t time_us, std::span<const uint8_t> ip);
  const FragmentStats& stats() const { return stats_; }
  size_t pending() const { return datagrams_.size(); }

 private:
  struct Datagram {
    int64_t first_us = 0;
    std::vector<uint8_t> header;  // unfragmentable part, as it must start the whole packet
    std::map<uint32_t, std::vector<uint8_t>> pieces;  // by offset
    std::optional<uint32_t> total;                    // known once the last piece arrived
  };
  std::optional<std::vector<uint8_t>> Complete(const std::string& key, Datagram& d, bool v6);
  void Expire(int64_t now_us);

  FragmentOptions options_;
  FragmentStats stats_;
  std::map<std::string, Datagram> datagrams_;  // key: family, addresses, id (, protocol)
};

}  // namespace fg::voip
