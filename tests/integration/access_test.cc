// Door decisions over real HTTP: a door-controller token asks for a badge read; a badge revoked
// through the API is refused at the very next read; every decision is audited.
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace fg::test {
namespace {

int64_t Id(const Json& object) { return object.is_object() ? object.value("id", int64_t{0}) : 0; }

class AccessTest : public ServerTest {};

TEST_F(AccessTest, ControllerDecisionsFollowBadgeChangesAtOnce) {
  ASSERT_FALSE(HasFailure());
  int64_t site = Id(CallJson(201, "POST", "/api/v1/sites", &admin_,
                             Json{{"name", "Access HQ"}, {"timezone", "UTC"}}));
  int64_t lobby =
      Id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                  Json{{"site_id", site}, {"name", "Lobby"}, {"classification", "public"}}));
  int64_t floor =
      Id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                  Json{{"site_id", site}, {"name", "Floor"}, {"classification", "staff"}}));
  Json door = CallJson(201, "POST", "/api/v1/access/doors", &admin_,
                       Json{{"name", "Floor door"},
                            {"from_zone_id", lobby},
                            {"to_zone_id", floor},
                            {"entry_reader_id", "R-FLOOR-IN"},
                            {"exit_reader_id", "R-FLOOR-OUT"}});
  ASSERT_GT(Id(door), 0) << door.dump();
  int64_t agent =
      Id(CallJson(201, "POST", "/api/v1/people", &admin_,
                  Json{{"kind", "employee"}, {"employee_number", "E8001"}, {"name", "Ada Byron"}}));
  int64_t visitor = Id(CallJson(201, "POST", "/api/v1/people", &admin_,
                                Json{{"kind", "visitor"}, {"name", "Val Visitor"}}));
  Json badge = CallJson(201, "POST", "/api/v1/access/badges", &admin_,
                        Json{{"credential", "raw:04a1b2c3d4"}, {"person_id", agent}});
  ASSERT_EQ(badge["credential_key"], "raw:04a1b2c3d4") << badge.dump();
  CallJson(201, "POST", "/api/v1/access/badges", &admin_,
           Json{{"credential", "raw:04a1b2c3d5"}, {"person_id", visitor}});
  Credentials controller = AddDeviceToken("door-floor", "door-controller");

  auto decide = [&](const std::string& reader, const std::string& credential) {
    return CallJson(200, "POST", "/api/v1/access/decide", &controller,
                    Json{{"reader_id", reader}, {"credential", credential}});
  };
  Json granted = decide("R-FLOOR-IN", "raw:04a1b2c3d4");
  EXPECT_EQ(granted["decision"], "grant") << granted.dump();
  EXPECT_EQ(granted["to_zone_id"], floor);
  Json out = decide("R-FLOOR-OUT", "raw:04a1b2c3d4");
  EXPECT_EQ(out["decision"], "grant") << out.dump();
  EXPECT_EQ(out["to_zone_id"], lobby);

  Json visitor_denied = decide("R-FLOOR-IN", "raw:04a1b2c3d5");
  EXPECT_EQ(visitor_denied["decision"], "deny");
  EXPECT_EQ(visitor_denied["reason"], "escort_required") << visitor_denied.dump();
  EXPECT_EQ(decide("R-NOWHERE", "raw:04a1b2c3d4")["reason"], "unknown_reader");
  EXPECT_EQ(decide("R-FLOOR-IN", "raw:ffffffff")["reason"], "unknown_credential");
  EXPECT_EQ(Call("POST", "/api/v1/access/decide", &controller,
                 Json{{"reader_id", "R-FLOOR-IN"}, {"credential", "raw:04a1b2c3d4"}, {"x", 1}})
                .status,
            400);

  // Revoked through the API: the very next read is refused.
  CallJson(200, "PATCH", "/api/v1/access/badges/" + std::to_string(Id(badge)), &admin_,
           Json{{"status", "revoked"}});
  Json revoked = decide("R-FLOOR-IN", "raw:04a1b2c3d4");
  EXPECT_EQ(revoked["decision"], "deny");
  EXPECT_EQ(revoked["reason"], "badge_revoked") << revoked.dump();

  EXPECT_GE(AuditEntries("action=access.decide.grant").size(), 2u);
  EXPECT_GE(AuditEntries("action=access.decide.deny").size(), 4u);
  // A console user cannot ask for door decisions; a controller cannot issue badges.
  EXPECT_EQ(Call("POST", "/api/v1/access/decide", &admin_,
                 Json{{"reader_id", "R-FLOOR-IN"}, {"credential", "raw:04a1b2c3d4"}})
                .status,
            403);
  EXPECT_EQ(Call("POST", "/api/v1/access/badges", &controller,
                 Json{{"credential", "raw:0102030405"}, {"person_id", agent}})
                .status,
            403);
}

}  // namespace
}  // namespace fg::test

