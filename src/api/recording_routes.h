// Calls and their recordings over HTTP (docs/api.md, "Calls and recordings").
//
// Lists and details for every console role. Listening (audio) only for security, for a
// supervisor on calls of their campaigns, and for an auditor holding a listen grant; every
// listen needs ?reason= and is audited before a byte is decrypted. Admins cannot listen
// (separation of duties). Pause/resume for the agent's workstation token (its own
// station's calls only) and supervisors. PBX call records for the pbx device role.
#pragma once

#include "api/routes.h"
#include "nlohmann/json.hpp"
#include "recording/recorder.h"
#include "recording/recording.h"

namespace fg::api {

// The JSON of one call (also what `floorguard calls list --json` prints).
nlohmann::json CallToJson(const recording::Call& call);

// recorder may be null (no live capture in this process): pause/resume answer 409.
void AddRecordingRoutes(RouteTable& table, recording::Recordings& recordings,
                        recording::Recorder* recorder);

}  // namespace fg::api
