#include "pam/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fg::pam {
namespace {

constexpr const char* kToken = "fgd_AbCdEf0123456789-_xyz";

Result<Config> Parse(const std::string& text) { return ParseConfig(text, "pam.conf"); }

std::string ErrorOf(const Result<Config>& config) {
  return config ? std::string("(no error)") : config.error().message;
}

TEST(PamConfig, DocumentedExampleParses) {
  auto config = Parse(
      "# floorguard logon\n"
      "url = https://fg.example:8443/\n"
      "token_file = /etc/floorguard/station.token\n"
      "ca_file = \"/etc/floorguard/ca.pem\"\n"
      "timeout_ms = 2500\n");
  ASSERT_TRUE(config) << ErrorOf(config);
  EXPECT_EQ(config->url, "https://fg.example:8443");
  EXPECT_EQ(config->token_file, "/etc/floorguard/station.token");
  EXPECT_EQ(config->ca_file, "/etc/floorguard/ca.pem");
  EXPECT_EQ(config->timeout_ms, 2500);
}

TEST(PamConfig, TimeoutDefaultsToFiveSeconds) {
  auto config = Parse(std::string("url = https://fg\ntoken = ") + kToken + "\n");
  ASSERT_TRUE(config) << ErrorOf(config);
  EXPECT_EQ(config->timeout_ms, 5000);
  EXPECT_EQ(config->token, kToken);
}

TEST(PamConfig, UnknownKeyIsRefusedWithItsLine) {
  auto config = Parse("url = https://fg\n\nverify_tls = no\n");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "pam.conf:3: unknown key 'verify_tls'");
}

TEST(PamConfig, RepeatedKeyIsRefused) {
  auto config = Parse("url = https://a\nurl = https://b\ntoken_file = /t\n");
  EXPECT_NE(ErrorOf(config).find("pam.conf:2: url: given twice"), std::string::npos);
}

TEST(PamConfig, LineWithoutEqualsIsRefused) {
  EXPECT_NE(ErrorOf(Parse("url https://a\n")).find("pam.conf:1: expected 'key = value'"),
            std::string::npos);
}

TEST(PamConfig, ExactlyOneOfTokenAndTokenFile) {
  EXPECT_FALSE(Parse("url = https://a\n"));
  EXPECT_FALSE(Parse(std::string("url = https://a\ntoken_file = /t\ntoken = ") + kToken + "\n"));
}

TEST(PamConfig, UrlIsRequired) { EXPECT_FALSE(Parse("token_file = /t\n")); }

TEST(PamConfig, TimeoutOutOfRangeIsRefused) {
  EXPECT_FALSE(Parse("url = https://a\ntoken_file = /t\ntimeout_ms = 50\n"));
  EXPECT_FALSE(Parse("url = https://a\ntoken_file = /t\ntimeout_ms = 60001\n"));
  EXPECT_FALSE(Parse("url = https://a\ntoken_file = /t\ntimeout_ms = 5s\n"));
}

TEST(PamConfig, RelativePathsAreRefused) {
  EXPECT_FALSE(Parse("url = https://a\ntoken_file = station.token\n"));
  EXPECT_FALSE(Parse("url = https://a\ntoken_file = /t\nca_file = ca.pem\n"));
}

TEST(PamConfig, MalformedTokenIsRefusedWithoutEchoingIt) {
  auto config = Parse("url = https://a\ntoken = secret-value-123\n");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message.find("secret-value-123"), std::string::npos);
}

TEST(PamUrl, PlainHttpOnlyToLoopback) {
  EXPECT_TRUE(CheckUrl("http://127.0.0.1:8080"));
  EXPECT_TRUE(CheckUrl("http://127.8.9.10"));
  EXPECT_TRUE(CheckUrl("http://localhost:1"));
  EXPECT_TRUE(CheckUrl("http://[::1]:8080"));
  EXPECT_FALSE(CheckUrl("http://fg.example:8080"));
  EXPECT_FALSE(CheckUrl("http://10.0.0.1"));
  EXPECT_FALSE(CheckUrl("http://128.0.0.1"));
  EXPECT_FALSE(CheckUrl("http://127.0.0.1.evil.example"));
  EXPECT_FALSE(CheckUrl("http://[::2]"));
  EXPECT_TRUE(CheckUrl("https://fg.example:8443"));
  EXPECT_TRUE(CheckUrl("https://[2001:db8::1]:8443"));
}

