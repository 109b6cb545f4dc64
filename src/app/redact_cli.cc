#include "app/redact_cli.h"

#include <array>
#include <map>
#include <string>
#include <vector>

namespace fg::app {

int RedactCommand(const RedactOptions& options, std::FILE* in, std::FILE* out, std::FILE* err) {
  bool write_failed = false;
  std::map<std::string, uint64_t> counts;
  dlp::Options dlp_options;
  dlp_options.mode = options.mode;
  dlp::StreamRedactor redactor(
      dlp_options,
      [&](std::string_view bytes) {
        if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), out) != bytes.size()) {
          write_failed = true;
        }
      },
      [&](const dlp::Finding& finding) { ++counts[std::string(dlp::KindName(finding.kind))]; });
  std::vector<char> chunk(64 * 1024);
  while (true) {
    const size_t got = std::fread(chunk.data(), 1, chunk.size(), in);
    if (got > 0) redactor.Feed(std::string_view(chunk.data(), got));
    if (got < chunk.size()) break;
  }
  const bool read_failed = std::ferror(in) != 0;
  redactor.Finish();
  if (std::fflush(out) != 0) write_failed = true;
  if (options.summary) {
    uint64_t total = 0;
    for (const auto& [kind, count] : counts) {
      std::fprintf(err, "%s %llu\n", kind.c_str(), static_cast<unsigned long long>(count));
      total += count;
    }
    std::fprintf(err, "total %llu\n", static_cast<unsigned long long>(total));
  }
  if (read_failed) std::fprintf(err, "floorguard redact: error reading standard input\n");
  if (write_failed) std::fprintf(err, "floorguard redact: error writing standard output\n");
  return read_failed || write_failed ? 2 : 0;
}

}  // namespace fg::app
