// Private to src/dlp: the one-pass detector over a buffer and the bounds the streaming
// redactor relies on. A finding is decided by the bytes from kLeft before it to kRight after
// its start, which is why StreamRedactor keeps exactly that much.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dlp/dlp.h"

namespace fg::dlp::internal {

inline constexpr int kMaxZeroWidth = 2;          // zero-width characters allowed between two digits
inline constexpr size_t kMaxMatchBytes = 512;    // longer digit runs are never a finding
inline constexpr size_t kMaxSpokenBytes = 3072;  // a spoken sequence closes at 19 digits
inline constexpr size_t kContextBytes = 300;     // context words for confidence
inline constexpr size_t kNearBytes = 64;         // an expiry this close to a PAN is card data
inline constexpr size_t kCvvBytes = 32;          // a CVV right after a PAN or its expiry

// Bytes a stream must hold back (right) and keep behind what it emitted (left).
inline constexpr size_t RightBound(Mode mode) {
  return (mode == Mode::kTranscript ? kMaxSpokenBytes : kMaxMatchBytes) + kContextBytes +
         kNearBytes + 64;
}
inline constexpr size_t LeftBound(Mode mode) {
  return 2 * (mode == Mode::kTranscript ? kMaxSpokenBytes : kMaxMatchBytes) + kContextBytes +
         kNearBytes + 64;
}

// Findings in text, non-overlapping, by offset; offsets are base + index into text.
// `prefilter` false reads every line (the reference the pre-filter is tested against).
std::vector<Finding> Detect(std::string_view text, uint64_t base, const Options& options,
                            bool prefilter = true);

// The loop the pre-filter runs: kAuto takes the one forced below, else the widest this CPU has
// (AVX-512 VBMI+VBMI2, AVX-512BW, AVX2, then scalar). All give the same lines; tests run each.
enum class PrefilterPath { kAuto, kScalar, kAvx2, kAvx512, kAvx512Vbmi };
bool PrefilterPathSupported(PrefilterPath path);
// Tests only: the loop kAuto means from now on (kAuto: the widest again).
void ForcePrefilterPath(PrefilterPath path);
// The [begin, end) byte ranges of the lines `path` marks in text; empty if unsupported here.
std::vector<std::pair<size_t, size_t>> HotSpans(std::string_view text, PrefilterPath path);

// What replaces `covered` (the bytes of `finding`): the mask plus the newlines it covered.
std::string Replacement(const Finding& finding, std::string_view covered);

}  // namespace fg::dlp::internal
