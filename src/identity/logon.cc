// Workstation logon: the ordered checks, the one write that records a decision, and the life
// of a station session (logoff, lock, unlock, heartbeat, expiry).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

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

constexpr std::string_view kGenericMessage =
    "The username or password is incorrect, or the account may not log on.";

std::string MessageFor(Check check) {
  switch (check) {
    case Check::kStation:
      return "This workstation is not registered or is disabled. Contact IT.";
    case Check::kAccount:
    case Check::kCredentials:
      return std::string(kGenericMessage);
    case Check::kLockout:
      return "This account is locked. Contact your supervisor.";
    case Check::kSource:
      return "Logons from this workstation are blocked. Contact security.";
    case Check::kTraining:
      return "Your training for this campaign is missing or has expired. Contact your supervisor.";
    case Check::kPresence:
      return "Badge into this area before logging on.";
    case Check::kSingleSession:
      return "You are logged on at another workstation. Log off there first.";
    case Check::kNone:
      break;
  }
  return "";
}

bool IsWorking(directory::PersonStatus status) {
  return status == directory::PersonStatus::kHired || status == directory::PersonStatus::kActive;
}

bool LooksLikeTotpCode(std::string_view code) {
  return code.size() == static_cast<size_t>(auth::totp::kDigits) &&
         std::all_of(code.begin(), code.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// "2027-01-14T23:30:00-06:00": a local time with its offset, for the audit trail.
std::string FormatLocal(int64_t local_seconds, int64_t offset_seconds) {
  using namespace std::chrono;
  sys_seconds local{seconds(local_seconds)};
  auto day = floor<days>(local);
  year_month_day ymd{day};
  hh_mm_ss hms{local - day};
  int64_t abs_offset = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                offset_seconds < 0 ? '-' : '+', static_cast<int>(abs_offset / 3600),
                static_cast<int>(abs_offset % 3600 / 60));
  return out;
}

}  // namespace

std::string_view CheckName(Check check) {
  switch (check) {
    case Check::kNone:
      return "";
    case Check::kStation:
      return "station";
    case Check::kAccount:
      return "account";
    case Check::kLockout:
      return "lockout";
    case Check::kSource:
      return "source";
    case Check::kCredentials:
      return "credentials";
    case Check::kTraining:
      return "training";
    case Check::kPresence:
      return "presence";
    case Check::kSingleSession:
      return "single_session";
  }
  return "";
}

std::string_view SessionStateName(SessionState state) {
  switch (state) {
    case SessionState::kActive:
      return "active";
    case SessionState::kLocked:
      return "locked";
    case SessionState::kIdle:
      return "idle";
    case SessionState::kEnded:
      return "ended";
  }
  return "ended";
}

// One logon or unlock on its way to a decision. Holds no secret but the request's.
struct Identity::Evaluation {
  enum class Kind { kLogon, kUnlock };
  Kind kind = Kind::kLogon;
  const LogonRequest* request = nullptr;
  core::WallTime now;
  std::string username;  // lower-cased as given
  std::string workstation_id;
  std::optional<AccountRow> row;
  std::string person_name;
  Check check = Check::kNone;
  std::string reason;
  std::vector<std::string> alerts;
  std::optional<int64_t> totp_step;
  std::string recovery_hash;
  std::optional<std::string> rehash;
  int64_t unlock_session_id = 0;
  bool unknown_user = false;
  // Set when the logon is off shift: the site's zone and the local time it was judged by.
  std::string shift_timezone;
  std::string shift_local_time;
  // Results of the write.
  std::optional<StationSession> session;
  std::vector<StationSession> replaced;

  bool denied() const { return check != Check::kNone; }
  void Deny(Check failed, std::string why) {
    check = failed;
    reason = std::move(why);
  }
  std::vector<std::string> SourceKeys() const {
    std::vector<std::string> keys;
    if (!workstation_id.empty()) keys.push_back("station:" + workstation_id);
    if (!request->source_address.empty()) keys.push_back("address:" + request->source_address);
    return keys;
  }
};

