// The directory's tables. AUTOINCREMENT keeps ids from being reused after a delete, so
// "person:42" in the audit trail names one person forever. Foreign keys back up the
// clearer checks the transaction code makes before writing.
#include "directory/directory.h"

namespace fg::directory {

namespace {

constexpr store::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE people (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('employee', 'applicant', 'visitor', 'contractor')),
  employee_number TEXT COLLATE NOCASE,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('hired', 'active', 'suspended', 'terminated')),
  hire_date TEXT,
  end_date TEXT,
  company TEXT NOT NULL DEFAULT '',
  email TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (kind <> 'employee' OR employee_number IS NOT NULL),
  CHECK (end_date IS NULL OR hire_date IS NULL OR end_date >= hire_date)
);
CREATE UNIQUE INDEX people_employee_number ON people (employee_number);
CREATE INDEX people_kind ON people (kind, id);
CREATE INDEX people_status ON people (status, id);

CREATE TABLE campaigns (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  client TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
CREATE INDEX campaigns_active ON campaigns (active, id);

CREATE TABLE training_records (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id INTEGER NOT NULL REFERENCES people (id),
  campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
  completed_on TEXT NOT NULL,
  expires_on TEXT,
  CHECK (expires_on IS NULL OR expires_on > completed_on)
);
CREATE INDEX training_records_person ON training_records (person_id, campaign_id, id);
CREATE INDEX training_records_campaign ON training_records (campaign_id, id);

CREATE TABLE sites (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  timezone TEXT NOT NULL
);

CREATE TABLE zones (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  site_id INTEGER NOT NULL REFERENCES sites (id),
  name TEXT NOT NULL COLLATE NOCASE,
  classification TEXT NOT NULL
    CHECK (classification IN ('public', 'staff', 'secure', 'restricted')),
  parent_id INTEGER REFERENCES zones (id),
  campaign_id INTEGER REFERENCES campaigns (id),
  UNIQUE (site_id, name)
);
CREATE INDEX zones_site ON zones (site_id, id);
CREATE INDEX zones_parent ON zones (parent_id);
CREATE INDEX zones_campaign ON zones (campaign_id);

CREATE TABLE stations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  workstation_id TEXT NOT NULL COLLATE NOCASE UNIQUE,
  zone_id INTEGER NOT NULL REFERENCES zones (id),
  campaign_id INTEGER REFERENCES campaigns (id),
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))
);
CREATE INDEX stations_zone ON stations (zone_id, id);
CREATE INDEX stations_campaign ON stations (campaign_id);
)sql"},
    {2, R"sql(
CREATE TABLE campaign_assignments (
  person_id INTEGER NOT NULL REFERENCES people (id),
  campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
  assigned_at INTEGER NOT NULL,
  PRIMARY KEY (person_id, campaign_id)
);
CREATE INDEX campaign_assignments_campaign ON campaign_assignments (campaign_id);
)sql"},
};

}  // namespace

std::span<const store::Migration> Directory::Migrations() { return kMigrations; }

}  // namespace fg::directory
