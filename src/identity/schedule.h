// identity's work schedules: when a workforce account is expected to log on, as weekly
// windows in its site's local time. A logon outside every window is "off shift": allowed,
// flagged in the decision's alerts and on the AuthEvent for the detectors (never denied).
//
// Text form (what the API and the console show, and what is stored):
//   "mon-fri 08:00-17:00; sat 09:00-13:00"
// Windows are separated by ';'. Each is days, a space, and HH:MM-HH:MM. Days are mon..sun,
// a range ("mon-fri", or wrapping: "fri-mon") or a comma list of both ("mon,wed,fri-sat").
// Times are 00:00..23:59, and 24:00 as an end. An end before the start crosses midnight: the
// window belongs to its start day ("mon-fri 22:00-06:00" covers Friday night into Saturday
// morning). 00:00-24:00 is the whole day. Parsing is strict: anything else is InvalidArgument
// on "schedule" naming the window ("window 2 'sat 9-13': ...").
// Thread-safety: Schedule is an immutable value.
//
//   FG_ASSIGN_OR_RETURN(auto schedule, identity::Schedule::Parse("mon-fri 08:00-17:00"));
//   bool on = schedule.Covers(identity::SecondOfWeek(local_unix_seconds), 15min);
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace fg::identity {

inline constexpr int64_t kSecondsPerWeek = 7 * 86400;
inline constexpr size_t kMaxScheduleText = 500;

// Seconds since Monday 00:00 of a local time given as seconds since 1970-01-01 local (that
// day was a Thursday).
int64_t SecondOfWeek(int64_t local_unix_seconds);

class Schedule {
 public:
  static Result<Schedule> Parse(std::string_view text);

  // The canonical text: lower case, one space after the days, "; " between windows.
  const std::string& text() const { return text_; }
  // Inside a window, or less than `grace` before one starts (an early arrival is on shift).
  bool Covers(int64_t second_of_week, std::chrono::seconds grace = {}) const;

 private:
  struct Window {
    int64_t start = 0;  // seconds since Monday 00:00
    int64_t end = 0;    // exclusive; past kSecondsPerWeek when Sunday's window crosses midnight
  };
  std::string text_;
  std::vector<Window> windows_;
};

}  // namespace fg::identity
