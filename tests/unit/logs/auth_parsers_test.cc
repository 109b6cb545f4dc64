#include "logs/auth_parsers.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace fg::logs {
namespace {

using test::Context;
using test::Utc;

std::optional<AuthEvent> Extract(std::string_view line) {
  auto message = ParseSyslog(line, Context());
  EXPECT_TRUE(message) << line << ": " << message.error().ToString();
  if (!message) return std::nullopt;
  return ExtractAuthEvent(*message, Context());
}

TEST(SshdParser, FailedPasswordForValidUser) {
  auto e = Extract(
      "Nov 29 05:49:07 web1 sshd[123]: Failed password for root from 203.0.113.5 port 40022 ssh2");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->origin, AuthOrigin::kSshd);
  EXPECT_EQ(e->outcome, AuthOutcome::kFailure);
  EXPECT_EQ(e->username, "root");
  EXPECT_EQ(e->source_address, "203.0.113.5");
  EXPECT_EQ(e->host, "web1");
  EXPECT_EQ(e->reason, "bad_password");
  EXPECT_FALSE(e->unknown_user);
  EXPECT_EQ(e->count, 1);
  EXPECT_EQ(core::ToUnixMicros(e->time), Utc("2026-11-29T05:49:07Z"));
}

TEST(SshdParser, FailedPasswordForInvalidUserMarksUnknownUser) {
  auto e = Extract(
      "<38>Nov 29 05:49:07 web1 sshd[1]: Failed password for invalid user ad min from "
      "2001:db8::7 port 22 ssh2");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->outcome, AuthOutcome::kFailure);
  EXPECT_EQ(e->username, "ad min");
  EXPECT_EQ(e->source_address, "2001:db8::7");
  EXPECT_TRUE(e->unknown_user);
  EXPECT_EQ(e->reason, "unknown_user");
}

TEST(SshdParser, FailedPublickeyIsAFailureWithKeyReason) {
  auto e = Extract(
      "Nov 29 05:49:07 web1 sshd[1]: Failed publickey for bob from 198.51.100.2 port 22 ssh2: "
      "RSA SHA256:abc");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->outcome, AuthOutcome::kFailure);
  EXPECT_EQ(e->username, "bob");
  EXPECT_EQ(e->reason, "bad_key");
}

TEST(SshdParser, AcceptedMethodsAreSuccesses) {
  for (std::string method : {"password", "publickey", "keyboard-interactive/pam"}) {
    auto e = Extract("2026-11-29T05:49:07.5+00:00 web1 sshd[1]: Accepted " + method +
                     " for alice from 198.51.100.4 port 50000 ssh2");
    ASSERT_TRUE(e) << method;
    EXPECT_EQ(e->outcome, AuthOutcome::kSuccess);
    EXPECT_EQ(e->username, "alice");
    EXPECT_EQ(e->source_address, "198.51.100.4");
    EXPECT_EQ(e->reason, "");
  }
}

TEST(SshdParser, InvalidUserLineIsAFailure) {
  auto e = Extract("Nov 29 05:49:07 web1 sshd[1]: Invalid user oracle from 203.0.113.6 port 5");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->outcome, AuthOutcome::kFailure);
  EXPECT_EQ(e->username, "oracle");
  EXPECT_TRUE(e->unknown_user);
}

TEST(SshdParser, DisconnectAndConnectionClosedPreauthAreNotFailures) {
  EXPECT_FALSE(
      Extract("Nov 29 05:49:07 w sshd[1]: Disconnected from authenticating user root "
              "203.0.113.5 port 40022 [preauth]"));
  EXPECT_FALSE(
      Extract("Nov 29 05:49:07 w sshd[1]: Connection closed by authenticating user "
              "root 203.0.113.5 port 40022 [preauth]"));
  EXPECT_FALSE(
      Extract("Nov 29 05:49:07 w sshd[1]: Connection closed by invalid user x "
              "203.0.113.5 port 40022 [preauth]"));
  EXPECT_FALSE(
      Extract("Nov 29 05:49:07 w sshd[1]: Received disconnect from 203.0.113.5 port "
              "40022:11: Bye Bye [preauth]"));
}

TEST(SshdParser, MessageRepeatedCountsEveryAttempt) {
  auto e = Extract(
      "Nov 29 05:49:07 w sshd[1]: message repeated 3 times: [ Failed password for root from "
      "203.0.113.5 port 40022 ssh2]");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->outcome, AuthOutcome::kFailure);
  EXPECT_EQ(e->count, 3);
  EXPECT_EQ(e->source_address, "203.0.113.5");
}

