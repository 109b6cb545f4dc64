#pragma once

namespace fg::app {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace fg::app
