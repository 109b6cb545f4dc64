#include "identity/schedule.h"

#include <algorithm>
#include <array>
#include <optional>

namespace fg::identity {

namespace {

constexpr int64_t kDay = 86400;
constexpr size_t kMaxWindows = 50;
constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

bool IsSpace(char ch) { return ch == ' ' || ch == '\t'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

std::optional<int> DayIndex(std::string_view name) {
  for (size_t i = 0; i < kDays.size(); ++i) {
    if (kDays[i] == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

// "HH:MM" in seconds after midnight; 24:00 only when `end`.
std::optional<int64_t> ClockTime(std::string_view text, bool end) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  int hours = (text[0] - '0') * 10 + (text[1] - '0');
  int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes > 59) return std::nullopt;
  if (hours == 24 && minutes == 0 && end) return 24 * 3600;
  if (hours > 23) return std::nullopt;
  return hours * 3600 + minutes * 60;
}

}  // namespace

int64_t SecondOfWeek(int64_t local_unix_seconds) {
  // 1970-01-01 was a Thursday: Monday 00:00 came three days earlier.
  int64_t since_monday = local_unix_seconds + 3 * kDay;
  int64_t r = since_monday % kSecondsPerWeek;
  return r < 0 ? r + kSecondsPerWeek : r;
}

Result<Schedule> Schedule::Parse(std::string_view text) {
  std::string_view all = Trim(text);
  if (all.empty()) {
    return InvalidArgument("schedule", "is empty; send null for an account without a schedule");
  }
  if (all.size() > kMaxScheduleText) {
    return InvalidArgument("schedule",
                           "is longer than " + std::to_string(kMaxScheduleText) + " characters");
  }
  Schedule schedule;
  size_t number = 0;
  while (true) {
    size_t semicolon = all.find(';');
    std::string_view raw = Trim(all.substr(0, semicolon));
    ++number;
    std::string shown = std::string(raw.substr(0, 40));
    auto bad = [&](std::string why) {
      return InvalidArgument(
          "schedule", "window " + std::to_string(number) + " '" + shown + "': " + std::move(why));
    };
    if (raw.empty()) return bad("is empty (a stray ';'?)");
    if (number > kMaxWindows) {
      return bad("is one too many; at most " + std::to_string(kMaxWindows) + " windows");
    }
    size_t space = raw.find_first_of(" \t");
    if (space == std::string_view::npos) {
      return bad("needs days and times, like 'mon-fri 08:00-17:00'");
    }
    std::string days_text = Lower(raw.substr(0, space));
    std::string_view times = Trim(raw.substr(space));
    if (times.find_first_of(" \t") != std::string_view::npos) {
      return bad("has more than days and times; separate windows with ';'");
    }
    // Days.
    std::array<bool, 7> on{};
    std::string_view days = days_text;
    while (true) {
      size_t comma = days.find(',');
      std::string_view item = days.substr(0, comma);
      size_t dash = item.find('-');
      auto first = DayIndex(item.substr(0, dash));
      std::optional<int> last = first;
      if (dash != std::string_view::npos) last = DayIndex(item.substr(dash + 1));
      if (!first || !last) {
        return bad("day '" + std::string(item.substr(0, 20)) +
                   "' must be mon, tue, wed, thu, fri, sat or sun, or a range like mon-fri");
      }
      for (int d = *first;; d = (d + 1) % 7) {  // a range may wrap: fri-mon
        on[static_cast<size_t>(d)] = true;
        if (d == *last) break;
      }
      if (comma == std::string_view::npos) break;
      days.remove_prefix(comma + 1);
    }
    // Times.
    size_t dash = times.find('-');
    std::optional<int64_t> start, end;
    if (dash != std::string_view::npos) {
      start = ClockTime(times.substr(0, dash), false);
      end = ClockTime(times.substr(dash + 1), true);
    }
    if (!start || !end) {
      return bad("times '" + std::string(times.substr(0, 20)) +
                 "' must be HH:MM-HH:MM between 00:00 and 24:00");
    }
    if (*start == *end) {
      return bad("starts and ends at the same time; use 00:00-24:00 for a whole day");
    }
    for (int d = 0; d < 7; ++d) {
      if (!on[static_cast<size_t>(d)]) continue;
      int64_t base = d * kDay;
      // An end before the start crosses midnight into the next day.
      schedule.windows_.push_back(
          {.start = base + *start, .end = base + (*end > *start ? *end : kDay + *end)});
    }
    if (!schedule.text_.empty()) schedule.text_ += "; ";
    schedule.text_ += days_text + " " + std::string(times);
    if (semicolon == std::string_view::npos) break;
    all.remove_prefix(semicolon + 1);
  }
  return schedule;
}

bool Schedule::Covers(int64_t second_of_week, std::chrono::seconds grace) const {
  int64_t early = std::max<int64_t>(0, grace.count());
  for (const Window& w : windows_) {
    // Windows near the week's ends reach across it: try the instant a week either way.
    for (int64_t shift : {-kSecondsPerWeek, int64_t{0}, kSecondsPerWeek}) {
      int64_t t = second_of_week + shift;
      if (t >= w.start - early && t < w.end) return true;
    }
  }
  return false;
}

}  // namespace fg::identity
