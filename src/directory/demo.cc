#include "directory/demo.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <string>

namespace fg::directory {

namespace {

struct DemoEmployee {
  std::string_view name;
  PersonStatus status;
};

// Campaign A (Northwind) staff first, then campaign B (Contoso).
constexpr std::array<DemoEmployee, 40> kEmployees = {{
    {"Amara Okafor", PersonStatus::kActive},       {"Liam O'Brien", PersonStatus::kActive},
    {"Sofía Martínez", PersonStatus::kActive},     {"Chen Wei", PersonStatus::kActive},
    {"Priya Raghunathan", PersonStatus::kActive},  {"Jonas Becker", PersonStatus::kActive},
    {"Fatima Al-Sayed", PersonStatus::kActive},    {"Mateo Rossi", PersonStatus::kActive},
    {"Hannah Kowalski", PersonStatus::kActive},    {"Kwame Mensah", PersonStatus::kActive},
    {"Yuki Tanaka", PersonStatus::kActive},        {"Olivia Thompson", PersonStatus::kActive},
    {"Diego Hernández", PersonStatus::kSuspended}, {"Aisha Bello", PersonStatus::kActive},
    {"Noah Fischer", PersonStatus::kActive},       {"Ingrid Johansson", PersonStatus::kActive},
    {"Rahul Mehta", PersonStatus::kActive},        {"Grace Nakamura", PersonStatus::kActive},
    {"Tomás Silva", PersonStatus::kActive},        {"Elena Popescu", PersonStatus::kHired},
    {"Samuel Adeyemi", PersonStatus::kActive},     {"Leila Haddad", PersonStatus::kActive},
    {"Marcus Johnson", PersonStatus::kActive},     {"Anna Nowak", PersonStatus::kActive},
    {"Ethan Walker", PersonStatus::kActive},       {"Mei Lin", PersonStatus::kActive},
    {"Carlos Mendoza", PersonStatus::kTerminated}, {"Zainab Yusuf", PersonStatus::kActive},
    {"Lukáš Novák", PersonStatus::kActive},        {"Chloé Dubois", PersonStatus::kActive},
    {"Daniel Kim", PersonStatus::kActive},         {"Nadia Petrova", PersonStatus::kActive},
    {"Oliver Brown", PersonStatus::kSuspended},    {"Isabel Costa", PersonStatus::kActive},
    {"Tariq Rahman", PersonStatus::kActive},       {"Emily Clarke", PersonStatus::kActive},
    {"Hiroshi Sato", PersonStatus::kActive},       {"Lucía Romero", PersonStatus::kActive},
    {"Patrick Murphy", PersonStatus::kActive},     {"Ngozi Eze", PersonStatus::kHired},
}};

// Employees (by index) whose training expired a while ago.
constexpr std::array<int, 4> kExpiredTraining = {5, 17, 24, 36};

// "YYYY-MM-DD" `days` after (or before) `date`, which is valid.
std::string AddDays(const std::string& date, int days) {
  using namespace std::chrono;
  int y = std::stoi(date.substr(0, 4));
  unsigned m = static_cast<unsigned>(std::stoi(date.substr(5, 2)));
  unsigned d = static_cast<unsigned>(std::stoi(date.substr(8, 2)));
  year_month_day ymd{sys_days{year{y} / month{m} / day{d}} + std::chrono::days{days}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

Result<void> Seed(Transaction& tx, std::string_view actor, const std::string& today) {
  FG_ASSIGN_OR_RETURN(auto existing, tx.FindSiteByName(kDemoSiteName));
  if (existing) return {};

  FG_ASSIGN_OR_RETURN(Campaign northwind, tx.CreateCampaign({.code = "NORTHWIND-CARE",
                                                             .name = "Northwind customer care",
                                                             .client = "Northwind Traders"},
                                                            actor));
  FG_ASSIGN_OR_RETURN(Campaign contoso, tx.CreateCampaign({.code = "CONTOSO-SALES",
                                                           .name = "Contoso outbound sales",
                                                           .client = "Contoso Ltd"},
                                                          actor));

  FG_ASSIGN_OR_RETURN(
      Site site,
      tx.CreateSite({.name = std::string(kDemoSiteName), .timezone = "America/Chicago"}, actor));
  auto zone = [&](std::string name, ZoneClassification classification,
                  std::optional<int64_t> parent = {}, std::optional<int64_t> campaign = {}) {
    return tx.CreateZone({.site_id = site.id,
                          .name = std::move(name),
                          .classification = classification,
                          .parent_id = parent,
                          .campaign_id = campaign},
                         actor);
  };
  FG_ASSIGN_OR_RETURN(Zone lobby, zone("Lobby / front desk", ZoneClassification::kPublic));
  FG_RETURN_IF_ERROR(zone("Break room and lockers", ZoneClassification::kPublic, lobby.id));
  FG_ASSIGN_OR_RETURN(Zone floor, zone("Production floor", ZoneClassification::kStaff));
  FG_ASSIGN_OR_RETURN(Zone area_a,
                      zone("Campaign A area", ZoneClassification::kSecure, floor.id, northwind.id));
  FG_ASSIGN_OR_RETURN(Zone area_b,
                      zone("Campaign B area", ZoneClassification::kSecure, floor.id, contoso.id));
  FG_ASSIGN_OR_RETURN(Zone training_room, zone("Training room", ZoneClassification::kStaff));
  FG_RETURN_IF_ERROR(zone("Server room", ZoneClassification::kRestricted));

  for (size_t i = 0; i < kEmployees.size(); ++i) {
    const DemoEmployee& e = kEmployees[i];
    std::string number = "E" + std::to_string(1001 + i);
    std::string lower = "e" + std::to_string(1001 + i);
    int tenure_days = 60 + static_cast<int>((i * 37) % 900);
    std::string hire_date =
        e.status == PersonStatus::kHired ? AddDays(today, -3) : AddDays(today, -tenure_days);
    std::optional<std::string> end_date;
    if (e.status == PersonStatus::kTerminated) end_date = AddDays(today, -14);
    FG_ASSIGN_OR_RETURN(Person person,
                        tx.CreatePerson({.kind = PersonKind::kEmployee,
                                         .employee_number = number,
                                         .name = std::string(e.name),
                                         .status = e.status,
                                         .hire_date = hire_date,
                                         .end_date = end_date,
                                         .company = "Demo Call Center",
                                         .email = lower + "@demo-callcenter.example"},
                                        actor));
    if (e.status == PersonStatus::kHired) continue;  // not trained yet
    const Campaign& campaign = i < kEmployees.size() / 2 ? northwind : contoso;
    bool expired = std::find(kExpiredTraining.begin(), kExpiredTraining.end(),
                             static_cast<int>(i)) != kExpiredTraining.end();
    std::string completed = expired ? AddDays(today, -400) : AddDays(today, -(30 + (i * 11) % 200));
    std::optional<std::string> expires = expired ? AddDays(today, -35) : AddDays(completed, 365);
    FG_RETURN_IF_ERROR(tx.CreateTraining({.person_id = person.id,
                                          .campaign_id = campaign.id,
                                          .completed_on = completed,
                                          .expires_on = expires},
                                         actor));
    FG_RETURN_IF_ERROR(tx.SetAssignments(person.id, {campaign.id}, actor).transform([](auto) {}));
  }

  struct DemoVisitor {
    std::string_view name;
    PersonKind kind;
    std::string_view company;
  };
  constexpr std::array<DemoVisitor, 5> kOthers = {{
      {"Robert Hale", PersonKind::kVisitor, "Fabrikam Facilities"},
      {"Sara Lindqvist", PersonKind::kVisitor, "Contoso Ltd"},
      {"Miguel Ortega", PersonKind::kVisitor, "Northwind Traders"},
      {"Jordan Ellis", PersonKind::kApplicant, ""},
      {"Priyanka Das", PersonKind::kApplicant, ""},
  }};
  for (const DemoVisitor& v : kOthers) {
    FG_RETURN_IF_ERROR(tx.CreatePerson(
        {.kind = v.kind, .name = std::string(v.name), .company = std::string(v.company)}, actor));
  }

  auto station = [&](std::string id, const Zone& zone, std::optional<int64_t> campaign) {
    return tx.CreateStation(
        {.workstation_id = std::move(id), .zone_id = zone.id, .campaign_id = campaign}, actor);
  };
  for (int n = 1; n <= 13; ++n) {
    char id[16];
    std::snprintf(id, sizeof id, "WS-A%02d", n);
    FG_RETURN_IF_ERROR(station(id, area_a, northwind.id));
    std::snprintf(id, sizeof id, "WS-B%02d", n);
    FG_RETURN_IF_ERROR(station(id, area_b, contoso.id));
  }
  for (int n = 1; n <= 4; ++n) {
    char id[16];
    std::snprintf(id, sizeof id, "WS-T%02d", n);
    FG_RETURN_IF_ERROR(station(id, training_room, std::nullopt));
  }
  return {};
}

}  // namespace

Result<void> SeedDemoSite(Directory& directory, std::string_view actor) {
  std::string today = directory.Today();
  return directory.InTransaction([&](Transaction& tx) { return Seed(tx, actor, today); });
}

}  // namespace fg::directory
