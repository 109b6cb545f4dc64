// Syslog message parsing: RFC 5424, RFC 3164, and the lines rsyslog writes to log files.
//
// What it decides: whether one message (a datagram, a TCP frame or a file line, without its
// framing) is well-formed syslog, and what its header fields are. It accepts
//   RFC 5424   "<34>1 2026-11-29T05:49:07.123Z host app 123 ID47 [sd] msg" (NILVALUE "-", BOM)
//   RFC 3164   "<38>Nov 29 05:49:07 host sshd[123]: msg" (also with an RFC 3339 timestamp, as
//              rsyslog's forwarding template sends it)
//   file lines "Nov 29 05:49:07 host sshd[123]: msg" and Debian 12 rsyslog's
//              "2026-11-29T05:49:07.123456+00:00 host sshd[123]: msg"
// and rejects anything else with InvalidArgument naming the part at fault ("pri",
// "timestamp", "hostname", ...). Messages are limited to kMaxSyslogBytes.
// What it never does: allocate for a line it rejects, throw, or interpret the MSG part (see
// auth_parsers.h).
// Thread-safety: pure functions.
//
//   ParseContext context{.reference = clock.WallNow()};
//   Result<SyslogMessage> message = ParseSyslog("<38>Nov 29 05:49:07 h sshd[1]: hi", context);
//   if (message) Use(message->app_name, message->message);
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace fg::logs {

inline constexpr size_t kMaxSyslogBytes = 64 * 1024;

// What a parser needs to know besides the text.
struct ParseContext {
  // "Now" for the parser: RFC 3164 timestamps carry no year, so the year is chosen that puts
  // the message at most 31 days after this time; messages without a timestamp get this time.
  core::WallTime reference{};
  // Timestamps without a zone (RFC 3164, NXLog's EventTime) are local time of the sender:
  // this is that local time's offset from UTC (UTC when zero).
  std::chrono::minutes local_offset{0};
};

enum class SyslogFormat {
  kRfc3164,  // "<PRI>" followed by a BSD-style header
  kRfc5424,  // "<PRI>1 ..."
  kFile,     // no PRI: a line of a log file
};
std::string_view SyslogFormatName(SyslogFormat format);  // "rfc3164", "rfc5424", "file"

struct SyslogMessage {
  SyslogFormat format = SyslogFormat::kFile;
  int facility = -1;                        // 0..23, -1 when the line had no PRI
  int severity = -1;                        // 0..7, -1 when the line had no PRI
  std::optional<core::WallTime> timestamp;  // absent for RFC 5424's NILVALUE
  std::string hostname;                     // empty when absent
  std::string app_name;                     // the TAG's program name; empty when absent
  std::string procid;                       // "123" of "sshd[123]"; empty when absent
  std::string msgid;                        // RFC 5424 only
  std::string structured_data;              // RFC 5424 only, raw ("[id k=\"v\"]"), or empty
  std::string message;                      // MSG, without a UTF-8 BOM
};

Result<SyslogMessage> ParseSyslog(std::string_view line, const ParseContext& context);

}  // namespace fg::logs
