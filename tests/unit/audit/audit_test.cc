#include "audit/audit.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>

namespace fg::audit {
namespace {

namespace fs = std::filesystem;

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fg_audit_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Open();
  }
  void TearDown() override {
    Close();
    fs::remove_all(dir_);
  }
  void Open(Options options = {.checkpoint_every_entries = 10}) {
    auto db = store::Database::Open(
        {.path = (dir_ / "db.sqlite").string(), .durability = store::Durability::kNormal});
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate("audit", Log::Migrations()));
    auto signer = Signer::LoadOrCreate(dir_);
    ASSERT_TRUE(signer) << signer.error().ToString();
    log_ = std::make_unique<Log>(*db_, clock_, bus_, std::move(*signer), options);
  }
  void Close() {
    log_.reset();
    db_.reset();
  }
  void AppendMany(int n) {
    for (int i = 0; i < n; ++i) {
      auto seq = log_->AppendDurably({.actor = "user:admin",
                                      .action = "person.create",
                                      .subject = "person:" + std::to_string(i),
                                      .details = R"({"name":"N)" + std::to_string(i) + R"("})"});
      ASSERT_TRUE(seq);
      clock_.Advance(std::chrono::milliseconds(1));
    }
  }
  // Tampers with the file directly, as an attacker with file access would.
  void Tamper(const std::string& sql) {
    Close();
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "db.sqlite").c_str(), &raw), SQLITE_OK);
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_close(raw);
    Open();
  }
  VerifyReport RunVerify() {
    auto key = LoadPublicKey(dir_ / Signer::kPublicKeyFile);
    EXPECT_TRUE(key);
    auto report = Verify(*db_, *key);
    EXPECT_TRUE(report);
    return *report;
  }

  fs::path dir_;
  core::ManualClock clock_{core::FromUnixMicros(1'800'000'000'000'000)};
  core::EventBus bus_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Log> log_;
};

TEST_F(AuditTest, IntactTrailVerifies) {
  AppendMany(25);
  VerifyReport r = RunVerify();
  EXPECT_TRUE(r.intact) << r.problem;
  EXPECT_EQ(r.entries, 25);
  EXPECT_EQ(r.checkpoints, 2);  // at 10 and 20
  EXPECT_EQ(r.last_signed_seq, 20);
  EXPECT_EQ(r.last_seq, 25);
}

TEST_F(AuditTest, EditedEntryIsNamed) {
  AppendMany(25);
  Tamper("UPDATE audit_log SET details = '{\"name\":\"someone else\"}' WHERE seq = 7");
  VerifyReport r = RunVerify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_bad_seq, 7);
  EXPECT_NE(r.problem.find("edited"), std::string::npos) << r.problem;
}

TEST_F(AuditTest, EditedEntryWithRecomputedChainIsCaughtByCheckpoint) {
  AppendMany(25);
  // A careful attacker rewrites entry 5 and recomputes every hash after it; only the
  // signed checkpoint at 10 can tell.
  Close();
  {
    auto db = store::Database::Open({.path = (dir_ / "db.sqlite").string()});
    ASSERT_TRUE(db);
    std::vector<Entry> entries;
    ASSERT_TRUE((*db)->Read([&](store::Connection& c) {
      return c.Exec(
          "SELECT seq, time_us, actor, action, subject, details FROM audit_log ORDER BY seq", {},
          [&](const store::Row& row) {
            Entry e;
            e.seq = row.Int(0);
            e.time = core::FromUnixMicros(row.Int(1));
            e.actor = row.Text(2);
            e.action = row.Text(3);
            e.subject = row.Text(4);
            e.details = row.Text(5);
            entries.push_back(e);
          });
    }));
    entries[4].details = R"({"name":"forged"})";
    Hash prev{};
    ASSERT_TRUE((*db)->Write([&](store::Connection& c) -> Result<void> {
      for (auto& e : entries) {
        e.prev_hash = prev;
        e.hash = ChainHash(prev, e);
        prev = e.hash;
        FG_RETURN_IF_ERROR(c.Exec(
            "UPDATE audit_log SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            {e.details, store::BlobView{{reinterpret_cast<const char*>(e.prev_hash.data()), 32}},
             store::BlobView{{reinterpret_cast<const char*>(e.hash.data()), 32}}, e.seq}));
      }
      return {};
    }));
  }
  Open();
  VerifyReport r = RunVerify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_bad_seq, 10);
  EXPECT_NE(r.problem.find("checkpoint"), std::string::npos) << r.problem;
}

TEST_F(AuditTest, DeletedEntryIsNamed) {
  AppendMany(25);
  Tamper("DELETE FROM audit_log WHERE seq = 12");
  VerifyReport r = RunVerify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_bad_seq, 12);
  EXPECT_NE(r.problem.find("missing"), std::string::npos) << r.problem;
}

TEST_F(AuditTest, DeletedTailIsCaughtByCheckpoint) {
  AppendMany(20);
  Tamper("DELETE FROM audit_log WHERE seq > 15");
  VerifyReport r = RunVerify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_bad_seq, 16);
}

