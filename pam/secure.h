// Wiping secrets the module owns (passwords in request bodies, token file buffers) before
// their memory is freed, so they do not linger in the heap of a long-lived process (sshd, gdm).
#pragma once

#include <string.h>

#include <string>

namespace fg::pam {

inline void Wipe(std::string& text) {
  if (!text.empty()) ::explicit_bzero(text.data(), text.size());
  text.clear();
}

// Owns a secret string and wipes it when it goes out of scope.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string text) : text_(std::move(text)) {}
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString() { Wipe(text_); }

  std::string& get() { return text_; }
  const std::string& get() const { return text_; }

 private:
  std::string text_;
};

}  // namespace fg::pam
