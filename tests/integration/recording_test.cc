// Calls and recordings over real HTTP: calls recorded by the `floorguard capture` binary into
// the running server's data directory carry the station and campaign of their extension and
// the agent logged on at that station;
// who may listen is enforced per role (admins never, supervisors for their campaigns,
// auditors with a grant), every listen needs a reason and is audited; PBX records of calls
// the capture never saw show in the completeness report.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>

#include "server_fixture.h"

namespace fg::test {
namespace {

int64_t Id(const Json& object) { return object.is_object() ? object.value("id", int64_t{0}) : 0; }

int Shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class RecordingTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFailure()) return;
    const int64_t site = Id(CallJson(201, "POST", "/api/v1/sites", &admin_,
                                     Json{{"name", "Calls HQ"}, {"timezone", "UTC"}}));
    const int64_t zone =
        Id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                    Json{{"site_id", site}, {"name", "Floor"}, {"classification", "staff"}}));
    campaign_ = Id(CallJson(201, "POST", "/api/v1/campaigns", &admin_,
                            Json{{"code", "TEL"}, {"name", "Telco"}}));
    station_ = Id(CallJson(
        201, "POST", "/api/v1/stations", &admin_,
        Json{{"workstation_id", "WS-1001"}, {"zone_id", zone}, {"campaign_id", campaign_}}));
    CallJson(200, "PUT", "/api/v1/recording/extensions/1001", &admin_,
             Json{{"station_id", station_}});
    // An agent trained for the campaign logs on at WS-1001: calls to 1001 from now are theirs.
    agent_ = Id(CallJson(
        201, "POST", "/api/v1/people", &admin_,
        Json{{"kind", "employee"}, {"employee_number", "E5001"}, {"name", "Katherine Johnson"}}));
    CallJson(
        201, "POST", "/api/v1/training", &admin_,
        Json{{"person_id", agent_}, {"campaign_id", campaign_}, {"completed_on", "2024-01-15"}});
    Json account = CallJson(201, "POST", "/api/v1/accounts", &admin_,
                            Json{{"person_id", agent_}, {"username", "kjohnson"}});
    Credentials workstation = AddDeviceToken("ws-1001", "workstation", station_);
    Json logon = CallJson(200, "POST", "/api/v1/logon", &workstation,
                          Json{{"username", "kjohnson"}, {"password", account["password"]}});
    ASSERT_EQ(logon["decision"], "allow") << logon.dump();
    // Two inbound calls of 3 s to extensions 1000 and 1001, starting a second after the logon,
    // recorded by the CLI while the server runs on the same data directory.
    const std::string pcap = (data_dir() / "calls.pcap").string();
    ASSERT_EQ(
        Shell("python3 " FG_SOURCE_DIR "/bench/recording/gen_pcap.py --calls 2 --seconds 3 --out " +
              pcap + " --start-time " + std::to_string(std::time(nullptr) + 1) +
              " > /dev/null 2>&1"),
        0);
    ASSERT_EQ(Shell(std::string(FG_BINARY) + " capture --data " + config_.data_dir + " --read " +
                    pcap + " > /dev/null"),
              0);
    Json calls = CallJson(200, "GET", "/api/v1/calls", &admin_);
    ASSERT_EQ(calls["items"].size(), 2u) << calls.dump();
    for (const Json& call : calls["items"]) {
      if (call["to"] == "1001") mapped_ = call;
    }
    ASSERT_TRUE(mapped_.is_object());
  }

  std::string Audio(int64_t call, const std::string& reason) {
    return "/api/v1/calls/" + std::to_string(call) +
           "/audio?format=wav&reason=" + UrlEncode(reason);
  }

  int64_t campaign_ = 0, station_ = 0, agent_ = 0;
  Json mapped_;
};

TEST_F(RecordingTest, CallsCarryStationCampaignAndRecording) {
  EXPECT_EQ(mapped_["direction"], "inbound");
  EXPECT_EQ(mapped_["agent_extension"], "1001");
  EXPECT_EQ(mapped_["station_id"], station_);
  EXPECT_EQ(mapped_["campaign_id"], campaign_);
  EXPECT_EQ(mapped_["agent_person_id"], agent_);  // logged on at the station when it rang
  ASSERT_TRUE(mapped_["recording"].is_object());
  EXPECT_EQ(mapped_["recording"]["status"], "complete");
  EXPECT_EQ(mapped_["recording"]["lost"], 0);
  EXPECT_EQ(mapped_["recording"]["sha256"].get<std::string>().size(), 64u);
  Json one = CallJson(200, "GET", "/api/v1/calls/" + std::to_string(Id(mapped_)), &admin_);
  EXPECT_EQ(one["recording"]["sha256"], mapped_["recording"]["sha256"]);
  Json filtered =
      CallJson(200, "GET", "/api/v1/calls?station_id=" + std::to_string(station_), &admin_);
  EXPECT_EQ(filtered["items"].size(), 1u);
  Json by_agent =
      CallJson(200, "GET", "/api/v1/calls?agent_person_id=" + std::to_string(agent_), &admin_);
  ASSERT_EQ(by_agent["items"].size(), 1u);
  EXPECT_EQ(by_agent["items"][0]["to"], "1001");
  EXPECT_EQ(CallJson(200, "GET", "/api/v1/calls?direction=outbound", &admin_)["items"].size(), 0u);
  EXPECT_EQ(Call("GET", "/api/v1/calls?direction=sideways", &admin_).status, 400);
}

