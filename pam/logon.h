// The workstation-logon conversation with floorguard, free of libpam so it can be unit tested:
// POST /api/v1/logon (and once more with a TOTP code when the server asks for one), turn the
// answer into an outcome and a PAM return code, and the session calls (heartbeat, logoff).
//
// What it decides: allow only on a well-formed 200 answer whose decision is "allow" for the same
// username; everything else is a deny or "unavailable", never a success (fail closed).
// What it never does: log, show or keep the password, the TOTP code or the token; request bodies
// holding a secret are wiped right after they are sent.
// Thread-safety: functions hold no state; the Host and HttpClient are the caller's.
//
//   LogonResult result = Logon(client, host, {.username = "ghopper", .password = password});
//   int pam_code = PamCodeFor(result);   // PAM_SUCCESS only for Outcome::kAllow
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "pam/client.h"

namespace fg::pam {

inline constexpr std::string_view kTotpPrompt = "Verification code: ";

// What the module can do with the user and the system log; PAM's conversation in production.
class Host {
 public:
  virtual ~Host() = default;
  // Asks without echo; false when the conversation failed. The caller wipes `answer`.
  virtual bool Prompt(std::string_view text, std::string& answer) = 0;
  virtual void Info(std::string_view text) = 0;
  virtual void ErrorMessage(std::string_view text) = 0;
  // syslog priority (LOG_ERR, LOG_NOTICE, ...); the text never holds a secret.
  virtual void Log(int priority, std::string_view text) = 0;
};

enum class Outcome {
  kAllow,
  kDeny,                // floorguard said no (or the answer names another account)
  kUnavailable,         // no usable answer: unreachable, TLS, timeout, non-200, bad JSON
  kConversationFailed,  // the user could not be asked for the TOTP code
};

struct LogonRequest {
  std::string_view username;
  std::string_view password;
  std::string_view source_address;  // PAM_RHOST, if any
};

struct LogonResult {
  Outcome outcome = Outcome::kUnavailable;
  int64_t session_id = 0;
  bool must_change_password = false;
  std::string account_username;
  std::vector<std::string> alerts;
  std::string check;    // deny: the failed check
  std::string reason;   // deny: why
  std::string message;  // deny: the sentence to show
  std::string problem;  // unavailable: what went wrong (no secrets)
};

// The JSON body of a logon request. Holds the password: the caller wipes it after sending.
std::string LogonBody(const LogonRequest& request, std::string_view totp);

// Reads an answer of POST /api/v1/logon (or a transport error).
LogonResult ParseLogonReply(const Result<HttpReply>& reply);

// The whole authentication exchange, including the one TOTP retry; shows a deny's message to
// the user and logs the decision (username and reason only).
LogonResult Logon(HttpClient& client, Host& host, const LogonRequest& request);

// PAM_SUCCESS only for kAllow. Deny: PAM_AUTH_ERR for account and credential failures (the same
// code whether or not the name exists), PAM_MAXTRIES for a locked account, PAM_PERM_DENIED for
// policy (station, source ban, training, presence, single session). kUnavailable:
// PAM_AUTHINFO_UNAVAIL. kConversationFailed: PAM_CONV_ERR.
int PamCodeFor(const LogonResult& result);

// POST {"session_id"} to /api/v1/heartbeat or /api/v1/logoff; an error unless a 200 JSON object
// about that session came back.
Result<void> SessionCall(HttpClient& client, std::string_view path, int64_t session_id);

// A username fit for a log line: printable ASCII only, at most 64 characters.
std::string LogSafe(std::string_view text);

}  // namespace fg::pam