TEST(PamUrl, OnlySchemeHostPortAndPrefix) {
  EXPECT_EQ(*CheckUrl("https://fg.example/floorguard/"), "https://fg.example/floorguard");
  EXPECT_FALSE(CheckUrl("ftp://fg.example"));
  EXPECT_FALSE(CheckUrl("https://user@fg.example"));
  EXPECT_FALSE(CheckUrl("https://fg.example/?x=1"));
  EXPECT_FALSE(CheckUrl("https://fg.example/#x"));
  EXPECT_FALSE(CheckUrl("https://fg.example:0"));
  EXPECT_FALSE(CheckUrl("https://fg.example:65536"));
  EXPECT_FALSE(CheckUrl("https://fg.example:"));
  EXPECT_FALSE(CheckUrl("https://"));
  EXPECT_FALSE(CheckUrl("https://fg example"));
}

TEST(PamConfig, CaFileWithPlainHttpIsRefused) {
  EXPECT_FALSE(Parse("url = http://127.0.0.1\ntoken_file = /t\nca_file = /ca.pem\n"));
}

class PamConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "fg-pam-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text, mode_t mode) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  std::string ConfigWithTokenFile(mode_t token_mode) {
    std::string token = Write("station.token", std::string(kToken) + "\n", token_mode);
    return Write("pam.conf", "url = http://127.0.0.1:9\ntoken_file = " + token + "\n", 0644);
  }
  Ownership Me() const { return {.owner = ::getuid()}; }

  std::filesystem::path dir_;
};

TEST_F(PamConfigFiles, TokenFileIsReadAndTrimmed) {
  auto config = LoadConfig(ConfigWithTokenFile(0600), Me());
  ASSERT_TRUE(config) << ErrorOf(config);
  EXPECT_EQ(config->token, kToken);
}

TEST_F(PamConfigFiles, TokenFileReadableByOthersIsRefused) {
  auto config = LoadConfig(ConfigWithTokenFile(0644), Me());
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("chmod 0600"), std::string::npos);
  EXPECT_EQ(config.error().message.find(kToken), std::string::npos);
}

TEST_F(PamConfigFiles, FilesOwnedBySomeoneElseAreRefused) {
  auto config = LoadConfig(ConfigWithTokenFile(0600), {.owner = ::getuid() + 1});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("must be owned by uid"), std::string::npos);
}

TEST_F(PamConfigFiles, WritableConfigIsRefused) {
  std::string path = ConfigWithTokenFile(0600);
  ASSERT_EQ(::chmod(path.c_str(), 0666), 0);
  EXPECT_FALSE(LoadConfig(path, Me()));
}

TEST_F(PamConfigFiles, ConfigHoldingTheTokenMustBePrivate) {
  std::string path =
      Write("pam.conf", std::string("url = http://127.0.0.1:9\ntoken = ") + kToken + "\n", 0644);
  EXPECT_FALSE(LoadConfig(path, Me()));
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto config = LoadConfig(path, Me());
  ASSERT_TRUE(config) << ErrorOf(config);
  EXPECT_EQ(config->token, kToken);
}

TEST_F(PamConfigFiles, SymlinkedTokenFileIsRefused) {
  std::string real = Write("real.token", kToken, 0600);
  std::string link = (dir_ / "link.token").string();
  ASSERT_EQ(::symlink(real.c_str(), link.c_str()), 0);
  std::string path = Write("pam.conf", "url = https://a\ntoken_file = " + link + "\n", 0644);
  EXPECT_FALSE(LoadConfig(path, Me()));
}

TEST_F(PamConfigFiles, TokenFileWithJunkIsRefused) {
  std::string token = Write("station.token", std::string(kToken) + "\nsecond line\n", 0600);
  std::string path = Write("pam.conf", "url = https://a\ntoken_file = " + token + "\n", 0644);
  EXPECT_FALSE(LoadConfig(path, Me()));
}

TEST_F(PamConfigFiles, MissingConfigIsAnError) {
  EXPECT_FALSE(LoadConfig((dir_ / "absent.conf").string(), Me()));
}

}  // namespace
}  // namespace fg::pam
