// The muster report and occupancy (muster.h): everyone on site by zone, with names and hosts.
#include "access/muster.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace fg::access {
namespace {

class MusterTest : public AccessFixture {
 protected:
  void SetUp() override {
    AccessFixture::SetUp();
    ASSERT_TRUE(db_->Migrate("access_visitors", VisitorDesk::Migrations()));
    desk_ = std::make_unique<VisitorDesk>(*db_, *log_, *directory_, *access_, clock_, nullptr);
    muster_ = std::make_unique<Muster>(*directory_, *access_, desk_.get(), clock_);
    street_ = Zone("Street", ZoneClassification::kPublic);
    server_room_ = Zone("Server room", ZoneClassification::kRestricted);
    Door("main", street_, lobby_);
    Door("floor", lobby_, floor_);
  }
  void TearDown() override {
    muster_.reset();
    desk_.reset();
    AccessFixture::TearDown();
  }
  const MusterZone* ZoneIn(const MusterReport& report, int64_t zone_id) {
    for (const auto& z : report.zones) {
      if (z.zone_id == zone_id) return &z;
    }
    return nullptr;
  }

  std::unique_ptr<VisitorDesk> desk_;
  std::unique_ptr<Muster> muster_;
  int64_t street_ = 0;
  int64_t server_room_ = 0;
};

TEST_F(MusterTest, ListsEveryoneOnSiteByZoneWithNamesHostsAndEntryTime) {
  auto host = directory_->CreatePerson(
      {.kind = PersonKind::kEmployee, .employee_number = "E9001", .name = "=Ada Host"},
      "user:test");
  ASSERT_TRUE(host);
  Badge(host->id, 1);
  ASSERT_TRUE(Decide("main-in", "w26:1:1").granted());
  clock_.Advance(std::chrono::minutes(5));
  const core::WallTime entered_floor = Now();
  ASSERT_TRUE(Decide("floor-in", "w26:1:1").granted());

  auto visit = desk_->CheckIn({.name = "Val Visitor",
                               .company = "Acme, Inc.",
                               .host_id = host->id,
                               .purpose = "Meeting",
                               .credential = "w26:7:77"},
                              "user:desk");
  ASSERT_TRUE(visit) << visit.error().ToString();
  ASSERT_TRUE(Decide("main-in", "w26:7:77").granted());

  auto report = muster_->Report();
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->total, 2);
  const MusterZone* floor = ZoneIn(*report, floor_);
  ASSERT_NE(floor, nullptr);
  EXPECT_EQ(floor->name, "Floor");
  ASSERT_EQ(floor->people.size(), 1u);
  EXPECT_EQ(floor->people[0].name, "=Ada Host");
  EXPECT_EQ(floor->people[0].employee_number, "E9001");
  EXPECT_EQ(floor->people[0].since, entered_floor);

  const MusterZone* lobby = ZoneIn(*report, lobby_);
  ASSERT_NE(lobby, nullptr);
  ASSERT_EQ(lobby->people.size(), 1u);
  EXPECT_EQ(lobby->people[0].name, "Val Visitor");
  EXPECT_EQ(lobby->people[0].kind, PersonKind::kVisitor);
  EXPECT_EQ(lobby->people[0].host_id, host->id);
  EXPECT_EQ(lobby->people[0].host_name, "=Ada Host");
  EXPECT_EQ(lobby->people[0].visit_id, visit->id);

  // Empty zones are listed too.
  const MusterZone* server_room = ZoneIn(*report, server_room_);
  ASSERT_NE(server_room, nullptr);
  EXPECT_TRUE(server_room->people.empty());
  EXPECT_EQ(server_room->classification, ZoneClassification::kRestricted);

  // Printed: quoted where needed, never a formula.
  const std::string csv = MusterCsv(*report);
  EXPECT_EQ(csv.rfind("zone_id,zone,classification,person_id,name,kind,", 0), 0u);
  EXPECT_NE(csv.find(",'=Ada Host,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\"Acme, Inc.\""), std::string::npos) << csv;

  // Checked out: gone from the muster.
  ASSERT_TRUE(desk_->CheckOut(visit->id, "user:desk"));
  EXPECT_EQ(muster_->Report()->total, 1);
}

TEST_F(MusterTest, OccupancyCountsEveryZoneWithNameAndClassification) {
  Badge(Person(PersonKind::kEmployee), 1);
  Badge(Person(PersonKind::kEmployee), 2);
  ASSERT_TRUE(Decide("main-in", "w26:1:1").granted());
  ASSERT_TRUE(Decide("main-in", "w26:1:2").granted());
  ASSERT_TRUE(Decide("floor-in", "w26:1:2").granted());
  auto occupancy = muster_->Occupancy();
  ASSERT_TRUE(occupancy);
  ASSERT_EQ(occupancy->size(), 4u);
  std::map<int64_t, ZoneOccupancy> by_zone;
  for (const auto& z : *occupancy) by_zone[z.zone_id] = z;
  EXPECT_EQ(by_zone[lobby_].count, 1);
  EXPECT_EQ(by_zone[lobby_].name, "Lobby");
  EXPECT_EQ(by_zone[lobby_].classification, ZoneClassification::kPublic);
  EXPECT_EQ(by_zone[floor_].count, 1);
  EXPECT_EQ(by_zone[street_].count, 0);
  EXPECT_EQ(by_zone[server_room_].count, 0);
}

}  // namespace
}  // namespace fg::access
