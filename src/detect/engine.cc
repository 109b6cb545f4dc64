// The detectors. Each rule reads the per-account or per-source window it needs; every map is
// an LruMap so an attacker who sends random names cannot grow memory without bound.
#include "detect/engine.h"

#include <algorithm>
#include <array>
#include <deque>
#include <list>
#include <set>
#include <unordered_map>
#include <utility>

#include "detect/internal/text.h"

namespace fg::detect {

namespace {

using core::WallTime;

constexpr std::array<std::pair<Severity, std::string_view>, 4> kSeverities = {{
    {Severity::kLow, "low"},
    {Severity::kMedium, "medium"},
    {Severity::kHigh, "high"},
    {Severity::kCritical, "critical"},
}};

constexpr size_t kMaxListedDistinct = 20;
constexpr size_t kMaxSessionsPerAccount = 32;

// A map with a bound on its keys that forgets the least recently touched first.
template <typename V>
class LruMap {
 public:
  LruMap(size_t capacity, uint64_t* evicted) : capacity_(capacity), evicted_(evicted) {}

  V* Find(const std::string& key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second.value;
  }

  // The entry for key (created when absent), now the most recently touched.
  V& Touch(const std::string& key, WallTime now) {
    auto it = map_.find(key);
    if (it != map_.end()) {
      order_.splice(order_.end(), order_, it->second.position);
      it->second.seen = now;
      return it->second.value;
    }
    while (map_.size() >= capacity_ && !order_.empty()) {
      map_.erase(order_.front());
      order_.pop_front();
      ++*evicted_;
    }
    order_.push_back(key);
    auto [inserted, ok] = map_.emplace(key, Node{V{}, now, std::prev(order_.end())});
    (void)ok;
    return inserted->second.value;
  }

  void Erase(const std::string& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return;
    order_.erase(it->second.position);
    map_.erase(it);
  }

  // Drops entries not touched since cutoff. Touch order follows the clock, so the stale
  // ones are at the front.
  void ExpireBefore(WallTime cutoff) {
    while (!order_.empty()) {
      auto it = map_.find(order_.front());
      if (it->second.seen >= cutoff) break;
      map_.erase(it);
      order_.pop_front();
    }
  }

  size_t size() const { return map_.size(); }

