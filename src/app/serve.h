// The long-running commands: `floorguard serve` and `floorguard init`.
#pragma once

#include "app/config.h"

namespace fg::app {

enum class Demo { kNo, kSeed };

// Opens (or creates) the installation, ensures the first admin, optionally seeds the demo
// site, serves until SIGTERM/SIGINT, then drains. Returns the process exit code.
int Serve(const Config& config, Demo demo);
// Creates the data directory, key, schema and first admin, then exits.
int Init(const Config& config, Demo demo);

}  // namespace fg::app
