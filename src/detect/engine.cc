// The detectors. Each rule reads the per-account or per-source window it needs; every map is
// an LruMap so an attacker who sends random names cannot grow memory without bound.
// Observe runs for every authentication event (a million lines of auth.log in well under a
// second), so the common path allocates nothing: keys are built in reused buffers, maps are
// looked up by string_view, windows are ring buffers whose slots keep their strings, and the
// distinct values of a window are only gathered when a rule could fire.
#include "detect/engine.h"

#include <algorithm>
#include <array>
#include <utility>

#include "detect/internal/lru_map.h"
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
// A freed window keeps its buffer for the next key up to this many entries.
constexpr size_t kKeptWindowCapacity = 64;

template <typename V>
using LruMap = internal::LruMap<V, WallTime>;

// One failure: when, and the other side (the source for an account, the account for a
// source).
struct Failure {
  WallTime time;
  std::string other;
  bool consecutive = true;  // no success of the account arrived after it (PCI counts these)
};

// The failures of one key in time order: a ring buffer whose slots keep their string
// buffers, so steady-state inserts and pops allocate nothing.
class Failures {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Failure& operator[](size_t i) { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  const Failure& operator[](size_t i) const { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  const Failure& front() const { return (*this)[0]; }
  const Failure& back() const { return (*this)[size_ - 1]; }

  void pop_front() {
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
  }
  void clear() {
    head_ = 0;
    size_ = 0;
  }
  // Forgets the entries and, when large, the buffer too.
  void Reset() {
    clear();
    if (buf_.size() > kKeptWindowCapacity) std::vector<Failure>().swap(buf_);
  }

  // Inserts after every entry at or before time, then drops the oldest beyond max_entries.
  void Insert(WallTime time, std::string_view other, size_t max_entries) {
    if (size_ == buf_.size()) Grow();
    size_t pos = size_;
    while (pos > 0 && time < (*this)[pos - 1].time) --pos;
    Failure& slot = (*this)[size_];
    slot.time = time;
    slot.other.assign(other.data(), other.size());
    slot.consecutive = true;
    ++size_;
    for (size_t i = size_ - 1; i > pos; --i) std::swap((*this)[i], (*this)[i - 1]);
    while (size_ > max_entries) pop_front();
  }

  void ClearConsecutive() {
    for (size_t i = 0; i < size_; ++i) (*this)[i].consecutive = false;
  }

 private:
  void Grow() {
    std::vector<Failure> bigger(buf_.empty() ? 8 : buf_.size() * 2);
    for (size_t i = 0; i < size_; ++i) bigger[i] = std::move((*this)[i]);
    buf_.swap(bigger);
    head_ = 0;
  }

  std::vector<Failure> buf_;  // power-of-two size
  size_t head_ = 0;
  size_t size_ = 0;
};

struct Session {
  std::string source;
  WallTime since;
};

struct AccountState {
  Failures failures;
  std::optional<WallTime> locked_until;
  std::optional<WallTime> distributed_until;
  std::vector<Session> sessions;
  // The credential-sharing suppression key of the open sessions, kept while they stay the
  // same: a busy account's repeated logons then skip sorting its sessions.
  std::string sharing_key;
  bool sharing_key_valid = false;

  void Reset() {
    failures.Reset();
    locked_until.reset();
    distributed_until.reset();
    sessions.clear();
    sharing_key.clear();
    sharing_key_valid = false;
  }
};

struct SourceState {
  Failures failures;
  std::optional<WallTime> banned_until;
  std::optional<WallTime> spraying_until;
  int repeats = 0;
  WallTime last_ban_end{};

