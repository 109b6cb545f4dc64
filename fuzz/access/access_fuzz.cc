// libFuzzer target: a credential as a door controller sends it, through every parser and,
// when it parses, back through its normalised key (which must parse to the same key). Built
// with clang -fsanitize=fuzzer,address,undefined; the corpus beside it is replayed by
// tests/unit/access (AccessFuzzCorpus) in every ordinary test run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "access/credential.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto credential = fg::access::ParseCredential(input)) {
    auto again = fg::access::ParseCredential(credential->Key());
    if (!again || again->Key() != credential->Key()) std::abort();
  }
  (void)fg::access::ParseWiegandBits(input);
  (void)fg::access::ParseRawSerial(input);
  for (int bits : {26, 35, 37}) (void)fg::access::ParseWiegandHex(input, bits);
  return 0;
}