SessionState Identity::Effective(SessionState stored, core::WallTime last_heartbeat) const {
  if (stored != SessionState::kActive) return stored;
  if (clock_.WallNow() - last_heartbeat >= options_.idle_timeout) return SessionState::kIdle;
  return SessionState::kActive;
}

std::string Identity::WorkstationIdOf(int64_t station_id) {
  auto station = directory_.GetStation(station_id);
  return station ? station->workstation_id : std::string();
}

Result<StationSession> Identity::FillSession(StationSession session) {
  session.workstation_id = WorkstationIdOf(session.station_id);
  if (auto person = directory_.GetPerson(session.person_id)) session.person_name = person->name;
  session.state = Effective(session.state, session.last_heartbeat_at);
  return session;
}

// Checks 2 to 5: account, lockout, source, credentials. With account_id (an unlock), the
// account is the session's and the username is not asked for.
Result<void> Identity::EvaluateAccount(Evaluation& ev, std::optional<int64_t> account_id) {
  const LogonRequest& request = *ev.request;
  int64_t now = Micros(ev.now);
  FG_ASSIGN_OR_RETURN(ev.row,
                      db_.Read([&](store::Connection& c) -> Result<std::optional<AccountRow>> {
                        if (account_id) return internal::LoadAccountRow(c, *account_id, now);
                        if (!internal::PlausibleUsername(ev.username))
                          return std::optional<AccountRow>();
                        return internal::LoadAccountRowByName(c, ev.username, now);
                      }));
  bool working = false;
  if (ev.row) {
    ev.username = ev.row->account.username;
    FG_ASSIGN_OR_RETURN(directory::Person person, directory_.GetPerson(ev.row->account.person_id));
    ev.person_name = person.name;
    ev.row->account.person_name = person.name;
    working = IsWorking(person.status);
  }
  if (!ev.row || ev.row->account.disabled || !working) {
    // The same Argon2 work as a wrong password, so timing does not tell names apart.
    (void)Verify(state_->dummy_hash, request.password);
    ev.unknown_user = !ev.row;
    ev.Deny(Check::kAccount, ev.row ? "account_inactive" : "account_unknown");
    return {};
  }
  if (ev.row->account.locked_until) {
    ev.Deny(Check::kLockout, "account_locked");
    return {};
  }
  FG_ASSIGN_OR_RETURN(auto banned, db_.Read([&](store::Connection& c) {
    return internal::ActiveBanUntil(c, ev.SourceKeys(), now);
  }));
  if (banned) {
    ev.Deny(Check::kSource, "source_banned");
    return {};
  }
  if (!Verify(ev.row->password_hash, request.password)) {
    ev.Deny(Check::kCredentials, "bad_password");
    return {};
  }
  if (ev.row->totp_confirmed) {
    if (request.totp.empty()) {
      ev.Deny(Check::kCredentials, "totp_required");
      return {};
    }
    if (LooksLikeTotpCode(request.totp)) {
      std::optional<int64_t> step;
      if (secret_box_ != nullptr && ev.row->totp_sealed) {
        auto secret =
            secret_box_->Open(*ev.row->totp_sealed, internal::TotpContext(ev.row->account.id));
        if (secret) step = auth::totp::MatchStep(*secret, request.totp, ev.now);
      }
      // A code of a step already used is a replay: refused like a wrong one.
      if (!step || *step <= ev.row->totp_last_step) {
        ev.Deny(Check::kCredentials, "bad_totp");
        return {};
      }
      ev.totp_step = step;
    } else {
      std::string normalized = auth::totp::NormalizeRecoveryCode(request.totp);
      bool unused = false;
      if (!normalized.empty()) {
        std::string hash = auth::totp::HashRecoveryCode(normalized);
        FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
          return c.Exec(
              "SELECT 1 FROM identity_recovery_codes WHERE account_id = ? AND code_hash = ? AND "
              "used_at IS NULL",
              {ev.row->account.id, hash}, [&](const store::Row&) { unused = true; });
        }));
        if (unused) ev.recovery_hash = std::move(hash);
      }
      if (!unused) {
        ev.Deny(Check::kCredentials, "bad_totp");
        return {};
      }
    }
  } else if (options_.require_totp) {
    ev.Deny(Check::kCredentials, "totp_required");
    return {};
  }
  if (auth::NeedsRehash(ev.row->password_hash, options_.password)) {
    if (auto fresh = Hash(request.password)) ev.rehash = std::move(*fresh);
  }
  return {};
}

