// pam_driver: runs a PAM service from a private config directory (libpam's pam_start_confdir,
// so /etc/pam.d is never touched) and prints what each step returned.
//
//   FG_PAM_PASSWORD=... [FG_PAM_TOTP=...] pam_driver CONFDIR SERVICE USER [STEPS]
//
// STEPS is a comma list of auth, acct, open, close and hold=FILE (wait up to 60 s for FILE to
// exist, so a test can look at the server while the session is open); default
// auth,acct,open,close. Steps stop at the first failure. Prints "STEP: PAM_NAME (code)" lines,
// "info: ..."/"error: ..." for conversation messages and "prompt: ..." for each question.
// Exit 0 when every step succeeded, 1 otherwise, 2 on bad usage.
#include <security/pam_appl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

const char* CodeName(int code) {
  switch (code) {
    case PAM_SUCCESS:
      return "PAM_SUCCESS";
    case PAM_AUTH_ERR:
      return "PAM_AUTH_ERR";
    case PAM_AUTHINFO_UNAVAIL:
      return "PAM_AUTHINFO_UNAVAIL";
    case PAM_PERM_DENIED:
      return "PAM_PERM_DENIED";
    case PAM_MAXTRIES:
      return "PAM_MAXTRIES";
    case PAM_NEW_AUTHTOK_REQD:
      return "PAM_NEW_AUTHTOK_REQD";
    case PAM_SESSION_ERR:
      return "PAM_SESSION_ERR";
    case PAM_SERVICE_ERR:
      return "PAM_SERVICE_ERR";
    case PAM_CONV_ERR:
      return "PAM_CONV_ERR";
    case PAM_USER_UNKNOWN:
      return "PAM_USER_UNKNOWN";
    case PAM_SYSTEM_ERR:
      return "PAM_SYSTEM_ERR";
    case PAM_BUF_ERR:
      return "PAM_BUF_ERR";
    case PAM_ABORT:
      return "PAM_ABORT";
    case PAM_OPEN_ERR:
      return "PAM_OPEN_ERR";
    case PAM_SYMBOL_ERR:
      return "PAM_SYMBOL_ERR";
    case PAM_IGNORE:
      return "PAM_IGNORE";
    default:
      return "PAM_OTHER";
  }
}

char* Copy(const char* text) { return strdup(text != nullptr ? text : ""); }

int Converse(int count, const struct pam_message** messages, struct pam_response** responses,
             void* /*data*/) {
  auto* out = static_cast<pam_response*>(calloc(static_cast<size_t>(count), sizeof(pam_response)));
  if (out == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < count; ++i) {
    const pam_message* m = messages[i];
    switch (m->msg_style) {
      case PAM_PROMPT_ECHO_OFF:
      case PAM_PROMPT_ECHO_ON: {
        std::printf("prompt: %s\n", m->msg);
        bool code = std::strstr(m->msg, "Verification code") != nullptr;
        out[i].resp = Copy(std::getenv(code ? "FG_PAM_TOTP" : "FG_PAM_PASSWORD"));
        break;
      }
      case PAM_TEXT_INFO:
        std::printf("info: %s\n", m->msg);
        break;
      case PAM_ERROR_MSG:
        std::printf("error: %s\n", m->msg);
        break;
      default:
        break;
    }
  }
  std::fflush(stdout);
  *responses = out;
  return PAM_SUCCESS;
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

bool WaitFor(const std::string& file) {
  for (int i = 0; i < 1200; ++i) {
    if (access(file.c_str(), F_OK) == 0) return true;
    usleep(50 * 1000);
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: %s CONFDIR SERVICE USER [auth,acct,open,close,hold=FILE]\n",
                 argv[0]);
    return 2;
  }
  std::vector<std::string> steps = Split(argc == 5 ? argv[4] : "auth,acct,open,close");
  pam_conv conv{&Converse, nullptr};
  pam_handle_t* pamh = nullptr;
  int rc = pam_start_confdir(argv[2], argv[3], &conv, argv[1], &pamh);
  if (rc != PAM_SUCCESS) {
    std::printf("start: %s (%d)\n", CodeName(rc), rc);
    return 1;
  }
  int last = PAM_SUCCESS;
  for (const std::string& step : steps) {
    if (step == "auth") {
      last = pam_authenticate(pamh, 0);
      std::printf("authenticate: %s (%d)\n", CodeName(last), last);
      if (last == PAM_SUCCESS) {
        const char* id = pam_getenv(pamh, "FLOORGUARD_SESSION_ID");
        std::printf("env: FLOORGUARD_SESSION_ID=%s\n", id != nullptr ? id : "");
      }
    } else if (step == "acct") {
      last = pam_acct_mgmt(pamh, 0);
      std::printf("acct_mgmt: %s (%d)\n", CodeName(last), last);
    } else if (step == "open") {
      last = pam_open_session(pamh, 0);
      std::printf("open_session: %s (%d)\n", CodeName(last), last);
    } else if (step == "close") {
      last = pam_close_session(pamh, 0);
      std::printf("close_session: %s (%d)\n", CodeName(last), last);
    } else if (step.rfind("hold=", 0) == 0) {
      std::printf("hold: waiting\n");
      std::fflush(stdout);
      last = WaitFor(step.substr(5)) ? PAM_SUCCESS : PAM_ABORT;
    } else {
      std::fprintf(stderr, "unknown step '%s'\n", step.c_str());
      pam_end(pamh, PAM_ABORT);
      return 2;
    }
    std::fflush(stdout);
    if (last != PAM_SUCCESS) break;
  }
  rc = pam_end(pamh, last);
  std::printf("end: %s (%d)\n", CodeName(rc), rc);
  return last == PAM_SUCCESS ? 0 : 1;
}
