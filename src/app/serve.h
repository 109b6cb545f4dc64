// The long-running commands: `floorguard serve` and `floorguard init`.
#pragma once

#include <memory>

#include "app/config.h"
#include "core/result.h"

namespace fg::app {

struct Runtime;
class Defense;

// A running floorguard: runtime, API and HTTP server wired together, as `serve` runs it.
// Integration tests start one on port 0. Stop() drains in-flight requests, writes the
// server.stop entry and a final checkpoint; the destructor calls it.
class RunningServer {
 public:
  static Result<std::unique_ptr<RunningServer>> Start(const Config& config, bool demo);
  ~RunningServer();
  uint16_t port() const;
  Runtime& runtime();
  Defense& defense();
  void Stop();

 private:
  struct Impl;
  explicit RunningServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

enum class Demo { kNo, kSeed };

// Opens (or creates) the installation, ensures the first admin, optionally seeds the demo
// site, serves until SIGTERM/SIGINT, then drains. Returns the process exit code.
int Serve(const Config& config, Demo demo);
// Creates the data directory, key, schema and first admin, then exits.
int Init(const Config& config, Demo demo);

}  // namespace fg::app
