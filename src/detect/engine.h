// detect engine: sliding-window detectors over authentication events.
//
// What it decides: whether an AuthEvent, together with the recent ones, is an attack or a
// policy breach worth a Finding — account brute force (PCI DSS 8.3.4: at most 10 failures,
// default 6 in 15 minutes, then a lock of at least 30 minutes), source brute force (a ban
// that doubles with each repeat), password spraying (one source, many accounts), distributed
// guessing (one account, many sources), credential sharing (one account logged on at two
// sources at once, or a reporter's concurrent_session flag), logon without badge presence,
// off-shift logon, and a lockout reported by Windows. A Finding says which rule, how severe,
// the evidence and the actions to take (lock account, ban source, end sessions).
// What it never does: any I/O. It stores nothing, calls nobody and runs no action; the
// Defender (defender.h) turns findings into alerts and actions.
// Windows use the event's time (clamped to the clock's now + max_clock_skew, so a far-future
// timestamp cannot poison state); pruning and suppression use the clock. Usernames compare
// case-insensitively (ASCII). Memory is bounded: each tracked map holds at most
// limits.max_tracked_keys keys (the least recently seen are evicted) and each key at most
// limits.max_events_per_key window entries.
// Thread-safety: Engine is thread-safe (one mutex); Observe may be called from any thread.
//
//   detect::Engine engine(clock, detect::Thresholds{});
//   for (const detect::Finding& f : engine.Observe(event)) defender_queue.push(f);
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "logs/auth_event.h"

namespace fg::detect {

using Seconds = std::chrono::seconds;

// Rule ids: stable strings stored in alerts and used as CEF signature ids.
inline constexpr std::string_view kAccountBruteForce = "account_brute_force";
inline constexpr std::string_view kSourceBruteForce = "source_brute_force";
inline constexpr std::string_view kPasswordSpraying = "password_spraying";
inline constexpr std::string_view kDistributedGuessing = "distributed_guessing";
inline constexpr std::string_view kCredentialSharing = "credential_sharing";
inline constexpr std::string_view kNoPresence = "no_presence";
inline constexpr std::string_view kOffShift = "off_shift";
inline constexpr std::string_view kWindowsLockout = "windows_lockout";

enum class Severity { kLow, kMedium, kHigh, kCritical };
std::string_view SeverityName(Severity severity);  // "low", "medium", "high", "critical"
std::optional<Severity> ParseSeverity(std::string_view name);

enum class ActionKind { kLockAccount, kBanSource, kEndSessions };
std::string_view ActionKindName(ActionKind kind);  // "lock_account", "ban_source", "end_sessions"

struct Action {
  ActionKind kind = ActionKind::kLockAccount;
  // The lower-cased username (lock, end sessions) or the logs::SourceKey (ban).
  std::string target;
  // How long the action holds; nullopt for end_sessions and for a lock that lasts until an
  // administrator lifts it.
  std::optional<Seconds> duration;
  // Clock now + duration, computed by the engine so every executor agrees on it.
  std::optional<core::WallTime> until;
};

struct Evidence {
  int count = 0;  // failures, or distinct accounts/sources, that crossed the threshold
  int threshold = 0;
  Seconds window{0};
  std::vector<std::string> distinct;  // distinct accounts or sources seen (at most 20 listed)
  core::WallTime first{};             // oldest and newest event counted
  core::WallTime last{};
  int repeat = 0;  // for bans: 1 for the first ban of this source, 2 for the next...
};

struct Finding {
  std::string rule;  // one of the k* rule ids above
  Severity severity = Severity::kMedium;
  std::string summary;  // one sentence for people
  std::string account;  // lower-cased; empty when the rule is about a source only
  std::string source;   // logs::SourceKey of the event ("station:W12", "address:10.0.0.7")
  Evidence evidence;
  std::vector<Action> actions;
};

// One struct per rule; every duration is in seconds. The Validate() field names
// ("account_brute_force.failures") are the config keys under [detect].
struct Thresholds {
  struct AccountBruteForce {
    bool enabled = true;
    int failures = 6;  // PCI DSS 8.3.4: at most 10
    Seconds window = std::chrono::minutes(15);
    Seconds lock_duration = std::chrono::minutes(30);  // PCI DSS 8.3.4: at least 30 min
    bool until_unlocked = false;  // the lock holds until an administrator lifts it
    Severity severity = Severity::kMedium;
  } account_brute_force;

