#include "app/config.h"

#include <gtest/gtest.h>

#include "../../fixtures/corpus.h"

namespace fg::app {
namespace {

TEST(Config, DefaultsAreSafe) {
  Config config;
  EXPECT_EQ(config.listen, "127.0.0.1:8080");
  EXPECT_EQ(config.durability, "full");
  EXPECT_FALSE(config.allow_plain_http);
  EXPECT_EQ(config.idle_timeout_minutes, 15);
  EXPECT_TRUE(Validate(config));
}

TEST(Config, FileOverridesDefaults) {
  auto config = ParseConfig(
      "[server]\nlisten = \"127.0.0.1:9090\"\nworker_threads = 8\n"
      "[audit]\ncheckpoint_every_entries = 50\n[data]\ndir = \"/srv/fg\"\n",
      "fg.toml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->listen, "127.0.0.1:9090");
  EXPECT_EQ(config->worker_threads, 8);
  EXPECT_EQ(config->checkpoint_every_entries, 50);
  EXPECT_EQ(config->data_dir, "/srv/fg");
  EXPECT_EQ(config->io_threads, 2);
}

TEST(Config, WrongTypeNamesFileLineAndKey) {
  auto config = ParseConfig("[server]\n\nio_threads = \"two\"\n", "/etc/fg.toml");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("/etc/fg.toml:3:"), std::string::npos)
      << config.error().message;
  EXPECT_NE(config.error().message.find("server.io_threads"), std::string::npos);
}

TEST(Config, UnknownKeyIsAnError) {
  auto config = ParseConfig("[server]\nlisen = \"127.0.0.1:1\"\n", "fg.toml");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("fg.toml:2:"), std::string::npos);
  EXPECT_NE(config.error().message.find("server.lisen"), std::string::npos);
  EXPECT_FALSE(ParseConfig("[serverr]\n", "fg.toml"));
}

TEST(Config, SyntaxErrorNamesTheLine) {
  auto config = ParseConfig("[server]\nlisten = \n", "fg.toml");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("fg.toml:2:"), std::string::npos) << config.error().message;
}

TEST(Config, PlainHttpOffLoopbackIsRefused) {
  Config config;
  config.listen = "0.0.0.0:8080";
  auto validated = Validate(config);
  ASSERT_FALSE(validated);
  EXPECT_NE(validated.error().message.find("allow_plain_http"), std::string::npos);
  config.allow_plain_http = true;
  EXPECT_TRUE(Validate(config));
  config.allow_plain_http = false;
  config.tls_cert_file = "c.pem";
  config.tls_key_file = "k.pem";
  EXPECT_TRUE(Validate(config));
}

TEST(Config, TlsFilesGoTogether) {
  Config config;
  config.tls_cert_file = "c.pem";
  EXPECT_FALSE(Validate(config));
}

TEST(Config, IdleTimeoutCannotExceedFifteenMinutes) {
  auto config = ParseConfig("[session]\nidle_timeout_minutes = 30\n", "fg.toml");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("session.idle_timeout_minutes"), std::string::npos);
}

