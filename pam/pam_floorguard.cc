// pam_floorguard.so: Linux workstations log on through floorguard.
//
//   auth     required  pam_floorguard.so config=/etc/floorguard/pam.conf [debug]
//   account  required  pam_floorguard.so
//   session  required  pam_floorguard.so
//
// auth asks floorguard (POST /api/v1/logon) and keeps the allowed session in the handle;
// account succeeds only for a handle whose auth got that allow (PAM_NEW_AUTHTOK_REQD when the
// password must change); session open sends a heartbeat for it and close logs it off. A session
// floorguard opened that no PAM session took over (an auth-only application) is logged off at
// pam_end. Fails closed: no answer from floorguard is never a success. Module arguments:
// config=PATH (default /etc/floorguard/pam.conf), debug; use_first_pass, try_first_pass and
// use_authtok are honoured by pam_get_authtok. Only the pam_sm_* symbols are exported.
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <string.h>
#include <syslog.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "pam/client.h"
#include "pam/config.h"
#include "pam/logon.h"
#include "pam/secure.h"

namespace fg::pam {
namespace {

constexpr const char* kStateKey = "pam_floorguard_state";

struct Args {
  std::string config_file = kDefaultConfigFile;
  bool debug = false;
};

Result<Args> ParseArgs(int argc, const char** argv) {
  Args args;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i] != nullptr ? argv[i] : "";
    if (arg.starts_with("config=")) {
      args.config_file = std::string(arg.substr(7));
      if (!args.config_file.starts_with("/")) {
        return InvalidArgument("config", "must be an absolute path");
      }
    } else if (arg == "debug") {
      args.debug = true;
    } else if (arg == "use_first_pass" || arg == "try_first_pass" || arg == "use_authtok") {
      // read by pam_get_authtok itself
    } else {
      return InvalidArgument("arguments", "unknown module argument '" + LogSafe(arg) + "'");
    }
  }
  return args;
}

// What auth learnt, for account and session on the same handle.
struct State {
  Config config;
  std::string username;
  int64_t session_id = 0;
  bool must_change_password = false;
  bool opened = false;
  bool closed = false;
};

void CleanupState(pam_handle_t* /*pamh*/, void* data, int error_status) {
  auto* state = static_cast<State*>(data);
  if (state == nullptr) return;
  // PAM_DATA_SILENT: a forked copy of the handle is going away; the session is not ours to end.
  if ((error_status & PAM_DATA_SILENT) == 0 && !state->opened && !state->closed &&
      state->session_id > 0) {
    auto client = MakeCurlClient(state->config);
    auto ended = SessionCall(*client, "/api/v1/logoff", state->session_id);
    syslog(LOG_AUTHPRIV | (ended ? LOG_INFO : LOG_WARNING),
           "pam_floorguard: user '%s': session %lld never opened, %s",
           LogSafe(state->username).c_str(), static_cast<long long>(state->session_id),
           ended ? "logged off" : "logoff failed");
  }
  Wipe(state->config.token);
  delete state;
}

class PamHost final : public Host {
 public:
  PamHost(pam_handle_t* pamh, int flags) : pamh_(pamh), silent_((flags & PAM_SILENT) != 0) {}

  bool Prompt(std::string_view text, std::string& answer) override {
    char* response = nullptr;
    std::string prompt(text);
    int rc = pam_prompt(pamh_, PAM_PROMPT_ECHO_OFF, &response, "%s", prompt.c_str());
    if (rc != PAM_SUCCESS) {
      if (response != nullptr) {
        ::explicit_bzero(response, strlen(response));
        std::free(response);
      }
      return false;
    }
    if (response != nullptr) {
      answer.assign(response);
      ::explicit_bzero(response, strlen(response));
      std::free(response);
    }
    return true;
  }
  void Info(std::string_view text) override {
    if (!silent_) pam_info(pamh_, "%s", std::string(text).c_str());
  }
  void ErrorMessage(std::string_view text) override {
    if (!silent_) pam_error(pamh_, "%s", std::string(text).c_str());
  }
  void Log(int priority, std::string_view text) override {
    pam_syslog(pamh_, priority, "%s", std::string(text).c_str());
  }

 private:
  pam_handle_t* pamh_;
  bool silent_;
};