// Checks 6 to 8: training, presence, single session.
Result<void> Identity::EvaluatePlace(Evaluation& ev, const directory::Station& station) {
  int64_t person_id = ev.row->account.person_id;
  std::optional<int64_t> campaign = station.campaign_id;
  if (!campaign) {
    FG_ASSIGN_OR_RETURN(directory::Zone zone, directory_.GetZone(station.zone_id));
    campaign = zone.campaign_id;
  }
  if (campaign) {
    FG_ASSIGN_OR_RETURN(bool trained,
                        directory_.ValidTraining(person_id, *campaign, directory_.Today()));
    if (!trained) {
      ev.Deny(Check::kTraining, "training_invalid");
      return {};
    }
  }
  if (options_.presence_mode != Mode::kOff) {
    // Presence that cannot be established counts as absent: fail closed.
    auto present = presence_->IsPresent(person_id, station.zone_id, ev.now);
    for (Presence* source : extra_presence_) {
      if (present && *present) break;
      present = source->IsPresent(person_id, station.zone_id, ev.now);
    }
    if (!present || !*present) {
      if (options_.presence_mode == Mode::kEnforce) {
        ev.Deny(Check::kPresence, "no_presence");
        return {};
      }
      ev.alerts.push_back("no_presence");
    }
  }
  if (options_.single_session_mode != Mode::kOff) {
    int64_t live_after = Micros(ev.now - options_.session_end_after_idle);
    bool elsewhere = false;
    FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
      return c.Exec(
          "SELECT 1 FROM identity_station_sessions WHERE account_id = ? AND ended_at IS NULL AND "
          "station_id <> ? AND last_heartbeat_at > ? LIMIT 1",
          {ev.row->account.id, station.id, live_after},
          [&](const store::Row&) { elsewhere = true; });
    }));
    if (elsewhere) {
      if (options_.single_session_mode == Mode::kEnforce) {
        ev.Deny(Check::kSingleSession, "session_elsewhere");
        return {};
      }
      ev.alerts.push_back("session_elsewhere");
    }
  }
  return {};
}

// The off-shift rule is alert-only, so it fails open: a schedule, zone, site or time zone
// that cannot be read leaves the logon unflagged rather than denied or falsely flagged (an
// unknown time zone is logged once by the cache; the logon is still decided and audited).
void Identity::EvaluateShift(Evaluation& ev, const directory::Station& station) {
  const std::optional<std::string>& text = ev.row->account.schedule;
  if (!text) return;
  auto schedule = Schedule::Parse(*text);
  if (!schedule) {
    spdlog::warn("identity: account {} has an unreadable schedule: {}", ev.row->account.id,
                 schedule.error().message);
    return;
  }
  auto site = directory_.GetZone(station.zone_id).and_then([&](const directory::Zone& zone) {
    return directory_.GetSite(zone.site_id);
  });
  if (!site) {
    spdlog::warn("identity: no site time zone for station {}: {}", station.id,
                 site.error().message);
    return;
  }
  auto zone = state_->zones.Get(site->timezone);
  if (!zone) return;
  int64_t utc = std::chrono::floor<std::chrono::seconds>(ev.now).time_since_epoch().count();
  int64_t offset = (*zone)->OffsetAt(utc);
  if (schedule->Covers(SecondOfWeek(utc + offset), options_.shift_grace)) return;
  ev.alerts.push_back("off_shift");
  ev.shift_timezone = site->timezone;
  ev.shift_local_time = FormatLocal(utc + offset, offset);
}

