// Workforce accounts: creation, passwords, disabling, lockouts and bans, TOTP, and the
// reaction to a person's termination. Logon decisions live in logon.cc, reports in reports.cc.
#include <algorithm>

#include "auth/qr.h"
#include "auth/totp.h"
#include "identity/identity.h"
#include "identity/internal/common.h"
#include "identity/schedule.h"
#include "logs/auth_event.h"

namespace fg::identity {

namespace {

using internal::AccountRow;
using internal::Details;
using internal::FailedPrecondition;
using internal::Micros;
using internal::Subject;
using Json = nlohmann::json;

// Holds one Argon2 slot for as long as it lives.
class HashSlot {
 public:
  explicit HashSlot(std::counting_semaphore<>& slots) : slots_(slots) { slots_.acquire(); }
  ~HashSlot() { slots_.release(); }
  HashSlot(const HashSlot&) = delete;
  HashSlot& operator=(const HashSlot&) = delete;

 private:
  std::counting_semaphore<>& slots_;
};

bool MayHoldAccount(const directory::Person& person) {
  return person.kind == directory::PersonKind::kEmployee ||
         person.kind == directory::PersonKind::kContractor;
}

bool IsWorking(directory::PersonStatus status) {
  return status == directory::PersonStatus::kHired || status == directory::PersonStatus::kActive;
}

Result<void> RememberPassword(store::Connection& c, int64_t account_id, std::string_view hash,
                              int64_t now, int keep) {
  if (keep <= 0) return {};
  FG_RETURN_IF_ERROR(
      c.Exec("INSERT INTO identity_password_history (account_id, password_hash, replaced_at) "
             "VALUES (?, ?, ?)",
             {account_id, hash, now}));
  return c
      .Exec(
          "DELETE FROM identity_password_history WHERE account_id = ?1 AND id NOT IN (SELECT id "
          "FROM identity_password_history WHERE account_id = ?1 ORDER BY id DESC LIMIT ?2)",
          {account_id, keep})
      .transform([](int64_t) {});
}

}  // namespace

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kEnforce:
      return "enforce";
    case Mode::kMonitor:
      return "monitor";
    case Mode::kOff:
      return "off";
  }
  return "off";
}

std::optional<Mode> ParseMode(std::string_view name) {
  if (name == "enforce") return Mode::kEnforce;
  if (name == "monitor") return Mode::kMonitor;
  if (name == "off") return Mode::kOff;
  return std::nullopt;
}

Identity::Identity(store::Database& db, audit::Log& log, directory::Directory& directory,
                   core::Clock& clock, core::EventBus& bus, Options options, Presence* presence,
                   const auth::SecretBox* secret_box)
    : db_(db),
      log_(log),
      directory_(directory),
      clock_(clock),
      bus_(bus),
      options_(std::move(options)),
      presence_(presence),
      secret_box_(secret_box),
      state_(std::make_unique<State>(options_.max_concurrent_hashes)) {
  if (presence_ == nullptr) {
    own_presence_ = std::make_unique<ReportedPresence>(db_);
    presence_ = own_presence_.get();
  }
  // If even this fails (out of memory), unknown names are answered faster; the answer is
  // the same.
  state_->dummy_hash = Hash(auth::GenerateTemporaryPassword("")).value_or("");
  state_->person_status = bus_.Subscribe<directory::PersonStatusChanged>(
      [this](const directory::PersonStatusChanged& change) { OnPersonStatusChanged(change); });
  if (options_.walk_away_lock) {
    state_->left_zone = bus_.Subscribe<PersonLeftZone>(
        [this](const PersonLeftZone& left) { OnPersonLeftZone(left); });
  }
}

Identity::~Identity() {
  state_->person_status.Reset();
  state_->left_zone.Reset();
}

Result<std::string> Identity::Hash(std::string_view password) {
  HashSlot slot(state_->hash_slots);
  return auth::HashPassword(password, options_.password);
}

bool Identity::Verify(std::string_view hash, std::string_view password) {
  if (password.size() > auth::kMaxPasswordBytes) return false;
  HashSlot slot(state_->hash_slots);
  return auth::VerifyPassword(hash, password);
}

