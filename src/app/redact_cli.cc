#include "app/redact_cli.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fg::app {
namespace {

constexpr size_t kSlice = 4 << 20;        // input handed to the redactor at a time
constexpr size_t kCopyBuffer = 1 << 20;   // masks and pieces that are not views of the input
constexpr size_t kQueuedBytes = 8 << 20;  // written once this much is queued
constexpr int kMaxPieces = 1024;          // IOV_MAX on Linux
constexpr size_t kPage = 4096;            // mmap and madvise align to pages at least this big

// Standard input as one mapping when it is a regular file (no read() copies); empty otherwise.
struct Mapping {
  const char* data = nullptr;
  size_t size = 0;
  size_t offset = 0;  // where the FILE stood: the redactor starts there
  ~Mapping() {
    if (data != nullptr) munmap(const_cast<char*>(data), size);
  }
};

bool MapRegularFile(std::FILE* in, Mapping* map) {
  const int fd = fileno(in);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return false;
  const off_t at = ftello(in);
  if (at < 0 || at >= st.st_size) return false;
  void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return false;
  madvise(p, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
  map->data = static_cast<const char*>(p);
  map->size = static_cast<size_t>(st.st_size);
  map->offset = static_cast<size_t>(at);
  return true;
}

// The redactor's output in few system calls and without copying the input: views into the
// mapped input (`stable`, valid to the end) are queued as they are; other pieces (masks, bytes
// the redactor holds in its own buffer for look-behind) are copied into a buffer that is not
// reused until it was written. writev() takes up to kMaxPieces at a time.
class GatheredOutput {
 public:
  GatheredOutput(std::FILE* out, std::string_view stable)
      : out_(out), stable_(stable), copies_(new char[kCopyBuffer]) {
    if (std::fflush(out_) != 0) failed_ = true;
  }

  void Add(std::string_view bytes) {
    if (bytes.empty()) return;
    const bool is_view = !stable_.empty() && bytes.data() >= stable_.data() &&
                         bytes.data() + bytes.size() <= stable_.data() + stable_.size();
    if (is_view) {
      Queue(bytes.data(), bytes.size());
      return;
    }
    if (copied_ + bytes.size() > kCopyBuffer) Flush();
    if (bytes.size() > kCopyBuffer) {  // not a view and huge: written at once
      Queue(bytes.data(), bytes.size());
      Flush();
      return;
    }
    char* copy = copies_.get() + copied_;
    std::memcpy(copy, bytes.data(), bytes.size());
    copied_ += bytes.size();  // before Queue, which may write everything and start over
    Queue(copy, bytes.size());
  }

  void Flush() {
    size_t done = 0;
    while (done < pieces_.size() && !failed_) {
      const int count = static_cast<int>(std::min<size_t>(pieces_.size() - done, kMaxPieces));
      const ssize_t wrote = WritePieces(pieces_.data() + done, count);
      if (wrote < 0 && errno == EINTR) continue;
      if (wrote <= 0) {
        failed_ = true;
        break;
      }
      // Past what was written; a piece written in part is cut to its rest.
      auto left = static_cast<size_t>(wrote);
      while (done < pieces_.size() && left >= pieces_[done].iov_len)
        left -= pieces_[done++].iov_len;
      if (left > 0) {
        pieces_[done].iov_base = static_cast<char*>(pieces_[done].iov_base) + left;
        pieces_[done].iov_len -= left;
      }
    }
    pieces_.clear();
    queued_ = 0;
    copied_ = 0;
  }

  bool failed() const { return failed_; }

 private:
  void Queue(const char* data, size_t size) {
    if (!pieces_.empty() &&
        static_cast<const char*>(pieces_.back().iov_base) + pieces_.back().iov_len == data) {
      pieces_.back().iov_len += size;  // adjacent: one piece
    } else {
      pieces_.push_back({const_cast<char*>(data), size});
    }
    queued_ += size;
    if (queued_ >= kQueuedBytes || pieces_.size() >= static_cast<size_t>(kMaxPieces)) Flush();
  }

  // A stream without a descriptor (fmemopen) gets fwrite calls instead.
  ssize_t WritePieces(const iovec* pieces, int count) {
    const int fd = fileno(out_);
    if (fd >= 0) return writev(fd, pieces, count);
    size_t wrote = 0;
    for (int i = 0; i < count; ++i) {
      const size_t n = std::fwrite(pieces[i].iov_base, 1, pieces[i].iov_len, out_);
      wrote += n;
      if (n != pieces[i].iov_len) return wrote > 0 ? static_cast<ssize_t>(wrote) : -1;
    }
    return std::fflush(out_) == 0 ? static_cast<ssize_t>(wrote) : -1;
  }

  std::FILE* out_;
  std::string_view stable_;
  std::unique_ptr<char[]> copies_;
  size_t copied_ = 0;
  std::vector<iovec> pieces_;
  size_t queued_ = 0;
  bool failed_ = false;
};

}  // namespace

int RedactCommand(const RedactOptions& options, std::FILE* in, std::FILE* out, std::FILE* err) {
  std::map<std::string, uint64_t> counts;
  dlp::Options dlp_options;
  dlp_options.mode = options.mode;
  Mapping map;
  const bool mapped = MapRegularFile(in, &map);
  GatheredOutput output(out, mapped ? std::string_view(map.data, map.size) : std::string_view());
  dlp::StreamRedactor redactor(
      dlp_options, [&](std::string_view bytes) { output.Add(bytes); },
      [&](const dlp::Finding& finding) { ++counts[std::string(dlp::KindName(finding.kind))]; });
  bool read_failed = false;
  if (mapped) {
    for (size_t at = map.offset; at < map.size; at += kSlice) {
      const size_t size = std::min(kSlice, map.size - at);
      // Map the slice's pages in one call rather than a fault every 16 pages (Linux 5.14+;
      // without it the faults do the same work). A slice at a time keeps a file larger than
      // memory streaming.
      const size_t page_at = at & ~(kPage - 1);
      madvise(const_cast<char*>(map.data) + page_at, at + size - page_at, MADV_POPULATE_READ);
      redactor.Feed(std::string_view(map.data + at, size));
    }
    if (fseeko(in, static_cast<off_t>(map.size), SEEK_SET) != 0) std::clearerr(in);
  } else {
    std::unique_ptr<char[]> chunk(new char[kSlice]);
    while (true) {
      const size_t got = std::fread(chunk.get(), 1, kSlice, in);
      if (got > 0) redactor.Feed(std::string_view(chunk.get(), got));
      if (got < kSlice) break;
    }
    read_failed = std::ferror(in) != 0;
  }
  redactor.Finish();
  output.Flush();
  const bool write_failed = output.failed();
  if (options.summary) {
    uint64_t total = 0;
    for (const auto& [kind, count] : counts) {
      std::fprintf(err, "%s %llu\n", kind.c_str(), static_cast<unsigned long long>(count));
      total += count;
    }
    std::fprintf(err, "total %llu\n", static_cast<unsigned long long>(total));
  }
  if (read_failed) std::fprintf(err, "floorguard redact: error reading standard input\n");
  if (write_failed) std::fprintf(err, "floorguard redact: error writing standard output\n");
  return read_failed || write_failed ? 2 : 0;
}

}  // namespace fg::app
