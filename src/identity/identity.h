// identity: the one workforce account of each directory person, and every logon with it at a
// workstation — decided, tracked and reported.
//
// What it decides: whether an account may be created (employees and contractors who are hired
// or active, one account per person, usernames unique ignoring case across every account ever
// made: accounts are never deleted, so a name is never reused); whether a password is
// acceptable (auth/password.h's policy with the username and the person's name, history of 4);
// and whether a logon at a station is allowed. A logon decision checks, in this order, and
// names the first check that failed (docs/api.md, "Workstation logon"):
//   station (known, enabled) -> account (exists, enabled, person hired/active) -> lockout ->
//   source (station or address not banned) -> credentials (Argon2id password, TOTP when
//   enrolled or required) -> training (valid today for the station's campaign, or its zone's)
//   -> presence (badged into the station's zone) -> single_session (no live session elsewhere).
// Presence and single-session checks have a Mode: enforce (deny), monitor (allow, and say so
// in `alerts`) or off. A lockout or a ban is refused before any Argon2 work.
// An allowed logon of an account with a work schedule (schedule.h), outside every window in
// the local time of the station's site, is flagged "off_shift" in `alerts`, in the audit
// entry and on the AuthEvent; it is never denied for it (the detectors' rule, alert-only).
// Every decision, session change and account change commits together with its audit entry
// ("logon.allow", "logon.deny", "logon.logoff", "account.create"...). After it commits,
// identity publishes a logs::AuthEvent (for the detectors) and a SessionChanged (for the floor
// view) on the bus. When the directory publishes that a person was terminated or suspended,
// the account is disabled and its sessions end at once (actor "system").
// What it never does: keep, log, audit or publish a password, a TOTP seed or code, or a
// recovery code (hashes and sealed seeds stay in its tables); speak HTTP; count failures
// (the detectors do, and call LockAccount / BanSource).
// Thread-safety: Identity is thread-safe. Argon2 runs on the caller's thread, at most
// Options::max_concurrent_hashes at once, never on the store's writer.
//
//   identity::Identity identity(db, log, directory, clock, bus, {.password = params});
//   FG_ASSIGN_OR_RETURN(auto created, identity.CreateAccount("user:admin", person_id, "ada"));
//   FG_ASSIGN_OR_RETURN(auto decision, identity.Decide({.station_id = 7, .username = "ada",
//                                                       .password = typed}));
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "auth/password.h"
#include "auth/secret_box.h"
#include "core/clock.h"
#include "core/event_bus.h"
#include "core/result.h"
#include "directory/directory.h"
#include "store/store.h"

namespace fg::identity {

// How a monitorable check acts.
enum class Mode {
  kEnforce,  // a failure denies
  kMonitor,  // a failure is allowed and flagged in LogonDecision::alerts (and the AuthEvent)
  kOff,      // not checked
};
std::string_view ModeName(Mode mode);  // "enforce", "monitor", "off"
std::optional<Mode> ParseMode(std::string_view name);

// Whether a person is inside a zone. Owned by identity, implemented by the access-control
// module; until it exists, ReportedPresence (below) stands in.
class Presence {
 public:
  virtual ~Presence() = default;
  virtual Result<bool> IsPresent(int64_t person_id, int64_t zone_id, core::WallTime at) = 0;
};

// Presence from POST /api/v1/presence: the person's last report says "in" for exactly this
// zone (a report for a child zone does not count for its parent, nor the reverse). A report
// older than `max_age` no longer counts (a badge-in without badge-out does not last forever).
class ReportedPresence final : public Presence {
 public:
  explicit ReportedPresence(store::Database& db,
                            std::chrono::hours max_age = std::chrono::hours(16))
      : db_(db), max_age_(max_age) {}
  Result<bool> IsPresent(int64_t person_id, int64_t zone_id, core::WallTime at) override;

