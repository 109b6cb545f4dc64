// The allocation-free core shared by ParseSyslog, ExtractAuthEvent and ScanLine: views into
// the input line instead of owned strings, static error texts instead of Error values.
#pragma once

#include <optional>
#include <string_view>

#include "core/clock.h"
#include "logs/auth_event.h"
#include "logs/syslog.h"

namespace fg::logs::internal {

struct SyslogView {
  SyslogFormat format = SyslogFormat::kFile;
  int facility = -1;
  int severity = -1;
  bool has_timestamp = false;
  core::WallTime timestamp{};
  std::string_view hostname, app_name, procid, msgid, structured_data, message;
};

// A rejection: which part of the message is at fault, and why. Both are static strings.
struct ParseFailure {
  const char* field;
  const char* message;
};

// Returns nullopt on success (filling *out), else why the line is not syslog.
std::optional<ParseFailure> ParseSyslogView(std::string_view line, const ParseContext& context,
                                            SyslogView* out);

enum class Extracted {
  kAuth,     // *out holds an event
  kNotAuth,  // well-formed, but not an authentication result
  kInvalid,  // a JSON message that is not valid JSON
};

// The MSG of a parsed syslog message (or a bare JSON line when view is null).
Extracted ExtractFromView(const SyslogView& view, const ParseContext& context, AuthEvent* out);

// A Windows Security event as NXLog or Winlogbeat JSON. `view` (may be null) supplies the
// host and time when the JSON lacks them.
Extracted ExtractWindowsJson(std::string_view json, const SyslogView* view,
                             const ParseContext& context, AuthEvent* out);

// True when text is an IPv4 or IPv6 literal; "::ffff:a.b.c.d" is given back as "a.b.c.d".
bool NormalizeAddress(std::string_view text, std::string* out);

// Calendar helpers (UTC, proleptic Gregorian).
int64_t DaysFromCivil(int year, int month, int day);
int DaysInMonth(int year, int month);
// Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)" at the start of text; returns the length
// used, 0 when it is not such a timestamp. `require_zone` false accepts a missing zone (then
// local time, see ParseContext) and a space instead of 'T'.
size_t ParseRfc3339Prefix(std::string_view text, bool require_zone, const ParseContext& context,
                          core::WallTime* out);

}  // namespace fg::logs::internal
