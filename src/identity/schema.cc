// The identity module's tables. Accounts are never deleted: a username, once used, stays
// taken (COLLATE NOCASE makes "Ada" and "ada" one name even if a row bypassed lower-casing).
#include <array>

#include "identity/identity.h"

namespace fg::identity {

namespace {

constexpr std::string_view kV1 = R"sql(
CREATE TABLE identity_accounts (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL UNIQUE,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 1,
  disabled INTEGER NOT NULL DEFAULT 0,
  disabled_reason TEXT NOT NULL DEFAULT '',
  totp_sealed TEXT,
  totp_confirmed INTEGER NOT NULL DEFAULT 0,
  totp_last_step INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  password_changed_at INTEGER
);
CREATE TABLE identity_password_history (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES identity_accounts(id),
  password_hash TEXT NOT NULL,
  replaced_at INTEGER NOT NULL
);
CREATE INDEX identity_password_history_account ON identity_password_history(account_id, id);
CREATE TABLE identity_recovery_codes (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES identity_accounts(id),
  code_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX identity_recovery_codes_account ON identity_recovery_codes(account_id);
CREATE TABLE identity_lockouts (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES identity_accounts(id),
  locked_at INTEGER NOT NULL,
  until INTEGER NOT NULL,
  reason TEXT NOT NULL,
  locked_by TEXT NOT NULL,
  lifted_at INTEGER,
  lifted_by TEXT
);
CREATE INDEX identity_lockouts_account ON identity_lockouts(account_id, lifted_at, until);
CREATE TABLE identity_source_bans (
  source_key TEXT PRIMARY KEY,
  banned_at INTEGER NOT NULL,
  until INTEGER NOT NULL,
  repeats INTEGER NOT NULL DEFAULT 1,
  reason TEXT NOT NULL,
  banned_by TEXT NOT NULL
);
CREATE TABLE identity_station_sessions (
  id INTEGER PRIMARY KEY,
  station_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL REFERENCES identity_accounts(id),
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  end_reason TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'active',
  last_heartbeat_at INTEGER NOT NULL,
  source_address TEXT NOT NULL DEFAULT ''
);
CREATE INDEX identity_sessions_open ON identity_station_sessions(ended_at, station_id);
CREATE INDEX identity_sessions_station ON identity_station_sessions(station_id, started_at);
CREATE INDEX identity_sessions_account ON identity_station_sessions(account_id, started_at);
CREATE TABLE identity_logon_attempts (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  station_id INTEGER NOT NULL,
  workstation_id TEXT NOT NULL DEFAULT '',
  account_id INTEGER,
  username TEXT NOT NULL,
  source_address TEXT NOT NULL DEFAULT '',
  decision TEXT NOT NULL,
  check_name TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  session_id INTEGER
);
CREATE INDEX identity_attempts_time ON identity_logon_attempts(decision, at);
CREATE TABLE identity_presence_reports (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL,
  zone_id INTEGER NOT NULL,
  inside INTEGER NOT NULL,
  at INTEGER NOT NULL,
  reported_by TEXT NOT NULL
);
CREATE INDEX identity_presence_person ON identity_presence_reports(person_id, id);
)sql";

// Work schedules (schedule.h), as canonical text; NULL: no schedule, never off shift.
constexpr std::string_view kV2 = R"sql(
ALTER TABLE identity_accounts ADD COLUMN schedule TEXT;
)sql";

constexpr std::array<store::Migration, 2> kMigrations = {{{1, kV1}, {2, kV2}}};

}  // namespace

std::span<const store::Migration> Identity::Migrations() { return kMigrations; }

}  // namespace fg::identity
