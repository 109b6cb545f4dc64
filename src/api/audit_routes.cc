// GET /api/v1/audit (paged search) and GET /api/v1/events/stream (live server-sent events).
#include <charconv>
#include <mutex>

#include "api/api.h"
#include "api/json.h"

namespace fg::api {

namespace {

Json EntryJson(const audit::Entry& e) {
  Json details = Json::parse(e.details, nullptr, /*allow_exceptions=*/false);
  if (details.is_discarded()) details = e.details;
  return {{"seq", e.seq},
          {"time", core::FormatRfc3339(e.time)},
          {"actor", e.actor},
          {"action", e.action},
          {"subject", e.subject},
          {"details", details},
          {"hash", audit::HashHex(e.hash)}};
}

// Streams audit entries as they become durable. Woken by AuditCommitted; re-checks the
// caller's session now and then so a logged-out or disabled user stops receiving.
class AuditStream final : public http::StreamSource {
 public:
  AuditStream(audit::Log& log, core::EventBus& bus, std::function<bool()> still_allowed,
              int64_t after_seq)
      : log_(log),
        still_allowed_(std::move(still_allowed)),
        last_seq_(after_seq),
        wake_(std::make_shared<Wake>()) {
    std::weak_ptr<Wake> weak = wake_;
    subscription_ = bus.Subscribe<audit::AuditCommitted>([weak](const audit::AuditCommitted&) {
      if (auto wake = weak.lock()) wake->Fire();
    });
  }

  void SetWakeup(std::function<void()> wakeup) override {
    std::lock_guard lock(wake_->mu);
    wake_->fn = std::move(wakeup);
  }

  std::optional<std::string> Next() override {
    // A single indexed read: cheap enough to re-check the session on every pull, so a
    // logout, a disabled account or an idle timeout ends the stream promptly.
    if (!still_allowed_()) return std::nullopt;
    std::string out;
    if (!started_) {
      started_ = true;
      out += "retry: 3000\n\n";
    }
    auto entries = log_.After(last_seq_, 200);
    if (!entries) return std::nullopt;
    for (const audit::Entry& e : *entries) {
      out +=
          "id: " + std::to_string(e.seq) + "\nevent: audit\ndata: " + Dump(EntryJson(e)) + "\n\n";
      last_seq_ = e.seq;
    }
    if (entries->size() == 200) wake_->Fire();  // more to send: come back at once
    return out;
  }

 private:
  struct Wake {
    std::mutex mu;
    std::function<void()> fn;
    void Fire() {
      std::lock_guard lock(mu);
      if (fn) fn();
    }
  };

  audit::Log& log_;
  std::function<bool()> still_allowed_;
  int64_t last_seq_;
  bool started_ = false;
  std::shared_ptr<Wake> wake_;
  core::Subscription subscription_;
};

}  // namespace

void AddAuditRoutes(RouteTable& table, audit::Log& log, core::EventBus& bus, auth::Auth& auth) {
  table.Add({.method = http::Method::kGet,
             .pattern = "/api/v1/audit",
             .roles = kAuditReaders,
             .summary = "Search the audit trail, newest first (from, to, actor, action, subject)",
             .tag = "audit",
             .handler = [&log](const Context& ctx) {
               audit::Query query;
               auto page = ParsePage(ctx.request);
               if (!page) return Problem(page.error());
               query.limit = page->limit;
               query.before_seq = page->after;
               auto from = QueryTime(ctx.request, "from");
               if (!from) return Problem(from.error());
               auto to = QueryTime(ctx.request, "to");
               if (!to) return Problem(to.error());
               query.from = *from;
               query.to = *to;
               query.actor = std::string(ctx.request.Query("actor").value_or(""));
               query.action = std::string(ctx.request.Query("action").value_or(""));
               query.subject = std::string(ctx.request.Query("subject").value_or(""));
               auto entries = log.List(query);
               if (!entries) return Problem(entries.error());
               Json items = Json::array();
               for (const auto& e : *entries) items.push_back(EntryJson(e));
               std::optional<int64_t> next;
               if (static_cast<int>(entries->size()) == query.limit && !entries->empty()) {
                 next = entries->back().seq;
               }
               return JsonResponse(200, ListBody(std::move(items), next));
             }});

  table.Add(
      {.method = http::Method::kGet,
       .pattern = "/api/v1/events/stream",
       .roles = kConsoleRoles,
       .summary = "Server-sent events: one 'audit' event per new audit entry",
       .tag = "audit",
       .handler = [&log, &bus, &auth](const Context& ctx) {
         int64_t after = 0;
         auto last_id = ctx.request.Header("last-event-id");
         if (last_id && !last_id->empty()) {
           auto [p, ec] =
               std::from_chars(last_id->data(), last_id->data() + last_id->size(), after);
           if (ec != std::errc() || p != last_id->data() + last_id->size() || after < 0) {
             return Problem(ErrorCode::kInvalidArgument, "Last-Event-ID must be a number");
           }
         } else {
           auto seq = log.LastSeq();
           if (!seq) return Problem(seq.error());
           after = *seq;
         }
         std::function<bool()> still_allowed = [] { return true; };
         if (auto cookie = ctx.request.Cookie("fg_session")) {
           still_allowed = [&auth, token = *cookie] {
             return auth.AuthenticateSession(token, auth::Auth::Activity::kPassive).has_value();
           };
         }
         http::Response response;
         response.status = 200;
         response.stream = std::make_shared<AuditStream>(log, bus, std::move(still_allowed), after);
         return response;
       }});
}

}  // namespace fg::api
