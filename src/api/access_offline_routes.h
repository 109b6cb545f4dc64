// (being written)
#pragma once

namespace fg::api {}  // namespace fg::api
