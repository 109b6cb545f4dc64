#include "directory/demo.h"

#include <gtest/gtest.h>

#include <chrono>

#include "fixture.h"

namespace fg::directory {
namespace {

class DemoTest : public DirectoryFixture {};

TEST_F(DemoTest, SeedsOneSiteWithZonesPeopleStationsAndTraining) {
  ASSERT_TRUE(SeedDemoSite(*directory_, "system"));
  auto counts = directory_->Counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->sites, 1);
  EXPECT_EQ(counts->zones, 7);
  EXPECT_EQ(counts->campaigns, 2);
  EXPECT_EQ(counts->employees, 40);
  EXPECT_EQ(counts->visitors, 3);
  EXPECT_EQ(counts->applicants, 2);
  EXPECT_EQ(counts->stations, 30);
  EXPECT_GE(counts->terminated, 1);

  auto zones = directory_->ListZones({}, 100);
  ASSERT_TRUE(zones);
  int secure_with_campaign = 0, restricted = 0, with_parent = 0;
  for (const Zone& z : zones->items) {
    if (z.classification == ZoneClassification::kSecure && z.campaign_id) ++secure_with_campaign;
    if (z.classification == ZoneClassification::kRestricted) ++restricted;
    if (z.parent_id) ++with_parent;
  }
  EXPECT_EQ(secure_with_campaign, 2);
  EXPECT_EQ(restricted, 1);
  EXPECT_EQ(with_parent, 3);

  auto first = directory_->FindPersonByEmployeeNumber("E1001");
  ASSERT_TRUE(first && *first);
  auto last = directory_->FindPersonByEmployeeNumber("E1040");
  ASSERT_TRUE(last && *last);
  auto station = directory_->FindStationByWorkstationId("WS-A01");
  ASSERT_TRUE(station && *station);
  EXPECT_TRUE((*station)->campaign_id);

  // Most training is valid today, a few records have expired.
  auto training = directory_->ListTraining({}, 100);
  ASSERT_TRUE(training);
  int valid = 0, expired = 0;
  std::string today = directory_->Today();
  for (const TrainingRecord& t : training->items) {
    auto ok = directory_->ValidTraining(t.person_id, t.campaign_id, today);
    ASSERT_TRUE(ok);
    (*ok ? valid : expired) += 1;
  }
  EXPECT_GE(valid, 30);
  EXPECT_GE(expired, 2);
  EXPECT_LE(expired, 6);
}

TEST_F(DemoTest, SeedIsIdempotent) {
  ASSERT_TRUE(SeedDemoSite(*directory_, "system"));
  int64_t entries = AuditCount();
  EXPECT_GT(entries, 100);  // every record is audited
  ASSERT_TRUE(SeedDemoSite(*directory_, "system"));
  EXPECT_EQ(AuditCount(), entries);
  auto counts = directory_->Counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->sites, 1);
  EXPECT_EQ(counts->employees, 40);
  EXPECT_EQ(counts->stations, 30);
}

TEST_F(DemoTest, SeededTrailVerifies) {
  ASSERT_TRUE(SeedDemoSite(*directory_, "system"));
  auto key = audit::LoadPublicKey(dir_ / audit::Signer::kPublicKeyFile);
  ASSERT_TRUE(key);
  auto report = audit::Verify(*db_, *key);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries, AuditCount());
}

TEST_F(DemoTest, SeedOnADurableFileTakesLessThanASecond) {
  OpenAt((dir_ / "demo.db").string(), store::Durability::kFull);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(SeedDemoSite(*directory_, "system"));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(1))
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  auto counts = directory_->Counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->employees, 40);
}

}  // namespace
}  // namespace fg::directory
