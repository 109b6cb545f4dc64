#include "logs/syslog.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace fg::logs {
namespace {

using test::Context;
using test::Utc;

TEST(ParseSyslog, Rfc5424WithStructuredDataAndBom) {
  auto m = ParseSyslog(
      "<34>1 2026-11-29T05:49:07.123Z host app 123 ID47 [ex@32473 iut=\"3\" s=\"a\\]b\"] "
      "\xEF\xBB\xBFmsg here",
      Context());
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->format, SyslogFormat::kRfc5424);
  EXPECT_EQ(m->facility, 4);
  EXPECT_EQ(m->severity, 2);
  ASSERT_TRUE(m->timestamp);
  EXPECT_EQ(core::ToUnixMicros(*m->timestamp), Utc("2026-11-29T05:49:07.123Z"));
  EXPECT_EQ(m->hostname, "host");
  EXPECT_EQ(m->app_name, "app");
  EXPECT_EQ(m->procid, "123");
  EXPECT_EQ(m->msgid, "ID47");
  EXPECT_EQ(m->structured_data, "[ex@32473 iut=\"3\" s=\"a\\]b\"]");
  EXPECT_EQ(m->message, "msg here");
}

TEST(ParseSyslog, Rfc5424NilValuesAreEmpty) {
  auto m = ParseSyslog("<13>1 - - - - - -", Context());
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_FALSE(m->timestamp);
  EXPECT_EQ(m->hostname, "");
  EXPECT_EQ(m->app_name, "");
  EXPECT_EQ(m->structured_data, "");
  EXPECT_EQ(m->message, "");
}

TEST(ParseSyslog, Rfc5424TimestampOffsetIsApplied) {
  auto m = ParseSyslog("<13>1 2026-11-29T07:49:07+02:00 h a - - - x", Context());
  ASSERT_TRUE(m);
  EXPECT_EQ(core::ToUnixMicros(*m->timestamp), Utc("2026-11-29T05:49:07Z"));
}

TEST(ParseSyslog, Rfc3164WithPri) {
  auto m =
      ParseSyslog("<38>Nov 29 05:49:07 host sshd[123]: Accepted password for a from b", Context());
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->format, SyslogFormat::kRfc3164);
  EXPECT_EQ(m->facility, 4);
  EXPECT_EQ(m->severity, 6);
  EXPECT_EQ(core::ToUnixMicros(*m->timestamp), Utc("2026-11-29T05:49:07Z"));
  EXPECT_EQ(m->hostname, "host");
  EXPECT_EQ(m->app_name, "sshd");
  EXPECT_EQ(m->procid, "123");
  EXPECT_EQ(m->message, "Accepted password for a from b");
}

TEST(ParseSyslog, Rfc3164WithoutHostnameTakesTheTag) {
  auto m = ParseSyslog("<38>Nov 29 05:49:07 sshd[1]: hello", Context());
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->hostname, "");
  EXPECT_EQ(m->app_name, "sshd");
  EXPECT_EQ(m->message, "hello");
}

TEST(ParseSyslog, TraditionalFileLineHasNoPri) {
  auto m = ParseSyslog("Nov  9 05:49:07 host CRON[7]: pam_unix(cron:session): x\n", Context());
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->format, SyslogFormat::kFile);
  EXPECT_EQ(m->facility, -1);
  EXPECT_EQ(m->severity, -1);
  EXPECT_EQ(core::ToUnixMicros(*m->timestamp), Utc("2026-11-09T05:49:07Z"));
  EXPECT_EQ(m->app_name, "CRON");
  EXPECT_EQ(m->message, "pam_unix(cron:session): x");
}

TEST(ParseSyslog, DebianRsyslogRfc3339FileLine) {
  auto m = ParseSyslog("2026-11-29T05:49:07.123456+00:00 host sshd[123]: msg", Context());
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->format, SyslogFormat::kFile);
  EXPECT_EQ(core::ToUnixMicros(*m->timestamp), Utc("2026-11-29T05:49:07.123456Z"));
  EXPECT_EQ(m->hostname, "host");
  EXPECT_EQ(m->message, "msg");
}

