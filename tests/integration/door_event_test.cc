// Door events and personal devices over real HTTP: a door controller reports a forced door and
// security sees the alert and the door's state; a supervisor records a device violation and its
// alert appears; a sensor reports sightings; roles are enforced both ways; bad input is a 400
// naming the field.
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace fg::test {
namespace {

int64_t Id(const Json& object) { return object.is_object() ? object.value("id", int64_t{0}) : 0; }

std::string ErrorField(const HttpResponse& r) {
  Json body = ParseJson(r.body);
  if (!body.is_object() || !body.contains("errors") || body["errors"].empty()) return "";
  return body["errors"][0].value("field", "");
}

class DoorEventTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFailure()) return;
    site_ = Id(CallJson(201, "POST", "/api/v1/sites", &admin_,
                        Json{{"name", "Events HQ"}, {"timezone", "UTC"}}));
    lobby_ = Zone("Lobby", "public");
    floor_ = Zone("Floor", "staff");
    server_room_ = Zone("Server room", "secure");
    Json door = CallJson(201, "POST", "/api/v1/access/doors", &admin_,
                         Json{{"name", "Floor door"},
                              {"from_zone_id", lobby_},
                              {"to_zone_id", floor_},
                              {"entry_reader_id", "R-FLOOR-IN"},
                              {"exit_reader_id", "R-FLOOR-OUT"}});
    door_ = Id(door);
    ASSERT_GT(door_, 0) << door.dump();
  }
  int64_t Zone(const std::string& name, const std::string& classification) {
    return Id(
        CallJson(201, "POST", "/api/v1/zones", &admin_,
                 Json{{"site_id", site_}, {"name", name}, {"classification", classification}}));
  }
  Json AlertsOf(const std::string& rule) {
    Json list = CallJson(200, "GET", "/api/v1/alerts?rule=" + rule, &admin_);
    return list.is_object() ? list["items"] : Json::array();
  }

  int64_t site_ = 0;
  int64_t lobby_ = 0;
  int64_t floor_ = 0;
  int64_t server_room_ = 0;
  int64_t door_ = 0;
};

