// Workstation logon over real HTTP: a workstation token bound to a station, an account made
// through the API, allow and deny with the failed check, logoff, and the floor view.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "server_fixture.h"

namespace fg::test {
namespace {

int64_t Id(const Json& object) { return object.is_object() ? object.value("id", int64_t{0}) : 0; }

constexpr const char* kAgentPassword = "Quiet-Harbour-Lantern-58";

class LogonTest : public ServerTest {
 protected:
  struct Floor {
    int64_t zone = 0, ws1 = 0, ws2 = 0, person = 0, account = 0;
    Credentials token1, token2;
  };

  Floor MakeFloor() {
    Floor f;
    int64_t site = Id(CallJson(201, "POST", "/api/v1/sites", &admin_,
                               Json{{"name", "Logon HQ"}, {"timezone", "UTC"}}));
    f.zone =
        Id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                    Json{{"site_id", site}, {"name", "Floor A"}, {"classification", "staff"}}));
    f.ws1 = Id(CallJson(201, "POST", "/api/v1/stations", &admin_,
                        Json{{"workstation_id", "WS-A1"}, {"zone_id", f.zone}}));
    f.ws2 = Id(CallJson(201, "POST", "/api/v1/stations", &admin_,
                        Json{{"workstation_id", "WS-A2"}, {"zone_id", f.zone}}));
    f.person = Id(CallJson(
        201, "POST", "/api/v1/people", &admin_,
        Json{{"kind", "employee"}, {"employee_number", "E7001"}, {"name", "Grace Hopper"}}));
    f.token1 = AddDeviceToken("ws-a1", "workstation", f.ws1);
    f.token2 = AddDeviceToken("ws-a2", "workstation", f.ws2);
    return f;
  }
};

TEST_F(LogonTest, WorkstationLogsOnIsDeniedWithTheFailedCheckLogsOffAndTheFloorShowsIt) {
  ASSERT_FALSE(HasFailure());
  Floor f = MakeFloor();
  ASSERT_FALSE(HasFailure());

  // An account with a temporary password, changed at the first logon.
  Json created = CallJson(201, "POST", "/api/v1/accounts", &admin_,
                          Json{{"person_id", f.person}, {"username", "GHopper"}});
  ASSERT_TRUE(created.contains("password"));
  EXPECT_EQ(created["username"], "ghopper");
  EXPECT_TRUE(created["must_change_password"].get<bool>());
  std::string temporary = created["password"];

  Json first = CallJson(200, "POST", "/api/v1/logon", &f.token1,
                        Json{{"username", "ghopper"}, {"password", temporary}});
  ASSERT_EQ(first["decision"], "allow") << first.dump();
  EXPECT_TRUE(first["must_change_password"].get<bool>());
  EXPECT_EQ(first["station"]["workstation_id"], "WS-A1");
  EXPECT_EQ(first["account"]["name"], "Grace Hopper");
  int64_t session = first["session_id"];
  HttpResponse changed = Call("POST", "/api/v1/logon/password", &f.token1,
                              Json{{"session_id", session},
                                   {"current_password", temporary},
                                   {"new_password", kAgentPassword}});
  ASSERT_EQ(changed.status, 204) << changed.body;

  // Wrong password: denied by the credentials check, with the generic message.
  Json wrong = CallJson(200, "POST", "/api/v1/logon", &f.token2,
                        Json{{"username", "ghopper"}, {"password", "Not-The-Password-123"}});
  EXPECT_EQ(wrong["decision"], "deny");
  EXPECT_EQ(wrong["check"], "credentials");
  EXPECT_EQ(wrong["reason"], "bad_password");
  EXPECT_FALSE(wrong["message"].get<std::string>().empty());

  // Right password at a second station while logged on at the first: single session.
  Json second = CallJson(200, "POST", "/api/v1/logon", &f.token2,
                         Json{{"username", "ghopper"}, {"password", kAgentPassword}});
  EXPECT_EQ(second["decision"], "deny");
  EXPECT_EQ(second["check"], "single_session");
  EXPECT_EQ(second["reason"], "session_elsewhere");

  // The floor view shows the agent at WS-A1 (monitor-mode presence let it pass).
  Json floor = CallJson(200, "GET", "/api/v1/floor", &admin_);
  bool seen = false;
  for (const Json& zone : floor["zones"]) {
    for (const Json& station : zone["stations"]) {
      if (station["workstation_id"] == "WS-A1") {
        ASSERT_TRUE(station["session"].is_object()) << floor.dump();
        EXPECT_EQ(station["session"]["username"], "ghopper");
        EXPECT_EQ(station["session"]["state"], "active");
        seen = true;
      }
    }
  }
  EXPECT_TRUE(seen) << floor.dump();

  // Another station's token cannot touch the session; its own logs it off.
  EXPECT_EQ(Call("POST", "/api/v1/logoff", &f.token2, Json{{"session_id", session}}).status, 404);
  Json off = CallJson(200, "POST", "/api/v1/logoff", &f.token1, Json{{"session_id", session}});
  EXPECT_EQ(off["session_id"], session);
  EXPECT_TRUE(off["ended_at"].is_string());
  Json after = CallJson(200, "GET", "/api/v1/floor", &admin_);
  for (const Json& zone : after["zones"]) {
    for (const Json& station : zone["stations"]) EXPECT_TRUE(station["session"].is_null());
  }

  // Now the second station may log on; the failed attempts are in the report and its CSV.
  Json again = CallJson(200, "POST", "/api/v1/logon", &f.token2,
                        Json{{"username", "ghopper"}, {"password", kAgentPassword}});
  EXPECT_EQ(again["decision"], "allow") << again.dump();
  Json failed = CallJson(200, "GET", "/api/v1/logons/failed", &admin_);
  EXPECT_EQ(failed["items"].size(), 2u) << failed.dump();
  HttpResponse csv = Call("GET", "/api/v1/logons/failed?format=csv", &admin_);
  EXPECT_EQ(csv.status, 200);
  EXPECT_TRUE(csv.Header("content-type").value_or("").starts_with("text/csv"));
  EXPECT_TRUE(csv.Header("content-disposition").value_or("").starts_with("attachment"));
  EXPECT_NE(csv.body.find("session_elsewhere"), std::string::npos);
  Json history =
      CallJson(200, "GET", "/api/v1/stations/" + std::to_string(f.ws1) + "/history", &admin_);
  EXPECT_EQ(history["items"].size(), 1u);

  // Every decision is audited, never with the password.
  EXPECT_EQ(AuditEntries("action=logon.allow").size(), 2u);
  EXPECT_EQ(AuditEntries("action=logon.deny").size(), 2u);
  for (const Json& entry : AuditEntries("action=logon.")) {
    EXPECT_EQ(entry.dump().find(kAgentPassword), std::string::npos);
  }
}