 private:
  store::Database& db_;
  std::chrono::hours max_age_;
};

struct Options {
  auth::PasswordParams password;
  // A session without a heartbeat for this long shows as idle and must be unlocked with the
  // password again (PCI DSS 8.2.8: 15 minutes at most).
  std::chrono::minutes idle_timeout{15};
  // Sweep() ends sessions idle for longer than this ("logon.session.expire"); they no longer
  // count as a session elsewhere from then on, swept or not.
  std::chrono::minutes session_end_after_idle{8 * 60};
  Mode presence_mode = Mode::kMonitor;
  Mode single_session_mode = Mode::kEnforce;
  // Every account must present TOTP; one without an enrolment is denied totp_required.
  bool require_totp = false;
  // Lock a person's sessions at stations in a zone they badge out of (PersonLeftZone).
  bool walk_away_lock = true;
  int max_concurrent_hashes = 4;
  // A logon this long before a schedule window starts is on shift (agents arrive early).
  std::chrono::minutes shift_grace{15};
  // A new password must differ from this many most recent ones (PCI DSS 8.3.7: four).
  int password_history = 4;
  int recovery_codes = 10;
  std::string totp_issuer = "floorguard";
  // Passwords refused on top of the built-in list. Not owned; outlives Identity.
  const auth::Blocklist* extra_blocklist = nullptr;
};

// --- Accounts ---

struct Account {
  int64_t id = 0;
  int64_t person_id = 0;
  std::string person_name;  // from the directory, at the time of reading
  std::string username;     // lower-case [a-z0-9._-], 3..64
  bool must_change_password = false;
  bool disabled = false;
  std::string disabled_reason;  // "admin", "person_terminated", "person_suspended"
  bool totp_enabled = false;
  core::WallTime created_at;
  std::optional<core::WallTime> password_changed_at;
  std::optional<core::WallTime> locked_until;  // an active lockout
  // Canonical schedule text (schedule.h); none: the account is never off shift.
  std::optional<std::string> schedule;
};

struct CreatedAccount {
  Account account;
  std::optional<std::string> temporary_password;  // when generated: show it once
};

struct TotpEnrolment {
  std::string secret;       // base32, to type in by hand
  std::string otpauth_uri;  // otpauth://totp/...
  std::string qr_svg;       // the URI as a QR code
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<int64_t> next_cursor;  // pass back as `cursor` for the next page
};

// --- Logon ---

struct LogonRequest {
  int64_t station_id = 0;  // from the workstation's device token, never from the body
  std::string username;
  std::string password;
  std::string totp;            // a 6-digit code or a recovery code; may be empty
  std::string source_address;  // the workstation's address, when known
};

enum class Verdict { kAllow, kDeny };

// The checks, in the order they run.
enum class Check {
  kNone,
  kStation,
  kAccount,
  kLockout,
  kSource,
  kCredentials,
  kTraining,
  kPresence,
  kSingleSession
};
std::string_view CheckName(Check check);  // "station", "account", ... ("" for kNone)

enum class SessionState { kActive, kLocked, kIdle, kEnded };
std::string_view SessionStateName(SessionState state);

struct StationSession {
  int64_t id = 0;
  int64_t station_id = 0;
  std::string workstation_id;
  int64_t account_id = 0;
  std::string username;
  int64_t person_id = 0;
  std::string person_name;
  core::WallTime started_at;
  std::optional<core::WallTime> ended_at;
  std::string end_reason;  // "logoff", "expired", "replaced", "person_terminated"...
  SessionState state = SessionState::kActive;  // idle is computed from last_heartbeat_at
  core::WallTime last_heartbeat_at;
  std::string source_address;
};

struct LogonDecision {
  Verdict verdict = Verdict::kDeny;
  Check check = Check::kNone;             // the check that failed; kNone on allow
  std::string reason;                     // "station_unknown", "bad_password"... ; empty on allow
  std::string message;                    // a sentence a workstation may show
  std::optional<StationSession> session;  // on allow
  std::optional<Account> account;         // on allow
  bool must_change_password = false;
  // Allowed, but flagged: monitor-mode passes ("no_presence", "session_elsewhere") and
  // "off_shift".
  std::vector<std::string> alerts;
};

// Published by whoever tracks presence (access: a granted badge passage) when a person leaves
// a zone. Identity locks that person's active sessions at stations in the zone (walk-away:
// an unattended screen must not stay logged on), when Options::walk_away_lock.
struct PersonLeftZone {
  int64_t person_id = 0;
  int64_t zone_id = 0;
  core::WallTime at{};
};

// Published after a session started, changed state or ended (state kEnded).
struct SessionChanged {
  int64_t station_id = 0;
  int64_t session_id = 0;
  SessionState state = SessionState::kActive;
};

// A station or address refused at logon until `until` (detectors' bans).
struct SourceBan {
  std::string source;  // "station:WS-12", "address:10.0.0.5"
  core::WallTime banned_at;
  core::WallTime until;
  int64_t repeats = 1;  // bans of this source so far
  std::string reason;
  std::string banned_by;
};

// Published after an operator lifted a ban, so the detectors forget the source's failures.
struct SourceUnbanned {
  std::string source;
};

// Published after an operator lifted an account's lockout (unlock, password reset), so the
// detectors forget its failures and a renewed attack locks it again at once.
struct AccountUnlocked {
  std::string username;
};

// --- Reports ---

struct FloorStation {
  int64_t station_id = 0;
  std::string workstation_id;
  bool enabled = true;
  std::optional<StationSession> session;  // the one open session, if any
};
struct FloorZone {
  int64_t zone_id = 0;
  std::string zone_name;
  int64_t site_id = 0;
  std::vector<FloorStation> stations;
};

struct LogonAttempt {
  int64_t id = 0;
  core::WallTime time;
  int64_t station_id = 0;
  std::string workstation_id;
  std::optional<int64_t> account_id;
  std::string username;  // as given
  std::string source_address;
  std::string decision;  // "allow" | "deny"
  std::string check;
  std::string reason;
  std::string kind;  // "logon" | "unlock" | "password"
};

struct LockedAccount {
  int64_t account_id = 0;
  std::string username;
  int64_t person_id = 0;
  core::WallTime locked_at;
  core::WallTime until;
  std::string reason;
  std::string locked_by;
};

inline constexpr int kMaxReportRows = 10000;

class Identity {
 public:
  // `presence` may be null: a ReportedPresence over `db` is used. `secret_box` may be null:
  // TOTP enrolment then answers FailedPrecondition, and TOTP codes cannot be checked (an
  // account with TOTP is denied totp_required; recovery codes still work). Subscribes to
  // directory::PersonStatusChanged on `bus` for its lifetime.
  Identity(store::Database& db, audit::Log& log, directory::Directory& directory,
           core::Clock& clock, core::EventBus& bus, Options options = {},
           Presence* presence = nullptr, const auth::SecretBox* secret_box = nullptr);
  ~Identity();
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;

