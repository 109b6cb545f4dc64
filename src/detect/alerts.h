// detect alerts: the stored, audited lifecycle of what the detectors raise.
//
// What it decides: how an alert moves — open -> acknowledged -> resolved, or open -> resolved
// — and that a resolution carries a note (1..2000 characters). Each change and its audit
// entry ("alert.raise", "alert.acknowledge", "alert.resolve", subject "alert:42") commit in
// one store transaction; after the commit, AlertRaised / AlertChanged go out on the bus for
// the console stream. A refused transition is FailedPrecondition (already acknowledged,
// already resolved), a bad note InvalidArgument("note"), a missing alert NotFound.
// What it never does: detect anything, run an action or deliver to a sink (defender.h does).
// Details hold evidence only, never a secret.
// Thread-safety: Alerts is thread-safe; writes serialise on the store's single writer.
//
//   detect::Alerts alerts(db, audit_log, clock, bus);
//   FG_ASSIGN_OR_RETURN(auto alert, alerts.Raise(detect::AlertInputFrom(finding)));
//   FG_RETURN_IF_ERROR(alerts.Resolve("user:officer", alert.id, "Known pen test").transform(...));
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/event_bus.h"
#include "core/result.h"
#include "detect/engine.h"
#include "store/store.h"

namespace fg::detect {

enum class AlertStatus { kOpen, kAcknowledged, kResolved };
std::string_view AlertStatusName(AlertStatus status);  // "open", "acknowledged", "resolved"
std::optional<AlertStatus> ParseAlertStatus(std::string_view name);

struct Alert {
  int64_t id = 0;  // 0 for an alert that could not be stored (still delivered to sinks)
  std::string rule;
  Severity severity = Severity::kMedium;
  AlertStatus status = AlertStatus::kOpen;
  std::string summary;
  std::string account;         // may be empty
  std::string source;          // logs::SourceKey; may be empty
  std::string details = "{}";  // JSON object: evidence, actions and their outcomes
  core::WallTime created_at{};
  core::WallTime updated_at{};
  std::optional<std::string> acknowledged_by;
  std::optional<core::WallTime> acknowledged_at;
  std::optional<std::string> resolved_by;
  std::optional<core::WallTime> resolved_at;
  std::optional<std::string> resolution_note;
};

struct AlertInput {
  std::string rule;  // [a-z0-9_.]{1,64}
  Severity severity = Severity::kMedium;
  std::string summary;  // 1..1000 bytes
  std::string account;
  std::string source;
  std::string details = "{}";  // must be a JSON object
};

// The alert for a finding; details hold the evidence and the planned actions.
AlertInput AlertInputFrom(const Finding& finding);
// The JSON of a finding's evidence and actions (the "details" of AlertInputFrom).
std::string FindingDetailsJson(const Finding& finding);
// The alert as a JSON object (details inlined as an object): for webhooks and the API.
std::string AlertJson(const Alert& alert);

struct AlertFilter {
  std::optional<AlertStatus> status;
  std::string rule;     // exact; empty = any
  std::string account;  // exact, case-insensitive; empty = any
};

// One page ordered by id ascending; pass next_after_id back as after_id for the next page.
struct AlertPage {
  std::vector<Alert> items;
  std::optional<int64_t> next_after_id;
};

inline constexpr int kMaxAlertListLimit = 1000;
inline constexpr size_t kMaxResolutionNote = 2000;

struct AlertCounts {
  int64_t open = 0;
  int64_t acknowledged = 0;
  int64_t resolved = 0;
};

// Published after the commit. Carry no details (the console fetches the alert).
struct AlertRaised {
  int64_t id;
  std::string rule;
  Severity severity;
  std::string summary;
};
struct AlertChanged {
  int64_t id;
  AlertStatus status;
};

class Alerts {
 public:
  Alerts(store::Database& db, audit::Log& log, core::Clock& clock, core::EventBus& bus)
      : db_(db), log_(log), clock_(clock), bus_(bus) {}

  // Schema of module "detect": db.Migrate("detect", Alerts::Migrations()).
  static std::span<const store::Migration> Migrations();

  // Stores an open alert, audited "alert.raise" by `actor` ("system" for the detectors).
  Result<Alert> Raise(const AlertInput& input, std::string_view actor = "system");
  // open -> acknowledged, audited "alert.acknowledge".
  Result<Alert> Acknowledge(std::string_view actor, int64_t id);
  // open or acknowledged -> resolved, audited "alert.resolve" with the note.
  Result<Alert> Resolve(std::string_view actor, int64_t id, std::string_view note);

  Result<Alert> Get(int64_t id);
  Result<AlertPage> List(const AlertFilter& filter, int limit = 50, int64_t after_id = 0);
  Result<AlertCounts> Counts();

 private:
  Result<Alert> Transition(std::string_view actor, int64_t id, AlertStatus to,
                           std::string_view note);

  store::Database& db_;
  audit::Log& log_;
  core::Clock& clock_;
  core::EventBus& bus_;
};

}  // namespace fg::detect
