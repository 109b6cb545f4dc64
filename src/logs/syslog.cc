// Hand-written scanning over string_view: this runs for every line of a log file and every
// datagram, so it neither allocates nor backtracks.
#include "logs/syslog.h"

#include <cstdint>

#include "logs/internal/parse.h"

namespace fg::logs {

namespace internal {
namespace {

constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsPrintAscii(char c) { return c >= 33 && c <= 126; }

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!IsDigit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool ValidTime(int hour, int minute, int second) {
  // 60 allows a leap second, which RFC 3339 permits.
  return hour <= 23 && minute <= 59 && second <= 60;
}

core::WallTime MakeTime(int y, int mo, int d, int h, int mi, int s, int64_t micros) {
  int64_t us = DaysFromCivil(y, mo, d) * kMicrosPerDay +
               (int64_t{h} * 3600 + int64_t{mi} * 60 + s) * kMicrosPerSecond + micros;
  return core::FromUnixMicros(us);
}

int CivilYear(core::WallTime t) {
  int64_t days = core::ToUnixMicros(t) / kMicrosPerDay;
  if (core::ToUnixMicros(t) < 0 && core::ToUnixMicros(t) % kMicrosPerDay != 0) --days;
  // civil_from_days (Howard Hinnant), year only.
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

// Reads ".ddd..." (1 to 9 digits) at pos; returns the digits used (0 when none) and the
// fraction in microseconds.
size_t Fraction(std::string_view s, size_t pos, int64_t* micros) {
  *micros = 0;
  if (pos >= s.size() || s[pos] != '.') return 0;
  size_t i = pos + 1;
  int64_t scale = 100000;
  while (i < s.size() && IsDigit(s[i]) && i - pos <= 9) {
    *micros += (s[i] - '0') * scale;
    scale /= 10;
    ++i;
  }
  if (i == pos + 1) return 0;
  return i - pos;
}

// "Mmm dd hh:mm:ss" (dd may be space-padded), optionally with ".frac". Returns length used.
size_t ParseBsdTimestamp(std::string_view s, const ParseContext& context, core::WallTime* out,
                         bool* bad_date) {
  *bad_date = false;
  if (s.size() < 15) return 0;
  size_t month_index = kMonths.find(s.substr(0, 3));
  if (month_index == std::string_view::npos || month_index % 3 != 0 || s[3] != ' ') return 0;
  const int month = static_cast<int>(month_index / 3) + 1;
  int day = 0;
  size_t pos = 4;
  if (s[pos] == ' ' && IsDigit(s[pos + 1])) {
    day = s[pos + 1] - '0';
  } else if (!Digits(s, pos, 2, &day)) {
    *bad_date = true;
    return 0;
  }
  pos += 2;
  int hour, minute, second;
  if (s[pos] != ' ' || !Digits(s, pos + 1, 2, &hour) || s[pos + 3] != ':' ||
      !Digits(s, pos + 4, 2, &minute) || s[pos + 6] != ':' || !Digits(s, pos + 7, 2, &second) ||
      !ValidTime(hour, minute, second) || day < 1) {
    *bad_date = true;
    return 0;
  }
  pos += 9;
  int64_t micros = 0;
  pos += Fraction(s, pos, &micros);
  // The year is missing: take the one that puts the message closest before the reference
  // (allowing a month of clock skew), so December lines read in January land last year.
  const int reference_year = CivilYear(context.reference);
  const int64_t limit = core::ToUnixMicros(context.reference) + 31 * kMicrosPerDay;
  for (int year = reference_year + 1; year >= reference_year - 1; --year) {
    if (day > DaysInMonth(year, month)) continue;
    core::WallTime t = MakeTime(year, month, day, hour, minute, second, micros) -
                       std::chrono::duration_cast<std::chrono::microseconds>(context.local_offset);
    if (core::ToUnixMicros(t) <= limit) {
      *out = t;
      return pos;
    }
  }
  *bad_date = true;
  return 0;
}

// The next SP-delimited field; false when s has no SP after a non-empty field.
bool Field(std::string_view* s, std::string_view* field) {
  size_t sp = s->find(' ');
  if (sp == std::string_view::npos || sp == 0) return false;
  *field = s->substr(0, sp);
  s->remove_prefix(sp + 1);
  return true;
}

bool AllPrintAscii(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    if (!IsPrintAscii(c)) return false;
  }
  return true;
}

bool IsTagChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c == '-' ||
         c == '.' || c == '/' || c == '@';
}

// "host app[pid]: msg" (or "app[pid]: msg" when the sender left the host out).
std::optional<ParseFailure> ParseBsdRest(std::string_view rest, SyslogView* out) {
  if (rest.empty()) return ParseFailure{"hostname", "the message ends after its timestamp"};
  size_t sp = rest.find(' ');
  std::string_view first = rest.substr(0, sp);
  if (first.empty()) return ParseFailure{"hostname", "the hostname is empty"};
  const bool first_is_tag = first.back() == ':';
  if (!first_is_tag) {
    if (!AllPrintAscii(first, 255)) return ParseFailure{"hostname", "invalid hostname"};
    out->hostname = first;
    if (sp == std::string_view::npos) {
      return ParseFailure{"message", "the message ends after its hostname"};
    }
    rest.remove_prefix(sp + 1);
  }
  // TAG: a program name of up to 48 characters, an optional "[pid]", then ':'.
  size_t i = 0;
  while (i < rest.size() && i <= 48 && IsTagChar(rest[i])) ++i;
  std::string_view app = rest.substr(0, i);
  std::string_view procid;
  size_t end = i;
  if (end < rest.size() && rest[end] == '[') {
    size_t close = rest.find(']', end);
    if (close != std::string_view::npos && close - end <= 129) {
      procid = rest.substr(end + 1, close - end - 1);
      end = close + 1;
    } else {
      end = std::string_view::npos;
    }
  }
  if (!app.empty() && end != std::string_view::npos && end < rest.size() && rest[end] == ':') {
    out->app_name = app;
    out->procid = procid;
    rest.remove_prefix(end + 1);
    if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  }
  out->message = rest;
  return std::nullopt;
}

// An RFC 5424 STRUCTURED-DATA value: "-" or one or more "[id param="value"...]".
std::optional<ParseFailure> ParseStructuredData(std::string_view* s, std::string_view* out) {
  if (s->empty()) return ParseFailure{"structured_data", "the message ends before STRUCTURED-DATA"};
  if (s->front() == '-') {
    *out = {};
    s->remove_prefix(1);
    return std::nullopt;
  }
  size_t i = 0;
  while (i < s->size() && (*s)[i] == '[') {
    ++i;
    size_t id_start = i;
    while (i < s->size() && IsPrintAscii((*s)[i]) && (*s)[i] != '=' && (*s)[i] != ']' &&
           (*s)[i] != '"')
      ++i;
    if (i == id_start) return ParseFailure{"structured_data", "an SD-ELEMENT without SD-ID"};
    bool closed = false;
    bool quoted = false;
    while (i < s->size()) {
      char c = (*s)[i];
      if (quoted) {
        if (c == '\\' && i + 1 < s->size()) {
          i += 2;
          continue;
        }
        if (c == '"') quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == ']') {
        closed = true;
        ++i;
        break;
      }
      ++i;
    }
    if (!closed) return ParseFailure{"structured_data", "an unterminated SD-ELEMENT"};
  }
  if (i == 0) return ParseFailure{"structured_data", "STRUCTURED-DATA is neither - nor [...]"};
  *out = s->substr(0, i);
  s->remove_prefix(i);
  return std::nullopt;
}

std::optional<ParseFailure> ParseRfc5424(std::string_view s, const ParseContext& context,
                                         SyslogView* out) {
  out->format = SyslogFormat::kRfc5424;
  std::string_view timestamp, hostname, app, procid, msgid;
  if (!Field(&s, &timestamp)) return ParseFailure{"timestamp", "truncated RFC 5424 header"};
  if (timestamp != "-") {
    size_t used = ParseRfc3339Prefix(timestamp, true, context, &out->timestamp);
    if (used == 0 || used != timestamp.size()) {
      return ParseFailure{"timestamp", "invalid RFC 5424 timestamp"};
    }
    out->has_timestamp = true;
  }
  if (!Field(&s, &hostname) || !Field(&s, &app) || !Field(&s, &procid) || !Field(&s, &msgid)) {
    return ParseFailure{"header", "truncated RFC 5424 header"};
  }
  if (!AllPrintAscii(hostname, 255)) return ParseFailure{"hostname", "invalid HOSTNAME"};
  if (!AllPrintAscii(app, 48)) return ParseFailure{"app_name", "invalid APP-NAME"};
  if (!AllPrintAscii(procid, 128)) return ParseFailure{"procid", "invalid PROCID"};
  if (!AllPrintAscii(msgid, 32)) return ParseFailure{"msgid", "invalid MSGID"};
  auto nil = [](std::string_view v) { return v == "-" ? std::string_view() : v; };
  out->hostname = nil(hostname);
  out->app_name = nil(app);
  out->procid = nil(procid);
  out->msgid = nil(msgid);
  if (auto failure = ParseStructuredData(&s, &out->structured_data)) return failure;
  if (!s.empty()) {
    if (s.front() != ' ') return ParseFailure{"structured_data", "junk after STRUCTURED-DATA"};
    s.remove_prefix(1);
    if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  }
  out->message = s;
  return std::nullopt;
}

}  // namespace

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

size_t ParseRfc3339Prefix(std::string_view s, bool require_zone, const ParseContext& context,
                          core::WallTime* out) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 19 || !Digits(s, 0, 4, &y) || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) ||
      !(s[10] == 'T' || s[10] == 't' || (!require_zone && s[10] == ' ')) || !Digits(s, 11, 2, &h) ||
      s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &sec)) {
    return 0;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || !ValidTime(h, mi, sec)) return 0;
  size_t pos = 19;
  int64_t micros = 0;
  pos += Fraction(s, pos, &micros);
  int64_t offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return 0;
    }
    offset_minutes = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else if (require_zone) {
    return 0;
  } else {
    offset_minutes = context.local_offset.count();
  }
  *out = MakeTime(y, mo, d, h, mi, sec, micros) - std::chrono::minutes(offset_minutes);
  return pos;
}