TEST(SshdParser, OtherFailureForms) {
  auto max = Extract(
      "Nov 29 05:49:07 w sshd[1]: error: maximum authentication attempts exceeded for invalid "
      "user x from 203.0.113.5 port 1 ssh2 [preauth]");
  ASSERT_TRUE(max);
  EXPECT_EQ(max->reason, "too_many_attempts");
  EXPECT_TRUE(max->unknown_user);
  auto pam = Extract(
      "Nov 29 05:49:07 w sshd[1]: error: PAM: Authentication failure for root from 203.0.113.5");
  ASSERT_TRUE(pam);
  EXPECT_EQ(pam->origin, AuthOrigin::kSshd);
  EXPECT_EQ(pam->source_address, "203.0.113.5");
  auto denied = Extract(
      "Nov 29 05:49:07 w sshd[1]: User root from 203.0.113.5 not allowed because not listed in "
      "AllowUsers");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->reason, "not_allowed");
  EXPECT_EQ(denied->username, "root");
}

TEST(SshdParser, HostNameInsteadOfAddressLeavesSourceEmpty) {
  auto e =
      Extract("Nov 29 05:49:07 w sshd[1]: Failed password for root from evil.example port 1 ssh2");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->source_address, "");
}

TEST(SshdParser, DisconnectOfAnAuthenticatedUserEndsTheSessionAtItsAddress) {
  auto e = Extract("Nov 29 05:49:07 w sshd[1]: Disconnected from user alice 10.20.1.5 port 40022");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->outcome, AuthOutcome::kLogoff);
  EXPECT_EQ(e->username, "alice");
  EXPECT_EQ(e->source_address, "10.20.1.5");
  // Before authentication there is no session to end.
  EXPECT_FALSE(Extract("Nov 29 05:49:07 w sshd[1]: Disconnected from authenticating user root "
                       "203.0.113.7 port 40022 [preauth]"));
  EXPECT_FALSE(Extract("Nov 29 05:49:07 w sshd[1]: Disconnected from user alice"));
}

TEST(SshdParser, TruncatedAndUnrelatedLinesAreNotEvents) {
  EXPECT_FALSE(Extract("Nov 29 05:49:07 w sshd[1]: Failed password for"));
  EXPECT_FALSE(Extract("Nov 29 05:49:07 w sshd[1]: Accepted password for root"));
  EXPECT_FALSE(Extract("Nov 29 05:49:07 w sshd[1]: Server listening on 0.0.0.0 port 22."));
  // The same words from another program are not sshd's.
  EXPECT_FALSE(Extract("Nov 29 05:49:07 w nginx[1]: Failed password for root from 1.2.3.4"));
}

TEST(PamParser, AuthenticationFailureOfAnyServiceButSshd) {
  auto e = Extract(
      "Nov 29 05:49:07 w login[1]: pam_unix(login:auth): authentication failure; logname= uid=0 "
      "euid=0 tty=tty1 ruser= rhost=203.0.113.7  user=root");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->origin, AuthOrigin::kPam);
  EXPECT_EQ(e->outcome, AuthOutcome::kFailure);
  EXPECT_EQ(e->username, "root");
  EXPECT_EQ(e->source_address, "203.0.113.7");
  auto su = Extract(
      "Nov 29 05:49:07 w su[2]: pam_unix(su:auth): authentication failure; logname=bob uid=1000 "
      "euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=root");
  ASSERT_TRUE(su);
  EXPECT_EQ(su->username, "root");
  EXPECT_EQ(su->source_address, "");
}

TEST(PamParser, SessionOpenedIsSuccessAndClosedIsLogoff) {
  auto opened = Extract(
      "Nov 29 05:49:07 w CRON[7]: pam_unix(cron:session): session opened for user root(uid=0) "
      "by (uid=0)");
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->origin, AuthOrigin::kPam);
  EXPECT_EQ(opened->outcome, AuthOutcome::kSuccess);
  EXPECT_EQ(opened->username, "root");
  auto closed =
      Extract("Nov 29 05:49:07 w login[7]: pam_unix(login:session): session closed for user alice");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->outcome, AuthOutcome::kLogoff);
  EXPECT_EQ(closed->username, "alice");
}

TEST(PamParser, SshdsOwnPamLinesAreNotCountedTwice) {
  // sshd logs the same attempt as "Failed password ... from ADDR": one attempt, one event.
  EXPECT_FALSE(Extract(
      "Nov 29 05:49:07 w sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
      "euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root"));
  EXPECT_FALSE(
      Extract("Nov 29 05:49:07 w sshd[7]: pam_unix(sshd:session): session closed for user alice"));
}

TEST(PamParser, OtherPamMessagesAreNotEvents) {
  EXPECT_FALSE(Extract("Nov 29 05:49:07 w sshd[1]: pam_unix(sshd:auth): check pass; user unknown"));
  EXPECT_FALSE(Extract("Nov 29 05:49:07 w sshd[1]: pam_unix(sshd:account): expired"));
  EXPECT_FALSE(Extract("Nov 29 05:49:07 w sshd[1]: pam_unix broken"));
}