Result<Account> Identity::LoadAccount(int64_t id) {
  int64_t now = Micros(clock_.WallNow());
  FG_ASSIGN_OR_RETURN(auto row, db_.Read([&](store::Connection& c) {
    return internal::LoadAccountRow(c, id, now);
  }));
  if (!row) return NotFound("account " + std::to_string(id) + " does not exist");
  auto person = directory_.GetPerson(row->account.person_id);
  if (person) row->account.person_name = person->name;
  return std::move(row->account);
}

Result<Account> Identity::GetAccount(int64_t id) { return LoadAccount(id); }

Result<std::optional<Account>> Identity::FindAccount(std::string_view username) {
  std::string name = internal::AsciiLower(username);
  if (!internal::PlausibleUsername(name)) return std::optional<Account>();
  int64_t now = Micros(clock_.WallNow());
  FG_ASSIGN_OR_RETURN(auto row, db_.Read([&](store::Connection& c) {
    return internal::LoadAccountRowByName(c, name, now);
  }));
  if (!row) return std::optional<Account>();
  FG_ASSIGN_OR_RETURN(Account account, LoadAccount(row->account.id));
  return std::optional<Account>(std::move(account));
}

Result<std::optional<Account>> Identity::FindAccountOfPerson(int64_t person_id) {
  int64_t now = Micros(clock_.WallNow());
  FG_ASSIGN_OR_RETURN(auto row, db_.Read([&](store::Connection& c) {
    return internal::LoadAccountRowByPerson(c, person_id, now);
  }));
  if (!row) return std::optional<Account>();
  FG_ASSIGN_OR_RETURN(Account account, LoadAccount(row->account.id));
  return std::optional<Account>(std::move(account));
}

Result<Page<Account>> Identity::ListAccounts(int limit, std::optional<int64_t> cursor) {
  limit = std::clamp(limit, 1, 1000);
  std::vector<int64_t> ids;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT id FROM identity_accounts WHERE id > ? ORDER BY id LIMIT ?",
                  {cursor.value_or(0), limit + 1},
                  [&](const store::Row& row) { ids.push_back(row.Int(0)); });
  }));
  Page<Account> page;
  if (static_cast<int>(ids.size()) > limit) {
    ids.pop_back();
    page.next_cursor = ids.back();
  }
  for (int64_t id : ids) {
    FG_ASSIGN_OR_RETURN(Account account, LoadAccount(id));
    page.items.push_back(std::move(account));
  }
  return page;
}

Result<CreatedAccount> Identity::CreateAccount(std::string_view actor, int64_t person_id,
                                               std::string_view username,
                                               std::optional<std::string> password,
                                               std::optional<std::string> schedule) {
  FG_ASSIGN_OR_RETURN(std::string name, internal::NormaliseUsername(username));
  std::optional<std::string> schedule_text;
  if (schedule) {
    FG_ASSIGN_OR_RETURN(Schedule parsed, Schedule::Parse(*schedule));
    schedule_text = parsed.text();
  }
  auto person = directory_.GetPerson(person_id);
  if (!person) {
    if (person.error().code == ErrorCode::kNotFound) {
      return InvalidArgument("person_id",
                             "person " + std::to_string(person_id) + " does not exist");
    }
    return tl::unexpected(person.error());
  }
  if (!MayHoldAccount(*person)) {
    return InvalidArgument("person_id", "only employees and contractors hold accounts");
  }
  if (!IsWorking(person->status)) {
    return InvalidArgument(
        "person_id", "the person is " + std::string(directory::PersonStatusName(person->status)) +
                         "; only hired or active people get an account");
  }
  // Cheap checks first, so a taken name costs no Argon2 run; the write checks again.
  auto taken = [&](store::Connection& c) -> Result<void> {
    bool person_has = false, name_taken = false;
    FG_RETURN_IF_ERROR(c.Exec(
        "SELECT COALESCE(SUM(person_id = ?), 0), COALESCE(SUM(username = ? COLLATE NOCASE), 0) "
        "FROM identity_accounts",
        {person_id, name}, [&](const store::Row& row) {
          person_has = row.Int(0) != 0;
          name_taken = row.Int(1) != 0;
        }));
    if (person_has) {
      return internal::AlreadyExists(
          "person_id", "person " + std::to_string(person_id) + " already has an account");
    }
    if (name_taken) {
      return internal::AlreadyExists(
          "username", "the username '" + name + "' is or was in use; usernames are never reused");
    }
    return {};
  };
  FG_RETURN_IF_ERROR(db_.Read(taken));
  if (password) {
    FG_RETURN_IF_ERROR(auth::CheckPasswordPolicy(
        *password,
        {.username = name, .person_name = person->name, .extra = options_.extra_blocklist}));
  }
  bool generated = !password.has_value();
  std::string secret = generated ? auth::GenerateTemporaryPassword(name) : std::move(*password);
  FG_ASSIGN_OR_RETURN(std::string hash, Hash(secret));
  int64_t now = Micros(clock_.WallNow());
  int64_t id = 0;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(taken(c));
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO identity_accounts (person_id, username, password_hash, "
               "must_change_password, created_at, schedule) VALUES (?, ?, ?, 1, ?, ?)",
               {person_id, name, hash, now, schedule_text}));
    id = c.LastInsertRowId();
    Json details = {{"person_id", person_id},
                    {"username", name},
                    {"password", generated ? "generated" : "set_by_admin"}};
    if (schedule_text) details["schedule"] = *schedule_text;
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "account.create",
                    .subject = Subject("account", id),
                    .details = Details(details)})
        .transform([](int64_t) {});
  }));
  FG_ASSIGN_OR_RETURN(Account account, LoadAccount(id));
  CreatedAccount created{.account = std::move(account)};
  if (generated) created.temporary_password = std::move(secret);
  return created;
}