  // Schema of module "identity": db.Migrate("identity", Identity::Migrations()).
  static std::span<const store::Migration> Migrations();

  // --- Accounts. `actor` is the audit actor ("user:admin").
  // InvalidArgument on "person_id" for a person who is not an employee or contractor, or not
  // hired or active; AlreadyExists on "person_id" when the person has an account and on
  // "username" when any account ever had the name. Without a password a temporary one is
  // generated (returned once); either way it must be changed at first use (PCI DSS 8.3.5).
  // A schedule must parse (schedule.h; InvalidArgument on "schedule").
  Result<CreatedAccount> CreateAccount(std::string_view actor, int64_t person_id,
                                       std::string_view username,
                                       std::optional<std::string> password = std::nullopt,
                                       std::optional<std::string> schedule = std::nullopt);
  Result<Account> GetAccount(int64_t id);
  Result<std::optional<Account>> FindAccount(std::string_view username);
  Result<std::optional<Account>> FindAccountOfPerson(int64_t person_id);
  Result<Page<Account>> ListAccounts(int limit = 50, std::optional<int64_t> cursor = {});
  // A new temporary password (returned once); ends the account's sessions, lifts a lockout.
  Result<std::string> ResetPassword(std::string_view actor, int64_t account_id);
  // `current` must match (InvalidArgument on "current_password"); `next` passes the policy and
  // differs from the last Options::password_history ones. Clears must_change_password.
  Result<void> ChangePassword(int64_t account_id, std::string_view current, std::string_view next);
  // Disabling ends the account's sessions. Enabling needs the person hired or active.
  Result<Account> SetDisabled(std::string_view actor, int64_t account_id, bool disabled);
  // Sets (or with nullopt clears) the account's work schedule; stored in canonical form and
  // audited as account.update with the old and new text. InvalidArgument on "schedule".
  Result<Account> SetSchedule(std::string_view actor, int64_t account_id,
                              std::optional<std::string> schedule);
  // Lifts every lockout of the account (NotFound when the account does not exist).
  Result<void> Unlock(std::string_view actor, int64_t account_id);
  Result<TotpEnrolment> BeginTotpEnrolment(std::string_view actor, int64_t account_id);
  // The recovery codes, shown once. InvalidArgument on "code" when it does not match.
  Result<std::vector<std::string>> ConfirmTotp(std::string_view actor, int64_t account_id,
                                               std::string_view code);
  Result<void> DisableTotp(std::string_view actor, int64_t account_id);

