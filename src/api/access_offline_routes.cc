#include "api/access_offline_routes.h"
