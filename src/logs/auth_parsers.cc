// sshd, PAM and sudo messages, read with string_view scanning (no regex): the forms are
// fixed strings from the programs' sources, and this runs for every auth line of a file.
#include "logs/auth_parsers.h"

#include <arpa/inet.h>

#include <cstring>

#include "logs/internal/parse.h"

namespace fg::logs {

namespace internal {
namespace {

constexpr std::string_view kFrom = " from ";

bool Consume(std::string_view* s, std::string_view prefix) {
  if (!s->starts_with(prefix)) return false;
  s->remove_prefix(prefix.size());
  return true;
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view Token(std::string_view s) { return s.substr(0, s.find(' ')); }

void SetAddress(std::string_view text, AuthEvent* event) {
  if (!NormalizeAddress(text, &event->source_address)) event->source_address.clear();
}

void Fill(const SyslogView& view, const ParseContext& context, AuthOrigin origin,
          AuthOutcome outcome, AuthEvent* event) {
  *event = AuthEvent{};
  event->time = view.has_timestamp ? view.timestamp : context.reference;
  event->origin = origin;
  event->outcome = outcome;
  event->host = view.hostname;
}

// "USER from ADDR..." where USER ends at the first " from " (fail2ban's non-greedy match, so
// both agree on user names holding spaces).
bool UserFrom(std::string_view s, AuthEvent* event) {
  size_t from = s.find(kFrom);
  if (from == std::string_view::npos) return false;
  event->username = s.substr(0, from);
  SetAddress(Token(s.substr(from + kFrom.size())), event);
  return true;
}

std::string_view FailureReason(std::string_view method) {
  if (method == "password" || method.starts_with("keyboard-interactive")) return "bad_password";
  if (method == "publickey" || method == "hostbased") return "bad_key";
  return "auth_failed";
}

Extracted Sshd(std::string_view msg, const SyslogView& view, const ParseContext& context,
               AuthEvent* event) {
  // sshd prefixes some messages with its log level, and PAM conversations with "PAM: ".
  Consume(&msg, "error: ") || Consume(&msg, "fatal: ");
  Consume(&msg, "PAM: ");
  if (msg.empty()) return Extracted::kNotAuth;
  switch (msg.front()) {
    case 'F':
      if (Consume(&msg, "Failed ")) {
        std::string_view method = Token(msg);
        msg.remove_prefix(method.size());
        if (!Consume(&msg, " for ")) return Extracted::kNotAuth;
        Fill(view, context, AuthOrigin::kSshd, AuthOutcome::kFailure, event);
        event->unknown_user = Consume(&msg, "invalid user ");
        if (!UserFrom(msg, event)) return Extracted::kNotAuth;
        event->reason = event->unknown_user ? "unknown_user" : FailureReason(method);
        return Extracted::kAuth;
      }
      break;
    case 'A':
      if (Consume(&msg, "Accepted ")) {
        std::string_view method = Token(msg);
        msg.remove_prefix(method.size());
        if (method.empty() || !Consume(&msg, " for ")) return Extracted::kNotAuth;
        Fill(view, context, AuthOrigin::kSshd, AuthOutcome::kSuccess, event);
        return UserFrom(msg, event) ? Extracted::kAuth : Extracted::kNotAuth;
      }
      if (Consume(&msg, "Authentication failure for ")) {
        Fill(view, context, AuthOrigin::kSshd, AuthOutcome::kFailure, event);
        event->reason = "bad_password";
        return UserFrom(msg, event) ? Extracted::kAuth : Extracted::kNotAuth;
      }
      break;
    case 'a':
      if (Consume(&msg, "authentication failure for ")) {
        Fill(view, context, AuthOrigin::kSshd, AuthOutcome::kFailure, event);
        event->reason = "bad_password";
        return UserFrom(msg, event) ? Extracted::kAuth : Extracted::kNotAuth;
      }
      break;
    case 'D':
      // "Disconnected from user X ADDR port P": the end of an authenticated session, with the
      // address the detectors need to close it (pam_unix's "session closed" has none).
      // "Disconnected from authenticating/invalid user ... [preauth]" is not a session.
      if (Consume(&msg, "Disconnected from user ")) {
        size_t port = msg.rfind(" port ");
        if (port == std::string_view::npos) return Extracted::kNotAuth;
        std::string_view before = msg.substr(0, port);
        size_t space = before.rfind(' ');
        if (space == std::string_view::npos || space == 0) return Extracted::kNotAuth;
        Fill(view, context, AuthOrigin::kSshd, AuthOutcome::kLogoff, event);
        event->username = before.substr(0, space);
        SetAddress(before.substr(space + 1), event);
        return Extracted::kAuth;
      }
      break;
    case 'I':
      if (Consume(&msg, "Invalid user ") || Consume(&msg, "Illegal user ")) {
        Fill(view, context, AuthOrigin::kSshd, AuthOutcome::kFailure, event);
        event->unknown_user = true;
        event->reason = "unknown_user";
        return UserFrom(msg, event) ? Extracted::kAuth : Extracted::kNotAuth;
      }
      break;
    case 'm':
      if (Consume(&msg, "maximum authentication attempts exceeded for ")) {
        Fill(view, context, AuthOrigin::kSshd, AuthOutcome::kFailure, event);
        event->unknown_user = Consume(&msg, "invalid user ");
        event->reason = "too_many_attempts";
        return UserFrom(msg, event) ? Extracted::kAuth : Extracted::kNotAuth;
      }
      break;
    case 'U':
      // "User X from A not allowed because not listed in AllowUsers" (and its siblings).
      if (Consume(&msg, "User ") && msg.find(" not allowed because ") != std::string_view::npos) {
        Fill(view, context, AuthOrigin::kSshd, AuthOutcome::kFailure, event);
        event->reason = "not_allowed";
        size_t from = msg.find(kFrom);
        if (from == std::string_view::npos) {
          event->username = Token(msg);  // "... not allowed because account is locked"
          event->reason = "account_locked";
          return Extracted::kAuth;
        }
        event->username = msg.substr(0, from);
        SetAddress(Token(msg.substr(from + kFrom.size())), event);
        return Extracted::kAuth;
      }
      break;
    default:
      break;
  }
  // Everything else, "Disconnected from authenticating user ... [preauth]" and "Connection
  // closed by ..." included, reports no result of its own.
  return Extracted::kNotAuth;
}

// "pam_unix(sshd:auth): authentication failure; logname= uid=0 ... rhost=A  user=X"
Extracted Pam(std::string_view msg, const SyslogView& view, const ParseContext& context,
              AuthEvent* event) {
  size_t open = msg.find('(');
  size_t close = msg.find("): ");
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return Extracted::kNotAuth;
  }
  std::string_view kind = msg.substr(open + 1, close - open - 1);  // "sshd:auth"
  std::string_view rest = msg.substr(close + 3);
  size_t colon = kind.rfind(':');
  if (colon == std::string_view::npos) return Extracted::kNotAuth;
  std::string_view type = kind.substr(colon + 1);
  // sshd reports every attempt and session itself ("Failed password", "Accepted",
  // "Disconnected from user"), with the address; its PAM lines would count each attempt twice.
  if (kind.substr(0, colon) == "sshd") return Extracted::kNotAuth;
  if (type == "auth") {
    if (!Consume(&rest, "authentication failure;")) return Extracted::kNotAuth;
    Fill(view, context, AuthOrigin::kPam, AuthOutcome::kFailure, event);
    event->reason = "bad_password";
    std::string_view ruser;
    while (!(rest = TrimLeft(rest)).empty()) {
      std::string_view pair = Token(rest);
      rest.remove_prefix(pair.size());
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view key = pair.substr(0, eq);
      std::string_view value = pair.substr(eq + 1);
      if (key == "user") {
        event->username = value;
      } else if (key == "ruser") {
        ruser = value;
      } else if (key == "rhost") {
        SetAddress(value, event);
      }
    }
    if (event->username.empty()) event->username = ruser;
    return Extracted::kAuth;
  }
  if (type == "session") {
    AuthOutcome outcome;
    if (Consume(&rest, "session opened for user ")) {
      outcome = AuthOutcome::kSuccess;
    } else if (Consume(&rest, "session closed for user ")) {
      outcome = AuthOutcome::kLogoff;
    } else {
      return Extracted::kNotAuth;
    }
    Fill(view, context, AuthOrigin::kPam, outcome, event);
    // Debian 12 adds "(uid=1000)" to the name.
    size_t end = rest.find_first_of("( ");
    event->username = rest.substr(0, end);
    return event->username.empty() ? Extracted::kNotAuth : Extracted::kAuth;
  }
  return Extracted::kNotAuth;
}

// "alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; ..."
Extracted Sudo(std::string_view msg, const SyslogView& view, const ParseContext& context,
               AuthEvent* event) {
  msg = TrimLeft(msg);
  size_t sep = msg.find(" : ");
  if (sep == std::string_view::npos || sep == 0) return Extracted::kNotAuth;
  std::string_view user = TrimRight(msg.substr(0, sep));
  std::string_view rest = msg.substr(sep + 3);
  if (rest.starts_with("TTY=")) {
    Fill(view, context, AuthOrigin::kSudo, AuthOutcome::kSuccess, event);
    event->username = user;
    return Extracted::kAuth;
  }
  Fill(view, context, AuthOrigin::kSudo, AuthOutcome::kFailure, event);
  event->username = user;
  if (!rest.empty() && rest.front() >= '1' && rest.front() <= '9') {
    int attempts = 0;
    size_t i = 0;
    while (i < rest.size() && i < 4 && rest[i] >= '0' && rest[i] <= '9') {
      attempts = attempts * 10 + (rest[i] - '0');
      ++i;
    }
    if (!rest.substr(i).starts_with(" incorrect password attempt")) return Extracted::kNotAuth;
    event->count = attempts;
    event->reason = "bad_password";
    return Extracted::kAuth;
  }
  if (rest.starts_with("user NOT in sudoers")) {
    event->reason = "not_in_sudoers";
  } else if (rest.starts_with("command not allowed")) {
    event->reason = "command_not_allowed";
  } else if (rest.starts_with("a password is required")) {
    event->reason = "password_required";
  } else {
    return Extracted::kNotAuth;
  }
  return Extracted::kAuth;
}

bool IsSshd(std::string_view app) { return app == "sshd" || app == "sshd-session"; }

}  // namespace

bool NormalizeAddress(std::string_view text, std::string* out) {
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buffer) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  unsigned char binary[16];
  if (inet_pton(AF_INET, buffer, binary) == 1) {
    out->assign(text);
    return true;
  }
  if (inet_pton(AF_INET6, buffer, binary) != 1) return false;
  constexpr std::string_view kMapped = "::ffff:";
  if (text.size() > kMapped.size() && text.find('.') != std::string_view::npos &&
      (text.starts_with(kMapped) || text.starts_with("::FFFF:"))) {
    out->assign(text.substr(kMapped.size()));
  } else {
    out->assign(text);
  }
  return true;
}

Extracted ExtractFromView(const SyslogView& view, const ParseContext& context, AuthEvent* out) {
  std::string_view msg = view.message;
  int repeated = 1;
  // rsyslog's "message repeated 3 times: [ Failed password for ...]".
  if (msg.starts_with("message repeated ")) {
    std::string_view rest = msg.substr(17);
    int n = 0;
    size_t i = 0;
    while (i < rest.size() && i < 9 && rest[i] >= '0' && rest[i] <= '9') {
      n = n * 10 + (rest[i] - '0');
      ++i;
    }
    rest.remove_prefix(i);
    if (n <= 0 || !Consume(&rest, " times: [")) return Extracted::kNotAuth;
    rest = TrimLeft(rest);
    if (rest.ends_with(']')) rest.remove_suffix(1);
    msg = rest;
    repeated = n;
  }
  Extracted result = Extracted::kNotAuth;
  SyslogView inner = view;
  inner.message = msg;
  std::string_view trimmed = TrimLeft(msg);
  if (!trimmed.empty() && trimmed.front() == '{') {
    result = ExtractWindowsJson(trimmed, &inner, context, out);
  } else if (msg.starts_with("pam_")) {
    result = Pam(msg, inner, context, out);
  } else if (IsSshd(view.app_name)) {
    result = Sshd(msg, inner, context, out);
  } else if (view.app_name == "sudo") {
    result = Sudo(msg, inner, context, out);
  }
  if (result == Extracted::kAuth) out->count *= repeated;
  return result;
}

}  // namespace internal

