#include "app/logscan.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "app/detect_config.h"
#include "core/clock.h"
#include "detect/alerts.h"
#include "detect/engine.h"
#include "logs/scan.h"

namespace fg::app {

namespace {

std::string FindingText(const detect::Finding& finding) {
  std::string line = "ALERT " + std::string(detect::SeverityName(finding.severity)) + " " +
                     finding.rule + " " + core::FormatRfc3339(finding.evidence.last) + ": " +
                     finding.summary;
  for (const detect::Action& action : finding.actions) {
    line += " [" + std::string(detect::ActionKindName(action.kind)) + " " + action.target + "]";
  }
  return line;
}

// One JSON object per alert. The details object comes ready-made from the detect module and
// is spliced in as it is (no parse and re-dump per alert).
std::string FindingJson(const detect::Finding& finding) {
  nlohmann::json head = {
      {"alert", finding.rule},      {"severity", detect::SeverityName(finding.severity)},
      {"summary", finding.summary}, {"account", finding.account},
      {"source", finding.source},   {"time", core::FormatRfc3339(finding.evidence.last)},
  };
  std::string line = head.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.pop_back();  // the closing brace
  line += ",\"details\":" + detect::FindingDetailsJson(finding) + "}";
  return line;
}

}  // namespace

int Logscan(const Config& config, const LogscanOptions& options) {
  auto thresholds = ThresholdsFromConfig(config);
  if (!thresholds) {
    std::fprintf(stderr, "floorguard logscan: %s\n", thresholds.error().message.c_str());
    return 2;
  }
  // The detectors' windows follow the log's own timestamps, not the wall clock: the manual
  // clock is moved to each event's time (never backwards).
  // Deliberately never destroyed (logscan runs once per process): tearing down a million
  // window entries one by one takes longer than the OS takes to drop the whole heap at exit.
  // Reachable through statics, so leak checkers do not flag them.
  static core::ManualClock* const kept_clock = new core::ManualClock(core::WallTime{});
  static detect::Engine* const kept_engine = new detect::Engine(*kept_clock, *thresholds);
  core::ManualClock& clock = *kept_clock;
  detect::Engine& engine = *kept_engine;
  const bool jsonl = options.format == LogscanOptions::Format::kJsonl;
  const logs::ParseContext context{.reference = core::SystemClock().WallNow()};

  std::string out;
  out.reserve(1 << 16);
  auto flush = [&out] {
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
  };
  uint64_t alerts = 0;
  int status = 0;
  logs::ScanTotals all{};
  for (const std::string& file : options.files) {
    auto totals = logs::ScanFile(
        file, context, [&](uint64_t line_number, std::string_view, const logs::LineResult& result) {
          if (result.kind == logs::LineKind::kUnparseable && !jsonl && options.events) {
            out +=
                file + ":" + std::to_string(line_number) + ": unparseable: " + result.error + "\n";
          }
          if (!result.event) return;
          const logs::AuthEvent& event = *result.event;
          if (event.time > clock.WallNow()) {
            clock.Advance(std::chrono::duration_cast<std::chrono::microseconds>(event.time -
                                                                                clock.WallNow()));
          }
          if (options.events) {
            if (jsonl) {
              logs::AppendAuthEventJson(event, &out);
              out += '\n';
            } else {
              out += file + ":" + std::to_string(line_number) + ": " +
                     std::string(logs::AuthOriginName(event.origin)) + " " +
                     std::string(logs::AuthOutcomeName(event.outcome)) + " user=" + event.username +
                     " source=" + logs::SourceKey(event) + "\n";
            }
          }
          for (int i = 0; i < std::max(1, event.count); ++i) {
            for (const detect::Finding& finding : engine.Observe(event)) {
              ++alerts;
              out += jsonl ? FindingJson(finding) : FindingText(finding);
              out += '\n';
            }
          }
          if (out.size() > (1 << 16)) flush();
        });
    if (!totals) {
      flush();
      std::fprintf(stderr, "floorguard logscan: %s: %s\n", file.c_str(),
                   totals.error().message.c_str());
      status = 1;
      continue;
    }
    all.lines += totals->lines;
    all.auth_events += totals->auth_events;
    all.unparseable += totals->unparseable;
    all.failures += totals->failures;
    all.sshd_failures += totals->sshd_failures;
  }
  flush();
  std::fprintf(
      stderr,
      "floorguard logscan: %llu lines, %llu authentication events, %llu failures, "
      "%llu unparseable, %llu alerts\n",
      static_cast<unsigned long long>(all.lines), static_cast<unsigned long long>(all.auth_events),
      static_cast<unsigned long long>(all.failures),
      static_cast<unsigned long long>(all.unparseable), static_cast<unsigned long long>(alerts));
  if (options.count_failures) {
    std::printf("failures %llu\n", static_cast<unsigned long long>(all.sshd_failures));
  }
  return status;
}

}  // namespace fg::app
