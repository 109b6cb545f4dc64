#include "api/door_event_routes.h"
