// scan: finds card data at rest — the PANs, track data, CVVs, SSNs and IBANs that dlp detects —
// in files and directory trees, reading what the files hold rather than their bytes: plain
// text in UTF-8, UTF-16 (with a BOM) and Latin-1; gzip, bzip2, xz, zstd; zip, tar, 7z and the
// zip-based office formats (docx, xlsx, pptx, odt: the text of their XML parts); mbox and .eml
// (MIME parts, base64 and quoted-printable, each attachment read by its own type); PDF text.
//
// What it decides: which files to read (regular files under the paths; symlinks met in a walk
// are never followed, so a tree is scanned once and nothing outside it is), how to decode each
// one (by content; the extension only for mail), and where each finding is (line and byte
// offset of the decoded UTF-8 text, the entry inside an archive or mail, the PDF page).
// What it never does: return, print or keep the full value of a finding (Finding holds the
// dlp mask only, and paths and entry names are passed through dlp::Redact, since a file name
// can hold a card number too); follow a symlink found in a walk; stop on an unreadable file
// or directory (it is reported as a Problem); expand more than Options::max_expanded_bytes per
// file (zip bombs: the rest of that file is skipped and reported) or open containers nested
// deeper than Options::max_depth.
// Memory: text is streamed through dlp::StreamRedactor in 64 KiB chunks. Read whole (bounded
// by Options::max_whole_bytes): PDFs, archives nested in an archive or attached to a mail, and
// mail attachments. The top-level archive file is read in place.
// Thread-safety: ScanPaths runs Options::jobs worker threads and calls the Reporter from one
// thread at a time; ScanFile and ScanBytes are reentrant.
//
//   scan::CollectingReporter found;
//   scan::Summary summary = scan::ScanPaths({"/srv/share"}, {.jobs = 4}, found);
//   for (const scan::Finding& f : found.findings) std::puts(scan::FormatText(f).c_str());
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dlp/dlp.h"

namespace fg::scan {

struct Finding {
  std::string path;     // the file, as walked from the PATH given (redacted)
  std::string entry;    // "" for the file itself; "inner.zip!word/document.xml", "message 2/part 1"
  int page = 0;         // 1-based PDF page; 0 when not a PDF
  uint64_t line = 0;    // 1-based line of the decoded text of the file/entry/page; 0 = unknown
  uint64_t offset = 0;  // byte offset in that decoded UTF-8 text (the file offset for UTF-8)
  dlp::Kind kind = dlp::Kind::kPan;
  std::string brand;  // "visa", ... for PANs
  int confidence = 0;
  bool test_value = false;  // a well-known test PAN
  std::string masked;       // "[PAN ****1111]"
};

struct Problem {
  std::string path;     // redacted, like Finding::path
  std::string message;  // "permission denied", "inner.zip: expansion cap ... reached", ...
};

// Receives the results; ScanPaths calls it from one thread at a time, all findings of a file
// together.
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void OnFinding(const Finding& finding) = 0;
  virtual void OnProblem(const Problem& problem) = 0;
};

class CollectingReporter : public Reporter {
 public:
  void OnFinding(const Finding& finding) override { findings.push_back(finding); }
  void OnProblem(const Problem& problem) override { problems.push_back(problem); }
  std::vector<Finding> findings;
  std::vector<Problem> problems;
};

struct Options {
  unsigned jobs = 0;  // worker threads; 0 = the number of cores
  int max_depth = 3;  // containers nested inside a file (zip in zip in mail ...)
  uint64_t max_expanded_bytes = 1ull << 30;  // decompressed bytes per file
  uint64_t max_whole_bytes = 256ull << 20;   // an item that must be read whole
  dlp::Options detector;                     // dlp options (mode, HMAC key)
};

struct Summary {
  uint64_t files_read = 0;  // files opened (fully or partly scanned)
  uint64_t findings = 0;
  uint64_t problems = 0;
};

// Walks each path (a file or a directory, recursively) and scans every regular file.
Summary ScanPaths(const std::vector<std::string>& paths, const Options& options,
                  Reporter& reporter);
// One file (symlinks followed: the caller named it). Returns false when it cannot be opened.
bool ScanFile(const std::string& path, const Options& options, Reporter& reporter);
// Bytes in memory, read as a file called `name` (uploads; tests).
void ScanBytes(std::string_view bytes, const std::string& name, const Options& options,
               Reporter& reporter);

enum class Format { kText, kJsonl, kCsv };
// One finding as a line (no trailing newline). Text: "PATH[!ENTRY]: page P, line L, byte O:
// pan visa confidence 80 test [PAN ****1111]". JSONL: one object per line with the fields of
// Finding. CSV: every cell quoted; a cell starting with = + - @ (or tab, CR) gets a leading '
// so a spreadsheet does not run it as a formula.
std::string FormatFinding(const Finding& finding, Format format);
std::string CsvHeader();  // "path,entry,page,line,offset,type,brand,confidence,test,masked"
// "scan: PATH: message"
std::string FormatProblem(const Problem& problem);

}  // namespace fg::scan
