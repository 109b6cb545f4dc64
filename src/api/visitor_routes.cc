#include "api/visitor_routes.h"
