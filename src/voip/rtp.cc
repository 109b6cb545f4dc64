#include "voip/rtp.h"
