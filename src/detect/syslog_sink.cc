// SyslogCefSink: one UDP datagram per alert, RFC 5424 framing around the CEF line.
#include <netdb.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "detect/cef.h"
#include "detect/internal/worker.h"
#include "detect/sinks.h"

namespace fg::detect {

namespace {

constexpr int kAuthpriv = 10;
constexpr size_t kMaxDatagram = 8192;

// RFC 5424 severities: crit 2, err 3, warning 4, notice 5.
int SyslogSeverity(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return 2;
    case Severity::kHigh:
      return 3;
    case Severity::kMedium:
      return 4;
    case Severity::kLow:
      return 5;
  }
  return 4;
}

// HOSTNAME is PRINTUSASCII without spaces, at most 255; "-" when nothing is left.
std::string HeaderField(std::string_view text, size_t max) {
  std::string out;
  for (char ch : text) {
    if (out.size() == max) break;
    if (ch > 32 && ch < 127) out += ch;
  }
  return out.empty() ? "-" : out;
}

}  // namespace

struct SyslogCefSink::Impl {
  SyslogCefOptions options;
  int fd = -1;
  sockaddr_storage address{};
  socklen_t address_length = 0;
  std::string hostname;
  int pid = 0;
  std::atomic<uint64_t> delivered{0}, failed{0}, dropped{0};
  std::unique_ptr<internal::Worker> worker;

  ~Impl() {
    if (worker) worker->Stop();
    if (fd >= 0) ::close(fd);
  }

  void Send(const Alert& alert) {
    std::string datagram = Frame(alert, hostname, options.version, pid);
    if (datagram.size() > kMaxDatagram) datagram.resize(kMaxDatagram);
    ssize_t sent = ::sendto(fd, datagram.data(), datagram.size(), 0,
                            reinterpret_cast<const sockaddr*>(&address), address_length);
    if (sent == static_cast<ssize_t>(datagram.size())) {
      ++delivered;
    } else {
      ++failed;
      spdlog::warn("detect: syslog delivery of alert {} failed: {}", alert.id,
                   std::strerror(errno));
    }
  }
};

std::string SyslogCefSink::Frame(const Alert& alert, std::string_view hostname,
                                 std::string_view version, int pid) {
  int pri = kAuthpriv * 8 + SyslogSeverity(alert.severity);
  return "<" + std::to_string(pri) + ">1 " + core::FormatRfc3339(alert.created_at) + " " +
         HeaderField(hostname, 255) + " floorguard " + std::to_string(pid) + " alert - " +
         FormatCef(alert, version);
}

Result<std::unique_ptr<SyslogCefSink>> SyslogCefSink::Start(SyslogCefOptions options) {
  if (options.host.empty()) return InvalidArgument("host", "must name the syslog receiver");
  if (options.port == 0) return InvalidArgument("port", "must be from 1 to 65535");
  auto impl = std::make_unique<Impl>();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(options.port);
  int rc = ::getaddrinfo(options.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot resolve syslog host " + options.host + ": " + ::gai_strerror(rc));
  }
  std::memcpy(&impl->address, found->ai_addr, found->ai_addrlen);
  impl->address_length = found->ai_addrlen;
  impl->fd = ::socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ::freeaddrinfo(found);
  if (impl->fd < 0) {
    return MakeError(ErrorCode::kUnavailable,
                     std::string("cannot open a UDP socket: ") + std::strerror(errno));
  }
  impl->hostname = options.hostname;
  if (impl->hostname.empty()) {
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) == 0) impl->hostname = name;
  }
  impl->pid = static_cast<int>(::getpid());
  impl->options = std::move(options);
  impl->worker = std::make_unique<internal::Worker>(impl->options.queue_capacity);
  return std::unique_ptr<SyslogCefSink>(new SyslogCefSink(std::move(impl)));
}

SyslogCefSink::SyslogCefSink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SyslogCefSink::~SyslogCefSink() { Stop(); }

void SyslogCefSink::Deliver(const Alert& alert) {
  Impl* impl = impl_.get();
  if (!impl->worker->Post([impl, alert] { impl->Send(alert); })) ++impl->dropped;
}

void SyslogCefSink::Stop() { impl_->worker->Stop(); }

DeliveryStats SyslogCefSink::Stats() const {
  return {impl_->delivered.load(), impl_->failed.load(), impl_->dropped.load()};
}

}  // namespace fg::detect
