#include "app/scan_cli.h"

#include <charconv>

#include "scan/scan.h"

namespace fg::app {
namespace {

int Usage(std::FILE* err, const std::string& problem) {
  std::fprintf(err,
               "scan: %s\nusage: floorguard scan [--format text|jsonl|csv] [--jobs N] PATH...\n",
               problem.c_str());
  return 2;
}

class PrintingReporter : public scan::Reporter {
 public:
  PrintingReporter(scan::Format format, std::FILE* out, std::FILE* err)
      : format_(format), out_(out), err_(err) {}
  void OnFinding(const scan::Finding& finding) override {
    std::string line = scan::FormatFinding(finding, format_);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), out_);
  }
  void OnProblem(const scan::Problem& problem) override {
    std::string line = scan::FormatProblem(problem);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), err_);
    std::fflush(err_);
  }

 private:
  scan::Format format_;
  std::FILE* out_;
  std::FILE* err_;
};

}  // namespace

int ScanCommand(const ScanCliOptions& options, std::FILE* out, std::FILE* err) {
  if (!options.unknown.empty()) return Usage(err, "unknown argument " + options.unknown.front());
  if (options.paths.empty()) return Usage(err, "no PATH given");
  scan::Format format;
  if (options.format == "text") {
    format = scan::Format::kText;
  } else if (options.format == "jsonl") {
    format = scan::Format::kJsonl;
  } else if (options.format == "csv") {
    format = scan::Format::kCsv;
  } else {
    return Usage(err, "--format must be text, jsonl or csv");
  }
  scan::Options scan_options;
  if (!options.jobs.empty()) {
    const char* end = options.jobs.data() + options.jobs.size();
    auto [ptr, ec] = std::from_chars(options.jobs.data(), end, scan_options.jobs);
    if (ec != std::errc() || ptr != end || scan_options.jobs < 1 || scan_options.jobs > 1024) {
      return Usage(err, "--jobs must be a number from 1 to 1024");
    }
  }
  if (format == scan::Format::kCsv) std::fprintf(out, "%s\n", scan::CsvHeader().c_str());
  PrintingReporter reporter(format, out, err);
  scan::Summary summary = scan::ScanPaths(options.paths, scan_options, reporter);
  std::fflush(out);
  if (summary.files_read == 0 && summary.problems > 0) return 2;
  return summary.findings > 0 ? 1 : 0;
}

}  // namespace fg::app