TEST_F(LogonTest, ScheduleIsSetByAdminAndAnOffShiftLogonIsAllowedButFlagged) {
  ASSERT_FALSE(HasFailure());
  Floor f = MakeFloor();  // a UTC site
  ASSERT_FALSE(HasFailure());
  Json created = CallJson(201, "POST", "/api/v1/accounts", &admin_,
                          Json{{"person_id", f.person},
                               {"username", "ghopper"},
                               {"password", kAgentPassword},
                               {"schedule", "MON-SUN 00:00-24:00"}});
  EXPECT_EQ(created["schedule"], "mon-sun 00:00-24:00");
  std::string path = "/api/v1/accounts/" + std::to_string(Id(created));

  // Validated with the window named; only an admin may change it.
  HttpResponse bad = Call("PATCH", path, &admin_, Json{{"schedule", "mon-fri 8-17"}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("window 1"), std::string::npos) << bad.body;
  Credentials security = AddConsoleUser("sec1", "security");
  EXPECT_EQ(Call("PATCH", path, &security, Json{{"schedule", nullptr}}).status, 403);

  // Always on shift: not flagged.
  Json on = CallJson(200, "POST", "/api/v1/logon", &f.token1,
                     Json{{"username", "ghopper"}, {"password", kAgentPassword}});
  ASSERT_EQ(on["decision"], "allow") << on.dump();
  for (const Json& alert : on["alerts"]) EXPECT_NE(alert, "off_shift");

  // A one-hour window twelve hours from now (UTC): this logon is off shift whenever it runs.
  auto now = std::chrono::system_clock::now();
  auto hour = std::chrono::duration_cast<std::chrono::hours>(now.time_since_epoch()).count() % 24;
  char window[64];
  std::snprintf(window, sizeof window, "mon-sun %02d:00-%02d:00",
                static_cast<int>((hour + 12) % 24), static_cast<int>((hour + 13) % 24));
  Json patched = CallJson(200, "PATCH", path, &admin_, Json{{"schedule", window}});
  EXPECT_EQ(patched["schedule"], window);
  Json off = CallJson(200, "POST", "/api/v1/logon", &f.token1,
                      Json{{"username", "ghopper"}, {"password", kAgentPassword}});
  ASSERT_EQ(off["decision"], "allow") << off.dump();
  EXPECT_NE(std::find(off["alerts"].begin(), off["alerts"].end(), "off_shift"), off["alerts"].end())
      << off.dump();
  bool audited = false;
  for (const Json& entry : AuditEntries("action=logon.allow")) {
    audited = audited || entry.dump().find("off_shift") != std::string::npos;
  }
  EXPECT_TRUE(audited);

  // null clears it, audited with the old and the new value.
  Json cleared = CallJson(200, "PATCH", path, &admin_, Json{{"schedule", nullptr}});
  EXPECT_TRUE(cleared["schedule"].is_null());
  std::vector<Json> updates = AuditEntries("action=account.update");
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_NE(updates[0].dump().find(window), std::string::npos) << updates[0].dump();
}

TEST_F(LogonTest, WorkstationTokenWithoutStationIsRefused) {
  ASSERT_FALSE(HasFailure());
  Credentials unbound = AddDeviceToken("ws-unbound", "workstation");
  HttpResponse r = Call("POST", "/api/v1/logon", &unbound,
                        Json{{"username", "someone"}, {"password", "whatever-it-is"}});
  EXPECT_EQ(r.status, 403) << r.body;
}

TEST_F(LogonTest, MalformedLogonIsABadRequest) {
  ASSERT_FALSE(HasFailure());
  Floor f = MakeFloor();
  HttpResponse r = Call("POST", "/api/v1/logon", &f.token1,
                        Json{{"username", "x"}, {"password", "y"}, {"pin", "1"}});
  EXPECT_EQ(r.status, 400) << r.body;
}

}  // namespace
}  // namespace fg::test
