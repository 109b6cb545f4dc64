// The configuration of pam_floorguard.so: where the floorguard server is, how the station
// proves who it is, and how long to wait.
//
// What it decides: whether a config file (and the token file it names) is safe and well formed.
// Parsing is strict: an unknown or repeated key, a bad value, a plain-HTTP URL to anything but
// a loopback host, or a token file that is not root-owned with no group/other permissions is
// refused with "FILE:LINE: problem", so a typo never leaves the module half-configured.
// What it never does: put the token into an error message.
// Thread-safety: pure functions; safe from any thread.
//
//   url        = https://fg.example:8443
//   token_file = /etc/floorguard/station.token      (or: token = fgd_...)
//   ca_file    = /etc/floorguard/ca.pem
//   timeout_ms = 5000
//
//   Result<Config> config = LoadConfig("/etc/floorguard/pam.conf");
//   if (!config) pam_syslog(pamh, LOG_ERR, "%s", config.error().message.c_str());
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/result.h"

namespace fg::pam {

inline constexpr const char* kDefaultConfigFile = "/etc/floorguard/pam.conf";
inline constexpr long kDefaultTimeoutMs = 5000;

struct Config {
  std::string url;    // scheme://host[:port][/prefix], no trailing slash
  std::string token;  // "fgd_...": the station's workstation device token
  std::string token_file;
  std::string ca_file;  // empty: the system's CA bundle
  long timeout_ms = kDefaultTimeoutMs;
};

// Who must own the config and token files (root; tests running as root too).
struct Ownership {
  uid_t owner = 0;
};

// Parses the text of a config file. `name` labels errors ("pam.conf:3: ..."). A token_file is
// recorded, not read: LoadConfig reads it.
Result<Config> ParseConfig(std::string_view text, std::string_view name);

// Reads and parses `path`, then reads the token file. Both files must be regular files owned by
// `ownership.owner` and not writable by group or others; a file holding the token (the token
// file, or the config when it has `token =`) must have no group or other permission at all.
Result<Config> LoadConfig(const std::string& path, Ownership ownership = {});

// https://host[:port][/prefix], or http:// to a loopback host (127.0.0.0/8, ::1, localhost).
Result<std::string> CheckUrl(std::string_view url);

// A device token is "fgd_" then URL-safe characters: nothing that could break a header.
bool LooksLikeToken(std::string_view token);

}  // namespace fg::pam
