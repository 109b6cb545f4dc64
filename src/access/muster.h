// access/muster.h: the muster report — who is on site now, zone by zone — and occupancy.
//
// What it decides: nothing new; it joins presence (the zone each person last entered and
// when, PresenceTracker::Where/Occupancy) with the directory (names, kind, employee number,
// company; zone names and classifications) and the visitor desk (a visitor's host). Every
// zone of the directory is listed, empty ones with 0, so the fire warden sees the whole
// building. MusterCsv renders the report for printing, with cells that a spreadsheet will
// never evaluate as a formula.
// What it never does: move anyone (presence is the door decisions' business) or write.
// Thread-safety: thread-safe (reads only); the report is a consistent view per person, not a
// single instant across all people. It pages through the directory (1,000 people a read).
//
//   access::Muster muster(directory, access, &desk, clock);
//   FG_ASSIGN_OR_RETURN(auto report, muster.Report());
//   std::string csv = access::MusterCsv(report);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "access/access.h"
#include "access/visitors.h"
#include "core/clock.h"
#include "core/result.h"
#include "directory/directory.h"

namespace fg::access {

struct MusterPerson {
  int64_t person_id = 0;
  std::string name;
  directory::PersonKind kind = directory::PersonKind::kEmployee;
  std::optional<std::string> employee_number;
  std::string company;
  core::WallTime since;  // when they entered the zone
  // Visitors: their visit and host.
  std::optional<int64_t> visit_id;
  std::optional<int64_t> host_id;
  std::string host_name;
};

struct MusterZone {
  int64_t zone_id = 0;
  int64_t site_id = 0;
  std::string name;
  directory::ZoneClassification classification = directory::ZoneClassification::kStaff;
  std::vector<MusterPerson> people;  // by name
};

struct MusterReport {
  core::WallTime generated_at;
  std::vector<MusterZone> zones;  // by site, then zone id
  int64_t total = 0;
};

struct ZoneOccupancy {
  int64_t zone_id = 0;
  int64_t site_id = 0;
  std::string name;
  directory::ZoneClassification classification = directory::ZoneClassification::kStaff;
  int64_t count = 0;
};

class Muster {
 public:
  // visitors may be null (no host column then).
  Muster(directory::Directory& directory, AccessControl& access, VisitorDesk* visitors,
         core::Clock& clock);

  Result<MusterReport> Report();
  // Every zone with its count now (0 included), by site then zone id.
  Result<std::vector<ZoneOccupancy>> Occupancy();

 private:
  Result<std::vector<directory::Zone>> AllZones();

  directory::Directory& directory_;
  AccessControl& access_;
  VisitorDesk* visitors_;
  core::Clock& clock_;
};

// zone_id,zone,classification,person_id,name,kind,employee_number,company,host,since
std::string MusterCsv(const MusterReport& report);

}  // namespace fg::access
