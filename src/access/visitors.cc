#include "access/visitors.h"
