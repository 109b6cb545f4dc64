#include "recording/vault.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace fg::recording {
namespace {

// File layout: kMagic, u16 id length, recording id, secretstream header, then messages of
// u32 ciphertext length + ciphertext. The plain prefix is the first message's associated
// data, so an edited header fails authentication.
constexpr char kMagic[] = "FGREC\x01";
constexpr size_t kMagicSize = 6;
constexpr size_t kMaxIdSize = 1024;
// A segment is a minute of Opus (~200 KB); anything far larger is damage, not audio.
constexpr uint32_t kMaxMessageSize = 64u << 20;
constexpr size_t kMaxKeyFileSize = 1 << 20;
constexpr size_t kWrappedSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
                                crypto_secretstream_xchacha20poly1305_KEYBYTES +
                                crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr char kWrapContext[] = "floorguard recording key v1";

static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == 32);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

tl::unexpected<Error> DataLoss(std::string message) {
  return MakeError(ErrorCode::kDataLoss, std::move(message));
}
tl::unexpected<Error> FailedPrecondition(std::string message) {
  return MakeError(ErrorCode::kFailedPrecondition, std::move(message));
}
tl::unexpected<Error> SystemError(const std::string& what, const std::string& path) {
  int error = errno;
  std::string message = what + " " + path + ": " + std::strerror(error);
  if (error == ENOENT) return NotFound(message);
  if (error == ENOSPC || error == EDQUOT) {
    return MakeError(ErrorCode::kResourceExhausted, message);
  }
  if (error == EACCES || error == EPERM) return FailedPrecondition(message);
  return Internal(message);
}

Result<void> InitSodium() {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  return {};
}

