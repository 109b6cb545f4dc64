#include "app/defense.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <thread>

#include "app/detect_config.h"
#include "app/runtime.h"
#include "app/version.h"
#include "core/event_bus.h"
#include "detect/defender.h"
#include "detect/sinks.h"
#include "identity/identity.h"
#include "logs/auth_event.h"
#include "logs/intake.h"
#include "logs/net/syslog_receiver.h"

namespace fg::app {

namespace {

constexpr const char* kActor = "system:detect";
constexpr size_t kSyslogQueueCapacity = 10000;

// The detectors' actions, carried out by identity.
class IdentityResponder final : public detect::Responder {
 public:
  IdentityResponder(identity::Identity& identity, core::Clock& clock)
      : identity_(identity), clock_(clock) {}

  Result<void> LockAccount(std::string_view username, std::optional<core::WallTime> until,
                           std::string_view reason) override {
    // "Until an administrator unlocks it": a date no lock outlives.
    core::WallTime end = until.value_or(clock_.WallNow() + std::chrono::hours(24 * 365 * 100));
    return identity_.LockAccount(username, end, reason, kActor);
  }
  Result<void> BanSource(std::string_view source_key, core::WallTime until,
                         std::string_view reason) override {
    return identity_.BanSource(source_key, until, reason, kActor);
  }
  Result<void> EndSessions(std::string_view username, std::string_view reason) override {
    FG_ASSIGN_OR_RETURN(int64_t ended, identity_.EndSessions(username, reason, kActor));
    (void)ended;
    return {};
  }

 private:
  identity::Identity& identity_;
  core::Clock& clock_;
};

Result<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("alerts.webhook_token_file", "cannot read " + path);
  std::string secret;
  std::getline(in, secret);
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  return secret;
}

}  // namespace

struct Defense::Impl {
  Runtime* rt = nullptr;
  std::unique_ptr<detect::Engine> engine;
  std::unique_ptr<detect::Alerts> alerts;
  std::unique_ptr<IdentityResponder> responder;
  std::unique_ptr<detect::SyslogCefSink> cef;
  std::unique_ptr<detect::WebhookSink> webhook;
  std::unique_ptr<detect::BanCommand> ban_command;
  std::unique_ptr<detect::Defender> defender;
  core::Subscription logons;
  core::Subscription unlocks;
  core::Subscription unbans;
  std::unique_ptr<logs::Intake> intake;
  std::vector<std::unique_ptr<logs::SyslogReceiver>> receivers;
  int udp_port = 0;
  int tcp_port = 0;

  // Syslog events wait here for the defence thread.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<logs::AuthEvent> queue;
  bool stopping = false;
  bool stopped = false;
  uint64_t queued = 0;
  uint64_t dropped = 0;
  std::thread worker;

  void Enqueue(const logs::AuthEvent& event) {
    {
      std::lock_guard lock(mu);
      if (stopping || queue.size() >= kSyslogQueueCapacity) {
        ++dropped;
        return;
      }
      queue.push_back(event);
      ++queued;
    }
    cv.notify_one();
  }

