// access/alert_port.h: how the access module raises an alert without depending on detect.
//
// What it decides: nothing; it is the port. The app wiring implements it with detect::Alerts
// and the alert sinks (webhook, CEF), so a forced door reaches the SIEM like a brute force.
// Rules are "access.<what>" ("access.door_forced", "access.passback_soft",
// "access.visitor_overdue"). What it never does: block the caller on delivery; a failure to raise
// is returned, logged by the caller, and never turns a decision around. Thread-safety:
// implementations must be thread-safe.
//
//   AccessAlert alert{.rule = "access.door_forced", .severity = "high",
//                     .summary = "Door 'Floor A' forced open", .details = R"({"door_id":3})"};
//   if (auto id = port.Raise(alert); !id) spdlog::warn(...);
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace fg::access {

struct AccessAlert {
  std::string rule;                 // [a-z0-9_.]{1,64}, "access.*"
  std::string severity = "medium";  // "low", "medium", "high" or "critical"
  std::string summary;              // one sentence for a person
  std::string subject;              // "door:3", "person:12", "zone:4"
  std::string details = "{}";       // JSON object: the evidence, never a secret
};

class AlertPort {
 public:
  virtual ~AlertPort() = default;
  // Stores the alert and delivers it; returns the alert id.
  virtual Result<int64_t> Raise(const AccessAlert& alert) = 0;
};

}  // namespace fg::access
