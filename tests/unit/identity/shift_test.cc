// Work schedules and the off-shift rule: the schedule text, local time from the site's time
// zone (a TZif reader over the real /usr/share/zoneinfo, package tzdata), and the flag on an
// allowed logon, which is never a deny.
#include <fstream>
#include <iterator>

#include "core/time_zone.h"
#include "fixture.h"
#include "identity/schedule.h"

namespace fg::identity {
namespace {

using namespace std::chrono_literals;
using core::TimeZone;

int64_t UnixSeconds(const char* rfc3339) {
  core::WallTime t;
  EXPECT_TRUE(core::ParseRfc3339(rfc3339, &t)) << rfc3339;
  return core::ToUnixMicros(t) / 1'000'000;
}

// Second of week of a local wall time given as if it were UTC ("2027-01-18T08:00:00Z" is
// Monday 08:00 local).
int64_t Local(const char* rfc3339) { return SecondOfWeek(UnixSeconds(rfc3339)); }

// --- Schedule text ---

TEST(Schedule, ScheduleParsesWeekdayRanges) {
  auto s = Schedule::Parse("  Mon-Fri 08:00-17:00 ;sat   09:00-13:00");
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->text(), "mon-fri 08:00-17:00; sat 09:00-13:00");
  // 2027-01-18 is a Monday.
  EXPECT_TRUE(s->Covers(Local("2027-01-18T08:00:00Z")));
  EXPECT_TRUE(s->Covers(Local("2027-01-22T16:59:59Z")));   // Friday
  EXPECT_FALSE(s->Covers(Local("2027-01-22T17:00:00Z")));  // the end is exclusive
  EXPECT_FALSE(s->Covers(Local("2027-01-18T07:59:00Z")));
  EXPECT_TRUE(s->Covers(Local("2027-01-23T12:00:00Z")));  // Saturday
  EXPECT_FALSE(s->Covers(Local("2027-01-23T14:00:00Z")));
  EXPECT_FALSE(s->Covers(Local("2027-01-24T10:00:00Z")));  // Sunday