Result<LogonDecision> Identity::Decide(const LogonRequest& request) {
  Evaluation ev;
  ev.request = &request;
  ev.now = clock_.WallNow();
  ev.username = internal::AsciiLower(request.username);
  auto evaluate = [&]() -> Result<void> {
    auto station = directory_.GetStation(request.station_id);
    if (!station) {
      if (station.error().code != ErrorCode::kNotFound) return tl::unexpected(station.error());
      ev.Deny(Check::kStation, "station_unknown");
      return {};
    }
    ev.workstation_id = station->workstation_id;
    if (!station->enabled) {
      ev.Deny(Check::kStation, "station_disabled");
      return {};
    }
    FG_RETURN_IF_ERROR(EvaluateAccount(ev, std::nullopt));
    if (ev.denied()) return {};
    FG_RETURN_IF_ERROR(EvaluatePlace(ev, *station));
    if (!ev.denied()) EvaluateShift(ev, *station);
    return {};
  };
  if (auto evaluated = evaluate(); !evaluated) {
    // Could not decide: the caller denies. Leave a trace of why.
    (void)log_.AppendDurably(
        {.actor = "station:" + std::to_string(request.station_id),
         .action = "logon.error",
         .subject = Subject("station", request.station_id),
         .details = Details({{"username", ev.username}, {"error", evaluated.error().message}})});
    return tl::unexpected(evaluated.error());
  }
  return Commit(ev);
}

