// The built-in lists of commonly used passwords and base words behind the password policy's
// "not a commonly used password" rule. Private to the auth module.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace fg::auth::internal {

// True when `lowercase` (an ASCII-lower-cased candidate) is a known common password (the
// small hand-made list or the generated one), or is a common base word ("password",
// "summer", "letmein", any generated entry of 4+ characters) dressed with leading/trailing
// digits and symbols and simple character swaps ("P@ssw0rd2024!", "Summer2025!!").
bool IsCommonPassword(std::string_view lowercase);

// The dressing rule on its own: strips digits and symbols at both ends, undoes swaps
// (@->a, 0->o, ...) and asks `is_base` about the core, or about its unit when the core is
// one unit repeated ("passwordpassword").
bool IsDressedWord(std::string_view lowercase,
                   const std::function<bool(std::string_view)>& is_base);

// Entries in the generated list, and whether one is in it exactly.
size_t BuiltinBlocklistSize();
bool BuiltinBlocklistContains(std::string_view lowercase);

}  // namespace fg::auth::internal