TEST_F(AuditTest, InsertedEntryIsNamed) {
  AppendMany(25);
  // Make room at 8 by shifting everything after it, then insert a made-up entry there.
  Tamper(
      "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 8;"
      "UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1008;"
      "INSERT INTO audit_log SELECT 8, time_us, actor, 'person.delete', subject, details, "
      "prev_hash, hash FROM audit_log WHERE seq = 7;");
  VerifyReport r = RunVerify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_bad_seq, 8);
}

TEST_F(AuditTest, ReorderedEntriesAreNamed) {
  AppendMany(25);
  Tamper(
      "UPDATE audit_log SET seq = -1 WHERE seq = 14;"
      "UPDATE audit_log SET seq = 14 WHERE seq = 15;"
      "UPDATE audit_log SET seq = 15 WHERE seq = -1;");
  VerifyReport r = RunVerify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_bad_seq, 14);
}

TEST_F(AuditTest, ForgedCheckpointIsNamed) {
  AppendMany(25);
  Tamper("UPDATE audit_checkpoints SET time_us = time_us + 1 WHERE seq = 20");
  VerifyReport r = RunVerify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_bad_seq, 20);
  EXPECT_NE(r.problem.find("signature"), std::string::npos) << r.problem;
}

TEST_F(AuditTest, CheckpointSignedByAnotherKeyIsRejected) {
  AppendMany(5);
  auto other_dir = dir_ / "other";
  fs::create_directories(other_dir);
  auto other = Signer::LoadOrCreate(other_dir);
  ASSERT_TRUE(other);
  auto key = LoadPublicKey(other_dir / Signer::kPublicKeyFile);
  ASSERT_TRUE(log_->CheckpointIfDue());
  auto report = Verify(*db_, *key);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->intact);
}

TEST_F(AuditTest, TimedCheckpointCoversAQuietTail) {
  Close();
  Open({.checkpoint_every_entries = 0, .checkpoint_interval = std::chrono::seconds(30)});
  AppendMany(3);
  ASSERT_TRUE(log_->CheckpointIfDue());  // first checkpoint is due at once
  AppendMany(2);
  ASSERT_TRUE(log_->CheckpointIfDue());  // not due: interval has not passed
  EXPECT_EQ(RunVerify().checkpoints, 1);
  clock_.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(log_->CheckpointIfDue());
  EXPECT_EQ(RunVerify().checkpoints, 2);
  ASSERT_TRUE(log_->CheckpointIfDue());  // nothing new: no checkpoint
  EXPECT_EQ(RunVerify().checkpoints, 2);
}

TEST_F(AuditTest, RolledBackDecisionLeavesNoEntryAndChainIntact) {
  AppendMany(3);
  auto r = db_->Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(log_->Append(c, {.actor = "system", .action = "x", .subject = "y"}));
    return Internal("decision failed after its audit entry");
  });
  EXPECT_FALSE(r);
  AppendMany(2);
  VerifyReport report = RunVerify();
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.entries, 5);
}

TEST_F(AuditTest, CommittedEventFollowsDurableAppend) {
  int64_t seen = 0;
  auto sub = bus_.Subscribe<AuditCommitted>([&](const AuditCommitted& e) { seen = e.last_seq; });
  AppendMany(4);
  EXPECT_EQ(seen, 4);
}

TEST_F(AuditTest, ListFiltersAndPagesNewestFirst) {
  AppendMany(12);
  ASSERT_TRUE(
      log_->AppendDurably({.actor = "user:sec", .action = "zone.update", .subject = "zone:1"}));
  auto page = log_->List({.limit = 5});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 5u);
  EXPECT_EQ(page->front().seq, 13);
  auto next = log_->List({.before_seq = page->back().seq, .limit = 5});
  EXPECT_EQ(next->front().seq, 8);
  EXPECT_EQ(log_->List({.actor = "user:sec"})->size(), 1u);
  EXPECT_EQ(log_->List({.action = "person."})->size(), 12u);
  EXPECT_EQ(log_->List({.action = "person"})->size(), 0u);
  EXPECT_EQ(log_->List({.subject = "person:3"})->size(), 1u);
  auto t = core::FromUnixMicros(1'800'000'000'000'000 + 5'000);
  EXPECT_EQ(log_->List({.from = t})->size(), 8u);
  EXPECT_EQ(log_->List({.to = t})->size(), 5u);
  EXPECT_EQ(log_->After(10, 100)->size(), 3u);
}

TEST_F(AuditTest, SigningKeyIsPrivateAndRefusedWhenExposed) {
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / Signer::kSecretKeyFile).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ::chmod((dir_ / Signer::kSecretKeyFile).c_str(), 0644);
  auto signer = Signer::Load(dir_);
  ASSERT_FALSE(signer);
  EXPECT_NE(signer.error().message.find("chmod 600"), std::string::npos);
}

}  // namespace
}  // namespace fg::audit