  struct SourceBruteForce {
    bool enabled = true;
    int failures = 20;
    Seconds window = std::chrono::minutes(10);
    Seconds ban_duration = std::chrono::minutes(15);  // first ban; doubles with each repeat
    Seconds max_ban_duration = std::chrono::hours(24);
    Seconds forget_after = std::chrono::hours(24);  // repeats forgotten after a quiet day
    Severity severity = Severity::kMedium;
  } source_brute_force;

  struct PasswordSpraying {
    bool enabled = true;
    int distinct_accounts = 5;
    Seconds window = std::chrono::minutes(10);
    bool ban_source = true;  // the ban follows source_brute_force's growing durations
    Severity severity = Severity::kHigh;
  } password_spraying;

  struct DistributedGuessing {
    bool enabled = true;
    int distinct_sources = 5;
    Seconds window = std::chrono::minutes(30);
    bool lock_account = false;
    Seconds lock_duration = std::chrono::minutes(30);
    Severity severity = Severity::kHigh;
  } distributed_guessing;

  struct CredentialSharing {
    bool enabled = true;
    // A success not followed by a logoff within this long counts as still logged on.
    Seconds session_window = std::chrono::hours(12);
    bool end_sessions = true;
    Severity severity = Severity::kHigh;
  } credential_sharing;

  struct NoPresence {
    bool enabled = true;
    Severity severity = Severity::kMedium;
  } no_presence;

  struct OffShift {
    bool enabled = true;
    Severity severity = Severity::kMedium;
  } off_shift;

  struct WindowsLockout {
    bool enabled = true;
    Severity severity = Severity::kLow;
  } windows_lockout;

  struct Limits {
    int max_tracked_keys = 100000;  // per map (accounts, sources, suppressions)
    int max_events_per_key = 1000;  // window entries kept per account or source
    Seconds max_clock_skew = std::chrono::minutes(5);
    // An alert-only rule (no presence, off shift, lockout, concurrent session) fires once per
    // account and source within this long.
    Seconds dedupe_window = std::chrono::minutes(10);
  } limits;

  // InvalidArgument naming the field ("account_brute_force.failures") for a value outside
  // its range: failures 1..10 and lock_duration >= 30 min for accounts (PCI DSS 8.3.4),
  // positive windows and counts, counts at most limits.max_events_per_key.
  Result<void> Validate() const;
};

struct EngineStats {
  uint64_t events = 0;
  uint64_t findings = 0;
  uint64_t tracked_accounts = 0;
  uint64_t tracked_sources = 0;
  uint64_t suppressions = 0;   // active duplicate-suppression entries
  uint64_t evicted_keys = 0;   // keys dropped because a map was full
  uint64_t clamped_times = 0;  // events whose time lay beyond now + max_clock_skew
};

class Engine {
 public:
  // `thresholds` should have passed Validate(); out-of-range values are clamped to sane ones.
  Engine(core::Clock& clock, Thresholds thresholds);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Feeds one event; returns the findings it completes (usually none).
  std::vector<Finding> Observe(const logs::AuthEvent& event);

  // Forgets an account's failures and suppressions (call after an administrator unlocks it,
  // so the next attack fires again).
  void ClearAccount(std::string_view username);
  // Forgets a source's failures, ban state and suppressions (after an administrator unbans).
  void ClearSource(std::string_view source_key);

  EngineStats Stats() const;
  const Thresholds& thresholds() const { return thresholds_; }

 private:
  struct State;
  core::Clock& clock_;
  const Thresholds thresholds_;
  mutable std::mutex mu_;
  std::unique_ptr<State> state_;
};

// ASCII lower case: how usernames are compared.
std::string LowerAscii(std::string_view text);

}  // namespace fg::detect