Result<void> Identity::CheckNewPassword(const Account& account, std::string_view password) {
  FG_RETURN_IF_ERROR(auth::CheckPasswordPolicy(password, {.username = account.username,
                                                          .person_name = account.person_name,
                                                          .extra = options_.extra_blocklist}));
  std::vector<std::string> previous;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.Exec("SELECT password_hash FROM identity_accounts WHERE id = ?",
                              {account.id},
                              [&](const store::Row& row) { previous.push_back(row.Text(0)); }));
    return c
        .Exec(
            "SELECT password_hash FROM identity_password_history WHERE account_id = ? ORDER BY "
            "id DESC LIMIT ?",
            {account.id, std::max(0, options_.password_history - 1)},
            [&](const store::Row& row) { previous.push_back(row.Text(0)); })
        .transform([](int64_t) {});
  }));
  for (const std::string& hash : previous) {
    if (Verify(hash, password)) {
      return InvalidArgument(
          "new_password",
          "must differ from the last " + std::to_string(options_.password_history) + " passwords");
    }
  }
  return {};
}

Result<std::string> Identity::ResetPassword(std::string_view actor, int64_t account_id) {
  FG_ASSIGN_OR_RETURN(Account account, LoadAccount(account_id));
  std::string password = auth::GenerateTemporaryPassword(account.username);
  FG_ASSIGN_OR_RETURN(std::string hash, Hash(password));
  std::vector<StationSession> ended;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t now = Micros(clock_.WallNow());
    FG_ASSIGN_OR_RETURN(auto row, internal::LoadAccountRow(c, account_id, now));
    if (!row) return NotFound("account " + std::to_string(account_id) + " does not exist");
    FG_RETURN_IF_ERROR(
        RememberPassword(c, account_id, row->password_hash, now, options_.password_history - 1));
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE identity_accounts SET password_hash = ?, must_change_password = 1, "
               "password_changed_at = ? WHERE id = ?",
               {hash, now, account_id}));
    FG_ASSIGN_OR_RETURN(ended,
                        internal::EndOpenSessions(c, log_, "s.account_id = ?", account_id, now,
                                                  "password_reset", actor, "logon.session.end"));
    // A reset by an admin also lifts a lockout (PCI DSS 8.3.4).
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE identity_lockouts SET lifted_at = ?, lifted_by = ? WHERE account_id = ? AND "
               "lifted_at IS NULL",
               {now, actor, account_id}));
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "account.password.reset",
                    .subject = Subject("account", account_id),
                    .details = Details({{"sessions_ended", ended.size()}})})
        .transform([](int64_t) {});
  }));
  PublishEnded(ended);
  bus_.Publish(AccountUnlocked{.username = account.username});
  return password;
}

