// The front desk over real HTTP: a visitor checked in gets a pass that a door controller's
// decision grants at a public door, shows in occupancy and the muster, and is refused after
// check-out; roles are enforced and bad input is a 400 naming the field.
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace fg::test {
namespace {

int64_t Id(const Json& object) { return object.is_object() ? object.value("id", int64_t{0}) : 0; }

// The field a problem+json body names.
std::string Field(const HttpResponse& r) {
  Json body = ParseJson(r.body);
  if (!body.is_object() || !body.contains("errors") || !body["errors"].is_array() ||
      body["errors"].empty()) {
    return "";
  }
  return body["errors"][0].value("field", "");
}

class VisitorTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFailure()) return;
    site_ = Id(CallJson(201, "POST", "/api/v1/sites", &admin_,
                        Json{{"name", "Desk HQ"}, {"timezone", "UTC"}}));
    street_ =
        Id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                    Json{{"site_id", site_}, {"name", "Street"}, {"classification", "public"}}));
    lobby_ =
        Id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                    Json{{"site_id", site_}, {"name", "Lobby"}, {"classification", "public"}}));
    floor_ = Id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                         Json{{"site_id", site_}, {"name", "Floor"}, {"classification", "staff"}}));
    CallJson(201, "POST", "/api/v1/access/doors", &admin_,
             Json{{"name", "Main entrance"},
                  {"from_zone_id", street_},
                  {"to_zone_id", lobby_},
                  {"entry_reader_id", "R-MAIN-IN"},
                  {"exit_reader_id", "R-MAIN-OUT"}});
    host_ = Id(
        CallJson(201, "POST", "/api/v1/people", &admin_,
                 Json{{"kind", "employee"}, {"employee_number", "E7001"}, {"name", "Hope Host"}}));
  }
  Json CheckInBody(const std::string& pass) {
    return Json{{"name", "Val Visitor"},
                {"company", "Acme Audit"},
                {"host_id", host_},
                {"purpose", "PCI assessment"},
                {"credential", pass}};
  }

  int64_t site_ = 0, street_ = 0, lobby_ = 0, floor_ = 0, host_ = 0;
};

TEST_F(VisitorTest, VisitorPassWorksAtAPublicDoorUntilCheckOut) {
  ASSERT_FALSE(HasFailure());
  Json body = CheckInBody("raw:0a0b0c0d");
  body["photo"] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB";
  Json visit = CallJson(201, "POST", "/api/v1/access/visits", &admin_, body);
  ASSERT_GT(Id(visit), 0) << visit.dump();
  EXPECT_EQ(visit["host_name"], "Hope Host");
  EXPECT_EQ(visit["has_photo"], true);
  EXPECT_EQ(visit["on_site"], true);
  const std::string visit_path = "/api/v1/access/visits/" + std::to_string(Id(visit));

  Credentials controller = AddDeviceToken("door-main", "door-controller");
  auto decide = [&](const std::string& reader) {
    return CallJson(200, "POST", "/api/v1/access/decide", &controller,
                    Json{{"reader_id", reader}, {"credential", "raw:0a0b0c0d"}});
  };
  Json granted = decide("R-MAIN-IN");
  EXPECT_EQ(granted["decision"], "grant") << granted.dump();

  Json occupancy = CallJson(200, "GET", "/api/v1/access/occupancy", &admin_);
  ASSERT_TRUE(occupancy["items"].is_array()) << occupancy.dump();
  EXPECT_EQ(occupancy["items"].size(), 3u);  // empty zones included
  for (const auto& z : occupancy["items"]) {
    EXPECT_EQ(z["count"], z["zone_id"] == lobby_ ? 1 : 0) << z.dump();
    if (z["zone_id"] == lobby_) {
      EXPECT_EQ(z["classification"], "public");
    }
  }

  Json muster = CallJson(200, "GET", "/api/v1/access/muster", &admin_);
  EXPECT_EQ(muster["total"], 1) << muster.dump();
  bool listed = false;
  for (const auto& z : muster["zones"]) {
    if (z["zone_id"] != lobby_) continue;
    ASSERT_EQ(z["people"].size(), 1u);
    EXPECT_EQ(z["people"][0]["name"], "Val Visitor");
    EXPECT_EQ(z["people"][0]["kind"], "visitor");
    EXPECT_EQ(z["people"][0]["host_name"], "Hope Host");
    listed = true;
  }
  EXPECT_TRUE(listed) << muster.dump();
  auto csv = Call("GET", "/api/v1/access/muster?format=csv", &admin_);
  EXPECT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find("Val Visitor"), std::string::npos) << csv.body;
  EXPECT_EQ(csv.Header("content-type").value_or("").rfind("text/csv", 0), 0u);

  Json on_site = CallJson(200, "GET", "/api/v1/access/visits?on_site=true", &admin_);
  EXPECT_EQ(on_site["items"].size(), 1u);
  auto photo = Call("GET", visit_path + "/photo", &admin_);
  EXPECT_EQ(photo.status, 200);
  EXPECT_EQ(photo.Header("content-type").value_or(""), "image/png");
  EXPECT_EQ(photo.body.substr(1, 3), "PNG");

  Json out = CallJson(200, "POST", visit_path + "/checkout", &admin_, Json::object());
  EXPECT_EQ(out["on_site"], false) << out.dump();
  Json denied = decide("R-MAIN-OUT");
  EXPECT_EQ(denied["decision"], "deny");
  EXPECT_EQ(denied["reason"], "badge_revoked") << denied.dump();
  EXPECT_EQ(Call("POST", visit_path + "/checkout", &admin_, Json::object()).status, 409);
  EXPECT_EQ(CallJson(200, "GET", "/api/v1/access/visits?on_site=true", &admin_)["items"].size(),
            0u);
  EXPECT_EQ(CallJson(200, "GET", "/api/v1/access/occupancy", &admin_)["total"], 0);

  EXPECT_EQ(AuditEntries("action=access.visit.check_in").size(), 1u);
  EXPECT_EQ(AuditEntries("action=access.visit.check_out").size(), 1u);
}