Result<LogonDecision> Identity::Commit(Evaluation& ev) {
  const LogonRequest& request = *ev.request;
  int64_t now = Micros(ev.now);
  bool logon = ev.kind == Evaluation::Kind::kLogon;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    ev.replaced.clear();
    ev.session.reset();
    if (!ev.denied()) {
      // The reads above may be stale: whatever changed meanwhile wins.
      FG_ASSIGN_OR_RETURN(auto current, internal::LoadAccountRow(c, ev.row->account.id, now));
      FG_ASSIGN_OR_RETURN(auto banned, internal::ActiveBanUntil(c, ev.SourceKeys(), now));
      if (!current || current->account.disabled) {
        ev.Deny(Check::kAccount, "account_inactive");
      } else if (current->account.locked_until) {
        ev.Deny(Check::kLockout, "account_locked");
      } else if (banned) {
        ev.Deny(Check::kSource, "source_banned");
      } else if (current->password_hash != ev.row->password_hash) {
        ev.Deny(Check::kCredentials, "bad_password");
      } else if (current->totp_confirmed && !ev.totp_step && ev.recovery_hash.empty()) {
        ev.Deny(Check::kCredentials, "totp_required");
      }
    }
    if (!ev.denied() && ev.totp_step) {
      // Conditional on the stored step: of two logons racing with one code, one wins.
      FG_ASSIGN_OR_RETURN(int64_t advanced,
                          c.Exec("UPDATE identity_accounts SET totp_last_step = ? WHERE id = ? "
                                 "AND totp_confirmed = 1 AND totp_last_step < ?",
                                 {*ev.totp_step, ev.row->account.id, *ev.totp_step}));
      if (advanced == 0) ev.Deny(Check::kCredentials, "bad_totp");
    }
    if (!ev.denied() && !ev.recovery_hash.empty()) {
      FG_ASSIGN_OR_RETURN(
          int64_t spent,
          c.Exec("UPDATE identity_recovery_codes SET used_at = ? WHERE id = (SELECT id FROM "
                 "identity_recovery_codes WHERE account_id = ? AND code_hash = ? AND used_at IS "
                 "NULL LIMIT 1)",
                 {now, ev.row->account.id, ev.recovery_hash}));
      if (spent == 0) ev.Deny(Check::kCredentials, "bad_totp");
    }
    if (!ev.denied() && logon && options_.single_session_mode == Mode::kEnforce) {
      // Again inside the transaction: two stations racing with one account admit one.
      bool elsewhere = false;
      FG_RETURN_IF_ERROR(c.Exec(
          "SELECT 1 FROM identity_station_sessions WHERE account_id = ? AND ended_at IS NULL "
          "AND station_id <> ? AND last_heartbeat_at > ? LIMIT 1",
          {ev.row->account.id, request.station_id,
           Micros(ev.now - options_.session_end_after_idle)},
          [&](const store::Row&) { elsewhere = true; }));
      if (elsewhere) ev.Deny(Check::kSingleSession, "session_elsewhere");
    }
    std::string actor = "station:" + (ev.workstation_id.empty() ? std::to_string(request.station_id)
                                                                : ev.workstation_id);
    if (!ev.denied()) {
      if (logon) {
        // One session per station: one left open (a crash, a forgotten logoff) ends now.
        FG_ASSIGN_OR_RETURN(
            ev.replaced, internal::EndOpenSessions(c, log_, "s.station_id = ?", request.station_id,
                                                   now, "replaced", actor, "logon.session.end"));
        FG_RETURN_IF_ERROR(c.Exec(
            "INSERT INTO identity_station_sessions (station_id, account_id, started_at, state, "
            "last_heartbeat_at, source_address) VALUES (?, ?, ?, 'active', ?, ?)",
            {request.station_id, ev.row->account.id, now, now, request.source_address}));
        FG_ASSIGN_OR_RETURN(ev.session, internal::LoadSession(c, c.LastInsertRowId()));
      } else {
        FG_ASSIGN_OR_RETURN(int64_t revived,
                            c.Exec("UPDATE identity_station_sessions SET state = 'active', "
                                   "last_heartbeat_at = ? WHERE id = ? AND ended_at IS NULL",
                                   {now, ev.unlock_session_id}));
        if (revived == 0) return FailedPrecondition("the session has ended; log on again");
        FG_ASSIGN_OR_RETURN(ev.session, internal::LoadSession(c, ev.unlock_session_id));
      }
      if (ev.rehash) {
        FG_RETURN_IF_ERROR(c.Exec("UPDATE identity_accounts SET password_hash = ? WHERE id = ?",
                                  {*ev.rehash, ev.row->account.id}));
      }
    }
    std::optional<int64_t> account_id;
    if (ev.row) account_id = ev.row->account.id;
    std::optional<int64_t> session_id;
    if (ev.session) session_id = ev.session->id;
    if (!logon) session_id = ev.unlock_session_id;
    std::string_view kind = logon ? "logon" : "unlock";
    std::string_view decision = ev.denied() ? "deny" : "allow";
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO identity_logon_attempts (at, kind, station_id, workstation_id, account_id, "
        "username, source_address, decision, check_name, reason, session_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {now, kind, request.station_id, ev.workstation_id, account_id, ev.username,
         request.source_address, decision, CheckName(ev.check), ev.reason, session_id}));
    Json details = {{"station_id", request.station_id},
                    {"workstation_id", ev.workstation_id},
                    {"username", ev.username},
                    {"source_address", request.source_address}};
    if (ev.denied()) {
      details["check"] = CheckName(ev.check);
      details["reason"] = ev.reason;
    } else {
      details["session_id"] = ev.session->id;
      if (!ev.alerts.empty()) details["alerts"] = ev.alerts;
      if (!ev.shift_timezone.empty()) {
        details["off_shift"] = {{"schedule", ev.row->account.schedule.value_or("")},
                                {"timezone", ev.shift_timezone},
                                {"local_time", ev.shift_local_time}};
      }
      if (ev.rehash) details["password_rehashed"] = true;
      if (ev.totp_step) details["second_factor"] = "totp";
      if (!ev.recovery_hash.empty()) details["second_factor"] = "recovery_code";
    }
    std::string action = std::string(logon ? "logon." : "logon.unlock.") + std::string(decision);
    return log_
        .Append(c, {.actor = actor,
                    .action = action,
                    .subject = account_id ? Subject("account", *account_id)
                                          : Subject("station", request.station_id),
                    .details = Details(details)})
        .transform([](int64_t) {});
  }));

  LogonDecision decision;
  decision.verdict = ev.denied() ? Verdict::kDeny : Verdict::kAllow;
  decision.check = ev.check;
  decision.reason = ev.reason;
  decision.message = MessageFor(ev.check);
  if (!ev.denied()) {
    decision.alerts = ev.alerts;
    decision.account = ev.row->account;
    decision.must_change_password = ev.row->account.must_change_password;
    StationSession session = *ev.session;
    session.workstation_id = ev.workstation_id;
    session.person_name = ev.person_name;
    decision.session = std::move(session);
  }
  Publish(ev, decision);
  PublishEnded(ev.replaced);
  return decision;
}

