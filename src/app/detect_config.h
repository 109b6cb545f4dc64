// The [detect] section of the config as the detectors' thresholds.
#pragma once

#include "app/config.h"
#include "detect/engine.h"

namespace fg::app {

// Maps the [detect] keys onto detect::Thresholds and validates the result.
Result<detect::Thresholds> ThresholdsFromConfig(const Config& config);

}  // namespace fg::app