TEST_F(DoorEventTest, AForcedDoorReachesAlertsAndDoorStates) {
  ASSERT_FALSE(HasFailure());
  Credentials controller = AddDeviceToken("door-floor", "door-controller");
  // A time long past is refused, naming the field.
  HttpResponse ancient = Call("POST", "/api/v1/access/door-events", &controller,
                              Json{{"kind", "door_forced_open"},
                                   {"reader_id", "R-FLOOR-IN"},
                                   {"event_id", "evt-1"},
                                   {"time", "2020-01-01T00:00:00Z"}});
  EXPECT_EQ(ancient.status, 400);
  EXPECT_EQ(ErrorField(ancient), "time");
  Json event = CallJson(
      201, "POST", "/api/v1/access/door-events", &controller,
      Json{{"kind", "door_forced_open"}, {"reader_id", "R-FLOOR-IN"}, {"event_id", "evt-1"}});
  EXPECT_EQ(event["door_id"], door_) << event.dump();
  EXPECT_EQ(event["controller"], "door-floor");
  EXPECT_FALSE(event["alert_id"].is_null()) << event.dump();
  // A re-sent event is recognised, not stored twice.
  Json again = CallJson(
      200, "POST", "/api/v1/access/door-events", &controller,
      Json{{"kind", "door_forced_open"}, {"reader_id", "R-FLOOR-IN"}, {"event_id", "evt-1"}});
  EXPECT_EQ(again["duplicate"], true) << again.dump();
  EXPECT_EQ(again["id"], event["id"]);

  Json alerts = AlertsOf("access.door_forced");
  ASSERT_EQ(alerts.size(), 1u) << alerts.dump();
  EXPECT_NE(alerts[0]["summary"].get<std::string>().find("Floor door"), std::string::npos);
  EXPECT_EQ(alerts[0]["severity"], "high");

  Json states = CallJson(200, "GET", "/api/v1/access/door-states", &admin_);
  ASSERT_EQ(states["items"].size(), 1u) << states.dump();
  EXPECT_EQ(states["items"][0]["door_id"], door_);
  EXPECT_EQ(states["items"][0]["position"], "forced");
  EXPECT_EQ(states["items"][0]["controller_status"], "online");
  EXPECT_EQ(states["items"][0]["last_event"], "door_forced_open");

  Json listed =
      CallJson(200, "GET",
               "/api/v1/access/door-events?door_id=" + std::to_string(door_) + "&limit=5", &admin_);
  EXPECT_EQ(listed["items"].size(), 1u) << listed.dump();
  EXPECT_EQ(AuditEntries("action=access.door.door_forced_open").size(), 1u);

  // A batch: one result per event; the bad ones name their field, the good one is stored.
  Json batch = CallJson(200, "POST", "/api/v1/access/door-events", &controller,
                        Json{{"events", Json::array({
                                            Json{{"kind", "door_closed"}, {"door_id", door_}},
                                            Json{{"kind", "door_closed"}, {"door_id", 9999}},
                                            Json{{"kind", "door_exploded"}, {"door_id", door_}},
                                            Json{{"kind", "passage_confirmed"}},
                                        })}});
  ASSERT_EQ(batch["results"].size(), 4u) << batch.dump();
  EXPECT_EQ(batch["accepted"], 1);
  EXPECT_EQ(batch["rejected"], 3);
  EXPECT_EQ(batch["results"][0]["status"], 201);
  EXPECT_EQ(batch["results"][1]["status"], 400);
  EXPECT_EQ(batch["results"][1]["error"]["field"], "events[1].door_id");
  EXPECT_EQ(batch["results"][2]["error"]["field"], "events[2].kind");
  EXPECT_EQ(batch["results"][3]["error"]["field"], "events[3].door_id");
  states = CallJson(200, "GET", "/api/v1/access/door-states", &admin_);
  EXPECT_EQ(states["items"][0]["position"], "closed");

  // Bad single events: 400 naming the field.
  HttpResponse bad_type = Call("POST", "/api/v1/access/door-events", &controller,
                               Json{{"kind", "door_closed"}, {"door_id", "one"}});
  EXPECT_EQ(bad_type.status, 400);
  EXPECT_EQ(ErrorField(bad_type), "door_id");
  HttpResponse unknown = Call("POST", "/api/v1/access/door-events", &controller,
                              Json{{"kind", "door_closed"}, {"door_id", door_}, {"colour", 1}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(ErrorField(unknown), "colour");
  HttpResponse bad_time =
      Call("POST", "/api/v1/access/door-events", &controller,
           Json{{"kind", "door_closed"}, {"door_id", door_}, {"time", "yesterday"}});
  EXPECT_EQ(bad_time.status, 400);
  EXPECT_EQ(ErrorField(bad_time), "time");

  // Roles: console users cannot post events; controllers cannot read states or events.
  Credentials sensor = AddDeviceToken("sensor-x", "sensor");
  EXPECT_EQ(Call("POST", "/api/v1/access/door-events", &admin_,
                 Json{{"kind", "door_closed"}, {"door_id", door_}})
                .status,
            403);
  EXPECT_EQ(Call("POST", "/api/v1/access/door-events", &sensor,
                 Json{{"kind", "door_closed"}, {"door_id", door_}})
                .status,
            403);
  EXPECT_EQ(Call("GET", "/api/v1/access/door-states", &controller).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/access/door-events", &controller).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/access/door-states", nullptr).status, 401);
}

TEST_F(DoorEventTest, ASupervisorsViolationOpensAnAlertAndSensorsReportSightings) {
  ASSERT_FALSE(HasFailure());
  Credentials supervisor = AddConsoleUser("sup-events", "supervisor");
  Credentials auditor = AddConsoleUser("aud-events", "auditor");
  Credentials sensor = AddDeviceToken("sensor-floor", "sensor");
  Credentials controller = AddDeviceToken("door-any", "door-controller");
  int64_t agent =
      Id(CallJson(201, "POST", "/api/v1/people", &admin_,
                  Json{{"kind", "employee"}, {"employee_number", "E9001"}, {"name", "Ann Agent"}}));

  Json violation = CallJson(201, "POST", "/api/v1/access/violations", &supervisor,
                            Json{{"person_id", agent},
                                 {"zone_id", floor_},
                                 {"kind", "phone"},
                                 {"note", "phone out at the desk"},
                                 {"camera_ref", "cam-3 10:02"}});
  ASSERT_GT(Id(violation), 0) << violation.dump();
  EXPECT_EQ(violation["recorded_by"], "user:sup-events");
  ASSERT_FALSE(violation["alert_id"].is_null()) << violation.dump();
  Json alerts = AlertsOf("access.device_violation");
  ASSERT_EQ(alerts.size(), 1u) << alerts.dump();
  EXPECT_EQ(alerts[0]["id"], violation["alert_id"]);
  EXPECT_EQ(alerts[0]["severity"], "medium");

  Json listed = CallJson(200, "GET", "/api/v1/access/violations", &auditor);
  EXPECT_EQ(listed["items"].size(), 1u) << listed.dump();
  EXPECT_EQ(Call("POST", "/api/v1/access/violations", &auditor,
                 Json{{"person_id", agent}, {"zone_id", floor_}, {"kind", "phone"}})
                .status,
            403);
  EXPECT_EQ(Call("POST", "/api/v1/access/violations", &sensor,
                 Json{{"person_id", agent}, {"zone_id", floor_}, {"kind", "phone"}})
                .status,
            403);
  HttpResponse bad_kind = Call("POST", "/api/v1/access/violations", &supervisor,
                               Json{{"person_id", agent}, {"zone_id", floor_}, {"kind", "laser"}});
  EXPECT_EQ(bad_kind.status, 400);
  EXPECT_EQ(ErrorField(bad_kind), "kind");
  HttpResponse no_person = Call("POST", "/api/v1/access/violations", &supervisor,
                                Json{{"person_id", 99999}, {"zone_id", floor_}, {"kind", "phone"}});
  EXPECT_EQ(no_person.status, 400);
  EXPECT_EQ(ErrorField(no_person), "person_id");

  // The registry: admin and security only; raw MACs refused.
  const std::string hashed = "sha256:" + std::string(64, 'c');
  HttpResponse raw = Call("POST", "/api/v1/access/devices", &admin_,
                          Json{{"identifier", "aa:bb:cc:dd:ee:ff"}, {"kind", "phone"}});
  EXPECT_EQ(raw.status, 400);
  EXPECT_EQ(ErrorField(raw), "identifier");
  EXPECT_NE(raw.body.find("raw MAC"), std::string::npos) << raw.body;
  EXPECT_EQ(Call("POST", "/api/v1/access/devices", &supervisor,
                 Json{{"identifier", hashed}, {"kind", "phone"}})
                .status,
            403);
  Json device = CallJson(201, "POST", "/api/v1/access/devices", &admin_,
                         Json{{"identifier", hashed}, {"kind", "laptop"}, {"person_id", agent}});
  ASSERT_GT(Id(device), 0) << device.dump();
  EXPECT_EQ(CallJson(200, "GET", "/api/v1/access/devices", &admin_)["items"].size(), 1u);
  EXPECT_EQ(Call("GET", "/api/v1/access/devices", &auditor).status, 403);

  // Sightings: a sensor posts a batch; a raw MAC is refused item by item.
  Json seen = CallJson(
      200, "POST", "/api/v1/access/sightings", &sensor,
      Json{{"sightings",
            Json::array({
                Json{{"identifier", "aa:bb:cc:dd:ee:ff"}, {"zone_id", server_room_}, {"rssi", -50}},
                Json{{"identifier", "ble:0a0b0c"}, {"zone_id", server_room_}, {"rssi", -61}},
                Json{{"identifier", hashed}, {"zone_id", server_room_}, {"rssi", -40}},
                Json{{"identifier", "ble:0a0b0c"}, {"zone_id", lobby_}, {"rssi", -70}},
            })}});
  ASSERT_EQ(seen["results"].size(), 4u) << seen.dump();
  EXPECT_EQ(seen["results"][0]["status"], 400);
  EXPECT_EQ(seen["results"][0]["error"]["field"], "sightings[0].identifier");
  EXPECT_EQ(seen["results"][1]["outcome"], "tracked");
  EXPECT_EQ(seen["results"][2]["outcome"], "registered");
  EXPECT_EQ(seen["results"][3]["outcome"], "not_watched");
  Json single =
      CallJson(200, "POST", "/api/v1/access/sightings", &sensor,
               Json{{"identifier", "ble:0a0b0c"}, {"zone_id", server_room_}, {"rssi", -58}});
  EXPECT_EQ(single["outcome"], "tracked") << single.dump();
  HttpResponse bad_rssi =
      Call("POST", "/api/v1/access/sightings", &sensor,
           Json{{"identifier", "ble:0a0b0c"}, {"zone_id", server_room_}, {"rssi", 12}});
  EXPECT_EQ(bad_rssi.status, 400);
  EXPECT_EQ(ErrorField(bad_rssi), "rssi");
  EXPECT_EQ(Call("POST", "/api/v1/access/sightings", &controller,
                 Json{{"identifier", "ble:0a0b0c"}, {"zone_id", server_room_}, {"rssi", -58}})
                .status,
            403);
  EXPECT_EQ(Call("POST", "/api/v1/access/sightings", &admin_,
                 Json{{"identifier", "ble:0a0b0c"}, {"zone_id", server_room_}, {"rssi", -58}})
                .status,
            403);

  EXPECT_EQ(Call("DELETE", "/api/v1/access/devices/" + std::to_string(Id(device)), &admin_).status,
            204);
  EXPECT_EQ(Call("DELETE", "/api/v1/access/devices/" + std::to_string(Id(device)), &admin_).status,
            404);
  EXPECT_EQ(AuditEntries("action=access.violation.create").size(), 1u);
  EXPECT_EQ(AuditEntries("action=access.device.register").size(), 1u);
  EXPECT_EQ(AuditEntries("action=access.device.delete").size(), 1u);
}

}  // namespace
}  // namespace fg::test
