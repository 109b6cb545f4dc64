#include "voip/channel.h"
