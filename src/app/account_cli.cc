#include "app/account_cli.h"

#include <cstdio>

#include "app/runtime.h"
#include "identity/identity.h"

namespace fg::app {

namespace {

int Fail(const Error& error) {
  std::fprintf(stderr, "floorguard: %s\n", error.message.c_str());
  return error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kNotFound ? 2 : 1;
}

int Run(Runtime& rt, const std::string& action, const std::string& username,
        const std::string& actor) {
  identity::Identity& identity = *rt.identity;
  if (action == "list") {
    std::optional<int64_t> cursor;
    std::printf("%-6s %-24s %-28s %-9s %-9s %s\n", "ID", "USERNAME", "NAME", "STATE", "PASSWORD",
                "LOCKED UNTIL");
    while (true) {
      auto page = identity.ListAccounts(500, cursor);
      if (!page) return Fail(page.error());
      for (const identity::Account& a : page->items) {
        std::printf("%-6lld %-24s %-28s %-9s %-9s %s\n", static_cast<long long>(a.id),
                    a.username.c_str(), a.person_name.c_str(), a.disabled ? "disabled" : "enabled",
                    a.must_change_password ? "temporary" : "set",
                    a.locked_until ? core::FormatRfc3339(*a.locked_until).c_str() : "-");
      }
      if (!page->next_cursor) break;
      cursor = page->next_cursor;
    }
    return 0;
  }
  if (action == "locked") {
    auto locked = identity.LockedAccounts();
    if (!locked) return Fail(locked.error());
    for (const identity::LockedAccount& a : *locked) {
      std::printf("%-24s until %s  %s\n", a.username.c_str(), core::FormatRfc3339(a.until).c_str(),
                  a.reason.c_str());
    }
    return 0;
  }
  auto found = identity.FindAccount(username);
  if (!found) return Fail(found.error());
  if (!*found) {
    std::fprintf(stderr, "floorguard: no workforce account '%s'\n", username.c_str());
    return 2;
  }
  const identity::Account& account = **found;
  if (action == "unlock") {
    if (auto done = identity.Unlock(actor, account.id); !done) return Fail(done.error());
    std::printf("account '%s' unlocked\n", account.username.c_str());
    return 0;
  }
  if (action == "disable" || action == "enable") {
    auto done = identity.SetDisabled(actor, account.id, action == "disable");
    if (!done) return Fail(done.error());
    std::printf("account '%s' %sd\n", account.username.c_str(), action.c_str());
    return 0;
  }
  if (action == "reset") {
    auto password = identity.ResetPassword(actor, account.id);
    if (!password) return Fail(password.error());
    std::printf("temporary password for '%s' (shown once, must be changed at first logon): %s\n",
                account.username.c_str(), password->c_str());
    return 0;
  }
  std::fprintf(stderr, "floorguard: unknown account action '%s'\n", action.c_str());
  return 2;
}

int RunBan(Runtime& rt, const std::string& action, const std::string& source,
           const std::string& actor) {
  if (action == "list") {
    auto bans = rt.identity->ActiveBans();
    if (!bans) return Fail(bans.error());
    for (const identity::SourceBan& b : *bans) {
      std::printf("%-32s until %s  (ban %lld)  %s\n", b.source.c_str(),
                  core::FormatRfc3339(b.until).c_str(), static_cast<long long>(b.repeats),
                  b.reason.c_str());
    }
    return 0;
  }
  if (action == "lift") {
    if (auto done = rt.identity->LiftBan(actor, source); !done) return Fail(done.error());
    std::printf("ban on %s lifted\n", source.c_str());
    return 0;
  }
  std::fprintf(stderr, "floorguard: unknown ban action '%s'\n", action.c_str());
  return 2;
}

}  // namespace

int BanCommand(const Config& config, const std::string& action, const std::string& source,
               const std::string& actor) {
  auto rt = OpenRuntime(config, DataDir::kMustExist);
  if (!rt) return Fail(rt.error());
  int code = RunBan(**rt, action, source, actor);
  if (auto signed_now = (*rt)->log->CheckpointNow(); !signed_now) return Fail(signed_now.error());
  return code;
}

int AccountCommand(const Config& config, const std::string& action, const std::string& username,
                   const std::string& actor) {
  auto rt = OpenRuntime(config, DataDir::kMustExist);
  if (!rt) return Fail(rt.error());
  int code = Run(**rt, action, username, actor);
  // Sign what the command wrote; a running server's timer would, but it may not be running.
  if (auto signed_now = (*rt)->log->CheckpointNow(); !signed_now) return Fail(signed_now.error());
  return code;
}

}  // namespace fg::app
