#include "api/alert_routes.h"

#include "api/json.h"
#include "identity/csv.h"

namespace fg::api {

namespace {

Json AlertBody(const detect::Alert& alert) {
  Json body = Json::parse(detect::AlertJson(alert), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Json{{"id", alert.id}};
  return body;
}

std::string AlertsCsv(const std::vector<detect::Alert>& alerts) {
  identity::CsvWriter csv;
  csv.Row({"id", "created_at", "rule", "severity", "status", "account", "source", "summary",
           "acknowledged_by", "resolved_by", "resolution_note"});
  for (const detect::Alert& a : alerts) {
    csv.Row({std::to_string(a.id), core::FormatRfc3339(a.created_at), a.rule,
             std::string(detect::SeverityName(a.severity)),
             std::string(detect::AlertStatusName(a.status)), a.account, a.source, a.summary,
             a.acknowledged_by.value_or(""), a.resolved_by.value_or(""),
             a.resolution_note.value_or("")});
  }
  return csv.text();
}

http::Response CsvResponse(std::string text, std::string_view filename) {
  http::Response response;
  response.status = 200;
  response.headers.emplace_back("Content-Type", "text/csv; charset=utf-8");
  response.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"" + std::string(filename) + "\"");
  response.body = std::move(text);
  return response;
}

Result<detect::AlertFilter> ParseFilter(const http::Request& request) {
  detect::AlertFilter filter;
  if (auto status = request.Query("status"); status && !status->empty()) {
    filter.status = detect::ParseAlertStatus(*status);
    if (!filter.status) {
      return InvalidArgument("status", "must be open, acknowledged or resolved");
    }
  }
  if (auto rule = request.Query("rule")) filter.rule = std::string(*rule);
  if (auto account = request.Query("account")) filter.account = std::string(*account);
  return filter;
}

}  // namespace

void AddAlertRoutes(RouteTable& table, detect::Alerts& alerts) {
  table.Add({.method = http::Method::kGet,
             .pattern = "/api/v1/alerts",
             .roles = kConsoleRoles,
             .summary = "List alerts (?status=&rule=&account=; ?format=csv for a file)",
             .tag = "alerts",
             .handler = [&alerts](const Context& ctx) {
               auto filter = ParseFilter(ctx.request);
               if (!filter) return Problem(filter.error());
               bool csv = ctx.request.Query("format") == std::string_view("csv");
               if (csv) {
                 // The whole filtered list, page by page, for the file.
                 std::vector<detect::Alert> all;
                 int64_t after = 0;
                 while (true) {
                   auto page = alerts.List(*filter, detect::kMaxAlertListLimit, after);
                   if (!page) return Problem(page.error());
                   for (auto& a : page->items) all.push_back(std::move(a));
                   if (!page->next_after_id) break;
                   after = *page->next_after_id;
                 }
                 return CsvResponse(AlertsCsv(all), "alerts.csv");
               }
               auto page = ParsePage(ctx.request);
               if (!page) return Problem(page.error());
               auto list = alerts.List(*filter, page->limit, page->after.value_or(0));
               if (!list) return Problem(list.error());
               Json items = Json::array();
               for (const detect::Alert& a : list->items) items.push_back(AlertBody(a));
               return JsonResponse(200, ListBody(std::move(items), list->next_after_id));
             }});
  table.Add({.method = http::Method::kGet,
             .pattern = "/api/v1/alerts/{id}",
             .roles = kConsoleRoles,
             .summary = "Get one alert with its evidence",
             .tag = "alerts",
             .handler = [&alerts](const Context& ctx) {
               auto id = ParseId(ctx.Param("id"));
               if (!id) return Problem(id.error());
               auto alert = alerts.Get(*id);
               if (!alert) return Problem(alert.error());
               return JsonResponse(200, AlertBody(*alert));
             }});
  table.Add({.method = http::Method::kPost,
             .pattern = "/api/v1/alerts/{id}/acknowledge",
             .roles = kAdminSecurity,
             .summary = "Acknowledge an open alert",
             .tag = "alerts",
             .handler =
                 [&alerts](const Context& ctx) {
                   auto id = ParseId(ctx.Param("id"));
                   if (!id) return Problem(id.error());
                   if (!ctx.request.body.empty()) {
                     auto body = ParseObject(ctx.request, {});
                     if (!body) return Problem(body.error());
                   }
                   auto alert = alerts.Acknowledge(ctx.Actor(), *id);
                   if (!alert) return Problem(alert.error());
                   return JsonResponse(200, AlertBody(*alert));
                 },
             .request_body = true});
  table.Add({.method = http::Method::kPost,
             .pattern = "/api/v1/alerts/{id}/resolve",
             .roles = kAdminSecurity,
             .summary = "Resolve an alert with a note",
             .tag = "alerts",
             .handler =
                 [&alerts](const Context& ctx) {
                   auto id = ParseId(ctx.Param("id"));
                   if (!id) return Problem(id.error());
                   auto body = ParseObject(ctx.request, {"note"});
                   if (!body) return Problem(body.error());
                   auto note = RequiredString(*body, "note", 2000 * 4);
                   if (!note) return Problem(note.error());
                   auto alert = alerts.Resolve(ctx.Actor(), *id, *note);
                   if (!alert) return Problem(alert.error());
                   return JsonResponse(200, AlertBody(*alert));
                 },
             .request_body = true});
}

}  // namespace fg::api
