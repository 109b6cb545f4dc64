#include "access/muster.h"
