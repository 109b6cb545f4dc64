#pragma once

#include "core/clock.h"
#include "logs/syslog.h"

namespace fg::logs::test {

// 2026-12-01T00:00:00Z: a few days after the sample lines of Nov 29.
inline ParseContext Context() {
  return ParseContext{.reference = core::FromUnixMicros(1'796'083'200'000'000)};
}

inline int64_t Utc(std::string_view rfc3339) {
  core::WallTime t;
  if (!core::ParseRfc3339(rfc3339, &t)) return -1;
  return core::ToUnixMicros(t);
}

}  // namespace fg::logs::test