TEST(ParseSyslog, MissingYearIsTheOneBeforeTheReference) {
  // A December line read on 2027-01-05 belongs to 2026.
  ParseContext january{.reference = core::FromUnixMicros(Utc("2027-01-05T00:00:00Z"))};
  auto m = ParseSyslog("Dec 31 23:59:59 h a: x", january);
  ASSERT_TRUE(m);
  EXPECT_EQ(core::ToUnixMicros(*m->timestamp), Utc("2026-12-31T23:59:59Z"));
  // An early-January line read on Dec 31 (a sender's clock ahead) belongs to next year.
  ParseContext december{.reference = core::FromUnixMicros(Utc("2026-12-31T23:00:00Z"))};
  m = ParseSyslog("Jan  1 00:00:05 h a: x", december);
  ASSERT_TRUE(m);
  EXPECT_EQ(core::ToUnixMicros(*m->timestamp), Utc("2027-01-01T00:00:05Z"));
}

TEST(ParseSyslog, LocalOffsetAppliesToZonelessTimestamps) {
  ParseContext context = Context();
  context.local_offset = std::chrono::minutes(60);
  auto m = ParseSyslog("Nov 29 06:49:07 h a: x", context);
  ASSERT_TRUE(m);
  EXPECT_EQ(core::ToUnixMicros(*m->timestamp), Utc("2026-11-29T05:49:07Z"));
}

TEST(ParseSyslog, LineWithoutTagKeepsWholeMessage) {
  auto m = ParseSyslog("Nov 29 05:49:07 host some free text: here", Context());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->app_name, "");
  EXPECT_EQ(m->message, "some free text: here");
}

TEST(ParseSyslog, RejectsMalformedInputNamingThePart) {
  struct Case {
    std::string line;
    std::string field;
  };
  const Case cases[] = {
      {"<192>Nov 29 05:49:07 h a: m", "pri"},
      {"<1a>Nov 29 05:49:07 h a: m", "pri"},
      {"<1234>Nov 29 05:49:07 h a: m", "pri"},
      {"<>x", "pri"},
      {"<34", "pri"},
      {"<34>", "timestamp"},
      {"<34>1 ", "timestamp"},
      {"<34>1 2026-02-30T05:49:07Z h a - - -", "timestamp"},
      {"<34>1 2026-11-29T05:49:07 h a - - -", "timestamp"},  // zone required
      {"<34>1 2026-11-29T05:49:07Z h a -", "header"},
      {"<34>1 - h a - - [x", "structured_data"},
      {"<34>1 - h a - - [x]junk", "structured_data"},
      {"Feb 30 05:49:07 h a: x", "timestamp"},
      {"Nov 29 25:49:07 h a: x", "timestamp"},
      {"Foo 29 05:49:07 h a: x", "timestamp"},
      {"2026-13-01T00:00:00Z h a: x", "timestamp"},
      {"Nov 29 05:49:07", "hostname"},
      {"Nov 29 05:49:07 host", "message"},
      {"", "message"},
      {"just words", "timestamp"},
  };
  for (const Case& c : cases) {
    auto m = ParseSyslog(c.line, Context());
    ASSERT_FALSE(m) << c.line;
    EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(m.error().field, c.field) << c.line << ": " << m.error().message;
  }
}

TEST(ParseSyslog, AcceptsMessagesUpTo64KiBAndRejectsLonger) {
  std::string head = "<13>1 - h a - - - ";
  std::string fits = head + std::string(kMaxSyslogBytes - head.size(), 'x');
  EXPECT_TRUE(ParseSyslog(fits, Context()));
  auto too_long = ParseSyslog(fits + "x", Context());
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().field, "message");
}

}  // namespace
}  // namespace fg::logs
