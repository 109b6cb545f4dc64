#include "voip/sdp.h"
