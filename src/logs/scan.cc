#include "logs/scan.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "dlp/dlp.h"
#include "logs/internal/parse.h"
#include "logs/received.h"

namespace fg::logs {

namespace {

// Cheap test on the program name first: most lines of a busy auth.log come from programs
// that never report an authentication result (CRON aside, whose PAM lines we do want).
bool MayReport(const internal::SyslogView& view) {
  std::string_view msg = view.message;
  if (msg.empty()) return false;
  switch (msg.front()) {
    case 'p':
      if (msg.starts_with("pam_")) return true;
      break;
    case 'm':
      if (msg.starts_with("message repeated ")) return true;
      break;
    case '{':
    case ' ':
      return true;  // JSON, or sudo's indented message
    default:
      break;
  }
  std::string_view app = view.app_name;
  return app == "sshd" || app == "sshd-session" || app == "sudo";
}

std::string ErrorText(const internal::ParseFailure& failure) {
  std::string text = failure.field;
  text += ": ";
  text += failure.message;
  return text;
}

void Count(const LineResult& result, ScanTotals* totals) {
  ++totals->lines;
  switch (result.kind) {
    case LineKind::kAuthEvent: {
      ++totals->auth_events;
      const AuthEvent& event = *result.event;
      uint64_t n = event.count > 0 ? static_cast<uint64_t>(event.count) : 1;
      if (event.outcome == AuthOutcome::kFailure) {
        totals->failures += n;
        if (event.origin == AuthOrigin::kSshd) totals->sshd_failures += n;
      } else if (event.outcome == AuthOutcome::kSuccess) {
        totals->successes += n;
      } else if (event.outcome == AuthOutcome::kLockout) {
        totals->lockouts += n;
      }
      break;
    }
    case LineKind::kNotAuth:
      ++totals->not_auth;
      break;
    case LineKind::kUnparseable:
      ++totals->unparseable;
      break;
  }
}

void AppendEscaped(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
      ++i;
    } else if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++i;
    } else {
      // A well-formed UTF-8 sequence passes through; anything else becomes U+FFFD.
      size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
      bool ok = len > 0 && i + len <= s.size();
      for (size_t k = 1; ok && k < len; ++k) {
        ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
      }
      if (ok && len == 3) {
        unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
      } else if (ok && len == 4) {
        unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
      }
      if (ok) {
        out->append(s.substr(i, len));
        i += len;
      } else {
        out->append("\xEF\xBF\xBD");
        ++i;
      }
    }
  }
  out->push_back('"');
}

