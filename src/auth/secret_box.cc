// The key file is created the way the audit signing key is (src/audit/signer.cc): mode 0600,
// never overwritten, refused when others can read it. Creation writes a temporary file and
// links it into place, so a second process never sees a half-written key.
#include "auth/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "auth/internal/secrets.h"

namespace fg::auth {

namespace {

constexpr size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr int kBase64 = sodium_base64_VARIANT_ORIGINAL;
// A sealed TOTP seed is ~100 bytes; anything vastly larger is not ours.
constexpr size_t kMaxSealed = 1 << 20;

static_assert(kKeyBytes == 32, "SecretBox::key_ holds a 32-byte key");

tl::unexpected<Error> Failed(ErrorCode code, const std::filesystem::path& path, std::string what) {
  return MakeError(code, path.string() + ": " + std::move(what));
}

tl::unexpected<Error> NotOurs() {
  return InvalidArgument("sealed", "is not a sealed secret of this installation, or was altered");
}

Result<void> ReadKey(const std::filesystem::path& path, unsigned char* key) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return Failed(ErrorCode::kUnavailable, path,
                  std::string("cannot open: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Failed(ErrorCode::kUnavailable, path, "cannot stat");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Failed(ErrorCode::kFailedPrecondition, path, "is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return Failed(ErrorCode::kFailedPrecondition, path,
                  "is readable by group or others; run: chmod 600 " + path.string());
  }
  if (st.st_size != static_cast<off_t>(kKeyBytes)) {
    ::close(fd);
    return Failed(ErrorCode::kFailedPrecondition, path,
                  "does not hold a " + std::to_string(kKeyBytes) + "-byte key (size " +
                      std::to_string(st.st_size) + ")");
  }
  size_t got = 0;
  while (got < kKeyBytes) {
    ssize_t n = ::read(fd, key + got, kKeyBytes - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got != kKeyBytes) return Failed(ErrorCode::kUnavailable, path, "short read");
  return {};
}

// Writes a fresh key to a temporary file and links it to `path`. False (without error) when
// `path` appeared meanwhile: the caller reads that one.
Result<bool> CreateKey(const std::filesystem::path& path, const unsigned char* key) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  ::unlink(tmp.c_str());  // a leftover of a crashed run of this pid
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Failed(ErrorCode::kUnavailable, tmp,
                  std::string("cannot create: ") + std::strerror(errno));
  }
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, key, kKeyBytes) == static_cast<ssize_t>(kKeyBytes) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return Failed(ErrorCode::kUnavailable, tmp, "cannot write the key");
  }
  int linked = ::link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) return false;
    return Failed(ErrorCode::kUnavailable, path,
                  std::string("cannot create: ") + std::strerror(link_errno));
  }
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace

Result<SecretBox> SecretBox::OpenOrCreate(const std::filesystem::path& path) {
  if (!internal::EnsureSodium()) return Internal("libsodium failed to initialise");
  SecretBox box;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return Failed(ErrorCode::kUnavailable, path,
                    std::string("cannot stat: ") + std::strerror(errno));
    }
    crypto_aead_xchacha20poly1305_ietf_keygen(box.key_.data());
    FG_ASSIGN_OR_RETURN(bool created, CreateKey(path, box.key_.data()));
    if (created) return box;
  }
  FG_RETURN_IF_ERROR(ReadKey(path, box.key_.data()));
  return box;
}

SecretBox SecretBox::Ephemeral() {
  internal::EnsureSodium();
  SecretBox box;
  crypto_aead_xchacha20poly1305_ietf_keygen(box.key_.data());
  return box;
}

std::string SecretBox::Mac(std::string_view data, std::string_view context) const {
  internal::EnsureSodium();
  // A subkey, so the AEAD key is never used by a second primitive.
  unsigned char subkey[crypto_generichash_KEYBYTES];
  constexpr std::string_view kLabel = "floorguard secret-box mac subkey";
  crypto_generichash(subkey, sizeof subkey, reinterpret_cast<const unsigned char*>(kLabel.data()),
                     kLabel.size(), key_.data(), key_.size());
  crypto_generichash_state state;
  crypto_generichash_init(&state, subkey, sizeof subkey, 32);
  const uint64_t context_size = context.size();  // length-prefixed: no ambiguity at the seam
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(&context_size),
                            sizeof context_size);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(context.data()),
                            context.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
  unsigned char out[32];
  crypto_generichash_final(&state, out, sizeof out);
  sodium_memzero(subkey, sizeof subkey);
  char hex[sizeof out * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return std::string(hex, sizeof out * 2);
}

Result<std::string> SecretBox::Seal(std::string_view plaintext, std::string_view context) const {
  if (!internal::EnsureSodium()) return Internal("libsodium failed to initialise");
  if (plaintext.size() > kMaxSealed) return InvalidArgument("plaintext", "is too large to seal");
  std::vector<unsigned char> sealed(kNonceBytes + plaintext.size() + kTagBytes);
  randombytes_buf(sealed.data(), kNonceBytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      sealed.data() + kNonceBytes, &written,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(context.data()), context.size(), nullptr,
      sealed.data(), key_.data());
  std::string text(sodium_base64_ENCODED_LEN(sealed.size(), kBase64), '\0');
  sodium_bin2base64(text.data(), text.size(), sealed.data(), sealed.size(), kBase64);
  text.pop_back();  // the terminating NUL
  return text;
}

Result<std::string> SecretBox::Open(std::string_view sealed, std::string_view context) const {
  if (!internal::EnsureSodium()) return Internal("libsodium failed to initialise");
  // Too short to hold a nonce and a tag (an empty text would also hand libsodium a null
  // buffer), or longer than anything Seal makes.
  if (sealed.size() < kNonceBytes + kTagBytes || sealed.size() > 2 * kMaxSealed) {
    return NotOurs();
  }
  std::vector<unsigned char> bytes(sealed.size());
  size_t size = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), sealed.data(), sealed.size(), nullptr, &size,
                        nullptr, kBase64) != 0 ||
      size < kNonceBytes + kTagBytes) {
    return NotOurs();
  }
  std::string plain(size - kNonceBytes - kTagBytes, '\0');
  unsigned long long plain_size = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plain_size, nullptr,
          bytes.data() + kNonceBytes, size - kNonceBytes,
          reinterpret_cast<const unsigned char*>(context.data()), context.size(), bytes.data(),
          key_.data()) != 0) {
    return NotOurs();
  }
  plain.resize(static_cast<size_t>(plain_size));
  return plain;
}

}  // namespace fg::auth
