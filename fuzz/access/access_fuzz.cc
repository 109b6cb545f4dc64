// libFuzzer target: a credential as a door controller sends it, through every parser and,
// when it parses, back through its normalised key (which must parse to the same key); and
// the same bytes as an offline cache payload, which when it parses must encode and parse
// again to the same text, and build a snapshot (what a controller does after a sync). Built
// with clang -fsanitize=fuzzer,address,undefined; the corpus beside it is replayed by
// tests/unit/access (AccessFuzzCorpus) in every ordinary test run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "access/credential.h"
#include "access/offline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto credential = fg::access::ParseCredential(input)) {
    auto again = fg::access::ParseCredential(credential->Key());
    if (!again || again->Key() != credential->Key()) std::abort();
  }
  (void)fg::access::ParseWiegandBits(input);
  (void)fg::access::ParseRawSerial(input);
  for (int bits : {26, 35, 37}) (void)fg::access::ParseWiegandHex(input, bits);
  if (auto cache = fg::access::ParseCache(input)) {
    const std::string encoded = fg::access::EncodeCache(*cache);
    auto again = fg::access::ParseCache(encoded);
    if (!again || fg::access::EncodeCache(*again) != encoded) std::abort();
    fg::core::TimeZones no_zones("/nonexistent");  // no file reads while fuzzing
    (void)fg::access::ToSnapshot(*cache, no_zones);
  }
  return 0;
}
