// Fast classification of log-file lines, for `floorguard logscan` and bulk imports.
//
// What it decides: for each line, whether it is an authentication result (and which), a
// well-formed line of something else, or unparseable. Lines are rsyslog file lines
// (traditional or RFC 3339 timestamps), syslog messages with a PRI, or bare JSON objects
// (NXLog/Winlogbeat Windows events). Programs that never report logons are rejected by their
// name, without allocating; only sshd, sudo, PAM and JSON messages are read further.
// Blank lines count as not_auth. Lines longer than kMaxSyslogBytes are unparseable.
// What it never does: use regular expressions, or throw.
// Thread-safety: pure functions; ScanFile reads the file on the calling thread.
//
//   auto totals = ScanFile("/var/log/auth.log", {.reference = clock.WallNow()},
//       [&](uint64_t n, std::string_view line, const LineResult& r) { ... });
//   if (totals) std::printf("failures %llu\n", totals->sshd_failures);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "logs/auth_event.h"
#include "logs/syslog.h"

namespace fg::logs {

enum class LineKind { kAuthEvent, kNotAuth, kUnparseable };
std::string_view LineKindName(LineKind kind);  // "auth_event", "not_auth", "unparseable"

struct LineResult {
  LineKind kind = LineKind::kNotAuth;
  std::optional<AuthEvent> event;  // set for kAuthEvent
  std::string error;               // set for kUnparseable: "timestamp: invalid date..."
};

LineResult ScanLine(std::string_view line, const ParseContext& context);

struct ScanTotals {
  uint64_t lines = 0;
  uint64_t auth_events = 0;
  uint64_t not_auth = 0;
  uint64_t unparseable = 0;
  // Attempts, not lines: an event with count N adds N.
  uint64_t failures = 0;       // every origin
  uint64_t sshd_failures = 0;  // origin sshd only: what fail2ban's sshd filter counts
  uint64_t successes = 0;
  uint64_t lockouts = 0;
};

// Called for every line, numbered from 1; the line view is valid during the call only.
using LineSink =
    std::function<void(uint64_t line_number, std::string_view line, const LineResult& result)>;

// Scans a whole file ("-" reads standard input). NotFound / Unavailable when it cannot be
// opened or read; the lines are reported to `sink` as they are read.
Result<ScanTotals> ScanFile(const std::string& path, const ParseContext& context,
                            const LineSink& sink = {});

// One JSON object (no newline) describing the event, appended to *out:
// {"time":"2026-11-29T05:49:07.000000Z","origin":"sshd","outcome":"failure","username":"root",
//  "source_address":"203.0.113.5","station":"","host":"web1","reason":"bad_password",
//  "unknown_user":false,"count":1}
// Strings are escaped; bytes that are not UTF-8 become U+FFFD.
void AppendAuthEventJson(const AuthEvent& event, std::string* out);

}  // namespace fg::logs