void PutLe16(std::vector<uint8_t>& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value));
  out.push_back(static_cast<uint8_t>(value >> 8));
}
void PutLe32(std::vector<uint8_t>& out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

// Associated data of the key wrap: binds a wrapped key to its recording and master key.
std::vector<uint8_t> WrapAd(std::string_view master_key_id, std::string_view recording_id) {
  std::vector<uint8_t> ad(kWrapContext, kWrapContext + sizeof(kWrapContext) - 1);
  PutLe16(ad, static_cast<uint16_t>(master_key_id.size()));
  ad.insert(ad.end(), master_key_id.begin(), master_key_id.end());
  PutLe16(ad, static_cast<uint16_t>(recording_id.size()));
  ad.insert(ad.end(), recording_id.begin(), recording_id.end());
  return ad;
}

std::vector<uint8_t> PlainHeader(std::string_view recording_id) {
  std::vector<uint8_t> header(kMagic, kMagic + kMagicSize);
  PutLe16(header, static_cast<uint16_t>(recording_id.size()));
  header.insert(header.end(), recording_id.begin(), recording_id.end());
  return header;
}

Result<void> CheckRecordingId(const std::string& recording_id) {
  if (recording_id.empty() || recording_id.size() > kMaxIdSize) {
    return InvalidArgument("recording_id", "must be 1 to 1024 bytes");
  }
  return {};
}

bool ValidKeyId(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

Result<void> WriteAll(int fd, const uint8_t* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return SystemError("cannot write", path);
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
  return {};
}

// Reads a whole (small) file into `out`; the caller wipes it.
Result<void> ReadSmallFile(int fd, const std::string& path, std::string& out) {
  char buffer[4096];
  while (true) {
    ssize_t got = ::read(fd, buffer, sizeof(buffer));
    if (got < 0) {
      if (errno == EINTR) continue;
      sodium_memzero(buffer, sizeof(buffer));
      return SystemError("cannot read", path);
    }
    if (got == 0) break;
    if (out.size() + static_cast<size_t>(got) > kMaxKeyFileSize) {
      sodium_memzero(buffer, sizeof(buffer));
      return InvalidArgument("master_keys", "key file " + path + " is larger than 1 MiB");
    }
    out.append(buffer, static_cast<size_t>(got));
  }
  sodium_memzero(buffer, sizeof(buffer));
  return {};
}

std::string FreshKeyLine(const std::string& id) {
  std::array<uint8_t, 32> secret;
  randombytes_buf(secret.data(), secret.size());
  char hex[65];
  sodium_bin2hex(hex, sizeof(hex), secret.data(), secret.size());
  std::string line = id + " " + hex + "\n";
  sodium_memzero(secret.data(), secret.size());
  sodium_memzero(hex, sizeof(hex));
  return line;
}

std::string NewKeyId(const KeyRing* ring) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  // Appended rather than concatenated: GCC 12 at -O3 warns falsely (-Wrestrict) on "k" + s.
  std::string base = "k";
  base += std::to_string(seconds);
  std::string id = base;
  // Two rotations in one second must not produce a duplicate id.
  for (int n = 2; ring != nullptr && ring->Find(id) != nullptr; ++n) {
    id = base;
    id += '-';
    id += std::to_string(n);
  }
  return id;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<void> SyncDirectoryOf(const std::string& path) {
  auto slash = path.find_last_of('/');
  std::string directory = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  Fd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return SystemError("cannot open directory", directory);
  if (::fsync(fd.get()) != 0) return SystemError("cannot sync directory", directory);
  return {};
}

}  // namespace

// ---------------------------------------------------------------------------------------
// KeyRing

KeyRing::~KeyRing() {
  for (Key& key : keys_) sodium_memzero(key.secret.data(), key.secret.size());
}

Result<KeyRing> KeyRing::Parse(std::string_view text) {
  FG_RETURN_IF_ERROR(InitSodium());
  KeyRing ring;
  // Reserved up front so no reallocation leaves unwiped copies of secrets behind.
  ring.keys_.reserve(static_cast<size_t>(std::count_if(
                         text.begin(), text.end(), [](char c) { return c == '\n' || c == ';'; })) +
                     1);
  size_t line_number = 0;
  while (!text.empty()) {
    size_t end = text.find_first_of("\n;");
    std::string_view line = Trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    // Messages name the line, never its content: it may hold key material.
    const std::string where = "master key line " + std::to_string(line_number) + ": ";
    size_t space = line.find_first_of(" \t");
    if (space == std::string_view::npos) {
      return InvalidArgument("master_keys", where + "expected \"<id> <64 hex digits>\"");
    }
    std::string_view id = line.substr(0, space);
    std::string_view hex = Trim(line.substr(space));
    if (!ValidKeyId(id)) {
      return InvalidArgument("master_keys", where + "key id must be 1-32 of [A-Za-z0-9_-]");
    }
    Key key{.id = std::string(id), .secret = {}};
    size_t decoded = 0;
    const char* hex_end = nullptr;
    if (hex.size() != 64 ||
        sodium_hex2bin(key.secret.data(), key.secret.size(), hex.data(), hex.size(), nullptr,
                       &decoded, &hex_end) != 0 ||
        decoded != key.secret.size() || hex_end != hex.data() + hex.size()) {
      sodium_memzero(key.secret.data(), key.secret.size());
      return InvalidArgument("master_keys", where + "key must be exactly 64 hex digits");
    }
    if (ring.Find(key.id) != nullptr) {
      sodium_memzero(key.secret.data(), key.secret.size());
      return InvalidArgument("master_keys", where + "duplicate key id " + key.id);
    }
    ring.keys_.push_back(key);
    sodium_memzero(key.secret.data(), key.secret.size());
  }
  if (ring.keys_.empty()) return InvalidArgument("master_keys", "no master key given");
  return ring;
}

Result<KeyRing> KeyRing::LoadFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) return SystemError("cannot open master key file", path);
  struct stat info;
  if (::fstat(fd.get(), &info) != 0) return SystemError("cannot stat master key file", path);
  if (!S_ISREG(info.st_mode)) {
    return FailedPrecondition("master key file " + path + " is not a regular file");
  }
  if ((info.st_mode & 077) != 0) {
    return FailedPrecondition("master key file " + path +
                              " is accessible by group or others; run: chmod 600 " + path);
  }
  std::string text;
  auto read = ReadSmallFile(fd.get(), path, text);
  Result<KeyRing> ring = read ? Parse(text) : tl::unexpected<Error>(read.error());
  sodium_memzero(text.data(), text.size());
  if (!ring) {
    Error error = ring.error();
    error.message = path + ": " + error.message;
    return tl::unexpected<Error>(std::move(error));
  }
  return ring;
}

Result<void> KeyRing::CreateFileIfMissing(const std::string& path) {
  FG_RETURN_IF_ERROR(InitSodium());
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) {
    if (errno == EEXIST) return {};
    return SystemError("cannot create master key file", path);
  }
  if (::fchmod(fd.get(), 0600) != 0) return SystemError("cannot chmod master key file", path);
  std::string text =
      "# floorguard recording master keys: \"<id> <64 hex digits>\", the last is current.\n"
      "# Never delete a key while recordings wrapped by it are kept.\n" +
      FreshKeyLine(NewKeyId(nullptr));
  auto written =
      WriteAll(fd.get(), reinterpret_cast<const uint8_t*>(text.data()), text.size(), path);
  sodium_memzero(text.data(), text.size());
  FG_RETURN_IF_ERROR(written);
  if (::fsync(fd.get()) != 0) return SystemError("cannot sync master key file", path);
  return SyncDirectoryOf(path);
}

