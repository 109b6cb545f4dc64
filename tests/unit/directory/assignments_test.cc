// Campaign assignments (directory.h SetAssignments / ListAssignments).
#include <gtest/gtest.h>

#include "fixture.h"

namespace fg::directory {
namespace {

class AssignmentsTest : public DirectoryFixture {};

std::vector<int64_t> CampaignIds(const std::vector<CampaignAssignment>& list) {
  std::vector<int64_t> ids;
  for (const auto& a : list) ids.push_back(a.campaign_id);
  return ids;
}

TEST_F(AssignmentsTest, SetReplacesTheWholeSetAndAuditsBeforeAndAfter) {
  const Person ada = Employee("E1");
  const Campaign a = MakeCampaign("CAMP-A");
  const Campaign b = MakeCampaign("CAMP-B");
  auto set = directory_->SetAssignments(ada.id, {b.id, a.id, a.id}, "user:test");
  ASSERT_TRUE(set) << set.error().ToString();
  EXPECT_EQ(CampaignIds(*set), (std::vector<int64_t>{a.id, b.id}));
  EXPECT_EQ(LastAudit().action, "person.assign");

  auto replaced = directory_->SetAssignments(ada.id, {b.id}, "user:test");
  ASSERT_TRUE(replaced);
  EXPECT_EQ(CampaignIds(*replaced), std::vector<int64_t>{b.id});
  EXPECT_NE(LastAudit().details.find(R"("before":[)" + std::to_string(a.id)), std::string::npos);
  auto all = directory_->ListAssignments();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u);
}

TEST_F(AssignmentsTest, AnUnchangedSetWritesNothing) {
  const Person ada = Employee("E1");
  const Campaign a = MakeCampaign("CAMP-A");
  ASSERT_TRUE(directory_->SetAssignments(ada.id, {a.id}, "user:test"));
  const int64_t before = AuditCount();
  const uint64_t generation = directory_->generation();
  ASSERT_TRUE(directory_->SetAssignments(ada.id, {a.id}, "user:test"));
  EXPECT_EQ(AuditCount(), before);
  // The transaction ran (a reader may reload once), but nothing was written or audited.
  EXPECT_GE(directory_->generation(), generation);
}

TEST_F(AssignmentsTest, OnlyEmployeesAndContractorsWorkExistingCampaigns) {
  const Campaign a = MakeCampaign("CAMP-A");
  const Person visitor = Visitor();
  EXPECT_EQ(ErrorOf(directory_->SetAssignments(visitor.id, {a.id}, "user:test")).field,
            "person_id");
  const Person ada = Employee("E1");
  EXPECT_EQ(ErrorOf(directory_->SetAssignments(ada.id, {a.id, 999}, "user:test")).field,
            "campaign_ids");
  EXPECT_EQ(ErrorOf(directory_->SetAssignments(4242, {a.id}, "user:test")).code,
            ErrorCode::kNotFound);
  // A refused set changed nothing.
  auto list = directory_->ListAssignments(ada.id);
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST_F(AssignmentsTest, EveryCommittedWriteMovesTheGeneration) {
  const uint64_t start = directory_->generation();
  Employee("E1");
  EXPECT_GT(directory_->generation(), start);
}

}  // namespace
}  // namespace fg::directory
