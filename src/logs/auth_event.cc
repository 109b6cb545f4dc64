#include "logs/auth_event.h"

namespace fg::logs {

std::string_view AuthOriginName(AuthOrigin origin) {
  switch (origin) {
    case AuthOrigin::kFloorguard:
      return "floorguard";
    case AuthOrigin::kSshd:
      return "sshd";
    case AuthOrigin::kPam:
      return "pam";
    case AuthOrigin::kSudo:
      return "sudo";
    case AuthOrigin::kWindows:
      return "windows";
    case AuthOrigin::kOther:
      return "other";
  }
  return "other";
}

std::string_view AuthOutcomeName(AuthOutcome outcome) {
  switch (outcome) {
    case AuthOutcome::kSuccess:
      return "success";
    case AuthOutcome::kFailure:
      return "failure";
    case AuthOutcome::kLockout:
      return "lockout";
    case AuthOutcome::kLogoff:
      return "logoff";
  }
  return "failure";
}

}  // namespace fg::logs