Result<std::string> KeyRing::RotateFile(const std::string& path) {
  FG_ASSIGN_OR_RETURN(KeyRing ring, LoadFile(path));
  std::string id = NewKeyId(&ring);
  Fd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) return SystemError("cannot open master key file", path);
  std::string line = FreshKeyLine(id);
  // A last line without its newline would otherwise swallow the new key.
  struct stat info;
  if (::fstat(fd.get(), &info) != 0) return SystemError("cannot stat master key file", path);
  if (info.st_size > 0) {
    char last = '\n';
    if (::pread(fd.get(), &last, 1, info.st_size - 1) != 1) {
      return SystemError("cannot read master key file", path);
    }
    if (last != '\n') line.insert(line.begin(), '\n');
  }
  auto written =
      WriteAll(fd.get(), reinterpret_cast<const uint8_t*>(line.data()), line.size(), path);
  sodium_memzero(line.data(), line.size());
  FG_RETURN_IF_ERROR(written);
  if (::fsync(fd.get()) != 0) return SystemError("cannot sync master key file", path);
  return id;
}

const KeyRing::Key& KeyRing::current() const {
  static const Key kNone{};
  return keys_.empty() ? kNone : keys_.back();
}

const KeyRing::Key* KeyRing::Find(std::string_view id) const {
  for (const Key& key : keys_) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

size_t KeyRing::size() const { return keys_.size(); }

// ---------------------------------------------------------------------------------------
// RecordingWriter

struct RecordingWriter::Impl {
  std::string path;
  int fd = -1;
  WrappedKey wrapped;
  crypto_secretstream_xchacha20poly1305_state state;
  crypto_hash_sha256_state hash;
  std::vector<uint8_t> plain_header;  // associated data of the first message
  uint64_t bytes = 0;
  bool first_message = true;
  bool finished = false;
  bool broken = false;  // a failed write leaves the file torn: refuse to go on

  ~Impl() {
    if (fd >= 0) ::close(fd);
    sodium_memzero(&state, sizeof(state));
  }

  Result<void> Emit(const std::vector<uint8_t>& bytes_out) {
    auto written = WriteAll(fd, bytes_out.data(), bytes_out.size(), path);
    if (!written) {
      broken = true;
      return written;
    }
    crypto_hash_sha256_update(&hash, bytes_out.data(), bytes_out.size());
    bytes += bytes_out.size();
    return {};
  }

  Result<void> Seal(std::span<const uint8_t> plain, unsigned char tag) {
    if (finished) return FailedPrecondition("recording already finished");
    if (broken) return FailedPrecondition("recording file " + path + " failed earlier");
    if (plain.size() > kMaxMessageSize - crypto_secretstream_xchacha20poly1305_ABYTES) {
      return InvalidArgument("segment", "larger than 64 MiB");
    }
    const uint32_t size =
        static_cast<uint32_t>(plain.size() + crypto_secretstream_xchacha20poly1305_ABYTES);
    std::vector<uint8_t> record;
    record.reserve(4 + size);
    PutLe32(record, size);
    record.resize(4 + size);
    const uint8_t* ad = first_message ? plain_header.data() : nullptr;
    const size_t ad_size = first_message ? plain_header.size() : 0;
    crypto_secretstream_xchacha20poly1305_push(&state, record.data() + 4, nullptr, plain.data(),
                                               plain.size(), ad, ad_size, tag);
    first_message = false;
    return Emit(record);
  }
};

RecordingWriter::RecordingWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecordingWriter::~RecordingWriter() = default;

Result<std::unique_ptr<RecordingWriter>> RecordingWriter::Create(const KeyRing& ring,
                                                                 const std::string& path,
                                                                 const std::string& recording_id) {
  FG_RETURN_IF_ERROR(InitSodium());
  FG_RETURN_IF_ERROR(CheckRecordingId(recording_id));
  if (ring.size() == 0) return FailedPrecondition("the master key ring is empty");
  const KeyRing::Key& master = ring.current();

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  // Wrap a fresh file key under the current master key.
  std::array<uint8_t, crypto_secretstream_xchacha20poly1305_KEYBYTES> key;
  crypto_secretstream_xchacha20poly1305_keygen(key.data());
  impl->wrapped.master_key_id = master.id;
  impl->wrapped.sealed.resize(kWrappedSize);
  uint8_t* nonce = impl->wrapped.sealed.data();
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const std::vector<uint8_t> ad = WrapAd(master.id, recording_id);
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                                             nullptr, key.data(), key.size(), ad.data(), ad.size(),
                                             nullptr, nonce, master.secret.data());

  std::array<uint8_t, crypto_secretstream_xchacha20poly1305_HEADERBYTES> stream_header;
  crypto_secretstream_xchacha20poly1305_init_push(&impl->state, stream_header.data(), key.data());
  sodium_memzero(key.data(), key.size());

  // O_EXCL: a recording is never written over another one.
  impl->fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (impl->fd < 0) {
    if (errno == EEXIST) {
      return MakeError(ErrorCode::kAlreadyExists, "recording file " + path + " already exists");
    }
    return SystemError("cannot create recording file", path);
  }
  crypto_hash_sha256_init(&impl->hash);
  impl->plain_header = PlainHeader(recording_id);
  std::vector<uint8_t> prefix = impl->plain_header;
  prefix.insert(prefix.end(), stream_header.begin(), stream_header.end());
  FG_RETURN_IF_ERROR(impl->Emit(prefix));
  return std::unique_ptr<RecordingWriter>(new RecordingWriter(std::move(impl)));
}

