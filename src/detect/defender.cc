#include "detect/defender.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <nlohmann/json.hpp>

namespace fg::detect {

namespace {

using Json = nlohmann::json;

// A Responder is another module's code: whatever it throws stays here.
template <typename Fn>
Result<void> Guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return Internal(std::string("responder threw: ") + e.what());
  } catch (...) {
    return Internal("responder threw");
  }
}

std::string DetailsWithOutcomes(const Finding& finding,
                                const std::vector<ActionOutcome>& outcomes) {
  Json details = Json::parse(FindingDetailsJson(finding), nullptr, false);
  if (!details.is_object()) details = Json::object();
  Json& actions = details["actions"];
  for (size_t i = 0; i < outcomes.size() && i < actions.size(); ++i) {
    actions[i]["result"] = outcomes[i].ok ? "ok" : "failed";
    if (!outcomes[i].ok) actions[i]["error"] = outcomes[i].error;
    if (!outcomes[i].ban_command.empty()) actions[i]["ban_command"] = outcomes[i].ban_command;
  }
  return details.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

Defender::Defender(Engine& engine, Alerts& alerts, Responder& responder,
                   std::vector<AlertSink*> sinks, BanCommand* ban_command)
    : engine_(engine),
      alerts_(alerts),
      responder_(responder),
      sinks_(std::move(sinks)),
      ban_command_(ban_command) {
  std::erase(sinks_, nullptr);
}

std::vector<Handled> Defender::Handle(const logs::AuthEvent& event) {
  std::vector<Handled> out;
  for (const Finding& finding : engine_.Observe(event)) out.push_back(Execute(finding));
  return out;
}

ActionOutcome Defender::Run(const Finding& finding, const Action& action) {
  ActionOutcome outcome{.action = action};
  const std::string reason = "detect " + finding.rule + ": " + finding.summary;
  Result<void> done = Guarded([&]() -> Result<void> {
    switch (action.kind) {
      case ActionKind::kLockAccount:
        return responder_.LockAccount(action.target, action.until, reason);
      case ActionKind::kBanSource:
        if (!action.until) return InvalidArgument("until", "a ban needs an end");
        return responder_.BanSource(action.target, *action.until, reason);
      case ActionKind::kEndSessions:
        return responder_.EndSessions(action.target, reason);
    }
    return Internal("unknown action");
  });
  outcome.ok = done.has_value();
  if (!done) {
    outcome.error = done.error().message;
    ++action_failures_;
    spdlog::error("detect: {} of {} for {} failed: {}", ActionKindName(action.kind), action.target,
                  finding.rule, done.error().ToString());
  }
  constexpr std::string_view kAddress = "address:";
  if (ban_command_ != nullptr && action.kind == ActionKind::kBanSource &&
      std::string_view(action.target).starts_with(kAddress) && action.duration) {
    auto queued = ban_command_->Ban(std::string_view(action.target).substr(kAddress.size()),
                                    *action.duration);
    outcome.ban_command = queued ? "queued" : "refused: " + queued.error().message;
  }
  return outcome;
}

Handled Defender::Execute(const Finding& finding) {
  ++findings_;
  Handled handled{.finding = finding};
  for (const Action& action : finding.actions) handled.outcomes.push_back(Run(finding, action));

  AlertInput input = AlertInputFrom(finding);
  input.details = DetailsWithOutcomes(finding, handled.outcomes);
  Alert alert;
  auto stored = alerts_.Raise(input);
  if (stored) {
    ++alerts_stored_;
    handled.alert_id = stored->id;
    alert = std::move(*stored);
  } else {
    ++alert_failures_;
    handled.alert_error = stored.error().ToString();
    spdlog::error("detect: could not store the {} alert: {}", finding.rule, handled.alert_error);
    alert = Alert{.rule = input.rule,
                  .severity = input.severity,
                  .summary = input.summary,
                  .account = input.account,
                  .source = input.source,
                  .details = input.details,
                  .created_at = finding.evidence.last,
                  .updated_at = finding.evidence.last};
  }
  for (AlertSink* sink : sinks_) sink->Deliver(alert);
  return handled;
}

Result<int64_t> Defender::Raise(const AlertInput& input) {
  auto stored = alerts_.Raise(input);
  if (stored) {
    ++alerts_stored_;
    for (AlertSink* sink : sinks_) sink->Deliver(*stored);
    return stored->id;
  }
  ++alert_failures_;
  spdlog::error("detect: could not store the {} alert: {}", input.rule, stored.error().ToString());
  Alert unstored{.rule = input.rule,
                 .severity = input.severity,
                 .summary = input.summary,
                 .account = input.account,
                 .source = input.source,
                 .details = input.details};
  for (AlertSink* sink : sinks_) sink->Deliver(unstored);
  return tl::unexpected(stored.error());
}

DefenderStats Defender::Stats() const {
  return {findings_.load(), alerts_stored_.load(), alert_failures_.load(), action_failures_.load()};
}

}  // namespace fg::detect