Result<void> Identity::ChangePassword(int64_t account_id, std::string_view current,
                                      std::string_view next) {
  FG_ASSIGN_OR_RETURN(Account account, LoadAccount(account_id));
  FG_ASSIGN_OR_RETURN(auto row, db_.Read([&](store::Connection& c) {
    return internal::LoadAccountRow(c, account_id, Micros(clock_.WallNow()));
  }));
  if (!row) return NotFound("account " + std::to_string(account_id) + " does not exist");
  if (!Verify(row->password_hash, current)) {
    FG_RETURN_IF_ERROR(log_.AppendDurably({.actor = "account:" + account.username,
                                           .action = "account.password.change.denied",
                                           .subject = Subject("account", account_id),
                                           .details = Details({{"reason", "bad_password"}})}));
    return InvalidArgument("current_password", "is not the current password");
  }
  FG_RETURN_IF_ERROR(CheckNewPassword(account, next));
  FG_ASSIGN_OR_RETURN(std::string hash, Hash(next));
  return db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t now = Micros(clock_.WallNow());
    FG_ASSIGN_OR_RETURN(auto current_row, internal::LoadAccountRow(c, account_id, now));
    if (!current_row || current_row->password_hash != row->password_hash) {
      return FailedPrecondition("the password changed meanwhile; try again");
    }
    FG_RETURN_IF_ERROR(
        RememberPassword(c, account_id, row->password_hash, now, options_.password_history - 1));
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE identity_accounts SET password_hash = ?, must_change_password = 0, "
               "password_changed_at = ? WHERE id = ?",
               {hash, now, account_id}));
    return log_
        .Append(c, {.actor = "account:" + account.username,
                    .action = "account.password.change",
                    .subject = Subject("account", account_id)})
        .transform([](int64_t) {});
  });
}

Result<Account> Identity::SetDisabled(std::string_view actor, int64_t account_id, bool disabled) {
  FG_ASSIGN_OR_RETURN(Account account, LoadAccount(account_id));
  if (!disabled) {
    FG_ASSIGN_OR_RETURN(directory::Person person, directory_.GetPerson(account.person_id));
    if (!IsWorking(person.status)) {
      return FailedPrecondition("the person is " +
                                std::string(directory::PersonStatusName(person.status)) +
                                "; only a hired or active person's account can be enabled");
    }
  }
  if (account.disabled == disabled) return account;
  std::vector<StationSession> ended;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t now = Micros(clock_.WallNow());
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE identity_accounts SET disabled = ?, disabled_reason = ? WHERE id = ?",
               {disabled, disabled ? "admin" : "", account_id}));
    if (disabled) {
      FG_ASSIGN_OR_RETURN(
          ended, internal::EndOpenSessions(c, log_, "s.account_id = ?", account_id, now,
                                           "account_disabled", actor, "logon.session.end"));
    }
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = disabled ? "account.disable" : "account.enable",
                    .subject = Subject("account", account_id),
                    .details = Details({{"sessions_ended", ended.size()}})})
        .transform([](int64_t) {});
  }));
  PublishEnded(ended);
  return LoadAccount(account_id);
}

Result<Account> Identity::SetSchedule(std::string_view actor, int64_t account_id,
                                      std::optional<std::string> schedule) {
  std::optional<std::string> text;
  if (schedule) {
    FG_ASSIGN_OR_RETURN(Schedule parsed, Schedule::Parse(*schedule));
    text = parsed.text();
  }
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    std::optional<std::optional<std::string>> old;
    FG_RETURN_IF_ERROR(c.Exec("SELECT schedule FROM identity_accounts WHERE id = ?", {account_id},
                              [&](const store::Row& row) { old = row.OptText(0); }));
    if (!old) return NotFound("account " + std::to_string(account_id) + " does not exist");
    if (*old == text) return {};  // nothing changed, nothing to audit
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE identity_accounts SET schedule = ? WHERE id = ?", {text, account_id}));
    auto value = [](const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); };
    return log_
        .Append(c,
                {.actor = std::string(actor),
                 .action = "account.update",
                 .subject = Subject("account", account_id),
                 .details = Details({{"schedule", {{"old", value(*old)}, {"new", value(text)}}}})})
        .transform([](int64_t) {});
  }));
  return LoadAccount(account_id);
}

