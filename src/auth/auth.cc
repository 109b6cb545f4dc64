// Console users: creation (and the first admin), updates, password resets, listing.
// Sessions live in sessions.cc, device tokens in tokens.cc.
#include "auth/auth.h"

#include <algorithm>

#include "auth/internal/common.h"
#include "auth/internal/secrets.h"
#include "auth/internal/state.h"

namespace fg::auth {

namespace {

using internal::AlreadyExists;
using internal::Details;
using internal::FailedPrecondition;
using internal::Subject;
using internal::UserRow;
using Json = nlohmann::json;

constexpr int kMaxListLimit = 1000;

Result<std::string> NormaliseUsername(std::string_view username) {
  std::string lower = internal::AsciiLower(username);
  if (lower.size() < 3 || lower.size() > 64) {
    return InvalidArgument("username", "must be 3 to 64 characters long");
  }
  for (char ch : lower) {
    bool ok =
        (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) {
      return InvalidArgument("username", "may hold only letters a-z, digits, '.', '_' and '-'");
    }
  }
  return lower;
}

Result<void> RequireConsoleRole(Role role) {
  if (IsConsoleRole(role)) return {};
  return InvalidArgument("role", "must be a console role: admin, security, supervisor or auditor");
}

// Holds one of the Argon2 slots for as long as it lives.
class HashSlot {
 public:
  explicit HashSlot(std::counting_semaphore<>& slots) : slots_(slots) { slots_.acquire(); }
  ~HashSlot() { slots_.release(); }
  HashSlot(const HashSlot&) = delete;
  HashSlot& operator=(const HashSlot&) = delete;

 private:
  std::counting_semaphore<>& slots_;
};

}  // namespace

Auth::Auth(store::Database& db, audit::Log& log, core::Clock& clock, Options options)
    : db_(db),
      log_(log),
      clock_(clock),
      options_(options),
      state_(std::make_unique<State>(options.max_concurrent_hashes)) {
  internal::EnsureSodium();
  // If even this fails (out of memory), unknown users are answered faster than known ones;
  // the answer itself stays the same.
  state_->dummy_hash = Hash(GenerateTemporaryPassword("")).value_or("");
}

Auth::~Auth() = default;

Result<std::string> Auth::Hash(std::string_view password) {
  HashSlot slot(state_->hash_slots);
  return HashPassword(password, options_.password);
}

bool Auth::Verify(std::string_view hash, std::string_view password) {
  HashSlot slot(state_->hash_slots);
  return VerifyPassword(hash, password);
}

Result<std::optional<std::string>> Auth::EnsureAdmin(std::optional<std::string> password) {
  bool generated = !password.has_value();
  FG_ASSIGN_OR_RETURN(auto created, AddUser("system", "admin", Role::kAdmin, std::move(password),
                                            /*temporary=*/generated, IfUsersExist::kSkip));
  if (!created || !generated) return std::optional<std::string>();
  return created->temporary_password;
}

Result<Auth::CreatedUser> Auth::CreateUser(std::string_view actor, std::string_view username,
                                           Role role, std::optional<std::string> password) {
  FG_ASSIGN_OR_RETURN(auto created, AddUser(actor, username, role, std::move(password),
                                            /*temporary=*/true, IfUsersExist::kCreate));
  if (!created) return Internal("console user was not created");
  return std::move(*created);
}

Result<std::optional<Auth::CreatedUser>> Auth::AddUser(std::string_view actor,
                                                       std::string_view username, Role role,
                                                       std::optional<std::string> password,
                                                       bool temporary, IfUsersExist if_exist) {
  FG_ASSIGN_OR_RETURN(std::string name, NormaliseUsername(username));
  FG_RETURN_IF_ERROR(RequireConsoleRole(role));

  // Cheap checks first, so a taken name or an initialised installation costs no Argon2 run.
  // The write below checks again: these reads may be stale.
  int64_t users = 0;
  bool taken = false;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.Exec("SELECT COUNT(*), COALESCE(SUM(username = ?), 0) FROM auth_users",
                              {name}, [&](const store::Row& row) {
                                users = row.Int(0);
                                taken = row.Int(1) != 0;
                              }));
    return {};
  }));
  if (if_exist == IfUsersExist::kSkip && users > 0) return std::optional<CreatedUser>();
  if (taken) return AlreadyExists("username", "a console user named '" + name + "' exists");
  // After the skip: a password left in the environment after first start is not judged.
  if (password) {
    FG_RETURN_IF_ERROR(
        CheckPasswordPolicy(*password, {.username = name, .extra = options_.extra_blocklist}));
  }

  bool generated = !password.has_value();
  std::string secret = generated ? GenerateTemporaryPassword(name) : std::move(*password);
  FG_ASSIGN_OR_RETURN(std::string hash, Hash(secret));

  User user{.username = name,
            .role = role,
            .disabled = false,
            .must_change_password = temporary,
            .created_at = clock_.WallNow()};
  bool skipped = false;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t count = 0;
    bool exists = false;
    FG_RETURN_IF_ERROR(c.Exec("SELECT COUNT(*), COALESCE(SUM(username = ?), 0) FROM auth_users",
                              {name}, [&](const store::Row& row) {
                                count = row.Int(0);
                                exists = row.Int(1) != 0;
                              }));
    if (if_exist == IfUsersExist::kSkip && count > 0) {
      skipped = true;
      return {};
    }
    if (exists) return AlreadyExists("username", "a console user named '" + name + "' exists");
    int64_t now = core::ToUnixMicros(user.created_at);
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO auth_users (username, role, password_hash, disabled, "
               "must_change_password, created_at, password_changed_at) "
               "VALUES (?, ?, ?, 0, ?, ?, ?)",
               {name, RoleName(role), hash, temporary, now, now}));
    user.id = c.LastInsertRowId();
    Json details = {{"username", name},
                    {"role", RoleName(role)},
                    {"password", generated ? "generated" : "set by the creator"},
                    {"must_change_password", temporary}};
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "user.create",
                    .subject = Subject("user", user.id),
                    .details = Details(details)})
        .transform([](int64_t) {});
  }));
  if (skipped) return std::optional<CreatedUser>();
  CreatedUser created{.user = std::move(user)};
  if (generated) created.temporary_password = std::move(secret);
  return std::optional<CreatedUser>(std::move(created));
}