TEST_F(RecordingTest, OnlyAllowedRolesListenAndEveryListenIsAudited) {
  const int64_t call = Id(mapped_);
  Credentials security = AddConsoleUser("sec1", "security");
  Credentials supervisor = AddConsoleUser("sup1", "supervisor");
  Credentials auditor = AddConsoleUser("aud1", "auditor");

  EXPECT_EQ(Call("GET", Audio(call, "curious"), &admin_).status, 403);  // separation of duties
  EXPECT_EQ(Call("GET", Audio(call, "review"), &supervisor).status, 403);
  EXPECT_EQ(Call("GET", Audio(call, "review"), &auditor).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/calls/" + std::to_string(call) + "/audio", &security).status, 400);

  HttpResponse heard = Call("GET", Audio(call, "dispute 4411"), &security);
  ASSERT_EQ(heard.status, 200);
  EXPECT_EQ(heard.Header("content-type").value_or(""), "audio/wav");
  EXPECT_EQ(heard.body.substr(0, 4), "RIFF");
  EXPECT_GT(heard.body.size(), 3u * 8000 * 2 * 2);  // 3 s of 16-bit stereo at 8 kHz

  CallJson(200, "PUT",
           "/api/v1/recording/supervisors/" + std::to_string(supervisor.id) + "/campaigns", &admin_,
           Json{{"campaign_ids", {campaign_}}});
  EXPECT_EQ(Call("GET", Audio(call, "coaching"), &supervisor).status, 200);

  EXPECT_EQ(
      Call("POST", "/api/v1/recording/grants", &admin_,
           Json{{"account_id", auditor.id}, {"until", "2099-01-01T00:00:00Z"}, {"reason", "x"}})
          .status,
      403);
  CallJson(201, "POST", "/api/v1/recording/grants", &security,
           Json{{"account_id", auditor.id},
                {"until", "2099-01-01T00:00:00Z"},
                {"reason", "PCI assessment 2026"}});
  EXPECT_EQ(Call("GET", Audio(call, "sample check"), &auditor).status, 200);

  // Three listens, each by its listener with its reason; refusals are not listens.
  std::vector<Json> listens = AuditEntries("action=recording.listen");
  ASSERT_EQ(listens.size(), 3u);
  std::set<std::string> seen;
  for (const Json& e : listens) {
    seen.insert(e["actor"].get<std::string>() + " " + e["details"]["reason"].get<std::string>());
  }
  EXPECT_EQ(seen, (std::set<std::string>{"user:sec1 dispute 4411", "user:sup1 coaching",
                                         "user:aud1 sample check"}));
}

TEST_F(RecordingTest, ACardNumberInTheReasonNeverReachesTheTrail) {
  Credentials security = AddConsoleUser("sec2", "security");
  ASSERT_EQ(Call("GET", Audio(Id(mapped_), "customer read 4111 1111 1111 1111"), &security).status,
            200);
  for (const Json& e : AuditEntries("action=recording.listen")) {
    EXPECT_EQ(e["details"].dump().find("4111 1111"), std::string::npos) << e.dump();
    EXPECT_NE(e["details"].dump().find("1111"), std::string::npos)
        << "the mask keeps the last four";
  }
}

TEST_F(RecordingTest, PbxRecordsOfUncapturedCallsShowInCompleteness) {
  Credentials pbx = AddDeviceToken("pbx-1", "pbx");
  Json imported = CallJson(200, "POST", "/api/v1/cdrs", &pbx,
                           Json{{"cdrs",
                                 {{{"unique_id", "1700000000.7"},
                                   {"source", "+15559990000"},
                                   {"destination", "1002"},
                                   {"start", "2023-11-14T22:13:25Z"},
                                   {"answer", "2023-11-14T22:13:27Z"},
                                   {"end", "2023-11-14T22:15:27Z"},
                                   {"billable_seconds", 120},
                                   {"disposition", "ANSWERED"}}}}});
  EXPECT_EQ(imported["imported"], 1);
  EXPECT_EQ(imported["matched"], 0);
  EXPECT_EQ(Call("POST", "/api/v1/cdrs", &pbx, Json{{"cdrs", {{{"unique_id", "x"}}}}}).status, 400);
  Json report = CallJson(
      200, "GET", "/api/v1/calls/completeness?from=2023-11-14T00:00:00Z&to=2023-11-15T00:00:00Z",
      &admin_);
  bool missing = false;
  for (const Json& issue : report["issues"]) missing |= issue["problem"] == "not captured";
  EXPECT_TRUE(missing) << report.dump();
  // No live capture in this server: pausing is refused with a reason, not a crash.
  Credentials supervisor = AddConsoleUser("sup2", "supervisor");
  EXPECT_EQ(Call("POST", "/api/v1/calls/" + std::to_string(Id(mapped_)) + "/pause", &supervisor,
                 Json::object())
                .status,
            409);
}

}  // namespace
}  // namespace fg::test