const WrappedKey& RecordingWriter::wrapped_key() const { return impl_->wrapped; }

Result<void> RecordingWriter::Append(std::span<const uint8_t> segment) {
  return impl_->Seal(segment, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
}

Result<std::string> RecordingWriter::Finish() {
  Impl& s = *impl_;
  FG_RETURN_IF_ERROR(s.Seal({}, crypto_secretstream_xchacha20poly1305_TAG_FINAL));
  s.finished = true;
  if (::fsync(s.fd) != 0) return SystemError("cannot sync recording file", s.path);
  if (::close(s.fd) != 0) {
    s.fd = -1;
    return SystemError("cannot close recording file", s.path);
  }
  s.fd = -1;
  FG_RETURN_IF_ERROR(SyncDirectoryOf(s.path));
  std::array<uint8_t, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256_final(&s.hash, digest.data());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), digest.data(), digest.size());
  return std::string(hex);
}

uint64_t RecordingWriter::bytes_written() const { return impl_->bytes; }

// ---------------------------------------------------------------------------------------
// RecordingReader

struct RecordingReader::Impl {
  std::string path;
  FILE* file = nullptr;
  crypto_secretstream_xchacha20poly1305_state state;
  std::vector<uint8_t> plain_header;
  bool first_message = true;
  bool done = false;
  std::optional<Error> failure;  // once damaged, always damaged

  ~Impl() {
    if (file != nullptr) std::fclose(file);
    sodium_memzero(&state, sizeof(state));
  }

  tl::unexpected<Error> Fail(std::string message) {
    failure = Error{ErrorCode::kDataLoss, std::move(message), {}};
    return tl::unexpected<Error>(*failure);
  }

  // Reads exactly `size` bytes; false at end of file or on a short read.
  bool ReadExactly(uint8_t* out, size_t size) { return std::fread(out, 1, size, file) == size; }
};

RecordingReader::RecordingReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecordingReader::~RecordingReader() = default;

