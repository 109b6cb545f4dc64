#include "scan/scan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "scan/internal/reader.h"
#include "scan/internal/text.h"

namespace fg::scan {
namespace {

namespace fs = std::filesystem;

// The detector as a consumer of text units: one StreamRedactor per unit, output discarded.
class DetectingConsumer : public internal::TextConsumer {
 public:
  DetectingConsumer(std::string path, const Options& options, std::vector<Finding>& findings,
                    std::vector<scan::Problem>& problems)
      : path_(dlp::Redact(path)), options_(options), findings_(findings), problems_(problems) {}

  void Begin(const std::string& entry, int page) override {
    entry_ = dlp::Redact(entry);
    page_ = page;
    lines_ = internal::LineTracker();
    redactor_ = std::make_unique<dlp::StreamRedactor>(
        options_.detector, [](std::string_view) {},
        [this](const dlp::Finding& found) { Found(found); });
  }
  void Text(std::string_view utf8) override {
    if (!redactor_) return;
    lines_.Feed(utf8);
    redactor_->Feed(utf8);
  }
  void End() override {
    if (!redactor_) return;
    redactor_->Finish();
    redactor_.reset();
  }
  void Problem(const std::string& entry, const std::string& message) override {
    problems_.push_back({path_, entry.empty() ? dlp::Redact(message)
                                              : dlp::Redact(entry) + ": " + dlp::Redact(message)});
  }

 private:
  void Found(const dlp::Finding& found) {
    Finding f;
    f.path = path_;
    f.entry = entry_;
    f.page = page_;
    f.line = lines_.LineAt(found.offset);
    f.offset = found.offset;
    f.kind = found.kind;
    f.brand = found.brand;
    f.confidence = found.confidence;
    f.test_value = found.test_value;
    f.masked = found.masked;
    findings_.push_back(std::move(f));
  }

  std::string path_;
  const Options& options_;
  std::vector<Finding>& findings_;
  std::vector<scan::Problem>& problems_;
  std::string entry_;
  int page_ = 0;
  internal::LineTracker lines_;
  std::unique_ptr<dlp::StreamRedactor> redactor_;
};

internal::Limits LimitsOf(const Options& options) {
  return {.max_depth = options.max_depth,
          .max_expanded_bytes = options.max_expanded_bytes,
          .max_whole_bytes = options.max_whole_bytes};
}

enum class Follow { kNo, kYes };

// Scans one file; false when it could not be opened. Results go to the vectors.
bool ScanOne(const std::string& path, Follow follow, const Options& options,
             std::vector<Finding>& findings, std::vector<Problem>& problems) {
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  if (follow == Follow::kNo) flags |= O_NOFOLLOW;
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    problems.push_back({dlp::Redact(path), std::strerror(errno)});
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    problems.push_back({dlp::Redact(path), "not a regular file; not scanned"});
    return false;
  }
  DetectingConsumer consumer(path, options, findings, problems);
  internal::ReadFileDescriptor(fd, fs::path(path).filename().string(), LimitsOf(options), consumer);
  ::close(fd);
  return true;
}

// Regular files under `root`, sorted; symlinks are not followed; unreadable directories are
// reported. Returns false when the root itself cannot be read.
bool Walk(const std::string& root, std::vector<std::string>& files,
          std::vector<Problem>& problems) {
  std::error_code ec;
  fs::file_status status = fs::status(root, ec);  // the root was named: follow it
  if (ec) {
    problems.push_back({dlp::Redact(root), ec.message()});
    return false;
  }
  if (!fs::is_directory(status)) {
    files.push_back(root);
    return true;
  }
  std::vector<fs::path> pending = {root};
  bool root_read = false;
  while (!pending.empty()) {
    fs::path dir = std::move(pending.back());
    pending.pop_back();
    fs::directory_iterator it(dir, ec);
    if (ec) {
      problems.push_back({dlp::Redact(dir.string()), ec.message()});
      continue;
    }
    if (dir == fs::path(root)) root_read = true;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      std::error_code type_error;
      fs::file_status entry_status = it->symlink_status(type_error);
      if (type_error) {
        problems.push_back({dlp::Redact(it->path().string()), type_error.message()});
        continue;
      }
      if (fs::is_directory(entry_status)) {
        pending.push_back(it->path());
      } else if (fs::is_regular_file(entry_status)) {
        files.push_back(it->path().string());
      }
      // Symlinks, sockets, FIFOs and devices are skipped: a link's target inside the tree is
      // scanned where it is, one outside is not ours to read, and a FIFO would block.
    }
    if (ec) {
      problems.push_back({dlp::Redact(dir.string()), ec.message()});
      ec.clear();
    }
  }
  return root_read;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else if (c < 0x80) {
          out.push_back(static_cast<char>(c));
        } else {
          // Valid UTF-8 passes; a stray byte (a Latin-1 file name) becomes its code point.
          size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
          bool valid = length > 0 && i + length <= s.size();
          for (size_t k = 1; valid && k < length; ++k) {
            valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
          }
          if (valid) {
            out.append(s.substr(i, length));
            i += length - 1;
          } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
          }
        }
    }
  }
  out.push_back('"');
}

