#include "access/muster.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace fg::access {

namespace {

// A CSV cell: quoted when it must be, and never read as a formula by a spreadsheet.
std::string Cell(std::string_view text) {
  std::string value(text);
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                         value[0] == '\t' || value[0] == '\r')) {
    value.insert(value.begin(), '\'');
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool ZoneOrder(const directory::Zone& a, const directory::Zone& b) {
  return a.site_id != b.site_id ? a.site_id < b.site_id : a.id < b.id;
}

}  // namespace

Muster::Muster(directory::Directory& directory, AccessControl& access, VisitorDesk* visitors,
               core::Clock& clock)
    : directory_(directory), access_(access), visitors_(visitors), clock_(clock) {}

Result<std::vector<directory::Zone>> Muster::AllZones() {
  std::vector<directory::Zone> zones;
  int64_t after = 0;
  for (;;) {
    FG_ASSIGN_OR_RETURN(auto page, directory_.ListZones({}, directory::kMaxListLimit, after));
    for (auto& z : page.items) zones.push_back(std::move(z));
    if (!page.next_after_id) break;
    after = *page.next_after_id;
  }
  std::sort(zones.begin(), zones.end(), ZoneOrder);
  return zones;
}

Result<std::vector<ZoneOccupancy>> Muster::Occupancy() {
  FG_ASSIGN_OR_RETURN(auto zones, AllZones());
  const auto counts = access_.presence().Occupancy();
  std::vector<ZoneOccupancy> out;
  out.reserve(zones.size());
  for (const auto& z : zones) {
    auto it = counts.find(z.id);
    out.push_back({.zone_id = z.id,
                   .site_id = z.site_id,
                   .name = z.name,
                   .classification = z.classification,
                   .count = it == counts.end() ? 0 : it->second});
  }
  return out;
}

Result<MusterReport> Muster::Report() {
  MusterReport report{.generated_at = clock_.WallNow()};
  FG_ASSIGN_OR_RETURN(auto zones, AllZones());
  std::unordered_map<int64_t, size_t> index;
  for (const auto& z : zones) {
    index[z.id] = report.zones.size();
    report.zones.push_back({.zone_id = z.id,
                            .site_id = z.site_id,
                            .name = z.name,
                            .classification = z.classification});
  }

  std::unordered_map<int64_t, const Visit*> visit_of;
  std::vector<Visit> on_site;
  if (visitors_ != nullptr) {
    FG_ASSIGN_OR_RETURN(on_site, visitors_->OnSite());
    for (const auto& v : on_site) visit_of[v.person_id] = &v;
  }

  // Everyone in the directory, a page at a time; presence says who is inside and where.
  int64_t after = 0;
  for (;;) {
    FG_ASSIGN_OR_RETURN(auto page, directory_.ListPeople({}, directory::kMaxListLimit, after));
    for (auto& person : page.items) {
      auto where = access_.presence().Where(person.id);
      if (!where) continue;
      auto zone = index.find(where->zone_id);
      if (zone == index.end()) continue;  // a zone deleted since they entered it
      MusterPerson entry{.person_id = person.id,
                         .name = std::move(person.name),
                         .kind = person.kind,
                         .employee_number = std::move(person.employee_number),
                         .company = std::move(person.company),
                         .since = where->since};
      if (auto v = visit_of.find(person.id); v != visit_of.end()) {
        entry.visit_id = v->second->id;
        entry.host_id = v->second->host_id;
        entry.host_name = v->second->host_name;
      }
      report.zones[zone->second].people.push_back(std::move(entry));
      ++report.total;
    }
    if (!page.next_after_id) break;
    after = *page.next_after_id;
  }
  for (auto& z : report.zones) {
    std::sort(z.people.begin(), z.people.end(), [](const MusterPerson& a, const MusterPerson& b) {
      return a.name != b.name ? a.name < b.name : a.person_id < b.person_id;
    });
  }
  return report;
}

std::string MusterCsv(const MusterReport& report) {
  std::string out =
      "zone_id,zone,classification,person_id,name,kind,employee_number,company,host,since\r\n";
  for (const auto& z : report.zones) {
    for (const auto& p : z.people) {
      out += std::to_string(z.zone_id) + "," + Cell(z.name) + "," +
             std::string(directory::ZoneClassificationName(z.classification)) + "," +
             std::to_string(p.person_id) + "," + Cell(p.name) + "," +
             std::string(directory::PersonKindName(p.kind)) + "," +
             Cell(p.employee_number.value_or("")) + "," + Cell(p.company) + "," +
             Cell(p.host_name) + "," + core::FormatRfc3339(p.since) + "\r\n";
    }
  }
  return out;
}

}  // namespace fg::access
