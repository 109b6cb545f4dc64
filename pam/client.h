// The module's only way to reach the floorguard server: POST a JSON body to a path under the
// configured URL with the station's bearer token. An interface so unit tests can fake it.
//
// What it decides: nothing; it reports the status and body, or an Error when no answer came
// (unreachable, TLS failure, timeout, answer too large). An Error makes the caller fail closed.
// What it never does: follow redirects, skip certificate or host-name verification, log or
// keep the request body (which holds the password) or the token.
// Thread-safety: one client per PAM call; not shared between threads.
//
//   auto client = MakeCurlClient(config);
//   Result<HttpReply> reply = client->Post("/api/v1/logon", body);
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "pam/config.h"

namespace fg::pam {

struct HttpReply {
  long status = 0;
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // `body` is the caller's: the client sends it from the caller's buffer without copying it.
  virtual Result<HttpReply> Post(std::string_view path, const std::string& body) = 0;
};

std::unique_ptr<HttpClient> MakeCurlClient(const Config& config);

}  // namespace fg::pam
