#include "app/config.h"

#include <toml++/toml.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <set>

namespace fg::app {

namespace {

std::string Where(const std::filesystem::path& file, const toml::source_region& region) {
  return file.string() + ":" + std::to_string(region.begin.line) + ":" +
         std::to_string(region.begin.column);
}

// Reads one table's keys into the config, rejecting unknown keys and wrong types.
class TableReader {
 public:
  TableReader(const std::filesystem::path& file, const toml::table& root, std::string name)
      : file_(file), name_(std::move(name)) {
    node_ = root.get(name_);
  }

  Result<void> Check(const std::set<std::string>& known) {
    if (node_ == nullptr) return {};
    if (!node_->is_table()) {
      return InvalidArgument(name_,
                             Where(file_, node_->source()) + ": [" + name_ + "] must be a table");
    }
    for (const auto& [key, value] : *node_->as_table()) {
      if (!known.contains(std::string(key.str()))) {
        return InvalidArgument(
            name_ + "." + std::string(key.str()),
            Where(file_, value.source()) + ": unknown key " + name_ + "." + std::string(key.str()));
      }
    }
    return {};
  }

  template <typename T>
  Result<void> Read(const std::string& key, T* out) {
    if (node_ == nullptr || !node_->is_table()) return {};
    const toml::node* value = node_->as_table()->get(key);
    if (value == nullptr) return {};
    std::string full = name_ + "." + key;
    if constexpr (std::is_same_v<T, std::string>) {
      if (!value->is_string()) return TypeError(full, *value, "a string");
      *out = value->as_string()->get();
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      const toml::array* array = value->as_array();
      if (array == nullptr) return TypeError(full, *value, "an array of strings");
      std::vector<std::string> items;
      for (const toml::node& item : *array) {
        if (!item.is_string()) return TypeError(full, item, "an array of strings");
        items.push_back(item.as_string()->get());
      }
      *out = std::move(items);
    } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
      const toml::array* array = value->as_array();
      if (array == nullptr) return TypeError(full, *value, "an array of integers");
      std::vector<int64_t> items;
      for (const toml::node& item : *array) {
        if (!item.is_integer()) return TypeError(full, item, "an array of integers");
        items.push_back(item.as_integer()->get());
      }
      *out = std::move(items);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!value->is_boolean()) return TypeError(full, *value, "true or false");
      *out = value->as_boolean()->get();
    } else {
      if (!value->is_integer()) return TypeError(full, *value, "an integer");
      int64_t v = value->as_integer()->get();
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
        return InvalidArgument(full,
                               Where(file_, value->source()) + ": " + full + " is out of range");
      }
      *out = static_cast<T>(v);
    }
    return {};
  }

  Result<void> Positive(const std::string& key, int64_t value, int64_t max) {
    if (value < 1 || value > max) {
      const toml::node* node =
          node_ != nullptr && node_->is_table() ? node_->as_table()->get(key) : nullptr;
      std::string where = node != nullptr ? Where(file_, node->source()) + ": " : "";
      return InvalidArgument(name_ + "." + key, where + name_ + "." + key + " must be from 1 to " +
                                                    std::to_string(max));
    }
    return {};
  }

 private:
  tl::unexpected<Error> TypeError(const std::string& key, const toml::node& value,
                                  std::string_view want) {
    return InvalidArgument(
        key, Where(file_, value.source()) + ": " + key + " must be " + std::string(want));
  }

  const std::filesystem::path& file_;
  std::string name_;
  const toml::node* node_ = nullptr;
};

}  // namespace