TEST(SudoParser, IncorrectPasswordAttemptsCountEach) {
  auto e = Extract(
      "Nov 29 05:49:07 w sudo:    alice : 3 incorrect password attempts ; TTY=pts/0 ; "
      "PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->origin, AuthOrigin::kSudo);
  EXPECT_EQ(e->outcome, AuthOutcome::kFailure);
  EXPECT_EQ(e->username, "alice");
  EXPECT_EQ(e->count, 3);
  EXPECT_EQ(e->reason, "bad_password");
}

TEST(SudoParser, CommandRunIsSuccessAndNotInSudoersIsFailure) {
  auto ok = Extract(
      "Nov 29 05:49:07 w sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; "
      "COMMAND=/usr/bin/id");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->outcome, AuthOutcome::kSuccess);
  EXPECT_EQ(ok->username, "alice");
  auto denied = Extract(
      "Nov 29 05:49:07 w sudo:      bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/ ; USER=root ; "
      "COMMAND=/bin/sh");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->outcome, AuthOutcome::kFailure);
  EXPECT_EQ(denied->reason, "not_in_sudoers");
  EXPECT_FALSE(Extract("Nov 29 05:49:07 w sudo: unable to resolve host x"));
}

TEST(WindowsParser, NxlogFlat4625WithSubStatus) {
  auto e = ExtractWindowsEvent(
      R"({"EventID":4625,"TargetUserName":"bob","IpAddress":"::ffff:10.1.2.3",)"
      R"("WorkstationName":"WS-17","Hostname":"DC1","EventTime":"2026-11-29 05:49:07",)"
      R"("SubStatus":"0xc0000064","Channel":"Security"})",
      Context());
  ASSERT_TRUE(e);
  ASSERT_TRUE(*e);
  const AuthEvent& event = **e;
  EXPECT_EQ(event.origin, AuthOrigin::kWindows);
  EXPECT_EQ(event.outcome, AuthOutcome::kFailure);
  EXPECT_EQ(event.username, "bob");
  EXPECT_EQ(event.source_address, "10.1.2.3");
  EXPECT_EQ(event.station, "WS-17");
  EXPECT_EQ(event.host, "DC1");
  EXPECT_EQ(event.reason, "unknown_user");
  EXPECT_TRUE(event.unknown_user);
  EXPECT_EQ(core::ToUnixMicros(event.time), Utc("2026-11-29T05:49:07Z"));
}

TEST(WindowsParser, Winlogbeat4624NestedWithStringId) {
  auto e = ExtractWindowsEvent(
      R"({"@timestamp":"2026-11-29T05:49:07.250Z","winlog":{"event_id":"4624",)"
      R"("computer_name":"DC2","channel":"Security","event_data":{"TargetUserName":"carol",)"
      R"("IpAddress":"-","WorkstationName":"WS-3"}}})",
      Context());
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->outcome, AuthOutcome::kSuccess);
  EXPECT_EQ((*e)->username, "carol");
  EXPECT_EQ((*e)->source_address, "");
  EXPECT_EQ((*e)->station, "WS-3");
  EXPECT_EQ((*e)->host, "DC2");
  EXPECT_EQ(core::ToUnixMicros((*e)->time), Utc("2026-11-29T05:49:07.25Z"));
}

TEST(WindowsParser, Winlogbeat4740IsLockout) {
  auto e = ExtractWindowsEvent(R"({"winlog":{"event_id":4740,"computer_name":"DC1","event_data":)"
                               R"({"TargetUserName":"dave","TargetDomainName":"WS-9"}}})",
                               Context());
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->outcome, AuthOutcome::kLockout);
  EXPECT_EQ((*e)->station, "WS-9");
  EXPECT_EQ((*e)->reason, "account_locked");
  EXPECT_EQ(core::ToUnixMicros((*e)->time), core::ToUnixMicros(Context().reference));
}

TEST(WindowsParser, JsonInsideSyslogMessage) {
  auto e = Extract(
      R"(<14>1 2026-11-29T05:49:07Z collector nxlog - - - {"EventID":4625,"TargetUserName":"x",)"
      R"("IpAddress":"198.51.100.9"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->origin, AuthOrigin::kWindows);
  EXPECT_EQ(e->host, "collector");
  EXPECT_EQ(e->reason, "auth_failed");
  EXPECT_EQ(core::ToUnixMicros(e->time), Utc("2026-11-29T05:49:07Z"));
}

TEST(WindowsParser, InvalidJsonIsAnErrorAndOtherEventsAreNotAuth) {
  auto bad = ExtractWindowsEvent(R"({"EventID":4625,)", Context());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  auto other = ExtractWindowsEvent(R"({"EventID":4688,"TargetUserName":"x"})", Context());
  ASSERT_TRUE(other);
  EXPECT_FALSE(*other);
  auto wrong_types = ExtractWindowsEvent(R"({"EventID":[4625],"TargetUserName":7})", Context());
  ASSERT_TRUE(wrong_types);
  EXPECT_FALSE(*wrong_types);
  auto other_channel =
      ExtractWindowsEvent(R"({"EventID":4625,"Channel":"Application"})", Context());
  ASSERT_TRUE(other_channel);
  EXPECT_FALSE(*other_channel);
  EXPECT_FALSE(ExtractWindowsEvent(std::string(10000, '['), Context()));
}

}  // namespace
}  // namespace fg::logs