Result<void> Identity::Unlock(std::string_view actor, int64_t account_id) {
  FG_ASSIGN_OR_RETURN(Account account, LoadAccount(account_id));
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t now = Micros(clock_.WallNow());
    FG_ASSIGN_OR_RETURN(int64_t lifted,
                        c.Exec("UPDATE identity_lockouts SET lifted_at = ?, lifted_by = ? WHERE "
                               "account_id = ? AND lifted_at IS NULL AND until > ?",
                               {now, actor, account_id, now}));
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "account.unlock",
                    .subject = Subject("account", account_id),
                    .details = Details({{"username", account.username}, {"lockouts", lifted}})})
        .transform([](int64_t) {});
  }));
  bus_.Publish(AccountUnlocked{.username = account.username});
  return {};
}

Result<void> Identity::LockAccount(std::string_view username, core::WallTime until,
                                   std::string_view reason, std::string_view actor) {
  std::string name = internal::AsciiLower(username);
  int64_t now = Micros(clock_.WallNow());
  if (Micros(until) <= now) return InvalidArgument("until", "must be in the future");
  return db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(auto row, internal::LoadAccountRowByName(c, name, now));
    if (!row) return NotFound("no account is named '" + name + "'");
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO identity_lockouts (account_id, locked_at, until, reason, locked_by) "
               "VALUES (?, ?, ?, ?, ?)",
               {row->account.id, now, Micros(until), reason, actor}));
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "account.lock",
                    .subject = Subject("account", row->account.id),
                    .details = Details({{"username", name},
                                        {"until", core::FormatRfc3339(until)},
                                        {"reason", reason}})})
        .transform([](int64_t) {});
  });
}

Result<void> Identity::BanSource(std::string_view source_key, core::WallTime until,
                                 std::string_view reason, std::string_view actor) {
  if (!(source_key.starts_with("station:") || source_key.starts_with("address:")) ||
      source_key.size() < 9 || source_key.size() > 200) {
    return InvalidArgument("source", "must be station:<workstation id> or address:<address>");
  }
  int64_t now = Micros(clock_.WallNow());
  if (Micros(until) <= now) return InvalidArgument("until", "must be in the future");
  return db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO identity_source_bans (source_key, banned_at, until, repeats, reason, "
               "banned_by) VALUES (?1, ?2, ?3, 1, ?4, ?5) ON CONFLICT(source_key) DO UPDATE SET "
               "banned_at = ?2, until = MAX(until, ?3), repeats = repeats + 1, reason = ?4, "
               "banned_by = ?5",
               {source_key, now, Micros(until), reason, actor}));
    return log_
        .Append(c,
                {.actor = std::string(actor),
                 .action = "source.ban",
                 .subject = std::string(source_key),
                 .details = Details({{"until", core::FormatRfc3339(until)}, {"reason", reason}})})
        .transform([](int64_t) {});
  });
}

Result<bool> Identity::IsBanned(std::string_view source_key) {
  int64_t now = Micros(clock_.WallNow());
  FG_ASSIGN_OR_RETURN(auto until, db_.Read([&](store::Connection& c) {
    return internal::ActiveBanUntil(c, {std::string(source_key)}, now);
  }));
  return until.has_value();
}

Result<std::vector<SourceBan>> Identity::ActiveBans() {
  int64_t now = Micros(clock_.WallNow());
  return db_.Read([&](store::Connection& c) -> Result<std::vector<SourceBan>> {
    std::vector<SourceBan> bans;
    FG_RETURN_IF_ERROR(
        c.Exec("SELECT source_key, banned_at, until, repeats, reason, banned_by FROM "
               "identity_source_bans WHERE until > ? ORDER BY banned_at DESC LIMIT ?",
               {now, int64_t{kMaxReportRows}}, [&](const store::Row& row) {
                 bans.push_back({.source = row.Text(0),
                                 .banned_at = core::FromUnixMicros(row.Int(1)),
                                 .until = core::FromUnixMicros(row.Int(2)),
                                 .repeats = row.Int(3),
                                 .reason = row.Text(4),
                                 .banned_by = row.Text(5)});
               }));
    return bans;
  });
}