 private:
  struct Node {
    V value;
    WallTime seen;
    std::list<std::string>::iterator position;
  };
  size_t capacity_;
  uint64_t* evicted_;
  std::unordered_map<std::string, Node> map_;
  std::list<std::string> order_;
};

// One failure: when, and the other side (the source for an account, the account for a
// source).
struct Failure {
  WallTime time;
  std::string other;
  bool consecutive = true;  // no success of the account arrived after it (PCI counts these)
};
using Failures = std::deque<Failure>;

struct Session {
  std::string source;
  WallTime since;
};

struct AccountState {
  Failures failures;
  std::optional<WallTime> locked_until;
  std::optional<WallTime> distributed_until;
  std::vector<Session> sessions;
};

struct SourceState {
  Failures failures;
  std::optional<WallTime> banned_until;
  std::optional<WallTime> spraying_until;
  int repeats = 0;
  WallTime last_ban_end{};
};

// What a window holds, anchored at its newest entry so a late event still completes it.
struct WindowView {
  int count = 0;
  std::set<std::string> distinct;
  WallTime first{};
  WallTime last{};
  WallTime start{};
};

enum class Count { kAll, kConsecutiveOnly };

WindowView Scan(const Failures& failures, Seconds window, Count which = Count::kAll) {
  WindowView view;
  if (failures.empty()) return view;
  view.start = failures.back().time - window;
  for (const Failure& f : failures) {
    if (f.time <= view.start) continue;
    if (which == Count::kConsecutiveOnly && !f.consecutive) continue;
    if (view.count == 0) view.first = f.time;
    view.last = f.time;
    ++view.count;
    if (!f.other.empty()) view.distinct.insert(f.other);
  }
  return view;
}

void Insert(Failures& failures, WallTime time, std::string other, size_t max_entries) {
  auto pos = std::upper_bound(failures.begin(), failures.end(), time,
                              [](WallTime t, const Failure& f) { return t < f.time; });
  failures.insert(pos, Failure{time, std::move(other)});
  while (failures.size() > max_entries) failures.pop_front();
}

void Prune(Failures& failures, WallTime cutoff) {
  while (!failures.empty() && failures.front().time <= cutoff) failures.pop_front();
}

bool InForce(const std::optional<WallTime>& until, WallTime now) { return until && *until > now; }

std::vector<std::string> Listed(const std::set<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    if (out.size() == kMaxListedDistinct) break;
    out.push_back(v);
  }
  return out;
}

std::string Minutes(Seconds s) {
  if (s.count() % 3600 == 0) return std::to_string(s.count() / 3600) + " h";
  if (s.count() % 60 == 0) return std::to_string(s.count() / 60) + " min";
  return std::to_string(s.count()) + " s";
}

Seconds AtLeastOne(Seconds s) { return std::max(s, Seconds(1)); }

Thresholds Sane(Thresholds t) {
  t.account_brute_force.failures = std::max(1, t.account_brute_force.failures);
  t.account_brute_force.window = AtLeastOne(t.account_brute_force.window);
  t.source_brute_force.failures = std::max(1, t.source_brute_force.failures);
  t.source_brute_force.window = AtLeastOne(t.source_brute_force.window);
  t.source_brute_force.ban_duration = AtLeastOne(t.source_brute_force.ban_duration);
  t.source_brute_force.max_ban_duration =
      std::max(t.source_brute_force.max_ban_duration, t.source_brute_force.ban_duration);
  t.password_spraying.distinct_accounts = std::max(1, t.password_spraying.distinct_accounts);
  t.password_spraying.window = AtLeastOne(t.password_spraying.window);
  t.distributed_guessing.distinct_sources = std::max(1, t.distributed_guessing.distinct_sources);
  t.distributed_guessing.window = AtLeastOne(t.distributed_guessing.window);
  t.limits.max_tracked_keys = std::max(1, t.limits.max_tracked_keys);
  t.limits.max_events_per_key = std::max(1, t.limits.max_events_per_key);
  return t;
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  for (const auto& [value, name] : kSeverities) {
    if (value == severity) return name;
  }
  return "unknown";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  for (const auto& [value, n] : kSeverities) {
    if (n == name) return value;
  }
  return std::nullopt;
}

std::string_view ActionKindName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kLockAccount:
      return "lock_account";
    case ActionKind::kBanSource:
      return "ban_source";
    case ActionKind::kEndSessions:
      return "end_sessions";
  }
  return "unknown";
}

std::string LowerAscii(std::string_view text) { return internal::LowerAscii(text); }

