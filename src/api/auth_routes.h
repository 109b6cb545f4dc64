// The auth module's HTTP routes: the console session (/api/v1/session: log in with an
// optional "totp" code or recovery code, who am I, log out, change my password), one's own
// TOTP (/api/v1/me/totp: enrol, confirm, turn off), console users (an admin may turn a
// user's TOTP off at /api/v1/users/{id}/totp) (/api/v1/users) and device tokens
// (/api/v1/tokens), as docs/api.md describes. Secrets (passwords, tokens) appear in a
// response only once, when they are created; hashes never.
#pragma once

#include "api/routes.h"
#include "auth/auth.h"

namespace fg::api {

struct AuthRouteOptions {
  bool secure_cookies = false;  // TLS: cookies carry Secure
};

void AddAuthRoutes(RouteTable& table, auth::Auth& auth, AuthRouteOptions options);

// The cookie names the API server reads.
inline constexpr std::string_view kSessionCookie = "fg_session";
inline constexpr std::string_view kCsrfCookie = "csrf";

}  // namespace fg::api