Result<void> Identity::LiftBan(std::string_view actor, std::string_view source_key) {
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t now = Micros(clock_.WallNow());
    FG_ASSIGN_OR_RETURN(int64_t lifted,
                        c.Exec("UPDATE identity_source_bans SET until = ? WHERE source_key = ? AND "
                               "until > ?",
                               {now, source_key, now}));
    if (lifted == 0) return NotFound("no ban in force on " + std::string(source_key));
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "source.unban",
                    .subject = std::string(source_key),
                    .details = "{}"})
        .transform([](int64_t) {});
  }));
  bus_.Publish(SourceUnbanned{.source = std::string(source_key)});
  return {};
}

Result<int64_t> Identity::EndSessions(std::string_view username, std::string_view reason,
                                      std::string_view actor) {
  std::string name = internal::AsciiLower(username);
  std::vector<StationSession> ended;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t now = Micros(clock_.WallNow());
    FG_ASSIGN_OR_RETURN(auto row, internal::LoadAccountRowByName(c, name, now));
    if (!row) return NotFound("no account is named '" + name + "'");
    FG_ASSIGN_OR_RETURN(
        ended, internal::EndOpenSessions(c, log_, "s.account_id = ?", row->account.id, now, reason,
                                         actor, "logon.session.end"));
    return {};
  }));
  PublishEnded(ended);
  return static_cast<int64_t>(ended.size());
}

void Identity::OnPersonStatusChanged(const directory::PersonStatusChanged& change) {
  using directory::PersonStatus;
  bool leaving = change.new_status == PersonStatus::kTerminated ||
                 change.new_status == PersonStatus::kSuspended;
  bool returning = change.old_status == PersonStatus::kSuspended && IsWorking(change.new_status);
  if (!leaving && !returning) return;
  std::string reason =
      change.new_status == PersonStatus::kTerminated ? "person_terminated" : "person_suspended";
  std::vector<StationSession> ended;
  auto done = db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t now = Micros(clock_.WallNow());
    FG_ASSIGN_OR_RETURN(auto row, internal::LoadAccountRowByPerson(c, change.person_id, now));
    if (!row) return {};
    int64_t id = row->account.id;
    if (returning) {
      // Only a suspension's own disabling is undone; an admin's stays.
      if (!row->account.disabled || row->account.disabled_reason != "person_suspended") return {};
      FG_RETURN_IF_ERROR(c.Exec(
          "UPDATE identity_accounts SET disabled = 0, disabled_reason = '' WHERE id = ?", {id}));
      return log_
          .Append(c, {.actor = "system",
                      .action = "account.enable",
                      .subject = Subject("account", id),
                      .details = Details({{"reason", "person_reinstated"}})})
          .transform([](int64_t) {});
    }
    // A termination overrides an earlier reason; a suspension keeps an admin's.
    if (!row->account.disabled || change.new_status == PersonStatus::kTerminated) {
      FG_RETURN_IF_ERROR(
          c.Exec("UPDATE identity_accounts SET disabled = 1, disabled_reason = ? WHERE id = ?",
                 {reason, id}));
    }
    FG_ASSIGN_OR_RETURN(ended, internal::EndOpenSessions(c, log_, "s.account_id = ?", id, now,
                                                         reason, "system", "logon.session.end"));
    return log_
        .Append(c, {.actor = "system",
                    .action = "account.disable",
                    .subject = Subject("account", id),
                    .details = Details({{"reason", reason}, {"sessions_ended", ended.size()}})})
        .transform([](int64_t) {});
  });
  if (!done) {
    // Decide also checks the person's status, so a failure here cannot let the person log on.
    (void)log_.AppendDurably({.actor = "system",
                              .action = "account.disable.failed",
                              .subject = Subject("person", change.person_id),
                              .details = Details({{"error", done.error().message}})});
    return;
  }
  PublishEnded(ended);
}

// --- TOTP ---

