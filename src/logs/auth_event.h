// AuthEvent: one authentication result, whoever reported it — floorguard's own workstation
// logon, or a line of sshd, PAM, sudo or Windows Security logs received over syslog.
//
// It is the common input of the detectors (detect/) and of the logon reports. It carries
// names and addresses, never a password or any other secret.
#pragma once

#include <string>

#include "core/clock.h"

namespace fg::logs {

// Who reported the attempt.
enum class AuthOrigin {
  kFloorguard,  // POST /api/v1/logon (workstations, the PAM module)
  kSshd,
  kPam,  // pam_unix and other PAM modules logging through syslog
  kSudo,
  kWindows,  // Windows Security events 4624/4625/4740 (NXLog, Winlogbeat JSON)
  kOther,
};

enum class AuthOutcome {
  kSuccess,  // a logon succeeded
  kFailure,  // a logon was refused (wrong password, unknown user, policy...)
  kLockout,  // the reporting system locked the account (Windows 4740)
  kLogoff,   // a session ended
};

struct AuthEvent {
  core::WallTime time;
  AuthOrigin origin = AuthOrigin::kOther;
  AuthOutcome outcome = AuthOutcome::kFailure;
  // The account name as the reporting system saw it (may name no real account). Compared
  // case-insensitively by the detectors.
  std::string username;
  // Where the attempt came from: the client's address ("10.1.2.3", "::1") when known...
  std::string source_address;
  // ...and/or the workstation it was made at (a floorguard workstation id or a host name).
  std::string station;
  // The host whose log reported it (syslog HOSTNAME); empty for floorguard's own events.
  std::string host;
  // Machine-readable reason of a failure ("bad_password", "unknown_user", "account_locked",
  // "training_invalid"...); empty on success.
  std::string reason;
  // Facts the reporter established and let pass (a monitor-mode check): the detectors turn
  // them into alerts.
  bool unknown_user = false;        // the account does not exist
  bool without_presence = false;    // allowed although no badge presence was recorded
  bool concurrent_session = false;  // allowed although logged on at another station
  bool off_shift = false;           // outside the person's schedule
  // How many identical attempts this event stands for: syslog's "message repeated N times",
  // sudo's "3 incorrect password attempts". Always >= 1.
  int count = 1;
};

std::string_view AuthOriginName(AuthOrigin origin);     // "floorguard", "sshd", ...
std::string_view AuthOutcomeName(AuthOutcome outcome);  // "success", "failure", ...

// The key a source is tracked under: the station when known, else the address; empty when
// neither is known.
inline std::string SourceKey(const AuthEvent& event) {
  if (!event.station.empty()) return "station:" + event.station;
  if (!event.source_address.empty()) return "address:" + event.source_address;
  return {};
}

}  // namespace fg::logs
