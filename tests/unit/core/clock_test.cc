#include "core/clock.h"

#include <gtest/gtest.h>

namespace fg::core {
namespace {

TEST(Clock, ManualClockMovesOnlyWhenAdvanced) {
  ManualClock clock(FromUnixMicros(1'000'000));
  auto wall = clock.WallNow();
  auto steady = clock.SteadyNow();
  EXPECT_EQ(clock.WallNow(), wall);
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(ToUnixMicros(clock.WallNow()), 6'000'000);
  EXPECT_EQ(clock.SteadyNow() - steady, std::chrono::seconds(5));
}

TEST(Clock, Rfc3339RoundTrips) {
  WallTime t;
  ASSERT_TRUE(ParseRfc3339("2026-11-29T02:46:14.123456Z", &t));
  EXPECT_EQ(FormatRfc3339(t), "2026-11-29T02:46:14.123456Z");
  ASSERT_TRUE(ParseRfc3339("2026-11-29T03:46:14+01:00", &t));
  EXPECT_EQ(FormatRfc3339(t), "2026-11-29T02:46:14.000000Z");
  ASSERT_TRUE(ParseRfc3339("1970-01-01", &t));
  EXPECT_EQ(ToUnixMicros(t), 0);
}

TEST(Clock, Rfc3339RejectsGarbage) {
  WallTime t;
  for (const char* bad : {"", "2026", "2026-13-01", "2026-02-30", "2026-11-29T25:00:00Z",
                          "2026-11-29T02:46:14", "2026-11-29T02:46:14Zjunk", "x026-11-29",
                          "2026-11-29T02:46:14.Z", "2026-11-29T02:46:14+0100"}) {
    EXPECT_FALSE(ParseRfc3339(bad, &t)) << bad;
  }
}

TEST(Clock, DatesAreCheckedForRealDays) {
  EXPECT_TRUE(IsValidDate("2024-02-29"));
  EXPECT_FALSE(IsValidDate("2023-02-29"));
  EXPECT_FALSE(IsValidDate("2023-1-01"));
  EXPECT_FALSE(IsValidDate("2023-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace fg::core