Result<Config> LoadConfig(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return InvalidArgument("config", "cannot read " + file.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ParseConfig(text, file);
}

Result<Config> ParseConfig(std::string_view text, const std::filesystem::path& file) {
  Config config;
  // Debian's toml++ is built with exceptions: parse errors arrive as toml::parse_error.
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& error) {
    std::string message =
        error.source().begin.line == 0
            ? file.string() + ": " + std::string(error.description())
            : Where(file, error.source()) + ": " + std::string(error.description());
    return InvalidArgument("config", message);
  }
  static const std::set<std::string> kTables = {
      "server", "tls",      "data",     "database",  "audit",    "session",
      "log",    "password", "totp",     "logon",     "syslog",   "detect",
      "alerts", "access",   "visitors", "retention", "recording"};
  for (const auto& [key, value] : root) {
    if (!kTables.contains(std::string(key.str()))) {
      return InvalidArgument(
          std::string(key.str()),
          Where(file, value.source()) + ": unknown section or key " + std::string(key.str()));
    }
  }

  TableReader server(file, root, "server");
  FG_RETURN_IF_ERROR(server.Check(
      {"listen", "io_threads", "worker_threads", "allow_plain_http", "max_body_bytes"}));
  FG_RETURN_IF_ERROR(server.Read("listen", &config.listen));
  FG_RETURN_IF_ERROR(server.Read("io_threads", &config.io_threads));
  FG_RETURN_IF_ERROR(server.Read("worker_threads", &config.worker_threads));
  FG_RETURN_IF_ERROR(server.Read("allow_plain_http", &config.allow_plain_http));
  FG_RETURN_IF_ERROR(server.Read("max_body_bytes", &config.max_body_bytes));
  FG_RETURN_IF_ERROR(server.Positive("io_threads", config.io_threads, 64));
  FG_RETURN_IF_ERROR(server.Positive("worker_threads", config.worker_threads, 256));
  FG_RETURN_IF_ERROR(server.Positive("max_body_bytes", config.max_body_bytes, 64 << 20));

  TableReader tls(file, root, "tls");
  FG_RETURN_IF_ERROR(tls.Check({"cert_file", "key_file"}));
  FG_RETURN_IF_ERROR(tls.Read("cert_file", &config.tls_cert_file));
  FG_RETURN_IF_ERROR(tls.Read("key_file", &config.tls_key_file));

  TableReader data(file, root, "data");
  FG_RETURN_IF_ERROR(data.Check({"dir"}));
  FG_RETURN_IF_ERROR(data.Read("dir", &config.data_dir));

  TableReader database(file, root, "database");
  FG_RETURN_IF_ERROR(database.Check({"durability", "max_batch"}));
  FG_RETURN_IF_ERROR(database.Read("durability", &config.durability));
  FG_RETURN_IF_ERROR(database.Read("max_batch", &config.max_batch));
  FG_RETURN_IF_ERROR(database.Positive("max_batch", config.max_batch, 1 << 20));

  TableReader audit(file, root, "audit");
  FG_RETURN_IF_ERROR(audit.Check({"checkpoint_every_entries", "checkpoint_interval_seconds"}));
  FG_RETURN_IF_ERROR(audit.Read("checkpoint_every_entries", &config.checkpoint_every_entries));
  FG_RETURN_IF_ERROR(
      audit.Read("checkpoint_interval_seconds", &config.checkpoint_interval_seconds));
  FG_RETURN_IF_ERROR(
      audit.Positive("checkpoint_every_entries", config.checkpoint_every_entries, 1'000'000));
  FG_RETURN_IF_ERROR(
      audit.Positive("checkpoint_interval_seconds", config.checkpoint_interval_seconds, 86400));

  TableReader session(file, root, "session");
  FG_RETURN_IF_ERROR(
      session.Check({"idle_timeout_minutes", "absolute_timeout_hours", "lockout_after_failures",
                     "lockout_window_minutes", "lockout_minutes"}));
  FG_RETURN_IF_ERROR(session.Read("lockout_after_failures", &config.lockout_after_failures));
  FG_RETURN_IF_ERROR(session.Read("lockout_window_minutes", &config.lockout_window_minutes));
  FG_RETURN_IF_ERROR(session.Read("lockout_minutes", &config.lockout_minutes));
  FG_RETURN_IF_ERROR(session.Positive("lockout_after_failures", config.lockout_after_failures, 10));
  FG_RETURN_IF_ERROR(
      session.Positive("lockout_window_minutes", config.lockout_window_minutes, 1440));
  FG_RETURN_IF_ERROR(session.Positive("lockout_minutes", config.lockout_minutes, 10080));
  if (config.lockout_minutes < 30) {
    return InvalidArgument("session.lockout_minutes",
                           file.string() +
                               ": session.lockout_minutes must be at least 30 "
                               "(PCI DSS 8.3.4)");
  }
  FG_RETURN_IF_ERROR(session.Read("idle_timeout_minutes", &config.idle_timeout_minutes));
  FG_RETURN_IF_ERROR(session.Read("absolute_timeout_hours", &config.absolute_timeout_hours));
  // PCI DSS 8.2.8: an idle session ends after at most 15 minutes.
  FG_RETURN_IF_ERROR(session.Positive("idle_timeout_minutes", config.idle_timeout_minutes, 15));
  FG_RETURN_IF_ERROR(session.Positive("absolute_timeout_hours", config.absolute_timeout_hours, 24));

  TableReader log(file, root, "log");
  FG_RETURN_IF_ERROR(log.Check({"level"}));
  FG_RETURN_IF_ERROR(log.Read("level", &config.log_level));

  TableReader password(file, root, "password");
  FG_RETURN_IF_ERROR(password.Check({"blocklist_file"}));
  FG_RETURN_IF_ERROR(password.Read("blocklist_file", &config.password_blocklist_file));

  TableReader totp(file, root, "totp");
  FG_RETURN_IF_ERROR(totp.Check({"required_roles"}));
  FG_RETURN_IF_ERROR(totp.Read("required_roles", &config.totp_required_roles));

  TableReader logon(file, root, "logon");
  FG_RETURN_IF_ERROR(logon.Check({"presence_mode", "single_session_mode", "require_totp",
                                  "idle_minutes", "max_idle_hours", "walk_away_lock"}));
  FG_RETURN_IF_ERROR(logon.Read("walk_away_lock", &config.logon_walk_away_lock));
  FG_RETURN_IF_ERROR(logon.Read("presence_mode", &config.presence_mode));
  FG_RETURN_IF_ERROR(logon.Read("single_session_mode", &config.single_session_mode));
  FG_RETURN_IF_ERROR(logon.Read("require_totp", &config.logon_require_totp));
  FG_RETURN_IF_ERROR(logon.Read("idle_minutes", &config.station_idle_minutes));
  FG_RETURN_IF_ERROR(logon.Read("max_idle_hours", &config.station_session_max_idle_hours));
  FG_RETURN_IF_ERROR(logon.Positive("idle_minutes", config.station_idle_minutes, 15));
  FG_RETURN_IF_ERROR(logon.Positive("max_idle_hours", config.station_session_max_idle_hours, 24));

  TableReader syslog(file, root, "syslog");
  FG_RETURN_IF_ERROR(syslog.Check({"udp_listen", "tcp_listen"}));
  FG_RETURN_IF_ERROR(syslog.Read("udp_listen", &config.syslog_udp_listen));
  FG_RETURN_IF_ERROR(syslog.Read("tcp_listen", &config.syslog_tcp_listen));

  TableReader detect(file, root, "detect");
  FG_RETURN_IF_ERROR(detect.Check(
      {"account_failures", "account_window_minutes", "account_lock_minutes", "source_failures",
       "source_window_minutes", "source_ban_minutes", "source_ban_max_hours", "spray_accounts",
       "spray_window_minutes", "guess_sources", "guess_window_minutes", "sharing_ends_sessions"}));
  struct Bounded {
    const char* key;
    int64_t* value;
    int64_t max;
  };
  for (const Bounded& field :
       {Bounded{"account_failures", &config.account_failures, 10},
        Bounded{"account_window_minutes", &config.account_window_minutes, 1440},
        Bounded{"account_lock_minutes", &config.account_lock_minutes, 10080},
        Bounded{"source_failures", &config.source_failures, 100000},
        Bounded{"source_window_minutes", &config.source_window_minutes, 1440},
        Bounded{"source_ban_minutes", &config.source_ban_minutes, 10080},
        Bounded{"source_ban_max_hours", &config.source_ban_max_hours, 720},
        Bounded{"spray_accounts", &config.spray_accounts, 10000},
        Bounded{"spray_window_minutes", &config.spray_window_minutes, 1440},
        Bounded{"guess_sources", &config.guess_sources, 10000},
        Bounded{"guess_window_minutes", &config.guess_window_minutes, 1440}}) {
    FG_RETURN_IF_ERROR(detect.Read(field.key, field.value));
    FG_RETURN_IF_ERROR(detect.Positive(field.key, *field.value, field.max));
  }
  FG_RETURN_IF_ERROR(detect.Read("sharing_ends_sessions", &config.sharing_ends_sessions));
  if (config.account_lock_minutes < 30) {
    return InvalidArgument(
        "detect.account_lock_minutes",
        file.string() + ": detect.account_lock_minutes must be at least 30 (PCI DSS 8.3.4)");
  }

  TableReader alerts(file, root, "alerts");
  FG_RETURN_IF_ERROR(alerts.Check(
      {"webhook_url", "webhook_token_file", "webhook_ca_file", "cef_syslog", "ban_command"}));
  FG_RETURN_IF_ERROR(alerts.Read("webhook_url", &config.alert_webhook_url));
  FG_RETURN_IF_ERROR(alerts.Read("webhook_token_file", &config.alert_webhook_token_file));
  FG_RETURN_IF_ERROR(alerts.Read("webhook_ca_file", &config.alert_webhook_ca_file));
  FG_RETURN_IF_ERROR(alerts.Read("cef_syslog", &config.alert_cef_syslog));
  FG_RETURN_IF_ERROR(alerts.Read("ban_command", &config.ban_command));

  TableReader access(file, root, "access");
  FG_RETURN_IF_ERROR(access.Check({"door_offline_after_seconds", "offline_max_event_age_days",
                                   "device_alert_after_seconds", "device_sighting_gap_seconds",
                                   "device_retention_days"}));
  for (const Bounded& field :
       {Bounded{"door_offline_after_seconds", &config.access_door_offline_after_seconds, 86400},
        Bounded{"offline_max_event_age_days", &config.access_offline_max_event_age_days, 365},
        Bounded{"device_alert_after_seconds", &config.access_device_alert_after_seconds, 86400},
        Bounded{"device_sighting_gap_seconds", &config.access_device_sighting_gap_seconds, 3600},
        Bounded{"device_retention_days", &config.access_device_retention_days, 3650}}) {
    FG_RETURN_IF_ERROR(access.Read(field.key, field.value));
    FG_RETURN_IF_ERROR(access.Positive(field.key, *field.value, field.max));
  }

  TableReader retention(file, root, "retention");
  FG_RETURN_IF_ERROR(
      retention.Check({"logon_events_days", "syslog_events_days", "badge_passages_days",
                       "door_events_days", "device_violations_days", "resolved_alerts_days",
                       "audit_days", "recordings_days", "call_records_days"}));
  for (const Bounded& field :
       {Bounded{"logon_events_days", &config.retention_logon_events_days, 3650},
        Bounded{"syslog_events_days", &config.retention_syslog_events_days, 3650},
        Bounded{"badge_passages_days", &config.retention_badge_passages_days, 3650},
        Bounded{"door_events_days", &config.retention_door_events_days, 3650},
        Bounded{"device_violations_days", &config.retention_device_violations_days, 3650},
        Bounded{"resolved_alerts_days", &config.retention_resolved_alerts_days, 3650},
        Bounded{"audit_days", &config.retention_audit_days, 36500},
        Bounded{"recordings_days", &config.retention_recordings_days, 3650},
        Bounded{"call_records_days", &config.retention_call_records_days, 3650}}) {
    FG_RETURN_IF_ERROR(retention.Read(field.key, field.value));
    FG_RETURN_IF_ERROR(retention.Positive(field.key, *field.value, field.max));
  }
  if (config.retention_audit_days < 365) {
    return InvalidArgument(
        "retention.audit_days",
        file.string() + ": retention.audit_days must be at least 365 (PCI DSS 10.5.1)");
  }
  if (config.retention_logon_events_days < 365) {
    return InvalidArgument(
        "retention.logon_events_days",
        file.string() + ": retention.logon_events_days must be at least 365 (PCI DSS 10.5.1)");
  }

  TableReader visitors(file, root, "visitors");
  FG_RETURN_IF_ERROR(
      visitors.Check({"overdue_grace_minutes", "retention_days", "max_visit_hours"}));
  for (const Bounded& field :
       {Bounded{"overdue_grace_minutes", &config.visitors_overdue_grace_minutes, 1440},
        Bounded{"retention_days", &config.visitors_retention_days, 3650},
        Bounded{"max_visit_hours", &config.visitors_max_visit_hours, 168}}) {
    FG_RETURN_IF_ERROR(visitors.Read(field.key, field.value));
    FG_RETURN_IF_ERROR(visitors.Positive(field.key, *field.value, field.max));
  }

  TableReader recording(file, root, "recording");
  FG_RETURN_IF_ERROR(recording.Check(
      {"enabled", "interface", "filter", "sip_ports", "trunk_addresses", "internal_number_pattern",
       "jitter_ms", "inactivity_timeout_seconds", "max_pause_seconds", "encoder_threads",
       "opus_complexity", "opus_bitrate", "segment_seconds", "key_file"}));
  FG_RETURN_IF_ERROR(recording.Read("enabled", &config.recording_enabled));
  FG_RETURN_IF_ERROR(recording.Read("interface", &config.recording_interface));
  FG_RETURN_IF_ERROR(recording.Read("filter", &config.recording_filter));
  FG_RETURN_IF_ERROR(recording.Read("sip_ports", &config.recording_sip_ports));
  FG_RETURN_IF_ERROR(recording.Read("trunk_addresses", &config.recording_trunk_addresses));
  FG_RETURN_IF_ERROR(
      recording.Read("internal_number_pattern", &config.recording_internal_number_pattern));
  FG_RETURN_IF_ERROR(recording.Read("key_file", &config.recording_key_file));
  for (const Bounded& field :
       {Bounded{"jitter_ms", &config.recording_jitter_ms, 2000},
        Bounded{"inactivity_timeout_seconds", &config.recording_inactivity_timeout_seconds, 86400},
        Bounded{"max_pause_seconds", &config.recording_max_pause_seconds, 86400},
        Bounded{"opus_bitrate", &config.recording_opus_bitrate, 256000},
        Bounded{"segment_seconds", &config.recording_segment_seconds, 3600}}) {
    FG_RETURN_IF_ERROR(recording.Read(field.key, field.value));
    FG_RETURN_IF_ERROR(recording.Positive(field.key, *field.value, field.max));
  }
  FG_RETURN_IF_ERROR(recording.Read("encoder_threads", &config.recording_encoder_threads));
  if (config.recording_encoder_threads < 0 || config.recording_encoder_threads > 64) {
    return InvalidArgument(
        "recording.encoder_threads",
        file.string() + ": recording.encoder_threads must be from 0 (one per core) to 64");
  }
  FG_RETURN_IF_ERROR(recording.Read("opus_complexity", &config.recording_opus_complexity));
  if (config.recording_opus_complexity < 0 || config.recording_opus_complexity > 10) {
    return InvalidArgument("recording.opus_complexity",
                           file.string() + ": recording.opus_complexity must be from 0 to 10");
  }
  for (int64_t port : config.recording_sip_ports) {
    if (port < 1 || port > 65535) {
      return InvalidArgument("recording.sip_ports",
                             file.string() + ": recording.sip_ports must be ports from 1 to 65535");
    }
  }

  FG_RETURN_IF_ERROR(Validate(config));
  return config;
}