  auto lists = Schedule::Parse("mon,wed,fri-sun 00:00-24:00");
  ASSERT_TRUE(lists) << lists.error().ToString();
  EXPECT_TRUE(lists->Covers(Local("2027-01-20T23:59:59Z")));   // Wednesday
  EXPECT_FALSE(lists->Covers(Local("2027-01-19T12:00:00Z")));  // Tuesday
  EXPECT_TRUE(lists->Covers(Local("2027-01-24T00:00:00Z")));   // Sunday
}

TEST(Schedule, ScheduleRejectsBadTimesNamingThePart) {
  struct Case {
    const char* text;
    const char* names;  // what the message must quote
  };
  for (Case c :
       {Case{"mon-fri 08:00-17:00; sat 9-13", "window 2 'sat 9-13'"},
        Case{"mon-fri 08:00-25:00", "'08:00-25:00'"}, Case{"mon-fri 08:60-17:00", "'08:60-17:00'"},
        Case{"mon-fri 24:00-06:00", "'24:00-06:00'"}, Case{"mon-fry 08:00-17:00", "day 'mon-fry'"},
        Case{"monday 08:00-17:00", "day 'monday'"}, Case{"mon-fri 08:00-17:00;", "window 2"},
        Case{"mon-fri", "window 1 'mon-fri'"}, Case{"mon-fri 08:00 17:00", "window 1"},
        Case{"mon 08:00-08:00", "same time"}, Case{"   ", "empty"}}) {
    auto s = Schedule::Parse(c.text);
    ASSERT_FALSE(s) << c.text;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << c.text;
    EXPECT_EQ(s.error().field, "schedule") << c.text;
    EXPECT_NE(s.error().message.find(c.names), std::string::npos)
        << c.text << " -> " << s.error().message;
  }
  EXPECT_FALSE(Schedule::Parse(std::string(kMaxScheduleText + 1, 'm')));
}

TEST(Schedule, WindowCrossingMidnight) {
  auto night = Schedule::Parse("mon-fri 22:00-06:00");
  ASSERT_TRUE(night) << night.error().ToString();
  EXPECT_TRUE(night->Covers(Local("2027-01-18T23:00:00Z")));   // Monday night
  EXPECT_TRUE(night->Covers(Local("2027-01-19T05:59:00Z")));   // into Tuesday morning
  EXPECT_FALSE(night->Covers(Local("2027-01-18T03:00:00Z")));  // Monday morning: Sunday is off
  EXPECT_TRUE(night->Covers(Local("2027-01-23T05:00:00Z")));   // Friday's runs into Saturday
  EXPECT_FALSE(night->Covers(Local("2027-01-23T23:00:00Z")));  // Saturday night is off
  EXPECT_FALSE(night->Covers(Local("2027-01-19T12:00:00Z")));

  // Sunday's night window runs across the end of the week into Monday.
  auto sunday = Schedule::Parse("sun 20:00-04:00");
  ASSERT_TRUE(sunday) << sunday.error().ToString();
  EXPECT_TRUE(sunday->Covers(Local("2027-01-18T03:00:00Z")));
  EXPECT_FALSE(sunday->Covers(Local("2027-01-18T04:00:00Z")));
  // Grace before a start reaches back across the week's start too.
  auto monday = Schedule::Parse("mon 00:00-08:00");
  ASSERT_TRUE(monday);
  EXPECT_TRUE(monday->Covers(Local("2027-01-17T23:50:00Z"), 15min));
  EXPECT_FALSE(monday->Covers(Local("2027-01-17T23:40:00Z"), 15min));
}

// --- TZif reader ---

int64_t OffsetIn(const char* zone_name, const char* at) {
  auto zone = TimeZone::Load(zone_name);
  EXPECT_TRUE(zone) << zone_name << ": " << zone.error().ToString();
  return zone ? zone->OffsetAt(UnixSeconds(at)) : -1;
}

TEST(Tzif, KnownOffsetsFromRealZoneFiles) {
  EXPECT_EQ(OffsetIn("Europe/Berlin", "2027-07-01T12:00:00Z"), 2 * 3600);
  EXPECT_EQ(OffsetIn("Europe/Berlin", "2027-01-15T12:00:00Z"), 1 * 3600);
  EXPECT_EQ(OffsetIn("Asia/Kolkata", "2027-01-15T12:00:00Z"), 5 * 3600 + 30 * 60);
  EXPECT_EQ(OffsetIn("Asia/Kolkata", "2027-07-01T12:00:00Z"), 5 * 3600 + 30 * 60);
  EXPECT_EQ(OffsetIn("UTC", "2027-07-01T12:00:00Z"), 0);
  EXPECT_EQ(OffsetIn("Etc/UTC", "1980-01-01T00:00:00Z"), 0);
  EXPECT_EQ(OffsetIn("Australia/Sydney", "2027-01-15T12:00:00Z"), 11 * 3600);  // summer there
  EXPECT_EQ(OffsetIn("Australia/Sydney", "2027-07-01T12:00:00Z"), 10 * 3600);
  EXPECT_EQ(OffsetIn("America/Chicago", "1990-07-01T12:00:00Z"), -5 * 3600);  // the table
}

TEST(Tzif, DaylightSavingStartsAtTheExactInstant) {
  // 2027-03-14 02:00 CST = 08:00Z.
  EXPECT_EQ(OffsetIn("America/Chicago", "2027-03-14T07:59:59Z"), -6 * 3600);
  EXPECT_EQ(OffsetIn("America/Chicago", "2027-03-14T08:00:00Z"), -5 * 3600);
  // 2027-11-07 02:00 CDT = 07:00Z.
  EXPECT_EQ(OffsetIn("America/Chicago", "2027-11-07T06:59:59Z"), -5 * 3600);
  EXPECT_EQ(OffsetIn("America/Chicago", "2027-11-07T07:00:00Z"), -6 * 3600);
}

TEST(Tzif, FooterRuleAnswersPastTheLastTransition) {
  // Far beyond any table (fat files stop at 2037): only the footer knows.
  EXPECT_EQ(OffsetIn("Europe/Berlin", "2100-07-01T12:00:00Z"), 2 * 3600);
  EXPECT_EQ(OffsetIn("Europe/Berlin", "2100-01-15T12:00:00Z"), 1 * 3600);
  EXPECT_EQ(OffsetIn("America/Chicago", "2100-07-01T12:00:00Z"), -5 * 3600);
  EXPECT_EQ(OffsetIn("Australia/Sydney", "2100-01-15T12:00:00Z"), 11 * 3600);
  EXPECT_EQ(OffsetIn("Australia/Sydney", "2100-07-01T12:00:00Z"), 10 * 3600);
}

TEST(Tzif, PosixRuleForms) {
  auto chicago = TimeZone::ParsePosix("CST6CDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(chicago);
  EXPECT_EQ(chicago->std_offset, -6 * 3600);
  EXPECT_EQ(chicago->dst_offset, -5 * 3600);
  EXPECT_EQ(chicago->start.month, 3);
  EXPECT_EQ(chicago->end.time, 7200);
  auto kolkata = TimeZone::ParsePosix("IST-5:30");
  ASSERT_TRUE(kolkata);
  EXPECT_EQ(kolkata->std_offset, 5 * 3600 + 1800);
  EXPECT_FALSE(kolkata->dst_offset);
  auto quoted = TimeZone::ParsePosix("<+0330>-3:30");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->std_offset, 3 * 3600 + 1800);
  auto julian = TimeZone::ParsePosix("XST3XDT,J60/-1,300/25");
  ASSERT_TRUE(julian);
  EXPECT_EQ(julian->start.time, -3600);
  EXPECT_EQ(julian->end.time, 25 * 3600);
  for (const char* bad : {"", "C6", "CST", "CST6CDT", "CST6CDT,M13.1.0,M11.1.0", "CST6CDT,M3.2.0",
                          "CST6CDT,M3.2.0,M11.1.0x"}) {
    EXPECT_FALSE(TimeZone::ParsePosix(bad)) << bad;
  }
}

TEST(Tzif, ZoneNamesCannotLeaveTheZoneinfoDirectory) {
  EXPECT_TRUE(core::IsValidZoneName("America/Argentina/Buenos_Aires"));
  EXPECT_TRUE(core::IsValidZoneName("Etc/GMT+5"));
  for (const char* bad :
       {"", "../../etc/passwd", "/etc/passwd", "Europe/../../etc/shadow", "Europe//Berlin",
        "Europe/Berlin/", ".hidden", "Europe/Ber lin", "Europe\\Berlin"}) {
    EXPECT_FALSE(core::IsValidZoneName(bad)) << bad;
    auto zone = TimeZone::Load(bad);
    ASSERT_FALSE(zone) << bad;
    EXPECT_EQ(zone.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(core::IsValidZoneName(std::string(65, 'a')));
  auto missing = TimeZone::Load("Mars/Olympus_Mons");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(Tzif, TruncatedOrForeignDataIsAnErrorNeverACrash) {
  std::ifstream in("/usr/share/zoneinfo/America/Chicago", std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(data.size(), 100u);
  ASSERT_TRUE(TimeZone::Parse(data));
  // Every cut inside the header and data blocks fails cleanly (only the footer is optional).
  size_t footer = data.rfind("\nCST");
  ASSERT_NE(footer, std::string::npos);
  for (size_t cut = 0; cut < footer; cut += 7) {
    EXPECT_FALSE(TimeZone::Parse(std::string_view(data).substr(0, cut))) << cut;
  }
  EXPECT_FALSE(TimeZone::Parse("not a zone file at all, but long enough for a header......"));
  std::string bad_counts = data;
  bad_counts[36] = '\xff';  // typecnt of the first header: absurd
  EXPECT_FALSE(TimeZone::Parse(bad_counts));
}

TEST(Tzif, CacheRemembersFailuresAndZones) {
  core::TimeZones zones;
  auto first = zones.Get("Europe/Berlin");
  ASSERT_TRUE(first);
  auto again = zones.Get("Europe/Berlin");
  ASSERT_TRUE(again);
  EXPECT_EQ(first->get(), again->get());
  EXPECT_FALSE(zones.Get("Nowhere/Atlantis"));
  EXPECT_FALSE(zones.Get("Nowhere/Atlantis"));
}

// --- The off-shift rule in a logon decision ---

class ShiftTest : public IdentityFixture {
 protected:
  // The fixture starts at 2027-01-15T06:00:00Z, a Friday; the clock only moves forward.
  void At(const char* rfc3339) {
    core::WallTime t;
    ASSERT_TRUE(core::ParseRfc3339(rfc3339, &t)) << rfc3339;
    ASSERT_GE(t, clock_.WallNow()) << rfc3339;
    clock_.Advance(t - clock_.WallNow());
  }
  void SetSiteZone(const std::string& zone_name) {
    auto zone = directory_->GetZone(floor_);
    ASSERT_TRUE(zone);
    auto site = directory_->UpdateSite(zone->site_id, {.timezone = zone_name}, "user:t");
    ASSERT_TRUE(site) << site.error().ToString();
  }
  Account Scheduled(const std::string& schedule = "mon-fri 08:00-17:00") {
    Account ada = Agent();
    auto set = identity_->SetSchedule("user:admin", ada.id, schedule);
    EXPECT_TRUE(set) << set.error().ToString();
    return set ? *set : ada;
  }
  // Decides a logon at WS-1, which must be allowed; answers whether it was off shift, and
  // checks that the decision and the published event agree.
  bool OffShiftLogon() {
    size_t before = events_.size();
    LogonDecision d = Decide(ws1_, "ada");
    EXPECT_EQ(d.verdict, Verdict::kAllow) << d.reason;
    bool alerted = std::find(d.alerts.begin(), d.alerts.end(), "off_shift") != d.alerts.end();
    EXPECT_GT(events_.size(), before);
    if (events_.size() > before) {
      EXPECT_EQ(events_[before].off_shift, alerted);
    }
    return alerted;
  }
};

TEST_F(ShiftTest, LogonOutsideScheduleIsFlaggedOffShift) {
  Account ada = Scheduled();
  At("2027-01-15T19:00:00Z");  // Friday 19:00 at a UTC site
  EXPECT_TRUE(OffShiftLogon());
  auto entries = AuditEntries("logon.allow");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_NE(entries[0].details.find("\"off_shift\":{"), std::string::npos) << entries[0].details;
  EXPECT_NE(entries[0].details.find("\"local_time\":\"2027-01-15T19:00:00+00:00\""),
            std::string::npos)
      << entries[0].details;
  EXPECT_NE(entries[0].details.find("\"schedule\":\"mon-fri 08:00-17:00\""), std::string::npos);
  At("2027-01-16T10:00:00Z");  // Saturday
  EXPECT_TRUE(OffShiftLogon());
}

TEST_F(ShiftTest, LogonInsideScheduleIsNotFlagged) {
  Scheduled();
  At("2027-01-15T08:00:00Z");
  EXPECT_FALSE(OffShiftLogon());
  At("2027-01-15T16:59:00Z");
  EXPECT_FALSE(OffShiftLogon());
  // The audit entry says nothing of shifts when on shift.
  for (const auto& e : AuditEntries("logon.allow")) {
    EXPECT_EQ(e.details.find("off_shift"), std::string::npos) << e.details;
  }
}

TEST_F(ShiftTest, GraceBeforeTheStartIsOnShift) {
  Scheduled();
  At("2027-01-18T07:44:00Z");  // Monday, 16 minutes early
  EXPECT_TRUE(OffShiftLogon());
  At("2027-01-18T07:46:00Z");  // 14 minutes early: within the default 15
  EXPECT_FALSE(OffShiftLogon());
}

TEST_F(ShiftTest, NoScheduleNeverOffShift) {
  Agent();
  At("2027-01-16T03:00:00Z");  // Saturday at 3 in the morning
  EXPECT_FALSE(OffShiftLogon());
  // A schedule cleared with null stops the flag too.
  auto ada = identity_->FindAccount("ada");
  ASSERT_TRUE(ada && *ada);
  ASSERT_TRUE(identity_->SetSchedule("user:admin", (*ada)->id, "mon 08:00-09:00"));
  EXPECT_TRUE(OffShiftLogon());
  auto cleared = identity_->SetSchedule("user:admin", (*ada)->id, std::nullopt);
  ASSERT_TRUE(cleared);
  EXPECT_FALSE(cleared->schedule);
  EXPECT_FALSE(OffShiftLogon());
}

TEST_F(ShiftTest, OffShiftIsNeverADeny) {
  // Even with every monitorable check enforced.
  Options options;
  options.presence_mode = Mode::kOff;
  options.single_session_mode = Mode::kEnforce;
  MakeIdentity(options);
  Scheduled("sun 01:00-02:00");
  At("2027-01-15T12:00:00Z");
  EXPECT_TRUE(OffShiftLogon());
  EXPECT_TRUE(AuditEntries("logon.deny").empty());
}

TEST_F(ShiftTest, SiteTimezoneDecidesLocalTime) {
  Scheduled();
  // Winter (CST, UTC-6). Friday 20:00Z: 20:00 at a UTC site, 14:00 in Chicago.
  At("2027-01-15T20:00:00Z");
  EXPECT_TRUE(OffShiftLogon());
  SetSiteZone("America/Chicago");
  EXPECT_FALSE(OffShiftLogon());
  // Monday 13:30Z in winter is 07:30 CST: 30 minutes early, off shift.
  At("2027-01-18T13:30:00Z");
  EXPECT_TRUE(OffShiftLogon());
  auto entries = AuditEntries("logon.allow");
  ASSERT_FALSE(entries.empty());
  EXPECT_NE(entries.front().details.find("2027-01-18T07:30:00-06:00"), std::string::npos)
      << entries.front().details;  // newest first
  EXPECT_NE(entries.front().details.find("\"timezone\":\"America/Chicago\""), std::string::npos);
  // Summer (CDT, UTC-5): Wednesday 13:30Z is 08:30, on shift; as CST it would be 07:30.
  At("2027-07-14T13:30:00Z");
  EXPECT_FALSE(OffShiftLogon());
  // 21:30Z is 16:30 CDT, on shift; the same instant at a UTC site is not.
  At("2027-07-14T21:30:00Z");
  EXPECT_FALSE(OffShiftLogon());
  SetSiteZone("UTC");
  EXPECT_TRUE(OffShiftLogon());
}

TEST_F(ShiftTest, UnknownTimezoneDoesNotFlag) {
  Scheduled();
  SetSiteZone("Mars/Olympus_Mons");
  At("2027-01-16T03:00:00Z");  // off shift in any zone on Earth
  EXPECT_FALSE(OffShiftLogon());
  EXPECT_FALSE(OffShiftLogon());  // the failure is cached, and still does not flag
}

TEST_F(ShiftTest, ScheduleIsValidatedStoredCanonicallyAndAudited) {
  int64_t person = MakePerson("E9");
  auto bad = identity_->CreateAccount("user:admin", person, "ada", std::nullopt, "mon 8-17");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "schedule");
  auto created =
      identity_->CreateAccount("user:admin", person, "ada", std::nullopt, "MON-FRI  08:00-17:00");
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_EQ(created->account.schedule, "mon-fri 08:00-17:00");
  auto creation = AuditEntries("account.create");
  ASSERT_EQ(creation.size(), 1u);
  EXPECT_NE(creation[0].details.find("mon-fri 08:00-17:00"), std::string::npos);

  int64_t id = created->account.id;
  auto refused = identity_->SetSchedule("user:admin", id, "sat 09:00-13:00;;");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "schedule");
  EXPECT_EQ(identity_->GetAccount(id)->schedule, "mon-fri 08:00-17:00");

  ASSERT_TRUE(identity_->SetSchedule("user:admin", id, "sat 09:00-13:00"));
  ASSERT_TRUE(identity_->SetSchedule("user:admin", id, std::nullopt));
  ASSERT_TRUE(identity_->SetSchedule("user:admin", id, std::nullopt));  // unchanged: no entry
  auto updates = AuditEntries("account.update");
  ASSERT_EQ(updates.size(), 2u);
  // Each change carries the old and the new text.
  std::string all = updates[0].details + updates[1].details;
  EXPECT_NE(
      all.find("{\"schedule\":{\"new\":\"sat 09:00-13:00\",\"old\":\"mon-fri 08:00-17:00\"}}"),
      std::string::npos)
      << all;
  EXPECT_NE(all.find("{\"schedule\":{\"new\":null,\"old\":\"sat 09:00-13:00\"}}"),
            std::string::npos)
      << all;
  EXPECT_EQ(updates[0].actor, "user:admin");
  EXPECT_FALSE(identity_->SetSchedule("user:admin", 999, "mon 08:00-09:00"));
}

}  // namespace
}  // namespace fg::identity
