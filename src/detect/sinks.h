// detect sinks: where alerts go besides the store, and the ban command for the firewall.
//
// What it decides: how an alert leaves the process — as an RFC 5424 syslog datagram
// (facility authpriv, app "floorguard", MSGID "alert") carrying the CEF line (SyslogCefSink),
// or as a JSON POST to a webhook (WebhookSink: libcurl, TLS verification always on, optional
// CA file and bearer secret) — and how a ban reaches the outside (BanCommand: a configured
// argv with {address} and {seconds} substituted, run without a shell, only for an IP address
// literal).
// What it never does: block the caller on the network or a child process. Each sink and the
// ban command work on their own background thread behind a bounded queue; when the queue is
// full the newest item is dropped and counted. Failures are counted and logged (spdlog)
// without the webhook URL or secret. Retries are not made: the alert is in the store.
// Thread-safety: Deliver, Ban, Stats and Stop may be called from any thread. Stop delivers
// what is already queued (each item bounded by its timeout), then joins; later items are
// dropped. The destructor calls Stop.
//
//   FG_ASSIGN_OR_RETURN(auto syslog, detect::SyslogCefSink::Start({.host = "10.0.0.5"}));
//   syslog->Deliver(alert);
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "detect/alerts.h"

namespace fg::detect {

namespace internal {
class Worker;
}

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // Queues the alert and returns at once.
  virtual void Deliver(const Alert& alert) = 0;
};

struct DeliveryStats {
  uint64_t delivered = 0;
  uint64_t failed = 0;
  uint64_t dropped = 0;  // queue full, or after Stop
};

struct SyslogCefOptions {
  std::string host = "127.0.0.1";  // a name or an address literal, resolved once at Start
  uint16_t port = 514;
  std::string version = "0.0.0";  // product version in the CEF header
  std::string hostname;           // the HOSTNAME field; empty = gethostname()
  size_t queue_capacity = 1000;
};

class SyslogCefSink final : public AlertSink {
 public:
  // Unavailable when the host cannot be resolved or no socket can be opened.
  static Result<std::unique_ptr<SyslogCefSink>> Start(SyslogCefOptions options);
  ~SyslogCefSink() override;
  void Deliver(const Alert& alert) override;
  void Stop();
  DeliveryStats Stats() const;

  // The datagram for an alert (exposed for tests).
  static std::string Frame(const Alert& alert, std::string_view hostname, std::string_view version,
                           int pid);

 private:
  struct Impl;
  explicit SyslogCefSink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct WebhookOptions {
  std::string url;  // http:// or https://
  std::chrono::milliseconds timeout{5000};
  std::string bearer_secret;  // sent as "Authorization: Bearer ..."; empty = none
  std::string ca_file;        // PEM bundle to verify the server; empty = the system store
  size_t queue_capacity = 1000;
};

class WebhookSink final : public AlertSink {
 public:
  // InvalidArgument("url") unless the URL is http(s) without spaces or control characters.
  static Result<std::unique_ptr<WebhookSink>> Start(WebhookOptions options);
  ~WebhookSink() override;
  void Deliver(const Alert& alert) override;
  void Stop();
  DeliveryStats Stats() const;

 private:
  struct Impl;
  explicit WebhookSink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct BanCommandOptions {
  // argv[0] is an absolute path; "{address}" and "{seconds}" are replaced in every argument.
  // e.g. {"/usr/sbin/nft", "add", "element", "inet", "floorguard", "banned",
  //       "{ {address} timeout {seconds}s }"}
  std::vector<std::string> argv;
  std::chrono::milliseconds timeout{10000};  // then the child is killed (SIGKILL)
  size_t queue_capacity = 1000;
};

struct BanCommandStats {
  uint64_t succeeded = 0;  // exit status 0
  uint64_t failed = 0;     // non-zero exit, killed, timed out or could not start
  uint64_t refused = 0;    // not an IP address literal
  uint64_t dropped = 0;
  int last_exit_status = -1;  // -1 until a run finished with an exit status
};

// The argv for one ban: InvalidArgument("address") unless address is an IPv4 or IPv6 literal
// (substituted in its canonical form), InvalidArgument("seconds") unless seconds > 0.
Result<std::vector<std::string>> BanArgv(std::span<const std::string> argv_template,
                                         std::string_view address, std::chrono::seconds seconds);

class BanCommand {
 public:
  // InvalidArgument("argv") for an empty argv or a relative argv[0].
  static Result<std::unique_ptr<BanCommand>> Start(BanCommandOptions options);
  virtual ~BanCommand();
  // Checks the address now, runs the command later on the background thread.
  virtual Result<void> Ban(std::string_view address, std::chrono::seconds duration);
  void Stop();
  BanCommandStats Stats() const;

 protected:
  BanCommand();  // for fakes in tests

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fg::detect
