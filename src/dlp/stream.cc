// StreamRedactor: a window over the stream. Every Process scans the whole window and commits
// what lies more than RightBound(mode) bytes before its end (a finding starting there is
// decided by bytes already seen); LeftBound(mode) bytes behind the committed point stay for
// look-behind (keywords, a PAN before a CVV). Memory: LeftBound + RightBound + 2 * kPiece.
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

  void Process(bool final) {
    const uint64_t end = base + buffer.size();
    const uint64_t commit = final ? end : (end > right ? end - right : 0);
    if (commit <= emitted) return;
    const std::vector<Finding> found = internal::Detect(buffer, base, options);
    for (const Finding& f : found) {
      if (f.offset < emitted) continue;
      if (f.offset >= commit) break;
      if (f.offset > emitted)
        out(std::string_view(buffer).substr(emitted - base, f.offset - emitted));
      out(internal::Replacement(f, std::string_view(buffer).substr(f.offset - base, f.length)));
      if (on_finding) on_finding(f);
      emitted = f.offset + f.length;
    }
    if (emitted < commit) {
      out(std::string_view(buffer).substr(emitted - base, commit - emitted));
      emitted = commit;
    }
    const uint64_t keep_from = emitted > left ? std::max(base, emitted - left) : base;
    buffer.erase(0, keep_from - base);
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
