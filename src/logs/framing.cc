#include "logs/framing.h"

#include <algorithm>

namespace fg::logs {

namespace {
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// More digits than this cannot be a count within any sane limit.
constexpr int kMaxCountDigits = 9;
}  // namespace

Framer::Framer(size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

void Framer::Fail(std::string message) {
  error_ = Error{ErrorCode::kInvalidArgument, std::move(message), "frame"};
  buffer_.clear();
  buffer_.shrink_to_fit();
}

Framer::Output Framer::Feed(std::string_view bytes) {
  Output out;
  size_t i = 0;
  while (!error_ && i < bytes.size()) {
    switch (state_) {
      case State::kStart: {
        char c = bytes[i];
        if (c == '\n' || c == '\r' || c == '\0' || c == ' ') {
          ++i;  // stray separators between frames
        } else if (IsDigit(c)) {
          state_ = State::kCount;
          count_ = 0;
          count_digits_ = 0;
          buffer_.clear();
        } else {
          state_ = State::kLine;
          buffer_.clear();
        }
        break;
      }
      case State::kCount: {
        char c = bytes[i];
        if (IsDigit(c)) {
          buffer_.push_back(c);
          count_ = count_ * 10 + static_cast<size_t>(c - '0');
          if (++count_digits_ > kMaxCountDigits) {
            Fail("octet count has too many digits");
            break;
          }
          ++i;
        } else if (c == ' ') {
          ++i;
          if (count_ == 0) {
            Fail("octet count is zero");
          } else if (count_ > max_frame_bytes_) {
            Fail("octet count " + std::to_string(count_) + " exceeds the limit of " +
                 std::to_string(max_frame_bytes_) + " bytes");
          } else {
            buffer_.clear();
            state_ = State::kCounted;
          }
        } else {
          // Digits not followed by a space: a LF-delimited frame that starts with a digit
          // (a file line's "2026-11-29T..."). The digits read so far are its start.
          state_ = State::kLine;
        }
        break;
      }
      case State::kCounted: {
        size_t take = std::min(count_, bytes.size() - i);
        buffer_.append(bytes.data() + i, take);
        i += take;
        count_ -= take;
        if (count_ == 0) {
          out.frames.push_back(std::move(buffer_));
          buffer_.clear();
          state_ = State::kStart;
        }
        break;
      }
      case State::kLine: {
        size_t lf = bytes.find('\n', i);
        size_t end = lf == std::string_view::npos ? bytes.size() : lf;
        if (buffer_.size() + (end - i) > max_frame_bytes_ + 1) {  // +1: a CR before the LF
          Fail("a frame exceeds the limit of " + std::to_string(max_frame_bytes_) + " bytes");
          break;
        }
        buffer_.append(bytes.data() + i, end - i);
        i = end;
        if (lf != std::string_view::npos) {
          ++i;
          if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
          if (buffer_.size() > max_frame_bytes_) {
            Fail("a frame exceeds the limit of " + std::to_string(max_frame_bytes_) + " bytes");
            break;
          }
          if (!buffer_.empty()) out.frames.push_back(std::move(buffer_));
          buffer_.clear();
          state_ = State::kStart;
        }
        break;
      }
    }
  }
  out.error = error_;
  return out;
}

std::optional<std::string> Framer::Finish() {
  std::optional<std::string> last;
  if (!error_ && (state_ == State::kLine || state_ == State::kCount) && !buffer_.empty()) {
    if (buffer_.back() == '\r') buffer_.pop_back();
    if (!buffer_.empty()) last = std::move(buffer_);
  }
  buffer_.clear();
  state_ = State::kStart;
  return last;
}

}  // namespace fg::logs
