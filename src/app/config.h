// Config: every setting floorguard reads, its default, and the TOML file that overrides it.
//
// Defaults are safe: loopback only, full fsync, 15-minute idle sessions. A bad file stops
// start-up with "file:line:column: key: problem". Unknown keys are errors, so a typo never
// silently leaves a default in force. docs/configuration.md lists every key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"

namespace fg::app {

struct Config {
  // [server]
  std::string listen = "127.0.0.1:8080";
  int io_threads = 2;
  int worker_threads = 32;        // writes wait in fsync here: more waiters, fuller group commits
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
  // [password]
  std::string password_blocklist_file;  // extra entries, one per line, added to the built-in list
  // [totp]
  std::vector<std::string> totp_required_roles;  // console roles that must enrol TOTP
  // [logon] workstation logon decisions
  std::string presence_mode = "monitor";        // enforce | monitor | off
  std::string single_session_mode = "enforce";  // enforce | monitor | off
  bool logon_require_totp = false;
  bool logon_walk_away_lock = true;            // badging out of a station's zone locks the session
  int64_t station_idle_minutes = 15;           // PCI DSS 8.2.8
  int64_t station_session_max_idle_hours = 8;  // an idle station session ends after this
  int64_t shift_grace_minutes = 15;  // a logon this early before a scheduled window is on shift
  // [syslog] intake; "" leaves a listener off
  std::string syslog_udp_listen;
  std::string syslog_tcp_listen;
  // [detect] thresholds of the detectors (workforce logons and syslog intake)
  int64_t account_failures = 6;  // PCI DSS 8.3.4: at most 10
  int64_t account_window_minutes = 15;
  int64_t account_lock_minutes = 30;  // PCI DSS 8.3.4: at least 30
  int64_t source_failures = 20;
  int64_t source_window_minutes = 10;
  int64_t source_ban_minutes = 15;    // doubles with each repeat...
  int64_t source_ban_max_hours = 24;  // ...up to this
  int64_t spray_accounts = 5;
  int64_t spray_window_minutes = 10;
  int64_t guess_sources = 5;
  int64_t guess_window_minutes = 30;
  bool sharing_ends_sessions = false;  // credential sharing: end the account's sessions too
  // [alerts] where alerts go besides the store and the console
  std::string alert_webhook_url;
  std::string alert_webhook_token_file;  // bearer token for the webhook, read at start
  std::string alert_webhook_ca_file;
  std::string alert_cef_syslog;          // HOST:PORT, UDP
  std::vector<std::string> ban_command;  // argv; {address} and {seconds} are substituted
  // [access] door controllers, offline caches and personal devices
  int64_t access_door_offline_after_seconds = 120;  // a silent controller is offline after this
  int64_t access_offline_max_event_age_days = 30;   // older offline uploads are refused
  int64_t access_device_alert_after_seconds = 120;  // unregistered device in a secure zone
  int64_t access_device_sighting_gap_seconds = 60;  // a longer gap starts a new episode
  int64_t access_device_retention_days = 30;        // stored device episodes
  // [retention] days each kind of data is kept (app/retention.h)
  int64_t retention_logon_events_days = 365;  // PCI DSS 10.5.1: 12 months of logs
  int64_t retention_syslog_events_days = 365;
  int64_t retention_badge_passages_days = 365;
  int64_t retention_door_events_days = 365;
  int64_t retention_device_violations_days = 730;
  int64_t retention_resolved_alerts_days = 730;
  int64_t retention_audit_days = 365;  // at least 365; the trail itself is never purged here
  int64_t retention_recordings_days = 90;     // call audio: crypto-shredded after this
  int64_t retention_call_records_days = 365;  // call rows (no audio) and imported CDRs
  // [visitors] the front desk
  int64_t visitors_overdue_grace_minutes = 15;
  int64_t visitors_retention_days = 30;  // names and photos of past visits are purged after this
  int64_t visitors_max_visit_hours = 24;
  // [recording] call capture (recording/recorder.h); serve captures only when enabled
  bool recording_enabled = false;
  std::string recording_interface = "lo";
  std::string recording_filter = "udp or tcp";
  std::vector<int64_t> recording_sip_ports = {5060};
  std::vector<std::string> recording_trunk_addresses;
  std::string recording_internal_number_pattern = "^[0-9]{2,6}$";
  int64_t recording_jitter_ms = 200;
  int64_t recording_inactivity_timeout_seconds = 60;
  int64_t recording_max_pause_seconds = 300;
  int64_t recording_encoder_threads = 0;  // 0: one per CPU the process may use
  int64_t recording_opus_complexity = 0;
  int64_t recording_opus_bitrate = 24000;
  int64_t recording_segment_seconds = 10;
  std::string recording_key_file;  // default DATA/recording-keys; FLOORGUARD_RECORDING_KEYS wins

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
