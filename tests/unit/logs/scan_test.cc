#include "logs/scan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "logs/received.h"
#include "test_util.h"

namespace fg::logs {
namespace {

using test::Context;

TEST(ScanLine, ClassifiesAuthOtherAndUnparseable) {
  auto auth = ScanLine(
      "2026-11-29T05:49:07.123456+00:00 web1 sshd[1]: Failed password for root from 1.2.3.4 "
      "port 2 ssh2",
      Context());
  EXPECT_EQ(auth.kind, LineKind::kAuthEvent);
  ASSERT_TRUE(auth.event);
  EXPECT_EQ(auth.event->origin, AuthOrigin::kSshd);

  auto other =
      ScanLine("Nov 29 05:49:07 web1 systemd-logind[4]: New session 5 of user a.", Context());
  EXPECT_EQ(other.kind, LineKind::kNotAuth);
  EXPECT_FALSE(other.event);
  EXPECT_TRUE(other.error.empty());

  auto bad = ScanLine("Nov 31 05:49:07 web1 sshd[1]: Failed password for root", Context());
  EXPECT_EQ(bad.kind, LineKind::kUnparseable);
  EXPECT_NE(bad.error.find("timestamp"), std::string::npos);
}

TEST(ScanLine, JsonLinesGoToTheWindowsParser) {
  auto e = ScanLine(R"({"EventID":4740,"TargetUserName":"x","Hostname":"DC"})", Context());
  EXPECT_EQ(e.kind, LineKind::kAuthEvent);
  EXPECT_EQ(e.event->outcome, AuthOutcome::kLockout);
  auto broken = ScanLine(R"({"EventID":)", Context());
  EXPECT_EQ(broken.kind, LineKind::kUnparseable);
  auto other = ScanLine(R"({"hello":"world"})", Context());
  EXPECT_EQ(other.kind, LineKind::kNotAuth);
}

TEST(ScanLine, BlankLinesAreNotAuth) {
  EXPECT_EQ(ScanLine("", Context()).kind, LineKind::kNotAuth);
  EXPECT_EQ(ScanLine("   \r\n", Context()).kind, LineKind::kNotAuth);
}

TEST(ScanFile, CountsAttemptsAndReportsEveryLine) {
  auto path = std::filesystem::temp_directory_path() /
              ("fg_logs_scan_" + std::to_string(::getpid()) + ".log");
  {
    std::ofstream out(path);
    out << "Nov 29 05:49:07 w sshd[1]: Failed password for root from 1.2.3.4 port 2 ssh2\n"
        << "Nov 29 05:49:08 w sshd[1]: message repeated 2 times: [ Failed password for root "
           "from 1.2.3.4 port 2 ssh2]\n"
        << "Nov 29 05:49:09 w sshd[1]: pam_unix(sshd:auth): authentication failure; logname= "
           "uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root\n"
        << "Nov 29 05:49:10 w sudo:    bob : 2 incorrect password attempts ; TTY=pts/0 ; PWD=/ ; "
           "USER=root ; COMMAND=/bin/sh\n"
        << "garbage\n"
        << "Nov 29 05:49:11 w sshd[1]: Accepted password for root from 1.2.3.4 port 2 ssh2";
  }
  std::vector<std::pair<uint64_t, LineKind>> seen;
  auto totals = ScanFile(
      path.string(), Context(),
      [&](uint64_t n, std::string_view, const LineResult& r) { seen.emplace_back(n, r.kind); });
  std::filesystem::remove(path);
  ASSERT_TRUE(totals) << totals.error().ToString();
  EXPECT_EQ(totals->lines, 6u);
  EXPECT_EQ(totals->auth_events, 4u);  // sshd's own PAM line repeats its attempt: not an event
  EXPECT_EQ(totals->unparseable, 1u);
  EXPECT_EQ(totals->sshd_failures, 3u);  // 1 + 2 repeated
  EXPECT_EQ(totals->failures, 5u);       // + sudo 2
  EXPECT_EQ(totals->successes, 1u);
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[4], std::make_pair(uint64_t{5}, LineKind::kUnparseable));
}

TEST(ScanFile, MissingFileIsNotFound) {
  auto totals = ScanFile("/nonexistent/fg.log", Context());
  ASSERT_FALSE(totals);
  EXPECT_EQ(totals.error().code, ErrorCode::kNotFound);
}

TEST(AuthEventJson, EscapesAndReplacesInvalidUtf8) {
  AuthEvent event;
  event.time = core::FromUnixMicros(1'795'931'347'000'001);
  event.origin = AuthOrigin::kSshd;
  event.username = "a\"b\\c\n\xff\xc3\xa9";
  std::string json;
  AppendAuthEventJson(event, &json);
  EXPECT_NE(json.find(R"("time":"2026-11-29T05:49:07.000001Z")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("username":"a\"b\\c\u000a)"
                      "\xEF\xBF\xBD\xc3\xa9\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("count":1})"), std::string::npos);
}

TEST(Classify, MasksCardNumbersBeforeParsingSoNoFieldHoldsOne) {
  Received r = Classify(
      "<38>Nov 29 10:00:01 bastion sshd[7]: Failed password for invalid user 378282246310005 "
      "from 192.0.2.9 port 2222 ssh2",
      "192.0.2.9", Transport::kUdp, Context());
  EXPECT_EQ(r.raw.find("378282246310005"), std::string::npos) << r.raw;
  EXPECT_NE(r.raw.find("[PAN ****0005]"), std::string::npos) << r.raw;
  // (A short number right after a PAN may also be masked as a CVV: dlp fails closed.)
  ASSERT_FALSE(r.redactions.empty());
  EXPECT_EQ(r.redactions[0], "pan [PAN ****0005]");
  if (r.auth) {
    EXPECT_EQ(r.auth->username.find("378282246310005"), std::string::npos);
  }
}

TEST(Classify, KeepsUnparseableMessagesWithTheirError) {
  Received r = Classify("<999>nonsense", "10.0.0.1", Transport::kUdp, Context());
  EXPECT_FALSE(r.parsed());
  EXPECT_EQ(r.raw, "<999>nonsense");
  EXPECT_FALSE(r.message);
  EXPECT_NE(r.error.find("pri"), std::string::npos);
}

}  // namespace
}  // namespace fg::logs
