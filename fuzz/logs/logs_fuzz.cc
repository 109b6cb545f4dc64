// libFuzzer target: bytes from a syslog sender or a log file, through everything that reads
// them: the TCP framer (fed in two pieces), ParseSyslog, ExtractAuthEvent, the Windows JSON
// parser and ScanLine. Built with clang -fsanitize=fuzzer,address,undefined; the corpus beside
// it is replayed by tests/unit/logs (LogsFuzzCorpus) in every ordinary test run.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "logs/auth_parsers.h"
#include "logs/framing.h"
#include "logs/received.h"
#include "logs/scan.h"
#include "logs/syslog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const fg::logs::ParseContext context{.reference =
                                           fg::core::FromUnixMicros(1'795'931'347'000'000)};

  if (auto message = fg::logs::ParseSyslog(input, context)) {
    if (auto event = fg::logs::ExtractAuthEvent(*message, context)) {
      std::string json;
      fg::logs::AppendAuthEventJson(*event, &json);
    }
  }
  (void)fg::logs::ExtractWindowsEvent(input, context);
  fg::logs::LineResult line = fg::logs::ScanLine(input, context);
  if (line.event) {
    std::string json;
    fg::logs::AppendAuthEventJson(*line.event, &json);
  }
  (void)fg::logs::Classify(std::string(input), "fuzz", fg::logs::Transport::kTcp, context);

  fg::logs::Framer framer(4096);
  const size_t half = size / 2;
  for (std::string_view piece : {input.substr(0, half), input.substr(half)}) {
    fg::logs::Framer::Output out = framer.Feed(piece);
    for (const std::string& frame : out.frames) (void)fg::logs::ScanLine(frame, context);
    if (out.error) break;
  }
  if (auto last = framer.Finish()) (void)fg::logs::ScanLine(*last, context);
  return 0;
}