void AppendTime(core::WallTime t, std::string* out) {
  int64_t us = core::ToUnixMicros(t);
  int64_t secs = us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000;
  int64_t frac = us - secs * 1'000'000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // civil_from_days (Howard Hinnant).
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[40];
  auto put = [&](int pos, int64_t v, int width) {
    for (int k = width - 1; k >= 0; --k) {
      buf[pos + k] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  if (year < 0 || year > 9999) {
    out->append("\"0000-01-01T00:00:00.000000Z\"");
    return;
  }
  std::memcpy(buf, "\"0000-00-00T00:00:00.000000Z\"", 29);
  put(1, year, 4);
  put(6, month, 2);
  put(9, day, 2);
  put(12, rem / 3600, 2);
  put(15, rem / 60 % 60, 2);
  put(18, rem % 60, 2);
  put(21, frac, 6);
  out->append(buf, 29);
}

}  // namespace

std::string_view LineKindName(LineKind kind) {
  switch (kind) {
    case LineKind::kAuthEvent:
      return "auth_event";
    case LineKind::kNotAuth:
      return "not_auth";
    case LineKind::kUnparseable:
      return "unparseable";
  }
  return "unparseable";
}

std::string_view TransportName(Transport transport) {
  switch (transport) {
    case Transport::kUdp:
      return "udp";
    case Transport::kTcp:
      return "tcp";
    case Transport::kFile:
      return "file";
  }
  return "udp";
}

LineResult ScanLine(std::string_view line, const ParseContext& context) {
  LineResult result;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return result;  // blank
  if (line[first] == '{') {
    if (line.size() > kMaxSyslogBytes) {
      result.kind = LineKind::kUnparseable;
      result.error = "message: the message exceeds 64 KiB";
      return result;
    }
    AuthEvent event;
    switch (internal::ExtractWindowsJson(line.substr(first), nullptr, context, &event)) {
      case internal::Extracted::kAuth:
        result.kind = LineKind::kAuthEvent;
        result.event = std::move(event);
        break;
      case internal::Extracted::kNotAuth:
        break;
      case internal::Extracted::kInvalid:
        result.kind = LineKind::kUnparseable;
        result.error = "json: the line is not a valid JSON object";
        break;
    }
    return result;
  }
  internal::SyslogView view;
  if (auto failure = internal::ParseSyslogView(line, context, &view)) {
    result.kind = LineKind::kUnparseable;
    result.error = ErrorText(*failure);
    return result;
  }
  if (!MayReport(view)) return result;
  AuthEvent event;
  if (internal::ExtractFromView(view, context, &event) == internal::Extracted::kAuth) {
    result.kind = LineKind::kAuthEvent;
    result.event = std::move(event);
  }
  return result;
}

Received Classify(std::string raw, std::string peer, Transport transport,
                  const ParseContext& context) {
  Received received;
  if (dlp::Contains(raw)) {
    std::vector<dlp::Finding> found;
    raw = dlp::Redact(raw, {}, &found);
    for (const dlp::Finding& f : found) {
      received.redactions.push_back(std::string(dlp::KindName(f.kind)) + " " + f.masked);
    }
  }
  received.raw = std::move(raw);
  received.peer = std::move(peer);
  received.transport = transport;
  std::string_view text = received.raw;
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    AuthEvent event;
    switch (internal::ExtractWindowsJson(text.substr(first), nullptr, context, &event)) {
      case internal::Extracted::kAuth:
        received.auth = std::move(event);
        break;
      case internal::Extracted::kNotAuth:
        break;
      case internal::Extracted::kInvalid:
        received.error = "json: the message is not a valid JSON object";
        break;
    }
    if (text.size() > kMaxSyslogBytes) {
      received.auth.reset();
      received.error = "message: the message exceeds 64 KiB";
    }
    return received;
  }
  internal::SyslogView view;
  if (auto failure = internal::ParseSyslogView(text, context, &view)) {
    received.error = ErrorText(*failure);
    return received;
  }
  AuthEvent event;
  if (internal::ExtractFromView(view, context, &event) == internal::Extracted::kAuth) {
    received.auth = std::move(event);
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
  received.message = std::move(message);
  return received;
}

Result<ScanTotals> ScanFile(const std::string& path, const ParseContext& context,
                            const LineSink& sink) {
  int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return MakeError(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
                     path + ": " + std::strerror(err));
  }
  ScanTotals totals;
  // A line that does not fit the buffer is longer than any message we accept: it is reported
  // once as unparseable and skipped up to its newline.
  constexpr size_t kBufferBytes = 4 << 20;
  std::vector<char> buffer(kBufferBytes);
  size_t filled = 0;
  bool skipping = false;
  bool eof = false;
  auto emit = [&](std::string_view line) {
    LineResult result = ScanLine(line, context);
    Count(result, &totals);
    if (sink) sink(totals.lines, line, result);
  };
  while (!eof) {
    ssize_t n = ::read(fd, buffer.data() + filled, buffer.size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      if (fd != STDIN_FILENO) ::close(fd);
      return MakeError(ErrorCode::kUnavailable, path + ": " + std::strerror(err));
    }
    if (n == 0) eof = true;
    filled += static_cast<size_t>(n);
    std::string_view data(buffer.data(), filled);
    size_t start = 0;
    while (true) {
      size_t lf = data.find('\n', start);
      if (lf == std::string_view::npos) break;
      if (skipping) {
        skipping = false;
      } else {
        emit(data.substr(start, lf - start));
      }
      start = lf + 1;
    }
    if (eof && start < filled && !skipping) {
      emit(data.substr(start));
      start = filled;
    }
    if (start == 0 && filled == buffer.size()) {
      // No newline in a full buffer.
      if (!skipping) {
        LineResult result;
        result.kind = LineKind::kUnparseable;
        result.error = "message: the line exceeds the buffer of 4 MiB";
        Count(result, &totals);
        if (sink) sink(totals.lines, data.substr(0, 256), result);
        skipping = true;
      }
      filled = 0;
      continue;
    }
    std::memmove(buffer.data(), buffer.data() + start, filled - start);
    filled -= start;
  }
  if (fd != STDIN_FILENO) ::close(fd);
  return totals;
}

void AppendAuthEventJson(const AuthEvent& event, std::string* out) {
  out->append("{\"time\":");
  AppendTime(event.time, out);
  out->append(",\"origin\":\"");
  out->append(AuthOriginName(event.origin));
  out->append("\",\"outcome\":\"");
  out->append(AuthOutcomeName(event.outcome));
  out->append("\",\"username\":");
  AppendEscaped(event.username, out);
  out->append(",\"source_address\":");
  AppendEscaped(event.source_address, out);
  out->append(",\"station\":");
  AppendEscaped(event.station, out);
  out->append(",\"host\":");
  AppendEscaped(event.host, out);
  out->append(",\"reason\":");
  AppendEscaped(event.reason, out);
  out->append(event.unknown_user ? ",\"unknown_user\":true" : ",\"unknown_user\":false");
  out->append(",\"count\":");
  out->append(std::to_string(event.count));
  out->push_back('}');
}

}  // namespace fg::logs
