// Framer: splits a syslog TCP byte stream into messages (RFC 6587).
//
// What it decides: where each frame ends. Both framings are detected per frame: a frame that
// starts with digits and a space is octet-counted ("123 <34>1 ..."); anything else runs to
// the next LF (non-transparent framing; a CR before the LF and empty frames are dropped).
// A frame longer than max_frame_bytes, or a malformed octet count, is an error the stream
// cannot recover from (the length of what follows is unknown): Feed reports it, the framer
// stays failed, and the receiver closes that connection.
// What it never does: parse the frames (see syslog.h) or buffer more than max_frame_bytes
// plus the count's digits.
// Thread-safety: none; one Framer per connection.
//
//   Framer framer(64 * 1024);
//   Framer::Output out = framer.Feed(bytes);
//   for (auto& frame : out.frames) Handle(frame);
//   if (out.error) Close(*out.error);
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace fg::logs {

class Framer {
 public:
  explicit Framer(size_t max_frame_bytes = 64 * 1024);

  struct Output {
    std::vector<std::string> frames;  // complete frames, in order
    std::optional<Error> error;       // set once the stream is broken; stays set
  };

  // Adds bytes of the stream; partial frames are kept until later calls complete them.
  Output Feed(std::string_view bytes);
  // At end of stream: an unterminated LF-delimited frame, if any (an unfinished
  // octet-counted frame is truncated and dropped).
  std::optional<std::string> Finish();

  bool failed() const { return error_.has_value(); }
  // Bytes held for an incomplete frame.
  size_t buffered() const { return buffer_.size(); }

 private:
  enum class State { kStart, kCount, kCounted, kLine };
  void Fail(std::string message);

  size_t max_frame_bytes_;
  State state_ = State::kStart;
  size_t count_ = 0;  // octets still expected in a counted frame
  int count_digits_ = 0;
  std::string buffer_;
  std::optional<Error> error_;
};

}  // namespace fg::logs
