#include "api/log_routes.h"

#include <charconv>

#include "api/json.h"

namespace fg::api {

namespace {

Json RowJson(const logs::LogEventRow& row) {
  Json out = {{"id", row.id},
              {"received_at", core::FormatRfc3339(row.received_at)},
              {"peer", row.peer},
              {"transport", logs::TransportName(row.transport)},
              {"host", row.host},
              {"app", row.app},
              {"parsed", row.parsed},
              {"raw", row.raw},
              {"raw_truncated", row.raw_truncated}};
  if (!row.error.empty()) out["error"] = row.error;
  if (row.auth_outcome) {
    out["auth"] = {
        {"origin", logs::AuthOriginName(row.auth_origin.value_or(logs::AuthOrigin::kOther))},
        {"outcome", logs::AuthOutcomeName(*row.auth_outcome)},
        {"username", row.auth_username},
        {"source", row.auth_source}};
  }
  return out;
}

}  // namespace

void AddLogRoutes(RouteTable& table, std::function<logs::Intake*()> intake) {
  table.Add({.method = http::Method::kGet,
             .pattern = "/api/v1/log-events",
             .roles = kAdminSecurity,
             .summary = "Raw syslog lines received (?unparsed=true for those that did not parse)",
             .tag = "logs",
             .handler = [intake](const Context& ctx) {
               auto page = ParsePage(ctx.request);
               if (!page) return Problem(page.error());
               logs::LogEventQuery query;
               query.only_unparsed = ctx.request.Query("unparsed") == std::string_view("true");
               query.limit = page->limit;
               query.after_id = page->after.value_or(0);
               logs::Intake* in = intake();
               Json items = Json::array();
               std::optional<int64_t> next;
               if (in != nullptr) {
                 auto rows = in->List(query);
                 if (!rows) return Problem(rows.error());
                 for (const logs::LogEventRow& row : *rows) items.push_back(RowJson(row));
                 if (static_cast<int>(rows->size()) == query.limit) next = rows->back().id;
               }
               return JsonResponse(200, ListBody(std::move(items), next));
             }});
  table.Add({.method = http::Method::kGet,
             .pattern = "/api/v1/log-events/counts",
             .roles = kAdminSecurity,
             .summary = "Counts of the syslog intake: stored, unparsed, dropped",
             .tag = "logs",
             .handler = [intake](const Context&) {
               logs::Intake* in = intake();
               logs::IntakeCounts counts;
               if (in != nullptr) {
                 auto read = in->Counts();
                 if (!read) return Problem(read.error());
                 counts = *read;
               }
               return JsonResponse(200, Json{{"enabled", in != nullptr},
                                             {"stored", counts.stored},
                                             {"stored_unparsed", counts.stored_unparsed},
                                             {"accepted", counts.accepted},
                                             {"written", counts.written},
                                             {"dropped", counts.dropped},
                                             {"write_failures", counts.write_failures},
                                             {"queued", counts.queued}});
             }});
}

}  // namespace fg::api
