// No card number is ever stored: known test PANs go in through every ingestion path (API
// fields of several modules, a workstation logon's user name, syslog over UDP), then the
// whole data directory (database, WAL, keys, anything else) and the process log are searched
// for them in plain and separated forms. None may be found; each redaction is audited.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "app/defense.h"
#include "app/redacting_log.h"
#include "server_fixture.h"

namespace fg::test {
namespace {

int64_t Id(const Json& object) { return object.is_object() ? object.value("id", int64_t{0}) : 0; }

// Test PANs (Visa, Mastercard, Amex): digits only.
const std::vector<std::string> kPans = {"4111111111111111", "5555555555554444", "378282246310005"};

// The forms a PAN may be written in: plain, and grouped by space, dash or dot.
std::vector<std::string> Forms(const std::string& pan) {
  std::vector<std::string> forms = {pan};
  for (char sep : {' ', '-', '.'}) {
    std::string grouped;
    for (size_t i = 0; i < pan.size(); ++i) {
      if (i > 0 && i % 4 == 0) grouped += sep;
      grouped += pan[i];
    }
    forms.push_back(grouped);
  }
  return forms;
}

std::string ReadAll(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class DlpTest : public ServerTest {
 protected:
  void SetUp() override {
    app::UseRedactingLogger([this](std::string_view line) {
      std::lock_guard lock(log_mutex_);
      log_.append(line);
    });
    ServerTest::SetUp();
    if (HasFailure()) return;
    StopServer();
    config_.syslog_udp_listen = "127.0.0.1:0";
    StartServer();
    if (HasFailure()) return;
    admin_ = Login("admin", kAdminPassword);
  }
  void TearDown() override {
    ServerTest::TearDown();
    app::UseRedactingLogger();  // back to stderr for the next suite
  }

  void SendSyslog(const std::string& line) {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(server_->defense().syslog_udp_port()));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(
        ::sendto(fd, line.data(), line.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
        static_cast<ssize_t>(line.size()));
    ::close(fd);
  }

  std::mutex log_mutex_;
  std::string log_;
};

TEST_F(DlpTest, NoCardNumberReachesTheDataDirectoryOrTheLogThroughAnyIngestionPath) {
  ASSERT_FALSE(HasFailure());
  const std::string visa = "4111 1111 1111 1111";
  const std::string mastercard = "5555-5555-5555-4444";
  const std::string amex = "378282246310005";

  // Directory: a person's name and company.
  int64_t person = Id(CallJson(201, "POST", "/api/v1/people", &admin_,
                               Json{{"kind", "employee"},
                                    {"employee_number", "E9901"},
                                    {"name", "Pat Card " + visa},
                                    {"company", "paid with " + mastercard}}));
  ASSERT_GT(person, 0);
  int64_t site = Id(CallJson(201, "POST", "/api/v1/sites", &admin_,
                             Json{{"name", "DLP HQ"}, {"timezone", "UTC"}}));
  int64_t floor =
      Id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                  Json{{"site_id", site}, {"name", "DLP floor"}, {"classification", "secure"}}));
  // Access: a grant's note and a violation's note (which also opens an alert).
  CallJson(201, "POST", "/api/v1/access/grants", &admin_,
           Json{{"person_id", person},
                {"zone_id", floor},
                {"valid_from", "2026-01-01T00:00:00Z"},
                {"note", "customer card " + amex}});
  Json violation = CallJson(201, "POST", "/api/v1/access/violations", &admin_,
                            Json{{"person_id", person},
                                 {"zone_id", floor},
                                 {"kind", "phone"},
                                 {"note", "photographed card " + visa + " exp 12/27 cvv 123"}});
  // Alerts: a resolution note.
  Json alerts = CallJson(200, "GET", "/api/v1/alerts?status=open", &admin_);
  ASSERT_TRUE(alerts.contains("items") && !alerts["items"].empty()) << alerts.dump();
  CallJson(200, "POST", "/api/v1/alerts/" + std::to_string(Id(alerts["items"][0])) + "/resolve",
           &admin_, Json{{"note", "card " + mastercard + " was on the screen"}});
  // Identity: a workstation logon whose user name is a card number.
  int64_t station = Id(CallJson(201, "POST", "/api/v1/stations", &admin_,
                                Json{{"workstation_id", "WS-DLP"}, {"zone_id", floor}}));
  Credentials workstation = AddDeviceToken("ws-dlp", "workstation", station);
  Call("POST", "/api/v1/logon", &workstation,
       Json{{"username", visa}, {"password", "Not-The-Password-1"}});
  // Syslog: a line carrying a PAN in the message and one as the ssh user name.
  SendSyslog("<38>Nov 29 10:00:00 pbx app[1]: payment card " + mastercard + " approved");
  SendSyslog("<38>Nov 29 10:00:01 bastion sshd[7]: Failed password for invalid user " + amex +
             " from 127.0.0.5 port 2222 ssh2");
  // Give the intake a moment to queue, then stop: Stop drains and checkpoints.
  for (int i = 0; i < 50; ++i) {
    Json counts = CallJson(200, "GET", "/api/v1/log-events/counts", &admin_);
    if (counts.value("stored", 0) >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  // Each redaction is an audited event with the kind and the mask only.
  std::vector<Json> redactions = AuditEntries("action=dlp.redact");
  EXPECT_GE(redactions.size(), 6u);
  bool masked_visa = false;
  for (const Json& e : redactions) masked_visa |= e.dump().find("****1111") != std::string::npos;
  EXPECT_TRUE(masked_visa);
  // The stored note holds the mask.
  EXPECT_NE(violation.dump().find("[PAN ****1111]"), std::string::npos) << violation.dump();

  StopServer();
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir())) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string bytes = ReadAll(entry.path());
    for (const std::string& pan : kPans) {
      for (const std::string& form : Forms(pan)) {
        EXPECT_EQ(bytes.find(form), std::string::npos)
            << form << " found in " << entry.path().filename();
      }
    }
  }
  EXPECT_GE(files, 2u);  // at least the database and its key
  std::lock_guard lock(log_mutex_);
  for (const std::string& pan : kPans) {
    for (const std::string& form : Forms(pan)) {
      EXPECT_EQ(log_.find(form), std::string::npos) << form << " in the process log";
    }
  }
}

}  // namespace
}  // namespace fg::test