void Identity::Publish(const Evaluation& ev, const LogonDecision& decision) {
  // The detectors count guesses: only a wrong name, password or code is a failed attempt. A
  // refusal by policy (station, lockout, ban, training, presence, another session) or a
  // request for the second factor after a right password is audited but guesses nothing.
  bool guess = decision.check == Check::kAccount ||
               (decision.check == Check::kCredentials && decision.reason != "totp_required");
  if (decision.verdict != Verdict::kAllow && !guess) return;
  logs::AuthEvent event;
  event.time = ev.now;
  event.origin = logs::AuthOrigin::kFloorguard;
  event.outcome = decision.verdict == Verdict::kAllow ? logs::AuthOutcome::kSuccess
                                                      : logs::AuthOutcome::kFailure;
  event.username = ev.username;
  event.source_address = ev.request->source_address;
  event.station = ev.workstation_id;
  event.reason = decision.reason;
  event.unknown_user = ev.unknown_user;
  auto flagged = [&](std::string_view alert) {
    return std::find(decision.alerts.begin(), decision.alerts.end(), alert) !=
           decision.alerts.end();
  };
  event.without_presence = flagged("no_presence");
  event.concurrent_session = flagged("session_elsewhere");
  event.off_shift = flagged("off_shift");
  bus_.Publish(event);
  if (decision.session) {
    bus_.Publish(SessionChanged{.station_id = decision.session->station_id,
                                .session_id = decision.session->id,
                                .state = SessionState::kActive});
  }
}

void Identity::PublishEnded(const std::vector<StationSession>& ended) {
  for (const StationSession& s : ended) {
    bus_.Publish(SessionChanged{
        .station_id = s.station_id, .session_id = s.id, .state = SessionState::kEnded});
    logs::AuthEvent event;
    event.time = s.ended_at.value_or(clock_.WallNow());
    event.origin = logs::AuthOrigin::kFloorguard;
    event.outcome = logs::AuthOutcome::kLogoff;
    event.username = s.username;
    event.station = WorkstationIdOf(s.station_id);
    event.reason = s.end_reason;
    bus_.Publish(event);
  }
}

// --- Session life ---

Result<StationSession> Identity::GetSession(int64_t session_id) {
  FG_ASSIGN_OR_RETURN(auto session, db_.Read([&](store::Connection& c) {
    return internal::LoadSession(c, session_id);
  }));
  if (!session) return NotFound("session " + std::to_string(session_id) + " does not exist");
  return FillSession(std::move(*session));
}

Result<StationSession> Identity::SetSessionState(int64_t station_id, int64_t session_id,
                                                 std::string_view action) {
  std::string workstation_id = WorkstationIdOf(station_id);
  std::optional<StationSession> changed;
  bool logoff = action == "logon.logoff";
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    changed.reset();
    FG_ASSIGN_OR_RETURN(auto session, internal::LoadSession(c, session_id));
    if (!session || session->station_id != station_id) {
      return NotFound("session " + std::to_string(session_id) + " does not exist at this station");
    }
    if (session->ended_at) {
      if (logoff) return {};  // already over: answered as it is
      return FailedPrecondition("the session has ended; log on again");
    }
    int64_t now = Micros(clock_.WallNow());
    if (logoff) {
      FG_RETURN_IF_ERROR(c.Exec(
          "UPDATE identity_station_sessions SET ended_at = ?, end_reason = 'logoff' WHERE id = ?",
          {now, session_id}));
    } else {
      FG_RETURN_IF_ERROR(c.Exec(
          "UPDATE identity_station_sessions SET state = 'locked' WHERE id = ?", {session_id}));
    }
    FG_ASSIGN_OR_RETURN(changed, internal::LoadSession(c, session_id));
    return log_
        .Append(c, {.actor = "station:" + workstation_id,
                    .action = std::string(action),
                    .subject = Subject("session", session_id),
                    .details = Details({{"station_id", station_id},
                                        {"workstation_id", workstation_id},
                                        {"account_id", session->account_id},
                                        {"username", session->username}})})
        .transform([](int64_t) {});
  }));
  if (changed) {
    if (logoff) {
      PublishEnded({*changed});
    } else {
      bus_.Publish(SessionChanged{
          .station_id = station_id, .session_id = session_id, .state = SessionState::kLocked});
    }
  }
  return GetSession(session_id);
}

