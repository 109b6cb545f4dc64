// CompletenessWatch over real SQLite: calls with a problem alert once, calls from before
// start-up never, complete recordings never.
#include "app/recording_watch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "audit/audit.h"
#include "core/event_bus.h"

namespace fg::app {
namespace {

constexpr int64_t kNow = 1'800'000'000'000'000;

class CompletenessWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("fg_watch_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto db = store::Database::Open({.path = ":memory:", .durability = store::Durability::kNormal});
    ASSERT_TRUE(db);
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate("audit", audit::Log::Migrations()));
    auto signer = audit::Signer::LoadOrCreate(dir_);
    ASSERT_TRUE(signer);
    log_ = std::make_unique<audit::Log>(*db_, clock_, bus_, std::move(*signer));
    recordings_ = std::make_unique<recording::Recordings>(*db_, *log_, clock_,
                                                          recording::RecordingsOptions{});
    ASSERT_TRUE(recordings_->Migrate());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // An answered call of a minute; with `recorded`, a complete recording of all of it.
  int64_t AddCall(bool recorded, bool one_way = false) {
    auto id = recordings_->OpenCall({.call_id = "c" + std::to_string(++n_),
                                     .from_number = "+1555",
                                     .to_number = "1001",
                                     .started_at = clock_.WallNow()});
    EXPECT_TRUE(id);
    recording::CallEnd end;
    end.answered_at = clock_.WallNow();
    end.ended_at = clock_.WallNow() + std::chrono::minutes(1);
    end.end_reason = "bye";
    end.final_status = 200;
    if (recorded) {
      end.recording = recording::RecordingInfo{.id = "r" + std::to_string(n_),
                                               .status = "complete",
                                               .duration_ms = 60'000,
                                               .sha256 = std::string(64, '0'),
                                               .one_way = one_way};
      end.key = recording::WrappedKey{.master_key_id = "k1", .sealed = {1, 2, 3}};
    }
    EXPECT_TRUE(recordings_->CloseCall(*id, end));
    return *id;
  }

  std::filesystem::path dir_;
  core::ManualClock clock_{core::FromUnixMicros(kNow)};
  core::EventBus bus_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<recording::Recordings> recordings_;
  int n_ = 0;
};

TEST_F(CompletenessWatchTest, EachProblemCallAlertsOnceAndOldCallsNever) {
  AddCall(false);  // before start-up: never alerted
  std::vector<std::pair<int64_t, std::string>> alerts;
  CompletenessWatch watch(*recordings_, clock_,
                          [&](int64_t call, const std::string& problem, const std::string&) {
                            alerts.emplace_back(call, problem);
                          });
  ASSERT_EQ(watch.Check().value_or(-1), 0);
  const int64_t missing = AddCall(false);
  AddCall(true);  // fine
  const int64_t one_way = AddCall(true, /*one_way=*/true);
  ASSERT_EQ(watch.Check().value_or(-1), 2);
  EXPECT_EQ(alerts, (std::vector<std::pair<int64_t, std::string>>{{missing, "no recording"},
                                                                  {one_way, "one-way audio"}}));
  EXPECT_EQ(watch.Check().value_or(-1), 0);  // judged once
}

}  // namespace
}  // namespace fg::app