  void Run() {
    std::unique_lock lock(mu);
    while (true) {
      cv.wait(lock, [this] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping and drained
      logs::AuthEvent event = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      // "message repeated N times" stands for N attempts; a bound keeps one line cheap.
      for (int i = 0; i < std::clamp(event.count, 1, 100); ++i) defender->Handle(event);
      lock.lock();
    }
  }
};

Defense::Defense(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Defense::~Defense() { Stop(); }
detect::Alerts& Defense::alerts() { return *impl_->alerts; }
Result<int64_t> Defense::RaiseAlert(const detect::AlertInput& input) {
  return impl_->defender->Raise(input);
}
logs::Intake* Defense::intake() { return impl_->intake.get(); }
int Defense::syslog_udp_port() const { return impl_->udp_port; }
int Defense::syslog_tcp_port() const { return impl_->tcp_port; }

DefenseStats Defense::Stats() const {
  DefenseStats stats;
  {
    std::lock_guard lock(impl_->mu);
    stats.syslog_events_queued = impl_->queued;
    stats.syslog_events_dropped = impl_->dropped;
  }
  stats.engine = impl_->engine->Stats();
  return stats;
}

std::string Defense::PrometheusText() const {
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + std::to_string(value) + "\n";
  };
  DefenseStats stats = Stats();
  metric("floorguard_detect_events_total", "counter", "Authentication events seen by the detectors",
         stats.engine.events);
  metric("floorguard_detect_findings_total", "counter", "Findings of the detectors",
         stats.engine.findings);
  metric("floorguard_detect_evicted_keys_total", "counter",
         "Tracked accounts or sources evicted to bound memory", stats.engine.evicted_keys);
  metric("floorguard_syslog_events_dropped_total", "counter",
         "Syslog authentication events the defence queue could not take",
         stats.syslog_events_dropped);
  logs::ReceiverCounters received{};
  for (const auto& receiver : impl_->receivers) {
    logs::ReceiverCounters c = receiver->counters();
    received.received += c.received;
    received.parsed += c.parsed;
    received.auth_events += c.auth_events;
    received.unparseable += c.unparseable;
    received.dropped += c.dropped;
  }
  metric("floorguard_syslog_received_total", "counter", "Syslog messages received",
         received.received);
  metric("floorguard_syslog_unparseable_total", "counter",
         "Syslog messages that did not parse (kept raw)", received.unparseable);
  metric("floorguard_syslog_auth_events_total", "counter",
         "Authentication results found in syslog messages", received.auth_events);
  metric("floorguard_syslog_receiver_dropped_total", "counter",
         "Syslog messages the receiver dropped (oversize, connection limit)", received.dropped);
  // The intake's own counts (GET /api/v1/log-events/counts) need a table scan: not per scrape.
  return out;
}

Result<std::unique_ptr<Defense>> Defense::Start(Runtime& rt, const Config& config) {
  auto impl = std::make_unique<Impl>();
  impl->rt = &rt;
  FG_RETURN_IF_ERROR(rt.db->Migrate("detect", detect::Alerts::Migrations()));
  FG_ASSIGN_OR_RETURN(detect::Thresholds thresholds, ThresholdsFromConfig(config));
  impl->engine = std::make_unique<detect::Engine>(rt.clock, thresholds);
  impl->alerts = std::make_unique<detect::Alerts>(*rt.db, *rt.log, rt.clock, rt.bus);
  impl->responder = std::make_unique<IdentityResponder>(*rt.identity, rt.clock);

  std::vector<detect::AlertSink*> sinks;
  if (!config.alert_cef_syslog.empty()) {
    FG_ASSIGN_OR_RETURN(ListenAddress to, ParseListen(config.alert_cef_syslog));
    FG_ASSIGN_OR_RETURN(impl->cef, detect::SyslogCefSink::Start(
                                       {.host = to.host, .port = to.port, .version = kVersion}));
    sinks.push_back(impl->cef.get());
  }
  if (!config.alert_webhook_url.empty()) {
    detect::WebhookOptions options{.url = config.alert_webhook_url,
                                   .ca_file = config.alert_webhook_ca_file};
    if (!config.alert_webhook_token_file.empty()) {
      FG_ASSIGN_OR_RETURN(options.bearer_secret, ReadSecretFile(config.alert_webhook_token_file));
    }
    FG_ASSIGN_OR_RETURN(impl->webhook, detect::WebhookSink::Start(std::move(options)));
    sinks.push_back(impl->webhook.get());
  }
  if (!config.ban_command.empty()) {
    FG_ASSIGN_OR_RETURN(impl->ban_command, detect::BanCommand::Start({.argv = config.ban_command}));
  }
  impl->defender = std::make_unique<detect::Defender>(
      *impl->engine, *impl->alerts, *impl->responder, std::move(sinks), impl->ban_command.get());

  // Workstation logons: handled on the publishing thread, before the workstation's answer.
  Impl* raw = impl.get();
  impl->logons = rt.bus.Subscribe<logs::AuthEvent>(
      [raw](const logs::AuthEvent& event) { raw->defender->Handle(event); });
  // An operator's unlock also resets the detectors' memory of the account, so a renewed
  // attack locks it again at once instead of waiting out the old lock's suppression.
  impl->unlocks = rt.bus.Subscribe<identity::AccountUnlocked>(
      [raw](const identity::AccountUnlocked& event) { raw->engine->ClearAccount(event.username); });
  impl->unbans = rt.bus.Subscribe<identity::SourceUnbanned>(
      [raw](const identity::SourceUnbanned& event) { raw->engine->ClearSource(event.source); });

  if (!config.syslog_udp_listen.empty() || !config.syslog_tcp_listen.empty()) {
    FG_ASSIGN_OR_RETURN(impl->intake,
                        logs::Intake::Open(*rt.db, rt.clock, {.audit = rt.log.get()}));
    impl->worker = std::thread([raw] { raw->Run(); });
    auto handler = [raw](const logs::Received& received) {
      raw->intake->Add(received);
      if (received.auth) raw->Enqueue(*received.auth);
    };
    for (bool udp : {true, false}) {
      const std::string& listen = udp ? config.syslog_udp_listen : config.syslog_tcp_listen;
      if (listen.empty()) continue;
      FG_ASSIGN_OR_RETURN(ListenAddress at, ParseListen(listen));
      logs::ReceiverOptions options;
      options.address = at.host;
      options.udp_port = udp ? at.port : -1;
      options.tcp_port = udp ? -1 : at.port;
      FG_ASSIGN_OR_RETURN(auto receiver, logs::SyslogReceiver::Start(rt.clock, options, handler));
      (udp ? impl->udp_port : impl->tcp_port) = udp ? receiver->udp_port() : receiver->tcp_port();
      spdlog::info("syslog intake listening on {} {}:{}", udp ? "udp" : "tcp", at.host,
                   udp ? receiver->udp_port() : receiver->tcp_port());
      impl->receivers.push_back(std::move(receiver));
    }
  }
  return std::unique_ptr<Defense>(new Defense(std::move(impl)));
}

void Defense::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  for (auto& receiver : impl_->receivers) receiver->Stop();
  impl_->logons.Reset();
  impl_->unlocks.Reset();
  impl_->unbans.Reset();
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
  if (impl_->intake) impl_->intake->Flush();
  if (impl_->cef) impl_->cef->Stop();
  if (impl_->webhook) impl_->webhook->Stop();
  if (impl_->ban_command) impl_->ban_command->Stop();
}

}  // namespace fg::app