bool IsLoopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

Result<ListenAddress> ParseListen(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return InvalidArgument("server.listen", "must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535) {
    return InvalidArgument("server.listen", "port must be a number from 0 to 65535");
  }
  return ListenAddress{std::string(host), static_cast<uint16_t>(port)};
}

Result<void> Validate(const Config& config) {
  FG_ASSIGN_OR_RETURN(ListenAddress listen, ParseListen(config.listen));
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return InvalidArgument("tls", "tls.cert_file and tls.key_file go together");
  }
  if (!config.tls() && !IsLoopback(listen.host) && !config.allow_plain_http) {
    return InvalidArgument(
        "server.listen",
        "refusing plain HTTP on " + listen.host +
            ": configure [tls] cert_file and key_file, or set server.allow_plain_http = true");
  }
  if (config.durability != "full" && config.durability != "normal") {
    return InvalidArgument("database.durability", "must be \"full\" or \"normal\"");
  }
  for (const char* key : {"presence_mode", "single_session_mode"}) {
    const std::string& mode = std::string_view(key) == "presence_mode" ? config.presence_mode
                                                                       : config.single_session_mode;
    if (mode != "enforce" && mode != "monitor" && mode != "off") {
      return InvalidArgument(std::string("logon.") + key, "must be enforce, monitor or off");
    }
  }
  static const std::set<std::string> kConsoleRoles = {"admin", "security", "supervisor", "auditor"};
  for (const std::string& role : config.totp_required_roles) {
    if (!kConsoleRoles.contains(role)) {
      return InvalidArgument(
          "totp.required_roles",
          "unknown console role \"" + role + "\" (admin, security, supervisor, auditor)");
    }
  }
  for (const auto& [key, listen] : {std::pair{"syslog.udp_listen", &config.syslog_udp_listen},
                                    std::pair{"syslog.tcp_listen", &config.syslog_tcp_listen},
                                    std::pair{"alerts.cef_syslog", &config.alert_cef_syslog}}) {
    if (listen->empty()) continue;
    auto parsed = ParseListen(*listen);
    if (!parsed) return InvalidArgument(key, "must be ADDRESS:PORT, e.g. 127.0.0.1:5514");
  }
  if (!config.alert_webhook_url.empty() && !config.alert_webhook_url.starts_with("https://") &&
      !config.alert_webhook_url.starts_with("http://127.") &&
      !config.alert_webhook_url.starts_with("http://localhost")) {
    return InvalidArgument("alerts.webhook_url",
                           "must be https:// (plain http only to a loopback address)");
  }
  if (!config.ban_command.empty() && !config.ban_command.front().starts_with("/")) {
    return InvalidArgument("alerts.ban_command",
                           "the program must be an absolute path (no shell, no PATH search)");
  }
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
  if (!kLevels.contains(config.log_level)) {
    return InvalidArgument("log.level", "must be one of trace, debug, info, warn, error, off");
  }
  return {};
}

}  // namespace fg::app
