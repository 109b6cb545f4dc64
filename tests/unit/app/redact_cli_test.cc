// `floorguard redact` as a filter: the same bytes out whether standard input is a mapped
// regular file or a pipe, every line kept, no full PAN left, and a write error is exit code 2.
#include "app/redact_cli.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "dlp/dlp.h"

namespace fg::app {
namespace {

namespace fs = std::filesystem;

// About `bytes` of log lines with a PAN every few KiB, some spaced, some dashed.
std::string LogWithCards(size_t bytes) {
  std::mt19937_64 rng(5);
  static const char* kCards[] = {"4111111111111111", "5555 5555 5555 4444", "3782-822463-10005",
                                 "6011 0009 9013 9424"};
  std::string text;
  while (text.size() < bytes) {
    text += "2026-11-29T10:" + std::to_string(rng() % 60) + " 10.1.2." +
            std::to_string(rng() % 255) + " GET /api/v1/items/" + std::to_string(rng()) + " 200 " +
            std::to_string(rng() % 90000) + "\n";
    if (rng() % 40 == 0) text += std::string("note=customer read card ") + kCards[rng() % 4] + "\n";
  }
  return text;
}

std::string ReadAll(std::FILE* f) {
  std::string out;
  char buf[65536];
  std::rewind(f);
  while (size_t got = std::fread(buf, 1, sizeof buf, f)) out.append(buf, got);
  return out;
}

std::string Digits(std::string_view s) {
  std::string d;
  for (char c : s) {
    if (c >= '0' && c <= '9') d.push_back(c);
  }
  return d;
}

class RedactCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fg_redact_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(RedactCliTest, MappedFileAndPipeGiveTheSameOutputWithEveryLineKept) {
  // Larger than one 4 MiB slice, so views of the input and gathered pieces alternate.
  const std::string text = LogWithCards(9u << 20);
  const fs::path in_path = dir_ / "in.log";
  {
    std::FILE* f = std::fopen(in_path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  // Mapped: standard input is a regular file.
  std::FILE* in = std::fopen(in_path.c_str(), "rb");
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  ASSERT_EQ(RedactCommand({.summary = true}, in, out, err), 0);
  std::fclose(in);
  const std::string mapped = ReadAll(out);
  const std::string summary = ReadAll(err);
  std::fclose(out);
  std::fclose(err);

  // Through a pipe: read() a slice at a time.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread feeder([&text, fd = fds[1]] {
    size_t at = 0;
    while (at < text.size()) {
      const ssize_t wrote = ::write(fd, text.data() + at, text.size() - at);
      if (wrote <= 0) break;
      at += static_cast<size_t>(wrote);
    }
    ::close(fd);
  });
  std::FILE* piped_in = ::fdopen(fds[0], "rb");
  std::FILE* piped_out = std::tmpfile();
  EXPECT_EQ(RedactCommand({}, piped_in, piped_out, stderr), 0);
  feeder.join();
  std::fclose(piped_in);
  const std::string piped = ReadAll(piped_out);
  std::fclose(piped_out);

  EXPECT_EQ(mapped, piped);
  EXPECT_EQ(mapped, dlp::Redact(text, {}));
  EXPECT_EQ(std::count(mapped.begin(), mapped.end(), '\n'),
            std::count(text.begin(), text.end(), '\n'));
  for (const char* pan :
       {"4111111111111111", "5555555555554444", "378282246310005", "6011000990139424"}) {
    EXPECT_EQ(Digits(mapped).find(pan), std::string::npos) << pan;
  }
  EXPECT_NE(mapped.find("[PAN ****1111]"), std::string::npos);
  EXPECT_NE(summary.find("pan "), std::string::npos) << summary;
  EXPECT_EQ(Digits(summary).find("4111111111111111"), std::string::npos);
}

TEST_F(RedactCliTest, AWriteErrorIsExitCodeTwo) {
  const std::string text = LogWithCards(1u << 20);
  std::FILE* in = std::tmpfile();
  std::fwrite(text.data(), 1, text.size(), in);
  std::rewind(in);
  std::FILE* full = std::fopen("/dev/full", "wb");
  if (full == nullptr) GTEST_SKIP() << "no /dev/full";
  std::FILE* err = std::tmpfile();
  EXPECT_EQ(RedactCommand({}, in, full, err), 2);
  EXPECT_NE(ReadAll(err).find("error writing standard output"), std::string::npos);
  std::fclose(full);
  std::fclose(err);
  std::fclose(in);
}

}  // namespace
}  // namespace fg::app
