#include "access/door_events.h"
