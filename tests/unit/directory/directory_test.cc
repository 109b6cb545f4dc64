#include "directory/directory.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fixture.h"

namespace fg::directory {
namespace {

using Json = nlohmann::json;

class DirectoryTest : public DirectoryFixture {};

void ExpectInvalid(const Error& error, const std::string& field) {
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument) << error.ToString();
  EXPECT_EQ(error.field, field) << error.ToString();
}

// --- names ---

TEST_F(DirectoryTest, NameIsTrimmedAndMustNotBeEmpty) {
  auto person = directory_->CreatePerson({.kind = PersonKind::kVisitor, .name = "  Ada  "}, "u");
  ASSERT_TRUE(person);
  EXPECT_EQ(person->name, "Ada");
  ExpectInvalid(
      ErrorOf(directory_->CreatePerson({.kind = PersonKind::kVisitor, .name = " \t "}, "u")),
      "name");
  ExpectInvalid(ErrorOf(directory_->CreateSite({.name = "", .timezone = "UTC"}, "u")), "name");
}

TEST_F(DirectoryTest, NameIsAtMost200Characters) {
  std::string longest;
  for (int i = 0; i < 200; ++i) longest += "é";  // 200 characters, 400 bytes
  EXPECT_TRUE(directory_->CreatePerson({.kind = PersonKind::kVisitor, .name = longest}, "u"));
  ExpectInvalid(
      ErrorOf(directory_->CreatePerson({.kind = PersonKind::kVisitor, .name = longest + "x"}, "u")),
      "name");
}

TEST_F(DirectoryTest, NameMustNotContainControlCharacters) {
  for (std::string name : {std::string("Ada\nByron"), std::string("Ada\x01"),
                           std::string("Ada\x7f"), std::string("Ada\xc2\x85")}) {
    auto error =
        ErrorOf(directory_->CreatePerson({.kind = PersonKind::kVisitor, .name = name}, "u"));
    ExpectInvalid(error, "name");
  }
  ExpectInvalid(ErrorOf(directory_->CreateCampaign({.code = "AB", .name = "Tab\there"}, "u")),
                "name");
}

TEST_F(DirectoryTest, NameMustBeValidUtf8) {
  ExpectInvalid(ErrorOf(directory_->CreatePerson(
                    {.kind = PersonKind::kVisitor, .name = std::string("Ada \xff")}, "u")),
                "name");
  ExpectInvalid(ErrorOf(directory_->CreatePerson(
                    {.kind = PersonKind::kVisitor, .name = std::string("\xc0\xaf")}, "u")),
                "name");
}

// --- employee numbers ---

TEST_F(DirectoryTest, EmployeeRequiresEmployeeNumber) {
  ExpectInvalid(
      ErrorOf(directory_->CreatePerson({.kind = PersonKind::kEmployee, .name = "Ada"}, "u")),
      "employee_number");
  ExpectInvalid(ErrorOf(directory_->CreatePerson(
                    {.kind = PersonKind::kEmployee, .employee_number = "  ", .name = "Ada"}, "u")),
                "employee_number");
  Person visitor = Visitor();
  ExpectInvalid(ErrorOf(directory_->UpdatePerson(visitor.id, {.kind = PersonKind::kEmployee}, "u")),
                "employee_number");
}

TEST_F(DirectoryTest, EmployeeNumberIsLettersDigitsAndHyphens) {
  for (const std::string& number :
       std::vector<std::string>{"E 1", "E_1", "E1/2", std::string(33, '1')}) {
    ExpectInvalid(
        ErrorOf(directory_->CreatePerson(
            {.kind = PersonKind::kEmployee, .employee_number = number, .name = "Ada"}, "u")),
        "employee_number");
  }
  EXPECT_TRUE(directory_->CreatePerson(
      {.kind = PersonKind::kEmployee, .employee_number = std::string(32, '7'), .name = "Ada"},
      "u"));
}

TEST_F(DirectoryTest, EmployeeNumberIsUniqueAmongPeople) {
  Employee("E1001");
  Error error = ErrorOf(directory_->CreatePerson(
      {.kind = PersonKind::kContractor, .employee_number = "e1001", .name = "Bob"}, "u"));
  EXPECT_EQ(error.code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(error.field, "employee_number");
  Person other = Employee("E1002");
  error = ErrorOf(directory_->UpdatePerson(other.id, {.employee_number = "E1001"}, "u"));
  EXPECT_EQ(error.code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(error.field, "employee_number");
}

// --- dates ---

TEST_F(DirectoryTest, DatesMustBeRealCalendarDates) {
  for (std::string date : {"2023-02-29", "2024-13-01", "2024-04-31", "yesterday", "2024-1-01",
                           "2024-01-01T00:00:00Z"}) {
    ExpectInvalid(ErrorOf(directory_->CreatePerson({.kind = PersonKind::kEmployee,
                                                    .employee_number = "E1",
                                                    .name = "Ada",
                                                    .hire_date = date},
                                                   "u")),
                  "hire_date");
  }
  auto leap = directory_->CreatePerson({.kind = PersonKind::kEmployee,
                                        .employee_number = "E1",
                                        .name = "Ada",
                                        .hire_date = "2024-02-29"},
                                       "u");
  ASSERT_TRUE(leap);
  ExpectInvalid(ErrorOf(directory_->UpdatePerson(leap->id, {.end_date = "2025-02-29"}, "u")),
                "end_date");
  Campaign campaign = MakeCampaign();
  ExpectInvalid(
      ErrorOf(directory_->CreateTraining(
          {.person_id = leap->id, .campaign_id = campaign.id, .completed_on = "soon"}, "u")),
      "completed_on");
}

TEST_F(DirectoryTest, EndDateMustNotBeBeforeHireDate) {
  ExpectInvalid(ErrorOf(directory_->CreatePerson({.kind = PersonKind::kEmployee,
                                                  .employee_number = "E1",
                                                  .name = "Ada",
                                                  .hire_date = "2024-05-01",
                                                  .end_date = "2024-04-30"},
                                                 "u")),
                "end_date");
  auto same_day = directory_->CreatePerson({.kind = PersonKind::kEmployee,
                                            .employee_number = "E1",
                                            .name = "Ada",
                                            .hire_date = "2024-05-01",
                                            .end_date = "2024-05-01"},
                                           "u");
  ASSERT_TRUE(same_day);
  ExpectInvalid(ErrorOf(directory_->UpdatePerson(same_day->id, {.hire_date = "2024-05-02"}, "u")),
                "end_date");
}

TEST_F(DirectoryTest, TerminatingWithoutEndDateEndsToday) {
  Person person = Employee("E1");
  auto terminated = directory_->UpdatePerson(person.id, {.status = PersonStatus::kTerminated}, "u");
  ASSERT_TRUE(terminated);
  EXPECT_EQ(terminated->end_date, "2027-01-15");
  auto created = directory_->CreatePerson(
      {.kind = PersonKind::kContractor, .name = "Bob", .status = PersonStatus::kTerminated}, "u");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->end_date, "2027-01-15");
  // An end date given with the termination is kept.
  Person other = Employee("E2");
  auto dated = directory_->UpdatePerson(
      other.id,
      {.status = PersonStatus::kTerminated, .end_date = std::optional<std::string>("2026-12-31")},
      "u");
  ASSERT_TRUE(dated);
  EXPECT_EQ(dated->end_date, "2026-12-31");
}

TEST_F(DirectoryTest, EmailMustLookLikeAnAddress) {
  for (std::string email :
       {"ada", "@example.com", "ada@", "ada@@example.com", "ada @example.com"}) {
    ExpectInvalid(ErrorOf(directory_->CreatePerson(
                      {.kind = PersonKind::kVisitor, .name = "Ada", .email = email}, "u")),
                  "email");
  }
  auto ok = directory_->CreatePerson(
      {.kind = PersonKind::kVisitor, .name = "Ada", .email = "ada@example.com"}, "u");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->email, "ada@example.com");
  auto empty =
      directory_->CreatePerson({.kind = PersonKind::kVisitor, .name = "Bo", .email = ""}, "u");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->email);
}