TEST(Config, LockoutFollowsPciLimits) {
  auto config =
      ParseConfig("[session]\nlockout_after_failures = 4\nlockout_minutes = 45\n", "fg.toml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->lockout_after_failures, 4);
  EXPECT_EQ(config->lockout_minutes, 45);
  EXPECT_FALSE(ParseConfig("[session]\nlockout_after_failures = 11\n", "fg.toml"));
  EXPECT_FALSE(ParseConfig("[session]\nlockout_minutes = 10\n", "fg.toml"));
}

TEST(Config, DetectorThresholdsFollowPciLimits) {
  auto config = ParseConfig(
      "[detect]\naccount_failures = 8\naccount_lock_minutes = 60\nspray_accounts = 3\n", "fg.toml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->account_failures, 8);
  EXPECT_EQ(config->account_lock_minutes, 60);
  EXPECT_EQ(config->spray_accounts, 3);
  auto too_many = ParseConfig("[detect]\naccount_failures = 11\n", "fg.toml");
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().field, "detect.account_failures");
  auto too_short = ParseConfig("[detect]\naccount_lock_minutes = 29\n", "fg.toml");
  ASSERT_FALSE(too_short);
  EXPECT_EQ(too_short.error().field, "detect.account_lock_minutes");
}

TEST(Config, LogonModesAreEnforceMonitorOrOff) {
  auto config = ParseConfig("[logon]\npresence_mode = \"enforce\"\n", "fg.toml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->presence_mode, "enforce");
  EXPECT_EQ(Config{}.single_session_mode, "enforce");
  auto bad = ParseConfig("[logon]\nsingle_session_mode = \"sometimes\"\n", "fg.toml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "logon.single_session_mode");
  EXPECT_FALSE(ParseConfig("[logon]\nidle_minutes = 20\n", "fg.toml"));
}

TEST(Config, TotpRolesAndBanCommandAreChecked) {
  auto config = ParseConfig(
      "[totp]\nrequired_roles = [\"admin\", \"security\"]\n"
      "[alerts]\nban_command = [\"/usr/sbin/nft\", \"add\", \"element\", \"{address}\"]\n",
      "fg.toml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->totp_required_roles, (std::vector<std::string>{"admin", "security"}));
  EXPECT_EQ(config->ban_command.size(), 4u);
  EXPECT_FALSE(ParseConfig("[totp]\nrequired_roles = [\"workstation\"]\n", "fg.toml"));
  EXPECT_FALSE(ParseConfig("[totp]\nrequired_roles = \"admin\"\n", "fg.toml"));
  EXPECT_FALSE(ParseConfig("[alerts]\nban_command = [\"nft\"]\n", "fg.toml"));
  EXPECT_FALSE(ParseConfig("[alerts]\nban_command = [1]\n", "fg.toml"));
}

TEST(Config, AlertDestinationsAreChecked) {
  EXPECT_TRUE(ParseConfig("[alerts]\nwebhook_url = \"https://siem.example/hook\"\n", "f"));
  EXPECT_TRUE(ParseConfig("[alerts]\nwebhook_url = \"http://127.0.0.1:9/hook\"\n", "f"));
  auto plain = ParseConfig("[alerts]\nwebhook_url = \"http://siem.example/hook\"\n", "f");
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().field, "alerts.webhook_url");
  EXPECT_FALSE(ParseConfig("[syslog]\nudp_listen = \"127.0.0.1\"\n", "f"));
  EXPECT_TRUE(ParseConfig("[syslog]\nudp_listen = \"127.0.0.1:5514\"\n", "f"));
}

TEST(Config, ListenAddressesParse) {
  EXPECT_EQ(ParseListen("127.0.0.1:0")->port, 0);
  EXPECT_EQ(ParseListen("[::1]:8443")->host, "::1");
  EXPECT_FALSE(ParseListen("127.0.0.1"));
  EXPECT_FALSE(ParseListen("127.0.0.1:99999"));
  EXPECT_FALSE(ParseListen("127.0.0.1:80x"));
  EXPECT_TRUE(IsLoopback("127.0.0.2"));
  EXPECT_FALSE(IsLoopback("10.0.0.1"));
}

TEST(Config, MissingFileIsAClearError) {
  auto config = LoadConfig("/nonexistent/fg.toml");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("/nonexistent/fg.toml"), std::string::npos);
}

TEST(ConfigFuzzCorpus, EveryCorpusInputIsHandledWithoutCrashing) {
  EXPECT_GT(fg::testing::ReplayCorpus(FG_CONFIG_FUZZ_CORPUS), 5);
}

TEST(Config, AccessAndVisitorSettingsAreReadAndBounded) {
  auto config = ParseConfig(
      "[access]\ndoor_offline_after_seconds = 300\ndevice_alert_after_seconds = 60\n"
      "[visitors]\noverdue_grace_minutes = 30\nretention_days = 7\n",
      "fg.toml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->access_door_offline_after_seconds, 300);
  EXPECT_EQ(config->access_device_alert_after_seconds, 60);
  EXPECT_EQ(config->access_device_sighting_gap_seconds, 60);  // untouched default
  EXPECT_EQ(config->visitors_overdue_grace_minutes, 30);
  EXPECT_EQ(config->visitors_retention_days, 7);
  auto zero = ParseConfig("[visitors]\nretention_days = 0\n", "fg.toml");
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().field, "visitors.retention_days");
  auto week = ParseConfig("[visitors]\nmax_visit_hours = 169\n", "fg.toml");
  ASSERT_FALSE(week);
  EXPECT_EQ(week.error().field, "visitors.max_visit_hours");
  auto typo = ParseConfig("[access]\ndoor_offline_after = 10\n", "fg.toml");
  ASSERT_FALSE(typo);
}

}  // namespace
}  // namespace fg::app
