#include "app/detect_config.h"

namespace fg::app {

Result<detect::Thresholds> ThresholdsFromConfig(const Config& config) {
  using std::chrono::hours;
  using std::chrono::minutes;
  detect::Thresholds t;
  t.account_brute_force.failures = static_cast<int>(config.account_failures);
  t.account_brute_force.window = minutes(config.account_window_minutes);
  t.account_brute_force.lock_duration = minutes(config.account_lock_minutes);
  t.source_brute_force.failures = static_cast<int>(config.source_failures);
  t.source_brute_force.window = minutes(config.source_window_minutes);
  t.source_brute_force.ban_duration = minutes(config.source_ban_minutes);
  t.source_brute_force.max_ban_duration = hours(config.source_ban_max_hours);
  t.password_spraying.distinct_accounts = static_cast<int>(config.spray_accounts);
  t.password_spraying.window = minutes(config.spray_window_minutes);
  t.distributed_guessing.distinct_sources = static_cast<int>(config.guess_sources);
  t.distributed_guessing.window = minutes(config.guess_window_minutes);
  t.credential_sharing.end_sessions = config.sharing_ends_sessions;
  if (auto valid = t.Validate(); !valid) {
    Error error = valid.error();
    error.message = "[detect] " + error.message;
    return tl::unexpected(error);
  }
  return t;
}

}  // namespace fg::app