// --- training ---

TEST_F(DirectoryTest, TrainingExpiresAfterCompletion) {
  Person person = Employee("E1");
  Campaign campaign = MakeCampaign();
  for (std::string expires : {"2024-03-01", "2024-02-28"}) {
    ExpectInvalid(ErrorOf(directory_->CreateTraining({.person_id = person.id,
                                                      .campaign_id = campaign.id,
                                                      .completed_on = "2024-03-01",
                                                      .expires_on = expires},
                                                     "u")),
                  "expires_on");
  }
  auto ok = directory_->CreateTraining({.person_id = person.id,
                                        .campaign_id = campaign.id,
                                        .completed_on = "2024-03-01",
                                        .expires_on = "2024-03-02"},
                                       "u");
  ASSERT_TRUE(ok);
  ExpectInvalid(ErrorOf(directory_->UpdateTraining(ok->id, {.completed_on = "2024-03-02"}, "u")),
                "expires_on");
}

TEST_F(DirectoryTest, TrainingOnlyForEmployeesAndContractors) {
  Campaign campaign = MakeCampaign();
  for (PersonKind kind : {PersonKind::kVisitor, PersonKind::kApplicant}) {
    auto person = directory_->CreatePerson({.kind = kind, .name = "Guest"}, "u");
    ASSERT_TRUE(person);
    ExpectInvalid(
        ErrorOf(directory_->CreateTraining(
            {.person_id = person->id, .campaign_id = campaign.id, .completed_on = "2026-01-01"},
            "u")),
        "person_id");
  }
  auto contractor = directory_->CreatePerson({.kind = PersonKind::kContractor, .name = "Con"}, "u");
  ASSERT_TRUE(contractor);
  EXPECT_TRUE(directory_->CreateTraining(
      {.person_id = contractor->id, .campaign_id = campaign.id, .completed_on = "2026-01-01"},
      "u"));
}

