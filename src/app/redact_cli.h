// `floorguard redact [--mode text|transcript] [--summary]`: a filter from standard input to
// standard output that replaces each finding (PAN, track data, CVV, expiry, SSN, IBAN) with its
// mask and keeps every line in place (a mask never contains a newline). It maps standard input
// when it is a regular file (no read() copies; each 4 MiB slice's pages are mapped in one
// madvise call before it is scanned) and otherwise reads 4 MiB at a time, through
// dlp::StreamRedactor, so memory stays constant whatever the input size; output goes out in
// writev() calls of up to 8 MiB that point into the mapped input (only masks and the
// redactor's look-behind bytes are copied). With
// --summary it writes the count of findings by kind to standard error — masks and counts
// only, never a full number.
#pragma once

#include <cstdio>

#include "dlp/dlp.h"

namespace fg::app {

struct RedactOptions {
  dlp::Mode mode = dlp::Mode::kText;
  bool summary = false;
};

// Returns the exit code: 0 when the whole input was read and written, 2 on a read or write
// error.
int RedactCommand(const RedactOptions& options, std::FILE* in = stdin, std::FILE* out = stdout,
                  std::FILE* err = stderr);

}  // namespace fg::app