std::optional<ParseFailure> ParseSyslogView(std::string_view line, const ParseContext& context,
                                            SyslogView* out) {
  // Senders often end a datagram with LF, CRLF or NUL; none of it is the message.
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == '\0')) {
    line.remove_suffix(1);
  }
  *out = SyslogView{};
  if (line.size() > kMaxSyslogBytes) {
    return ParseFailure{"message", "the message exceeds 64 KiB"};
  }
  if (line.empty()) return ParseFailure{"message", "empty message"};
  std::string_view s = line;
  if (s.front() == '<') {
    size_t close = s.find('>');
    if (close == std::string_view::npos || close < 2 || close > 4) {
      return ParseFailure{"pri", "PRI must be <0> to <191>"};
    }
    int pri = 0;
    if (!Digits(s, 1, close - 1, &pri)) return ParseFailure{"pri", "PRI is not a number"};
    if (pri > 191) return ParseFailure{"pri", "PRI is above 191"};
    out->facility = pri / 8;
    out->severity = pri % 8;
    s.remove_prefix(close + 1);
    if (s.size() >= 2 && s[0] == '1' && s[1] == ' ') {
      return ParseRfc5424(s.substr(2), context, out);
    }
    out->format = SyslogFormat::kRfc3164;
  }
  if (s.empty()) return ParseFailure{"timestamp", "the message ends after its PRI"};
  size_t used = 0;
  if (IsDigit(s.front())) {
    used = ParseRfc3339Prefix(s, false, context, &out->timestamp);
    if (used == 0) return ParseFailure{"timestamp", "invalid RFC 3339 timestamp"};
  } else {
    bool bad_date = false;
    used = ParseBsdTimestamp(s, context, &out->timestamp, &bad_date);
    if (used == 0) {
      return ParseFailure{"timestamp", bad_date ? "invalid date or time in timestamp"
                                                : "no timestamp where one must be"};
    }
  }
  out->has_timestamp = true;
  s.remove_prefix(used);
  if (s.empty()) return ParseFailure{"hostname", "the message ends after its timestamp"};
  if (s.front() != ' ') return ParseFailure{"timestamp", "junk after the timestamp"};
  s.remove_prefix(1);
  return ParseBsdRest(s, out);
}

}  // namespace internal

std::string_view SyslogFormatName(SyslogFormat format) {
  switch (format) {
    case SyslogFormat::kRfc3164:
      return "rfc3164";
    case SyslogFormat::kRfc5424:
      return "rfc5424";
    case SyslogFormat::kFile:
      return "file";
  }
  return "file";
}

Result<SyslogMessage> ParseSyslog(std::string_view line, const ParseContext& context) {
  internal::SyslogView view;
  if (auto failure = internal::ParseSyslogView(line, context, &view)) {
    return InvalidArgument(failure->field, failure->message);
  }
  SyslogMessage message;
  message.format = view.format;
  message.facility = view.facility;
  message.severity = view.severity;
  if (view.has_timestamp) message.timestamp = view.timestamp;
  message.hostname = view.hostname;
  message.app_name = view.app_name;
  message.procid = view.procid;
  message.msgid = view.msgid;
  message.structured_data = view.structured_data;
  message.message = view.message;
  return message;
}

}  // namespace fg::logs
