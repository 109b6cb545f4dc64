// app/physical_access: the access module's parts wired together for `floorguard serve` —
// decisions and door rules, the offline cache for controllers, the visitor desk, lockers,
// muster and occupancy, door events and personal devices — with their routes, their
// configuration ([access], [visitors]) and their periodic sweeps.
//
// What it decides: nothing of its own; order of start-up (migrations, then the decision
// snapshot, then what reads it) and which alert port and presence source each part uses.
// Thread-safety: Tick runs on the server's housekeeping thread; everything else at start.
//
//   FG_ASSIGN_OR_RETURN(auto physical, PhysicalAccess::Start(rt, defense, config, api, demo));
//   physical->Tick(seconds_since_start);  // once a second
#pragma once

#include <memory>

#include "api/api.h"
#include "app/config.h"
#include "app/defense.h"
#include "app/runtime.h"

namespace fg::app {

class PhysicalAccess {
 public:
  // Migrates, starts every part and adds their routes to `api`. `demo` seeds the demo doors
  // and badges. The runtime, defense and api must outlive this object.
  static Result<std::unique_ptr<PhysicalAccess>> Start(Runtime& rt, Defense& defense,
                                                       const Config& config, api::Api& api,
                                                       bool demo);
  ~PhysicalAccess();

  // Overdue visitors and the retention purge about once a minute; silent controllers and
  // quiet device episodes every 5 seconds. Failures are logged and retried next time.
  void Tick(int seconds);

 private:
  struct Parts;
  explicit PhysicalAccess(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace fg::app
