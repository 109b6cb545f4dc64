#include "scan/internal/reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "scan/internal/text.h"

namespace fg::scan::internal {
namespace {

constexpr size_t kChunk = 64 << 10;
constexpr size_t kHead = 8 << 10;

struct Context {
  const Limits& limits;
  TextConsumer& consumer;
  uint64_t expanded = 0;
  bool stopped = false;  // the expansion cap was hit: nothing more is read from this file
};

std::string Join(const std::string& prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : prefix + "!" + std::string(name);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool EndsWith(std::string_view name, std::string_view suffix) {
  return Lower(name).ends_with(suffix);
}

// ---- Sources: where the bytes of one item come from ----

class Source {
 public:
  virtual ~Source() = default;
  // Bytes read (> 0), 0 at the end, -1 on an error (error() says which).
  virtual long Read(char* buffer, size_t size) = 0;
  const std::string& error() const { return error_; }

 protected:
  std::string error_;
};

class FdSource : public Source {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  long Read(char* buffer, size_t size) override {
    while (true) {
      ssize_t n = ::read(fd_, buffer, size);
      if (n >= 0) return static_cast<long>(n);
      if (errno == EINTR) continue;
      error_ = std::strerror(errno);
      return -1;
    }
  }

 private:
  int fd_;
};

class MemorySource : public Source {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  long Read(char* buffer, size_t size) override {
    size_t n = std::min(size, bytes_.size());
    std::memcpy(buffer, bytes_.data(), n);
    bytes_.remove_prefix(n);
    return static_cast<long>(n);
  }

 private:
  std::string_view bytes_;
};

// The data of the current archive entry; every byte counts against the expansion cap.
class ArchiveEntrySource : public Source {
 public:
  ArchiveEntrySource(archive* a, Context& ctx, const std::string& entry)
      : archive_(a), ctx_(ctx), entry_(entry) {}
  long Read(char* buffer, size_t size) override {
    if (ctx_.stopped) return 0;
    la_ssize_t n = archive_read_data(archive_, buffer, size);
    if (n < 0) {
      const char* why = archive_error_string(archive_);
      error_ = why != nullptr ? why : "cannot decompress";
      return -1;
    }
    ctx_.expanded += static_cast<uint64_t>(n);
    if (ctx_.expanded > ctx_.limits.max_expanded_bytes) {
      ctx_.stopped = true;
      ctx_.consumer.Problem(entry_, "expansion cap of " +
                                        std::to_string(ctx_.limits.max_expanded_bytes) +
                                        " bytes reached (zip bomb?); the rest is not scanned");
      return 0;
    }
    return static_cast<long>(n);
  }

 private:
  archive* archive_;
  Context& ctx_;
  std::string entry_;
};

// Fills `head` with the first bytes of the source (fewer only at its end).
bool ReadHead(Source& source, std::string& head, size_t size) {
  head.resize(size);
  size_t have = 0;
  while (have < size) {
    long n = source.Read(head.data() + have, size - have);
    if (n < 0) return false;
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  head.resize(have);
  return true;
}

// The whole item in memory (PDF, nested archives, attachments): bounded by max_whole_bytes.
std::optional<std::string> ReadWhole(Context& ctx, const std::string& entry, Source& source,
                                     std::string head) {
  std::string all = std::move(head);
  std::vector<char> buffer(kChunk);
  while (true) {
    long n = source.Read(buffer.data(), buffer.size());
    if (n < 0) {
      ctx.consumer.Problem(entry, "read error: " + source.error());
      return std::nullopt;
    }
    if (n == 0) break;
    if (all.size() + static_cast<size_t>(n) > ctx.limits.max_whole_bytes) {
      ctx.consumer.Problem(entry, "larger than " + std::to_string(ctx.limits.max_whole_bytes) +
                                      " bytes, which must be read whole; not scanned");
      return std::nullopt;
    }
    all.append(buffer.data(), static_cast<size_t>(n));
  }
  return all;
}

// ---- Type detection ----

bool IsArchive(std::string_view head) {
  auto has = [&](std::string_view magic, size_t at = 0) {
    return head.size() >= at + magic.size() && head.substr(at, magic.size()) == magic;
  };
  return has("\x1F\x8B") || has("PK\x03\x04") || has("PK\x05\x06") || has("PK\x07\x08") ||
         has("BZh") ||
         has("\xFD"
             "7zXZ") ||
         has("\x28\xB5\x2F\xFD") || has("7z\xBC\xAF\x27\x1C") || has("Rar!\x1A\x07") ||
         has("ustar", 257);
}

bool IsPdf(std::string_view head) {
  return head.substr(0, 1024).find("%PDF-") != std::string_view::npos;
}

bool IsHeaderLine(std::string_view line) {
  static constexpr std::string_view kNames[] = {
      "return-path:", "received:",   "from:",         "to:",           "subject:",
      "date:",        "message-id:", "mime-version:", "delivered-to:", "content-type:"};
  std::string lower = Lower(line.substr(0, 16));
  for (std::string_view name : kNames) {
    if (lower.starts_with(name)) return true;
  }
  return lower.starts_with("x-") && line.find(':') != std::string_view::npos;
}

enum class MailKind { kNone, kMessage, kMbox };

MailKind Mail(std::string_view head, std::string_view name) {
  if (head.starts_with("From ")) {
    size_t eol = head.find('\n');
    if (eol != std::string_view::npos && IsHeaderLine(head.substr(eol + 1))) return MailKind::kMbox;
  }
  if (EndsWith(name, ".mbox") || EndsWith(name, ".mbx")) return MailKind::kMbox;
  if (EndsWith(name, ".eml") || IsHeaderLine(head)) return MailKind::kMessage;
  return MailKind::kNone;
}

// Office XML parts: their text is the character data between the tags.
bool IsOfficeXmlPart(std::string_view name) {
  std::string lower = Lower(name);
  if (!lower.ends_with(".xml")) return false;
  for (std::string_view dir : {"word/", "xl/", "ppt/", "docprops/"}) {
    if (lower.starts_with(dir)) return true;
  }
  return lower == "content.xml" || lower == "styles.xml" || lower == "meta.xml";
}

void Dispatch(Context& ctx, const std::string& entry, std::string_view name, Source& source,
              int depth, int fd, bool office_xml);

// ---- Plain text ----

void ReadText(Context& ctx, const std::string& entry, Source& source, std::string_view head,
              bool xml) {
  TextConsumer& out = ctx.consumer;
  out.Begin(entry, 0);
  XmlText xml_text([&](std::string_view utf8) { out.Text(utf8); });
  TextDecoder decoder([&](std::string_view utf8) {
    if (xml) {
      xml_text.Feed(utf8);
    } else {
      out.Text(utf8);
    }
  });
  decoder.Feed(head);
  std::vector<char> buffer(kChunk);
  while (true) {
    long n = source.Read(buffer.data(), buffer.size());
    if (n < 0) {
      out.Problem(entry, "read error: " + source.error());
      break;
    }
    if (n == 0) break;
    decoder.Feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
  }
  decoder.Finish();
  xml_text.Finish();
  out.End();
}

// ---- Archives (libarchive): zip, office files, tar, gzip, bzip2, xz, zstd, 7z, rar ----

void ReadArchive(Context& ctx, const std::string& prefix, std::string_view name, int fd,
                 std::string_view memory, int depth) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  archive_read_support_format_raw(a.get());  // a compressed single file (.gz, .bz2, .xz)
  int opened = fd >= 0 ? archive_read_open_fd(a.get(), fd, kChunk)
                       : archive_read_open_memory(a.get(), memory.data(), memory.size());
  if (opened != ARCHIVE_OK) {
    const char* why = archive_error_string(a.get());
    ctx.consumer.Problem(prefix, std::string("cannot open archive: ") + (why ? why : "unknown"));
    return;
  }
  archive_entry* e = nullptr;
  int r = ARCHIVE_OK;
  while (!ctx.stopped &&
         ((r = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
    bool raw = archive_format(a.get()) == ARCHIVE_FORMAT_RAW;
    std::string entry_name;
    std::string child = prefix;
    if (raw) {
      // The single decompressed stream keeps the file's name without its suffix.
      entry_name = std::string(name);
      size_t dot = entry_name.rfind('.');
      if (dot != std::string::npos) entry_name.resize(dot);
    } else {
      if (archive_entry_filetype(e) != AE_IFREG) continue;
      const char* path = archive_entry_pathname_utf8(e);
      if (path == nullptr) path = archive_entry_pathname(e);
      entry_name = path != nullptr ? path : "?";
      child = Join(prefix, entry_name);
    }
    if (archive_entry_is_encrypted(e)) {
      ctx.consumer.Problem(child, "encrypted; not scanned");
      continue;
    }
    ArchiveEntrySource source(a.get(), ctx, child);
    bool zip = (archive_format(a.get()) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
    Dispatch(ctx, child, entry_name, source, depth + 1, -1, zip && IsOfficeXmlPart(entry_name));
    if (raw) break;
  }
  if (!ctx.stopped && r == ARCHIVE_FATAL) {
    const char* why = archive_error_string(a.get());
    ctx.consumer.Problem(prefix, std::string("archive damaged: ") + (why ? why : "unknown"));
  }
}

// ---- PDF (poppler-cpp): the whole file is read; one text unit per page ----

std::mutex& PopplerMutex() {
  // Poppler's global state is not documented as thread-safe; PDFs are read one at a time.
  static std::mutex mutex;
  return mutex;
}

void ReadPdf(Context& ctx, const std::string& entry, const std::string& bytes) {
  std::lock_guard lock(PopplerMutex());
  static const bool quiet = [] {
    poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
    return true;
  }();
  (void)quiet;
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    ctx.consumer.Problem(entry, "PDF too large");
    return;
  }
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!doc) {
    ctx.consumer.Problem(entry, "not a readable PDF");
    return;
  }
  if (doc->is_locked()) {
    ctx.consumer.Problem(entry, "encrypted PDF; not scanned");
    return;
  }
  int pages = doc->pages();
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;
    poppler::byte_array text = page->text().to_utf8();
    ctx.consumer.Begin(entry, i + 1);
    ctx.consumer.Text(std::string_view(text.data(), text.size()));
    ctx.consumer.End();
  }
}

// ---- Mail (mbox, .eml): MIME parts, base64 and quoted-printable; attachments by type ----

std::string HeaderParameter(std::string_view value, std::string_view key) {
  std::string lower = Lower(value);
  size_t at = 0;
  while ((at = lower.find(key, at)) != std::string::npos) {
    bool starts = at == 0 || lower[at - 1] == ';' || lower[at - 1] == ' ' || lower[at - 1] == '\t';
    size_t eq = at + key.size();
    if (starts && eq < lower.size() && (lower[eq] == '=' || lower[eq] == '*')) {
      size_t begin = lower.find('=', eq);
      if (begin == std::string::npos) return {};
      ++begin;
      while (begin < value.size() && (value[begin] == ' ' || value[begin] == '\t')) ++begin;
      std::string out;
      if (begin < value.size() && value[begin] == '"') {
        size_t end = value.find('"', begin + 1);
        out = std::string(value.substr(
            begin + 1, end == std::string_view::npos ? std::string_view::npos : end - begin - 1));
      } else {
        size_t end = value.find_first_of("; \t", begin);
        out = std::string(value.substr(
            begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
      }
      if (size_t quote = out.find("''"); lower[eq] == '*' && quote != std::string::npos) {
        out.erase(0, quote + 2);  // RFC 2231: charset''value
      }
      return out;
    }
    at = eq;
  }
  return {};
}

class MailReader {
 public:
  MailReader(Context& ctx, std::string prefix, int depth, MailKind kind)
      : ctx_(ctx), prefix_(std::move(prefix)), depth_(depth), mbox_(kind == MailKind::kMbox) {
    if (!mbox_) message_ = 1;
  }

  void Line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool blank_before = previous_blank_;
    previous_blank_ = line.empty();
    if (mbox_ && blank_before && line.starts_with("From ")) {
      StartMessage();
      return;
    }
    if (message_ == 0) return;  // text before the first "From " line of an mbox
    if (state_ == State::kHeaders) {
      if (line.empty()) {
        EndHeaders();
        return;
      }
      if (headers_.size() < (256 << 10)) {
        headers_.append(line);
        headers_.push_back('\n');
        return;
      }
      // Not a header block after all (or an absurd one): the rest is read as a body.
      EndHeaders();
    }
    if (line.starts_with("--") && !boundaries_.empty()) {
      for (size_t i = boundaries_.size(); i-- > 0;) {
        const std::string& b = boundaries_[i];
        std::string_view rest = line.substr(2);
        if (!rest.starts_with(b)) continue;
        rest.remove_prefix(b.size());
        while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
        if (rest.empty()) {
          EndPart();
          boundaries_.resize(i + 1);
          state_ = State::kHeaders;
          headers_.clear();
          return;
        }
        if (rest == "--") {
          EndPart();
          boundaries_.resize(i);
          StartTextOutsideParts("epilogue");
          return;
        }
      }
    }
    Body(line);
  }

  void Finish() { EndPart(); }

 private:
  enum class State { kHeaders, kBody };

  std::string Entry(std::string_view what) const {
    std::string name = mbox_ ? "message " + std::to_string(message_) + "/" : std::string();
    return Join(prefix_, name + std::string(what));
  }

  void StartMessage() {
    EndPart();
    boundaries_.clear();
    ++message_;
    part_ = 0;
    message_headers_ = true;
    state_ = State::kHeaders;
    headers_.clear();
  }

  std::string Header(std::string_view name) const {
    // Unfolded value of the first header called `name` (lower case, without the colon).
    std::string lower = Lower(headers_);
    std::string key = "\n" + std::string(name) + ":";
    std::string padded = "\n" + lower;
    size_t at = padded.find(key);
    if (at == std::string::npos) return {};
    size_t begin = at + key.size() - 1;  // index into headers_
    std::string value;
    size_t pos = begin;
    while (pos < headers_.size()) {
      size_t eol = headers_.find('\n', pos);
      if (eol == std::string::npos) eol = headers_.size();
      value.append(headers_, pos, eol - pos);
      pos = eol + 1;
      if (pos >= headers_.size() || (headers_[pos] != ' ' && headers_[pos] != '\t')) break;
      value.push_back(' ');
    }
    size_t first = value.find_first_not_of(" \t");
    return first == std::string::npos ? std::string() : value.substr(first);
  }

  void EndHeaders() {
    if (message_headers_) {
      // The message's own headers (Subject, ...) are text too, encoded-words decoded.
      ctx_.consumer.Begin(Entry("headers"), 0);
      TextDecoder decoder([&](std::string_view utf8) { ctx_.consumer.Text(utf8); });
      decoder.Feed(DecodeEncodedWords(headers_));
      decoder.Finish();
      ctx_.consumer.End();
      message_headers_ = false;
    }
    std::string type = Lower(Header("content-type"));
    std::string encoding = Lower(Header("content-transfer-encoding"));
    std::string filename = HeaderParameter(Header("content-disposition"), "filename");
    if (filename.empty()) filename = HeaderParameter(Header("content-type"), "name");
    std::string boundary = HeaderParameter(Header("content-type"), "boundary");
    headers_.clear();
    if (type.starts_with("multipart/") && !boundary.empty()) {
      if (boundaries_.size() < 16) boundaries_.push_back(boundary);
      // The preamble is text too (and all of the rest if the boundary never comes).
      StartTextOutsideParts("preamble");
      return;
    }
    if (type.starts_with("message/rfc822")) {
      state_ = State::kHeaders;  // an attached message: its headers follow
      return;
    }
    ++part_;
    state_ = State::kBody;
    std::string part_name = "part " + std::to_string(part_);
    attachment_ = !filename.empty() || (!type.empty() && !type.starts_with("text/"));
    entry_ = Entry(filename.empty() ? part_name : filename);
    attachment_name_ = filename.empty() ? part_name : filename;
    attachment_bytes_.clear();
    attachment_too_big_ = false;
    encoding_ = encoding.find("base64") != std::string::npos             ? Encoding::kBase64
                : encoding.find("quoted-printable") != std::string::npos ? Encoding::kQuoted
                                                                         : Encoding::kNone;
    if (!attachment_) {
      ctx_.consumer.Begin(entry_, 0);
      text_ = std::make_unique<TextDecoder>(
          [this](std::string_view utf8) { ctx_.consumer.Text(utf8); });
    }
    if (encoding_ == Encoding::kBase64) {
      base64_ = std::make_unique<Base64Decoder>([this](std::string_view bytes) { Sink(bytes); });
    }
    open_ = true;
  }

  void StartTextOutsideParts(std::string_view what) {
    state_ = State::kBody;
    attachment_ = false;
    encoding_ = Encoding::kNone;
    entry_ = Entry(what);
    ctx_.consumer.Begin(entry_, 0);
    text_ =
        std::make_unique<TextDecoder>([this](std::string_view utf8) { ctx_.consumer.Text(utf8); });
    open_ = true;
  }

  void Sink(std::string_view bytes) {
    if (!attachment_) {
      text_->Feed(bytes);
      return;
    }
    if (attachment_too_big_) return;
    if (attachment_bytes_.size() + bytes.size() > ctx_.limits.max_whole_bytes) {
      attachment_too_big_ = true;
      ctx_.consumer.Problem(entry_, "attachment larger than " +
                                        std::to_string(ctx_.limits.max_whole_bytes) +
                                        " bytes; not scanned");
      attachment_bytes_.clear();
      return;
    }
    attachment_bytes_.append(bytes);
  }

  void Body(std::string_view line) {
    if (!open_) return;  // between an attached message's headers and its body
    switch (encoding_) {
      case Encoding::kBase64:
        base64_->Feed(line);
        break;
      case Encoding::kQuoted: {
        bool soft = false;
        std::string decoded = DecodeQuotedPrintableLine(line, &soft);
        if (!soft) decoded.push_back('\n');
        Sink(decoded);
        break;
      }
      case Encoding::kNone: {
        std::string copy(line);
        copy.push_back('\n');
        Sink(copy);
        break;
      }
    }
  }

  void EndPart() {
    if (!open_) return;
    open_ = false;
    if (base64_) {
      base64_->Finish();
      base64_.reset();
    }
    if (!attachment_) {
      text_->Finish();
      text_.reset();
      ctx_.consumer.End();
      return;
    }
    if (attachment_too_big_) return;
    std::string bytes = std::move(attachment_bytes_);
    attachment_bytes_.clear();
    MemorySource source(bytes);
    Dispatch(ctx_, entry_, attachment_name_, source, depth_ + 1, -1, false);
  }

  enum class Encoding { kNone, kBase64, kQuoted };
  Context& ctx_;
  std::string prefix_;
  int depth_;
  bool mbox_;
  int message_ = 0;
  int part_ = 0;
  bool message_headers_ = true;
  bool previous_blank_ = true;
  State state_ = State::kHeaders;
  std::string headers_;
  std::vector<std::string> boundaries_;
  bool open_ = false;
  bool attachment_ = false;
  bool attachment_too_big_ = false;
  std::string entry_;
  std::string attachment_name_;
  std::string attachment_bytes_;
  Encoding encoding_ = Encoding::kNone;
  std::unique_ptr<TextDecoder> text_;
  std::unique_ptr<Base64Decoder> base64_;
};

void ReadMail(Context& ctx, const std::string& entry, Source& source, std::string_view head,
              int depth, MailKind kind) {
  MailReader reader(ctx, entry, depth, kind);
  std::string line;
  auto feed = [&](std::string_view bytes) {
    while (!bytes.empty()) {
      size_t eol = bytes.find('\n');
      if (eol == std::string_view::npos) {
        line.append(bytes);
        if (line.size() > (1 << 20)) {  // a line this long is cut, not kept whole
          reader.Line(line);
          line.clear();
        }
        return;
      }
      line.append(bytes.substr(0, eol));
      reader.Line(line);
      line.clear();
      bytes.remove_prefix(eol + 1);
    }
  };
  feed(head);
  std::vector<char> buffer(kChunk);
  while (!ctx.stopped) {
    long n = source.Read(buffer.data(), buffer.size());
    if (n < 0) {
      ctx.consumer.Problem(entry, "read error: " + source.error());
      break;
    }
    if (n == 0) break;
    feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
  }
  if (!line.empty()) reader.Line(line);
  reader.Finish();
}

// ---- Dispatch by content (and the name's extension for mail) ----

void Dispatch(Context& ctx, const std::string& entry, std::string_view name, Source& source,
              int depth, int fd, bool office_xml) {
  if (ctx.stopped) return;
  std::string head;
  if (!ReadHead(source, head, kHead)) {
    ctx.consumer.Problem(entry, "read error: " + source.error());
    return;
  }
  if (office_xml) {
    ReadText(ctx, entry, source, head, true);
    return;
  }
  bool archive = IsArchive(head);
  bool pdf = !archive && IsPdf(head);
  if ((archive || pdf) && depth > ctx.limits.max_depth) {
    ctx.consumer.Problem(entry, "nested deeper than " + std::to_string(ctx.limits.max_depth) +
                                    " levels; not opened");
    return;
  }
  if (archive) {
    if (fd >= 0 && ::lseek(fd, 0, SEEK_SET) == 0) {
      ReadArchive(ctx, entry, name, fd, {}, depth);
      return;
    }
    // A nested archive is read whole: zip needs its central directory at the end.
    std::optional<std::string> whole = ReadWhole(ctx, entry, source, std::move(head));
    if (whole && !ctx.stopped) ReadArchive(ctx, entry, name, -1, *whole, depth);
    return;
  }
  if (pdf) {
    std::optional<std::string> whole = ReadWhole(ctx, entry, source, std::move(head));
    if (whole && !ctx.stopped) ReadPdf(ctx, entry, *whole);
    return;
  }
  if (MailKind kind = Mail(head, name); kind != MailKind::kNone && depth <= ctx.limits.max_depth) {
    ReadMail(ctx, entry, source, head, depth, kind);
    return;
  }
  ReadText(ctx, entry, source, head, false);
}

}  // namespace

void ReadFileDescriptor(int fd, const std::string& name, const Limits& limits,
                        TextConsumer& consumer) {
  Context ctx{limits, consumer};
  FdSource source(fd);
  Dispatch(ctx, "", name, source, 0, fd, false);
}

void ReadBytes(std::string_view bytes, const std::string& name, const Limits& limits,
               TextConsumer& consumer) {
  Context ctx{limits, consumer};
  MemorySource source(bytes);
  Dispatch(ctx, "", name, source, 0, -1, false);
}

}  // namespace fg::scan::internal