namespace fg::test {
namespace {

// With presence enforced, badging into the station's zone is what lets an agent log on there,
// and badging out takes it away (identity's Presence port, implemented by access).
class BadgePresenceTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFailure()) return;
    StopServer();
    config_.presence_mode = "enforce";
    StartServer();
    if (HasFailure()) return;
    admin_ = Login("admin", kAdminPassword);
  }
};

TEST_F(BadgePresenceTest, BadgingInIsPresenceForALogonAndBadgingOutLocksTheSession) {
  ASSERT_FALSE(HasFailure());
  int64_t site = Id(CallJson(201, "POST", "/api/v1/sites", &admin_,
                             Json{{"name", "Badge HQ"}, {"timezone", "UTC"}}));
  int64_t lobby =
      Id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                  Json{{"site_id", site}, {"name", "Lobby"}, {"classification", "public"}}));
  int64_t floor =
      Id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                  Json{{"site_id", site}, {"name", "Floor"}, {"classification", "staff"}}));
  CallJson(201, "POST", "/api/v1/access/doors", &admin_,
           Json{{"name", "Floor door"},
                {"from_zone_id", lobby},
                {"to_zone_id", floor},
                {"entry_reader_id", "P-IN"},
                {"exit_reader_id", "P-OUT"}});
  int64_t station = Id(CallJson(201, "POST", "/api/v1/stations", &admin_,
                                Json{{"workstation_id", "WS-P1"}, {"zone_id", floor}}));
  int64_t agent =
      Id(CallJson(201, "POST", "/api/v1/people", &admin_,
                  Json{{"kind", "employee"}, {"employee_number", "E8101"}, {"name", "Lin Tan"}}));
  CallJson(201, "POST", "/api/v1/access/badges", &admin_,
           Json{{"credential", "raw:0badc0ffee"}, {"person_id", agent}});
  Json account = CallJson(
      201, "POST", "/api/v1/accounts", &admin_,
      Json{{"person_id", agent}, {"username", "ltan"}, {"password", "Amber-Orchard-Compass-91"}});
  ASSERT_FALSE(HasFailure()) << account.dump();
  Credentials workstation = AddDeviceToken("ws-p1", "workstation", station);
  Credentials controller = AddDeviceToken("door-p", "door-controller");
  auto logon = [&] {
    return CallJson(200, "POST", "/api/v1/logon", &workstation,
                    Json{{"username", "ltan"}, {"password", "Amber-Orchard-Compass-91"}});
  };
  auto badge = [&](const std::string& reader) {
    return CallJson(200, "POST", "/api/v1/access/decide", &controller,
                    Json{{"reader_id", reader}, {"credential", "raw:0badc0ffee"}});
  };

  Json absent = logon();
  EXPECT_EQ(absent["decision"], "deny") << absent.dump();
  EXPECT_EQ(absent["reason"], "no_presence") << absent.dump();

  ASSERT_EQ(badge("P-IN")["decision"], "grant");
  Json present = logon();
  EXPECT_EQ(present["decision"], "allow") << present.dump();
  ASSERT_TRUE(present.contains("session_id")) << present.dump();
  CallJson(200, "POST", "/api/v1/logoff", &workstation,
           Json{{"session_id", present["session_id"]}});

  ASSERT_EQ(badge("P-OUT")["decision"], "grant");
  Json left = logon();
  EXPECT_EQ(left["decision"], "deny") << left.dump();
  EXPECT_EQ(left["reason"], "no_presence") << left.dump();

  // Walk-away: logged on, then badging out of the station's zone locks the session.
  ASSERT_EQ(badge("P-IN")["decision"], "grant");
  Json again = logon();
  ASSERT_EQ(again["decision"], "allow") << again.dump();
  Json beat = CallJson(200, "POST", "/api/v1/heartbeat", &workstation,
                       Json{{"session_id", again["session_id"]}});
  EXPECT_EQ(beat["state"], "active") << beat.dump();
  ASSERT_EQ(badge("P-OUT")["decision"], "grant");
  Json locked = CallJson(200, "POST", "/api/v1/heartbeat", &workstation,
                         Json{{"session_id", again["session_id"]}});
  EXPECT_EQ(locked["state"], "locked") << locked.dump();
  EXPECT_EQ(AuditEntries("action=logon.walk_away").size(), 1u);
}

}  // namespace
}  // namespace fg::test
