#include "access/lockers.h"
