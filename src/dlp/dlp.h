// dlp: finds card data and other personal data in bytes, and masks it — so that floorguard
// never writes a card number anywhere, and can find one where it should not be.
//
// What it decides, in one pass over the bytes:
//   - PANs of every brand in the issuer table (issuers.h: prefix ranges and lengths, kept as
//     data), Luhn-valid, taken as the WHOLE digit run (digits joined by single separators:
//     space, '-', '.', '/', NBSP, "%20"); never a window cut out of a longer number. Runs
//     that are E.164 phone numbers ('+' prefix) and runs of 7+ repeated digits are skipped.
//   - track 1 and track 2 magnetic-stripe data (and EMV tag 57); CVV/CVC codes and expiry dates
//     near a PAN on its own line, or after a card keyword (PCI DSS 3.3.1: sensitive
//     authentication data is never kept);
//   - US SSNs; IBANs (mod-97).
// Every Unicode decimal digit (fullwidth, Arabic-Indic, ...) counts as its ASCII digit, and
// zero-width characters between digits are ignored. Transcript mode reads spoken digits
// ("four one one one", "double four", "oh") across filler words and segments, and fails
// closed: any 12..19-digit sequence is a finding whatever Luhn says.
// Masking is one format system-wide: the last four digits only, "[PAN ****1111]",
// "[TRACK2 ****1111]", "[CVV ***]", "[EXP **/**]", "[SSN ***-**-6789]", "[IBAN ****1234]";
// never the first six with the last four. A finding to be correlated carries a keyed HMAC
// (HMAC-SHA-256 under a caller's key), never a plain hash.
// What it never does: keep, log or return the full value of a finding (Finding holds the mask
// and the HMAC only); allocate in proportion to the input in streaming use.
// Thread-safety: Detector is immutable and shared; StreamRedactor and StreamScanner are
// per-stream objects, not thread-safe.
//
//   std::vector<dlp::Finding> found;
//   std::string safe = dlp::Redact("card 4111 1111 1111 1111 exp 12/27", {}, &found);
//   // safe == "card [PAN ****1111] exp [EXP **/**]"
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fg::dlp {

enum class Kind { kPan, kTrack1, kTrack2, kCvv, kExpiry, kSsn, kIban };
std::string_view KindName(Kind kind);  // "pan", "track1", "track2", "cvv", "expiry", "ssn", "iban"

enum class Mode { kText, kTranscript };

struct Finding {
  Kind kind = Kind::kPan;
  std::string brand;        // "visa", "mastercard", ... for PANs; empty otherwise
  uint64_t offset = 0;      // byte offset of the first byte of the match in the whole stream
  uint64_t length = 0;      // bytes covered (separators included)
  std::string masked;       // "[PAN ****1111]"
  std::string hmac;         // hex HMAC-SHA-256 of the normalised value; empty without a key
  bool test_value = false;  // a well-known test PAN (4111 1111 1111 1111, ...)
  int confidence = 0;  // 0..100: context words (card, visa, cvv, exp...) within 300 bytes raise it
};

struct Options {
  Mode mode = Mode::kText;
  // Key for Finding::hmac (32 bytes); empty: no HMAC.
  std::string hmac_key;
};

// Redacts a whole text: each finding replaced by its mask, everything else byte for byte.
std::string Redact(std::string_view text, const Options& options = {},
                   std::vector<Finding>* findings = nullptr);
// Findings only.
std::vector<Finding> Scan(std::string_view text, const Options& options = {});
// True when Scan would find anything (cheap pre-check for write paths).
bool Contains(std::string_view text, const Options& options = {});

// Bytes a StreamRedactor holds at most besides one 64 KiB piece of input (its constant memory):
// the longest match plus the 300-byte context on both sides.
size_t StreamTailBytes(Mode mode);

// Streaming redaction in constant memory: Feed chunks of any size; redacted output is passed
// to `out` as soon as it cannot be part of a match any more; Finish flushes the rest. A match
// split across chunks is found. Transcript mode keeps its state across Feed calls (segments).
// A large chunk (a few KiB plus 64 KiB or more) is scanned where it lies: the bytes passed to
// `out` are then views into it, valid during the call only (as all of them are).
class StreamRedactor {
 public:
  using Sink = std::function<void(std::string_view)>;
  StreamRedactor(Options options, Sink out, std::function<void(const Finding&)> on_finding = {});
  ~StreamRedactor();
  StreamRedactor(const StreamRedactor&) = delete;
  StreamRedactor& operator=(const StreamRedactor&) = delete;
  void Feed(std::string_view chunk);
  void Finish();

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace fg::dlp
