// app/access_alerts: the access module's alerts become detect alerts, stored, audited and
// delivered to the same sinks as the detectors' (webhook, CEF).
#pragma once

#include "access/alert_port.h"
#include "app/defense.h"

namespace fg::app {

class AccessAlerts final : public access::AlertPort {
 public:
  explicit AccessAlerts(Defense& defense) : defense_(defense) {}
  Result<int64_t> Raise(const access::AccessAlert& alert) override;

 private:
  Defense& defense_;
};

}  // namespace fg::app
