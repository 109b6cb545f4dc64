#include "api/json.h"

#include <charconv>

#include "dlp/dlp.h"

namespace fg::api {

namespace {

thread_local std::vector<Redaction> t_redactions;

void RedactStrings(Json& value, const std::string& path) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (!dlp::Contains(text)) return;
    std::vector<dlp::Finding> found;
    std::string safe = dlp::Redact(text, {}, &found);
    for (const dlp::Finding& f : found) {
      t_redactions.push_back({path, std::string(dlp::KindName(f.kind)), f.masked});
    }
    value = std::move(safe);
  } else if (value.is_object()) {
    for (auto& [key, member] : value.items()) {
      if (ExemptFromRedaction(key)) continue;
      RedactStrings(member, path.empty() ? key : path + "." + key);
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      RedactStrings(value[i], path + "[" + std::to_string(i) + "]");
    }
  }
}

std::string_view Title(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "Invalid argument";
    case ErrorCode::kUnauthenticated:
      return "Not authenticated";
    case ErrorCode::kPermissionDenied:
      return "Permission denied";
    case ErrorCode::kNotFound:
      return "Not found";
    case ErrorCode::kAlreadyExists:
      return "Already exists";
    case ErrorCode::kFailedPrecondition:
      return "Conflict";
    case ErrorCode::kResourceExhausted:
      return "Too much";
    case ErrorCode::kUnavailable:
      return "Unavailable";
    case ErrorCode::kDataLoss:
      return "Data loss";
    case ErrorCode::kInternal:
      return "Internal error";
  }
  return "Error";
}

// Cursors are opaque to clients; they carry an id with a prefix so that a cursor from one
// list is unlikely to be mistaken for a plain number someone typed.
constexpr std::string_view kCursorPrefix = "c";

}  // namespace

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kResourceExhausted:
      return 413;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDataLoss:
      return 500;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

http::Response Problem(const Error& error) {
  int status = HttpStatus(error.code);
  // Internal details stay in the server log; the client gets a generic message.
  bool hide = error.code == ErrorCode::kInternal || error.code == ErrorCode::kDataLoss;
  std::string detail = hide ? "internal error; see the server log" : error.message;
  if (!error.field.empty() && !hide) detail = error.field + ": " + detail;
  Json body = {{"type", "about:blank"},
               {"title", Title(error.code)},
               {"status", status},
               {"code", ErrorCodeName(error.code)},
               {"detail", detail}};
  if (!error.field.empty() && !hide) {
    body["errors"] = Json::array({{{"field", error.field}, {"message", error.message}}});
  }
  http::Response response = http::Response::Json(status, Dump(body));
  response.SetHeader("Content-Type", "application/problem+json");
  return response;
}

http::Response Problem(ErrorCode code, std::string message, std::string field) {
  return Problem(Error{code, std::move(message), std::move(field)});
}

http::Response JsonResponse(int status, const Json& body) {
  return http::Response::Json(status, Dump(body));
}

Result<Json> ParseObject(const http::Request& request,
                         std::initializer_list<std::string_view> allowed) {
  if (request.body.empty()) return InvalidArgument("body", "a JSON object is required");
  Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return InvalidArgument("body", "is not valid JSON");
  if (!body.is_object()) return InvalidArgument("body", "must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) return InvalidArgument(key, "is not a known field");
  }
  RedactStrings(body, "");
  return body;
}

bool ExemptFromRedaction(std::string_view field) {
  for (std::string_view exempt : {"password", "new_password", "current_password", "token", "code",
                                  "secret", "recovery_code", "photo"}) {
    if (field == exempt) return true;
  }
  return false;
}

std::vector<Redaction> TakeRedactions() {
  std::vector<Redaction> out;
  out.swap(t_redactions);
  return out;
}

bool HasField(const Json& body, std::string_view field) {
  return body.is_object() && body.contains(field);
}

