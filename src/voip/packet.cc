#include "voip/packet.h"
