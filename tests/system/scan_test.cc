// `floorguard scan` as an administrator runs it: the real binary on a generated tree.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace fg {
namespace {

namespace fs = std::filesystem;

constexpr char kPan[] = "4111 1111 1111 1111";

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

CliRun Scan(const std::string& args, const fs::path& dir) {
  fs::path err_file = dir.parent_path() / (dir.filename().string() + ".stderr");
  std::string command = std::string(FG_BINARY) + " scan " + args + " 2>" + err_file.string();
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  int status = ::pclose(pipe);
  std::ifstream in(err_file);
  std::stringstream err;
  err << in.rdbuf();
  fs::remove(err_file);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err.str()};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool HoldsPan(const std::string& text) {
  return text.find("4111111111111111") != std::string::npos ||
         text.find(kPan) != std::string::npos ||
         text.find("4111-1111-1111-1111") != std::string::npos;
}

// Splits one CSV record whose cells are all quoted.
std::vector<std::string> CsvCells(const std::string& line) {
  std::vector<std::string> cells;
  size_t i = 0;
  while (i < line.size()) {
    EXPECT_EQ(line[i], '"') << line;
    std::string cell;
    for (++i; i < line.size(); ++i) {
      if (line[i] == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cell.push_back('"');
          ++i;
        } else {
          break;
        }
      } else {
        cell.push_back(line[i]);
      }
    }
    cells.push_back(cell);
    i += 2;  // closing quote and comma
  }
  return cells;
}

class ScanCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fg_scan_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "tree" / "sub" / "deeper");
    tree_ = dir_ / "tree";
    Write("clean.txt", "order 12345, phone +1 555 0100\n");
    Write("sub/notes.txt", std::string("line\ncustomer visa ") + kPan + " exp 12/27\n");
    Write("sub/deeper/other.log", std::string("x\ny\nz\ncard 5555-5555-5555-4444\n"));
    std::string utf16 = "\xFF\xFE";
    for (char c : std::string("card ") + kPan) {
      utf16.push_back(c);
      utf16.push_back('\0');
    }
    Write("sub/utf16.txt", utf16);
    Write("sub/log.gz", Gzip(std::string("gz line\ncard ") + kPan + "\n"));
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& relative, const std::string& content) {
    std::ofstream(tree_ / relative, std::ios::binary) << content;
  }
  static std::string Gzip(const std::string& content) {
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    std::string out(compressBound(content.size()) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(content.data()));
    z.avail_in = static_cast<uInt>(content.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
  }
  fs::path dir_, tree_;
};

TEST_F(ScanCli, FindingsExitOneAndNoOutputHoldsTheNumber) {
  CliRun r = Scan(tree_.string(), dir_);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  // PANs in notes, other.log, utf16.txt and log.gz, and the expiry date beside the first.
  EXPECT_EQ(Lines(r.out).size(), 5u) << r.out;
  EXPECT_NE(r.out.find("sub/notes.txt: line 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[PAN ****1111]"), std::string::npos);
  EXPECT_FALSE(HoldsPan(r.out + r.err)) << r.out << r.err;
  EXPECT_EQ(r.err, "");
}

TEST_F(ScanCli, NothingFoundExitsZero) {
  CliRun r = Scan((tree_ / "clean.txt").string(), dir_);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(ScanCli, BadUsageExitsTwo) {
  EXPECT_EQ(Scan("", dir_).exit_code, 2);
  EXPECT_EQ(Scan("--format xml " + tree_.string(), dir_).exit_code, 2);
  EXPECT_EQ(Scan("--jobs zero " + tree_.string(), dir_).exit_code, 2);
  EXPECT_EQ(Scan("--bogus " + tree_.string(), dir_).exit_code, 2);
}

TEST_F(ScanCli, EveryPathUnreadableExitsTwoWithErrorsOnStderr) {
  CliRun r = Scan((dir_ / "missing").string() + " " + (dir_ / "gone").string(), dir_);
  EXPECT_EQ(r.exit_code, 2);
  std::vector<std::string> errors = Lines(r.err);
  ASSERT_EQ(errors.size(), 2u) << r.err;
  EXPECT_EQ(errors[0].rfind("scan: " + (dir_ / "missing").string() + ": ", 0), 0u) << r.err;
}

TEST_F(ScanCli, PartlyUnreadableStillReportsFindings) {
  CliRun r = Scan((dir_ / "missing").string() + " " + tree_.string(), dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
}

TEST_F(ScanCli, JsonlLinesParseWithTheirFields) {
  CliRun r = Scan("--format jsonl " + tree_.string(), dir_);
  ASSERT_EQ(r.exit_code, 1) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_FALSE(lines.empty());
  bool saw_gzip = false;
  for (const std::string& line : lines) {
    nlohmann::json j = nlohmann::json::parse(line);  // throws (fails) on bad JSON
    std::string type = j["type"];
    EXPECT_TRUE(type == "pan" || type == "expiry") << line;
    if (type == "pan") {
      EXPECT_TRUE(j["masked"].get<std::string>().starts_with("[PAN ****"));
    }
    EXPECT_GE(j["line"].get<int>(), 1);
    if (j["path"].get<std::string>().ends_with("log.gz")) {
      saw_gzip = true;
      EXPECT_EQ(j["line"], 2);
      EXPECT_EQ(j["test"], true);
    }
  }
  EXPECT_TRUE(saw_gzip);
  EXPECT_FALSE(HoldsPan(r.out));
}

TEST_F(ScanCli, CsvHasAHeaderAndTenQuotedCellsPerRow) {
  CliRun r = Scan("--format csv " + tree_.string(), dir_);
  ASSERT_EQ(r.exit_code, 1) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], "path,entry,page,line,offset,type,brand,confidence,test,masked");
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> cells = CsvCells(lines[i]);
    ASSERT_EQ(cells.size(), 10u) << lines[i];
    EXPECT_TRUE(cells[5] == "pan" || cells[5] == "expiry") << lines[i];
  }
  EXPECT_FALSE(HoldsPan(r.out));
}

TEST_F(ScanCli, OneJobAndFourJobsGiveTheSameFindings) {
  for (int i = 0; i < 30; ++i) {
    Write("sub/many" + std::to_string(i) + ".txt",
          std::string(static_cast<size_t>(i), '\n') + "card " + kPan + "\n");
  }
  CliRun one = Scan("--format jsonl --jobs 1 " + tree_.string(), dir_);
  CliRun four = Scan("--format jsonl --jobs 4 " + tree_.string(), dir_);
  auto as_set = [](const std::string& out) {
    std::vector<std::string> lines = Lines(out);
    return std::set<std::string>(lines.begin(), lines.end());
  };
  EXPECT_EQ(one.exit_code, 1);
  EXPECT_EQ(four.exit_code, 1);
  EXPECT_EQ(as_set(one.out).size(), 35u);  // 30 + the tree's 5
  EXPECT_EQ(as_set(one.out), as_set(four.out));
}

}  // namespace
}  // namespace fg
