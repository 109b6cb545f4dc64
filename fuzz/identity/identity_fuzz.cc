// libFuzzer target: bytes through identity's two parsers of outside text — a TZif time-zone
// file (TimeZone::Parse, then offsets at instants around its transitions) and an account's
// shift schedule (Schedule::Parse, then Covers across the week). Built with clang
// -fsanitize=fuzzer,address,undefined; the corpus beside it is replayed by tests/unit/identity
// (IdentityFuzzCorpus) in every ordinary test run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/time_zone.h"
#include "identity/schedule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto zone = fg::core::TimeZone::Parse(input)) {
    for (int64_t t : {INT64_MIN / 2, int64_t{-1}, int64_t{0}, int64_t{1'795'931'347},
                      int64_t{4'102'444'800}, INT64_MAX / 2}) {
      (void)zone->OffsetAt(t);
    }
  }
  if (auto schedule = fg::identity::Schedule::Parse(input)) {
    for (int64_t second = 0; second < 7 * 86400; second += 1799) {
      (void)schedule->Covers(second, std::chrono::minutes(15));
    }
  }
  return 0;
}
