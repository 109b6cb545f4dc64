// CompletenessWatch: "every call recorded" as an alert, not only a report.
//
// Every few minutes serve asks Recordings::Completeness about calls that ended since the
// last look and raises one alert per call with a problem (no recording, not captured,
// recording shorter than the call, one-way audio, loss above the threshold). Calls are
// visited once: the watch remembers the highest call id it has judged, starting from the
// newest call at start-up so a restart does not alert twice for old calls.
// Thread-safety: Check is called from one thread (serve's ticker).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "recording/recording.h"

namespace fg::app {

class CompletenessWatch {
 public:
  // alert(call id, problem, detail)
  using Alert = std::function<void(int64_t, const std::string&, const std::string&)>;
  CompletenessWatch(recording::Recordings& recordings, core::Clock& clock, Alert alert);

  // Judges calls newer than the last judged one; returns how many alerts it raised.
  Result<int> Check();

 private:
  recording::Recordings& recordings_;
  core::Clock& clock_;
  Alert alert_;
  int64_t last_judged_ = -1;  // -1: not started
};

}  // namespace fg::app
