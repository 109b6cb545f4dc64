// The checkpoint signing key: Ed25519 from libsodium, one secret file with mode 0600.
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "audit/audit.h"

namespace fg::audit {

namespace {

Result<std::string> ReadSmallFile(const std::filesystem::path& file, size_t max) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot read " + file.string());
  std::string data(max + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > max) return MakeError(ErrorCode::kDataLoss, file.string() + " is too large");
  return data;
}

Result<void> WriteNewFile(const std::filesystem::path& file, std::string_view data, mode_t mode) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create " + file.string() + ": " + std::strerror(errno));
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return MakeError(ErrorCode::kUnavailable, "cannot write " + file.string());
  return {};
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

}  // namespace

Result<Signer> Signer::Load(const std::filesystem::path& dir) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  auto file = dir / kSecretKeyFile;
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return MakeError(ErrorCode::kNotFound,
                     "no audit signing key at " + file.string() + " (run `floorguard init` first)");
  }
  if ((st.st_mode & 077) != 0) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     file.string() + " is readable by others; run: chmod 600 " + file.string());
  }
  FG_ASSIGN_OR_RETURN(std::string hex, ReadSmallFile(file, 256));
  hex = Trim(hex);
  Signer signer;
  size_t len = 0;
  if (sodium_hex2bin(signer.secret_key_.data(), signer.secret_key_.size(), hex.data(), hex.size(),
                     nullptr, &len, nullptr) != 0 ||
      len != signer.secret_key_.size()) {
    return MakeError(ErrorCode::kDataLoss, file.string() + " does not hold an Ed25519 key");
  }
  crypto_sign_ed25519_sk_to_pk(signer.public_key_.data(), signer.secret_key_.data());
  return signer;
}

Result<Signer> Signer::LoadOrCreate(const std::filesystem::path& dir) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  if (std::filesystem::exists(dir / kSecretKeyFile)) return Load(dir);
  Signer signer;
  crypto_sign_keypair(signer.public_key_.data(), signer.secret_key_.data());
  std::string sk_hex(signer.secret_key_.size() * 2 + 1, '\0');
  sodium_bin2hex(sk_hex.data(), sk_hex.size(), signer.secret_key_.data(),
                 signer.secret_key_.size());
  sk_hex.pop_back();
  std::string pk_hex(signer.public_key_.size() * 2 + 1, '\0');
  sodium_bin2hex(pk_hex.data(), pk_hex.size(), signer.public_key_.data(),
                 signer.public_key_.size());
  pk_hex.pop_back();
  FG_RETURN_IF_ERROR(WriteNewFile(dir / kSecretKeyFile, sk_hex + "\n", 0600));
  std::error_code ec;
  std::filesystem::remove(dir / kPublicKeyFile, ec);
  FG_RETURN_IF_ERROR(WriteNewFile(dir / kPublicKeyFile, pk_hex + "\n", 0644));
  sodium_memzero(sk_hex.data(), sk_hex.size());
  return signer;
}

std::string Signer::Sign(std::string_view message) const {
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_key_.data());
  return signature;
}

Result<std::array<unsigned char, 32>> LoadPublicKey(const std::filesystem::path& file) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  FG_ASSIGN_OR_RETURN(std::string hex, ReadSmallFile(file, 256));
  hex = Trim(hex);
  std::array<unsigned char, 32> key{};
  size_t len = 0;
  if (sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &len, nullptr) != 0 ||
      len != key.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     file.string() + " does not hold an Ed25519 public key");
  }
  return key;
}

}  // namespace fg::audit