  // --- Workstation logon.
  // A deny is a decision; an Error means no decision could be made (the caller denies).
  Result<LogonDecision> Decide(const LogonRequest& request);
  // The session must belong to `station_id` (else NotFound). Logoff of an ended session
  // answers it unchanged. Lock and Heartbeat of an ended session are FailedPrecondition.
  Result<StationSession> Logoff(int64_t station_id, int64_t session_id);
  Result<StationSession> Lock(int64_t station_id, int64_t session_id);
  // Re-authenticates the session's account (checks account, lockout, source, credentials) and
  // makes a locked or idle session active again.
  Result<LogonDecision> Unlock(int64_t station_id, int64_t session_id, std::string_view password,
                               std::string_view totp, std::string_view source_address = {});
  // Activity at the station: refreshes an active session. An idle or locked one stays so
  // (only Unlock revives it) and is answered with its state.
  Result<StationSession> Heartbeat(int64_t station_id, int64_t session_id);
  // A password change from the workstation for the account of one of its open sessions (the
  // answer to must_change_password). Audited; a wrong current password counts as a failure.
  Result<void> ChangePasswordAtStation(int64_t station_id, int64_t session_id,
                                       std::string_view current, std::string_view next);
  // Ends sessions idle longer than Options::session_end_after_idle. Returns how many.
  Result<int64_t> Sweep();

  // --- Actions for the detectors (and operators). All audited.
  Result<void> LockAccount(std::string_view username, core::WallTime until, std::string_view reason,
                           std::string_view actor);
  // source_key: "station:WS-12" or "address:10.0.0.5" (logs::SourceKey).
  Result<void> BanSource(std::string_view source_key, core::WallTime until, std::string_view reason,
                         std::string_view actor);
  Result<bool> IsBanned(std::string_view source_key);
  // Bans in force now, latest first.
  Result<std::vector<SourceBan>> ActiveBans();
  // Ends a ban in force now (NotFound when there is none). Audited as source.unban.
  Result<void> LiftBan(std::string_view actor, std::string_view source_key);
  // Ends every open session of the account; returns how many.
  Result<int64_t> EndSessions(std::string_view username, std::string_view reason,
                              std::string_view actor);

  // Another source of presence (access: badge passages). A person counts as present when
  // any source says so; a source that fails counts as "not present" (fail closed). Call
  // before serving; the source must outlive this object.
  void AddPresenceSource(Presence* source) { extra_presence_.push_back(source); }

  // --- Presence reports (POST /api/v1/presence). Audited as presence.report.
  Result<void> ReportPresence(std::string_view actor, int64_t person_id, int64_t zone_id,
                              bool inside);

  // --- Reports.
  Result<std::vector<FloorZone>> FloorView();
  Result<StationSession> GetSession(int64_t session_id);
  // Sessions overlapping [from, to), oldest first, at most kMaxReportRows.
  Result<std::vector<StationSession>> StationHistory(int64_t station_id, core::WallTime from,
                                                     core::WallTime to);
  Result<std::vector<StationSession>> PersonHistory(int64_t person_id, core::WallTime from,
                                                    core::WallTime to);
  // Denied attempts in [from, to), newest first.
  Result<Page<LogonAttempt>> FailedLogons(core::WallTime from, core::WallTime to, int limit = 50,
                                          std::optional<int64_t> cursor = {});
  Result<std::vector<LockedAccount>> LockedAccounts();

  const Options& options() const { return options_; }

 private:
  struct State;
  struct Evaluation;
  Result<Account> LoadAccount(int64_t id);
  Result<std::string> Hash(std::string_view password);
  bool Verify(std::string_view hash, std::string_view password);
  Result<void> CheckNewPassword(const Account& account, std::string_view password);
  Result<LogonDecision> Commit(Evaluation& evaluation);
  void Publish(const Evaluation& evaluation, const LogonDecision& decision);
  void OnPersonStatusChanged(const directory::PersonStatusChanged& change);
  void OnPersonLeftZone(const PersonLeftZone& left);
  Result<StationSession> SetSessionState(int64_t station_id, int64_t session_id,
                                         std::string_view action);
  Result<StationSession> FillSession(StationSession session);
  SessionState Effective(SessionState stored, core::WallTime last_heartbeat) const;
  Result<void> EvaluateAccount(Evaluation& evaluation, std::optional<int64_t> account_id);
  Result<void> EvaluatePlace(Evaluation& evaluation, const directory::Station& station);
  // Flags an allowed logon outside the account's schedule (never denies; fails open).
  void EvaluateShift(Evaluation& evaluation, const directory::Station& station);
  // Announces sessions ended by an account change (SessionChanged and a logoff AuthEvent).
  void PublishEnded(const std::vector<StationSession>& ended);
  std::string WorkstationIdOf(int64_t station_id);

  store::Database& db_;
  audit::Log& log_;
  directory::Directory& directory_;
  core::Clock& clock_;
  core::EventBus& bus_;
  Options options_;
  std::unique_ptr<ReportedPresence> own_presence_;
  Presence* presence_;
  std::vector<Presence*> extra_presence_;
  const auth::SecretBox* secret_box_;
  std::unique_ptr<State> state_;
};

}  // namespace fg::identity
