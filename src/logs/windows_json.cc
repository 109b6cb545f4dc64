// Windows Security events in the JSON that NXLog (flat) and Winlogbeat (nested) send. The one
// file of the module that touches nlohmann-json: it parses without exceptions and catches
// whatever the library may still throw, so nothing escapes.
#include <nlohmann/json.hpp>

#include "logs/internal/parse.h"

namespace fg::logs::internal {
namespace {

using Json = nlohmann::json;

// JSON deeper than this is no Windows event; refusing it early bounds the parser's work.
constexpr int kMaxDepth = 32;

bool TooDeep(std::string_view text) {
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

const Json* Member(const Json* object, const char* key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  auto it = object->find(key);
  return it == object->end() ? nullptr : &*it;
}

std::string_view Text(const Json* value) {
  if (value == nullptr || !value->is_string()) return {};
  return value->get_ref<const std::string&>();
}

// "-" is how Windows writes "none".
std::string_view Named(const Json* value) {
  std::string_view text = Text(value);
  return text == "-" ? std::string_view() : text;
}

int64_t Integer(const Json* value) {
  if (value == nullptr) return -1;
  if (value->is_number_integer()) return value->get<int64_t>();
  std::string_view text = Text(value);
  if (text.empty() || text.size() > 9) return -1;
  int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// NTSTATUS of a 4625 (SubStatus when set, else Status) to our reason names.
void FailureReason(std::string_view status, AuthEvent* event) {
  struct Known {
    std::string_view status, reason;
  };
  static constexpr Known kKnown[] = {
      {"0xc0000064", "unknown_user"},           {"0xc000006a", "bad_password"},
      {"0xc0000234", "account_locked"},         {"0xc0000072", "account_disabled"},
      {"0xc0000193", "account_expired"},        {"0xc0000071", "password_expired"},
      {"0xc0000224", "password_must_change"},   {"0xc000006f", "outside_logon_hours"},
      {"0xc0000070", "workstation_restricted"}, {"0xc000015b", "logon_type_not_granted"},
  };
  event->reason = "auth_failed";
  for (const Known& known : kKnown) {
    if (EqualsNoCase(status, known.status)) {
      event->reason = known.reason;
      break;
    }
  }
  if (event->reason == "unknown_user") event->unknown_user = true;
}

Extracted FromJson(const Json& root, const SyslogView* view, const ParseContext& context,
                   AuthEvent* event) {
  if (!root.is_object()) return Extracted::kNotAuth;
  const Json* winlog = Member(&root, "winlog");
  const Json* data = winlog != nullptr ? Member(winlog, "event_data") : &root;
  if (data == nullptr) data = Member(&root, "EventData");
  int64_t id = Integer(Member(&root, "EventID"));
  if (id < 0 && winlog != nullptr) id = Integer(Member(winlog, "event_id"));
  if (id < 0) id = Integer(Member(Member(&root, "event"), "code"));
  // Another channel's event with the same number (e.g. an application's 4625) is not ours.
  std::string_view channel = Text(Member(&root, "Channel"));
  if (channel.empty() && winlog != nullptr) channel = Text(Member(winlog, "channel"));
  if (!channel.empty() && !EqualsNoCase(channel, "Security")) return Extracted::kNotAuth;

  *event = AuthEvent{};
  event->origin = AuthOrigin::kWindows;
  switch (id) {
    case 4624:
      event->outcome = AuthOutcome::kSuccess;
      break;
    case 4625: {
      event->outcome = AuthOutcome::kFailure;
      std::string_view status = Text(Member(data, "SubStatus"));
      if (status.empty() || EqualsNoCase(status, "0x0")) status = Text(Member(data, "Status"));
      FailureReason(status, event);
      break;
    }
    case 4740:
      event->outcome = AuthOutcome::kLockout;
      event->reason = "account_locked";
      break;
    default:
      return Extracted::kNotAuth;
  }
  event->username = Named(Member(data, "TargetUserName"));
  std::string_view address = Named(Member(data, "IpAddress"));
  if (!address.empty()) NormalizeAddress(address, &event->source_address);
  event->station = Named(Member(data, "WorkstationName"));
  // 4740 names the computer the lockout came from in TargetDomainName.
  if (id == 4740 && event->station.empty()) {
    event->station = Named(Member(data, "TargetDomainName"));
  }
  std::string_view host = Text(Member(&root, "Hostname"));
  if (host.empty() && winlog != nullptr) host = Text(Member(winlog, "computer_name"));
  if (host.empty()) host = Text(Member(Member(&root, "host"), "name"));
  if (host.empty() && view != nullptr) host = view->hostname;
  event->host = host;

  std::string_view when = Text(Member(&root, "EventTime"));
  bool has_time = false;
  if (!when.empty()) {
    has_time = ParseRfc3339Prefix(when, false, context, &event->time) == when.size();
  }
  if (!has_time) {
    when = Text(Member(&root, "@timestamp"));
    if (!when.empty()) {
      has_time = ParseRfc3339Prefix(when, true, context, &event->time) == when.size();
    }
  }
  if (!has_time) {
    event->time = view != nullptr && view->has_timestamp ? view->timestamp : context.reference;
  }
  return Extracted::kAuth;
}

}  // namespace

Extracted ExtractWindowsJson(std::string_view json, const SyslogView* view,
                             const ParseContext& context, AuthEvent* out) {
  if (TooDeep(json)) return Extracted::kInvalid;
  try {
    Json root = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) return Extracted::kInvalid;
    return FromJson(root, view, context, out);
  } catch (...) {
    // Out of memory, or a library invariant: the line is kept as unparseable by the caller.
    return Extracted::kInvalid;
  }
}

}  // namespace fg::logs::internal
