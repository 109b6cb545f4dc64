// nlohmann-json is used here only, without exceptions (parse with allow_exceptions=false and
// type checks before every read).
#include "pam/logon.h"

#include <security/_pam_types.h>
#include <syslog.h>

#include <nlohmann/json.hpp>

#include "pam/secure.h"

namespace fg::pam {

namespace {

using Json = nlohmann::json;

// Appends `text` as a JSON string. `out` has capacity reserved so a secret is never left behind
// in a buffer freed by a reallocation.
void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string ProblemOf(const HttpReply& reply) {
  std::string text = "HTTP " + std::to_string(reply.status);
  Json body = Json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    auto detail = body.find("detail");
    if (detail != body.end() && detail->is_string()) {
      text += ": " + LogSafe(detail->get<std::string>());
    }
  }
  if (reply.status == 401) text += " (is the station token valid and not revoked?)";
  if (reply.status == 403) text += " (is the token of role workstation and bound to a station?)";
  return text;
}

std::string StringField(const Json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

LogonResult Unavailable(std::string problem) {
  LogonResult result;
  result.outcome = Outcome::kUnavailable;
  result.problem = std::move(problem);
  return result;
}

LogonResult Send(HttpClient& client, const LogonRequest& request, std::string_view totp) {
  std::string body = LogonBody(request, totp);
  Result<HttpReply> reply = client.Post("/api/v1/logon", body);
  Wipe(body);
  return ParseLogonReply(reply);
}

}  // namespace

std::string LogSafe(std::string_view text) {
  constexpr size_t kMax = 64;
  std::string out;
  for (char c : text.substr(0, kMax)) {
    auto byte = static_cast<unsigned char>(c);
    out += byte >= 0x20 && byte < 0x7f ? c : '?';
  }
  if (text.size() > kMax) out += "...";
  return out;
}

std::string LogonBody(const LogonRequest& request, std::string_view totp) {
  std::string body;
  body.reserve(64 + 6 * (request.username.size() + request.password.size() + totp.size() +
                         request.source_address.size()));
  body += "{\"username\":";
  AppendJsonString(body, request.username);
  body += ",\"password\":";
  AppendJsonString(body, request.password);
  if (!totp.empty()) {
    body += ",\"totp\":";
    AppendJsonString(body, totp);
  }
  if (!request.source_address.empty()) {
    body += ",\"source_address\":";
    AppendJsonString(body, request.source_address);
  }
  body += '}';
  return body;
}

LogonResult ParseLogonReply(const Result<HttpReply>& reply) {
  if (!reply) return Unavailable(reply.error().message);
  if (reply->status != 200) return Unavailable("POST /api/v1/logon: " + ProblemOf(*reply));
  Json body = Json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return Unavailable("POST /api/v1/logon: the answer is not a JSON object");
  std::string decision = StringField(body, "decision");
  LogonResult result;
  if (decision == "deny") {
    result.outcome = Outcome::kDeny;
    result.check = StringField(body, "check");
    result.reason = StringField(body, "reason");
    result.message = StringField(body, "message");
    if (result.reason.empty()) result.reason = "unspecified";
    return result;
  }
  if (decision != "allow") {
    return Unavailable("POST /api/v1/logon: the answer has no decision allow or deny");
  }
  auto session = body.find("session_id");
  if (session == body.end() || !session->is_number_integer() || session->get<int64_t>() <= 0) {
    return Unavailable("POST /api/v1/logon: an allow without a valid session_id");
  }
  auto account = body.find("account");
  if (account == body.end() || !account->is_object() || StringField(*account, "username").empty()) {
    return Unavailable("POST /api/v1/logon: an allow without the account's username");
  }
  bool must_change = false;
  if (auto it = body.find("must_change_password"); it != body.end()) {
    if (!it->is_boolean()) {
      return Unavailable("POST /api/v1/logon: must_change_password is not true or false");
    }
    must_change = it->get<bool>();
  }
  if (auto it = body.find("alerts"); it != body.end() && it->is_array()) {
    for (const Json& alert : *it) {
      if (alert.is_string()) result.alerts.push_back(alert.get<std::string>());
    }
  }
  result.outcome = Outcome::kAllow;
  result.session_id = session->get<int64_t>();
  result.must_change_password = must_change;
  result.account_username = StringField(*account, "username");
  return result;
}

LogonResult Logon(HttpClient& client, Host& host, const LogonRequest& request) {
  std::string user = LogSafe(request.username);
  LogonResult result = Send(client, request, "");
  if (result.outcome == Outcome::kDeny && result.reason == "totp_required") {
    SecretString code;
    if (!host.Prompt(kTotpPrompt, code.get())) {
      host.Log(LOG_ERR, "user '" + user + "': could not ask for the verification code");
      result.outcome = Outcome::kConversationFailed;
      return result;
    }
    if (!code.get().empty()) result = Send(client, request, code.get());
  }

  if (result.outcome == Outcome::kAllow && result.account_username != request.username) {
    // The server canonicalises names; a different spelling would log on a different local user.
    host.Log(LOG_WARNING, "user '" + user + "': floorguard allowed account '" +
                              LogSafe(result.account_username) +
                              "', not the same name: denied, session ended");
    (void)SessionCall(client, "/api/v1/logoff", result.session_id);
    LogonResult denied;
    denied.outcome = Outcome::kDeny;
    denied.check = "account";
    denied.reason = "username_mismatch";
    denied.message = "Log on with your floorguard user name exactly as it is spelled.";
    host.ErrorMessage(denied.message);
    return denied;
  }

  switch (result.outcome) {
    case Outcome::kAllow: {
      std::string line =
          "user '" + user + "': logon allowed, session " + std::to_string(result.session_id);
      if (result.must_change_password) line += ", password change required";
      for (const std::string& alert : result.alerts) line += ", alert " + LogSafe(alert);
      host.Log(LOG_NOTICE, line);
      break;
    }
    case Outcome::kDeny:
      host.Log(LOG_NOTICE, "user '" + user + "': logon denied: " + LogSafe(result.check) + "/" +
                               LogSafe(result.reason));
      host.ErrorMessage(result.message.empty() ? "Logon denied." : result.message);
      break;
    case Outcome::kUnavailable:
      host.Log(LOG_ERR,
               "user '" + user + "': floorguard unavailable, logon refused: " + result.problem);
      host.ErrorMessage("The logon server cannot be reached; try again later.");
      break;
    case Outcome::kConversationFailed:
      break;
  }
  return result;
}

int PamCodeFor(const LogonResult& result) {
  switch (result.outcome) {
    case Outcome::kAllow:
      return PAM_SUCCESS;
    case Outcome::kUnavailable:
      return PAM_AUTHINFO_UNAVAIL;
    case Outcome::kConversationFailed:
      return PAM_CONV_ERR;
    case Outcome::kDeny:
      break;
  }
  if (result.check == "lockout") return PAM_MAXTRIES;
  if (result.check == "station" || result.check == "source" || result.check == "training" ||
      result.check == "presence" || result.check == "single_session") {
    return PAM_PERM_DENIED;
  }
  return PAM_AUTH_ERR;
}

Result<void> SessionCall(HttpClient& client, std::string_view path, int64_t session_id) {
  std::string body = "{\"session_id\":" + std::to_string(session_id) + "}";
  FG_ASSIGN_OR_RETURN(HttpReply reply, client.Post(path, body));
  std::string where = "POST " + std::string(path) + " session " + std::to_string(session_id);
  if (reply.status != 200) {
    return MakeError(ErrorCode::kUnavailable, where + ": " + ProblemOf(reply));
  }
  Json answer = Json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object()) {
    return MakeError(ErrorCode::kUnavailable, where + ": the answer is not a JSON object");
  }
  auto id = answer.find("session_id");
  if (id == answer.end() || !id->is_number_integer() || id->get<int64_t>() != session_id) {
    return MakeError(ErrorCode::kUnavailable, where + ": the answer is about another session");
  }
  return {};
}

}  // namespace fg::pam