State* GetState(pam_handle_t* pamh) {
  const void* data = nullptr;
  if (pam_get_data(pamh, kStateKey, &data) != PAM_SUCCESS) return nullptr;
  return static_cast<State*>(const_cast<void*>(data));
}

const char* ItemString(pam_handle_t* pamh, int item) {
  const void* value = nullptr;
  if (pam_get_item(pamh, item, &value) != PAM_SUCCESS || value == nullptr) return "";
  return static_cast<const char*>(value);
}

int Authenticate(pam_handle_t* pamh, int flags, int argc, const char** argv) {
  auto args = ParseArgs(argc, argv);
  if (!args) {
    pam_syslog(pamh, LOG_ERR, "%s", args.error().ToString().c_str());
    return PAM_SERVICE_ERR;
  }
  // A new authentication forgets what an earlier one on this handle decided.
  pam_set_data(pamh, kStateKey, nullptr, nullptr);

  auto config = LoadConfig(args->config_file);
  if (!config) {
    pam_syslog(pamh, LOG_ERR, "config %s: %s", args->config_file.c_str(),
               config.error().message.c_str());
    return PAM_SERVICE_ERR;
  }
  const char* user = nullptr;
  int rc = pam_get_user(pamh, &user, nullptr);
  if (rc != PAM_SUCCESS) return rc;
  if (user == nullptr || *user == '\0') return PAM_AUTH_ERR;

  const char* password = nullptr;
  rc = pam_get_authtok(pamh, PAM_AUTHTOK, &password, nullptr);
  if (rc != PAM_SUCCESS) {
    pam_syslog(pamh, LOG_NOTICE, "user '%s': no password: %s", LogSafe(user).c_str(),
               pam_strerror(pamh, rc));
    return rc;
  }
  if (password == nullptr || *password == '\0') {
    pam_syslog(pamh, LOG_NOTICE, "user '%s': logon denied: empty password", LogSafe(user).c_str());
    return PAM_AUTH_ERR;
  }
  if (args->debug) {
    pam_syslog(pamh, LOG_DEBUG, "user '%s': asking %s", LogSafe(user).c_str(), config->url.c_str());
  }

  auto client = MakeCurlClient(*config);
  PamHost host(pamh, flags);
  LogonResult result = Logon(
      *client, host,
      {.username = user, .password = password, .source_address = ItemString(pamh, PAM_RHOST)});
  if (result.outcome != Outcome::kAllow) return PamCodeFor(result);

  auto state = std::make_unique<State>();
  state->config = std::move(*config);
  state->username = user;
  state->session_id = result.session_id;
  state->must_change_password = result.must_change_password;
  State* raw = state.release();
  if (pam_set_data(pamh, kStateKey, raw, CleanupState) != PAM_SUCCESS) {
    CleanupState(pamh, raw, 0);  // logs the session off
    return PAM_BUF_ERR;
  }
  // For a desktop agent that sends heartbeats or locks the session.
  std::string variable = "FLOORGUARD_SESSION_ID=" + std::to_string(result.session_id);
  (void)pam_putenv(pamh, variable.c_str());
  return PAM_SUCCESS;
}

int AccountManagement(pam_handle_t* pamh, int argc, const char** argv) {
  auto args = ParseArgs(argc, argv);
  if (!args) {
    pam_syslog(pamh, LOG_ERR, "%s", args.error().ToString().c_str());
    return PAM_SERVICE_ERR;
  }
  const char* user = ItemString(pamh, PAM_USER);
  State* state = GetState(pamh);
  if (state == nullptr) {
    pam_syslog(pamh, LOG_NOTICE,
               "user '%s': account refused: floorguard did not allow a logon "
               "on this handle",
               LogSafe(user).c_str());
    return PAM_PERM_DENIED;
  }
  if (state->username != user) {
    pam_syslog(pamh, LOG_WARNING, "user '%s': account refused: floorguard allowed '%s'",
               LogSafe(user).c_str(), LogSafe(state->username).c_str());
    return PAM_PERM_DENIED;
  }
  if (state->must_change_password) {
    pam_syslog(pamh, LOG_NOTICE, "user '%s': password change required", LogSafe(user).c_str());
    return PAM_NEW_AUTHTOK_REQD;
  }
  return PAM_SUCCESS;
}

