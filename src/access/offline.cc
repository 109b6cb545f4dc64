#include "access/offline.h"
