// Defense: the running server's active defence, wired from the config. It feeds every
// authentication event — workstation logons published by identity, and lines received by the
// syslog intake — to the detectors, and carries out what they find through identity (lock an
// account, ban a source, end sessions), the alert store and the configured sinks (webhook, CEF
// over syslog, ban command).
//
// Workstation events are handled on the publishing thread, so a lock is in force before the
// workstation gets its answer. Syslog events go through a bounded queue to a thread of their
// own, so a flood of lines never stalls the receiver on a database write; what the queue cannot
// take is counted.
#pragma once

#include <memory>

#include "app/config.h"
#include "core/result.h"
#include "detect/alerts.h"
#include "detect/engine.h"
#include "logs/intake.h"

namespace fg::app {

struct Runtime;

struct DefenseStats {
  uint64_t syslog_events_queued = 0;
  uint64_t syslog_events_dropped = 0;
  detect::EngineStats engine;
};

class Defense {
 public:
  // Starts the sinks, the syslog receiver (when configured) and the subscriptions. The runtime
  // must outlive the Defense.
  static Result<std::unique_ptr<Defense>> Start(Runtime& rt, const Config& config);
  ~Defense();

  detect::Alerts& alerts();
  // Stores an alert from another module and delivers it to the sinks (webhook, CEF).
  Result<int64_t> RaiseAlert(const detect::AlertInput& input);
  // The raw-event store of the syslog intake; null when no listener is configured.
  logs::Intake* intake();
  // Bound syslog ports (0 when off), for tests started on port 0.
  int syslog_udp_port() const;
  int syslog_tcp_port() const;
  DefenseStats Stats() const;
  // The counters above, the syslog receivers' and the alert sinks', in Prometheus text format.
  std::string PrometheusText() const;
  // Stops the receiver, drains the queue and the sinks. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit Defense(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fg::app
