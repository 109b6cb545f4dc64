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
// Compact JSON text that never throws (invalid UTF-8 replaced). For audit details.
std::string Dump(const Json& value);

// The request body as a JSON object; InvalidArgument when missing, malformed or not an
// object, or when it holds a field not in `allowed` (typos must not pass silently).
Result<Json> ParseObject(const http::Request& request,
                         std::initializer_list<std::string_view> allowed);

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
