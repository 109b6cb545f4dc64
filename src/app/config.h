// Config: every setting floorguard reads, its default, and the TOML file that overrides it.
//
// Defaults are safe: loopback only, full fsync, 15-minute idle sessions. A bad file stops
// start-up with "file:line:column: key: problem". Unknown keys are errors, so a typo never
// silently leaves a default in force. docs/configuration.md lists every key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/result.h"

namespace fg::app {

struct Config {
  // [server]
  std::string listen = "127.0.0.1:8080";
  int io_threads = 2;
  int worker_threads = 4;
  bool allow_plain_http = false;  // plain HTTP on a non-loopback address
  int64_t max_body_bytes = 1 << 20;
  // [tls]
  std::string tls_cert_file;
  std::string tls_key_file;
  // [data]
  std::string data_dir = "./var";
  // [database]
  std::string durability = "full";  // full | normal
  int64_t max_batch = 4096;
  // [audit]
  int64_t checkpoint_every_entries = 1000;
  int64_t checkpoint_interval_seconds = 60;
  // [session]
  int64_t idle_timeout_minutes = 15;
  int64_t absolute_timeout_hours = 12;
  int64_t lockout_after_failures = 6;  // PCI DSS 8.3.4: at most 10
  int64_t lockout_window_minutes = 15;
  int64_t lockout_minutes = 30;  // PCI DSS 8.3.4: at least 30
  // [log]
  std::string log_level = "info";

  bool tls() const { return !tls_cert_file.empty(); }
};

// Reads a TOML file over the defaults.
Result<Config> LoadConfig(const std::filesystem::path& file);
// The same for TOML text; `source_name` stands for the file in messages.
Result<Config> ParseConfig(std::string_view text, const std::filesystem::path& source_name);
// Checks cross-field rules (listen syntax, TLS pair, plain HTTP off loopback).
Result<void> Validate(const Config& config);

struct ListenAddress {
  std::string host;
  uint16_t port;
};
Result<ListenAddress> ParseListen(std::string_view text);
bool IsLoopback(std::string_view host);

}  // namespace fg::app
