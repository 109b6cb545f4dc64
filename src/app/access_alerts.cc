#include "app/access_alerts.h"

namespace fg::app {

Result<int64_t> AccessAlerts::Raise(const access::AccessAlert& alert) {
  auto severity = detect::ParseSeverity(alert.severity);
  if (!severity) return InvalidArgument("severity", "must be low, medium, high or critical");
  return defense_.RaiseAlert({.rule = alert.rule,
                              .severity = *severity,
                              .summary = alert.summary,
                              .source = alert.subject,
                              .details = alert.details});
}

}  // namespace fg::app