Result<User> Auth::GetUser(int64_t id) {
  FG_ASSIGN_OR_RETURN(auto row,
                      db_.Read([&](store::Connection& c) { return internal::LoadUser(c, id); }));
  if (!row) return NotFound("console user " + std::to_string(id) + " does not exist");
  return std::move(row->user);
}

Result<ListPage<User>> Auth::ListUsers(int limit, std::optional<int64_t> after_id) {
  limit = std::clamp(limit, 1, kMaxListLimit);
  ListPage<User> page;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) -> Result<void> {
    std::string sql = "SELECT " + std::string(internal::kUserColumns) +
                      " FROM auth_users WHERE id > ? ORDER BY id LIMIT ?";
    FG_RETURN_IF_ERROR(c.Exec(sql, {after_id.value_or(0), limit + 1}, [&](const store::Row& row) {
      page.items.push_back(internal::ReadUserRow(row).user);
    }));
    return {};
  }));
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.pop_back();
    page.next_after_id = page.items.back().id;
  }
  return page;
}

Result<User> Auth::UpdateUser(std::string_view actor, int64_t id, std::optional<Role> role,
                              std::optional<bool> disabled) {
  if (role) FG_RETURN_IF_ERROR(RequireConsoleRole(*role));
  User result;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(auto row, internal::LoadUser(c, id));
    if (!row) return NotFound("console user " + std::to_string(id) + " does not exist");
    const User before = row->user;
    User after = before;
    if (role) after.role = *role;
    if (disabled) after.disabled = *disabled;
    result = after;
    if (after.role == before.role && after.disabled == before.disabled) return {};

    bool was_enabled_admin = before.role == Role::kAdmin && !before.disabled;
    bool is_enabled_admin = after.role == Role::kAdmin && !after.disabled;
    if (was_enabled_admin && !is_enabled_admin) {
      FG_ASSIGN_OR_RETURN(int64_t others, internal::CountOtherEnabledAdmins(c, id));
      if (others == 0) {
        return FailedPrecondition("'" + before.username +
                                  "' is the last enabled admin; make another user admin first");
      }
    }
    FG_RETURN_IF_ERROR(c.Exec("UPDATE auth_users SET role = ?, disabled = ? WHERE id = ?",
                              {RoleName(after.role), after.disabled, id}));
    Json details = Json::object();
    if (after.role != before.role) {
      details["role"] = {{"from", RoleName(before.role)}, {"to", RoleName(after.role)}};
    }
    if (after.disabled != before.disabled) {
      details["disabled"] = {{"from", before.disabled}, {"to", after.disabled}};
    }
    if (after.disabled) {
      FG_ASSIGN_OR_RETURN(int64_t ended,
                          internal::EndSessions(c, id, clock_.WallNow(), "disabled"));
      details["sessions_ended"] = ended;
    }
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "user.update",
                    .subject = Subject("user", id),
                    .details = Details(details)})
        .transform([](int64_t) {});
  }));
  return result;
}

Result<std::string> Auth::ResetPassword(std::string_view actor, int64_t id) {
  FG_ASSIGN_OR_RETURN(User user, GetUser(id));
  std::string password = GenerateTemporaryPassword(user.username);
  FG_ASSIGN_OR_RETURN(std::string hash, Hash(password));
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(auto row, internal::LoadUser(c, id));
    if (!row) return NotFound("console user " + std::to_string(id) + " does not exist");
    core::WallTime now = clock_.WallNow();
    FG_RETURN_IF_ERROR(
        internal::RememberPassword(c, id, row->password_hash, now, options_.password_history - 1));
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE auth_users SET password_hash = ?, must_change_password = 1, "
               "password_changed_at = ? WHERE id = ?",
               {hash, core::ToUnixMicros(now), id}));
    FG_ASSIGN_OR_RETURN(int64_t ended, internal::EndSessions(c, id, now, "password_reset"));
    // A reset by an admin also lifts a lockout (PCI DSS 8.3.4: "until an admin unlocks").
    FG_RETURN_IF_ERROR(c.Exec("DELETE FROM auth_lockouts WHERE user_id = ?", {id}));
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "user.password.reset",
                    .subject = Subject("user", id),
                    .details = Details({{"sessions_ended", ended}})})
        .transform([](int64_t) {});
  }));
  return password;
}

}  // namespace fg::auth
