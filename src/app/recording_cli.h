// The call recorder's commands:
//   floorguard capture (--interface IF | --read FILE) [--filter BPF] [--sip-port N]...
//                      [--duration SECONDS] [--json]
//   floorguard calls list [--json] [--limit N]
//   floorguard recording export --reason TEXT [--format wav|opus] --out FILE CALL_ID
//   floorguard recording verify [CALL_ID]
//   floorguard recording rotate-key
//   floorguard cdr import FILE          (Asterisk Master.csv)
// Each works on the data directory like serve does; exit 0 ok, 1 failure or findings
// (verify: a problem), 2 bad usage or input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"

namespace fg::app {

struct CaptureCliOptions {
  std::string interface;
  std::string read_file;
  std::optional<std::string> filter;
  std::vector<int> sip_ports;
  double duration_seconds = 0;  // 0 = until end of file or a signal
  bool json = false;
};

int CaptureCommand(const Config& config, const CaptureCliOptions& options);
int CallsListCommand(const Config& config, bool json, int limit);
int RecordingExportCommand(const Config& config, int64_t call_id, const std::string& reason,
                           const std::string& format, const std::string& out,
                           const std::string& actor);
int RecordingVerifyCommand(const Config& config, std::optional<int64_t> call_id);
int RecordingRotateKeyCommand(const Config& config);
int CdrImportCommand(const Config& config, const std::string& file, const std::string& actor);

}  // namespace fg::app
