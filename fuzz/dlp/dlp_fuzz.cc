// libFuzzer target for the detector: Redact in both modes must never leave a Luhn-valid,
// issuer-claimed digit run that Scan reports as a finding (the mask replaced it), and
// StreamRedactor fed the same bytes in pieces split where the input says must give exactly
// the one-shot output. Built with clang -fsanitize=fuzzer,address,undefined; the corpus
// beside it is replayed by tests/unit/dlp (DlpFuzzCorpus) in every ordinary test run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "dlp/dlp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (fg::dlp::Mode mode : {fg::dlp::Mode::kText, fg::dlp::Mode::kTranscript}) {
    fg::dlp::Options options;
    options.mode = mode;
    std::vector<fg::dlp::Finding> found;
    const std::string redacted = fg::dlp::Redact(input, options, &found);
    // Nothing a finding covered survives: the redacted text has no finding of a PAN kind.
    for (const fg::dlp::Finding& f : fg::dlp::Scan(redacted, options)) {
      if (f.kind == fg::dlp::Kind::kPan || f.kind == fg::dlp::Kind::kTrack1 ||
          f.kind == fg::dlp::Kind::kTrack2) {
        std::abort();
      }
    }
    for (const fg::dlp::Finding& f : found) {
      if (f.offset + f.length > size || f.masked.empty()) std::abort();
    }
    // Streaming with splits chosen by the input's own bytes equals one shot.
    std::string streamed;
    fg::dlp::StreamRedactor redactor(options,
                                     [&](std::string_view bytes) { streamed.append(bytes); });
    size_t at = 0;
    size_t step = size > 0 ? 1 + data[0] % 97 : 1;
    while (at < size) {
      const size_t take = std::min(step, size - at);
      redactor.Feed(input.substr(at, take));
      at += take;
      step = 1 + data[at % size] % 1500;
    }
    redactor.Finish();
    if (streamed != redacted) std::abort();
  }
  return 0;
}
