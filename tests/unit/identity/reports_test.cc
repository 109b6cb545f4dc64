// Reports: the floor view, histories, failed logons, locked accounts, and their CSV.
#include "fixture.h"
#include "identity/csv.h"

namespace fg::identity {
namespace {

using namespace std::chrono_literals;

class ReportsTest : public IdentityFixture {
 protected:
  const FloorStation* Find(const std::vector<FloorZone>& zones, int64_t station) {
    for (const FloorZone& zone : zones) {
      for (const FloorStation& s : zone.stations) {
        if (s.station_id == station) return &s;
      }
    }
    return nullptr;
  }
};

TEST_F(ReportsTest, FloorViewShowsWhoIsWhereByZone) {
  Agent();
  ASSERT_EQ(Decide(ws1_, "ada").verdict, Verdict::kAllow);
  auto floor = identity_->FloorView();
  ASSERT_TRUE(floor) << floor.error().ToString();
  ASSERT_EQ(floor->size(), 2u);
  EXPECT_EQ((*floor)[0].zone_name, "Floor 1");
  EXPECT_EQ((*floor)[0].stations.size(), 2u);
  const FloorStation* ws1 = Find(*floor, ws1_);
  ASSERT_TRUE(ws1 && ws1->session);
  EXPECT_EQ(ws1->session->username, "ada");
  EXPECT_EQ(ws1->session->person_name, "Ada Byron");
  EXPECT_EQ(ws1->session->state, SessionState::kActive);
  EXPECT_EQ(ws1->session->started_at, clock_.WallNow());
  EXPECT_FALSE(Find(*floor, ws2_)->session);
}

TEST_F(ReportsTest, FloorViewShowsIdleAfterFifteenMinutes) {
  Agent();
  ASSERT_EQ(Decide(ws1_, "ada").verdict, Verdict::kAllow);
  clock_.Advance(14min + 59s);
  EXPECT_EQ(Find(*identity_->FloorView(), ws1_)->session->state, SessionState::kActive);
  clock_.Advance(1s);
  EXPECT_EQ(Find(*identity_->FloorView(), ws1_)->session->state, SessionState::kIdle);
}

TEST_F(ReportsTest, FloorViewShowsLocked) {
  Agent();
  LogonDecision d = Decide(ws1_, "ada");
  ASSERT_TRUE(identity_->Lock(ws1_, d.session->id));
  EXPECT_EQ(Find(*identity_->FloorView(), ws1_)->session->state, SessionState::kLocked);
}

TEST_F(ReportsTest, StationHistoryBetweenTwoTimes) {
  Agent();
  Agent("grace", "E2");
  core::WallTime t0 = clock_.WallNow();
  LogonDecision a = Decide(ws1_, "ada");  // 06:00-07:00
  clock_.Advance(1h);
  ASSERT_TRUE(identity_->Logoff(ws1_, a.session->id));
  clock_.Advance(1h);
  LogonDecision g = Decide(ws1_, "grace");  // 08:00-09:00
  clock_.Advance(1h);
  ASSERT_TRUE(identity_->Logoff(ws1_, g.session->id));
  clock_.Advance(1h);
  Decide(ws2_, "ada");  // another station

  auto all = identity_->StationHistory(ws1_, t0, clock_.WallNow());
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].username, "ada");
  EXPECT_EQ((*all)[1].username, "grace");
  EXPECT_EQ((*all)[1].workstation_id, "WS-1");
  // 06:30-07:30 overlaps only ada's session; 07:10-07:50 neither.
  auto first = identity_->StationHistory(ws1_, t0 + 30min, t0 + 90min);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].username, "ada");
  EXPECT_TRUE(identity_->StationHistory(ws1_, t0 + 70min, t0 + 110min)->empty());
  EXPECT_FALSE(identity_->StationHistory(ws1_, t0, t0));  // empty range
}

TEST_F(ReportsTest, PersonHistoryListsWhereTheAgentLoggedOn) {
  Account ada = Agent();
  core::WallTime t0 = clock_.WallNow();
  LogonDecision a = Decide(ws1_, "ada");
  clock_.Advance(1h);
  ASSERT_TRUE(identity_->Logoff(ws1_, a.session->id));
  Decide(ws2_, "ada");
  auto history = identity_->PersonHistory(ada.person_id, t0, clock_.WallNow() + 1min);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].workstation_id, "WS-1");
  EXPECT_EQ((*history)[1].workstation_id, "WS-2");
}

TEST_F(ReportsTest, FailedLogonsPageNewestFirst) {
  Agent();
  for (int i = 0; i < 5; ++i) {
    Decide(ws1_, "ada", "wrong " + std::to_string(i));
    clock_.Advance(1s);
  }
  auto first = identity_->FailedLogons(clock_.WallNow() - 1h, clock_.WallNow(), 3);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->items.size(), 3u);
  ASSERT_TRUE(first->next_cursor);
  EXPECT_GT(first->items[0].time, first->items[1].time);
  auto second =
      identity_->FailedLogons(clock_.WallNow() - 1h, clock_.WallNow(), 3, first->next_cursor);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->items.size(), 2u);
  EXPECT_FALSE(second->next_cursor);
}

TEST_F(ReportsTest, LockedAccountsListedUntilUnlocked) {
  Account ada = Agent();
  ASSERT_TRUE(identity_->LockAccount("ada", clock_.WallNow() + 30min, "brute_force", "detect"));
  auto locked = identity_->LockedAccounts();
  ASSERT_TRUE(locked);
  ASSERT_EQ(locked->size(), 1u);
  EXPECT_EQ((*locked)[0].username, "ada");
  EXPECT_EQ((*locked)[0].reason, "brute_force");
  ASSERT_TRUE(identity_->Unlock("user:sec", ada.id));
  EXPECT_TRUE(identity_->LockedAccounts()->empty());
  ASSERT_TRUE(identity_->LockAccount("ada", clock_.WallNow() + 30min, "again", "detect"));
  clock_.Advance(31min);
  EXPECT_TRUE(identity_->LockedAccounts()->empty());  // expired
}

TEST(Csv, CsvNeutralisesFormulas) {
  EXPECT_EQ(CsvCell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(CsvCell("+1"), "'+1");
  EXPECT_EQ(CsvCell("-2"), "'-2");
  EXPECT_EQ(CsvCell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvCell("ada"), "ada");
}

TEST(Csv, CsvQuotesPerRfc4180) {
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvCell("two\nlines"), "\"two\nlines\"");
  CsvWriter csv;
  csv.Row({"a", "b"});
  csv.Row({"", "c"});
  EXPECT_EQ(csv.text(), "a,b\r\n,c\r\n");
}

TEST_F(ReportsTest, FloorViewCsvHasARowPerStation) {
  Agent();
  Decide(ws1_, "ada");
  std::string csv = FloorViewCsv(*identity_->FloorView());
  EXPECT_TRUE(csv.starts_with("zone_id,zone,station_id,workstation_id"));
  EXPECT_NE(csv.find(",WS-1,true,"), std::string::npos);
  EXPECT_NE(csv.find(",ada,"), std::string::npos);
  size_t lines = 0;
  for (char ch : csv) lines += ch == '\n';
  EXPECT_EQ(lines, 4u);  // header + 3 stations
}

}  // namespace
}  // namespace fg::identity
