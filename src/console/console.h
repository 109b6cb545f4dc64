// The web console as the binary carries it: every file under web/, embedded at build time.
//
// This module only answers "which bytes, of which type, for this path". It never touches
// the file system or the network and knows nothing of HTTP beyond the Content-Type and
// ETag values it hands out; src/http/src/api serve them (with Cache-Control: no-cache, so
// a browser revalidates with If-None-Match and gets a 304 when the ETag still matches).
// Thread-safety: everything is immutable; FindAsset may be called from any thread.
//
//   const console::Asset* asset = console::FindAsset(request.path);
//   if (asset == nullptr) return NotFound();
//   return Response{200, asset->content_type, asset->body, {{"ETag", Quote(asset->etag)}}};
#pragma once

#include <span>
#include <string_view>

namespace fg::console {

struct Asset {
  std::string_view path;          // "/index.html", "/js/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;          // the file's bytes, static storage
  std::string_view etag;          // hash of the body, 16 hex digits, unquoted: "0123456789abcdef"
};

// The asset at a percent-decoded request path without the query string. "/" (and "")
// maps to "/index.html". Lookup is exact: a path with "..", "//", a backslash or a NUL
// never matches. nullptr when there is no such asset.
const Asset* FindAsset(std::string_view path);

// Every embedded asset, in path order.
std::span<const Asset> AllAssets();

}  // namespace fg::console