Result<void> Thresholds::Validate() const {
  auto positive = [](Seconds s, const char* field) -> Result<void> {
    if (s.count() <= 0) return InvalidArgument(field, "must be a positive duration");
    return {};
  };
  const int max_entries = limits.max_events_per_key;
  auto count = [&](int n, int lo, int hi, const char* field) -> Result<void> {
    if (n < lo || n > hi) {
      return InvalidArgument(field,
                             "must be from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    return {};
  };
  if (limits.max_tracked_keys < 1) {
    return InvalidArgument("limits.max_tracked_keys", "must be at least 1");
  }
  if (max_entries < 10) return InvalidArgument("limits.max_events_per_key", "must be at least 10");
  if (limits.max_clock_skew.count() < 0) {
    return InvalidArgument("limits.max_clock_skew", "must not be negative");
  }
  FG_RETURN_IF_ERROR(positive(limits.dedupe_window, "limits.dedupe_window"));

  const auto& abf = account_brute_force;
  if (abf.failures < 1 || abf.failures > 10) {
    return InvalidArgument("account_brute_force.failures",
                           "must be from 1 to 10 (PCI DSS 8.3.4 locks after at most 10 attempts)");
  }
  FG_RETURN_IF_ERROR(positive(abf.window, "account_brute_force.window"));
  if (abf.lock_duration < std::chrono::minutes(30)) {
    return InvalidArgument("account_brute_force.lock_duration",
                           "must be at least 30 minutes (PCI DSS 8.3.4)");
  }

  const auto& sbf = source_brute_force;
  FG_RETURN_IF_ERROR(count(sbf.failures, 1, max_entries, "source_brute_force.failures"));
  FG_RETURN_IF_ERROR(positive(sbf.window, "source_brute_force.window"));
  FG_RETURN_IF_ERROR(positive(sbf.ban_duration, "source_brute_force.ban_duration"));
  if (sbf.max_ban_duration < sbf.ban_duration) {
    return InvalidArgument("source_brute_force.max_ban_duration",
                           "must be at least source_brute_force.ban_duration");
  }
  FG_RETURN_IF_ERROR(positive(sbf.forget_after, "source_brute_force.forget_after"));

  FG_RETURN_IF_ERROR(count(password_spraying.distinct_accounts, 2, max_entries,
                           "password_spraying.distinct_accounts"));
  FG_RETURN_IF_ERROR(positive(password_spraying.window, "password_spraying.window"));

  const auto& dg = distributed_guessing;
  FG_RETURN_IF_ERROR(
      count(dg.distinct_sources, 2, max_entries, "distributed_guessing.distinct_sources"));
  FG_RETURN_IF_ERROR(positive(dg.window, "distributed_guessing.window"));
  if (dg.lock_account && dg.lock_duration < std::chrono::minutes(30)) {
    return InvalidArgument("distributed_guessing.lock_duration",
                           "must be at least 30 minutes (PCI DSS 8.3.4)");
  }
  FG_RETURN_IF_ERROR(
      positive(credential_sharing.session_window, "credential_sharing.session_window"));
  return {};
}

struct Engine::State {
  explicit State(const Thresholds& t)
      : accounts(static_cast<size_t>(t.limits.max_tracked_keys), &stats.evicted_keys),
        sources(static_cast<size_t>(t.limits.max_tracked_keys), &stats.evicted_keys),
        suppressed(static_cast<size_t>(t.limits.max_tracked_keys), &stats.evicted_keys) {}

  EngineStats stats;
  LruMap<AccountState> accounts;
  LruMap<SourceState> sources;
  LruMap<WallTime> suppressed;  // "rule\x1fsubject" -> until, for the alert-only rules
};

namespace {

// The work of one Observe call, with the state it reads and the findings it makes.
class Observation {
 public:
  Observation(const Thresholds& t, EngineStats& stats, WallTime now, WallTime time)
      : t_(t), stats_(stats), now_(now), time_(time) {}

  std::vector<Finding> findings;

  void SourceFailure(SourceState& s, const std::string& source, const std::string& account) {
    if (InForce(s.banned_until, now_)) return;  // the ban is the answer; keep nothing more
    Insert(s.failures, time_, account, static_cast<size_t>(t_.limits.max_events_per_key));
    Prune(s.failures, now_ - std::max(t_.source_brute_force.window, t_.password_spraying.window));

    const auto& ps = t_.password_spraying;
    if (ps.enabled && !InForce(s.spraying_until, now_)) {
      WindowView v = Scan(s.failures, ps.window);
      if (time_ > v.start && static_cast<int>(v.distinct.size()) >= ps.distinct_accounts) {
        Finding f = Make(kPasswordSpraying, ps.severity, "", source);
        f.summary = "Password spraying: " + internal::Printable(source) + " failed against " +
                    std::to_string(v.distinct.size()) + " accounts within " + Minutes(ps.window);
        Fill(f.evidence, v, static_cast<int>(v.distinct.size()), ps.distinct_accounts, ps.window);
        s.spraying_until = now_ + ps.window;
        if (ps.ban_source) {
          f.actions.push_back(Ban(s, source));
          f.evidence.repeat = s.repeats;
        }
        findings.push_back(std::move(f));
      }
    }

    const auto& sbf = t_.source_brute_force;
    if (sbf.enabled && !InForce(s.banned_until, now_)) {
      WindowView v = Scan(s.failures, sbf.window);
      if (time_ > v.start && v.count >= sbf.failures) {
        Finding f = Make(kSourceBruteForce, sbf.severity, "", source);
        Fill(f.evidence, v, v.count, sbf.failures, sbf.window);
        f.actions.push_back(Ban(s, source));
        f.evidence.repeat = s.repeats;
        f.summary = "Brute force from " + internal::Printable(source) + ": " +
                    std::to_string(v.count) + " failed logons within " + Minutes(sbf.window) +
                    "; banned for " + Minutes(*f.actions.back().duration) + " (ban " +
                    std::to_string(s.repeats) + ")";
        findings.push_back(std::move(f));
      }
    }
  }

  void AccountFailure(AccountState& a, const std::string& account, const std::string& source) {
    if (InForce(a.locked_until, now_)) return;  // failures against a locked account prove nothing
    Insert(a.failures, time_, source, static_cast<size_t>(t_.limits.max_events_per_key));
    Prune(a.failures,
          now_ - std::max(t_.account_brute_force.window, t_.distributed_guessing.window));

    bool locked_now = false;
    const auto& abf = t_.account_brute_force;
    if (abf.enabled) {
      WindowView v = Scan(a.failures, abf.window, Count::kConsecutiveOnly);
      if (time_ > v.start && v.count >= abf.failures) {
        Finding f = Make(kAccountBruteForce, abf.severity, account, source);
        Fill(f.evidence, v, v.count, abf.failures, abf.window);
        Action lock{.kind = ActionKind::kLockAccount, .target = account};
        if (!abf.until_unlocked) {
          lock.duration = abf.lock_duration;
          lock.until = now_ + abf.lock_duration;
        }
        f.actions.push_back(lock);
        f.summary = "Account " + internal::Printable(account) + " had " + std::to_string(v.count) +
                    " failed logons within " + Minutes(abf.window) + "; locked " +
                    (abf.until_unlocked ? std::string("until an administrator unlocks it")
                                        : "for " + Minutes(abf.lock_duration));
        a.locked_until = now_ + abf.lock_duration;
        for (Failure& failure : a.failures) failure.consecutive = false;  // counted once
        locked_now = true;
        findings.push_back(std::move(f));
      }
    }

    const auto& dg = t_.distributed_guessing;
    if (dg.enabled && !InForce(a.distributed_until, now_)) {
      WindowView v = Scan(a.failures, dg.window);
      if (time_ > v.start && static_cast<int>(v.distinct.size()) >= dg.distinct_sources) {
        Finding f = Make(kDistributedGuessing, dg.severity, account, source);
        Fill(f.evidence, v, static_cast<int>(v.distinct.size()), dg.distinct_sources, dg.window);
        f.summary = "Distributed guessing: account " + internal::Printable(account) +
                    " failed from " + std::to_string(v.distinct.size()) + " sources within " +
                    Minutes(dg.window);
        a.distributed_until = now_ + dg.window;
        if (dg.lock_account && !locked_now) {
          f.actions.push_back(Action{.kind = ActionKind::kLockAccount,
                                     .target = account,
                                     .duration = dg.lock_duration,
                                     .until = now_ + dg.lock_duration});
          a.locked_until = now_ + dg.lock_duration;
          a.distributed_until = std::max(*a.distributed_until, *a.locked_until);
        }
        findings.push_back(std::move(f));
      }
    }
  }

  void Success(AccountState& a, const std::string& account, const std::string& source,
               LruMap<WallTime>& suppressed) {
    // By arrival: a success clears the run of failures reported before it.
    for (Failure& failure : a.failures) failure.consecutive = false;
    if (source.empty()) return;
    const auto& cs = t_.credential_sharing;
    std::erase_if(a.sessions,
                  [&](const Session& s) { return s.since <= now_ - cs.session_window; });
    std::vector<Session> others;
    bool known = false;
    for (Session& s : a.sessions) {
      if (s.source == source) {
        s.since = std::max(s.since, time_);
        known = true;
      } else {
        others.push_back(s);
      }
    }
    if (!known) {
      if (a.sessions.size() >= kMaxSessionsPerAccount) a.sessions.erase(a.sessions.begin());
      a.sessions.push_back({source, time_});
    }
    if (!cs.enabled || others.empty()) return;

    std::set<std::string> sources{source};
    for (const Session& s : others) sources.insert(s.source);
    std::string key = std::string(kCredentialSharing) + '\x1f' + account;
    for (const auto& s : sources) key += '\x1f' + s;
    if (Suppressed(suppressed, key)) return;

    Finding f = Make(kCredentialSharing, cs.severity, account, source);
    f.evidence.count = static_cast<int>(sources.size());
    f.evidence.threshold = 2;
    f.evidence.window = cs.session_window;
    f.evidence.distinct = Listed(sources);
    f.evidence.first = others.front().since;
    for (const Session& s : others) f.evidence.first = std::min(f.evidence.first, s.since);
    f.evidence.last = time_;
    f.summary = "Account " + internal::Printable(account) + " logged on at " +
                internal::Printable(source) + " while still logged on at " +
                internal::Printable(others.front().source) +
                (others.size() > 1 ? " and " + std::to_string(others.size() - 1) + " more" : "");
    if (cs.end_sessions) {
      f.actions.push_back(Action{.kind = ActionKind::kEndSessions, .target = account});
      a.sessions.clear();
      Suppress(suppressed, key, t_.limits.dedupe_window);
    } else {
      Suppress(suppressed, key, cs.session_window);
    }
    findings.push_back(std::move(f));
  }

  // A fact the reporter established (a flag, or a lockout it made): one alert per account and
  // source within the dedupe window.
  void Flag(std::string_view rule, Severity severity, const std::string& account,
            const std::string& source, std::string summary, std::vector<Action> actions,
            LruMap<WallTime>& suppressed) {
    std::string key = std::string(rule) + '\x1f' + account + '\x1f' + source;
    if (Suppressed(suppressed, key)) return;
    Suppress(suppressed, key, t_.limits.dedupe_window);
    Finding f = Make(rule, severity, account, source);
    f.summary = std::move(summary);
    f.evidence.count = 1;
    f.evidence.threshold = 1;
    f.evidence.first = f.evidence.last = time_;
    f.actions = std::move(actions);
    findings.push_back(std::move(f));
  }

 private:
  Finding Make(std::string_view rule, Severity severity, const std::string& account,
               const std::string& source) {
    Finding f;
    f.rule = std::string(rule);
    f.severity = severity;
    f.account = account;
    f.source = source;
    return f;
  }

  static void Fill(Evidence& e, const WindowView& v, int count, int threshold, Seconds window) {
    e.count = count;
    e.threshold = threshold;
    e.window = window;
    e.distinct = Listed(v.distinct);
    e.first = v.first;
    e.last = v.last;
  }

  // The next ban of a source: base duration doubled per repeat, capped; repeats are
  // forgotten after forget_after without a ban.
  Action Ban(SourceState& s, const std::string& source) {
    const auto& sbf = t_.source_brute_force;
    if (s.repeats > 0 && now_ - s.last_ban_end >= sbf.forget_after) s.repeats = 0;
    ++s.repeats;
    Seconds duration = sbf.ban_duration;
    for (int i = 1; i < s.repeats && duration < sbf.max_ban_duration; ++i) duration *= 2;
    duration = std::min(duration, sbf.max_ban_duration);
    s.banned_until = now_ + duration;
    s.last_ban_end = *s.banned_until;
    s.failures.clear();
    return Action{.kind = ActionKind::kBanSource,
                  .target = source,
                  .duration = duration,
                  .until = *s.banned_until};
  }

  bool Suppressed(LruMap<WallTime>& suppressed, const std::string& key) {
    WallTime* until = suppressed.Find(key);
    return until && *until > now_;
  }
  void Suppress(LruMap<WallTime>& suppressed, const std::string& key, Seconds for_how_long) {
    suppressed.Touch(key, now_) = now_ + for_how_long;
  }

  const Thresholds& t_;
  EngineStats& stats_;
  WallTime now_;
  WallTime time_;
};

}  // namespace

Engine::Engine(core::Clock& clock, Thresholds thresholds)
    : clock_(clock),
      thresholds_(Sane(std::move(thresholds))),
      state_(std::make_unique<State>(thresholds_)) {}

Engine::~Engine() = default;

std::vector<Finding> Engine::Observe(const logs::AuthEvent& event) {
  const Thresholds& t = thresholds_;
  std::lock_guard lock(mu_);
  State& st = *state_;
  const WallTime now = clock_.WallNow();
  ++st.stats.events;

  // Idle keys go first, so memory follows the live attack, not the history.
  const Seconds account_keep =
      std::max({t.account_brute_force.window, t.account_brute_force.lock_duration,
                t.distributed_guessing.window, t.distributed_guessing.lock_duration,
                t.credential_sharing.session_window});
  const Seconds source_keep =
      std::max({t.source_brute_force.window, t.password_spraying.window,
                t.source_brute_force.max_ban_duration + t.source_brute_force.forget_after});
  const Seconds suppress_keep =
      std::max({t.limits.dedupe_window, t.credential_sharing.session_window});
  st.accounts.ExpireBefore(now - account_keep);
  st.sources.ExpireBefore(now - source_keep);
  st.suppressed.ExpireBefore(now - suppress_keep);

  WallTime time = event.time;
  if (time > now + t.limits.max_clock_skew) {
    time = now;
    ++st.stats.clamped_times;
  }
  const std::string account = LowerAscii(event.username);
  const std::string source = logs::SourceKey(event);
  Observation o(t, st.stats, now, time);

  switch (event.outcome) {
    case logs::AuthOutcome::kFailure:
      if (!source.empty()) o.SourceFailure(st.sources.Touch(source, now), source, account);
      if (!account.empty() && !event.unknown_user) {
        o.AccountFailure(st.accounts.Touch(account, now), account, source);
      }
      break;
    case logs::AuthOutcome::kSuccess: {
      if (!account.empty())
        o.Success(st.accounts.Touch(account, now), account, source, st.suppressed);
      const std::string who =
          account.empty() ? "an unnamed account" : "Account " + internal::Printable(account);
      const std::string where = source.empty() ? "" : " at " + internal::Printable(source);
      if (event.concurrent_session && t.credential_sharing.enabled) {
        std::vector<Action> actions;
        if (t.credential_sharing.end_sessions && !account.empty()) {
          actions.push_back(Action{.kind = ActionKind::kEndSessions, .target = account});
        }
        bool already = false;
        for (const auto& f : o.findings) already |= f.rule == kCredentialSharing;
        if (!already) {
          o.Flag(kCredentialSharing, t.credential_sharing.severity, account, source,
                 who + " logged on" + where + " while logged on at another station",
                 std::move(actions), st.suppressed);
        }
      }
      if (event.without_presence && t.no_presence.enabled) {
        o.Flag(kNoPresence, t.no_presence.severity, account, source,
               who + " logged on" + where + " with no badge presence recorded", {}, st.suppressed);
      }
      if (event.off_shift && t.off_shift.enabled) {
        o.Flag(kOffShift, t.off_shift.severity, account, source,
               who + " logged on" + where + " outside the person's schedule", {}, st.suppressed);
      }
      break;
    }
    case logs::AuthOutcome::kLogoff:
      if (!account.empty() && !source.empty()) {
        if (AccountState* a = st.accounts.Find(account)) {
          std::erase_if(a->sessions, [&](const Session& s) { return s.source == source; });
        }
      }
      break;
    case logs::AuthOutcome::kLockout:
      if (t.windows_lockout.enabled) {
        std::string host = event.host.empty() ? "" : " by " + internal::Printable(event.host);
        o.Flag(kWindowsLockout, t.windows_lockout.severity, account, source,
               "Account " + internal::Printable(account.empty() ? "(unnamed)" : account) +
                   " was locked out" + host,
               {}, st.suppressed);
      }
      break;
  }
  st.stats.findings += o.findings.size();
  return std::move(o.findings);
}

void Engine::ClearAccount(std::string_view username) {
  std::lock_guard lock(mu_);
  const std::string account = LowerAscii(username);
  state_->accounts.Erase(account);
}

void Engine::ClearSource(std::string_view source_key) {
  std::lock_guard lock(mu_);
  state_->sources.Erase(std::string(source_key));
}

EngineStats Engine::Stats() const {
  std::lock_guard lock(mu_);
  EngineStats out = state_->stats;
  out.tracked_accounts = state_->accounts.size();
  out.tracked_sources = state_->sources.size();
  out.suppressions = state_->suppressed.size();
  return out;
}

}  // namespace fg::detect
