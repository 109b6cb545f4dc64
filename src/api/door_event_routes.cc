#include "api/door_event_routes.h"

#include <charconv>
#include <span>

#include "api/json.h"

namespace fg::api {

namespace {

using http::Method;

constexpr size_t kMaxBatch = 500;
// The fields of one event and of one sighting (in a batch, each item is checked on its own).
constexpr std::string_view kEventFields[] = {"kind", "door_id",  "reader_id",
                                             "time", "event_id", "note"};
constexpr std::string_view kSightingFields[] = {"identifier", "zone_id", "rssi", "time"};

Json TimeOrNull(const std::optional<core::WallTime>& t) {
  return t ? Json(core::FormatRfc3339(*t)) : Json(nullptr);
}
template <typename T>
Json OrNull(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

Json ErrorJson(const Error& e) {
  const bool hide = e.code == ErrorCode::kInternal || e.code == ErrorCode::kDataLoss;
  Json out{{"code", ErrorCodeName(e.code)},
           {"message", hide ? "internal error; see the server log" : e.message}};
  if (!e.field.empty()) out["field"] = e.field;
  return out;
}

Json EventJson(const access::DoorEvent& e) {
  return Json{{"id", e.id},
              {"kind", access::DoorEventKindName(e.kind)},
              {"door_id", OrNull(e.door_id)},
              {"reader_id", OrNull(e.reader_id)},
              {"controller", e.controller},
              {"event_id", OrNull(e.event_id)},
              {"time", core::FormatRfc3339(e.time)},
              {"received_at", core::FormatRfc3339(e.received_at)},
              {"time_clamped", e.time_clamped},
              {"note", e.note},
              {"alert_id", OrNull(e.alert_id)}};
}

Json StateJson(const access::DoorState& s) {
  Json out{{"door_id", s.door_id},
           {"door_name", s.door_name},
           {"controller", s.controller},
           {"controller_status", access::ControllerStatusName(s.status)},
           {"position", access::DoorPositionName(s.position)},
           {"last_event_at", TimeOrNull(s.last_event_at)},
           {"last_seen_at", TimeOrNull(s.last_seen_at)},
           {"last_passage_at", TimeOrNull(s.last_passage_at)},
           {"tamper_at", TimeOrNull(s.tamper_at)}};
  out["last_event"] = s.last_event ? Json(access::DoorEventKindName(*s.last_event)) : Json(nullptr);
  return out;
}

Json ViolationJson(const access::Violation& v) {
  return Json{{"id", v.id},
              {"person_id", v.person_id},
              {"zone_id", v.zone_id},
              {"time", core::FormatRfc3339(v.time)},
              {"kind", access::ViolationKindName(v.kind)},
              {"note", v.note},
              {"camera_ref", v.camera_ref},
              {"recorded_by", v.recorded_by},
              {"recorded_at", core::FormatRfc3339(v.recorded_at)},
              {"alert_id", OrNull(v.alert_id)}};
}

Json DeviceJson(const access::CompanyDevice& d) {
  return Json{{"id", d.id},     {"identifier", d.identifier},
              {"kind", d.kind}, {"person_id", OrNull(d.person_id)},
              {"note", d.note}, {"created_at", core::FormatRfc3339(d.created_at)}};
}

Json EpisodeJson(const access::DeviceEpisode& e) {
  return Json{{"id", e.id},
              {"identifier", e.identifier},
              {"zone_id", e.zone_id},
              {"first_seen", core::FormatRfc3339(e.first_seen)},
              {"last_seen", core::FormatRfc3339(e.last_seen)},
              {"sightings", e.sightings},
              {"min_rssi", e.min_rssi},
              {"max_rssi", e.max_rssi},
              {"closed", e.closed},
              {"alert_id", OrNull(e.alert_id)}};
}

Result<std::optional<core::WallTime>> OptionalTime(const Json& body, std::string_view field) {
  FG_ASSIGN_OR_RETURN(auto text, OptionalString(body, field, 64));
  if (!text) return std::optional<core::WallTime>();
  core::WallTime t;
  if (!core::ParseRfc3339(*text, &t)) {
    return InvalidArgument(std::string(field), "must be an RFC 3339 time");
  }
  return std::optional<core::WallTime>(t);
}

Result<int64_t> RequiredId(const Json& body, std::string_view field) {
  FG_ASSIGN_OR_RETURN(auto value, OptionalInt(body, field));
  if (!value || *value <= 0) return InvalidArgument(std::string(field), "must be a positive id");
  return *value;
}

Result<void> OnlyFields(const Json& item, std::span<const std::string_view> allowed) {
  if (!item.is_object()) return InvalidArgument("", "must be a JSON object");
  for (const auto& [key, value] : item.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) return InvalidArgument(key, "is not a known field");
  }
  return {};
}

// "events[2]" + "door_id" -> "events[2].door_id".
Error InItem(Error e, const std::string& prefix) {
  e.field = e.field.empty() ? prefix : prefix + "." + e.field;
  return e;
}

Result<access::DoorEventInput> ParseEvent(const Json& item) {
  FG_RETURN_IF_ERROR(OnlyFields(item, kEventFields));
  access::DoorEventInput in;
  FG_ASSIGN_OR_RETURN(std::string kind, RequiredString(item, "kind", 32));
  auto parsed = access::ParseDoorEventKind(kind);
  if (!parsed) {
    return InvalidArgument("kind",
                           "must be passage_confirmed, door_forced_open, door_held_open, "
                           "door_closed, tamper, controller_online, controller_offline or "
                           "heartbeat");
  }
  in.kind = *parsed;
  FG_ASSIGN_OR_RETURN(in.door_id, OptionalInt(item, "door_id"));
  FG_ASSIGN_OR_RETURN(in.reader_id, OptionalString(item, "reader_id", 64));
  FG_ASSIGN_OR_RETURN(in.time, OptionalTime(item, "time"));
  FG_ASSIGN_OR_RETURN(in.event_id, OptionalString(item, "event_id", 64));
  FG_ASSIGN_OR_RETURN(auto note, OptionalString(item, "note", 200));
  in.note = note.value_or("");
  return in;
}

Result<access::SightingInput> ParseSighting(const Json& item) {
  FG_RETURN_IF_ERROR(OnlyFields(item, kSightingFields));
  access::SightingInput in;
  FG_ASSIGN_OR_RETURN(in.identifier, RequiredString(item, "identifier", 80));
  FG_ASSIGN_OR_RETURN(in.zone_id, RequiredId(item, "zone_id"));
  FG_ASSIGN_OR_RETURN(auto rssi, OptionalInt(item, "rssi"));
  if (!rssi) return InvalidArgument("rssi", "is required (dBm, -127..0)");
  if (*rssi < -127 || *rssi > 0) return InvalidArgument("rssi", "must be -127..0 dBm");
  in.rssi = static_cast<int>(*rssi);
  FG_ASSIGN_OR_RETURN(in.time, OptionalTime(item, "time"));
  return in;
}

// The items of a batch body ({"<key>": [...]}) or the body itself as the single item.
struct Items {
  bool batch = false;
  std::vector<Json> items;
};
Result<Items> SplitBatch(const http::Request& request, std::string_view key) {
  if (request.body.empty()) return InvalidArgument("body", "a JSON object is required");
  Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return InvalidArgument("body", "is not valid JSON");
  if (!body.is_object()) return InvalidArgument("body", "must be a JSON object");
  Items out;
  if (!body.contains(key)) {
    out.items.push_back(std::move(body));
    return out;
  }
  if (body.size() != 1) {
    return InvalidArgument(std::string(key), "a batch holds only \"" + std::string(key) + "\"");
  }
  Json& list = body[std::string(key)];
  if (!list.is_array() || list.empty() || list.size() > kMaxBatch) {
    return InvalidArgument(std::string(key),
                           "must be an array of 1.." + std::to_string(kMaxBatch) + " objects");
  }
  out.batch = true;
  for (auto& item : list) out.items.push_back(std::move(item));
  return out;
}

Result<int> QueryLimit(const http::Request& request) {
  auto text = request.Query("limit");
  if (!text || text->empty()) return 50;
  int limit = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > 500) {
    return InvalidArgument("limit", "must be an integer 1..500");
  }
  return limit;
}

http::Response PostEvents(access::DoorEvents& events, const Context& ctx) {
  return Respond([&]() -> Result<http::Response> {
    FG_ASSIGN_OR_RETURN(Items items, SplitBatch(ctx.request, "events"));
    const std::string& controller = ctx.caller->name;
    if (!items.batch) {
      FG_ASSIGN_OR_RETURN(auto input, ParseEvent(items.items.front()));
      FG_ASSIGN_OR_RETURN(auto r, events.Record(input, controller));
      Json out = EventJson(r.event);
      out["duplicate"] = r.duplicate;
      out["stored"] = r.stored;
      if (r.alert_error) out["alert_error"] = ErrorJson(*r.alert_error);
      return JsonResponse(r.stored && !r.duplicate ? 201 : 200, out);
    }
    Json results = Json::array();
    int accepted = 0, duplicates = 0, rejected = 0;
    for (size_t i = 0; i < items.items.size(); ++i) {
      const std::string prefix = "events[" + std::to_string(i) + "]";
      auto r = ParseEvent(items.items[i]).and_then([&](const access::DoorEventInput& input) {
        return events.Record(input, controller);
      });
      if (!r) {
        const Error e = InItem(r.error(), prefix);
        results.push_back({{"index", i}, {"status", HttpStatus(e.code)}, {"error", ErrorJson(e)}});
        ++rejected;
        continue;
      }
      Json item{{"index", i},
                {"status", r->stored && !r->duplicate ? 201 : 200},
                {"duplicate", r->duplicate},
                {"event", EventJson(r->event)}};
      if (r->alert_error) item["alert_error"] = ErrorJson(*r->alert_error);
      results.push_back(std::move(item));
      ++(r->duplicate ? duplicates : accepted);
    }
    return JsonResponse(200, {{"results", std::move(results)},
                              {"accepted", accepted},
                              {"duplicates", duplicates},
                              {"rejected", rejected}});
  });
}

Json SightingJson(const access::SightingResult& r) {
  Json out{{"identifier", r.identifier},
           {"outcome", access::SightingOutcomeName(r.outcome)},
           {"alert_id", OrNull(r.alert_id)}};
  if (r.alert_error) out["alert_error"] = ErrorJson(*r.alert_error);
  return out;
}

http::Response PostSightings(access::Devices& devices, const Context& ctx) {
  return Respond([&]() -> Result<http::Response> {
    FG_ASSIGN_OR_RETURN(Items items, SplitBatch(ctx.request, "sightings"));
    const std::string& sensor = ctx.caller->name;
    if (!items.batch) {
      FG_ASSIGN_OR_RETURN(auto input, ParseSighting(items.items.front()));
      FG_ASSIGN_OR_RETURN(auto r, devices.RecordSighting(input, sensor));
      return JsonResponse(200, SightingJson(r));
    }
    Json results = Json::array();
    int accepted = 0, rejected = 0;
    for (size_t i = 0; i < items.items.size(); ++i) {
      const std::string prefix = "sightings[" + std::to_string(i) + "]";
      auto r = ParseSighting(items.items[i]).and_then([&](const access::SightingInput& input) {
        return devices.RecordSighting(input, sensor);
      });
      if (!r) {
        const Error e = InItem(r.error(), prefix);
        results.push_back({{"index", i}, {"status", HttpStatus(e.code)}, {"error", ErrorJson(e)}});
        ++rejected;
        continue;
      }
      Json item = SightingJson(*r);
      item["index"] = i;
      item["status"] = 200;
      results.push_back(std::move(item));
      ++accepted;
    }
    return JsonResponse(
        200, {{"results", std::move(results)}, {"accepted", accepted}, {"rejected", rejected}});
  });
}

}  // namespace

