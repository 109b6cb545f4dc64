// The access module's tables. Zones and people belong to the directory; access keys its own
// rows by their ids and checks them through the Directory API before writing.
#include "access/access.h"

namespace fg::access {

namespace {

constexpr store::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE access_doors (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  from_zone_id INTEGER NOT NULL,
  to_zone_id INTEGER NOT NULL,
  entry_reader_id TEXT NOT NULL UNIQUE,
  exit_reader_id TEXT UNIQUE,
  CHECK (from_zone_id <> to_zone_id)
);
CREATE TABLE access_badges (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  credential_key TEXT NOT NULL UNIQUE,
  person_id INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'lost')),
  valid_from INTEGER,
  valid_until INTEGER
);
CREATE INDEX access_badges_person ON access_badges (person_id);
CREATE TABLE access_grants (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id INTEGER NOT NULL,
  zone_id INTEGER NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_until INTEGER,
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX access_grants_person ON access_grants (person_id, zone_id);
CREATE TABLE access_zone_settings (
  zone_id INTEGER PRIMARY KEY,
  passback TEXT NOT NULL CHECK (passback IN ('off', 'soft', 'hard'))
);
CREATE TABLE access_passages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  reader_id TEXT NOT NULL,
  door_id INTEGER,
  badge_id INTEGER,
  person_id INTEGER,
  from_zone_id INTEGER NOT NULL,
  to_zone_id INTEGER NOT NULL,
  granted INTEGER NOT NULL CHECK (granted IN (0, 1)),
  reason TEXT NOT NULL,
  alerts TEXT NOT NULL DEFAULT ''
);
CREATE INDEX access_passages_person ON access_passages (person_id, granted, id);
)sql"},
    {2, R"sql(
ALTER TABLE access_doors ADD COLUMN controller TEXT NOT NULL DEFAULT '';
CREATE INDEX access_doors_controller ON access_doors (controller);
)sql"},
    {3, R"sql(
ALTER TABLE access_zone_settings ADD COLUMN pin_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE access_zone_settings ADD COLUMN schedule TEXT NOT NULL DEFAULT '';
ALTER TABLE access_badges ADD COLUMN pin_hash TEXT;
CREATE TABLE access_holidays (
  site_id INTEGER NOT NULL,
  date TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (site_id, date)
);
)sql"},
    // A credential is unique among active badges only, so a returned visitor pass (revoked)
    // keeps its row and history while the same number is issued again.
    {4, R"sql(
CREATE TABLE access_badges_v4 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  credential_key TEXT NOT NULL,
  person_id INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'lost')),
  valid_from INTEGER,
  valid_until INTEGER,
  pin_hash TEXT
);
INSERT INTO access_badges_v4 (id, credential_key, person_id, status, valid_from, valid_until,
                              pin_hash)
  SELECT id, credential_key, person_id, status, valid_from, valid_until, pin_hash
  FROM access_badges;
DROP TABLE access_badges;
ALTER TABLE access_badges_v4 RENAME TO access_badges;
CREATE INDEX access_badges_person ON access_badges (person_id);
CREATE INDEX access_badges_credential ON access_badges (credential_key);
CREATE UNIQUE INDEX access_badges_active_credential ON access_badges (credential_key)
  WHERE status = 'active';
)sql"},
};

}  // namespace

std::span<const store::Migration> AccessControl::Migrations() { return kMigrations; }

}  // namespace fg::access