Result<TotpEnrolment> Identity::BeginTotpEnrolment(std::string_view actor, int64_t account_id) {
  if (secret_box_ == nullptr) {
    return FailedPrecondition("TOTP is not available: no secrets key is configured");
  }
  FG_ASSIGN_OR_RETURN(Account account, LoadAccount(account_id));
  if (account.totp_enabled) {
    return FailedPrecondition("TOTP is already enabled for '" + account.username +
                              "'; disable it before enrolling again");
  }
  TotpEnrolment enrolment;
  enrolment.secret = auth::totp::GenerateSecret();
  enrolment.otpauth_uri =
      auth::totp::OtpauthUri(options_.totp_issuer, account.username, enrolment.secret);
  FG_ASSIGN_OR_RETURN(enrolment.qr_svg, auth::QrSvg(enrolment.otpauth_uri));
  FG_ASSIGN_OR_RETURN(std::string sealed,
                      secret_box_->Seal(enrolment.secret, internal::TotpContext(account_id)));
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(int64_t changed,
                        c.Exec("UPDATE identity_accounts SET totp_sealed = ?, totp_confirmed = 0 "
                               "WHERE id = ? AND totp_confirmed = 0",
                               {sealed, account_id}));
    if (changed == 0) return FailedPrecondition("TOTP is already enabled");
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "account.totp.enrol",
                    .subject = Subject("account", account_id)})
        .transform([](int64_t) {});
  }));
  return enrolment;
}

Result<std::vector<std::string>> Identity::ConfirmTotp(std::string_view actor, int64_t account_id,
                                                       std::string_view code) {
  if (secret_box_ == nullptr) {
    return FailedPrecondition("TOTP is not available: no secrets key is configured");
  }
  int64_t now = Micros(clock_.WallNow());
  FG_ASSIGN_OR_RETURN(auto row, db_.Read([&](store::Connection& c) {
    return internal::LoadAccountRow(c, account_id, now);
  }));
  if (!row) return NotFound("account " + std::to_string(account_id) + " does not exist");
  if (!row->totp_sealed || row->totp_confirmed) {
    return FailedPrecondition("no TOTP enrolment is pending; start one first");
  }
  FG_ASSIGN_OR_RETURN(std::string secret,
                      secret_box_->Open(*row->totp_sealed, internal::TotpContext(account_id)));
  std::optional<int64_t> step = auth::totp::MatchStep(secret, code, clock_.WallNow());
  if (!step) {
    return InvalidArgument("code",
                           "does not match; check the device's clock and try the next code");
  }
  std::vector<std::string> codes = auth::totp::GenerateRecoveryCodes(options_.recovery_codes);
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(
        int64_t changed,
        c.Exec("UPDATE identity_accounts SET totp_confirmed = 1, totp_last_step = ? "
               "WHERE id = ? AND totp_confirmed = 0 AND totp_sealed = ?",
               {*step, account_id, *row->totp_sealed}));
    if (changed == 0)
      return FailedPrecondition("the TOTP enrolment changed meanwhile; start again");
    FG_RETURN_IF_ERROR(
        c.Exec("DELETE FROM identity_recovery_codes WHERE account_id = ?", {account_id}));
    for (const std::string& recovery : codes) {
      FG_RETURN_IF_ERROR(
          c.Exec("INSERT INTO identity_recovery_codes (account_id, code_hash, created_at) VALUES "
                 "(?, ?, ?)",
                 {account_id,
                  auth::totp::HashRecoveryCode(auth::totp::NormalizeRecoveryCode(recovery)), now}));
    }
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "account.totp.confirm",
                    .subject = Subject("account", account_id),
                    .details = Details({{"recovery_codes", codes.size()}})})
        .transform([](int64_t) {});
  }));
  return codes;
}

Result<void> Identity::DisableTotp(std::string_view actor, int64_t account_id) {
  FG_ASSIGN_OR_RETURN(Account account, LoadAccount(account_id));
  return db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(int64_t changed,
                        c.Exec("UPDATE identity_accounts SET totp_sealed = NULL, "
                               "totp_confirmed = 0, totp_last_step = 0 WHERE id = ? AND "
                               "totp_sealed IS NOT NULL",
                               {account_id}));
    if (changed == 0) return NotFound("'" + account.username + "' has no TOTP to disable");
    FG_RETURN_IF_ERROR(
        c.Exec("DELETE FROM identity_recovery_codes WHERE account_id = ?", {account_id}));
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "account.totp.disable",
                    .subject = Subject("account", account_id)})
        .transform([](int64_t) {});
  });
}

}  // namespace fg::identity
