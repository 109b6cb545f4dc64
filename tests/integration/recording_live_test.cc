// serve with live capture ([recording] enabled on lo) while sipp places a real call: the
// call appears as active, a supervisor pauses and resumes it over HTTP, and the finished
// recording carries the paused span, the pause and resume are audited by that supervisor.
// Needs root (libpcap on lo, sipp's raw socket) and sipp; skipped otherwise.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "server_fixture.h"

namespace fg::test {
namespace {

class RecordingLiveTest : public ServerTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0 || std::system("command -v sipp > /dev/null") != 0) {
      GTEST_SKIP() << "live capture needs root and sipp (CI runs as root with sip-tester)";
    }
    ServerTest::SetUp();
    if (HasFailure()) return;
    StopServer();
    config_.recording_enabled = true;
    config_.recording_interface = "lo";
    config_.recording_filter = "udp";
    StartServer();
  }

  // The first call the API lists, once `ready` says so (polls up to 30 s).
  Json WaitForCall(const std::function<bool(const Json&)>& ready) {
    for (int i = 0; i < 300; ++i) {
      Json calls = CallJson(200, "GET", "/api/v1/calls", &admin_);
      if (calls.is_object() && !calls["items"].empty() && ready(calls["items"][0])) {
        return calls["items"][0];
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no call reached the expected state";
    return Json();
  }
};

TEST_F(RecordingLiveTest, SupervisorPausesALiveCallAndThePauseIsInTheRecording) {
  Credentials supervisor = AddConsoleUser("sup-live", "supervisor");
  // One 8 s call in the background; the capture in the server records it.
  std::thread calls([] {
    const int status = std::system("bash " FG_SOURCE_DIR
                                   "/tests/sipp/run_calls.sh --calls 1 --rate 1 --seconds 8 "
                                   "> /dev/null 2>&1");
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "sipp call failed";
  });
  Json active = WaitForCall([](const Json& c) { return c["active"] == true; });
  ASSERT_TRUE(active.is_object());
  const std::string call = "/api/v1/calls/" + std::to_string(active["id"].get<int64_t>());
  // The row is written a moment after the INVITE; the recorder knows it once media flows.
  HttpResponse paused;
  for (int i = 0; i < 50; ++i) {
    paused = Call("POST", call + "/pause", &supervisor, Json::object());
    if (paused.status != 404) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(Call("POST", call + "/pause", &supervisor, Json::object()).status, 409);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(Call("POST", call + "/resume", &supervisor, Json::object()).status, 200);
  calls.join();

  Json done = WaitForCall([](const Json& c) { return c["active"] == false; });
  ASSERT_TRUE(done["recording"].is_object()) << done.dump();
  bool pause_span = false;
  for (const Json& span : done["recording"]["masked_spans"]) {
    if (span["source"] == "pause") {
      pause_span = true;
      const int64_t length = span["end_ms"].get<int64_t>() - span["start_ms"].get<int64_t>();
      EXPECT_GT(length, 1500);
      EXPECT_LT(length, 4000);
    }
  }
  EXPECT_TRUE(pause_span) << done.dump();
  for (const char* action : {"recording.pause", "recording.resume"}) {
    auto entries = AuditEntries(std::string("action=") + action);
    ASSERT_EQ(entries.size(), 1u) << action;
    EXPECT_EQ(entries[0]["actor"], "user:sup-live");
  }
}

}  // namespace
}  // namespace fg::test
