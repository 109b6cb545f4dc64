// PacketSource: frames from a live interface or a pcap/pcapng file, through libpcap.
//
// The only file of the recorder that talks to libpcap. Live capture uses immediate mode
// and a large kernel buffer so bursts are not dropped; a BPF filter is compiled and set
// before the first frame. Run() calls the handler for every frame on the calling thread
// until the file ends or Stop() is called (from any thread, or a signal handler).
//
//   FG_ASSIGN_OR_RETURN(auto source, voip::PacketSource::OpenFile("calls.pcap", "udp"));
//   auto stats = source->Run([&](voip::LinkType link, int64_t t, std::span<const uint8_t> f)
//   {...});
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "core/result.h"
#include "voip/packet.h"

namespace fg::voip {

struct CaptureStats {
  uint64_t frames = 0;          // handed to the handler
  uint64_t kernel_dropped = 0;  // pcap_stats ps_drop (live only)
  uint64_t interface_dropped = 0;
};

struct LiveOptions {
  std::string interface = "lo";
  std::string filter;  // BPF; empty = everything
  int snapshot_length = 65535;
  int buffer_mib = 64;
  // A recorder on a mirror (SPAN) port sees other hosts' traffic only in promiscuous mode.
  bool promiscuous = true;
};

class PacketSource {
 public:
  using Handler = std::function<void(LinkType, int64_t time_us, std::span<const uint8_t> frame)>;

  // kInvalidArgument for a bad filter, an unsupported link type or a file that is not
  // pcap/pcapng; kNotFound/kPermissionDenied when the file or interface cannot be opened
  // (live: kPermissionDenied without CAP_NET_RAW, kUnavailable for an interface that is
  // down or another activation failure; messages from libpcap). pcapng is read too;
  // timestamps are microseconds either way.
  static Result<std::unique_ptr<PacketSource>> OpenFile(const std::string& path,
                                                        const std::string& filter);
  static Result<std::unique_ptr<PacketSource>> OpenLive(const LiveOptions& options);
  ~PacketSource();

  LinkType link_type() const;
  // Returns when the file ends or Stop() was called. A read error mid-file is an error value.
  Result<CaptureStats> Run(const Handler& handler);
  void Stop();

 private:
  struct Impl;
  explicit PacketSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fg::voip
