#include "voip/net/pcap_source.h"

#include <pcap/pcap.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>

namespace fg::voip {
namespace {

Result<LinkType> MapLinkType(int dlt) {
  switch (dlt) {
    case DLT_NULL:
      return LinkType::kNull;
    case DLT_EN10MB:
      return LinkType::kEthernet;
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
#endif
#ifdef DLT_IPV6
    case DLT_IPV6:
#endif
      return LinkType::kRaw;
    case DLT_LOOP:
      return LinkType::kLoop;
    case DLT_LINUX_SLL:
      return LinkType::kLinuxSll;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
      return LinkType::kLinuxSll2;
#endif
    default:
      return InvalidArgument(
          "link", "unsupported link type " + std::to_string(dlt) + " (" +
                      (pcap_datalink_val_to_name(dlt) != nullptr ? pcap_datalink_val_to_name(dlt)
                                                                 : "unknown") +
                      ")");
  }
}

Result<void> SetFilter(pcap_t* handle, const std::string& filter) {
  if (filter.empty()) return {};
  bpf_program program{};
  if (pcap_compile(handle, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return InvalidArgument("filter", "bad BPF filter '" + filter + "': " + pcap_geterr(handle));
  }
  const int set = pcap_setfilter(handle, &program);
  pcap_freecode(&program);
  if (set != 0) {
    return InvalidArgument("filter",
                           "cannot set BPF filter '" + filter + "': " + pcap_geterr(handle));
  }
  return {};
}

}  // namespace

struct PacketSource::Impl {
  pcap_t* handle = nullptr;
  LinkType link = LinkType::kEthernet;
  bool live = false;
  std::atomic<bool> stop{false};

  ~Impl() {
    if (handle != nullptr) pcap_close(handle);
  }
};

PacketSource::PacketSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PacketSource::~PacketSource() = default;

Result<std::unique_ptr<PacketSource>> PacketSource::OpenFile(const std::string& path,
                                                             const std::string& filter) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    const int error = errno;
    if (error == EACCES) return MakeError(ErrorCode::kPermissionDenied, "cannot open " + path);
    return NotFound("capture file not found: " + path);
  }
  char error_text[PCAP_ERRBUF_SIZE] = {};
  auto impl = std::make_unique<Impl>();
  impl->handle = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO,
                                                         error_text);
  if (impl->handle == nullptr) {
    const std::string message = "cannot read " + path + ": " + error_text;
    if (errno == EACCES) return MakeError(ErrorCode::kPermissionDenied, message);
    return InvalidArgument("path", message);
  }
  FG_ASSIGN_OR_RETURN(impl->link, MapLinkType(pcap_datalink(impl->handle)));
  FG_RETURN_IF_ERROR(SetFilter(impl->handle, filter));
  return std::unique_ptr<PacketSource>(new PacketSource(std::move(impl)));
}

Result<std::unique_ptr<PacketSource>> PacketSource::OpenLive(const LiveOptions& options) {
  if (options.snapshot_length <= 0 || options.buffer_mib <= 0 || options.buffer_mib > 2047) {
    return InvalidArgument("capture", "snapshot length and buffer size must be positive");
  }
  char error_text[PCAP_ERRBUF_SIZE] = {};
  auto impl = std::make_unique<Impl>();
  impl->live = true;
  impl->handle = pcap_create(options.interface.c_str(), error_text);
  if (impl->handle == nullptr) {
    return NotFound("cannot open interface " + options.interface + ": " + error_text);
  }
  pcap_set_snaplen(impl->handle, options.snapshot_length);
  pcap_set_promisc(impl->handle, options.promiscuous ? 1 : 0);
  pcap_set_immediate_mode(impl->handle, 1);
  pcap_set_buffer_size(impl->handle, options.buffer_mib * 1024 * 1024);
  // A short timeout bounds how long Stop() waits on libpcaps without a wake-up fd.
  pcap_set_timeout(impl->handle, 100);
  pcap_set_tstamp_precision(impl->handle, PCAP_TSTAMP_PRECISION_MICRO);
  const int activated = pcap_activate(impl->handle);
  if (activated < 0) {
    const std::string message = "cannot capture on " + options.interface + ": " +
                                pcap_statustostr(activated) + " " + pcap_geterr(impl->handle);
    switch (activated) {
      case PCAP_ERROR_PERM_DENIED:
#ifdef PCAP_ERROR_PROMISC_PERM_DENIED
      case PCAP_ERROR_PROMISC_PERM_DENIED:
#endif
        return MakeError(ErrorCode::kPermissionDenied,
                         message + " (needs root or CAP_NET_RAW and CAP_NET_ADMIN)");
      case PCAP_ERROR_NO_SUCH_DEVICE:
        return NotFound(message);
      case PCAP_ERROR_IFACE_NOT_UP:
        return MakeError(ErrorCode::kUnavailable, message);
      default:
        return MakeError(ErrorCode::kUnavailable, message);
    }
  }
  FG_ASSIGN_OR_RETURN(impl->link, MapLinkType(pcap_datalink(impl->handle)));
  FG_RETURN_IF_ERROR(SetFilter(impl->handle, options.filter));
  return std::unique_ptr<PacketSource>(new PacketSource(std::move(impl)));
}

LinkType PacketSource::link_type() const { return impl_->link; }

Result<CaptureStats> PacketSource::Run(const Handler& handler) {
  CaptureStats stats;
  while (!impl_->stop.load(std::memory_order_relaxed)) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int got = pcap_next_ex(impl_->handle, &header, &data);
    if (got == 1) {
      ++stats.frames;
      const int64_t time_us =
          static_cast<int64_t>(header->ts.tv_sec) * 1'000'000 + header->ts.tv_usec;
      handler(impl_->link, time_us, std::span<const uint8_t>(data, header->caplen));
      continue;
    }
    if (got == 0) continue;              // live timeout: look at the stop flag
    if (got == PCAP_ERROR_BREAK) break;  // end of file, or pcap_breakloop
    if (impl_->stop.load()) break;
    return MakeError(ErrorCode::kDataLoss,
                     std::string("capture read error: ") + pcap_geterr(impl_->handle));
  }
  if (impl_->live) {
    pcap_stat kernel{};
    if (pcap_stats(impl_->handle, &kernel) == 0) {
      stats.kernel_dropped = kernel.ps_drop;
      stats.interface_dropped = kernel.ps_ifdrop;
    }
  }
  return stats;
}

void PacketSource::Stop() {
  impl_->stop.store(true);
  pcap_breakloop(impl_->handle);
}

}  // namespace fg::voip