int OpenSession(pam_handle_t* pamh, int argc, const char** argv) {
  auto args = ParseArgs(argc, argv);
  if (!args) {
    pam_syslog(pamh, LOG_ERR, "%s", args.error().ToString().c_str());
    return PAM_SERVICE_ERR;
  }
  const char* user = ItemString(pamh, PAM_USER);
  State* state = GetState(pamh);
  if (state == nullptr || state->username != user) {
    pam_syslog(pamh, LOG_ERR, "user '%s': no floorguard logon on this handle to open",
               LogSafe(user).c_str());
    return PAM_SESSION_ERR;
  }
  if (state->must_change_password) {
    pam_syslog(pamh, LOG_ERR, "user '%s': session refused: the password must be changed first",
               LogSafe(user).c_str());
    return PAM_SESSION_ERR;
  }
  auto client = MakeCurlClient(state->config);
  auto beat = SessionCall(*client, "/api/v1/heartbeat", state->session_id);
  if (!beat) {
    pam_syslog(pamh, LOG_ERR, "user '%s': session %lld not opened: %s", LogSafe(user).c_str(),
               static_cast<long long>(state->session_id), beat.error().message.c_str());
    return PAM_SESSION_ERR;
  }
  state->opened = true;
  pam_syslog(pamh, LOG_INFO, "user '%s': session %lld opened", LogSafe(user).c_str(),
             static_cast<long long>(state->session_id));
  return PAM_SUCCESS;
}

int CloseSession(pam_handle_t* pamh, int argc, const char** argv) {
  auto args = ParseArgs(argc, argv);
  if (!args) {
    pam_syslog(pamh, LOG_ERR, "%s", args.error().ToString().c_str());
    return PAM_SERVICE_ERR;
  }
  const char* user = ItemString(pamh, PAM_USER);
  State* state = GetState(pamh);
  if (state == nullptr) {
    pam_syslog(pamh, LOG_ERR, "user '%s': no floorguard session on this handle to close",
               LogSafe(user).c_str());
    return PAM_SESSION_ERR;
  }
  if (state->closed) return PAM_SUCCESS;
  auto client = MakeCurlClient(state->config);
  auto ended = SessionCall(*client, "/api/v1/logoff", state->session_id);
  if (!ended) {
    pam_syslog(pamh, LOG_ERR, "user '%s': session %lld: logoff failed: %s", LogSafe(user).c_str(),
               static_cast<long long>(state->session_id), ended.error().message.c_str());
    return PAM_SESSION_ERR;
  }
  state->closed = true;
  pam_syslog(pamh, LOG_INFO, "user '%s': session %lld closed", LogSafe(user).c_str(),
             static_cast<long long>(state->session_id));
  return PAM_SUCCESS;
}

// No exception may leave a PAM entry point: it would unwind through libpam's C frames.
template <typename Fn>
int Guarded(pam_handle_t* pamh, Fn&& fn) {
  try {
    return fn();
  } catch (...) {
    pam_syslog(pamh, LOG_CRIT, "internal error; failing closed");
    return PAM_SERVICE_ERR;
  }
}

}  // namespace
}  // namespace fg::pam

#define FG_PAM_EXPORT extern "C" __attribute__((visibility("default")))

FG_PAM_EXPORT int pam_sm_authenticate(pam_handle_t* pamh, int flags, int argc, const char** argv) {
  return fg::pam::Guarded(pamh, [&] { return fg::pam::Authenticate(pamh, flags, argc, argv); });
}

FG_PAM_EXPORT int pam_sm_setcred(pam_handle_t* /*pamh*/, int /*flags*/, int /*argc*/,
                                 const char** /*argv*/) {
  return PAM_SUCCESS;
}

FG_PAM_EXPORT int pam_sm_acct_mgmt(pam_handle_t* pamh, int /*flags*/, int argc, const char** argv) {
  return fg::pam::Guarded(pamh, [&] { return fg::pam::AccountManagement(pamh, argc, argv); });
}

FG_PAM_EXPORT int pam_sm_open_session(pam_handle_t* pamh, int /*flags*/, int argc,
                                      const char** argv) {
  return fg::pam::Guarded(pamh, [&] { return fg::pam::OpenSession(pamh, argc, argv); });
}

FG_PAM_EXPORT int pam_sm_close_session(pam_handle_t* pamh, int /*flags*/, int argc,
                                       const char** argv) {
  return fg::pam::Guarded(pamh, [&] { return fg::pam::CloseSession(pamh, argc, argv); });
}
