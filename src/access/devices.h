// access/devices.h: (being written)
#pragma once

namespace fg::access {}  // namespace fg::access