TEST_F(DirectoryTest, PersonWithTrainingCannotBecomeVisitor) {
  Person person = Employee("E1");
  Campaign campaign = MakeCampaign();
  ASSERT_TRUE(directory_->CreateTraining(
      {.person_id = person.id, .campaign_id = campaign.id, .completed_on = "2026-01-01"}, "u"));
  ExpectInvalid(ErrorOf(directory_->UpdatePerson(person.id, {.kind = PersonKind::kVisitor}, "u")),
                "kind");
  EXPECT_TRUE(directory_->UpdatePerson(person.id, {.kind = PersonKind::kContractor}, "u"));
}

TEST_F(DirectoryTest, TrainingReferencesMustExist) {
  Person person = Employee("E1");
  Campaign campaign = MakeCampaign();
  ExpectInvalid(
      ErrorOf(directory_->CreateTraining(
          {.person_id = 999, .campaign_id = campaign.id, .completed_on = "2026-01-01"}, "u")),
      "person_id");
  ExpectInvalid(
      ErrorOf(directory_->CreateTraining(
          {.person_id = person.id, .campaign_id = 999, .completed_on = "2026-01-01"}, "u")),
      "campaign_id");
  auto training = directory_->CreateTraining(
      {.person_id = person.id, .campaign_id = campaign.id, .completed_on = "2026-01-01"}, "u");
  ASSERT_TRUE(training);
  ExpectInvalid(ErrorOf(directory_->UpdateTraining(training->id, {.campaign_id = 999}, "u")),
                "campaign_id");
}

// --- campaigns ---

TEST_F(DirectoryTest, CampaignCodeIsNormalisedToUpperCase) {
  auto campaign = directory_->CreateCampaign({.code = " northwind-care ", .name = "NW"}, "u");
  ASSERT_TRUE(campaign);
  EXPECT_EQ(campaign->code, "NORTHWIND-CARE");
}

TEST_F(DirectoryTest, CampaignCodeIsTwoTo32LettersDigitsOrHyphens) {
  for (const std::string& code :
       std::vector<std::string>{"A", "AB CD", "AB_CD", "ÄB", std::string(33, 'A')}) {
    ExpectInvalid(ErrorOf(directory_->CreateCampaign({.code = code, .name = "X"}, "u")), "code");
  }
  EXPECT_TRUE(directory_->CreateCampaign({.code = std::string(32, 'A'), .name = "X"}, "u"));
}

