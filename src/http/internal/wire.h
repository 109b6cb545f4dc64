// Wire helpers of the http module: request-target decoding and response-header checks.
//
// Private to src/http (and its tests and fuzz targets). Pure functions over strings, no
// Beast or Asio, so that they can be tested and fuzzed on their own.
// Thread-safety: stateless.
//
//   Request request;
//   request.target = "/api/v1/people?name=J%C3%BCrgen";
//   if (!internal::ParseTarget(request)) return 400;  // path "/api/v1/people", name=Jürgen
#pragma once

#include <string>
#include <string_view>

#include "http/message.h"

namespace fg::http::internal {

char Lower(char c);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Percent-decodes `in` into `out`, reusing its capacity; '+' becomes ' ' when asked (query
// strings). False on a malformed escape and on a decoded NUL, which no floorguard path or
// parameter may contain.
bool PercentDecode(std::string_view in, std::string& out, bool plus_is_space);

// Fills request.path and request.query from request.target. False unless the target is an
// origin-form URL ("/path?query", RFC 9112 section 3.2.1) that decodes cleanly. Reuses the
// capacity of path and of the query pairs (a keep-alive connection reuses one Request).
bool ParseTarget(Request& request);

// False for a header a handler must not send: a name that is not an RFC 9110 token, or a
// value with a control character (CR or LF would split the response).
bool IsSafeHeader(std::string_view name, std::string_view value);

}  // namespace fg::http::internal
