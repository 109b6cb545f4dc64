#include "access/devices.h"
