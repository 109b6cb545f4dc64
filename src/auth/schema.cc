// The auth module's tables. AUTOINCREMENT keeps ids from being reused, so "user:7" and
// "token:3" in the audit trail name one account forever. Secrets are stored only as hashes:
// password_hash is an Argon2id string, token_hash/csrf_hash/secret_hash are BLAKE2b-256.
#include "auth/auth.h"

namespace fg::auth {

namespace {

constexpr store::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE auth_users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL COLLATE NOCASE UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'security', 'supervisor', 'auditor')),
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
  created_at INTEGER NOT NULL,
  last_login_at INTEGER,
  password_changed_at INTEGER NOT NULL
);
CREATE INDEX auth_users_role ON auth_users (role, disabled);

CREATE TABLE auth_password_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES auth_users (id),
  password_hash TEXT NOT NULL,
  replaced_at INTEGER NOT NULL
);
CREATE INDEX auth_password_history_user ON auth_password_history (user_id, id);

CREATE TABLE auth_sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES auth_users (id),
  token_hash BLOB NOT NULL UNIQUE,
  csrf_hash BLOB NOT NULL,
  remote_address TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  ended_at INTEGER,
  end_reason TEXT
);
CREATE INDEX auth_sessions_live ON auth_sessions (user_id) WHERE ended_at IS NULL;

CREATE TABLE auth_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('door-controller', 'workstation', 'pbx', 'sensor')),
  station_id INTEGER,
  secret_hash BLOB NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  revoked_at INTEGER
);
CREATE UNIQUE INDEX auth_tokens_live_name ON auth_tokens (name COLLATE NOCASE)
  WHERE revoked_at IS NULL;
)sql"},
    // 2: the `monitor` device role (Prometheus scrapers). SQLite cannot alter a CHECK
    // constraint, so the table is rebuilt with its rows and ids.
    {2, R"sql(
CREATE TABLE auth_tokens_v2 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  role TEXT NOT NULL
    CHECK (role IN ('door-controller', 'workstation', 'pbx', 'sensor', 'monitor')),
  station_id INTEGER,
  secret_hash BLOB NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  revoked_at INTEGER
);
INSERT INTO auth_tokens_v2 SELECT id, name, role, station_id, secret_hash, created_at, created_by,
  revoked_at FROM auth_tokens;
DROP TABLE auth_tokens;
ALTER TABLE auth_tokens_v2 RENAME TO auth_tokens;
CREATE UNIQUE INDEX auth_tokens_live_name ON auth_tokens (name COLLATE NOCASE)
  WHERE revoked_at IS NULL;
)sql"},
    // 3: account lockout after repeated failed logins (PCI DSS 8.3.4). A row exists only
    // while an account has recent failures or is locked.
    {3, R"sql(
CREATE TABLE auth_lockouts (
  user_id INTEGER PRIMARY KEY REFERENCES auth_users (id),
  failures INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  locked_until INTEGER
);
)sql"},
    // 4: TOTP second factor (RFC 6238). The seed must be read back to compute codes, so it
    // is sealed (SecretBox, XChaCha20-Poly1305 bound to "totp:user:<id>"), not hashed.
    // last_step refuses a replayed code; recovery codes are BLAKE2b-256 hex, spent once.
    {4, R"sql(
CREATE TABLE auth_totp (
  user_id INTEGER PRIMARY KEY REFERENCES auth_users (id),
  secret_sealed TEXT NOT NULL,
  confirmed INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),
  last_step INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  confirmed_at INTEGER
);
CREATE TABLE auth_recovery_codes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES auth_users (id),
  code_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX auth_recovery_codes_user ON auth_recovery_codes (user_id, code_hash);
)sql"},
};

}  // namespace

std::span<const store::Migration> Auth::Migrations() { return kMigrations; }

}  // namespace fg::auth
