// access/door_events.h: (being written)
#pragma once

namespace fg::access {}  // namespace fg::access
