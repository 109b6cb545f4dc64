// libFuzzer target: any bytes as a floorguard TOML configuration. ParseConfig must answer a
// Config or an error with a location, never crash or throw. The corpus beside it is replayed
// by tests/unit/app (ConfigFuzzCorpus) in every ordinary test run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = fg::app::ParseConfig(text, "fuzz.toml");
  if (!config && config.error().message.empty()) __builtin_trap();
  return 0;
}
