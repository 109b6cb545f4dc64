// `floorguard muster [--format text|csv]`: everyone on site now, by zone, straight from the
// data directory, for an evacuation when the console cannot be reached. It reads only: the
// presence it prints is rebuilt from the recorded passages, as the server rebuilds it at start.
#pragma once

#include <string>

#include "app/config.h"

namespace fg::app {

// format: "text" (a printable list per zone) or "csv" (access::MusterCsv). Returns the exit
// code: 0, 1 when the store cannot be read, 2 for a missing data directory.
int MusterCommand(const Config& config, const std::string& format);

}  // namespace fg::app
