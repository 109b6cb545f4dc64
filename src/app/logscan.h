// `floorguard logscan`: the syslog intake's parsers and the detectors, offline over log files,
// so an administrator can replay an incident and see which alerts floorguard would have
// raised. Nothing is stored and nothing is locked or banned.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"

namespace fg::app {

struct LogscanOptions {
  std::vector<std::string> files;  // "-" reads standard input
  enum class Format { kText, kJsonl } format = Format::kText;
  bool events = false;          // also print every authentication event found
  bool count_failures = false;  // end with "failures N" (sshd failed attempts, as fail2ban counts)
};

// Returns the exit code: 0 when every file was read (alerts or not), 1 when one could not be
// read, 2 for a bad [detect] configuration.
int Logscan(const Config& config, const LogscanOptions& options);

}  // namespace fg::app
