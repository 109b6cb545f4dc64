// detect defender: turns the engine's findings into actions, stored alerts and deliveries.
//
// What it decides: the order of a response — first the actions (lock the account, ban the
// source, end sessions) through the Responder, then the alert, stored and audited with each
// action's outcome in its details, then delivery to every sink, and for a ban of an
// "address:<ip>" source the ban command (nftables). A failing action or store write is
// recorded and logged, never thrown; an alert that could not be stored still goes to the
// sinks (with id 0), so a full disk does not silence the SIEM.
// What it never does: decide what is an attack (the Engine does) or how an account is locked
// (the Responder, implemented by the identity wiring in app/, does).
// Thread-safety: Defender is thread-safe when its Responder is; Handle may run on any thread.
//
//   detect::Defender defender(engine, alerts, responder, {syslog.get(), webhook.get()}, ban.get());
//   for (const auto& handled : defender.Handle(event)) metrics.Count(handled.finding.rule);
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "detect/alerts.h"
#include "detect/engine.h"
#include "detect/sinks.h"
#include "logs/auth_event.h"

namespace fg::detect {

// What the defender asks of the identity module. Each call is idempotent from the caller's
// view: locking a locked account or banning a banned source again succeeds. `reason` is a
// sentence for the audit trail ("detect account_brute_force: ...").
class Responder {
 public:
  virtual ~Responder() = default;
  // until: nullopt = until an administrator unlocks the account.
  virtual Result<void> LockAccount(std::string_view username, std::optional<core::WallTime> until,
                                   std::string_view reason) = 0;
  // source_key: a logs::SourceKey, "station:<id>" or "address:<ip>".
  virtual Result<void> BanSource(std::string_view source_key, core::WallTime until,
                                 std::string_view reason) = 0;
  virtual Result<void> EndSessions(std::string_view username, std::string_view reason) = 0;
};

struct ActionOutcome {
  Action action;
  bool ok = false;
  std::string error;        // the responder's error message when !ok
  std::string ban_command;  // "queued", "refused: ...", or empty when not applicable
};

struct Handled {
  Finding finding;
  std::optional<int64_t> alert_id;  // absent when the alert could not be stored
  std::string alert_error;
  std::vector<ActionOutcome> outcomes;
};

struct DefenderStats {
  uint64_t findings = 0;
  uint64_t alerts_stored = 0;
  uint64_t alert_failures = 0;
  uint64_t action_failures = 0;
};

class Defender {
 public:
  // Sinks and the ban command must outlive the Defender; nullptr entries are ignored.
  Defender(Engine& engine, Alerts& alerts, Responder& responder, std::vector<AlertSink*> sinks,
           BanCommand* ban_command = nullptr);

  // Observes the event and handles each finding it completes.
  std::vector<Handled> Handle(const logs::AuthEvent& event);
  // Handles one finding (for findings made elsewhere).
  Handled Execute(const Finding& finding);
  // Stores an alert raised by another module (access: a forced door) and delivers it to every
  // sink, stored or not. Returns the stored alert's id, or the store's error.
  Result<int64_t> Raise(const AlertInput& input);

  DefenderStats Stats() const;

 private:
  ActionOutcome Run(const Finding& finding, const Action& action);

  Engine& engine_;
  Alerts& alerts_;
  Responder& responder_;
  std::vector<AlertSink*> sinks_;
  BanCommand* ban_command_;
  std::atomic<uint64_t> findings_{0}, alerts_stored_{0}, alert_failures_{0}, action_failures_{0};
};

}  // namespace fg::detect
