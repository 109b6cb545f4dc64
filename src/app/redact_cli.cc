#include "app/redact_cli.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace fg::app {
namespace {

constexpr size_t kSlice = 4 << 20;  // input handed to the redactor at a time
constexpr size_t kOutBuffer = 1 << 20;
constexpr size_t kDirectWrite = 64 << 10;  // larger views of the input are written as they are
constexpr size_t kPage = 4096;             // mmap and madvise align to pages at least this big

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

}  // namespace

int RedactCommand(const RedactOptions& options, std::FILE* in, std::FILE* out, std::FILE* err) {
  bool write_failed = false;
  std::map<std::string, uint64_t> counts;
  dlp::Options dlp_options;
  dlp_options.mode = options.mode;
  // Output is gathered into large writes: the redactor passes many small pieces (masks, the
  // text between findings) and large views of the input.
  std::string pending;
  pending.reserve(kOutBuffer);
  auto write = [&](std::string_view bytes) {
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), out) != bytes.size()) {
      write_failed = true;
    }
  };
  dlp::StreamRedactor redactor(
      dlp_options,
      [&](std::string_view bytes) {
        if (bytes.size() < kDirectWrite && pending.size() + bytes.size() <= kOutBuffer) {
          pending.append(bytes);
          return;
        }
        write(pending);
        pending.clear();
        if (bytes.size() >= kDirectWrite) {
          write(bytes);
        } else {
          pending.append(bytes);
        }
      },
      [&](const dlp::Finding& finding) { ++counts[std::string(dlp::KindName(finding.kind))]; });
  bool read_failed = false;
  Mapping map;
  if (MapRegularFile(in, &map)) {
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
  write(pending);
  if (std::fflush(out) != 0) write_failed = true;
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
