// Directory routes: JSON <-> directory::Directory calls. Parsing here is about shape (types,
// known fields, enum names, ids); every rule about content is the directory module's.
#include "api/directory_routes.h"

#include <utility>

#include "api/json.h"
#include "core/clock.h"

namespace fg::api {

namespace {

using directory::Directory;

// Byte caps for strings at the boundary; the module checks the real limits in characters.
constexpr size_t kMaxText = 1024;
constexpr size_t kMaxQuery = 200;

template <typename T>
Json Nullable(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

// --- JSON out ---

Json ToJson(const directory::Person& p) {
  return {{"id", p.id},
          {"kind", directory::PersonKindName(p.kind)},
          {"employee_number", Nullable(p.employee_number)},
          {"name", p.name},
          {"status", directory::PersonStatusName(p.status)},
          {"hire_date", Nullable(p.hire_date)},
          {"end_date", Nullable(p.end_date)},
          {"company", p.company},
          {"email", Nullable(p.email)},
          {"created_at", core::FormatRfc3339(p.created_at)},
          {"updated_at", core::FormatRfc3339(p.updated_at)}};
}

Json ToJson(const directory::Campaign& c) {
  return {
      {"id", c.id}, {"code", c.code}, {"name", c.name}, {"client", c.client}, {"active", c.active}};
}

Json ToJson(const directory::TrainingRecord& t) {
  return {{"id", t.id},
          {"person_id", t.person_id},
          {"campaign_id", t.campaign_id},
          {"completed_on", t.completed_on},
          {"expires_on", Nullable(t.expires_on)}};
}

Json ToJson(const directory::Site& s) {
  return {{"id", s.id}, {"name", s.name}, {"timezone", s.timezone}};
}

Json ToJson(const directory::Zone& z) {
  return {{"id", z.id},
          {"site_id", z.site_id},
          {"name", z.name},
          {"classification", directory::ZoneClassificationName(z.classification)},
          {"parent_id", Nullable(z.parent_id)},
          {"campaign_id", Nullable(z.campaign_id)}};
}

Json ToJson(const directory::Station& s) {
  return {{"id", s.id},
          {"workstation_id", s.workstation_id},
          {"zone_id", s.zone_id},
          {"campaign_id", Nullable(s.campaign_id)},
          {"enabled", s.enabled}};
}

Json ToJson(const directory::DirectoryCounts& c) {
  return {{"people",
           {{"employee", c.employees},
            {"applicant", c.applicants},
            {"visitor", c.visitors},
            {"contractor", c.contractors}}},
          {"terminated", c.terminated},
          {"sites", c.sites},
          {"zones", c.zones},
          {"stations", c.stations},
          {"campaigns", c.campaigns}};
}

template <typename T>
http::Response ObjectResponse(int status, const Result<T>& result) {
  if (!result) return Problem(result.error());
  return JsonResponse(status, ToJson(*result));
}

template <typename T>
http::Response ListResponse(const Result<directory::Page<T>>& page) {
  if (!page) return Problem(page.error());
  Json items = Json::array();
  for (const T& item : page->items) items.push_back(ToJson(item));
  return JsonResponse(200, ListBody(std::move(items), page->next_after_id));
}

http::Response DeletedResponse(const Result<void>& result) {
  if (!result) return Problem(result.error());
  return http::Response::Empty(204);
}

// --- JSON in ---

template <typename E>
Result<std::optional<E>> OptionalEnum(const Json& body, std::string_view field,
                                      std::optional<E> (*parse)(std::string_view),
                                      std::string_view choices) {
  FG_ASSIGN_OR_RETURN(auto text, OptionalString(body, field, kMaxText));
  if (!text) return std::optional<E>();
  auto value = parse(*text);
  if (!value) return InvalidArgument(std::string(field), "must be one of " + std::string(choices));
  return std::optional<E>(*value);
}

template <typename E>
Result<E> RequiredEnum(const Json& body, std::string_view field,
                       std::optional<E> (*parse)(std::string_view), std::string_view choices) {
  FG_ASSIGN_OR_RETURN(auto value, OptionalEnum(body, field, parse, choices));
  if (!value) return InvalidArgument(std::string(field), "is required");
  return *value;
}

constexpr std::string_view kKinds = "employee, applicant, visitor, contractor";
constexpr std::string_view kStatuses = "hired, active, suspended, terminated";
constexpr std::string_view kClassifications = "public, staff, secure, restricted";

Result<int64_t> RequiredInt(const Json& body, std::string_view field) {
  FG_ASSIGN_OR_RETURN(auto value, OptionalInt(body, field));
  if (!value) return InvalidArgument(std::string(field), "is required");
  return *value;
}

// A PATCH may not set a field that cannot be empty to null.
Result<void> RejectNulls(const Json& body, std::initializer_list<std::string_view> fields) {
  for (std::string_view field : fields) {
    if (IsNullField(body, field)) return InvalidArgument(std::string(field), "must not be null");
  }
  return {};
}

// Absent: leave; null: clear; a value: set.
Result<directory::NullablePatch<std::string>> NullableStringPatch(const Json& body,
                                                                  std::string_view field) {
  if (!HasField(body, field)) return directory::NullablePatch<std::string>();
  if (IsNullField(body, field)) {
    return directory::NullablePatch<std::string>(std::optional<std::string>());
  }
  FG_ASSIGN_OR_RETURN(auto value, OptionalString(body, field, kMaxText));
  return directory::NullablePatch<std::string>(std::move(value));
}

Result<directory::NullablePatch<int64_t>> NullableIdPatch(const Json& body,
                                                          std::string_view field) {
  if (!HasField(body, field)) return directory::NullablePatch<int64_t>();
  if (IsNullField(body, field)) return directory::NullablePatch<int64_t>(std::optional<int64_t>());
  FG_ASSIGN_OR_RETURN(auto value, OptionalInt(body, field));
  return directory::NullablePatch<int64_t>(value);
}

// --- query strings ---

template <typename E>
Result<std::optional<E>> QueryEnum(const http::Request& request, std::string_view name,
                                   std::optional<E> (*parse)(std::string_view),
                                   std::string_view choices) {
  auto text = request.Query(name);
  if (!text || text->empty()) return std::optional<E>();
  auto value = parse(*text);
  if (!value) return InvalidArgument(std::string(name), "must be one of " + std::string(choices));
  return std::optional<E>(*value);
}

Result<std::optional<bool>> QueryBool(const http::Request& request, std::string_view name) {
  auto text = request.Query(name);
  if (!text || text->empty()) return std::optional<bool>();
  if (*text == "true") return std::optional<bool>(true);
  if (*text == "false") return std::optional<bool>(false);
  return InvalidArgument(std::string(name), "must be true or false");
}

// --- per resource: body -> input / patch, query -> filter ---

Result<directory::PersonInput> PersonInputFrom(const http::Request& request) {
  FG_ASSIGN_OR_RETURN(
      Json body, ParseObject(request, {"kind", "employee_number", "name", "status", "hire_date",
                                       "end_date", "company", "email"}));
  directory::PersonInput in;
  FG_ASSIGN_OR_RETURN(in.kind, RequiredEnum(body, "kind", directory::ParsePersonKind, kKinds));
  FG_ASSIGN_OR_RETURN(in.employee_number, OptionalString(body, "employee_number", kMaxText));
  FG_ASSIGN_OR_RETURN(in.name, RequiredString(body, "name", kMaxText));
  FG_ASSIGN_OR_RETURN(auto status,
                      OptionalEnum(body, "status", directory::ParsePersonStatus, kStatuses));
  if (status) in.status = *status;
  FG_ASSIGN_OR_RETURN(in.hire_date, OptionalString(body, "hire_date", kMaxText));
  FG_ASSIGN_OR_RETURN(in.end_date, OptionalString(body, "end_date", kMaxText));
  FG_ASSIGN_OR_RETURN(auto company, OptionalString(body, "company", kMaxText));
  in.company = company.value_or("");
  FG_ASSIGN_OR_RETURN(in.email, OptionalString(body, "email", kMaxText));
  return in;
}

Result<directory::PersonPatch> PersonPatchFrom(const http::Request& request) {
  FG_ASSIGN_OR_RETURN(
      Json body, ParseObject(request, {"kind", "employee_number", "name", "status", "hire_date",
                                       "end_date", "company", "email"}));
  FG_RETURN_IF_ERROR(RejectNulls(body, {"kind", "name", "status"}));
  directory::PersonPatch patch;
  FG_ASSIGN_OR_RETURN(patch.kind, OptionalEnum(body, "kind", directory::ParsePersonKind, kKinds));
  FG_ASSIGN_OR_RETURN(patch.employee_number, NullableStringPatch(body, "employee_number"));
  FG_ASSIGN_OR_RETURN(patch.name, OptionalString(body, "name", kMaxText));
  FG_ASSIGN_OR_RETURN(patch.status,
                      OptionalEnum(body, "status", directory::ParsePersonStatus, kStatuses));
  FG_ASSIGN_OR_RETURN(patch.hire_date, NullableStringPatch(body, "hire_date"));
  FG_ASSIGN_OR_RETURN(patch.end_date, NullableStringPatch(body, "end_date"));
  // A null company means no company.
  FG_ASSIGN_OR_RETURN(auto company, NullableStringPatch(body, "company"));
  if (company) patch.company = company->value_or("");
  FG_ASSIGN_OR_RETURN(patch.email, NullableStringPatch(body, "email"));
  return patch;
}

Result<directory::PersonFilter> PersonFilterFrom(const http::Request& request) {
  directory::PersonFilter filter;
  FG_ASSIGN_OR_RETURN(filter.kind, QueryEnum(request, "kind", directory::ParsePersonKind, kKinds));
  FG_ASSIGN_OR_RETURN(filter.status,
                      QueryEnum(request, "status", directory::ParsePersonStatus, kStatuses));
  filter.query = std::string(request.Query("q").value_or(""));
  if (filter.query.size() > kMaxQuery) {
    return InvalidArgument("q", "must be at most " + std::to_string(kMaxQuery) + " bytes");
  }
  return filter;
}

Result<directory::CampaignInput> CampaignInputFrom(const http::Request& request) {
  FG_ASSIGN_OR_RETURN(Json body, ParseObject(request, {"code", "name", "client", "active"}));
  directory::CampaignInput in;
  FG_ASSIGN_OR_RETURN(in.code, RequiredString(body, "code", kMaxText));
  FG_ASSIGN_OR_RETURN(in.name, RequiredString(body, "name", kMaxText));
  FG_ASSIGN_OR_RETURN(auto client, OptionalString(body, "client", kMaxText));
  in.client = client.value_or("");
  FG_ASSIGN_OR_RETURN(auto active, OptionalBool(body, "active"));
  in.active = active.value_or(true);
  return in;
}

Result<directory::CampaignPatch> CampaignPatchFrom(const http::Request& request) {
  FG_ASSIGN_OR_RETURN(Json body, ParseObject(request, {"code", "name", "client", "active"}));
  FG_RETURN_IF_ERROR(RejectNulls(body, {"code", "name", "active"}));
  directory::CampaignPatch patch;
  FG_ASSIGN_OR_RETURN(patch.code, OptionalString(body, "code", kMaxText));
  FG_ASSIGN_OR_RETURN(patch.name, OptionalString(body, "name", kMaxText));
  FG_ASSIGN_OR_RETURN(auto client, NullableStringPatch(body, "client"));
  if (client) patch.client = client->value_or("");
  FG_ASSIGN_OR_RETURN(patch.active, OptionalBool(body, "active"));
  return patch;
}

Result<directory::CampaignFilter> CampaignFilterFrom(const http::Request& request) {
  directory::CampaignFilter filter;
  FG_ASSIGN_OR_RETURN(filter.active, QueryBool(request, "active"));
  return filter;
}

Result<directory::TrainingInput> TrainingInputFrom(const http::Request& request) {
  FG_ASSIGN_OR_RETURN(
      Json body, ParseObject(request, {"person_id", "campaign_id", "completed_on", "expires_on"}));
  directory::TrainingInput in;
  FG_ASSIGN_OR_RETURN(in.person_id, RequiredInt(body, "person_id"));
  FG_ASSIGN_OR_RETURN(in.campaign_id, RequiredInt(body, "campaign_id"));
  FG_ASSIGN_OR_RETURN(in.completed_on, RequiredString(body, "completed_on", kMaxText));
  FG_ASSIGN_OR_RETURN(in.expires_on, OptionalString(body, "expires_on", kMaxText));
  return in;
}

Result<directory::TrainingPatch> TrainingPatchFrom(const http::Request& request) {
  FG_ASSIGN_OR_RETURN(
      Json body, ParseObject(request, {"person_id", "campaign_id", "completed_on", "expires_on"}));
  FG_RETURN_IF_ERROR(RejectNulls(body, {"person_id", "campaign_id", "completed_on"}));
  directory::TrainingPatch patch;
  FG_ASSIGN_OR_RETURN(patch.person_id, OptionalInt(body, "person_id"));
  FG_ASSIGN_OR_RETURN(patch.campaign_id, OptionalInt(body, "campaign_id"));
  FG_ASSIGN_OR_RETURN(patch.completed_on, OptionalString(body, "completed_on", kMaxText));
  FG_ASSIGN_OR_RETURN(patch.expires_on, NullableStringPatch(body, "expires_on"));
  return patch;
}

Result<directory::TrainingFilter> TrainingFilterFrom(const http::Request& request) {
  directory::TrainingFilter filter;
  FG_ASSIGN_OR_RETURN(filter.person_id, QueryId(request, "person_id"));
  FG_ASSIGN_OR_RETURN(filter.campaign_id, QueryId(request, "campaign_id"));
  return filter;
}

Result<directory::SiteInput> SiteInputFrom(const http::Request& request) {
  FG_ASSIGN_OR_RETURN(Json body, ParseObject(request, {"name", "timezone"}));
  directory::SiteInput in;
  FG_ASSIGN_OR_RETURN(in.name, RequiredString(body, "name", kMaxText));
  FG_ASSIGN_OR_RETURN(in.timezone, RequiredString(body, "timezone", kMaxText));
  return in;
}

Result<directory::SitePatch> SitePatchFrom(const http::Request& request) {
  FG_ASSIGN_OR_RETURN(Json body, ParseObject(request, {"name", "timezone"}));
  FG_RETURN_IF_ERROR(RejectNulls(body, {"name", "timezone"}));
  directory::SitePatch patch;
  FG_ASSIGN_OR_RETURN(patch.name, OptionalString(body, "name", kMaxText));
  FG_ASSIGN_OR_RETURN(patch.timezone, OptionalString(body, "timezone", kMaxText));
  return patch;
}

Result<directory::ZoneInput> ZoneInputFrom(const http::Request& request) {
  FG_ASSIGN_OR_RETURN(Json body, ParseObject(request, {"site_id", "name", "classification",
                                                       "parent_id", "campaign_id"}));
  directory::ZoneInput in;
  FG_ASSIGN_OR_RETURN(in.site_id, RequiredInt(body, "site_id"));
  FG_ASSIGN_OR_RETURN(in.name, RequiredString(body, "name", kMaxText));
  FG_ASSIGN_OR_RETURN(
      in.classification,
      RequiredEnum(body, "classification", directory::ParseZoneClassification, kClassifications));
  FG_ASSIGN_OR_RETURN(in.parent_id, OptionalInt(body, "parent_id"));
  FG_ASSIGN_OR_RETURN(in.campaign_id, OptionalInt(body, "campaign_id"));
  return in;
}

// site_id is accepted only to say clearly that it cannot change.
Result<directory::ZonePatch> ZonePatchFrom(const http::Request& request, int64_t zone_id,
                                           Directory& directory) {
  FG_ASSIGN_OR_RETURN(Json body, ParseObject(request, {"site_id", "name", "classification",
                                                       "parent_id", "campaign_id"}));
  FG_RETURN_IF_ERROR(RejectNulls(body, {"site_id", "name", "classification"}));
  FG_ASSIGN_OR_RETURN(auto site_id, OptionalInt(body, "site_id"));
  if (site_id) {
    FG_ASSIGN_OR_RETURN(directory::Zone zone, directory.GetZone(zone_id));
    if (zone.site_id != *site_id) {
      return InvalidArgument("site_id",
                             "cannot change: a zone belongs to one site; create it in the other "
                             "site instead");
    }
  }
  directory::ZonePatch patch;
  FG_ASSIGN_OR_RETURN(patch.name, OptionalString(body, "name", kMaxText));
  FG_ASSIGN_OR_RETURN(
      patch.classification,
      OptionalEnum(body, "classification", directory::ParseZoneClassification, kClassifications));
  FG_ASSIGN_OR_RETURN(patch.parent_id, NullableIdPatch(body, "parent_id"));
  FG_ASSIGN_OR_RETURN(patch.campaign_id, NullableIdPatch(body, "campaign_id"));
  return patch;
}

Result<directory::ZoneFilter> ZoneFilterFrom(const http::Request& request) {
  directory::ZoneFilter filter;
  FG_ASSIGN_OR_RETURN(filter.site_id, QueryId(request, "site_id"));
  return filter;
}

Result<directory::StationInput> StationInputFrom(const http::Request& request) {
  FG_ASSIGN_OR_RETURN(
      Json body, ParseObject(request, {"workstation_id", "zone_id", "campaign_id", "enabled"}));
  directory::StationInput in;
  FG_ASSIGN_OR_RETURN(in.workstation_id, RequiredString(body, "workstation_id", kMaxText));
  FG_ASSIGN_OR_RETURN(in.zone_id, RequiredInt(body, "zone_id"));
  FG_ASSIGN_OR_RETURN(in.campaign_id, OptionalInt(body, "campaign_id"));
  FG_ASSIGN_OR_RETURN(auto enabled, OptionalBool(body, "enabled"));
  in.enabled = enabled.value_or(true);
  return in;
}

Result<directory::StationPatch> StationPatchFrom(const http::Request& request) {
  FG_ASSIGN_OR_RETURN(
      Json body, ParseObject(request, {"workstation_id", "zone_id", "campaign_id", "enabled"}));
  FG_RETURN_IF_ERROR(RejectNulls(body, {"workstation_id", "zone_id", "enabled"}));
  directory::StationPatch patch;
  FG_ASSIGN_OR_RETURN(patch.workstation_id, OptionalString(body, "workstation_id", kMaxText));
  FG_ASSIGN_OR_RETURN(patch.zone_id, OptionalInt(body, "zone_id"));
  FG_ASSIGN_OR_RETURN(patch.campaign_id, NullableIdPatch(body, "campaign_id"));
  FG_ASSIGN_OR_RETURN(patch.enabled, OptionalBool(body, "enabled"));
  return patch;
}

Result<directory::StationFilter> StationFilterFrom(const http::Request& request) {
  directory::StationFilter filter;
  FG_ASSIGN_OR_RETURN(filter.zone_id, QueryId(request, "zone_id"));
  return filter;
}

// --- registration ---

// The five routes of one resource. Each callback gets what its route parsed.
struct Resource {
  std::string path;    // "/api/v1/people"
  std::string noun;    // "person", for summaries
  std::string plural;  // "people"
  std::vector<auth::Role> write_roles;
  std::function<http::Response(const Context&, const Page&)> list;
  std::function<http::Response(const Context&)> create;
  std::function<http::Response(const Context&, int64_t)> get;
  std::function<http::Response(const Context&, int64_t)> patch;
  std::function<http::Response(const Context&, int64_t)> remove;
};

void AddResource(RouteTable& table, Resource r) {
  const std::string item = r.path + "/{id}";
  table.Add({.method = http::Method::kGet,
             .pattern = r.path,
             .roles = kConsoleRoles,
             .summary = "List " + r.plural + " by id (limit, cursor and filters)",
             .tag = "directory",
             .handler = [list = r.list](const Context& ctx) {
               auto page = ParsePage(ctx.request);
               if (!page) return Problem(page.error());
               return list(ctx, *page);
             }});
  table.Add({.method = http::Method::kPost,
             .pattern = r.path,
             .roles = r.write_roles,
             .summary = "Create a " + r.noun,
             .tag = "directory",
             .handler = r.create,
             .request_body = true});
  auto with_id = [](std::function<http::Response(const Context&, int64_t)> fn) {
    return [fn = std::move(fn)](const Context& ctx) {
      auto id = ParseId(ctx.Param("id"));
      if (!id) return Problem(id.error());
      return fn(ctx, *id);
    };
  };
  table.Add({.method = http::Method::kGet,
             .pattern = item,
             .roles = kConsoleRoles,
             .summary = "Get one " + r.noun,
             .tag = "directory",
             .handler = with_id(r.get)});
  table.Add({.method = http::Method::kPatch,
             .pattern = item,
             .roles = r.write_roles,
             .summary = "Change some fields of a " + r.noun,
             .tag = "directory",
             .handler = with_id(r.patch),
             .request_body = true});
  table.Add({.method = http::Method::kDelete,
             .pattern = item,
             .roles = r.write_roles,
             .summary = "Delete a " + r.noun + " that nothing refers to",
             .tag = "directory",
             .handler = with_id(r.remove)});
}

// Parses with `parse`, then answers `call(parsed)` as an object (or the parse error).
template <typename Parse, typename Call>
http::Response ParseThen(int status, Parse&& parse, Call&& call) {
  auto parsed = parse();
  if (!parsed) return Problem(parsed.error());
  return ObjectResponse(status, call(*parsed));
}

template <typename Parse, typename Call>
http::Response ListThen(Parse&& parse, Call&& call) {
  auto filter = parse();
  if (!filter) return Problem(filter.error());
  return ListResponse(call(*filter));
}

}  // namespace

void AddDirectoryRoutes(RouteTable& table, Directory& directory) {
  Directory& d = directory;

  AddResource(
      table,
      {.path = "/api/v1/people",
       .noun = "person",
       .plural = "people",
       .write_roles = kAdminSecurity,
       .list =
           [&d](const Context& ctx, const Page& page) {
             return ListThen([&] { return PersonFilterFrom(ctx.request); },
                             [&](const directory::PersonFilter& f) {
                               return d.ListPeople(f, page.limit, page.after.value_or(0));
                             });
           },
       .create =
           [&d](const Context& ctx) {
             return ParseThen(
                 201, [&] { return PersonInputFrom(ctx.request); },
                 [&](const directory::PersonInput& in) { return d.CreatePerson(in, ctx.Actor()); });
           },
       .get = [&d](const Context&, int64_t id) { return ObjectResponse(200, d.GetPerson(id)); },
       .patch =
           [&d](const Context& ctx, int64_t id) {
             return ParseThen(
                 200, [&] { return PersonPatchFrom(ctx.request); },
                 [&](const directory::PersonPatch& p) {
                   return d.UpdatePerson(id, p, ctx.Actor());
                 });
           },
       .remove = [&d](const Context& ctx,
                      int64_t id) { return DeletedResponse(d.DeletePerson(id, ctx.Actor())); }});

  AddResource(
      table,
      {.path = "/api/v1/campaigns",
       .noun = "campaign",
       .plural = "campaigns",
       .write_roles = kAdminSecuritySupervisor,
       .list =
           [&d](const Context& ctx, const Page& page) {
             return ListThen([&] { return CampaignFilterFrom(ctx.request); },
                             [&](const directory::CampaignFilter& f) {
                               return d.ListCampaigns(f, page.limit, page.after.value_or(0));
                             });
           },
       .create =
           [&d](const Context& ctx) {
             return ParseThen(
                 201, [&] { return CampaignInputFrom(ctx.request); },
                 [&](const directory::CampaignInput& in) {
                   return d.CreateCampaign(in, ctx.Actor());
                 });
           },
       .get = [&d](const Context&, int64_t id) { return ObjectResponse(200, d.GetCampaign(id)); },
       .patch =
           [&d](const Context& ctx, int64_t id) {
             return ParseThen(
                 200, [&] { return CampaignPatchFrom(ctx.request); },
                 [&](const directory::CampaignPatch& p) {
                   return d.UpdateCampaign(id, p, ctx.Actor());
                 });
           },
       .remove = [&d](const Context& ctx,
                      int64_t id) { return DeletedResponse(d.DeleteCampaign(id, ctx.Actor())); }});

  AddResource(
      table,
      {.path = "/api/v1/training",
       .noun = "training record",
       .plural = "training records",
       .write_roles = kAdminSecuritySupervisor,
       .list =
           [&d](const Context& ctx, const Page& page) {
             return ListThen([&] { return TrainingFilterFrom(ctx.request); },
                             [&](const directory::TrainingFilter& f) {
                               return d.ListTraining(f, page.limit, page.after.value_or(0));
                             });
           },
       .create =
           [&d](const Context& ctx) {
             return ParseThen(
                 201, [&] { return TrainingInputFrom(ctx.request); },
                 [&](const directory::TrainingInput& in) {
                   return d.CreateTraining(in, ctx.Actor());
                 });
           },
       .get = [&d](const Context&, int64_t id) { return ObjectResponse(200, d.GetTraining(id)); },
       .patch =
           [&d](const Context& ctx, int64_t id) {
             return ParseThen(
                 200, [&] { return TrainingPatchFrom(ctx.request); },
                 [&](const directory::TrainingPatch& p) {
                   return d.UpdateTraining(id, p, ctx.Actor());
                 });
           },
       .remove = [&d](const Context& ctx,
                      int64_t id) { return DeletedResponse(d.DeleteTraining(id, ctx.Actor())); }});

  AddResource(
      table,
      {.path = "/api/v1/sites",
       .noun = "site",
       .plural = "sites",
       .write_roles = kAdminSecurity,
       .list =
           [&d](const Context&, const Page& page) {
             return ListResponse(d.ListSites({}, page.limit, page.after.value_or(0)));
           },
       .create =
           [&d](const Context& ctx) {
             return ParseThen(
                 201, [&] { return SiteInputFrom(ctx.request); },
                 [&](const directory::SiteInput& in) { return d.CreateSite(in, ctx.Actor()); });
           },
       .get = [&d](const Context&, int64_t id) { return ObjectResponse(200, d.GetSite(id)); },
       .patch =
           [&d](const Context& ctx, int64_t id) {
             return ParseThen(
                 200, [&] { return SitePatchFrom(ctx.request); },
                 [&](const directory::SitePatch& p) { return d.UpdateSite(id, p, ctx.Actor()); });
           },
       .remove = [&d](const Context& ctx,
                      int64_t id) { return DeletedResponse(d.DeleteSite(id, ctx.Actor())); }});

  AddResource(
      table,
      {.path = "/api/v1/zones",
       .noun = "zone",
       .plural = "zones",
       .write_roles = kAdminSecurity,
       .list =
           [&d](const Context& ctx, const Page& page) {
             return ListThen([&] { return ZoneFilterFrom(ctx.request); },
                             [&](const directory::ZoneFilter& f) {
                               return d.ListZones(f, page.limit, page.after.value_or(0));
                             });
           },
       .create =
           [&d](const Context& ctx) {
             return ParseThen(
                 201, [&] { return ZoneInputFrom(ctx.request); },
                 [&](const directory::ZoneInput& in) { return d.CreateZone(in, ctx.Actor()); });
           },
       .get = [&d](const Context&, int64_t id) { return ObjectResponse(200, d.GetZone(id)); },
       .patch =
           [&d](const Context& ctx, int64_t id) {
             return ParseThen(
                 200, [&] { return ZonePatchFrom(ctx.request, id, d); },
                 [&](const directory::ZonePatch& p) { return d.UpdateZone(id, p, ctx.Actor()); });
           },
       .remove = [&d](const Context& ctx,
                      int64_t id) { return DeletedResponse(d.DeleteZone(id, ctx.Actor())); }});

  AddResource(
      table,
      {.path = "/api/v1/stations",
       .noun = "station",
       .plural = "stations",
       .write_roles = kAdminSecurity,
       .list =
           [&d](const Context& ctx, const Page& page) {
             return ListThen([&] { return StationFilterFrom(ctx.request); },
                             [&](const directory::StationFilter& f) {
                               return d.ListStations(f, page.limit, page.after.value_or(0));
                             });
           },
       .create =
           [&d](const Context& ctx) {
             return ParseThen(
                 201, [&] { return StationInputFrom(ctx.request); },
                 [&](const directory::StationInput& in) {
                   return d.CreateStation(in, ctx.Actor());
                 });
           },
       .get = [&d](const Context&, int64_t id) { return ObjectResponse(200, d.GetStation(id)); },
       .patch =
           [&d](const Context& ctx, int64_t id) {
             return ParseThen(
                 200, [&] { return StationPatchFrom(ctx.request); },
                 [&](const directory::StationPatch& p) {
                   return d.UpdateStation(id, p, ctx.Actor());
                 });
           },
       .remove = [&d](const Context& ctx,
                      int64_t id) { return DeletedResponse(d.DeleteStation(id, ctx.Actor())); }});

  table.Add({.method = http::Method::kGet,
             .pattern = "/api/v1/directory/counts",
             .roles = kConsoleRoles,
             .summary = "People by kind, terminated, sites, zones, stations and campaigns",
             .tag = "directory",
             .handler = [&d](const Context&) { return ObjectResponse(200, d.Counts()); }});

  // Campaign assignments: with valid training they open the campaign's secure zones.
  auto assignments_json = [](const std::vector<directory::CampaignAssignment>& list) {
    Json items = Json::array();
    for (const auto& a : list) {
      items.push_back(
          {{"campaign_id", a.campaign_id}, {"assigned_at", core::FormatRfc3339(a.assigned_at)}});
    }
    return Json{{"items", std::move(items)}};
  };
  table.Add({.method = http::Method::kGet,
             .pattern = "/api/v1/people/{id}/campaigns",
             .roles = kConsoleRoles,
             .summary = "The campaigns a person is assigned to",
             .tag = "directory",
             .handler = [&d, assignments_json](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                 FG_ASSIGN_OR_RETURN(auto person, d.GetPerson(id));
                 FG_ASSIGN_OR_RETURN(auto list, d.ListAssignments(person.id));
                 return JsonResponse(200, assignments_json(list));
               });
             }});
  table.Add(
      {.method = http::Method::kPut,
       .pattern = "/api/v1/people/{id}/campaigns",
       .roles = kAdminSecuritySupervisor,
       .summary = "Replace a person's campaign assignments ({\"campaign_ids\": [..]})",
       .tag = "directory",
       .handler =
           [&d, assignments_json](const Context& ctx) {
             return Respond([&]() -> Result<http::Response> {
               FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
               FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"campaign_ids"}));
               const Json& ids = body.contains("campaign_ids") ? body["campaign_ids"] : Json();
               if (!ids.is_array()) {
                 return InvalidArgument("campaign_ids", "must be an array of campaign ids");
               }
               std::vector<int64_t> campaign_ids;
               for (const Json& v : ids) {
                 if (!v.is_number_integer() || v.get<int64_t>() <= 0) {
                   return InvalidArgument("campaign_ids", "must hold positive ids");
                 }
                 campaign_ids.push_back(v.get<int64_t>());
               }
               FG_ASSIGN_OR_RETURN(auto list, d.SetAssignments(id, campaign_ids, ctx.Actor()));
               return JsonResponse(200, assignments_json(list));
             });
           },
       .request_body = true});
}

}  // namespace fg::api
