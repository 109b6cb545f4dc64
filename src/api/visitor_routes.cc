#include "api/visitor_routes.h"

#include "api/json.h"

namespace fg::api {

namespace {

using http::Method;

Json VisitJson(const access::Visit& v) {
  return Json{{"id", v.id},
              {"person_id", v.person_id},
              {"name", v.name},
              {"company", v.company},
              {"host_id", v.host_id},
              {"host_name", v.host_name},
              {"purpose", v.purpose},
              {"credential_key", v.credential_key},
              {"badge_id", v.badge_id},
              {"escort_zone_ids", v.escort_zone_ids},
              {"grant_ids", v.grant_ids},
              {"checked_in_at", core::FormatRfc3339(v.checked_in_at)},
              {"expected_end", core::FormatRfc3339(v.expected_end)},
              {"checked_out_at", TimeOrNull(v.checked_out_at)},
              {"on_site", v.on_site()},
              {"has_photo", !v.photo_type.empty()},
              {"overdue_alerted", v.overdue_alerted},
              {"purged", v.purged}};
}

Json LockerJson(const access::Locker& l) {
  return Json{{"id", l.id},
              {"zone_id", l.zone_id},
              {"label", l.label},
              {"person_id", l.person_id ? Json(*l.person_id) : Json(nullptr)},
              {"assigned_at", TimeOrNull(l.assigned_at)}};
}

Result<bool> QueryFlag(const http::Request& request, std::string_view name) {
  auto text = request.Query(name);
  if (!text || text->empty() || *text == "false" || *text == "0") return false;
  if (*text == "true" || *text == "1") return true;
  return InvalidArgument(std::string(name), "must be true or false");
}

Result<int64_t> RequiredPositive(const Json& body, std::string_view field) {
  FG_ASSIGN_OR_RETURN(auto value, OptionalInt(body, field));
  if (!value || *value <= 0) return InvalidArgument(std::string(field), "must be a positive id");
  return *value;
}

Result<access::CheckInInput> ParseCheckIn(const http::Request& request) {
  FG_ASSIGN_OR_RETURN(Json body,
                      ParseObject(request, {"name", "company", "host_id", "purpose", "photo",
                                            "expected_end", "credential", "escort_zone_ids"}));
  access::CheckInInput in;
  FG_ASSIGN_OR_RETURN(in.name, RequiredString(body, "name", 100));
  FG_ASSIGN_OR_RETURN(auto company, OptionalString(body, "company", 100));
  in.company = company.value_or("");
  FG_ASSIGN_OR_RETURN(in.host_id, RequiredPositive(body, "host_id"));
  FG_ASSIGN_OR_RETURN(in.purpose, RequiredString(body, "purpose", 200));
  // Base64 of at most 256 KiB, with room for line breaks and a data: prefix.
  FG_ASSIGN_OR_RETURN(in.photo_base64, OptionalString(body, "photo", 400 * 1024));
  FG_ASSIGN_OR_RETURN(auto end, OptionalString(body, "expected_end", 64));
  if (end) {
    core::WallTime t;
    if (!core::ParseRfc3339(*end, &t)) {
      return InvalidArgument("expected_end", "must be an RFC 3339 time");
    }
    in.expected_end = t;
  }
  FG_ASSIGN_OR_RETURN(in.credential, RequiredString(body, "credential", 128));
  if (HasField(body, "escort_zone_ids") && !IsNullField(body, "escort_zone_ids")) {
    const Json& zones = body["escort_zone_ids"];
    if (!zones.is_array()) return InvalidArgument("escort_zone_ids", "must be an array of ids");
    if (zones.size() > 64) return InvalidArgument("escort_zone_ids", "too many zones");
    for (size_t i = 0; i < zones.size(); ++i) {
      if (!zones[i].is_number_integer() || zones[i].get<int64_t>() <= 0) {
        return InvalidArgument("escort_zone_ids[" + std::to_string(i) + "]",
                               "must be a positive zone id");
      }
      in.escort_zone_ids.push_back(zones[i].get<int64_t>());
    }
  }
  return in;
}

}  // namespace

void AddVisitorRoutes(RouteTable& table, access::VisitorDesk& desk, access::Lockers& lockers,
                      access::Muster& muster) {
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/visits",
             .roles = kConsoleRoles,
             .summary = "Visits: ?on_site=true for visitors on site now, else history "
                        "(?from=&to=&limit=, newest first)",
             .tag = "access",
             .handler = [&desk](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(bool on_site, QueryFlag(ctx.request, "on_site"));
                 std::vector<access::Visit> visits;
                 if (on_site) {
                   FG_ASSIGN_OR_RETURN(visits, desk.OnSite());
                 } else {
                   access::VisitQuery query;
                   FG_ASSIGN_OR_RETURN(query.from, QueryTime(ctx.request, "from"));
                   FG_ASSIGN_OR_RETURN(query.to, QueryTime(ctx.request, "to"));
                   FG_ASSIGN_OR_RETURN(Page page, ParsePage(ctx.request));
                   query.limit = page.limit;
                   FG_ASSIGN_OR_RETURN(visits, desk.History(query));
                 }
                 return ItemsResponse(visits, VisitJson);
               });
             }});
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/access/visits",
             .roles = kAdminSecuritySupervisor,
             .summary = "Check a visitor in: person, temporary pass and escort grants",
             .tag = "access",
             .handler =
                 [&desk](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(access::CheckInInput input, ParseCheckIn(ctx.request));
                     FG_ASSIGN_OR_RETURN(access::Visit visit, desk.CheckIn(input, ctx.Actor()));
                     return JsonResponse(201, VisitJson(visit));
                   });
                 },
             .request_body = true});
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/access/visits/{id}/checkout",
             .roles = kAdminSecuritySupervisor,
             .summary = "Check a visitor out: pass revoked, escort grants ended",
             .tag = "access",
             .handler = [&desk](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                 FG_ASSIGN_OR_RETURN(access::Visit visit, desk.CheckOut(id, ctx.Actor()));
                 return JsonResponse(200, VisitJson(visit));
               });
             }});
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/visits/{id}/photo",
             .roles = kConsoleRoles,
             .summary = "The visitor's photo (image/jpeg or image/png)",
             .tag = "access",
             .handler = [&desk](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                 FG_ASSIGN_OR_RETURN(access::Photo photo, desk.GetPhoto(id));
                 http::Response r =
                     http::Response::Text(200, std::move(photo.bytes), photo.content_type);
                 r.SetHeader("Cache-Control", "no-store");
                 r.SetHeader("X-Content-Type-Options", "nosniff");
                 return r;
               });
             }});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/lockers",
             .roles = kConsoleRoles,
             .summary = "Lockers (?zone_id=&person_id=), or ?reclaim=true: lockers held by "
                        "terminated people",
             .tag = "access",
             .handler = [&lockers](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(bool reclaim, QueryFlag(ctx.request, "reclaim"));
                 Json items = Json::array();
                 if (reclaim) {
                   FG_ASSIGN_OR_RETURN(auto list, lockers.ToReclaim());
                   for (const auto& r : list) {
                     Json item = LockerJson(r.locker);
                     item["person_name"] = r.person_name;
                     item["end_date"] = r.end_date ? Json(*r.end_date) : Json(nullptr);
                     items.push_back(std::move(item));
                   }
                 } else {
                   access::LockerFilter filter;
                   FG_ASSIGN_OR_RETURN(filter.zone_id, QueryId(ctx.request, "zone_id"));
                   FG_ASSIGN_OR_RETURN(filter.person_id, QueryId(ctx.request, "person_id"));
                   FG_ASSIGN_OR_RETURN(auto list, lockers.List(filter));
                   for (const auto& l : list) items.push_back(LockerJson(l));
                 }
                 return JsonResponse(200, {{"items", std::move(items)}});
               });
             }});
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/access/lockers",
             .roles = kAdminSecuritySupervisor,
             .summary = "Add a locker to a zone ({zone_id, label}; label unique per zone)",
             .tag = "access",
             .handler =
                 [&lockers](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"zone_id", "label"}));
                     access::LockerInput input;
                     FG_ASSIGN_OR_RETURN(input.zone_id, RequiredPositive(body, "zone_id"));
                     FG_ASSIGN_OR_RETURN(input.label, RequiredString(body, "label", 64));
                     FG_ASSIGN_OR_RETURN(access::Locker locker, lockers.Create(input, ctx.Actor()));
                     return JsonResponse(201, LockerJson(locker));
                   });
                 },
             .request_body = true});
  table.Add(
      {.method = Method::kPatch,
       .pattern = "/api/v1/access/lockers/{id}",
       .roles = kAdminSecuritySupervisor,
       .summary = "Assign a locker ({\"person_id\": 7}) or release it ({\"person_id\": null})",
       .tag = "access",
       .handler =
           [&lockers](const Context& ctx) {
             return Respond([&]() -> Result<http::Response> {
               FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
               FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"person_id"}));
               if (!HasField(body, "person_id")) {
                 return InvalidArgument("person_id", "is required (an id, or null to release)");
               }
               if (IsNullField(body, "person_id")) {
                 FG_ASSIGN_OR_RETURN(access::Locker locker, lockers.Release(id, ctx.Actor()));
                 return JsonResponse(200, LockerJson(locker));
               }
               FG_ASSIGN_OR_RETURN(int64_t person, RequiredPositive(body, "person_id"));
               FG_ASSIGN_OR_RETURN(access::Locker locker, lockers.Assign(id, person, ctx.Actor()));
               return JsonResponse(200, LockerJson(locker));
             });
           },
       .request_body = true});

  table.Add(
      {.method = Method::kGet,
       .pattern = "/api/v1/access/muster",
       .roles = kConsoleRoles,
       .summary = "Muster report: everyone on site now by zone (?format=csv to print)",
       .tag = "access",
       .handler = [&muster](const Context& ctx) {
         return Respond([&]() -> Result<http::Response> {
           auto format = ctx.request.Query("format");
           if (format && *format != "json" && *format != "csv") {
             return InvalidArgument("format", "must be json or csv");
           }
           FG_ASSIGN_OR_RETURN(access::MusterReport report, muster.Report());
           if (format && *format == "csv") {
             http::Response r =
                 http::Response::Text(200, access::MusterCsv(report), "text/csv; charset=utf-8");
             r.SetHeader("Content-Disposition", "attachment; filename=\"muster.csv\"");
             r.SetHeader("Cache-Control", "no-store");
             return r;
           }
           Json zones = Json::array();
           for (const auto& z : report.zones) {
             Json people = Json::array();
             for (const auto& p : z.people) {
               Json person = {{"person_id", p.person_id},
                              {"name", p.name},
                              {"kind", directory::PersonKindName(p.kind)},
                              {"employee_number",
                               p.employee_number ? Json(*p.employee_number) : Json(nullptr)},
                              {"company", p.company},
                              {"since", core::FormatRfc3339(p.since)}};
               if (p.visit_id) {
                 person["visit_id"] = *p.visit_id;
                 person["host_id"] = p.host_id ? Json(*p.host_id) : Json(nullptr);
                 person["host_name"] = p.host_name;
               }
               people.push_back(std::move(person));
             }
             zones.push_back(
                 {{"zone_id", z.zone_id},
                  {"site_id", z.site_id},
                  {"name", z.name},
                  {"classification", directory::ZoneClassificationName(z.classification)},
                  {"count", z.people.size()},
                  {"people", std::move(people)}});
           }
           return JsonResponse(200, {{"generated_at", core::FormatRfc3339(report.generated_at)},
                                     {"total", report.total},
                                     {"zones", std::move(zones)}});
         });
       }});
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/occupancy",
             .roles = kConsoleRoles,
             .summary = "People per zone now, every zone with its name and classification",
             .tag = "access",
             .handler = [&muster](const Context&) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(auto occupancy, muster.Occupancy());
                 Json items = Json::array();
                 int64_t total = 0;
                 for (const auto& z : occupancy) {
                   total += z.count;
                   items.push_back(
                       {{"zone_id", z.zone_id},
                        {"site_id", z.site_id},
                        {"name", z.name},
                        {"classification", directory::ZoneClassificationName(z.classification)},
                        {"count", z.count}});
                 }
                 return JsonResponse(200, {{"items", std::move(items)}, {"total", total}});
               });
             }});
}

}  // namespace fg::api
