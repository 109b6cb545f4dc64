#include "voip/call_tracker.h"