Result<std::unique_ptr<RecordingReader>> RecordingReader::Open(const KeyRing& ring,
                                                               const std::string& path,
                                                               const std::string& recording_id,
                                                               const WrappedKey& key) {
  FG_RETURN_IF_ERROR(InitSodium());
  FG_RETURN_IF_ERROR(CheckRecordingId(recording_id));
  const KeyRing::Key* master = ring.Find(key.master_key_id);
  if (master == nullptr) {
    return FailedPrecondition("master key \"" + key.master_key_id +
                              "\" is not in the key ring (was it removed by a rotation?)");
  }
  if (key.sealed.size() != kWrappedSize) return DataLoss("wrapped recording key is damaged");
  std::array<uint8_t, crypto_secretstream_xchacha20poly1305_KEYBYTES> file_key;
  const std::vector<uint8_t> ad = WrapAd(master->id, recording_id);
  const uint8_t* nonce = key.sealed.data();
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          file_key.data(), nullptr, nullptr, nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          key.sealed.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, ad.data(), ad.size(),
          nonce, master->secret.data()) != 0) {
    return DataLoss("wrapped key does not belong to this recording or was altered");
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->file = std::fopen(path.c_str(), "rbe");
  if (impl->file == nullptr) {
    sodium_memzero(file_key.data(), file_key.size());
    return SystemError("cannot open recording file", path);
  }
  // The plain header: magic, then the recording id this file was written for.
  std::array<uint8_t, kMagicSize + 2> start;
  if (!impl->ReadExactly(start.data(), start.size()) ||
      std::memcmp(start.data(), kMagic, kMagicSize) != 0) {
    sodium_memzero(file_key.data(), file_key.size());
    return DataLoss("not a floorguard recording file (or its header is damaged): " + path);
  }
  const size_t id_size = static_cast<size_t>(start[kMagicSize] | (start[kMagicSize + 1] << 8));
  std::string file_id(id_size, '\0');
  if (id_size > kMaxIdSize ||
      !impl->ReadExactly(reinterpret_cast<uint8_t*>(file_id.data()), id_size) ||
      file_id != recording_id) {
    sodium_memzero(file_key.data(), file_key.size());
    return DataLoss("recording file " + path + " belongs to another recording");
  }
  impl->plain_header = PlainHeader(recording_id);
  std::array<uint8_t, crypto_secretstream_xchacha20poly1305_HEADERBYTES> stream_header;
  bool header_read = impl->ReadExactly(stream_header.data(), stream_header.size());
  int init = header_read ? crypto_secretstream_xchacha20poly1305_init_pull(
                               &impl->state, stream_header.data(), file_key.data())
                         : -1;
  sodium_memzero(file_key.data(), file_key.size());
  if (!header_read) return DataLoss("recording file " + path + " is truncated");
  if (init != 0) return DataLoss("recording file " + path + " has a damaged header");
  return std::unique_ptr<RecordingReader>(new RecordingReader(std::move(impl)));
}

Result<std::optional<std::vector<uint8_t>>> RecordingReader::Next() {
  Impl& s = *impl_;
  if (s.failure) return tl::unexpected<Error>(*s.failure);
  if (s.done) return std::optional<std::vector<uint8_t>>();
  std::array<uint8_t, 4> length_bytes;
  if (!s.ReadExactly(length_bytes.data(), length_bytes.size())) {
    return s.Fail("recording file " + s.path + " is truncated (no final tag)");
  }
  const uint32_t size = static_cast<uint32_t>(length_bytes[0]) |
                        (static_cast<uint32_t>(length_bytes[1]) << 8) |
                        (static_cast<uint32_t>(length_bytes[2]) << 16) |
                        (static_cast<uint32_t>(length_bytes[3]) << 24);
  if (size < crypto_secretstream_xchacha20poly1305_ABYTES || size > kMaxMessageSize) {
    return s.Fail("recording file " + s.path + " is damaged (bad message length)");
  }
  std::vector<uint8_t> cipher(size);
  if (!s.ReadExactly(cipher.data(), cipher.size())) {
    return s.Fail("recording file " + s.path + " is truncated (no final tag)");
  }
  std::vector<uint8_t> plain(size - crypto_secretstream_xchacha20poly1305_ABYTES);
  unsigned char tag = 0;
  const uint8_t* ad = s.first_message ? s.plain_header.data() : nullptr;
  const size_t ad_size = s.first_message ? s.plain_header.size() : 0;
  if (crypto_secretstream_xchacha20poly1305_pull(&s.state, plain.data(), nullptr, &tag,
                                                 cipher.data(), cipher.size(), ad, ad_size) != 0) {
    return s.Fail("recording file " + s.path + " failed authentication (altered or swapped)");
  }
  s.first_message = false;
  if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
    if (std::fgetc(s.file) != EOF) {
      return s.Fail("recording file " + s.path + " has data after its final tag");
    }
    s.done = true;
    if (plain.empty()) return std::optional<std::vector<uint8_t>>();
  } else if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
    return s.Fail("recording file " + s.path + " has an unexpected message tag");
  }
  return std::optional<std::vector<uint8_t>>(std::move(plain));
}

Result<std::vector<uint8_t>> RecordingReader::ReadAll() {
  std::vector<uint8_t> all;
  while (true) {
    FG_ASSIGN_OR_RETURN(auto segment, Next());
    if (!segment) return all;
    all.insert(all.end(), segment->begin(), segment->end());
  }
}

// ---------------------------------------------------------------------------------------

Result<std::string> HashFile(const std::string& path) {
  FG_RETURN_IF_ERROR(InitSodium());
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return SystemError("cannot open", path);
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<uint8_t> buffer(1 << 16);
  while (true) {
    ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      return SystemError("cannot read", path);
    }
    if (got == 0) break;
    crypto_hash_sha256_update(&state, buffer.data(), static_cast<size_t>(got));
  }
  std::array<uint8_t, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256_final(&state, digest.data());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), digest.data(), digest.size());
  return std::string(hex);
}

}  // namespace fg::recording
