#include "voip/sip.h"
