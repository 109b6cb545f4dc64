// The built-in list of commonly used passwords and base words behind the password policy's
// "not a commonly used password" rule. Private to the auth module.
#pragma once

#include <string_view>

namespace fg::auth::internal {

// True when `lowercase` (an ASCII-lower-cased candidate) is a known common password, or is
// a common base word ("password", "summer", "letmein") dressed with leading/trailing digits
// and symbols and simple character swaps ("P@ssw0rd2024!", "Summer2025!!").
bool IsCommonPassword(std::string_view lowercase);

}  // namespace fg::auth::internal