void Identity::OnPersonLeftZone(const PersonLeftZone& left) {
  // Cheap first: most passages are by people with no session open anywhere.
  std::vector<std::pair<int64_t, int64_t>> open;  // (session, station)
  auto read = db_.Read([&](store::Connection& c) {
    return c.Exec(
        "SELECT s.id, s.station_id FROM identity_station_sessions s JOIN identity_accounts a ON "
        "a.id = s.account_id WHERE a.person_id = ? AND s.ended_at IS NULL AND s.state = 'active'",
        {left.person_id}, [&](const store::Row& r) { open.emplace_back(r.Int(0), r.Int(1)); });
  });
  if (!read || open.empty()) return;
  for (const auto& [session_id, station_id] : open) {
    auto station = directory_.GetStation(station_id);
    if (!station || station->zone_id != left.zone_id) continue;
    std::optional<StationSession> locked;
    auto done = db_.Write([&](store::Connection& c) -> Result<void> {
      FG_ASSIGN_OR_RETURN(int64_t changed,
                          c.Exec("UPDATE identity_station_sessions SET state = 'locked' WHERE id "
                                 "= ? AND ended_at IS NULL AND state = 'active'",
                                 {session_id}));
      if (changed == 0) return {};  // ended or locked meanwhile
      FG_ASSIGN_OR_RETURN(locked, internal::LoadSession(c, session_id));
      return log_
          .Append(c, {.actor = "system",
                      .action = "logon.walk_away",
                      .subject = Subject("session", session_id),
                      .details = Details({{"station_id", station_id},
                                          {"workstation_id", station->workstation_id},
                                          {"person_id", left.person_id},
                                          {"zone_id", left.zone_id},
                                          {"reason", "badged out of the station's zone"}})})
          .transform([](int64_t) {});
    });
    if (!done) {
      spdlog::error("walk-away lock of session {} failed: {}", session_id, done.error().ToString());
      continue;
    }
    if (locked) {
      bus_.Publish(SessionChanged{
          .station_id = station_id, .session_id = session_id, .state = SessionState::kLocked});
    }
  }
}

Result<StationSession> Identity::Logoff(int64_t station_id, int64_t session_id) {
  return SetSessionState(station_id, session_id, "logon.logoff");
}

Result<StationSession> Identity::Lock(int64_t station_id, int64_t session_id) {
  return SetSessionState(station_id, session_id, "logon.lock");
}

Result<StationSession> Identity::Heartbeat(int64_t station_id, int64_t session_id) {
  FG_ASSIGN_OR_RETURN(StationSession session, GetSession(session_id));
  if (session.station_id != station_id) {
    return NotFound("session " + std::to_string(session_id) + " does not exist at this station");
  }
  if (session.ended_at) return FailedPrecondition("the session has ended; log on again");
  if (session.state != SessionState::kActive) return session;  // idle or locked: unlock first
  int64_t now = Micros(clock_.WallNow());
  // Not audited: a heartbeat decides nothing, and one a minute per station would drown the
  // trail. The state it keeps up is audited when it changes (lock, unlock, expire).
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    return c
        .Exec(
            "UPDATE identity_station_sessions SET last_heartbeat_at = ? WHERE id = ? AND "
            "ended_at IS NULL AND state = 'active'",
            {now, session_id})
        .transform([](int64_t) {});
  }));
  session.last_heartbeat_at = core::FromUnixMicros(now);
  return session;
}