std::optional<AuthEvent> ExtractAuthEvent(const SyslogMessage& message,
                                          const ParseContext& context) {
  internal::SyslogView view;
  view.format = message.format;
  view.facility = message.facility;
  view.severity = message.severity;
  view.has_timestamp = message.timestamp.has_value();
  if (message.timestamp) view.timestamp = *message.timestamp;
  view.hostname = message.hostname;
  view.app_name = message.app_name;
  view.procid = message.procid;
  view.msgid = message.msgid;
  view.structured_data = message.structured_data;
  view.message = message.message;
  AuthEvent event;
  if (internal::ExtractFromView(view, context, &event) != internal::Extracted::kAuth) {
    return std::nullopt;
  }
  return event;
}

Result<std::optional<AuthEvent>> ExtractWindowsEvent(std::string_view json,
                                                     const ParseContext& context) {
  AuthEvent event;
  switch (internal::ExtractWindowsJson(json, nullptr, context, &event)) {
    case internal::Extracted::kAuth:
      return std::optional<AuthEvent>(std::move(event));
    case internal::Extracted::kNotAuth:
      return std::optional<AuthEvent>();
    case internal::Extracted::kInvalid:
      break;
  }
  return InvalidArgument("json", "the message is not a valid JSON object");
}

}  // namespace fg::logs
