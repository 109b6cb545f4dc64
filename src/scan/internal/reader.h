// The format readers of the scanner (private to src/scan): they turn a file of any supported
// format into a sequence of text units (the file itself, an archive entry, a mail part, a PDF
// page), each passed as UTF-8 chunks to a TextConsumer. The detector is one consumer; tests use
// another to check the extracted text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fg::scan::internal {

struct Limits {
  int max_depth = 3;                         // nested containers (archive in archive, mail...)
  uint64_t max_expanded_bytes = 1ull << 30;  // bytes decompressed per top-level file
  uint64_t max_whole_bytes = 256ull << 20;   // an item that must be read whole (PDF, nested zip)
};

// Units never nest: each Begin is followed by its Text calls and one End before the next Begin.
class TextConsumer {
 public:
  virtual ~TextConsumer() = default;
  // entry: "" for the file itself, else "inner.zip!word/document.xml"; page: 1-based, 0 = none.
  virtual void Begin(const std::string& entry, int page) = 0;
  virtual void Text(std::string_view utf8) = 0;
  virtual void End() = 0;
  // Something could not be read; scanning goes on with what can be.
  virtual void Problem(const std::string& entry, const std::string& message) = 0;
};

// Reads the regular file at `path` (an open descriptor, read from its start). `name` is used
// for the type hints of the extension.
void ReadFileDescriptor(int fd, const std::string& name, const Limits& limits,
                        TextConsumer& consumer);
// Reads bytes held in memory as if they were a file called `name`.
void ReadBytes(std::string_view bytes, const std::string& name, const Limits& limits,
               TextConsumer& consumer);

}  // namespace fg::scan::internal
