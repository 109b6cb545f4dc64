// QR codes as SVG, for showing an otpauth:// URI to an authenticator app in the console.
//
// What it decides: nothing; it draws. Error correction level M, a 4-module quiet zone, one
// <path> of dark modules on a white background, no scripts and no external references, so
// the text is safe inline or as <img src="data:image/svg+xml;base64,...">.
// What it never does: log or keep the text it encodes (it may be a TOTP secret).
// Thread-safety: thread-safe.
//
//   FG_ASSIGN_OR_RETURN(std::string svg, auth::QrSvg(totp::OtpauthUri("floorguard", "alice", s)));
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace fg::auth {

// The SVG document of a QR code holding `text` (byte mode). InvalidArgument when the text is
// empty or too long for any QR version.
Result<std::string> QrSvg(std::string_view text);

}  // namespace fg::auth
