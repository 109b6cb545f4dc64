#include "core/clock.h"

#include <cstdio>
#include <ctime>

namespace fg::core {

WallTime SystemClock::WallNow() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}
SteadyTime SystemClock::SteadyNow() const { return std::chrono::steady_clock::now(); }

ManualClock::ManualClock(WallTime start) : wall_us_(ToUnixMicros(start)) {}
WallTime ManualClock::WallNow() const { return FromUnixMicros(wall_us_.load()); }
SteadyTime ManualClock::SteadyNow() const {
  return SteadyTime(std::chrono::microseconds(steady_us_.load()));
}
void ManualClock::Advance(std::chrono::microseconds by) {
  wall_us_ += by.count();
  steady_us_ += by.count();
}

std::string FormatRfc3339(WallTime t) {
  int64_t us = ToUnixMicros(t);
  int64_t secs = us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000;
  int64_t frac = us - secs * 1'000'000;
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac));
  return buf;
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool ParseDate(std::string_view s, int* y, int* m, int* d) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!Digits(s, 0, 4, y) || !Digits(s, 5, 2, m) || !Digits(s, 8, 2, d)) return false;
  return *m >= 1 && *m <= 12 && *d >= 1 && *d <= DaysInMonth(*y, *m);
}

}  // namespace

bool IsValidDate(std::string_view text) {
  int y, m, d;
  return text.size() == 10 && ParseDate(text, &y, &m, &d);
}

bool ParseRfc3339(std::string_view s, WallTime* out) {
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!ParseDate(s, &y, &mo, &d)) return false;
  int64_t frac_us = 0;
  int64_t offset_s = 0;
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s.size() < 19 || s[13] != ':' ||
        s[16] != ':')
      return false;
    if (!Digits(s, 11, 2, &h) || !Digits(s, 14, 2, &mi) || !Digits(s, 17, 2, &sec)) return false;
    if (h > 23 || mi > 59 || sec > 60) return false;
    size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int64_t scale = 100000;
      size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (scale > 0) frac_us += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return false;
    }
    if (pos >= s.size()) return false;
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om;
      if (pos + 6 != s.size() || s[pos + 3] != ':' || !Digits(s, pos + 1, 2, &oh) ||
          !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59)
        return false;
      offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
      pos += 6;
    } else {
      return false;
    }
    if (pos != s.size()) return false;
  }
  int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  *out = FromUnixMicros(secs * 1'000'000 + frac_us);
  return true;
}

}  // namespace fg::core
