// Clock: the one source of time, injected everywhere so rules are testable.
//
// WallNow() is UTC wall time for audit entries and display; SteadyNow() is monotonic
// time for windows and timeouts. ManualClock never ticks on its own: tests advance it.
// Thread-safety: both implementations may be called from any thread.
//
//   core::ManualClock clock(core::FromUnixMicros(1'700'000'000'000'000));
//   clock.Advance(std::chrono::minutes(16));
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace fg::core {

using WallTime = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;
using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime WallNow() const = 0;
  virtual SteadyTime SteadyNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  WallTime WallNow() const override;
  SteadyTime SteadyNow() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime start);
  WallTime WallNow() const override;
  SteadyTime SteadyNow() const override;
  void Advance(std::chrono::microseconds by);

 private:
  std::atomic<int64_t> wall_us_;
  std::atomic<int64_t> steady_us_{0};
};

inline int64_t ToUnixMicros(WallTime t) { return t.time_since_epoch().count(); }
inline WallTime FromUnixMicros(int64_t us) { return WallTime(std::chrono::microseconds(us)); }

// RFC 3339 in UTC with microseconds: "2026-11-29T02:46:14.123456Z".
std::string FormatRfc3339(WallTime t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)" and a bare date "YYYY-MM-DD" (midnight UTC).
bool ParseRfc3339(std::string_view text, WallTime* out);
// A calendar date "YYYY-MM-DD", checked for a real day of a real month.
bool IsValidDate(std::string_view text);

}  // namespace fg::core