void AddDoorEventRoutes(RouteTable& table, access::DoorEvents& events, access::Devices& devices) {
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/access/door-events",
             .roles = {auth::Role::kDoorController},
             .summary = "Report door events (one, or {\"events\": [...]} with a result each)",
             .tag = "access",
             .handler = [&events](const Context& ctx) { return PostEvents(events, ctx); },
             .request_body = true});
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/door-events",
             .roles = kConsoleRoles,
             .summary = "Door events, newest first (?door_id=&limit=)",
             .tag = "access",
             .handler = [&events](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 access::DoorEventFilter filter;
                 FG_ASSIGN_OR_RETURN(filter.door_id, QueryId(ctx.request, "door_id"));
                 FG_ASSIGN_OR_RETURN(filter.limit, QueryLimit(ctx.request));
                 FG_ASSIGN_OR_RETURN(auto list, events.List(filter));
                 return ItemsResponse(list, EventJson);
               });
             }});
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/door-states",
             .roles = kConsoleRoles,
             .summary = "Every door's state: controller online/offline, position, last event",
             .tag = "access",
             .handler = [&events](const Context&) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(auto states, events.States());
                 return ItemsResponse(states, StateJson);
               });
             }});

  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/access/violations",
             .roles = kAdminSecuritySupervisor,
             .summary = "Record a personal-device violation; opens an alert for security",
             .tag = "access",
             .handler =
                 [&devices](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(Json body,
                                         ParseObject(ctx.request, {"person_id", "zone_id", "time",
                                                                   "kind", "note", "camera_ref"}));
                     access::ViolationInput in;
                     FG_ASSIGN_OR_RETURN(in.person_id, RequiredId(body, "person_id"));
                     FG_ASSIGN_OR_RETURN(in.zone_id, RequiredId(body, "zone_id"));
                     FG_ASSIGN_OR_RETURN(in.time, OptionalTime(body, "time"));
                     FG_ASSIGN_OR_RETURN(std::string kind, RequiredString(body, "kind", 16));
                     auto parsed = access::ParseViolationKind(kind);
                     if (!parsed) {
                       return InvalidArgument("kind", "must be phone, camera, storage or other");
                     }
                     in.kind = *parsed;
                     FG_ASSIGN_OR_RETURN(auto note, OptionalString(body, "note", 1000));
                     in.note = note.value_or("");
                     FG_ASSIGN_OR_RETURN(auto camera, OptionalString(body, "camera_ref", 200));
                     in.camera_ref = camera.value_or("");
                     FG_ASSIGN_OR_RETURN(auto r, devices.RecordViolation(in, ctx.Actor()));
                     Json out = ViolationJson(r.violation);
                     if (r.alert_error) out["alert_error"] = ErrorJson(*r.alert_error);
                     return JsonResponse(201, out);
                   });
                 },
             .request_body = true});
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/violations",
             .roles = kConsoleRoles,
             .summary = "Personal-device violations, newest first (?person_id=&zone_id=&limit=)",
             .tag = "access",
             .handler = [&devices](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 access::ViolationFilter filter;
                 FG_ASSIGN_OR_RETURN(filter.person_id, QueryId(ctx.request, "person_id"));
                 FG_ASSIGN_OR_RETURN(filter.zone_id, QueryId(ctx.request, "zone_id"));
                 FG_ASSIGN_OR_RETURN(filter.limit, QueryLimit(ctx.request));
                 FG_ASSIGN_OR_RETURN(auto list, devices.ListViolations(filter));
                 return ItemsResponse(list, ViolationJson);
               });
             }});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/devices",
             .roles = kAdminSecurity,
             .summary = "Registered company devices",
             .tag = "access",
             .handler = [&devices](const Context&) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(auto list, devices.ListDevices());
                 return ItemsResponse(list, DeviceJson);
               });
             }});
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/access/devices",
             .roles = kAdminSecurity,
             .summary = "Register a company device (hashed MAC or BLE identifier)",
             .tag = "access",
             .handler =
                 [&devices](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(
                         Json body,
                         ParseObject(ctx.request, {"identifier", "kind", "person_id", "note"}));
                     access::CompanyDeviceInput in;
                     FG_ASSIGN_OR_RETURN(in.identifier, RequiredString(body, "identifier", 80));
                     FG_ASSIGN_OR_RETURN(in.kind, RequiredString(body, "kind", 32));
                     FG_ASSIGN_OR_RETURN(in.person_id, OptionalInt(body, "person_id"));
                     if (in.person_id && *in.person_id <= 0) {
                       return InvalidArgument("person_id", "must be a positive id");
                     }
                     FG_ASSIGN_OR_RETURN(auto note, OptionalString(body, "note", 200));
                     in.note = note.value_or("");
                     FG_ASSIGN_OR_RETURN(auto device, devices.RegisterDevice(in, ctx.Actor()));
                     return JsonResponse(201, DeviceJson(device));
                   });
                 },
             .request_body = true});
  table.Add({.method = Method::kDelete,
             .pattern = "/api/v1/access/devices/{id}",
             .roles = kAdminSecurity,
             .summary = "Remove a company device from the registry",
             .tag = "access",
             .handler = [&devices](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                 FG_RETURN_IF_ERROR(devices.DeleteDevice(id, ctx.Actor()));
                 return http::Response::Empty(204);
               });
             }});
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/device-episodes",
             .roles = kAdminSecurity,
             .summary = "Stored episodes of unregistered devices in watched zones (?limit=)",
             .tag = "access",
             .handler = [&devices](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int limit, QueryLimit(ctx.request));
                 FG_ASSIGN_OR_RETURN(auto list, devices.ListEpisodes(limit));
                 return ItemsResponse(list, EpisodeJson);
               });
             }});
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/access/sightings",
             .roles = {auth::Role::kSensor},
             .summary = "Report device sightings (one, or {\"sightings\": [...]})",
             .tag = "access",
             .handler = [&devices](const Context& ctx) { return PostSightings(devices, ctx); },
             .request_body = true});
}

}  // namespace fg::api