TEST_F(VisitorTest, RolesAreEnforced) {
  ASSERT_FALSE(HasFailure());
  Credentials auditor = AddConsoleUser("aude", "auditor");
  Credentials supervisor = AddConsoleUser("sue", "supervisor");
  Credentials controller = AddDeviceToken("door-x", "door-controller");
  EXPECT_EQ(Call("POST", "/api/v1/access/visits", &auditor, CheckInBody("raw:01020304")).status,
            403);
  EXPECT_EQ(Call("POST", "/api/v1/access/visits", &controller, CheckInBody("raw:01020304")).status,
            403);
  Json visit =
      CallJson(201, "POST", "/api/v1/access/visits", &supervisor, CheckInBody("raw:01020304"));
  ASSERT_GT(Id(visit), 0);
  EXPECT_EQ(Call("GET", "/api/v1/access/visits", &auditor).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/access/muster", &auditor).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/access/occupancy", &controller).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/access/muster", nullptr).status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/access/visits/" + std::to_string(Id(visit)) + "/checkout",
                 &auditor, Json::object())
                .status,
            403);
  EXPECT_EQ(
      Call("POST", "/api/v1/access/lockers", &auditor, Json{{"zone_id", lobby_}, {"label", "L1"}})
          .status,
      403);
  Json locker = CallJson(201, "POST", "/api/v1/access/lockers", &supervisor,
                         Json{{"zone_id", lobby_}, {"label", "L1"}});
  EXPECT_EQ(Call("PATCH", "/api/v1/access/lockers/" + std::to_string(Id(locker)), &auditor,
                 Json{{"person_id", host_}})
                .status,
            403);
  Json assigned = CallJson(200, "PATCH", "/api/v1/access/lockers/" + std::to_string(Id(locker)),
                           &supervisor, Json{{"person_id", host_}});
  EXPECT_EQ(assigned["person_id"], host_);
  Json released = CallJson(200, "PATCH", "/api/v1/access/lockers/" + std::to_string(Id(locker)),
                           &supervisor, Json{{"person_id", nullptr}});
  EXPECT_TRUE(released["person_id"].is_null());
  EXPECT_EQ(CallJson(200, "GET", "/api/v1/access/lockers?zone_id=" + std::to_string(lobby_),
                     &auditor)["items"]
                .size(),
            1u);
}

TEST_F(VisitorTest, BadInputIsA400NamingTheField) {
  ASSERT_FALSE(HasFailure());
  auto expect_field = [&](Json body, const std::string& field) {
    auto r = Call("POST", "/api/v1/access/visits", &admin_, body);
    EXPECT_EQ(r.status, 400) << field << ": " << r.body;
    EXPECT_EQ(Field(r), field) << r.body;
  };
  Json body = CheckInBody("raw:05060708");
  body["host_id"] = 999999;
  expect_field(body, "host_id");
  body = CheckInBody("raw:05060708");
  body.erase("name");
  expect_field(body, "name");
  body = CheckInBody("raw:05060708");
  body["photo"] = "R0lGODlhAQABAAAAACw=";  // a GIF
  expect_field(body, "photo");
  body = CheckInBody("raw:05060708");
  body["expected_end"] = "2001-01-01T00:00:00Z";
  expect_field(body, "expected_end");
  body = CheckInBody("not-a-card");
  expect_field(body, "credential");
  body = CheckInBody("raw:05060708");
  body["escort_zone_ids"] = Json::array({floor_, "x"});
  expect_field(body, "escort_zone_ids[1]");
  body = CheckInBody("raw:05060708");
  body["colour"] = "blue";
  expect_field(body, "colour");

  CallJson(201, "POST", "/api/v1/access/visits", &admin_, CheckInBody("raw:05060708"));
  auto duplicate = Call("POST", "/api/v1/access/visits", &admin_, CheckInBody("raw:05060708"));
  EXPECT_EQ(duplicate.status, 409) << duplicate.body;
  EXPECT_EQ(Field(duplicate), "credential");

  auto bad_query = Call("GET", "/api/v1/access/visits?from=yesterday", &admin_);
  EXPECT_EQ(bad_query.status, 400);
  EXPECT_EQ(Field(bad_query), "from");
  EXPECT_EQ(Field(Call("GET", "/api/v1/access/muster?format=pdf", &admin_)), "format");
  auto bad_locker = Call("POST", "/api/v1/access/lockers", &admin_,
                         Json{{"zone_id", lobby_}, {"label", "<script>"}});
  EXPECT_EQ(bad_locker.status, 400);
  EXPECT_EQ(Field(bad_locker), "label");
  EXPECT_EQ(Call("GET", "/api/v1/access/visits/12345/photo", &admin_).status, 404);
}

}  // namespace
}  // namespace fg::test