Result<LogonDecision> Identity::Unlock(int64_t station_id, int64_t session_id,
                                       std::string_view password, std::string_view totp,
                                       std::string_view source_address) {
  FG_ASSIGN_OR_RETURN(StationSession session, GetSession(session_id));
  if (session.station_id != station_id) {
    return NotFound("session " + std::to_string(session_id) + " does not exist at this station");
  }
  if (session.ended_at) return FailedPrecondition("the session has ended; log on again");
  LogonRequest request{.station_id = station_id,
                       .username = session.username,
                       .password = std::string(password),
                       .totp = std::string(totp),
                       .source_address = std::string(source_address)};
  Evaluation ev;
  ev.kind = Evaluation::Kind::kUnlock;
  ev.request = &request;
  ev.now = clock_.WallNow();
  ev.username = session.username;
  ev.workstation_id = session.workstation_id;
  ev.unlock_session_id = session_id;
  FG_RETURN_IF_ERROR(EvaluateAccount(ev, session.account_id));
  return Commit(ev);
}

Result<void> Identity::ChangePasswordAtStation(int64_t station_id, int64_t session_id,
                                               std::string_view current, std::string_view next) {
  FG_ASSIGN_OR_RETURN(StationSession session, GetSession(session_id));
  if (session.station_id != station_id) {
    return NotFound("session " + std::to_string(session_id) + " does not exist at this station");
  }
  if (session.ended_at) return FailedPrecondition("the session has ended; log on again");
  auto changed = ChangePassword(session.account_id, current, next);
  if (!changed && changed.error().field == "current_password") {
    // A wrong current password is a failed authentication, for the detectors to count.
    logs::AuthEvent event;
    event.time = clock_.WallNow();
    event.origin = logs::AuthOrigin::kFloorguard;
    event.outcome = logs::AuthOutcome::kFailure;
    event.username = session.username;
    event.station = session.workstation_id;
    event.source_address = session.source_address;
    event.reason = "bad_password";
    bus_.Publish(event);
  }
  return changed;
}

Result<int64_t> Identity::Sweep() {
  std::vector<StationSession> ended;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t now = Micros(clock_.WallNow());
    int64_t cutoff = Micros(clock_.WallNow() - options_.session_end_after_idle);
    FG_ASSIGN_OR_RETURN(ended,
                        internal::EndOpenSessions(c, log_, "s.last_heartbeat_at <= ?", cutoff, now,
                                                  "expired", "system", "logon.session.expire"));
    return {};
  }));
  PublishEnded(ended);
  return static_cast<int64_t>(ended.size());
}

// --- Presence ---

Result<bool> ReportedPresence::IsPresent(int64_t person_id, int64_t zone_id, core::WallTime at) {
  std::optional<bool> present;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(
        "SELECT zone_id, inside, at FROM identity_presence_reports WHERE person_id = ? AND at <= ? "
        "ORDER BY at DESC, id DESC LIMIT 1",
        {person_id, Micros(at)}, [&](const store::Row& row) {
          bool fresh = Micros(at) - row.Int(2) <= Micros(max_age_);
          present = row.Int(0) == zone_id && row.Int(1) != 0 && fresh;
        });
  }));
  return present.value_or(false);
}

Result<void> Identity::ReportPresence(std::string_view actor, int64_t person_id, int64_t zone_id,
                                      bool inside) {
  auto person = directory_.GetPerson(person_id);
  if (!person) {
    if (person.error().code == ErrorCode::kNotFound) {
      return InvalidArgument("person_id",
                             "person " + std::to_string(person_id) + " does not exist");
    }
    return tl::unexpected(person.error());
  }
  auto zone = directory_.GetZone(zone_id);
  if (!zone) {
    if (zone.error().code == ErrorCode::kNotFound) {
      return InvalidArgument("zone_id", "zone " + std::to_string(zone_id) + " does not exist");
    }
    return tl::unexpected(zone.error());
  }
  return db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t now = Micros(clock_.WallNow());
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO identity_presence_reports (person_id, zone_id, inside, at, reported_by) "
        "VALUES (?, ?, ?, ?, ?)",
        {person_id, zone_id, inside, now, actor}));
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "presence.report",
                    .subject = Subject("person", person_id),
                    .details = Details({{"zone_id", zone_id}, {"state", inside ? "in" : "out"}})})
        .transform([](int64_t) {});
  });
}

}  // namespace fg::identity
