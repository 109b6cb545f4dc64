// StreamRedactor: a window over the stream. Every Scan reads the whole window and commits
// what lies more than RightBound(mode) bytes before its end (a finding starting there is
// decided by bytes already seen); LeftBound(mode) bytes behind the committed point stay for
// look-behind (keywords, a PAN before a CVV). Small chunks are gathered in a buffer (memory:
// LeftBound + RightBound + 2 * kPiece); a large chunk is scanned in place and what it passes on
// are views into it (no copy).
#include <algorithm>
#include <utility>

#include "dlp/dlp.h"
#include "dlp/internal/scanner.h"

namespace fg::dlp {
namespace {
constexpr size_t kPiece = 64 * 1024;
}

struct StreamRedactor::Impl {
  Options options;
  Sink out;
  std::function<void(const Finding&)> on_finding;
  std::string buffer;
  uint64_t base = 0;     // stream offset of buffer[0]
  uint64_t emitted = 0;  // stream offset up to which output went to `out`
  size_t right = 0;
  size_t left = 0;

  // Scans `text` (stream bytes [text_base, text_base + size)), passes on what is decided and
  // its masks: views into `text`, never copies. text_base <= emitted - left, or the stream start.
  void Scan(std::string_view text, uint64_t text_base, bool final) {
    const uint64_t end = text_base + text.size();
    const uint64_t commit = final ? end : (end > right ? end - right : 0);
    if (commit <= emitted) return;
    const std::vector<Finding> found = internal::Detect(text, text_base, options);
    for (const Finding& f : found) {
      if (f.offset < emitted) continue;
      if (f.offset >= commit) break;
      if (f.offset > emitted) out(text.substr(emitted - text_base, f.offset - emitted));
      out(internal::Replacement(f, text.substr(f.offset - text_base, f.length)));
      if (on_finding) on_finding(f);
      emitted = f.offset + f.length;
    }
    if (emitted < commit) {
      out(text.substr(emitted - text_base, commit - emitted));
      emitted = commit;
    }
  }

  uint64_t KeepFrom(uint64_t floor) const {
    return emitted > left ? std::max(floor, emitted - left) : floor;
  }

  void Process(bool final) {
    Scan(buffer, base, final);
    const uint64_t keep_from = KeepFrom(base);
    buffer.erase(0, keep_from - base);
    base = keep_from;
  }

  // A large chunk is scanned where it lies: its first left + right bytes go through the buffer
  // (which moves `emitted` `left` bytes into the chunk), the rest is scanned in place, and only
  // the undecided tail is copied.
  void FeedInPlace(std::string_view chunk) {
    const size_t head = left + right;
    buffer.append(chunk.substr(0, head));
    const uint64_t chunk_base = base + buffer.size() - head;
    Scan(buffer, base, false);
    const uint64_t from = KeepFrom(chunk_base);
    Scan(chunk.substr(from - chunk_base), from, false);
    const uint64_t keep_from = KeepFrom(chunk_base);
    buffer.assign(chunk.substr(keep_from - chunk_base));
    base = keep_from;
  }
};

size_t StreamTailBytes(Mode mode) { return internal::LeftBound(mode) + internal::RightBound(mode); }

StreamRedactor::StreamRedactor(Options options, Sink out,
                               std::function<void(const Finding&)> on_finding)
    : impl_(new Impl{std::move(options), std::move(out), std::move(on_finding)}) {
  impl_->right = internal::RightBound(impl_->options.mode);
  impl_->left = internal::LeftBound(impl_->options.mode);
}

StreamRedactor::~StreamRedactor() { delete impl_; }

void StreamRedactor::Feed(std::string_view chunk) {
  if (chunk.size() >= 2 * (impl_->left + impl_->right) + kPiece) {
    impl_->FeedInPlace(chunk);
    return;
  }
  while (!chunk.empty()) {
    const size_t take = std::min(chunk.size(), kPiece);
    impl_->buffer.append(chunk.substr(0, take));
    chunk.remove_prefix(take);
    if (impl_->buffer.size() >= impl_->left + impl_->right + kPiece) impl_->Process(false);
  }
}

void StreamRedactor::Finish() {
  impl_->Process(true);
  impl_->buffer.clear();
}

}  // namespace fg::dlp
