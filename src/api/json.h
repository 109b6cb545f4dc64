// JSON at the API boundary: parsing request bodies with field-level errors, writing
// responses, problem+json for errors, and pagination. nlohmann-json throws; every call into
// it that can throw on client input is caught here.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "http/message.h"

namespace fg::api {

using Json = nlohmann::json;

// Runs a handler body written with FG_ASSIGN_OR_RETURN and turns its error, if any, into
// problem+json: route files need no if-error-return after every call.
template <typename Fn>
http::Response Respond(Fn&& fn);

// The HTTP status for an error code (the only place codes meet HTTP).
int HttpStatus(ErrorCode code);
// application/problem+json for an Error, with errors[] naming the field when there is one.
http::Response Problem(const Error& error);
http::Response Problem(ErrorCode code, std::string message, std::string field = {});
// 200/201 with a JSON body; invalid UTF-8 in strings is replaced, never thrown.
http::Response JsonResponse(int status, const Json& body);
// 200 {"items": [to_json(x) for x in list]}: the answer of every plain list route.
template <typename List, typename ToJson>
http::Response ItemsResponse(const List& list, ToJson&& to_json) {
  Json items = Json::array();
  for (const auto& x : list) items.push_back(to_json(x));
  return JsonResponse(200, {{"items", std::move(items)}});
}
// Compact JSON text that never throws (invalid UTF-8 replaced). For audit details.
std::string Dump(const Json& value);

// The request body as a JSON object; InvalidArgument when missing, malformed or not an
// object, or when it holds a field not in `allowed` (typos must not pass silently).
// Every string in it, at any depth, has passed the redactor (dlp): a card number in a note
// arrives at the handler as "[PAN ****1111]", so no module can store one. Fields that hold
// secrets or binary data (ExemptFromRedaction) are left alone: they are hashed or decoded,
// never stored as text. What was redacted is kept for the request's audit entry.
Result<Json> ParseObject(const http::Request& request,
                         std::initializer_list<std::string_view> allowed);

// password, new_password, current_password, token, code, secret, recovery_code, photo.
bool ExemptFromRedaction(std::string_view field);

// One redaction in a request body: where (a JSON path such as "note" or "events[2].details")
// and what (kind and mask only).
struct Redaction {
  std::string field;
  std::string kind;
  std::string masked;
};
// The redactions ParseObject made on this thread since the last call (Api audits them after
// each request as "dlp.redact").
std::vector<Redaction> TakeRedactions();

// Typed field access with field-level errors. "Optional" returns nullopt when the field is
// absent (or null, with AllowNull); a present field of the wrong type is an error.
Result<std::string> RequiredString(const Json& body, std::string_view field, size_t max_len = 200);
Result<std::optional<std::string>> OptionalString(const Json& body, std::string_view field,
                                                  size_t max_len = 200);
Result<std::optional<int64_t>> OptionalInt(const Json& body, std::string_view field);
Result<std::optional<bool>> OptionalBool(const Json& body, std::string_view field);
bool HasField(const Json& body, std::string_view field);
bool IsNullField(const Json& body, std::string_view field);

// A path parameter that must be a positive integer id.
Result<int64_t> ParseId(std::string_view text, std::string_view field = "id");

// Query parameters shared by list routes: absent or empty is nullopt, a bad value is an
// InvalidArgument naming the parameter.
Result<std::optional<int64_t>> QueryId(const http::Request& request, std::string_view name);
Result<std::optional<core::WallTime>> QueryTime(const http::Request& request,
                                                std::string_view name);
// An optional time as RFC 3339, or null.
Json TimeOrNull(const std::optional<core::WallTime>& t);

struct Page {
  int limit = 50;
  std::optional<int64_t> after;  // decoded cursor: the last id of the previous page
};
// Reads ?limit= (1..500) and ?cursor= from the query string.
Result<Page> ParsePage(const http::Request& request);
// {"items": items, "next_cursor": cursor or null}
Json ListBody(Json items, std::optional<int64_t> next_cursor);
std::string EncodeCursor(int64_t id);

template <typename Fn>
http::Response Respond(Fn&& fn) {
  Result<http::Response> response = fn();
  if (!response) return Problem(response.error());
  return std::move(*response);
}

}  // namespace fg::api
