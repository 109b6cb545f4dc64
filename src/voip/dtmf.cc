#include "voip/dtmf.h"