bool IsNullField(const Json& body, std::string_view field) {
  return HasField(body, field) && body.at(std::string(field)).is_null();
}

Result<std::optional<std::string>> OptionalString(const Json& body, std::string_view field,
                                                  size_t max_len) {
  if (!HasField(body, field) || IsNullField(body, field)) return std::optional<std::string>();
  const Json& value = body.at(std::string(field));
  if (!value.is_string()) return InvalidArgument(std::string(field), "must be a string");
  std::string text = value.get<std::string>();
  if (text.size() > max_len) {
    return InvalidArgument(std::string(field),
                           "must be at most " + std::to_string(max_len) + " bytes");
  }
  return std::optional<std::string>(std::move(text));
}

Result<std::string> RequiredString(const Json& body, std::string_view field, size_t max_len) {
  FG_ASSIGN_OR_RETURN(auto value, OptionalString(body, field, max_len));
  if (!value) return InvalidArgument(std::string(field), "is required");
  return *value;
}

Result<std::optional<int64_t>> OptionalInt(const Json& body, std::string_view field) {
  if (!HasField(body, field) || IsNullField(body, field)) return std::optional<int64_t>();
  const Json& value = body.at(std::string(field));
  if (!value.is_number_integer()) return InvalidArgument(std::string(field), "must be an integer");
  return std::optional<int64_t>(value.get<int64_t>());
}

Result<std::optional<bool>> OptionalBool(const Json& body, std::string_view field) {
  if (!HasField(body, field) || IsNullField(body, field)) return std::optional<bool>();
  const Json& value = body.at(std::string(field));
  if (!value.is_boolean()) return InvalidArgument(std::string(field), "must be true or false");
  return std::optional<bool>(value.get<bool>());
}

Result<int64_t> ParseId(std::string_view text, std::string_view field) {
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
    return InvalidArgument(std::string(field), "must be a positive integer id");
  }
  return id;
}

Result<Page> ParsePage(const http::Request& request) {
  Page page;
  if (auto limit = request.Query("limit")) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (ec != std::errc() || ptr != limit->data() + limit->size() || value < 1 || value > 500) {
      return InvalidArgument("limit", "must be an integer from 1 to 500");
    }
    page.limit = value;
  }
  if (auto cursor = request.Query("cursor"); cursor && !cursor->empty()) {
    if (!cursor->starts_with(kCursorPrefix)) return InvalidArgument("cursor", "is not a cursor");
    auto id = ParseId(cursor->substr(kCursorPrefix.size()), "cursor");
    if (!id) return InvalidArgument("cursor", "is not a cursor");
    page.after = *id;
  }
  return page;
}

std::string EncodeCursor(int64_t id) { return std::string(kCursorPrefix) + std::to_string(id); }

Json ListBody(Json items, std::optional<int64_t> next_cursor) {
  Json body = {{"items", std::move(items)}};
  body["next_cursor"] = next_cursor ? Json(EncodeCursor(*next_cursor)) : Json(nullptr);
  return body;
}

Result<std::optional<int64_t>> QueryId(const http::Request& request, std::string_view name) {
  auto text = request.Query(name);
  if (!text || text->empty()) return std::optional<int64_t>();
  FG_ASSIGN_OR_RETURN(int64_t id, ParseId(*text, name));
  return std::optional<int64_t>(id);
}

Result<std::optional<core::WallTime>> QueryTime(const http::Request& request,
                                                std::string_view name) {
  auto text = request.Query(name);
  if (!text || text->empty()) return std::optional<core::WallTime>();
  core::WallTime t;
  if (!core::ParseRfc3339(*text, &t)) {
    return InvalidArgument(std::string(name), "must be an RFC 3339 time or a date YYYY-MM-DD");
  }
  return std::optional<core::WallTime>(t);
}

Json TimeOrNull(const std::optional<core::WallTime>& t) {
  return t ? Json(core::FormatRfc3339(*t)) : Json(nullptr);
}

}  // namespace fg::api