TEST_F(DirectoryTest, CampaignCodeIsUnique) {
  MakeCampaign("ACME-CARE");
  Error error = ErrorOf(directory_->CreateCampaign({.code = "acme-care", .name = "Again"}, "u"));
  EXPECT_EQ(error.code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(error.field, "code");
  Campaign other = MakeCampaign("OTHER");
  error = ErrorOf(directory_->UpdateCampaign(other.id, {.code = "Acme-Care"}, "u"));
  EXPECT_EQ(error.code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(error.field, "code");
}

// --- sites ---

TEST_F(DirectoryTest, TimezoneMustLookLikeAnIanaName) {
  for (const std::string& tz :
       std::vector<std::string>{"", "Mars Time", "/etc/passwd", "Europe//Lisbon", "Europe/", "../x",
                                "1Europe/Lisbon", std::string(65, 'A')}) {
    ExpectInvalid(ErrorOf(directory_->CreateSite({.name = "S", .timezone = tz}, "u")), "timezone");
  }
  int n = 0;
  for (std::string tz : {"UTC", "Europe/Lisbon", "America/Argentina/Buenos_Aires", "Etc/GMT+5",
                         "America/Port-au-Prince"}) {
    EXPECT_TRUE(directory_->CreateSite({.name = "S" + std::to_string(n++), .timezone = tz}, "u"))
        << tz;
  }
}

TEST_F(DirectoryTest, SiteNameIsUnique) {
  MakeSite("Main");
  Error error = ErrorOf(directory_->CreateSite({.name = "MAIN", .timezone = "UTC"}, "u"));
  EXPECT_EQ(error.code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(error.field, "name");
}

// --- zones ---

TEST_F(DirectoryTest, ZoneSiteMustExist) {
  ExpectInvalid(ErrorOf(directory_->CreateZone({.site_id = 42, .name = "Lobby"}, "u")), "site_id");
}

TEST_F(DirectoryTest, ZoneParentMustExist) {
  Site site = MakeSite();
  ExpectInvalid(
      ErrorOf(directory_->CreateZone({.site_id = site.id, .name = "Lobby", .parent_id = 42}, "u")),
      "parent_id");
}

TEST_F(DirectoryTest, ZoneParentMustBeInTheSameSite) {
  Site main = MakeSite("Main");
  Site annex = MakeSite("Annex");
  Zone lobby = MakeZone(main.id, "Lobby");
  ExpectInvalid(ErrorOf(directory_->CreateZone(
                    {.site_id = annex.id, .name = "Break room", .parent_id = lobby.id}, "u")),
                "parent_id");
  Zone annex_hall = MakeZone(annex.id, "Hall");
  ExpectInvalid(ErrorOf(directory_->UpdateZone(annex_hall.id, {.parent_id = lobby.id}, "u")),
                "parent_id");
}

TEST_F(DirectoryTest, ZoneParentMustNotCreateACycle) {
  Site site = MakeSite();
  Zone a = MakeZone(site.id, "A");
  Zone b = MakeZone(site.id, "B", a.id);
  Zone c = MakeZone(site.id, "C", b.id);
  ExpectInvalid(ErrorOf(directory_->UpdateZone(a.id, {.parent_id = a.id}, "u")), "parent_id");
  ExpectInvalid(ErrorOf(directory_->UpdateZone(a.id, {.parent_id = c.id}, "u")), "parent_id");
  ExpectInvalid(ErrorOf(directory_->UpdateZone(a.id, {.parent_id = b.id}, "u")), "parent_id");
  // Moving a leaf elsewhere, and detaching, are fine.
  Zone d = MakeZone(site.id, "D");
  EXPECT_TRUE(directory_->UpdateZone(c.id, {.parent_id = d.id}, "u"));
  auto detached = directory_->UpdateZone(b.id, {.parent_id = std::optional<int64_t>()}, "u");
  ASSERT_TRUE(detached);
  EXPECT_FALSE(detached->parent_id);
}

TEST_F(DirectoryTest, ZoneCampaignMustExist) {
  Site site = MakeSite();
  ExpectInvalid(ErrorOf(directory_->CreateZone(
                    {.site_id = site.id, .name = "Campaign A", .campaign_id = 7}, "u")),
                "campaign_id");
}

TEST_F(DirectoryTest, ZoneNameIsUniqueWithinItsSite) {
  Site main = MakeSite("Main");
  Site annex = MakeSite("Annex");
  MakeZone(main.id, "Lobby");
  Error error = ErrorOf(directory_->CreateZone({.site_id = main.id, .name = "lobby"}, "u"));
  EXPECT_EQ(error.code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(error.field, "name");
  EXPECT_TRUE(directory_->CreateZone({.site_id = annex.id, .name = "Lobby"}, "u"));
}

// --- stations ---

TEST_F(DirectoryTest, StationZoneMustExist) {
  ExpectInvalid(ErrorOf(directory_->CreateStation({.workstation_id = "WS-1", .zone_id = 5}, "u")),
                "zone_id");
  Site site = MakeSite();
  Zone zone = MakeZone(site.id, "Floor");
  Station station = MakeStation("WS-1", zone.id);
  ExpectInvalid(ErrorOf(directory_->UpdateStation(station.id, {.zone_id = 99}, "u")), "zone_id");
}

TEST_F(DirectoryTest, StationCampaignMustExist) {
  Site site = MakeSite();
  Zone zone = MakeZone(site.id, "Floor");
  ExpectInvalid(ErrorOf(directory_->CreateStation(
                    {.workstation_id = "WS-1", .zone_id = zone.id, .campaign_id = 3}, "u")),
                "campaign_id");
}

TEST_F(DirectoryTest, WorkstationIdIsUniqueIgnoringCase) {
  Site site = MakeSite();
  Zone zone = MakeZone(site.id, "Floor");
  MakeStation("WS-A01", zone.id);
  Error error =
      ErrorOf(directory_->CreateStation({.workstation_id = "ws-a01", .zone_id = zone.id}, "u"));
  EXPECT_EQ(error.code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(error.field, "workstation_id");
}

TEST_F(DirectoryTest, WorkstationIdIsLettersDigitsDotsUnderscoresHyphens) {
  Site site = MakeSite();
  Zone zone = MakeZone(site.id, "Floor");
  for (const std::string& id : std::vector<std::string>{"", "WS 1", "WS/1", std::string(65, 'W')}) {
    ExpectInvalid(
        ErrorOf(directory_->CreateStation({.workstation_id = id, .zone_id = zone.id}, "u")),
        "workstation_id");
  }
  EXPECT_TRUE(
      directory_->CreateStation({.workstation_id = "ws_1.floor-2", .zone_id = zone.id}, "u"));
}

// --- not found ---

TEST_F(DirectoryTest, MissingIdsAreNotFound) {
  EXPECT_EQ(ErrorOf(directory_->GetPerson(5)).code, ErrorCode::kNotFound);
  EXPECT_EQ(ErrorOf(directory_->GetCampaign(5)).code, ErrorCode::kNotFound);
  EXPECT_EQ(ErrorOf(directory_->GetTraining(5)).code, ErrorCode::kNotFound);
  EXPECT_EQ(ErrorOf(directory_->GetSite(5)).code, ErrorCode::kNotFound);
  EXPECT_EQ(ErrorOf(directory_->GetZone(5)).code, ErrorCode::kNotFound);
  EXPECT_EQ(ErrorOf(directory_->GetStation(5)).code, ErrorCode::kNotFound);
  EXPECT_EQ(ErrorOf(directory_->UpdatePerson(5, {.name = "X"}, "u")).code, ErrorCode::kNotFound);
  EXPECT_EQ(ErrorOf(directory_->DeleteStation(5, "u")).code, ErrorCode::kNotFound);
  EXPECT_EQ(AuditCount(), 0);
}

// --- deletes ---

TEST_F(DirectoryTest, PersonWithTrainingCannotBeDeleted) {
  Person person = Employee("E1");
  Campaign campaign = MakeCampaign();
  ASSERT_TRUE(directory_->CreateTraining(
      {.person_id = person.id, .campaign_id = campaign.id, .completed_on = "2026-01-01"}, "u"));
  Error error = ErrorOf(directory_->DeletePerson(person.id, "u"));
  EXPECT_EQ(error.code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(error.message.find("1 training record"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("terminate"), std::string::npos) << error.message;
  EXPECT_TRUE(directory_->GetPerson(person.id));
}

TEST_F(DirectoryTest, CampaignInUseCannotBeDeleted) {
  Campaign campaign = MakeCampaign();
  Person person = Employee("E1");
  auto training = directory_->CreateTraining(
      {.person_id = person.id, .campaign_id = campaign.id, .completed_on = "2026-01-01"}, "u");
  ASSERT_TRUE(training);
  Site site = MakeSite();
  Zone zone = MakeZone(site.id, "Campaign area", std::nullopt, campaign.id);
  MakeStation("WS-1", zone.id, campaign.id);
  MakeStation("WS-2", zone.id, campaign.id);
  Error error = ErrorOf(directory_->DeleteCampaign(campaign.id, "u"));
  EXPECT_EQ(error.code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(error.message.find("1 training record, 1 zone, 2 stations"), std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("deactivate"), std::string::npos) << error.message;
}

TEST_F(DirectoryTest, ZoneWithChildrenOrStationsCannotBeDeleted) {
  Site site = MakeSite();
  Zone floor = MakeZone(site.id, "Floor");
  Zone area = MakeZone(site.id, "Area", floor.id);
  Error error = ErrorOf(directory_->DeleteZone(floor.id, "u"));
  EXPECT_EQ(error.code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(error.message.find("1 child zone"), std::string::npos) << error.message;
  Station station = MakeStation("WS-1", area.id);
  error = ErrorOf(directory_->DeleteZone(area.id, "u"));
  EXPECT_EQ(error.code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(error.message.find("1 station"), std::string::npos) << error.message;
  ASSERT_TRUE(directory_->DeleteStation(station.id, "u"));
  EXPECT_TRUE(directory_->DeleteZone(area.id, "u"));
  EXPECT_TRUE(directory_->DeleteZone(floor.id, "u"));
}

TEST_F(DirectoryTest, SiteWithZonesCannotBeDeleted) {
  Site site = MakeSite();
  Zone zone = MakeZone(site.id, "Lobby");
  Error error = ErrorOf(directory_->DeleteSite(site.id, "u"));
  EXPECT_EQ(error.code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(error.message.find("1 zone"), std::string::npos) << error.message;
  ASSERT_TRUE(directory_->DeleteZone(zone.id, "u"));
  EXPECT_TRUE(directory_->DeleteSite(site.id, "u"));
  EXPECT_EQ(ErrorOf(directory_->GetSite(site.id)).code, ErrorCode::kNotFound);
}

TEST_F(DirectoryTest, IdsAreNeverReusedAfterADelete) {
  Person first = Visitor("First");
  ASSERT_TRUE(directory_->DeletePerson(first.id, "u"));
  Person second = Visitor("Second");
  EXPECT_GT(second.id, first.id);
}

// --- audit ---

TEST_F(DirectoryTest, EveryWriteLeavesExactlyOneAuditEntry) {
  int64_t expected = 0;
  auto check = [&](const char* action, const std::string& subject) {
    ++expected;
    EXPECT_EQ(AuditCount(), expected) << action;
    audit::Entry entry = LastAudit();
    EXPECT_EQ(entry.action, action);
    EXPECT_EQ(entry.subject, subject);
    EXPECT_EQ(entry.actor, "user:test");
  };
  auto id = [](const char* kind, int64_t n) { return std::string(kind) + ":" + std::to_string(n); };

  Person person = Employee("E1");
  check("person.create", id("person", person.id));
  ASSERT_TRUE(directory_->UpdatePerson(person.id, {.name = "Ada King"}, "user:test"));
  check("person.update", id("person", person.id));
  Campaign campaign = MakeCampaign();
  check("campaign.create", id("campaign", campaign.id));
  ASSERT_TRUE(directory_->UpdateCampaign(campaign.id, {.active = false}, "user:test"));
  check("campaign.update", id("campaign", campaign.id));
  auto training = directory_->CreateTraining(
      {.person_id = person.id, .campaign_id = campaign.id, .completed_on = "2026-01-01"},
      "user:test");
  ASSERT_TRUE(training);
  check("training.create", id("training", training->id));
  ASSERT_TRUE(directory_->UpdateTraining(
      training->id, {.expires_on = std::optional<std::string>("2027-01-01")}, "user:test"));
  check("training.update", id("training", training->id));
  Site site = MakeSite();
  check("site.create", id("site", site.id));
  ASSERT_TRUE(directory_->UpdateSite(site.id, {.timezone = "UTC"}, "user:test"));
  check("site.update", id("site", site.id));
  Zone zone = MakeZone(site.id, "Floor");
  check("zone.create", id("zone", zone.id));
  ASSERT_TRUE(directory_->UpdateZone(zone.id, {.classification = ZoneClassification::kSecure},
                                     "user:test"));
  check("zone.update", id("zone", zone.id));
  Station station = MakeStation("WS-1", zone.id);
  check("station.create", id("station", station.id));
  ASSERT_TRUE(directory_->UpdateStation(station.id, {.enabled = false}, "user:test"));
  check("station.update", id("station", station.id));

  ASSERT_TRUE(directory_->DeleteStation(station.id, "user:test"));
  check("station.delete", id("station", station.id));
  ASSERT_TRUE(directory_->DeleteZone(zone.id, "user:test"));
  check("zone.delete", id("zone", zone.id));
  ASSERT_TRUE(directory_->DeleteSite(site.id, "user:test"));
  check("site.delete", id("site", site.id));
  ASSERT_TRUE(directory_->DeleteTraining(training->id, "user:test"));
  check("training.delete", id("training", training->id));
  ASSERT_TRUE(directory_->DeleteCampaign(campaign.id, "user:test"));
  check("campaign.delete", id("campaign", campaign.id));
  ASSERT_TRUE(directory_->DeletePerson(person.id, "user:test"));
  check("person.delete", id("person", person.id));
}

TEST_F(DirectoryTest, CreateAuditDetailsHoldTheFields) {
  Person person = Employee("E1001", "Ada Byron");
  Json details = Json::parse(LastAudit().details);
  EXPECT_EQ(details["id"], person.id);
  EXPECT_EQ(details["kind"], "employee");
  EXPECT_EQ(details["employee_number"], "E1001");
  EXPECT_EQ(details["name"], "Ada Byron");
  EXPECT_EQ(details["status"], "active");
  EXPECT_TRUE(details["email"].is_null());
}

TEST_F(DirectoryTest, UpdateAuditDetailsHoldOldAndNewValuesOfChangedFields) {
  Person person = Employee("E1001", "Ada Byron");
  ASSERT_TRUE(directory_->UpdatePerson(
      person.id, {.name = "Ada King", .email = std::optional<std::string>("ada@example.com")},
      "u"));
  Json details = Json::parse(LastAudit().details);
  EXPECT_EQ(details.size(), 2u) << details.dump();
  EXPECT_EQ(details["name"]["old"], "Ada Byron");
  EXPECT_EQ(details["name"]["new"], "Ada King");
  EXPECT_TRUE(details["email"]["old"].is_null());
  EXPECT_EQ(details["email"]["new"], "ada@example.com");
}

TEST_F(DirectoryTest, DeleteAuditDetailsHoldTheDeletedRecord) {
  Site site = MakeSite("Annex");
  ASSERT_TRUE(directory_->DeleteSite(site.id, "u"));
  Json details = Json::parse(LastAudit().details);
  EXPECT_EQ(details["name"], "Annex");
  EXPECT_EQ(details["timezone"], "Europe/Lisbon");
}

TEST_F(DirectoryTest, UpdateThatChangesNothingWritesNothing) {
  Person person = Employee("E1", "Ada");
  int64_t before = AuditCount();
  clock_.Advance(std::chrono::seconds(5));
  auto same = directory_->UpdatePerson(person.id, {.name = " Ada "}, "u");
  ASSERT_TRUE(same);
  EXPECT_EQ(same->updated_at, person.updated_at);
  EXPECT_EQ(AuditCount(), before);
}

TEST_F(DirectoryTest, UpdateSetsUpdatedAtFromTheClock) {
  Person person = Employee("E1", "Ada");
  clock_.Advance(std::chrono::minutes(3));
  auto updated = directory_->UpdatePerson(person.id, {.name = "Ada K"}, "u");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->created_at, person.created_at);
  EXPECT_EQ(updated->updated_at, person.created_at + std::chrono::minutes(3));
  auto stored = directory_->GetPerson(person.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->updated_at, updated->updated_at);
}

TEST_F(DirectoryTest, FailedWriteLeavesNoAuditEntryAndNoRow) {
  Employee("E1");
  int64_t before = AuditCount();
  EXPECT_FALSE(directory_->CreatePerson({.kind = PersonKind::kEmployee, .name = "No number"}, "u"));
  EXPECT_FALSE(directory_->CreatePerson(
      {.kind = PersonKind::kEmployee, .employee_number = "E1", .name = "Dup"}, "u"));
  EXPECT_FALSE(directory_->CreateZone({.site_id = 9, .name = "Nowhere"}, "u"));
  EXPECT_FALSE(directory_->UpdatePerson(1, {.hire_date = "2030-02-30"}, "u"));
  EXPECT_EQ(AuditCount(), before);
  auto people = directory_->ListPeople({});
  ASSERT_TRUE(people);
  EXPECT_EQ(people->items.size(), 1u);
}

TEST_F(DirectoryTest, TransactionCommitsOrRollsBackTogether) {
  auto failed = directory_->InTransaction([](Transaction& tx) -> Result<void> {
    FG_RETURN_IF_ERROR(tx.CreateSite({.name = "Kept?", .timezone = "UTC"}, "u"));
    return tx.CreateSite({.name = "", .timezone = "UTC"}, "u").transform([](Site) {});
  });
  EXPECT_FALSE(failed);
  EXPECT_EQ(AuditCount(), 0);
  auto sites = directory_->ListSites({});
  ASSERT_TRUE(sites);
  EXPECT_TRUE(sites->items.empty());

  ASSERT_TRUE(directory_->InTransaction([](Transaction& tx) -> Result<void> {
    FG_RETURN_IF_ERROR(tx.CreateSite({.name = "One", .timezone = "UTC"}, "u"));
    return tx.CreateSite({.name = "Two", .timezone = "UTC"}, "u").transform([](Site) {});
  }));
  EXPECT_EQ(AuditCount(), 2);
}

// --- lists ---

TEST_F(DirectoryTest, ListPagesByIdWithANextCursor) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(Visitor("V" + std::to_string(i)).id);
  std::vector<int64_t> seen;
  int64_t after = 0;
  int pages = 0;
  while (true) {
    auto page = directory_->ListPeople({}, 3, after);
    ASSERT_TRUE(page);
    ++pages;
    for (const Person& p : page->items) seen.push_back(p.id);
    if (!page->next_after_id) break;
    EXPECT_EQ(page->items.size(), 3u);
    EXPECT_EQ(*page->next_after_id, page->items.back().id);
    after = *page->next_after_id;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, ids);
  // A page that ends exactly at the last row says so.
  auto exact = directory_->ListPeople({}, 7, 0);
  ASSERT_TRUE(exact);
  EXPECT_FALSE(exact->next_after_id);
}

TEST_F(DirectoryTest, ListLimitIsBounded) {
  ExpectInvalid(ErrorOf(directory_->ListPeople({}, 0)), "limit");
  ExpectInvalid(ErrorOf(directory_->ListStations({}, kMaxListLimit + 1)), "limit");
}

TEST_F(DirectoryTest, PeopleFilterByKindStatusAndText) {
  Person ada = Employee("E1001", "Ada Byron");
  Person bob = Employee("E2002", "Bob 100% Real");
  ASSERT_TRUE(directory_->UpdatePerson(bob.id, {.status = PersonStatus::kSuspended}, "u"));
  Person vera = Visitor("Vera Visitor");

  auto ids = [&](const PersonFilter& filter) {
    std::vector<int64_t> out;
    auto page = directory_->ListPeople(filter);
    EXPECT_TRUE(page);
    if (page) {
      for (const Person& p : page->items) out.push_back(p.id);
    }
    return out;
  };
  EXPECT_EQ(ids({.kind = PersonKind::kVisitor}), std::vector<int64_t>{vera.id});
  EXPECT_EQ(ids({.status = PersonStatus::kSuspended}), std::vector<int64_t>{bob.id});
  EXPECT_EQ(ids({.kind = PersonKind::kEmployee, .status = PersonStatus::kActive}),
            std::vector<int64_t>{ada.id});
  EXPECT_EQ(ids({.query = "byron"}), std::vector<int64_t>{ada.id});
  EXPECT_EQ(ids({.query = "e2002"}), std::vector<int64_t>{bob.id});
  EXPECT_EQ(ids({.query = "0%"}), std::vector<int64_t>{bob.id});  // % is literal
  EXPECT_EQ(ids({.query = "_"}), std::vector<int64_t>{});
  EXPECT_EQ(ids({.query = "V"}).size(), 1u);
}

TEST_F(DirectoryTest, OtherListsFilter) {
  Campaign on = MakeCampaign("ON");
  Campaign off = MakeCampaign("OFF");
  ASSERT_TRUE(directory_->UpdateCampaign(off.id, {.active = false}, "u"));
  auto active = directory_->ListCampaigns({.active = true});
  ASSERT_TRUE(active);
  ASSERT_EQ(active->items.size(), 1u);
  EXPECT_EQ(active->items[0].id, on.id);

  Person ada = Employee("E1");
  Person bob = Employee("E2");
  ASSERT_TRUE(directory_->CreateTraining(
      {.person_id = ada.id, .campaign_id = on.id, .completed_on = "2026-01-01"}, "u"));
  ASSERT_TRUE(directory_->CreateTraining(
      {.person_id = bob.id, .campaign_id = on.id, .completed_on = "2026-01-01"}, "u"));
  ASSERT_TRUE(directory_->CreateTraining(
      {.person_id = bob.id, .campaign_id = off.id, .completed_on = "2026-01-01"}, "u"));
  EXPECT_EQ(directory_->ListTraining({.person_id = bob.id})->items.size(), 2u);
  EXPECT_EQ(directory_->ListTraining({.campaign_id = on.id})->items.size(), 2u);
  EXPECT_EQ(directory_->ListTraining({.person_id = bob.id, .campaign_id = off.id})->items.size(),
            1u);

  Site main = MakeSite("Main");
  Site annex = MakeSite("Annex");
  Zone floor = MakeZone(main.id, "Floor");
  Zone hall = MakeZone(annex.id, "Hall");
  MakeStation("WS-1", floor.id);
  MakeStation("WS-2", floor.id);
  MakeStation("WS-3", hall.id);
  EXPECT_EQ(directory_->ListZones({.site_id = annex.id})->items.size(), 1u);
  EXPECT_EQ(directory_->ListStations({.zone_id = floor.id})->items.size(), 2u);
  EXPECT_EQ(directory_->ListSites({.name = "annex"})->items.size(), 1u);
}

// --- lookups ---

TEST_F(DirectoryTest, FindPersonByEmployeeNumber) {
  Person ada = Employee("E1001");
  auto found = directory_->FindPersonByEmployeeNumber("e1001");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, ada.id);
  auto missing = directory_->FindPersonByEmployeeNumber("E9999");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

TEST_F(DirectoryTest, FindStationByWorkstationIdIgnoresCase) {
  Site site = MakeSite();
  Zone zone = MakeZone(site.id, "Floor");
  Station station = MakeStation("WS-A01", zone.id);
  auto found = directory_->FindStationByWorkstationId("ws-a01");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, station.id);
  auto missing = directory_->FindStationByWorkstationId("WS-Z99");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

TEST_F(DirectoryTest, TrainingIsValidFromCompletionUntilExpiry) {
  Person ada = Employee("E1");
  Campaign care = MakeCampaign("CARE");
  Campaign sales = MakeCampaign("SALES");
  ASSERT_TRUE(directory_->CreateTraining({.person_id = ada.id,
                                          .campaign_id = care.id,
                                          .completed_on = "2026-01-10",
                                          .expires_on = "2026-07-10"},
                                         "u"));
  auto valid = [&](int64_t campaign, const char* date) {
    auto r = directory_->ValidTraining(ada.id, campaign, date);
    EXPECT_TRUE(r) << date;
    return r && *r;
  };
  EXPECT_FALSE(valid(care.id, "2026-01-09"));
  EXPECT_TRUE(valid(care.id, "2026-01-10"));
  EXPECT_TRUE(valid(care.id, "2026-07-09"));
  EXPECT_FALSE(valid(care.id, "2026-07-10"));
  EXPECT_FALSE(valid(sales.id, "2026-03-01"));
  ASSERT_TRUE(directory_->CreateTraining(
      {.person_id = ada.id, .campaign_id = sales.id, .completed_on = "2026-01-10"}, "u"));
  EXPECT_TRUE(valid(sales.id, "2099-12-31"));  // no expiry
  ExpectInvalid(ErrorOf(directory_->ValidTraining(ada.id, care.id, "2026-02-30")), "date");
}

TEST_F(DirectoryTest, CountsPeopleByKindAndPlaces) {
  Employee("E1");
  Employee("E2");
  Person gone = Employee("E3");
  ASSERT_TRUE(directory_->UpdatePerson(gone.id, {.status = PersonStatus::kTerminated}, "u"));
  Visitor();
  ASSERT_TRUE(directory_->CreatePerson({.kind = PersonKind::kApplicant, .name = "App"}, "u"));
  Site site = MakeSite();
  Zone zone = MakeZone(site.id, "Floor");
  MakeStation("WS-1", zone.id);
  MakeCampaign();
  auto counts = directory_->Counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->employees, 3);
  EXPECT_EQ(counts->visitors, 1);
  EXPECT_EQ(counts->applicants, 1);
  EXPECT_EQ(counts->contractors, 0);
  EXPECT_EQ(counts->terminated, 1);
  EXPECT_EQ(counts->sites, 1);
  EXPECT_EQ(counts->zones, 1);
  EXPECT_EQ(counts->stations, 1);
  EXPECT_EQ(counts->campaigns, 1);
}

TEST_F(DirectoryTest, EnumNamesRoundTrip) {
  for (auto kind : {PersonKind::kEmployee, PersonKind::kApplicant, PersonKind::kVisitor,
                    PersonKind::kContractor}) {
    EXPECT_EQ(ParsePersonKind(PersonKindName(kind)), kind);
  }
  for (auto status : {PersonStatus::kHired, PersonStatus::kActive, PersonStatus::kSuspended,
                      PersonStatus::kTerminated}) {
    EXPECT_EQ(ParsePersonStatus(PersonStatusName(status)), status);
  }
  for (auto c : {ZoneClassification::kPublic, ZoneClassification::kStaff,
                 ZoneClassification::kSecure, ZoneClassification::kRestricted}) {
    EXPECT_EQ(ParseZoneClassification(ZoneClassificationName(c)), c);
  }
  EXPECT_FALSE(ParsePersonKind("Employee"));
}

}  // namespace
}  // namespace fg::directory