  void Reset() {
    failures.Reset();
    banned_until.reset();
    spraying_until.reset();
    repeats = 0;
    last_ban_end = WallTime{};
  }
};

enum class Count { kAll, kConsecutiveOnly };

// What a window holds, anchored at its newest entry so a late event still completes it. The
// window is the tail of the (time-ordered) failures after `start`.
struct WindowView {
  int count = 0;
  int named = 0;  // counted entries with a non-empty other side: a bound on the distinct ones
  WallTime first{};
  WallTime last{};
  WallTime start{};
  size_t begin = 0;  // index of the oldest entry in the window
  Count which = Count::kAll;
};

WindowView Scan(const Failures& failures, Seconds window, Count which = Count::kAll) {
  WindowView view;
  view.which = which;
  if (failures.empty()) return view;
  view.start = failures.back().time - window;
  size_t i = failures.size();
  while (i > 0 && failures[i - 1].time > view.start) {
    const Failure& f = failures[--i];
    if (which == Count::kConsecutiveOnly && !f.consecutive) continue;
    if (view.count == 0) view.last = f.time;
    view.first = f.time;
    ++view.count;
    view.named += !f.other.empty();
  }
  view.begin = i;
  return view;
}

// The distinct other sides of the window, in ascending order.
void Distinct(const Failures& failures, const WindowView& view,
              std::vector<std::string_view>& out) {
  out.clear();
  for (size_t i = view.begin; i < failures.size(); ++i) {
    const Failure& f = failures[i];
    if (view.which == Count::kConsecutiveOnly && !f.consecutive) continue;
    if (!f.other.empty()) out.push_back(f.other);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

void Prune(Failures& failures, WallTime cutoff) {
  while (!failures.empty() && failures.front().time <= cutoff) failures.pop_front();
}

bool InForce(const std::optional<WallTime>& until, WallTime now) { return until && *until > now; }

std::vector<std::string> Listed(const std::vector<std::string_view>& sorted_distinct) {
  std::vector<std::string> out;
  const size_t n = std::min(sorted_distinct.size(), kMaxListedDistinct);
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.emplace_back(sorted_distinct[i]);
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
  // Reused per call so the common path allocates nothing.
  std::string account;
  std::string source;
  std::vector<std::string_view> distinct;
  std::string key;
};

namespace {

// The work of one Observe call, with the state it reads and the findings it makes.
class Observation {
 public:
  Observation(const Thresholds& t, EngineStats& stats, std::vector<std::string_view>& distinct,
              std::string& key, WallTime now, WallTime time)
      : t_(t), stats_(stats), distinct_(distinct), key_(key), now_(now), time_(time) {}

  std::vector<Finding> findings;

  void SourceFailure(SourceState& s, std::string_view source, std::string_view account) {
    if (InForce(s.banned_until, now_)) return;  // the ban is the answer; keep nothing more
    s.failures.Insert(time_, account, static_cast<size_t>(t_.limits.max_events_per_key));
    Prune(s.failures, now_ - std::max(t_.source_brute_force.window, t_.password_spraying.window));

    const auto& ps = t_.password_spraying;
    if (ps.enabled && !InForce(s.spraying_until, now_)) {
      WindowView v = Scan(s.failures, ps.window);
      if (time_ > v.start && v.named >= ps.distinct_accounts) {
        Distinct(s.failures, v, distinct_);
        if (static_cast<int>(distinct_.size()) >= ps.distinct_accounts) {
          Finding f = Make(kPasswordSpraying, ps.severity, "", source);
          f.summary = "Password spraying: " + internal::Printable(source) + " failed against " +
                      std::to_string(distinct_.size()) + " accounts within " + Minutes(ps.window);
          Fill(f.evidence, v, static_cast<int>(distinct_.size()), ps.distinct_accounts, ps.window);
          s.spraying_until = now_ + ps.window;
          if (ps.ban_source) {
            f.actions.push_back(Ban(s, source));
            f.evidence.repeat = s.repeats;
          }
          findings.push_back(std::move(f));
        }
      }
    }

    const auto& sbf = t_.source_brute_force;
    if (sbf.enabled && !InForce(s.banned_until, now_)) {
      WindowView v = Scan(s.failures, sbf.window);
      if (time_ > v.start && v.count >= sbf.failures) {
        Finding f = Make(kSourceBruteForce, sbf.severity, "", source);
        Distinct(s.failures, v, distinct_);
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

  void AccountFailure(AccountState& a, std::string_view account, std::string_view source) {
    if (InForce(a.locked_until, now_)) return;  // failures against a locked account prove nothing
    a.failures.Insert(time_, source, static_cast<size_t>(t_.limits.max_events_per_key));
    Prune(a.failures,
          now_ - std::max(t_.account_brute_force.window, t_.distributed_guessing.window));

    bool locked_now = false;
    const auto& abf = t_.account_brute_force;
    if (abf.enabled) {
      WindowView v = Scan(a.failures, abf.window, Count::kConsecutiveOnly);
      if (time_ > v.start && v.count >= abf.failures) {
        Finding f = Make(kAccountBruteForce, abf.severity, account, source);
        Distinct(a.failures, v, distinct_);
        Fill(f.evidence, v, v.count, abf.failures, abf.window);
        Action lock{.kind = ActionKind::kLockAccount, .target = std::string(account)};
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
        a.failures.ClearConsecutive();  // counted once
        locked_now = true;
        findings.push_back(std::move(f));
      }
    }

    const auto& dg = t_.distributed_guessing;
    if (dg.enabled && !InForce(a.distributed_until, now_)) {
      WindowView v = Scan(a.failures, dg.window);
      if (time_ > v.start && v.named >= dg.distinct_sources) {
        Distinct(a.failures, v, distinct_);
        if (static_cast<int>(distinct_.size()) >= dg.distinct_sources) {
          Finding f = Make(kDistributedGuessing, dg.severity, account, source);
          Fill(f.evidence, v, static_cast<int>(distinct_.size()), dg.distinct_sources, dg.window);
          f.summary = "Distributed guessing: account " + internal::Printable(account) +
                      " failed from " + std::to_string(distinct_.size()) + " sources within " +
                      Minutes(dg.window);
          a.distributed_until = now_ + dg.window;
          if (dg.lock_account && !locked_now) {
            f.actions.push_back(Action{.kind = ActionKind::kLockAccount,
                                       .target = std::string(account),
                                       .duration = dg.lock_duration,
                                       .until = now_ + dg.lock_duration});
            a.locked_until = now_ + dg.lock_duration;
            a.distributed_until = std::max(*a.distributed_until, *a.locked_until);
          }
          findings.push_back(std::move(f));
        }
      }
    }
  }

  void Success(AccountState& a, std::string_view account, std::string_view source,
               LruMap<WallTime>& suppressed) {
    // By arrival: a success clears the run of failures reported before it.
    a.failures.ClearConsecutive();
    if (source.empty()) return;
    const auto& cs = t_.credential_sharing;
    if (std::erase_if(a.sessions,
                      [&](const Session& s) { return s.since <= now_ - cs.session_window; })) {
      a.sharing_key_valid = false;
    }
    // The other sessions are those open before this logon (sources are unique per account),
    // including one dropped below to make room.
    bool known = false;
    for (Session& s : a.sessions) {
      if (s.source == source) {
        s.since = std::max(s.since, time_);
        known = true;
        break;
      }
    }
    Session dropped;
    bool has_dropped = false;
    if (!known) {
      if (a.sessions.size() >= kMaxSessionsPerAccount) {
        dropped = std::move(a.sessions.front());
        has_dropped = true;
        a.sessions.erase(a.sessions.begin());
      }
      a.sessions.push_back({std::string(source), time_});
      a.sharing_key_valid = false;
    }
    const size_t others = a.sessions.size() - 1 + (has_dropped ? 1 : 0);
    if (!cs.enabled || others == 0) return;

    // All sources (this one is among the sessions now), sorted.
    auto gather = [&] {
      distinct_.clear();
      if (has_dropped) distinct_.push_back(dropped.source);
      for (const Session& s : a.sessions) distinct_.push_back(s.source);
      std::sort(distinct_.begin(), distinct_.end());
    };
    bool gathered = false;
    if (!a.sharing_key_valid) {
      gather();
      gathered = true;
      std::string& key = a.sharing_key;
      key.assign(kCredentialSharing).append(1, '\x1f').append(account);
      for (std::string_view s : distinct_) key.append(1, '\x1f').append(s);
      a.sharing_key_valid = !has_dropped;  // the dropped session is gone next time
    }
    if (Suppressed(suppressed, a.sharing_key)) return;
    if (!gathered) gather();

    const Session* front = has_dropped ? &dropped : nullptr;
    WallTime first = has_dropped ? dropped.since : WallTime::max();
    for (const Session& s : a.sessions) {
      if (s.source == source) continue;
      if (!front) front = &s;
      first = std::min(first, s.since);
    }
    key_ = a.sharing_key;

    Finding f = Make(kCredentialSharing, cs.severity, account, source);
    f.evidence.count = static_cast<int>(distinct_.size());
    f.evidence.threshold = 2;
    f.evidence.window = cs.session_window;
    f.evidence.distinct = Listed(distinct_);
    f.evidence.first = first;
    f.evidence.last = time_;
    f.summary = "Account " + internal::Printable(account) + " logged on at " +
                internal::Printable(source) + " while still logged on at " +
                internal::Printable(front->source) +
                (others > 1 ? " and " + std::to_string(others - 1) + " more" : "");
    if (cs.end_sessions) {
      f.actions.push_back(Action{.kind = ActionKind::kEndSessions, .target = std::string(account)});
      a.sessions.clear();
      a.sharing_key_valid = false;
      Suppress(suppressed, key_, t_.limits.dedupe_window);
    } else {
      Suppress(suppressed, key_, cs.session_window);
    }
    findings.push_back(std::move(f));
  }

  // A fact the reporter established (a flag, or a lockout it made): one alert per account and
  // source within the dedupe window.
  void Flag(std::string_view rule, Severity severity, std::string_view account,
            std::string_view source, std::string summary, std::vector<Action> actions,
            LruMap<WallTime>& suppressed) {
    std::string key;
    key.reserve(rule.size() + account.size() + source.size() + 2);
    key.append(rule).append(1, '\x1f').append(account).append(1, '\x1f').append(source);
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
  Finding Make(std::string_view rule, Severity severity, std::string_view account,
               std::string_view source) {
    Finding f;
    f.rule = std::string(rule);
    f.severity = severity;
    f.account = std::string(account);
    f.source = std::string(source);
    return f;
  }

  // Reads the distinct values gathered last by Distinct().
  void Fill(Evidence& e, const WindowView& v, int count, int threshold, Seconds window) {
    e.count = count;
    e.threshold = threshold;
    e.window = window;
    e.distinct = Listed(distinct_);
    e.first = v.first;
    e.last = v.last;
  }

  // The next ban of a source: base duration doubled per repeat, capped; repeats are
  // forgotten after forget_after without a ban.
  Action Ban(SourceState& s, std::string_view source) {
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
                  .target = std::string(source),
                  .duration = duration,
                  .until = *s.banned_until};
  }

  bool Suppressed(LruMap<WallTime>& suppressed, std::string_view key) {
    WallTime* until = suppressed.Find(key);
    return until && *until > now_;
  }
  void Suppress(LruMap<WallTime>& suppressed, std::string_view key, Seconds for_how_long) {
    suppressed.Touch(key, now_) = now_ + for_how_long;
  }

  const Thresholds& t_;
  EngineStats& stats_;
  std::vector<std::string_view>& distinct_;
  std::string& key_;
  WallTime now_;
  WallTime time_;
};

void LowerInto(std::string_view text, std::string& out) {
  out.assign(text.data(), text.size());
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
}

// logs::SourceKey without a temporary string.
void SourceKeyInto(const logs::AuthEvent& event, std::string& out) {
  out.clear();
  if (!event.station.empty()) {
    out.append("station:").append(event.station);
  } else if (!event.source_address.empty()) {
    out.append("address:").append(event.source_address);
  }
}

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
  LowerInto(event.username, st.account);
  SourceKeyInto(event, st.source);
  const std::string_view account = st.account;
  const std::string_view source = st.source;
  Observation o(t, st.stats, st.distinct, st.key, now, time);

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
      if (!event.concurrent_session && !event.without_presence && !event.off_shift) break;
      const std::string who =
          account.empty() ? "an unnamed account" : "Account " + internal::Printable(account);
      const std::string where = source.empty() ? "" : " at " + internal::Printable(source);
      if (event.concurrent_session && t.credential_sharing.enabled) {
        std::vector<Action> actions;
        if (t.credential_sharing.end_sessions && !account.empty()) {
          actions.push_back(Action{.kind = ActionKind::kEndSessions, .target = st.account});
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
          if (std::erase_if(a->sessions, [&](const Session& s) { return s.source == source; })) {
            a->sharing_key_valid = false;
          }
        }
      }
      break;
    case logs::AuthOutcome::kLockout:
      if (t.windows_lockout.enabled) {
        std::string host = event.host.empty() ? "" : " by " + internal::Printable(event.host);
        o.Flag(kWindowsLockout, t.windows_lockout.severity, account, source,
               "Account " +
                   internal::Printable(account.empty() ? std::string_view("(unnamed)") : account) +
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
  state_->sources.Erase(source_key);
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
