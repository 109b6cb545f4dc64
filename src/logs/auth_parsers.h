// Authentication results out of syslog messages.
//
// What it decides: whether a parsed syslog message reports an authentication result, and
// which one. It reads
//   sshd      "Failed password|publickey|... for [invalid user] X from A port P ssh2",
//             "Accepted password|publickey|keyboard-interactive/pam for X from A ...",
//             "Invalid user X from A", "maximum authentication attempts exceeded for X from A",
//             "User X from A not allowed because ...", "[PAM: ]Authentication failure for X
//             from A"; "Disconnected from|Connection closed by ... user X A ... [preauth]" is
//             NOT a failure (the failure itself was logged on its own line)
//   PAM       "pam_unix(SERVICE:auth): authentication failure; ... rhost=A user=X" (origin
//             kPam, whatever program logged it, sshd included), "pam_unix(SERVICE:session):
//             session opened|closed for user X" (success|logoff)
//   sudo      "X : N incorrect password attempts ; TTY=...", "X : user NOT in sudoers ; ...",
//             "X : TTY=... ; COMMAND=..." (success)
//   Windows   a MSG that is a JSON object holding Security event 4624 (success), 4625
//             (failure, with the reason from SubStatus) or 4740 (lockout), as NXLog sends it
//             (flat: EventID, TargetUserName, IpAddress, WorkstationName, Hostname, EventTime)
//             or as Winlogbeat does (winlog.event_id, winlog.computer_name, winlog.event_data)
//   "message repeated N times: [ ... ]" of any of these gives one event with count N.
// Addresses are kept only when they are IPv4/IPv6 literals ("-", host names: none).
// Event time is the message's timestamp (the JSON's own time for Windows events), else
// ParseContext::reference.
// Note that one sshd password failure usually logs two or three lines (pam_unix's
// "authentication failure", "Invalid user", "Failed password"): each is an event, as
// fail2ban counts them; pam_unix's has origin kPam so sshd-origin counts match fail2ban's.
// What it never does: throw (nlohmann JSON errors are caught here), or report secrets.
// Thread-safety: pure functions.
//
//   auto message = ParseSyslog(line, context);
//   if (message) if (auto event = ExtractAuthEvent(*message, context)) Detect(*event);
#pragma once

#include <optional>
#include <string_view>

#include "logs/auth_event.h"
#include "logs/syslog.h"

namespace fg::logs {

// `context` supplies the time of messages without a timestamp.
std::optional<AuthEvent> ExtractAuthEvent(const SyslogMessage& message,
                                          const ParseContext& context = {});

// A Windows Security event given as a bare JSON object (a line of NXLog's or Winlogbeat's
// file/TCP output, without syslog header). InvalidArgument when the text is not valid JSON;
// nullopt when it is JSON but not one of the events above.
Result<std::optional<AuthEvent>> ExtractWindowsEvent(std::string_view json,
                                                     const ParseContext& context = {});

}  // namespace fg::logs
