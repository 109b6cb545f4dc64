#include "logs/intake.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace fg::logs {
namespace {

class IntakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::Open({.path = ":memory:", .durability = store::Durability::kNormal});
    ASSERT_TRUE(db);
    db_ = std::move(*db);
  }
  Received Make(std::string raw, Transport transport = Transport::kUdp) {
    return Classify(std::move(raw), "192.0.2.1", transport, test::Context());
  }
  core::ManualClock clock_{test::Context().reference};
  std::unique_ptr<store::Database> db_;
};

TEST_F(IntakeTest, EveryLineIsKeptUnparseableOnesIncluded) {
  auto intake = Intake::Open(*db_, clock_);
  ASSERT_TRUE(intake) << intake.error().ToString();
  EXPECT_TRUE((*intake)->Add(Make(
      "<38>Nov 29 05:49:07 web1 sshd[1]: Failed password for root from 203.0.113.5 port 2 ssh2")));
  EXPECT_TRUE((*intake)->Add(Make("<999>garbage", Transport::kTcp)));
  EXPECT_TRUE((*intake)->Add(Make("<13>Nov 29 05:49:07 web1 CRON[1]: nothing")));
  (*intake)->Flush();

  auto all = (*intake)->List({});
  ASSERT_TRUE(all) << all.error().ToString();
  ASSERT_EQ(all->size(), 3u);
  const LogEventRow& auth = (*all)[0];
  EXPECT_TRUE(auth.parsed);
  EXPECT_EQ(auth.host, "web1");
  EXPECT_EQ(auth.app, "sshd");
  EXPECT_EQ(auth.peer, "192.0.2.1");
  EXPECT_EQ(auth.auth_origin, AuthOrigin::kSshd);
  EXPECT_EQ(auth.auth_outcome, AuthOutcome::kFailure);
  EXPECT_EQ(auth.auth_username, "root");
  EXPECT_EQ(auth.auth_source, "203.0.113.5");
  EXPECT_EQ(core::ToUnixMicros(auth.received_at), core::ToUnixMicros(clock_.WallNow()));
  EXPECT_FALSE((*all)[2].auth_origin);

  auto unparsed = (*intake)->List({.only_unparsed = true});
  ASSERT_TRUE(unparsed);
  ASSERT_EQ(unparsed->size(), 1u);
  EXPECT_EQ((*unparsed)[0].raw, "<999>garbage");
  EXPECT_EQ((*unparsed)[0].transport, Transport::kTcp);
  EXPECT_FALSE((*unparsed)[0].parsed);
  EXPECT_NE((*unparsed)[0].error.find("pri"), std::string::npos);

  auto counts = (*intake)->Counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->stored, 3);
  EXPECT_EQ(counts->stored_unparsed, 1);
  EXPECT_EQ(counts->written, 3u);
  EXPECT_EQ(counts->dropped, 0u);
}

TEST_F(IntakeTest, ListPagesByIdAndChecksTheLimit) {
  auto intake = Intake::Open(*db_, clock_);
  ASSERT_TRUE(intake);
  for (int i = 0; i < 5; ++i) (*intake)->Add(Make("<13>Nov 29 05:49:07 h a: " + std::to_string(i)));
  (*intake)->Flush();
  auto page = (*intake)->List({.limit = 2});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  auto next = (*intake)->List({.limit = 10, .after_id = (*page)[1].id});
  ASSERT_TRUE(next);
  ASSERT_EQ(next->size(), 3u);
  EXPECT_EQ((*next)[0].id, (*page)[1].id + 1);
  EXPECT_FALSE((*intake)->List({.limit = 0}));
  EXPECT_FALSE((*intake)->List({.limit = 1001}));
}

TEST_F(IntakeTest, RawTextIsCappedAtAUtf8Boundary) {
  auto intake = Intake::Open(*db_, clock_);
  ASSERT_TRUE(intake);
  std::string raw = "<13>Nov 29 05:49:07 h a: " + std::string(kMaxStoredRawBytes, 'x');
  raw.replace(kMaxStoredRawBytes - 1, 2, "\xC3\xA9");  // é straddles the cap
  (*intake)->Add(Make(raw));
  (*intake)->Flush();
  auto rows = (*intake)->List({});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_TRUE((*rows)[0].raw_truncated);
  EXPECT_EQ((*rows)[0].raw.size(), kMaxStoredRawBytes - 1);
}

TEST_F(IntakeTest, FullQueueCountsDropsInsteadOfBlocking) {
  auto intake = Intake::Open(*db_, clock_, {.max_queued = 1, .max_batch = 1});
  ASSERT_TRUE(intake);
  // Hold the single writer so the queue cannot drain while we add.
  std::mutex gate;
  std::unique_lock hold(gate);
  db_->WriteAsync(
      [&](store::Connection&) -> Result<void> {
        std::lock_guard wait(gate);
        return {};
      },
      [](const Result<void>&) {});
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += (*intake)->Add(Make("<13>Nov 29 05:49:07 h a: x"));
  hold.unlock();
  (*intake)->Flush();
  auto counts = (*intake)->Counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->accepted, static_cast<uint64_t>(accepted));
  EXPECT_EQ(counts->dropped, static_cast<uint64_t>(10 - accepted));
  EXPECT_GE(counts->dropped, 8u);  // at most one queued and one in flight
  EXPECT_EQ(counts->stored, accepted);
}

TEST_F(IntakeTest, MigrationIsRecordedForModuleLogs) {
  auto intake = Intake::Open(*db_, clock_);
  ASSERT_TRUE(intake);
  auto version = db_->SchemaVersion("logs");
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, 1);
}

}  // namespace
}  // namespace fg::logs
