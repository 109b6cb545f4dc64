// app/redacting_log: the process log (spdlog, stderr) passes the redactor (dlp) line by line,
// so a card number that reaches a log message — in a request path, an error quoting input —
// is masked before it leaves the process.
#pragma once

#include <functional>
#include <string_view>

namespace fg::app {

// Replaces spdlog's default logger with one writing redacted lines to `write` (stderr when
// empty). Call once, at the start of main, before any thread logs.
void UseRedactingLogger(std::function<void(std::string_view)> write = {});

}  // namespace fg::app