std::string CsvCell(std::string_view s) {
  std::string out = "\"";
  if (!s.empty() &&
      (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r')) {
    out.push_back('\'');
  }
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

Summary ScanPaths(const std::vector<std::string>& paths, const Options& options,
                  Reporter& reporter) {
  Summary summary;
  std::vector<std::string> files;
  std::vector<Problem> walk_problems;
  for (const std::string& path : paths) Walk(path, files, walk_problems);
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  for (const Problem& problem : walk_problems) reporter.OnProblem(problem);
  summary.problems += walk_problems.size();

  std::mutex mutex;
  std::atomic<size_t> next{0};
  auto work = [&] {
    while (true) {
      size_t i = next.fetch_add(1);
      if (i >= files.size()) return;
      std::vector<Finding> findings;
      std::vector<Problem> problems;
      // A named file is followed if it is a link; files found by the walk never are.
      bool named = std::find(paths.begin(), paths.end(), files[i]) != paths.end();
      bool read =
          ScanOne(files[i], named ? Follow::kYes : Follow::kNo, options, findings, problems);
      std::lock_guard lock(mutex);
      if (read) ++summary.files_read;
      summary.findings += findings.size();
      summary.problems += problems.size();
      for (const Finding& finding : findings) reporter.OnFinding(finding);
      for (const Problem& problem : problems) reporter.OnProblem(problem);
    }
  };
  unsigned jobs =
      options.jobs != 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<size_t>(jobs, std::max<size_t>(files.size(), 1)));
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(work);
  work();
  for (std::thread& thread : threads) thread.join();
  return summary;
}

bool ScanFile(const std::string& path, const Options& options, Reporter& reporter) {
  std::vector<Finding> findings;
  std::vector<Problem> problems;
  bool read = ScanOne(path, Follow::kYes, options, findings, problems);
  for (const Finding& finding : findings) reporter.OnFinding(finding);
  for (const Problem& problem : problems) reporter.OnProblem(problem);
  return read;
}

void ScanBytes(std::string_view bytes, const std::string& name, const Options& options,
               Reporter& reporter) {
  std::vector<Finding> findings;
  std::vector<Problem> problems;
  DetectingConsumer consumer(name, options, findings, problems);
  internal::ReadBytes(bytes, name, LimitsOf(options), consumer);
  for (const Finding& finding : findings) reporter.OnFinding(finding);
  for (const Problem& problem : problems) reporter.OnProblem(problem);
}

std::string FormatFinding(const Finding& f, Format format) {
  std::string type(dlp::KindName(f.kind));
  switch (format) {
    case Format::kText: {
      std::string out = f.path;
      if (!f.entry.empty()) out += "!" + f.entry;
      out += ": ";
      if (f.page > 0) out += "page " + std::to_string(f.page) + ", ";
      out += "line " + std::to_string(f.line) + ", byte " + std::to_string(f.offset) + ": " + type;
      if (!f.brand.empty()) out += " " + f.brand;
      out += " confidence " + std::to_string(f.confidence);
      if (f.test_value) out += " test";
      out += " " + f.masked;
      return out;
    }
    case Format::kJsonl: {
      std::string out = "{\"path\":";
      AppendJsonString(out, f.path);
      out += ",\"entry\":";
      AppendJsonString(out, f.entry);
      out += ",\"page\":" + std::to_string(f.page) + ",\"line\":" + std::to_string(f.line) +
             ",\"offset\":" + std::to_string(f.offset) + ",\"type\":";
      AppendJsonString(out, type);
      out += ",\"brand\":";
      AppendJsonString(out, f.brand);
      out += ",\"confidence\":" + std::to_string(f.confidence) +
             ",\"test\":" + (f.test_value ? "true" : "false") + ",\"masked\":";
      AppendJsonString(out, f.masked);
      out += "}";
      return out;
    }
    case Format::kCsv:
      return CsvCell(f.path) + "," + CsvCell(f.entry) + "," + CsvCell(std::to_string(f.page)) +
             "," + CsvCell(std::to_string(f.line)) + "," + CsvCell(std::to_string(f.offset)) + "," +
             CsvCell(type) + "," + CsvCell(f.brand) + "," + CsvCell(std::to_string(f.confidence)) +
             "," + CsvCell(f.test_value ? "true" : "false") + "," + CsvCell(f.masked);
  }
  return {};
}

std::string CsvHeader() { return "path,entry,page,line,offset,type,brand,confidence,test,masked"; }

std::string FormatProblem(const Problem& problem) {
  return "scan: " + problem.path + ": " + problem.message;
}

}  // namespace fg::scan
